// The drugs a scenario may give, with their pharmacokinetic and pharmacodynamic constants: which
// routes, the plausible dose and rate limits (scenario validation, core/domain/scenario.ts) and
// the PK/PD numbers the engine's drug model uses (workers/physiology/pkpd.ts). Every number
// carries its source, or `assumption: true` with the reason.
import { type DrugName, type DrugRoute } from './physiology';

/** What a drug effect changes in the model (all fractional, 0 = no change). */
export type EffectTarget =
  | 'heartRate'
  | 'elastance'
  | 'resistance'
  | 'venousUnstressedVolume'
  /** Net loss of intravascular volume, in mL/s (not a fraction). */
  | 'diuresisMlPerS'
  /**
   * Fraction (0–1) of the baroreflex's sympathetic chronotropic and inotropic arms that is
   * blocked (β1 blockade): the reflex can still slow the heart but speeds it and strengthens it less.
   */
  | 'reflexBetaBlockade';

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
  /**
   * Chronic oral classes: a maintenance regimen. `doseMg` is the daily dose of the representative
   * agent, and the drug is at steady state from the time it is given (average level
   * F·dose/(CL·24 h), maintained thereafter), as in a patient who has taken it for weeks.
   */
  maintenance?: { representativeAgent: string; referenceDailyDoseMg: number; referenceSource: string };
}

const HOUR = 3600;
const MIN = 60;
const DAY = 24 * HOUR;

/** Average steady-state level (ng/mL) of a daily oral dose in a 75 kg adult: F·D/(ke·V·τ). */
function steadyStateNgPerMl(spec: Pick<DrugSpec, 'oralBioavailability' | 'volumeLPerKg' | 'halfLifeSec'>, dailyMg: number, weightKg = 75): number {
  const ke = Math.LN2 / spec.halfLifeSec;
  return ((spec.oralBioavailability * dailyMg) / (ke * DAY) / (spec.volumeLPerKg * weightKg)) * 1000;
}

/**
 * Law MR, Wald NJ, Morris JK, Jordan RE. Value of low dose combination treatment with blood
 * pressure lowering drugs: analysis of 354 randomised trials. BMJ 2003;326:1427. All five classes
 * lower BP alike: 9.1/5.5 mmHg at standard dose, 20% less (7.1/4.4) at half the standard dose,
 * from a pre-treatment 154/97 mmHg, and 1.0/1.1 mmHg less per 10 mmHg lower pre-treatment BP.
 * A hyperbolic dose–response through those two points has ED50 = 0.39 × standard dose and a
 * maximum 1.39 × the standard-dose effect.
 */
export const LAW_2003 = {
  citation: 'Law MR, Wald NJ, Morris JK, Jordan RE. BMJ 2003;326:1427 (354 placebo-controlled trials)',
  standardDoseSbpFallMmHg: 9.1,
  standardDoseDbpFallMmHg: 5.5,
  halfDoseSbpFallMmHg: 7.1,
  halfDoseDbpFallMmHg: 4.4,
  pretreatmentSbpMmHg: 154,
  pretreatmentDbpMmHg: 97,
  ed50StandardDoses: 0.39,
} as const;

/**
 * A chronic antihypertensive class as arteriolar dilatation whose size at the reference dose
 * reproduces Law 2003 (resistance Emax tuned once against the healthy preset, see validation),
 * EC50 at the steady-state level of 0.39 × the reference dose.
 */
function antihypertensive(
  name: DrugName,
  agent: string,
  referenceDailyDoseMg: number,
  pk: { volumeLPerKg: number; halfLifeSec: number; oralBioavailability: number; absorptionPerSec: number; pkSource: string },
  resistanceEmax: number,
  mechanism: string,
): DrugSpec {
  const ec50 = steadyStateNgPerMl(pk, LAW_2003.ed50StandardDoses * referenceDailyDoseMg);
  return {
    name,
    doseRoutes: ['oral'],
    infusion: false,
    maxDoseMg: 4 * referenceDailyDoseMg,
    maxRateMcgPerKgPerMin: 0,
    ...pk,
    pkAssumption: true,
    pkReason: `a maintenance regimen of ${agent} taken for weeks: the average steady-state level is applied from the time of the dose; only its ratio to EC50 matters`,
    maintenance: {
      representativeAgent: agent,
      referenceDailyDoseMg,
      referenceSource: `${LAW_2003.citation}: standard (recommended maintenance) dose; assumption: ${referenceDailyDoseMg} mg/day of ${agent} stands for the class (records convert other agents by the ratio of their standard doses)`,
    },
    effects: [
      {
        target: 'resistance',
        emax: resistanceEmax,
        ec50NgPerMl: Number(ec50.toPrecision(4)),
        hill: 1,
        source: `${LAW_2003.citation}: standard dose lowers BP 9.1/5.5 mmHg from 154/97, half dose 7.1/4.4 (ED50 0.39 × standard dose); ${mechanism}`,
        assumption: true,
        reason: 'the BP fall is carried by systemic resistance; Emax (−0.4) set so that the reference dose lowers MAP by the Law 2003 fall re-scaled to a 120/80 mmHg pre-treatment BP (4.3 mmHg) in the healthy preset with the arterial and cardiopulmonary reflexes active (docs/validation.md)',
      },
    ],
  };
}

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
        emax: -0.7,
        ec50NgPerMl: 110,
        hill: 1,
        source: 'van Baak MA et al. 1985: 0.15 / 0.30 mg/kg IV lowered maximal exercise HR by 23 / 40 bpm (≈ 12% / 21%); EC50 fitted to those two points with the PK above',
        assumption: true,
        reason: 'exercise-HR reductions applied as fractional reductions of the resting intrinsic rate; Emax raised from −0.5 to −0.7 so that the net resting HR fall (after the reflex) is ≈ 12% at 0.15 mg/kg',
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
      {
        target: 'reflexBetaBlockade',
        emax: 0.8,
        ec50NgPerMl: 25,
        hill: 1,
        source: 'β1 receptor occupancy: metoprolol binds β1 with Ki ≈ 0.1 µM (≈ 25 ng/mL); the sympathetic (β1) arms of the baroreflex — tachycardia and inotropy — are blunted by β-blockade while vagal withdrawal remains (Cooke WH et al. J Appl Physiol 2004 review of hemorrhage/LBNP; Ryan KL et al. 2012)',
        assumption: true,
        reason: 'the blocked fraction of the reflex\'s sympathetic HR and contractility excursions is 80% of receptor occupancy (the vagal-withdrawal share of the HR rise is kept)',
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
        emax: -0.84,
        ec50NgPerMl: 14.43,
        hill: 1,
        source: 'Friederich JA, Butterworth JF. Sodium nitroprusside: twenty years and counting. Anesth Analg 1995;81:152–62 (arterial and venous dilator, titrated 0.5–10 µg/kg/min)',
        assumption: true,
        reason: 'EC50 at the steady-state level of ≈ 1 µg/kg/min and Emax −84% of SVR (−50% at 1.5 µg/kg/min before the reflex; SVR ≈ −45 to −52% in Mikulic 1977 and Guiha 1974), refitted in round 4 of issue 11 jointly with the hfref preset over all its drug rows (dobutamine 5 and 10, nitroprusside, furosemide) and its baseline ranges (docs/validation.md)',
      },
      {
        target: 'venousUnstressedVolume',
        emax: 0.6,
        ec50NgPerMl: 14.43,
        hill: 1,
        source: 'Friederich & Butterworth 1995: venodilation lowers preload and filling pressures',
        assumption: true,
        reason: 'venous capacitance gain of up to 60% of unstressed venous volume at full effect (≈ 450 mL at 1.5 µg/kg/min); with functional MR part of the PCWP fall of Mikulic 1977 (29 → 17 mmHg) comes from the smaller regurgitant volume, so less venous pooling is needed than without it',
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
        emax: 0.57,
        ec50NgPerMl: 86.6,
        hill: 1,
        source: 'Mikulic, Cohn & Franciosa, Circulation 1977 (CO 2.8 → 5.8 L/min at 10 µg/kg/min); Akhtar et al., Am J Cardiol 1975 (3.1 → 5.6 L/min); Leier CV et al., Circulation 1978 (CO rises progressively over 2.5–10 µg/kg/min)',
        assumption: true,
        reason: 'EC50 at the steady-state level of 5 µg/kg/min; Emax +57% EA (+38% at 10 µg/kg/min), fitted with the resistance effect to the CO, PCWP, MAP and HR changes of those trials; refitted in round 4 of issue 11 jointly with the hfref preset over all its drug rows (dobutamine 5 and 10, nitroprusside, furosemide) and its baseline ranges (docs/validation.md)',
      },
      {
        target: 'heartRate',
        emax: 0.1,
        ec50NgPerMl: 86.6,
        hill: 1,
        source: 'Akhtar 1975: HR 98.5 → 105 bpm at 10 µg/kg/min; Leier 1978: no HR change up to 10 µg/kg/min',
        assumption: true,
        reason: 'Emax +10% intrinsic HR (the reflex adds the rest)',
      },
      {
        target: 'resistance',
        emax: -0.73,
        ec50NgPerMl: 86.6,
        hill: 1,
        source: 'Mikulic 1977: SVR falls as CO doubles while MAP rises only slightly ("largely of reflex origin"); Akhtar 1975: MAP 93 → 98 mmHg',
        assumption: true,
        reason: 'Emax −73% SVR (refitted in round 4 of issue 11 jointly with the hfref preset over all its drug rows (dobutamine 5 and 10, nitroprusside, furosemide) and its baseline ranges (docs/validation.md)): stands for the β2 dilatation plus the sympathetic withdrawal that follows the rise in output (the hfref preset\'s reflex is blunted, so the model cannot produce that withdrawal itself)',
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
        emax: 0.1,
        ec50NgPerMl: 1000,
        hill: 1.5,
        source: 'Brater DC. Diuretic therapy. N Engl J Med 1998;339:387–95 (sigmoid dose–response with a ceiling)',
        assumption: true,
        reason: 'urine output above baseline of up to 6 mL/min assumed; plasma refill from the interstitium is modelled separately (interventions.ts, FLUID_KINETICS)',
      },
      {
        target: 'venousUnstressedVolume',
        emax: 0.22,
        ec50NgPerMl: 3000,
        hill: 3,
        source: 'Dikshit K et al. N Engl J Med 1973;288:1087–90: LV filling pressure 20.4 → 14.8 mmHg within 15 min of 0.5–1 mg/kg IV, before the diuresis, with a rise in venous capacitance',
        assumption: true,
        reason: 'early venodilation while the plasma level is high (EC50 3000 ng/mL, Hill 3: the first hour after an IV dose); up to 22% of unstressed venous volume, fitted to Dikshit\'s 15-min fall in filling pressure (30% before the hfref preset\'s venous compliance was lowered in round 4 of issue 11)',
      },
    ],
  },
  'ace-inhibitor': antihypertensive(
    'ace-inhibitor',
    'lisinopril',
    10,
    { volumeLPerKg: 1.7, halfLifeSec: 12 * HOUR, oralBioavailability: 0.25, absorptionPerSec: 0.5 / HOUR, pkSource: 'Beermann B. Pharmacokinetics of lisinopril. Am J Med 1988;85(3B):25–30 (F ≈ 25%, effective t½ ≈ 12 h); Vd assumed' },
    -0.4,
    'ACE inhibition lowers arteriolar tone (angiotensin II)',
  ),
  arb: antihypertensive(
    'arb',
    'losartan',
    50,
    { volumeLPerKg: 0.5, halfLifeSec: 6 * HOUR, oralBioavailability: 0.33, absorptionPerSec: 1 / HOUR, pkSource: 'Lo MW et al. Clin Pharmacol Ther 1995;58:641–9 (losartan F ≈ 33%; active metabolite t½ 6–9 h); Vd assumed' },
    -0.4,
    'AT1 blockade lowers arteriolar tone',
  ),
  'calcium-channel-blocker': antihypertensive(
    'calcium-channel-blocker',
    'amlodipine',
    5,
    { volumeLPerKg: 21, halfLifeSec: 40 * HOUR, oralBioavailability: 0.64, absorptionPerSec: 0.15 / HOUR, pkSource: 'Meredith PA, Elliott HL. Clinical pharmacokinetics of amlodipine. Clin Pharmacokinet 1992;22:22–31 (F 64%, Vd 21 L/kg, t½ 35–50 h)' },
    -0.4,
    'dihydropyridine: arteriolar dilatation, no negative inotropy at usual doses',
  ),
  thiazide: antihypertensive(
    'thiazide',
    'hydrochlorothiazide',
    25,
    { volumeLPerKg: 0.8, halfLifeSec: 10 * HOUR, oralBioavailability: 0.7, absorptionPerSec: 0.7 / HOUR, pkSource: 'Beermann B, Groschinsky-Grind M. Clinical pharmacokinetics of diuretics. Clin Pharmacokinet 1980;5:221–45 (HCTZ F ≈ 70%, t½ ≈ 10 h); Vd assumed' },
    -0.4,
    'chronically the early plasma-volume fall returns toward baseline and peripheral resistance stays lower (Tarazi RC, Dustan HP, Frohlich ED. Circulation 1970;41:709–17)',
  ),
  nitrate: {
    name: 'nitrate',
    doseRoutes: ['oral'],
    infusion: false,
    maxDoseMg: 240,
    maxRateMcgPerKgPerMin: 0,
    volumeLPerKg: 0.6,
    halfLifeSec: 5 * HOUR,
    absorptionPerSec: 1.5 / HOUR,
    oralBioavailability: 0.95,
    pkSource: 'Abshagen U. Pharmacokinetics of isosorbide mononitrate. Am J Cardiol 1992;70:61G–66G (F ≈ 100%, t½ ≈ 5 h, Vd ≈ 0.6 L/kg)',
    pkAssumption: true,
    pkReason: 'a maintenance regimen of isosorbide mononitrate at steady state: the average level is applied from the time of the dose',
    maintenance: {
      representativeAgent: 'isosorbide mononitrate',
      referenceDailyDoseMg: 60,
      referenceSource: 'assumption: 60 mg/day of extended-release isosorbide mononitrate, the usual maintenance dose, stands for the class',
    },
    effects: [
      {
        target: 'venousUnstressedVolume',
        emax: 0.06,
        ec50NgPerMl: Number(steadyStateNgPerMl({ oralBioavailability: 0.95, volumeLPerKg: 0.6, halfLifeSec: 5 * HOUR }, 30).toPrecision(4)),
        hill: 1,
        source: 'Abrams J. Hemodynamic effects of nitroglycerin and long-acting nitrates. Am Heart J 1985;110:216–24 (chronic nitrates are mainly venodilators: lower filling pressures, small BP fall, partial tolerance)',
        assumption: true,
        reason: 'venous capacitance gain of up to 6% of unstressed venous volume (about half the acute nitroprusside size, for tolerance); EC50 at the level of 30 mg/day',
      },
      {
        target: 'resistance',
        emax: -0.05,
        ec50NgPerMl: Number(steadyStateNgPerMl({ oralBioavailability: 0.95, volumeLPerKg: 0.6, halfLifeSec: 5 * HOUR }, 30).toPrecision(4)),
        hill: 1,
        source: 'Abrams 1985: small arteriolar effect at oral doses',
        assumption: true,
        reason: 'Emax −5% SVR assumed',
      },
    ],
  },
};
