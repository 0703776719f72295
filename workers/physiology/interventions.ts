// Interventions as time-varying model inputs. An InputSchedule turns a scenario's intervention
// list into (a) slow multipliers on model parameters (drug PD), (b) the aortic EOA (TAVR), (c) a
// fixed heart rate (pacing) and (d) a cumulative external volume (fluids in, hemorrhage and
// diuresis out) added to the systemic veins. It advances monotonically in time and allocates
// nothing per call after construction.
import { type DrugName, type Intervention, type InterventionSource } from '../../core/domain/physiology';
import { type ModelContext } from './model';
import { DrugState, emaxEffect, infusionMgPerSec } from './pkpd';
import { DRUGS, type EffectTarget } from '../../core/domain/drugs';

/** Longest sub-step for the diuresis and fluid-exchange integrals (s): PK half-lives are ≥ 2 min. */
const MAX_PK_SUBSTEP_SEC = 10;

/**
 * Transcapillary fluid exchange and renal elimination of infused fluid: Hahn's two-volume
 * kinetics (Hahn RG. Volume kinetics for infusion fluids. Anesthesiology 2010;113:470–81;
 * Understanding volume kinetics. Acta Anaesthesiol Scand 2020;64:570–8). The plasma (central
 * volume Vc) exchanges with the interstitium (Vt) in proportion to the difference of their
 * fractional dilutions, and the kidneys eliminate in proportion to plasma dilution above baseline.
 * Values for a 75 kg adult, scaled with body weight (assumption):
 * - Vc = 60% of blood volume (plasma; haematocrit ≈ 0.40); Vc + Vt = 10.7 L (Drobin D, Hahn RG.
 *   Volume kinetics of Ringer's solution in hypovolemic volunteers. Anesthesiology 1999;90:81–91);
 * - distribution clearance 120 mL/min and elimination clearance 50 mL/min: fitted once so that a
 *   crystalloid infusion expands plasma by 50–60% of the infused volume while it runs and by 15–20%
 *   30 min after it ends (Hahn 2020's summary of about 50 volunteer studies);
 * - elimination stops when plasma is contracted (Drobin & Hahn 1999: elimination falls with
 *   hypovolaemia, 133 → 34 mL/min after 900 mL bled);
 * - refill of a plasma deficit from the interstitium at a third of the distribution clearance
 *   (assumption: refill after haemorrhage brings protein-poor fluid and is slower than crystalloid
 *   distribution; Lister J et al. Transcapillary refilling after hemorrhage in normal man. Ann Surg
 *   1963;158:698–709 report refill continuing for hours).
 */
export const FLUID_KINETICS = {
  plasmaFractionOfBloodVolume: 0.6,
  interstitialLPerKg: (10.7 - 3.0) / 75,
  distributionClearanceMlPerMinPerKg: 120 / 75,
  refillClearanceMlPerMinPerKg: 40 / 75,
  eliminationClearanceMlPerMinPerKg: 50 / 75,
} as const;

/**
 * Relative whole-blood viscosity at haematocrit h (fraction), Pries AR, Neuhaus D, Gaehtgens P.
 * Blood viscosity in tube flow: dependence on diameter and hematocrit. Am J Physiol
 * 1992;263:H1770–8, in the large-tube limit (diameter ≳ 300 µm: η₀.₄₅ = 3.2, exponent C = −0.8):
 * η_rel = 1 + (η₀.₄₅ − 1)·((1 − h)^C − 1)/((1 − 0.45)^C − 1).
 */
export function relativeBloodViscosity(haematocrit: number): number {
  const h = Math.min(0.8, Math.max(0, haematocrit));
  return 1 + (3.2 - 1) * ((1 - h) ** -0.8 - 1) / (0.55 ** -0.8 - 1);
}

/**
 * Haemodilution: systemic resistance scales with whole-blood viscosity (Poiseuille: R ∝ η), so a
 * crystalloid load that lowers the haematocrit lowers afterload. Assumption: the whole systemic
 * resistance follows the large-tube viscosity (no separate microvascular Fåhræus–Lindqvist term, no
 * autoregulatory compensation within the hours modelled). Baseline haematocrit 0.40 is the
 * plasma fraction FLUID_KINETICS uses; bleeding removes red cells at the current haematocrit.
 * Kumar A et al. Crit Care 2004;8:R128 attribute part of the SV rise after 3 L of saline to this
 * fall in viscosity and afterload.
 */
export function viscosityResistanceRatio(haematocrit: number, baselineHaematocrit: number): number {
  return relativeBloodViscosity(haematocrit) / relativeBloodViscosity(baselineHaematocrit);
}

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
  /** Net volume moved from plasma into the interstitium so far (mL; negative = refill). */
  interstitialShiftMl = 0;
  /** Infused fluid eliminated by the kidneys so far (mL, positive). */
  renalEliminationMl = 0;
  /** Red-cell volume lost with haemorrhage so far (mL). */
  redCellLossMl = 0;
  private readonly bloodVolumeMl: number;
  private readonly redCellVolumeMl: number;
  readonly baselineHaematocrit: number;
  private readonly plasmaVolumeMl: number;
  private readonly interstitialVolumeMl: number;
  private readonly distributionMlPerS: number;
  private readonly refillMlPerS: number;
  private readonly eliminationMlPerS: number;
  private readonly drugs = new Map<DrugName, DrugState>();
  /** The same states as an array: iterated per beat without allocating an iterator. */
  private readonly drugList: DrugState[] = [];
  private readonly events: PkEvent[] = [];
  private nextEvent = 0;
  private readonly ramps: VolumeRamp[] = [];
  private readonly tavr: { atSec: number; eoaCm2: number }[];
  private readonly pacing: { atSec: number; hrBpm: number; avDelaySec: number }[];
  private readonly baseEoaCm2: number;

  constructor(interventions: readonly Intervention[], weightKg: number, baseEoaCm2: number, bloodVolumeMl = 5000) {
    this.baseEoaCm2 = baseEoaCm2;
    const k = FLUID_KINETICS;
    this.plasmaVolumeMl = k.plasmaFractionOfBloodVolume * bloodVolumeMl;
    this.bloodVolumeMl = bloodVolumeMl;
    this.baselineHaematocrit = 1 - k.plasmaFractionOfBloodVolume;
    this.redCellVolumeMl = this.baselineHaematocrit * bloodVolumeMl;
    this.interstitialVolumeMl = k.interstitialLPerKg * weightKg * 1000;
    this.distributionMlPerS = (k.distributionClearanceMlPerMinPerKg * weightKg) / 60;
    this.refillMlPerS = (k.refillClearanceMlPerMinPerKg * weightKg) / 60;
    this.eliminationMlPerS = (k.eliminationClearanceMlPerMinPerKg * weightKg) / 60;
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
    if (h <= 0 || (this.drugList.length === 0 && this.ramps.length === 0)) return;
    const n = Math.max(1, Math.ceil(h / MAX_PK_SUBSTEP_SEC));
    const dh = h / n;
    const t0 = this.tSec;
    for (let i = 0; i < n; i++) {
      // Diuresis by the trapezoid rule over each sub-step (its rate follows the concentration).
      const r0 = this.diuresisRateMlPerS();
      const x0 = this.exchangeRates(t0 + i * dh);
      const shift0 = x0.shift;
      const renal0 = x0.renal;
      for (let k = 0; k < this.drugList.length; k++) this.drugList[k]!.advance(dh);
      this.diuresisMl += 0.5 * (r0 + this.diuresisRateMlPerS()) * dh;
      // Fluid exchange by Heun's method (its rates change over tens of minutes; steps are ≤ 10 s).
      this.interstitialShiftMl += shift0 * dh;
      this.renalEliminationMl += renal0 * dh;
      const x1 = this.exchangeRates(t0 + (i + 1) * dh);
      this.interstitialShiftMl += 0.5 * (x1.shift - shift0) * dh;
      this.renalEliminationMl += 0.5 * (x1.renal - renal0) * dh;
      // Red cells leave with the shed blood at the haematocrit of the moment (midpoint rule).
      const bleed = this.haemorrhageRateMlPerS(t0 + (i + 0.5) * dh);
      if (bleed > 0) this.redCellLossMl += bleed * this.haematocritAt(t0 + (i + 0.5) * dh) * dh;
    }
  }

  private readonly rates = { shift: 0, renal: 0 };
  /** Plasma → interstitium flow and renal elimination (mL/s) at time t with the current totals. */
  private exchangeRates(t: number): { shift: number; renal: number } {
    const plasmaChangeMl = this.rampVolumeAt(t) - this.diuresisMl - this.interstitialShiftMl - this.renalEliminationMl;
    const dPlasma = plasmaChangeMl / this.plasmaVolumeMl;
    const dTissue = this.interstitialShiftMl / this.interstitialVolumeMl;
    const gradient = dPlasma - dTissue;
    this.rates.shift = gradient * (gradient > 0 ? this.distributionMlPerS : this.refillMlPerS);
    this.rates.renal = dPlasma > 0 ? dPlasma * this.eliminationMlPerS : 0;
    return this.rates;
  }

  /** Rate of blood loss (mL/s, positive) at time t. */
  private haemorrhageRateMlPerS(t: number): number {
    let r = 0;
    for (const ramp of this.ramps) {
      if (ramp.volumeMl < 0 && t >= ramp.atSec && t < ramp.atSec + ramp.overSec) r -= ramp.volumeMl / ramp.overSec;
    }
    return r;
  }

  /** Haematocrit now: remaining red cells over the current blood volume. */
  haematocrit(): number {
    return this.haematocritAt(this.tSec);
  }

  private haematocritAt(t: number): number {
    const bv = this.bloodVolumeMl + this.rampVolumeAt(t) - this.diuresisMl - this.interstitialShiftMl - this.renalEliminationMl;
    return bv > 0 ? Math.max(0, this.redCellVolumeMl - this.redCellLossMl) / bv : this.baselineHaematocrit;
  }

  private rampVolumeAt(t: number): number {
    let v = 0;
    for (const r of this.ramps) {
      const f = r.overSec > 0 ? (t - r.atSec) / r.overSec : t >= r.atSec ? 1 : 0;
      v += r.volumeMl * Math.min(1, Math.max(0, f));
    }
    return v;
  }

  private effect(target: EffectTarget): number {
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

  /**
   * Net change of intravascular volume up to the current time (mL): fluids minus hemorrhage minus
   * diuresis, less what has moved into the interstitium (or plus what has refilled from it) and
   * what the kidneys have eliminated of infused fluid.
   */
  externalVolumeMl(): number {
    return this.rampVolumeAt(this.tSec) - this.diuresisMl - this.interstitialShiftMl - this.renalEliminationMl;
  }

  /** Fluids minus hemorrhage given so far (mL), before any exchange or diuresis. */
  administeredVolumeMl(): number {
    return this.rampVolumeAt(this.tSec);
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
    // Drug effect on vascular tone times the viscosity change of haemodilution (or concentration).
    ctx.resistanceMultiplier = Math.max(0.2, 1 + this.effect('resistance')) * viscosityResistanceRatio(this.haematocrit(), this.baselineHaematocrit);
    ctx.venousUnstressedDeltaMl = this.effect('venousUnstressedVolume') * ctx.sysVenV0;
    ctx.reflexBetaBlockade = Math.min(1, Math.max(0, this.effect('reflexBetaBlockade')));
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
    source: 'PHYSIOLOGY.md: fluids as a volume source on the systemic venous compartment; crystalloid then leaves the plasma by Hahn two-volume kinetics (Hahn, Anesthesiology 2010; Acta Anaesthesiol Scand 2020): 50–60% of the infused volume stays in plasma while it runs, 15–20% 30 min after',
    assumption: true,
    reason: 'every fluid is treated as crystalloid (no colloid persistence); distribution and elimination clearances fitted to Hahn 2020\'s summary and scaled with body weight; the haematocrit falls with the plasma expansion and systemic resistance follows whole-blood viscosity (Pries AR et al. Am J Physiol 1992;263:H1770–8, large-tube law; assumption: all of the resistance scales with it)',
  },
  {
    intervention: 'hemorrhage',
    effect: 'volume sink on the systemic veins',
    value: 'the given volume at a constant rate over overSec',
    source: 'PHYSIOLOGY.md: hemorrhage as a volume sink on the systemic venous compartment; transcapillary refill from the interstitium (Lister et al. Ann Surg 1963)',
    assumption: true,
    reason: 'refill clearance a third of the crystalloid distribution clearance (slower, protein-poor refill); no decompensation or shock physiology beyond the baroreflex',
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
