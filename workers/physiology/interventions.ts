// Interventions as time-varying model inputs. An InputSchedule turns a scenario's intervention
// list into (a) slow multipliers on model parameters (drug PD), (b) the aortic EOA (TAVR), (c) a
// fixed heart rate (pacing) and (d) a cumulative external volume (fluids in, hemorrhage and
// diuresis out) added to the systemic veins. It advances monotonically in time and allocates
// nothing per call after construction.
import { type DrugName, type Intervention, type InterventionSource } from '../../core/domain/physiology';
import { type ModelContext } from './model';
import { DRUGS, DrugState, emaxEffect, infusionMgPerSec } from './pkpd';

/** Longest sub-step for the diuresis integral (s): PK half-lives are ≥ 2 min. */
const MAX_PK_SUBSTEP_SEC = 10;

interface PkEvent {
  tSec: number;
  apply: () => void;
}

interface VolumeRamp {
  atSec: number;
  overSec: number;
  /** Positive in, negative out. */
  volumeMl: number;
}

export class InputSchedule {
  tSec = 0;
  /** Diuresis removed so far (mL, positive). */
  diuresisMl = 0;
  private readonly drugs = new Map<DrugName, DrugState>();
  /** The same states as an array: iterated per beat without allocating an iterator. */
  private readonly drugList: DrugState[] = [];
  private readonly events: PkEvent[] = [];
  private nextEvent = 0;
  private readonly ramps: VolumeRamp[] = [];
  private readonly tavr: { atSec: number; eoaCm2: number }[];
  private readonly pacing: { atSec: number; hrBpm: number; avDelaySec: number }[];
  private readonly baseEoaCm2: number;

  constructor(interventions: readonly Intervention[], weightKg: number, baseEoaCm2: number) {
    this.baseEoaCm2 = baseEoaCm2;
    const drug = (name: DrugName): DrugState => {
      let s = this.drugs.get(name);
      if (!s) {
        s = new DrugState(DRUGS[name], weightKg);
        this.drugs.set(name, s);
        this.drugList.push(s);
      }
      return s;
    };
    for (const iv of interventions) {
      switch (iv.type) {
        case 'drug': {
          const s = drug(iv.drug);
          if ('rateMcgPerKgPerMin' in iv) {
            const rate = infusionMgPerSec(iv.rateMcgPerKgPerMin, weightKg);
            this.events.push({ tSec: iv.atSec, apply: () => { s.infusionMgPerSec += rate; } });
            if (iv.overSec !== undefined) {
              this.events.push({ tSec: iv.atSec + iv.overSec, apply: () => { s.infusionMgPerSec = Math.max(0, s.infusionMgPerSec - rate); } });
            }
          } else {
            const { doseMg, route } = iv;
            this.events.push({ tSec: iv.atSec, apply: () => s.dose(doseMg, route) });
          }
          break;
        }
        case 'fluid':
          this.ramps.push({ atSec: iv.atSec, overSec: iv.overSec, volumeMl: iv.volumeMl });
          break;
        case 'hemorrhage':
          this.ramps.push({ atSec: iv.atSec, overSec: iv.overSec, volumeMl: -iv.volumeMl });
          break;
        case 'tavr':
        case 'pacing':
          break;
      }
    }
    this.events.sort((a, b) => a.tSec - b.tSec);
    this.tavr = interventions
      .flatMap((iv) => (iv.type === 'tavr' ? [{ atSec: iv.atSec, eoaCm2: iv.eoaCm2 }] : []))
      .sort((a, b) => a.atSec - b.atSec);
    this.pacing = interventions
      .flatMap((iv) => (iv.type === 'pacing' ? [{ atSec: iv.atSec, hrBpm: iv.hrBpm, avDelaySec: (iv.avDelayMs ?? 0) / 1000 }] : []))
      .sort((a, b) => a.atSec - b.atSec);
    this.applyDueEvents();
  }

  /** Advance PK and the diuresis integral to tSec (never backwards). */
  advanceTo(tSec: number): void {
    while (this.tSec < tSec) {
      const ev = this.events[this.nextEvent];
      const stopAt = ev && ev.tSec < tSec ? Math.max(ev.tSec, this.tSec) : tSec;
      this.advancePk(stopAt - this.tSec);
      this.tSec = stopAt;
      this.applyDueEvents();
    }
  }

  private applyDueEvents(): void {
    for (let ev = this.events[this.nextEvent]; ev && ev.tSec <= this.tSec; ev = this.events[this.nextEvent]) {
      ev.apply();
      this.nextEvent++;
    }
  }

  private advancePk(h: number): void {
    if (h <= 0 || this.drugList.length === 0) return;
    const n = Math.max(1, Math.ceil(h / MAX_PK_SUBSTEP_SEC));
    const dh = h / n;
    for (let i = 0; i < n; i++) {
      // Diuresis by the trapezoid rule over each sub-step (its rate follows the concentration).
      const r0 = this.diuresisRateMlPerS();
      for (let k = 0; k < this.drugList.length; k++) this.drugList[k]!.advance(dh);
      this.diuresisMl += 0.5 * (r0 + this.diuresisRateMlPerS()) * dh;
    }
  }

  private effect(target: 'heartRate' | 'elastance' | 'resistance' | 'venousUnstressedVolume' | 'diuresisMlPerS'): number {
    let total = 0;
    for (let k = 0; k < this.drugList.length; k++) {
      const s = this.drugList[k]!;
      const c = s.concentrationNgPerMl;
      const effects = s.spec.effects;
      for (let j = 0; j < effects.length; j++) if (effects[j]!.target === target) total += emaxEffect(c, effects[j]!);
    }
    return total;
  }

  diuresisRateMlPerS(): number {
    return this.effect('diuresisMlPerS');
  }

  /** Fluids minus hemorrhage minus diuresis up to the current time (mL). */
  externalVolumeMl(): number {
    let v = -this.diuresisMl;
    for (const r of this.ramps) {
      const f = r.overSec > 0 ? (this.tSec - r.atSec) / r.overSec : this.tSec >= r.atSec ? 1 : 0;
      v += r.volumeMl * Math.min(1, Math.max(0, f));
    }
    return v;
  }

  concentrationNgPerMl(drug: DrugName): number {
    return this.drugs.get(drug)?.concentrationNgPerMl ?? 0;
  }

  aorticEoaCm2(): number {
    let eoa = this.baseEoaCm2;
    for (const t of this.tavr) if (t.atSec <= this.tSec) eoa = t.eoaCm2;
    return eoa;
  }

  /** Drug effects, EOA and pacing at the current time onto the model context. */
  applyTo(ctx: ModelContext): void {
    // Fractional effects of several drugs add, then act multiplicatively on the parameter; the
    // floor keeps a parameter positive however large the combined effect.
    ctx.hrMultiplier = Math.max(0.2, 1 + this.effect('heartRate'));
    ctx.elastanceMultiplier = Math.max(0.2, 1 + this.effect('elastance'));
    ctx.resistanceMultiplier = Math.max(0.2, 1 + this.effect('resistance'));
    ctx.venousUnstressedDeltaMl = this.effect('venousUnstressedVolume') * ctx.sysVenV0;
    const eoa = this.aorticEoaCm2();
    if (eoa !== ctx.aorticEoaCm2) ctx.setAorticEoa(eoa);
    let paced = 0;
    let av = 0;
    for (const p of this.pacing) {
      if (p.atSec <= this.tSec) {
        paced = p.hrBpm;
        av = p.avDelaySec;
      }
    }
    ctx.pacedHrBpm = paced;
    ctx.pacedAvDelaySec = av;
  }
}

/** Provenance of every intervention effect, for the UI (PRODUCT.md: source or flagged assumption). */
export const interventionSources: readonly InterventionSource[] = [
  ...Object.values(DRUGS).flatMap((d): InterventionSource[] => [
    {
      intervention: 'drug',
      drug: d.name,
      effect: 'pharmacokinetics',
      value: `Vd ${d.volumeLPerKg} L/kg, t½ ${(d.halfLifeSec / 60).toFixed(1)} min${d.doseRoutes.includes('oral') ? `, oral F ${d.oralBioavailability}, ka ${(d.absorptionPerSec * 3600).toFixed(2)}/h` : ''}`,
      source: d.pkSource,
      assumption: d.pkAssumption,
      ...(d.pkReason ? { reason: d.pkReason } : {}),
    },
    ...d.effects.map((e): InterventionSource => ({
      intervention: 'drug',
      drug: d.name,
      effect: e.target,
      value: `Emax ${e.emax}${e.target === 'diuresisMlPerS' ? ' mL/s' : ' (fraction)'}, EC50 ${e.ec50NgPerMl} ng/mL, Hill ${e.hill}`,
      source: e.source,
      assumption: e.assumption,
      ...(e.reason ? { reason: e.reason } : {}),
    })),
  ]),
  {
    intervention: 'fluid',
    effect: 'volume source on the systemic veins',
    value: 'the given volume at a constant rate over overSec',
    source: 'PHYSIOLOGY.md: fluids as a volume source on the systemic venous compartment',
    assumption: true,
    reason: 'all of the given volume stays intravascular over the horizon (no capillary leak or renal excretion)',
  },
  {
    intervention: 'hemorrhage',
    effect: 'volume sink on the systemic veins',
    value: 'the given volume at a constant rate over overSec',
    source: 'PHYSIOLOGY.md: hemorrhage as a volume sink on the systemic venous compartment',
    assumption: true,
    reason: 'no transcapillary refill over the horizon',
  },
  {
    intervention: 'tavr',
    effect: 'aortic effective orifice area',
    value: 'EOA set to eoaCm2 at atSec',
    source: 'PARTNER cohort A: post-TAVR EOA 1.7 ± 0.5 cm², mean gradient 9.9 ± 4.8 mmHg; cohort B 1.5 ± 0.4 cm², 11.1 ± 6.6 mmHg',
    assumption: false,
  },
  {
    intervention: 'pacing',
    effect: 'heart rate fixed (and AV delay when given)',
    value: 'HR = hrBpm from atSec; the baroreflex no longer sets the rate',
    source: 'PHYSIOLOGY.md: pacing fixes HR (and AV delay)',
    assumption: false,
  },
];
