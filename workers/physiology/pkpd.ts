// Drug models: one-compartment pharmacokinetics (first-order absorption for oral doses, zero-order
// infusions) advanced in closed form, and sigmoid-Emax pharmacodynamics acting on fractional
// changes of model parameters. Every number carries its source, or `assumption: true` with the
// reason, in DRUGS below; `interventionSources` (interventions.ts) exposes them to the UI.
import { type DrugName, type DrugRoute } from '../../core/domain/physiology';

/** What a drug effect changes in the model (all fractional, 0 = no change). */
export type EffectTarget =
  | 'heartRate'
  | 'elastance'
  | 'resistance'
  | 'venousUnstressedVolume'
  /** Net loss of intravascular volume, in mL/s (not a fraction). */
  | 'diuresisMlPerS';

export interface DrugEffect {
  target: EffectTarget;
  /** Maximal effect: a fraction of the parameter (−0.5 = halved), or mL/s for diuresis. */
  emax: number;
  ec50NgPerMl: number;
  hill: number;
  source: string;
  assumption: boolean;
  reason?: string;
}

export interface DrugSpec {
  name: DrugName;
  /** Routes that take `doseMg`. */
  doseRoutes: readonly DrugRoute[];
  /** Whether `rateMcgPerKgPerMin` infusions are allowed. */
  infusion: boolean;
  /** Largest plausible single dose (mg) or infusion rate (mcg/kg/min); larger is rejected. */
  maxDoseMg: number;
  maxRateMcgPerKgPerMin: number;
  volumeLPerKg: number;
  halfLifeSec: number;
  /** First-order absorption rate constant for oral doses (1/s). */
  absorptionPerSec: number;
  oralBioavailability: number;
  pkSource: string;
  pkAssumption: boolean;
  pkReason?: string;
  effects: readonly DrugEffect[];
}

const HOUR = 3600;
const MIN = 60;

export const DRUGS: Readonly<Record<DrugName, DrugSpec>> = {
  metoprolol: {
    name: 'metoprolol',
    doseRoutes: ['oral', 'iv'],
    infusion: false,
    maxDoseMg: 400,
    maxRateMcgPerKgPerMin: 0,
    volumeLPerKg: 4.2,
    halfLifeSec: 3.5 * HOUR,
    absorptionPerSec: 1.5 / HOUR,
    oralBioavailability: 0.5,
    pkSource: 'Regårdh CG, Johnsson G. Clinical pharmacokinetics of metoprolol. Clin Pharmacokinet 1980;5:557–69 (Vd ≈ 4.2 L/kg, t½ 3–4 h, oral F ≈ 50%, tmax 1.5–2 h)',
    pkAssumption: false,
    effects: [
      {
        target: 'heartRate',
        emax: -0.5,
        ec50NgPerMl: 110,
        hill: 1,
        source: 'van Baak MA et al. 1985: 0.15 / 0.30 mg/kg IV lowered maximal exercise HR by 23 / 40 bpm (≈ 12% / 21%); Emax and EC50 fitted to those two points with the PK above',
        assumption: true,
        reason: 'exercise-HR reductions applied as fractional reductions of the resting intrinsic rate',
      },
      {
        target: 'elastance',
        emax: -0.15,
        ec50NgPerMl: 110,
        hill: 1,
        source: 'PHYSIOLOGY.md: beta-blocker lowers HR and ventricular EA; resting SBP unchanged acutely (van Baak 1985)',
        assumption: true,
        reason: 'negative inotropy taken as under a third of the chronotropic effect so that acute SBP stays near baseline',
      },
    ],
  },
  nitroprusside: {
    name: 'nitroprusside',
    doseRoutes: [],
    infusion: true,
    maxDoseMg: 0,
    maxRateMcgPerKgPerMin: 10,
    volumeLPerKg: 0.2,
    halfLifeSec: 2 * MIN,
    absorptionPerSec: 0,
    oralBioavailability: 0,
    pkSource: 'Schulz V. Clinical pharmacokinetics of nitroprusside, cyanide, thiosulphate and thiocyanate. Clin Pharmacokinet 1984;9:239–51 (t½ ≈ 2 min); max rate 10 µg/kg/min per labelling',
    pkAssumption: true,
    pkReason: 'distribution volume 0.2 L/kg (extracellular water) assumed; only the time course matters because EC50 is expressed at steady state',
    effects: [
      {
        target: 'resistance',
        emax: -0.6,
        ec50NgPerMl: 28.9,
        hill: 1,
        source: 'Friederich JA, Butterworth JF. Sodium nitroprusside: twenty years and counting. Anesth Analg 1995;81:152–62 (arterial and venous dilator, titrated 0.5–10 µg/kg/min)',
        assumption: true,
        reason: 'EC50 set at the steady-state level of 2 µg/kg/min and Emax −60% of SVR, so that usual doses lower MAP by 10–30%',
      },
      {
        target: 'venousUnstressedVolume',
        emax: 0.12,
        ec50NgPerMl: 28.9,
        hill: 1,
        source: 'Friederich & Butterworth 1995: venodilation lowers preload and filling pressures',
        assumption: true,
        reason: 'venous capacitance gain of up to 12% of unstressed venous volume (≈ 300 mL) assumed',
      },
    ],
  },
  dobutamine: {
    name: 'dobutamine',
    doseRoutes: [],
    infusion: true,
    maxDoseMg: 0,
    maxRateMcgPerKgPerMin: 40,
    volumeLPerKg: 0.2,
    halfLifeSec: 2.4 * MIN,
    absorptionPerSec: 0,
    oralBioavailability: 0,
    pkSource: 'Kates RE, Leier CV. Dobutamine pharmacokinetics in severe heart failure. Clin Pharmacol Ther 1978;24:537–41 (t½ ≈ 2.4 min)',
    pkAssumption: true,
    pkReason: 'distribution volume 0.2 L/kg assumed; EC50 is expressed at steady state',
    effects: [
      {
        target: 'elastance',
        emax: 0.8,
        ec50NgPerMl: 86.6,
        hill: 1,
        source: 'Leier CV et al. Comparative systemic and regional hemodynamic effects of dopamine and dobutamine in patients with cardiomyopathic heart failure. Circulation 1978 (CO rises dose-dependently over 2.5–15 µg/kg/min)',
        assumption: true,
        reason: 'EC50 at the steady-state level of 5 µg/kg/min and Emax +80% EA assumed to reproduce a 30–50% CO rise at 10 µg/kg/min in HFrEF',
      },
      {
        target: 'heartRate',
        emax: 0.2,
        ec50NgPerMl: 86.6,
        hill: 1,
        source: 'Leier 1978: modest HR rise at inotropic doses',
        assumption: true,
        reason: 'Emax +20% intrinsic HR assumed',
      },
      {
        target: 'resistance',
        emax: -0.15,
        ec50NgPerMl: 86.6,
        hill: 1,
        source: 'Leier 1978: SVR falls slightly (β2 vasodilation)',
        assumption: true,
        reason: 'Emax −15% SVR assumed',
      },
    ],
  },
  furosemide: {
    name: 'furosemide',
    doseRoutes: ['iv', 'oral'],
    infusion: false,
    maxDoseMg: 500,
    maxRateMcgPerKgPerMin: 0,
    volumeLPerKg: 0.11,
    halfLifeSec: 1.5 * HOUR,
    absorptionPerSec: 1.2 / HOUR,
    oralBioavailability: 0.5,
    pkSource: 'Ponto LL, Schoenwald RD. Furosemide: a pharmacokinetic/pharmacodynamic review. Clin Pharmacokinet 1990;18:381–408 (Vd ≈ 0.11 L/kg, t½ ≈ 1.5 h, oral F ≈ 50%, tmax ≈ 1–1.5 h)',
    pkAssumption: false,
    effects: [
      {
        target: 'diuresisMlPerS',
        emax: 0.04,
        ec50NgPerMl: 1000,
        hill: 1.5,
        source: 'Brater DC. Diuretic therapy. N Engl J Med 1998;339:387–95 (sigmoid dose–response with a ceiling)',
        assumption: true,
        reason: 'net intravascular loss (urine minus plasma refill) of up to 2.4 mL/min assumed: 40 mg IV removes ≈ 0.5 L of blood volume over about 6 h',
      },
    ],
  },
};

/** Sigmoid Emax: E = Emax·Cʰ/(EC50ʰ + Cʰ). */
export function emaxEffect(concNgPerMl: number, e: Pick<DrugEffect, 'emax' | 'ec50NgPerMl' | 'hill'>): number {
  if (concNgPerMl <= 0) return 0;
  const ch = e.hill === 1 ? concNgPerMl : Math.pow(concNgPerMl, e.hill);
  const ech = e.hill === 1 ? e.ec50NgPerMl : Math.pow(e.ec50NgPerMl, e.hill);
  return (e.emax * ch) / (ech + ch);
}

/**
 * One drug's compartments in one patient. Amounts in mg; doses add linearly (one-compartment
 * PK is linear), so one state per drug covers any number of doses and infusions.
 */
export class DrugState {
  readonly spec: DrugSpec;
  readonly volumeL: number;
  readonly ke: number;
  readonly ka: number;
  gutMg = 0;
  centralMg = 0;
  infusionMgPerSec = 0;

  constructor(spec: DrugSpec, weightKg: number) {
    this.spec = spec;
    this.volumeL = spec.volumeLPerKg * weightKg;
    this.ke = Math.LN2 / spec.halfLifeSec;
    this.ka = spec.absorptionPerSec;
  }

  /** Plasma concentration in ng/mL (mg/L × 1000). */
  get concentrationNgPerMl(): number {
    return (this.centralMg / this.volumeL) * 1000;
  }

  dose(doseMg: number, route: DrugRoute): void {
    if (route === 'oral') this.gutMg += doseMg * this.spec.oralBioavailability;
    else this.centralMg += doseMg;
  }

  /** Exact solution over h seconds with the current infusion rate. */
  advance(h: number): void {
    if (h <= 0) return;
    const { ke, ka } = this;
    const eKe = Math.exp(-ke * h);
    let fromGut = 0;
    if (this.gutMg > 0 && ka > 0) {
      const eKa = Math.exp(-ka * h);
      // ka ≠ ke for every drug here; the limit ka → ke would be ka·h·e^{−ke h}.
      fromGut = Math.abs(ka - ke) > 1e-12 ? ((ka * this.gutMg) / (ka - ke)) * (eKe - eKa) : ka * h * this.gutMg * eKe;
      this.gutMg *= eKa;
    }
    this.centralMg = this.centralMg * eKe + fromGut + (this.infusionMgPerSec / ke) * (1 - eKe);
  }
}

/** mcg/kg/min → mg/s for a patient. */
export function infusionMgPerSec(rateMcgPerKgPerMin: number, weightKg: number): number {
  return (rateMcgPerKgPerMin * weightKg) / 1000 / 60;
}
