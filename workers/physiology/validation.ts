// The validation table, graded by size (issue 11), in the style of the Pulse engine's validation:
// each response row is a published human measurement (study, population, dose, baseline and
// change with its spread) next to the engine's change under the same intervention, graded by how
// far the engine's change is from the published one:
//   good  |model − published| ≤ 10% of the published change,
//   fair  ≤ 30%,
//   fail  beyond.
// A published change near zero ("no change") is graded as if the published change were 10% of the
// baseline: "HR unchanged" from 95 bpm is good within ±0.95 bpm, fair within ±2.9 bpm.
// Range rows (healthy ranges, AS grades) are "in range" / "out of range".
// Relative changes (%) are compared where the trial's baseline differs from the preset's: the
// trial reports absolute values for its patients, the preset is not those patients.
// scripts/gen-validation.ts writes docs/validation.md from these rows; validation.test.ts asserts
// that no drug, fluid or haemorrhage response fails unless the row names a limitation.
import { type EngineMetrics, type Intervention, type ModelParameters, type PatientTraits, type PresetName } from '../../core/domain/physiology';
import { InputSchedule } from './interventions';
import { runMultiScale } from './longHorizon';
import { bodySurfaceAreaM2, resolveParameters } from './presets';
import { Simulator, settle, simulateSteadyState } from './simulator';
import { LAW_2003 } from '../../core/domain/drugs';

export type Grade = 'good' | 'fair' | 'fail' | 'in range' | 'out of range';

export interface ValidationRow {
  group: string;
  quantity: string;
  /** Published target: "+107% (2.8 → 5.8 L/min)" or a range. */
  target: string;
  source: string;
  value: number;
  unit: string;
  grade: Grade;
  /** Responses (drug, fluid, haemorrhage) must not fail unless `limitation` explains why. */
  kind: 'response' | 'range';
  /** Model baseline → after, for response rows (display). */
  model?: string;
  /** Why a failing row fails, as measured: a data limitation, a limitation of a 0D model, or a gap of this model, named as such. */
  limitation?: string;
  /** True unless the grade is "fail" or "out of range". */
  pass: boolean;
  /** Response rows: |model − published| / the grading denominator (≤ 0.1 good, ≤ 0.3 fair), for fitting scripts. */
  relativeError?: number;
  /** Range rows: how far outside the range the value lies, as a fraction of the range's width (0 inside), for fitting scripts. */
  rangeDistance?: number;
}

function fmt(n: number, digits = 3): string {
  return String(Number(n.toPrecision(digits)));
}

/** |model − published| / max(|published|, scale): the error a response row is graded by (same unit); `scale` for near-zero published changes. */
export function changeError(model: number, published: number, scale?: number): number {
  return Math.abs(model - published) / Math.max(Math.abs(published), scale ?? 0);
}

/** Largest relative error graded "good" and "fair" (of the published change). */
export const GOOD_RELATIVE_ERROR = 0.1;
export const FAIR_RELATIVE_ERROR = 0.3;

/** Grade a model change against a published one (same unit); `scale` for near-zero published changes. */
export function gradeChange(model: number, published: number, scale?: number): 'good' | 'fair' | 'fail' {
  const err = changeError(model, published, scale);
  return err <= GOOD_RELATIVE_ERROR + 1e-9 ? 'good' : err <= FAIR_RELATIVE_ERROR + 1e-9 ? 'fair' : 'fail';
}

/**
 * The largest rise of forward output (%) that a regurgitant left ventricle can show when its total
 * output rises by at most `totalRiseMaxPct` and its regurgitant fraction falls by at most
 * `rfFallMax` from `rfBefore`: forward output = total LV output × (1 − RF). Round 9 of issue 11:
 * with the fair edges of the table's own rows (Firth 1982's total LV output, the 1986 study's
 * regurgitant fraction) it bounds what any model standing for those patients can give.
 */
export function maxForwardRisePct(rfBefore: number, rfFallMax: number, totalRiseMaxPct: number): number {
  if (!(rfBefore >= 0 && rfBefore < 1)) throw new Error(`maxForwardRisePct: regurgitant fraction before must be in [0, 1), got ${rfBefore}`);
  if (!(rfFallMax >= 0)) throw new Error(`maxForwardRisePct: the regurgitant-fraction fall must be ≥ 0, got ${rfFallMax}`);
  if (!(totalRiseMaxPct > -100)) throw new Error(`maxForwardRisePct: the total-output rise must be > −100 %, got ${totalRiseMaxPct}`);
  const rfAfter = Math.max(0, rfBefore - rfFallMax);
  return 100 * (((1 + totalRiseMaxPct / 100) * (1 - rfAfter)) / (1 - rfBefore) - 1);
}

interface ResponseSpec {
  group: string;
  quantity: string;
  source: string;
  /** Published baseline and after values (absolute), with the spread text. */
  published: { before: number; after: number; spread?: string };
  model: { before: number; after: number };
  unit: string;
  /** The model's unit where the study measured a proxy (e.g. Doppler stroke distance in cm for SV in mL). */
  modelUnit?: string;
  /** Compare percent change (true) or absolute change (false). */
  relative: boolean;
  /** For "no change" rows: grade against this fraction of the baseline. */
  nullScaleFraction?: number;
  limitation?: string;
}

function response(s: ResponseSpec): ValidationRow {
  const pubChange = s.relative ? (100 * (s.published.after - s.published.before)) / s.published.before : s.published.after - s.published.before;
  const modChange = s.relative ? (100 * (s.model.after - s.model.before)) / s.model.before : s.model.after - s.model.before;
  const scale = s.nullScaleFraction !== undefined ? (s.relative ? 100 * s.nullScaleFraction : s.nullScaleFraction * s.published.before) : undefined;
  const grade = gradeChange(modChange, pubChange, scale);
  const relativeError = changeError(modChange, pubChange, scale);
  const u = s.relative ? '%' : s.unit;
  const sign = (x: number): string => (x >= 0 ? `+${fmt(x)}` : fmt(x));
  const target = `${sign(pubChange)} ${u} (${fmt(s.published.before)} → ${fmt(s.published.after)} ${s.unit}${s.published.spread ? `; ${s.published.spread}` : ''})${scale !== undefined ? ` [graded against ±${fmt(scale)} ${u}]` : ''}`;
  return {
    group: s.group,
    quantity: `Δ ${s.quantity}`,
    target,
    source: s.source,
    value: modChange,
    unit: u,
    grade,
    kind: 'response',
    model: `${fmt(s.model.before)} → ${fmt(s.model.after)} ${s.modelUnit ?? s.unit}`,
    ...(s.limitation && grade === 'fail' ? { limitation: s.limitation } : {}),
    pass: grade !== 'fail',
    relativeError,
  };
}

function range(group: string, quantity: string, value: number, lo: number, hi: number, unit: string, source: string, limitation?: string): ValidationRow {
  const ok = value >= lo && value <= hi;
  const rangeDistance = Math.max(0, lo - value, value - hi) / Math.max(1e-12, hi - lo);
  return { group, quantity, target: `${fmt(lo)} to ${fmt(hi)} ${unit}`.trim(), source, value, unit, grade: ok ? 'in range' : 'out of range', kind: 'range', pass: ok, rangeDistance, ...(limitation && !ok ? { limitation } : {}) };
}
function above(group: string, quantity: string, value: number, lo: number, unit: string, source: string): ValidationRow {
  const ok = value > lo;
  return { group, quantity, target: `> ${fmt(lo)} ${unit}`.trim(), source, value, unit, grade: ok ? 'in range' : 'out of range', kind: 'range', pass: ok };
}
function below(group: string, quantity: string, value: number, hi: number, unit: string, source: string): ValidationRow {
  const ok = value < hi;
  return { group, quantity, target: `< ${fmt(hi)} ${unit}`.trim(), source, value, unit, grade: ok ? 'in range' : 'out of range', kind: 'range', pass: ok };
}

interface Run {
  before: EngineMetrics;
  after: EngineMetrics;
  /** Trajectory sample nearest to t (s). */
  at: (tSec: number) => EngineMetrics;
}

function intervene(preset: PresetName, interventions: Intervention[], durationSec: number, patient?: PatientTraits): Run {
  const params = resolveParameters({ preset, ...(patient ? { patient } : {}) });
  const r = runMultiScale(params, interventions, durationSec, patient?.weightKg ?? 75, { sampleSec: 60 });
  const at = (t: number): EngineMetrics => r.trajectory.reduce((best, p) => (Math.abs(p.tSec - t) < Math.abs(best.tSec - t) ? p : best));
  return { before: r.trajectory[0]!, after: r.metrics, at };
}

const HEALTHY_SOURCE = 'PHYSIOLOGY.md healthy adult at rest: Pulse SystemValidationData, BioGears CardiovascularValidation (Guyton; Leeuwen 2015; Brandfonbrener 1955; Hudsmith 2005)';
const AS_SOURCE = 'ACC/AHA 2020 and ESC/EACTS 2021 valve guidelines: severe AS = Vmax ≥ 4 m/s, mean gradient ≥ 40 mmHg, EOA < 1.0 cm² (EOAi < 0.6 cm²/m²)';
const MIKULIC = 'Mikulic E, Cohn JN, Franciosa JA. Comparative hemodynamic effects of inotropic and vasodilator drugs in severe heart failure. Circulation 1977;56:528–33 (n = 12, severe CHF)';
const AKHTAR = 'Akhtar N, Mikulic E, Cohn JN, Chaudhry MH. Hemodynamic effect of dobutamine in patients with severe heart failure. Am J Cardiol 1975;36:202–5 (n = 15)';
const BEREGOVICH = 'Beregovich J et al. Haemodynamic effects of a new inotropic agent (dobutamine) in chronic cardiac failure. Br Heart J 1975;37:629–34 (n = 14, 10 µg/kg/min step)';
const ROSS_1965 = 'Ross J Jr, Linhart JW, Braunwald E. Effects of changing heart rate in man by electrical stimulation of the right atrium. Circulation 1965;32:549–58 (n = 17 at rest): CI 3.67 at ≈ 80 bpm, 3.72 at 121, 3.21 L/min/m² at 148 bpm (CI, compared as % change)';
const LEIER_1977 = 'Leier CV, Bambach D, Thompson MJ et al. Comparative responses to dobutamine and nitroprusside in patients with chronic low output cardiac failure. Circulation 1977 (n = 19): nitroprusside "did not increase heart rate"';
const KUMAR_ICM = 'Kumar A et al. Effect of large volume infusion on left ventricular volumes, performance and contractility parameters in normal volunteers. Intensive Care Med 2004;30:1361–9 (n = 32 men): SV and CO ≈ +10%, HR and BP unchanged';
const KUMAR_CC = 'Kumar A et al. Preload-independent mechanisms contribute to increased stroke volume following large volume saline infusion in normal volunteers. Crit Care 2004;8:R128 (n = 36): SVI +15–25%';
const HAHN = 'Hahn RG. Understanding volume kinetics. Acta Anaesthesiol Scand 2020;64:570–8 (≈ 50 volunteer studies): plasma expansion 50–60% of the infused crystalloid while it runs, 15–20% 30 min after it ends';
const LEONETTI = 'Leonetti P, Audat F, Girard A et al. Stroke volume monitored by modeling flow from finger arterial pressure waves mirrors blood volume withdrawn by phlebotomy. Clin Auton Res 2004;14:176–81 (n = 12, 375 mL over 6.4 min; mean ± SEM)';
const JOHNSON = 'Johnson BD, Helmond N, Curry TB, Convertino VA, Joyner MJ. The effects of blood re-infusion on hemodynamics following blood removal. FASEB J 2015;29(S1):823.4 (n = 6 men, up to 1000 mL; mean ± SD)';
const DIKSHIT = 'Dikshit K, Vyden JK, Forrester JS et al. Renal and extrarenal hemodynamic effects of furosemide in congestive heart failure after acute myocardial infarction. N Engl J Med 1973;288:1087–90 (n = 20, 0.5–1.0 mg/kg IV): LV filling pressure 20.4 → 14.8 mmHg at 15 min, before the diuresis (venodilation)';
const GUIHA = 'Guiha NH, Cohn JN, Mikulic E, Franciosa JA, Limas CJ. Treatment of refractory heart failure with infusion of nitroprusside. N Engl J Med 1974;291:587–92 (n = 18, titrated): LV filling pressure 32.2 → 17.2 mmHg, CO 2.98 → 5.2 L/min, MAP −15 mmHg, HR slightly slowed';
const PACKER = 'Packer M, Meller J, Medina N, Yushak M. Quantitative differences in the hemodynamic effects of captopril and nitroprusside in severe chronic heart failure. Am J Cardiol 1983 (n = 15, titrated): MAP −11.0 mmHg, HR unchanged, PCWP −6.9, RA −5.3 mmHg';
const HEM_PP_SV = 'FASEB J abstract of the Mayo Clinic LBNP–haemorrhage group (US Army MRMC grant W81XWH-11-1-0823; n = 6 men, three 333 mL stages, 1 L total; mean ± SE): SV (Nexfin) 118 → 99 mL, pulse pressure (arterial line) 58 → 48 mmHg';
const RICKARDS = 'Rickards CA, Johnson BD, Harvey RE, Convertino VA, Joyner MJ, Barnes JN. Cerebral blood velocity regulation during progressive blood loss compared with lower body negative pressure in humans. J Appl Physiol 2015 (PMC4747890; n = 9 men, 32 ± 6 y; 5 min at each of 333, 667, 1000 mL; ± as in the abstract): SV 80, 74, 68 mL and CVP 4.0, 3.5, 2.1 mmHg at the three stages (baseline not in the abstract)';
const FIRTH_1982 = 'Firth BG, Dehmer GJ, Markham RV, Willerson JT, Hillis LD. Assessment of vasodilator therapy in patients with severe congestive heart failure: limitations of measurements of left ventricular ejection fraction and volumes. 1982 (n = 12, severe chronic CHF, markedly dilated LV, EF 0.19 ± 0.05; nitroprusside 1.3 ± 1.1 µg/kg/min): end-diastolic and end-systolic volume indexes both fell';
const MR_1986 = 'Contribution of reduced mitral regurgitant volume to vasodilator effect in severe left ventricular failure secondary to coronary artery disease or idiopathic dilated cardiomyopathy. Am J Cardiol 1986;58:1046–50 (n = 14, EF 0.16 ± 0.04; nitroprusside; forward CO by thermodilution vs radionuclide LV output; 9 with RF > 0.30, 5 with RF < 0.10)';
const HANSON = 'Hanson JM, Van Hoeyweghen R, Kirkman E, Thomas A, Horan MA. Use of stroke distance in the early detection of simulated blood loss. J Trauma 1998;44:128–34 (n = 9, standard 450 mL donation): aortic stroke distance 22.2 ± 2.8 cm fell by 3.3 ± 1.6 cm, HR unchanged, MAP slightly up';
/** Published values shared by a row and the round-9 bound (validation of issue 11). */
const MIKULIC_SNP_CO = { before: 2.9, after: 5.0 };
const GUIHA_SNP_CO = { before: 2.98, after: 5.2 };
const MR_1986_RF = { before: 0.44, after: 0.26 };
const PACKER_CI_RISE = 0.67;
/** Firth 1982's "no change" in total LV output is graded against this fraction of the baseline. */
const FIRTH_NULL_SCALE = 0.1;
const LIMIT_SNP = 'model gap, not a 0D limitation, measured (workers/physiology/README.md, rounds 7–8). The trials titrated nitroprusside to effect (modelled as 1.5 µg/kg/min) and differ among themselves (MAP −6.8, −11 and −15 mmHg; PCWP −6.9, −12.5 and −15 mmHg; CO +72–74%, cardiac index +0.67 L/min/m² in Packer 1983). Split with the 1986 radionuclide study (round 7): the MR part is right in size (regurgitant fraction 0.45 → 0.29 vs 0.44 → 0.26) and the same LV without MR answers +27% (patients +31 ± 17%); what is missing is the total LV output, which the patients with MR raised by ≈ 24% and the model by 3% (end-diastolic volume 285 → 269 mL, end-systolic 219 → 202 mL; Firth 1982 measured the model\'s pattern: both volumes fell and total LV output did not change). Round 8: (1) the protocol\'s titration rule, the same for every row (0.3 µg/kg/min, +0.5 per step, to PCWP ≤ 15 mmHg, one step back at SBP < 90; ESC 2016, Stevenson 1999, Franciosa 1983), reaches 3.8 µg/kg/min: CO +62% (these rows fair, the 1986 row good), but MAP falls 20 mmHg and HR rises 3.5 bpm, so eight MAP, HR, regurgitant-fraction, cardiac-index and total-output rows fall to fail (18 → 23 fails of 52 rows); with a 15 mmHg MAP-fall limit instead it stops at 1.8 µg/kg/min (+38%, 21 fails) — in this model each 10% of forward output costs ≈ 3 mmHg of MAP, in the trials 1–2. (2) The LV\'s end-systolic elastance (0.74 mmHg/mL active, 0.92 with the passive curve at end-systole; Ea/Ees 1.8) lies in the invasive human range (0.4–8.4 mmHg/mL, Chen 2001) at the edge of severe failure (Ees < Ea/2, Asanoi 1989); refitted jointly over every hfref row with Ees 0.5 (Ea/Ees 2.4): +38%, no row out of fail; with the pericardium on as well: +36%. (3) Emulating the downward shift of the diastolic pressure–volume curve under nitroprusside (Brodie 1977; LV passive stiffness halved during the infusion) keeps end-diastolic volume (288 mL) and raises total LV output +20%, but forward CO only +38%: the model\'s functional-MR orifice follows LV volume alone, so the regurgitant fraction stays 0.38 (patients 0.26). Measured not to be the cause in earlier rounds: a splanchnic venous split (round 5), Klotz 2006\'s EDPVR (round 6), the pericardium (rounds 5 and 8), a joint refit of seven hfref parameters (+37%, round 7). Round 8, second half: the right heart refitted to a decompensated CVP of 12–15.5 mmHg, with and without the pericardium (Smith 2004), answers +34–37% and its CVP falls 2–3 mmHg (Packer: 5.3); with the reflex venous reserve removed CVP falls 4–5.5 mmHg, but the LV then empties more (total LV output −5 to −9%, forward CO +21–23%, MAP −19 to −20 mmHg), and even a pericardium loaded to 12–16 mmHg at end-diastole leaves the LV end-diastolic volume falling 10–14 mL: emptying the right heart does not release the LV enough in this model. Round 9 (workers/physiology/README.md): two sourced mechanisms built in a scratch copy and measured on the whole table, neither adopted — an orifice that also follows the left atrium\'s size (annular dilatation; the orifice shrank 0.55 → 0.21 cm² with tailored therapy at an unchanged regurgitant gradient, Rosario 1998) closes the MR to RF 0.27–0.18 but total LV output then falls (+1 to −7.5%) and forward CO stays +34–38%; nitroprusside\'s direct relaxation of the LV (Paulus 1994: intracoronary nitroprusside without systemic effect, LVEDP 18 → 12 mmHg at EDV 158 → 165 mL; Brodie 1977) keeps end-diastolic volume and, with that orifice, reaches +44–48% with RF 0.25–0.17, but the dobutamine rows (whose LA also shrinks) and Guiha\'s MAP fail: 20–23 fails against 19';
const LIMIT_FLUID = 'data limitation: Kumar\'s two reports of the same protocol differ (SV +10% vs SVI +15–25%): no one change is fair against both (within 30% of +10% needs ≤ +13%, of +20% needs ≥ +14%), so one of the two SV rows fails whatever the model does. The model\'s SV rises +8.0% (round 6: ventricles stiffened at their operating point to Klotz 2006\'s human EDPVR, +13.5% before; workers/physiology/README.md)';
const LIMIT_BLEED = 'data limitation, measured (workers/physiology/README.md, rounds 6–7). The volunteer studies disagree on the size of the response: per 100 mL removed SV fell 3.8% (Leonetti 2004, 375 mL, finger-pressure Modelflow), 3.3% (Hanson 1998, 450 mL, aortic stroke distance), 2.2% from the first to the third 333 mL stage (Rickards 2015, n = 9), 1.6% (the Mayo abstract, n = 6) and 1.1% (Johnson 2015, n = 6, two stopped early) — the last three from one laboratory and protocol; SV fell 6.3 mL per mmHg of CVP in Rickards\'s stages but 2.7 mL/mmHg in Johnson\'s, and pulse pressure 13% (Johnson) and 17% (the Mayo abstract) in the same protocol. Rows fair against both −14.1% at 375 mL and −11.1% at 1 L may lose at most 1.45× the stroke volume for 2.7× the volume. The model sits inside that spread: SV −5.7% at 375 mL, −7.1% at 450 mL, −16% at 1 L in three stages, 7.6 mL per mmHg of CVP from the first to the third stage; its CVP falls 2.0 mmHg over 1 L where the Mayo volunteers\' fell 4.5 (a model gap: the baroreflex\'s venous reserve, fitted to 3 L to hold HR and MAP, holds CVP up; with the sources\' 0.7 L CVP fell 2.9 mmHg and SV 21%, round 6). Measured not to close the small-bleed gap (round 7): a reflex arm on the pulmonary veins\' unstressed volume (300 mL range: SV at 1 L −21.0 → −20.3%), atrial contraction rising with the sympathetic drive (0.2 point), the reflex\'s time course (beat by beat vs quasi-steady at 375 mL: −5.9 vs −5.7%; venous τ doubled: −6.1%) — the arterial drive hardly moves at these losses (MAP −1.7 mmHg at 375 mL) — and a posture-like start 667 mL lower (a further 333 mL still costs 6.9%, not 14%); the splanchnic split, reflex inotropy and the pericardium were measured in rounds 5–6';
const HF_RAP = 'Right-atrial pressure of decompensated HFrEF, from the ratio of right- to left-sided filling pressure (the drug trials\' abstracts give no baseline RA): RAP/PCWP median 0.58, interquartile range 0.43–0.75 in 367 patients admitted with acute decompensated heart failure and raised filling pressures (Grodin JL, Drazner MH, Dupont M et al. Am Heart J 2015;169:806–12, PMC4451570); ESCAPE trial tertiles 0.27–0.40, 0.41–0.62, 0.62–1.21 (Drazner MH et al. Circ Heart Fail 2013, ESCAPE database). The range is that interquartile range times the trials\' baseline PCWP (27–32 mmHg: Mikulic 1977, Akhtar 1975, Guiha 1974): 0.43 × 27 to 0.75 × 32 mmHg. Packer 1983\'s patients\' RA fell 5.3 mmHg under nitroprusside, so it started well above that';
const LIMIT_HF_CVP = 'gap of this model, measured (workers/physiology/README.md, round 8, second half): the preset\'s right heart was fitted (round 4) before this row existed and rests at CVP ≈ 5 mmHg. Refitted jointly over every hfref row with the right heart free (RV EA and EB, stressed volume, the cardiac reflex\'s set point and width, the reflex venous range, LV EB, venous compliance, SVR; Nelder–Mead, baseline ranges as penalties), it rests at CVP 12–17 mmHg with every other baseline range held, but the table\'s fail count does not fall (19 before; 19 and 19 without the pericardium, with the reflex venous range fitted to 2.0 or 0.85 L; 19 and 20 with it, whose fitted V0 leaves it slack; 23 with it held loaded to 16.5 mmHg at end-diastole), so the preset was not changed. Under nitroprusside the refitted right heart empties 2–3 mmHg (Packer 1983: 5.3): the reflex venous reserve (3 L, fitted to volunteer haemorrhage) takes back most of the venodilation';
const VAN_BAAK = 'van Baak MA et al. 1985 (0.15 mg/kg IV lowered exercise HR by 12%); assumption: a resting HR fall of about the same fraction (≈ −13% from 70 bpm), as the row\'s published value — not a measured resting change';

/**
 * The trials titrated nitroprusside "to effect". One protocol rule, the same for every
 * nitroprusside row (round 8 of issue 11): start at `startMcgPerKgPerMin`, raise by
 * `stepMcgPerKgPerMin` (each step held until the haemodynamics are steady: 30 min here, as the
 * trials measured at a stable state), until PCWP ≤ `pcwpTargetMmHg` (the endpoint) — or stop
 * one step back once SBP < `sbpFloorMmHg` or MAP has fallen by more than `mapFallLimitMmHg`
 * (the hypotension limit), or at `maxMcgPerKgPerMin`.
 */
export interface NitroprussideTitrationRule {
  startMcgPerKgPerMin: number;
  stepMcgPerKgPerMin: number;
  maxMcgPerKgPerMin: number;
  pcwpTargetMmHg: number;
  sbpFloorMmHg: number;
  mapFallLimitMmHg: number;
  /** How the rule is written in the rows, with its sources. */
  text: string;
}

/**
 * The protocol rule: start at 0.3 µg/kg/min and titrate up to at most 5 (ESC heart-failure
 * guidelines' nitroprusside dosing: Ponikowski P et al. Eur Heart J 2016;37:2129–200), steps of
 * 0.5 µg/kg/min (assumption: the usual increment), endpoint PCWP ≤ 15 mmHg (the filling-pressure
 * goal of tailored vasodilator therapy: Stevenson LW. Tailored therapy to hemodynamic goals for
 * advanced heart failure. Eur J Heart Fail 1999;1:251–7), hypotension limit SBP < 90 mmHg
 * (Franciosa JA, Dunkman WB, Wilen M, Silverstein SR. "Optimal" left ventricular filling pressure
 * during nitroprusside infusion for congestive heart failure, 1983: wedge pressure lowered in
 * 4–6 mmHg steps until it fell below 14 mmHg or systolic pressure reached 90 mmHg).
 */
export const SNP_TITRATION: NitroprussideTitrationRule = {
  startMcgPerKgPerMin: 0.3,
  stepMcgPerKgPerMin: 0.5,
  maxMcgPerKgPerMin: 5,
  pcwpTargetMmHg: 15,
  sbpFloorMmHg: 90,
  mapFallLimitMmHg: Infinity,
  text: 'titrated by one rule for every row: 0.3 µg/kg/min, +0.5 per step, until PCWP ≤ 15 mmHg, or one step back once SBP < 90 mmHg, at most 5 (ESC 2016; Stevenson 1999; Franciosa 1983)',
};

export interface Titration {
  doseMcgPerKgPerMin: number;
  /** Why titration stopped. */
  stop: 'pcwp endpoint' | 'hypotension' | 'max dose';
  before: EngineMetrics;
  after: EngineMetrics;
}

/** Applies the titration rule to one patient; the run graded is the dose the rule reaches, 30 min at steady infusion. */
export function titrateNitroprusside(params: ModelParameters, weightKg: number, rule: NitroprussideTitrationRule): Titration {
  const runAt = (dose: number): { before: EngineMetrics; after: EngineMetrics } => {
    const r = runMultiScale(params, [{ type: 'drug', atSec: 0, drug: 'nitroprusside', rateMcgPerKgPerMin: dose }], 1800, weightKg, { sampleSec: 60 });
    return { before: r.trajectory[0]!, after: r.metrics };
  };
  let prev: { dose: number; run: { before: EngineMetrics; after: EngineMetrics } } | undefined;
  for (let dose = rule.startMcgPerKgPerMin; dose <= rule.maxMcgPerKgPerMin + 1e-9; dose += rule.stepMcgPerKgPerMin) {
    const run = runAt(dose);
    const hypotensive = run.after.sbpMmHg < rule.sbpFloorMmHg || run.before.mapMmHg - run.after.mapMmHg > rule.mapFallLimitMmHg;
    if (hypotensive) {
      const back = prev ?? { dose, run };
      return { doseMcgPerKgPerMin: back.dose, stop: 'hypotension', ...back.run };
    }
    if (run.after.pcwpMmHg <= rule.pcwpTargetMmHg) return { doseMcgPerKgPerMin: dose, stop: 'pcwp endpoint', ...run };
    prev = { dose, run };
  }
  if (!prev) throw new Error('nitroprusside titration rule: start dose above the maximum');
  return { doseMcgPerKgPerMin: prev.dose, stop: 'max dose', ...prev.run };
}

/** The nitroprusside rows' dosing in the generated table (round 8: see workers/physiology/README.md). */
const SNP_DEFAULT: NitroprussideTitrationRule | number = 1.5;

export interface ValidationOptions {
  /** Nitroprusside rows: a titration rule, or a fixed dose (µg/kg/min). */
  nitroprusside?: NitroprussideTitrationRule | number;
}

export function runValidation(opts: ValidationOptions = {}): ValidationRow[] {
  const rows: ValidationRow[] = [];

  // ------------------------------------------------------------------ healthy adult, ranges
  const healthy = simulateSteadyState(resolveParameters({ preset: 'healthy' }));
  const h = healthy.metrics;
  const g = 'Healthy adult at rest (175 cm, 75 kg man, 45 y)';
  rows.push(
    range(g, 'HR', h.hrBpm, 60, 100, 'bpm', HEALTHY_SOURCE),
    range(g, 'SBP (aortic root)', h.sbpMmHg, 100, 140, 'mmHg', HEALTHY_SOURCE),
    range(g, 'DBP (aortic root)', h.dbpMmHg, 60, 90, 'mmHg', HEALTHY_SOURCE),
    range(g, 'MAP', h.mapMmHg, 70, 105, 'mmHg', HEALTHY_SOURCE),
    range(g, 'CO', h.coLPerMin, 4, 7, 'L/min', HEALTHY_SOURCE),
    range(g, 'SV', h.svMl, 55, 100, 'mL', HEALTHY_SOURCE),
    range(g, 'EF', h.ef, 0.55, 0.7, '', HEALTHY_SOURCE),
    range(g, 'LVEDV', h.lvedvMl, 110, 190, 'mL', HEALTHY_SOURCE),
    range(g, 'CVP', h.cvpMmHg, 2, 6, 'mmHg', HEALTHY_SOURCE),
    range(g, 'PCWP (mean LA)', h.pcwpMmHg, 4, 12, 'mmHg', HEALTHY_SOURCE),
    range(g, 'PA mean', h.paMeanMmHg, 9, 18, 'mmHg', HEALTHY_SOURCE),
    range(g, 'LV end-diastolic pressure', healthy.diagnostics.lvedpMmHg, 4, 12, 'mmHg', HEALTHY_SOURCE),
    below(g, 'Aortic peak velocity (normal valve)', h.avPeakVelocityMPerS, 2, 'm/s', 'ASE/EACVI: normal transaortic Vmax below 2 m/s'),
  );

  // ------------------------------------------------------------ body size, sex and age, ranges
  const body = (sex: 'F' | 'M', ageYears: number, heightCm: number, weightKg: number): void => {
    const t: PatientTraits = { sex, ageYears, heightCm, weightKg };
    const bsa = bodySurfaceAreaM2(t);
    const m = simulateSteadyState(resolveParameters({ preset: 'healthy', patient: t })).metrics;
    const grp = `Healthy ${sex === 'F' ? 'woman' : 'man'} ${ageYears} y, ${heightCm} cm / ${weightKg} kg (BSA ${bsa.toFixed(2)} m²)`;
    const src = 'Normal indexed flows at rest: CI 2.5–4.0 L/min/m², SVI 35–65 mL/m² (Cotter G et al. Eur J Heart Fail 2003; PHYSIOLOGY.md)';
    rows.push(
      range(grp, 'Stroke-volume index', m.svMl / bsa, 35, 65, 'mL/m²', src),
      range(grp, 'Cardiac index', m.coLPerMin / bsa, 2.5, 4.0, 'L/min/m²', src),
      range(grp, 'MAP', m.mapMmHg, 70, 110, 'mmHg', HEALTHY_SOURCE),
    );
  };
  body('F', 45, 155, 55);
  body('M', 45, 195, 110);
  body('F', 30, 165, 62);

  // Age: DBP rises to about 60 y then falls, pulse pressure widens (Franklin SS et al.
  // Hemodynamic patterns of age-related changes in blood pressure. The Framingham Heart Study.
  // Circulation 1997;96:308–15).
  const byAge = [25, 45, 60, 80].map((age) => simulateSteadyState(resolveParameters({ preset: 'healthy', patient: { sex: 'M', ageYears: age, heightCm: 175, weightKg: 75 } })).metrics);
  const fr = 'Franklin SS et al. Circulation 1997;96:308–15 (Framingham): DBP rises until ≈ 50–60 y then falls; pulse pressure widens steeply after 60 (≈ 45 → 65 mmHg from 40 to 80 y)';
  const pp = byAge.map((m) => m.sbpMmHg - m.dbpMmHg);
  rows.push(
    range('Age 25 → 60 y (healthy man)', 'Δ DBP (rises)', byAge[2]!.dbpMmHg - byAge[0]!.dbpMmHg, 2, 12, 'mmHg', fr),
    range('Age 60 → 80 y (healthy man)', 'Δ DBP (falls)', byAge[3]!.dbpMmHg - byAge[2]!.dbpMmHg, -12, -1, 'mmHg', fr),
    range('Age 45 → 80 y (healthy man)', 'Δ pulse pressure (widens)', pp[3]! - pp[1]!, 10, 30, 'mmHg', fr),
  );

  // ------------------------------------------------------- aortic stenosis, small and large, TAVR
  for (const [label, t] of [
    ['155 cm / 55 kg woman', { sex: 'F', ageYears: 78, heightCm: 155, weightKg: 55 }],
    ['185 cm / 95 kg man', { sex: 'M', ageYears: 78, heightCm: 185, weightKg: 95 }],
  ] as const) {
    const m = simulateSteadyState(resolveParameters({ preset: 'severe-as', patient: t })).metrics;
    const grp = `Severe AS, EOA 0.7 cm², ${label}`;
    rows.push(above(grp, 'Aortic peak velocity (grades severe)', m.avPeakVelocityMPerS, 4, 'm/s', AS_SOURCE), above(grp, 'Aortic mean gradient (grades severe)', m.avMeanGradientMmHg, 40, 'mmHg', AS_SOURCE));
  }
  const tavr = intervene('severe-as', [{ type: 'tavr', atSec: 60, eoaCm2: 1.7 }], 600);
  rows.push(range('TAVR to EOA 1.7 cm² (severe AS)', 'Aortic mean gradient after', tavr.after.avMeanGradientMmHg, 9.9 - 4.8, 9.9 + 4.8, 'mmHg', 'PARTNER cohort A, 30 days: EOA 1.7 ± 0.5 cm², mean gradient 9.9 ± 4.8 mmHg'));
  // Blood pressure after TAVR in the elderly (mean age 82): the stenosis no longer limits the
  // upstroke, so SBP and pulse pressure rise at once.
  const old = { sex: 'M', ageYears: 82, heightCm: 170, weightKg: 72 } as const;
  const tavrOld = intervene('severe-as', [{ type: 'tavr', atSec: 60, eoaCm2: 1.7 }], 600, old);
  const tg = 'TAVR to EOA 1.7 cm², severe AS, 82-year-old';
  const rabin = 'Rabin Medical Center TAVI cohort 2008–2016 (n = 414, mean age 82; abstract, Israel Heart Society): SBP 129.0 → 149.2, DBP 64.5 → 61.2, pulse pressure 64.5 → 88.0 mmHg immediately after TAVI';
  const tavrLimit = 'not the time of measurement: run beat by beat, SBP and pulse pressure reach their new values within 5 s of the valve opening and hold them for 5 min (the reflex re-sets nothing, as MAP and CO hardly change); not the age-related arterial stiffness either: halving this patient\'s arterial compliance shrinks the rise (SBP +8.5 → +3.8 mmHg) because the baseline pulse pressure widens more. The model\'s hypertrophied LV fully compensates the stenosis, so relieving it changes the upstroke but not output; the cohorts\' rise (post-procedural hypertension, Perlman 2013) comes with sympathetic activation on recovery from the procedure, which the model does not represent (model gap, not a 0D limitation)';
  rows.push(
    response({ group: tg, quantity: 'SBP', source: 'Perlman GY et al. Post-procedural hypertension following transcatheter aortic valve implantation: incidence and clinical significance. JACC Cardiovasc Interv 2013;6:472–8 (n = 105): SBP +15 ± 31 mmHg immediately after TAVI (baseline not in the abstract; 129 mmHg assumed from the Rabin cohort)', published: { before: 129, after: 144, spread: '± 31' }, model: { before: tavrOld.before.sbpMmHg, after: tavrOld.after.sbpMmHg }, unit: 'mmHg', relative: false, limitation: tavrLimit }),
    response({ group: tg, quantity: 'SBP', source: rabin, published: { before: 129.0, after: 149.2 }, model: { before: tavrOld.before.sbpMmHg, after: tavrOld.after.sbpMmHg }, unit: 'mmHg', relative: false, limitation: tavrLimit }),
    response({ group: tg, quantity: 'pulse pressure', source: rabin, published: { before: 64.5, after: 88.0 }, model: { before: tavrOld.before.sbpMmHg - tavrOld.before.dbpMmHg, after: tavrOld.after.sbpMmHg - tavrOld.after.dbpMmHg }, unit: 'mmHg', relative: false, limitation: tavrLimit }),
  );

  // ------------------------------------------------------------------------ HFrEF archetype
  const hfSteady = simulateSteadyState(resolveParameters({ preset: 'hfref' }));
  const hf = hfSteady.metrics;
  const bsaRef = bodySurfaceAreaM2({ heightCm: 175, weightKg: 75 });
  const hfSrc = 'Baselines of the trials below (Mikulic 1977: CO 2.8–2.9 L/min, PCWP 29 mmHg; Akhtar 1975: 3.1 L/min, 27 mmHg); EF ≈ 0.2–0.3';
  rows.push(
    range('HFrEF (decompensated)', 'Cardiac index', hf.coLPerMin / bsaRef, 1.6, 2.3, 'L/min/m²', hfSrc),
    range('HFrEF (decompensated)', 'PCWP', hf.pcwpMmHg, 24, 32, 'mmHg', hfSrc),
    range('HFrEF (decompensated)', 'EF', hf.ef, 0.15, 0.32, '', hfSrc),
    range('HFrEF (decompensated)', 'HR', hf.hrBpm, 84, 105, 'bpm', 'Gheorghiade 2009; trial baselines 86–99 bpm'),
    range('HFrEF (decompensated)', 'MAP', hf.mapMmHg, 75, 100, 'mmHg', 'Akhtar 1975 baseline MAP 93 mmHg'),
    range('HFrEF (decompensated)', 'CVP (right-atrial pressure)', hf.cvpMmHg, 11.6, 24, 'mmHg', HF_RAP, LIMIT_HF_CVP),
  );

  // ------------------------------------------------------------------------- drugs in HFrEF
  const dobu = intervene('hfref', [{ type: 'drug', atSec: 0, drug: 'dobutamine', rateMcgPerKgPerMin: 10 }], 1800);
  const dg = 'Dobutamine 10 µg/kg/min, 30 min (HFrEF)';
  rows.push(
    response({ group: dg, quantity: 'CO', source: MIKULIC, published: { before: 2.8, after: 5.8 }, model: { before: dobu.before.coLPerMin, after: dobu.after.coLPerMin }, unit: 'L/min', relative: true }),
    response({ group: dg, quantity: 'CO', source: AKHTAR, published: { before: 3.1, after: 5.6 }, model: { before: dobu.before.coLPerMin, after: dobu.after.coLPerMin }, unit: 'L/min', relative: true }),
    response({ group: dg, quantity: 'PCWP', source: MIKULIC, published: { before: 28.9, after: 20.2 }, model: { before: dobu.before.pcwpMmHg, after: dobu.after.pcwpMmHg }, unit: 'mmHg', relative: false }),
    response({ group: dg, quantity: 'PCWP', source: AKHTAR, published: { before: 27.4, after: 21.1 }, model: { before: dobu.before.pcwpMmHg, after: dobu.after.pcwpMmHg }, unit: 'mmHg', relative: false, limitation: 'the two trials differ by 40% (−8.7 vs −6.3 mmHg); one dobutamine size cannot match both' }),
    response({ group: dg, quantity: 'HR', source: AKHTAR, published: { before: 98.5, after: 105.2 }, model: { before: dobu.before.hrBpm, after: dobu.after.hrBpm }, unit: 'bpm', relative: false, nullScaleFraction: 0.1 }),
    response({ group: dg, quantity: 'MAP', source: AKHTAR, published: { before: 93.3, after: 98.2 }, model: { before: dobu.before.mapMmHg, after: dobu.after.mapMmHg }, unit: 'mmHg', relative: false, nullScaleFraction: 0.1, limitation: 'Akhtar\'s MAP rise (+4.9 mmHg) is small against its spread and Mikulic reports MAP 99 mmHg on dobutamine; the drug\'s vasodilation was sized with the CO and PCWP rows, so the model keeps MAP flat' }),
    response({ group: dg, quantity: 'SV', source: BEREGOVICH, published: { before: 44, after: 64 }, model: { before: dobu.before.svMl, after: dobu.after.svMl }, unit: 'mL', relative: true, limitation: 'Beregovich\'s patients raised HR by 17% (86 → 101) where Akhtar\'s rose 7%; the model follows Akhtar, so more of its CO rise is stroke volume' }),
  );
  const dobu5 = intervene('hfref', [{ type: 'drug', atSec: 0, drug: 'dobutamine', rateMcgPerKgPerMin: 5 }], 1800);
  rows.push(
    response({
      group: 'Dobutamine 5 µg/kg/min, 30 min (HFrEF)',
      quantity: 'CO',
      source: 'Leier CV et al. Comparative systemic and regional hemodynamic effects of dopamine and dobutamine in patients with cardiomyopathic heart failure. Circulation 1978;58:466–75: CO rises progressively over 2.5–10 µg/kg/min; at 5 µg/kg/min about two thirds of the 10 µg/kg/min rise (assumption read from the dose–response; Akhtar 1975: "less than with 10")',
      published: { before: 2.8, after: 2.8 * (1 + (2 / 3) * 1.07) },
      model: { before: dobu5.before.coLPerMin, after: dobu5.after.coLPerMin },
      unit: 'L/min',
      relative: true,
    }),
  );
  const snpSpec = opts.nitroprusside ?? SNP_DEFAULT;
  const snpRun = (params: ModelParameters): Titration =>
    typeof snpSpec === 'number'
      ? (() => {
          const r = runMultiScale(params, [{ type: 'drug', atSec: 0, drug: 'nitroprusside', rateMcgPerKgPerMin: snpSpec }], 1800, 75, { sampleSec: 60 });
          return { doseMcgPerKgPerMin: snpSpec, stop: 'max dose' as const, before: r.trajectory[0]!, after: r.metrics };
        })()
      : titrateNitroprusside(params, 75, snpSpec);
  const snp = snpRun(resolveParameters({ preset: 'hfref' }));
  const snpHow = typeof snpSpec === 'number' ? `modelled ${fmt(snpSpec)} µg/kg/min` : `${snpSpec.text}; reached ${fmt(snp.doseMcgPerKgPerMin)} µg/kg/min (${snp.stop})`;
  const sg = `Nitroprusside titrated (${snpHow}), 30 min (HFrEF)`;
  const rf = (m: EngineMetrics): number => 1 - m.svMl / Math.max(1e-9, m.lvedvMl - m.lvesvMl);
  // Round 9 of issue 11: how far forward output can rise in any model of these patients while the
  // table's own rows on the same patients stay fair — the 1986 study's regurgitant-fraction fall,
  // Firth 1982's unchanged total LV output (graded against 10%) and Packer 1983's cardiac-index rise.
  const rfBefore = rf(snp.before);
  const rfFallFairMax = (1 + FAIR_RELATIVE_ERROR) * (MR_1986_RF.before - MR_1986_RF.after);
  const totalRiseFairMaxPct = FAIR_RELATIVE_ERROR * 100 * FIRTH_NULL_SCALE;
  const forwardRiseMaxPct = maxForwardRisePct(rfBefore, rfFallFairMax, totalRiseFairMaxPct);
  const ciBefore = snp.before.coLPerMin / bsaRef;
  const ciRiseFairMax = (1 + FAIR_RELATIVE_ERROR) * PACKER_CI_RISE;
  const ciRiseMaxPct = (100 * ciRiseFairMax) / ciBefore;
  /** A nitroprusside CO row's limitation: the data conflict where arithmetic shows one, else the measured model gap. */
  const snpCoLimitation = (published: { before: number; after: number }): string => {
    const floorPct = (1 - FAIR_RELATIVE_ERROR) * (100 * (published.after - published.before)) / published.before;
    const against = [
      ...(forwardRiseMaxPct < floorPct ? [`the regurgitant-fraction row and Firth 1982's total-LV-output row (forward output = total LV output × (1 − RF): from the preset's RF ${fmt(rfBefore)} (the 1986 study's MR group: 0.44), a fall of at most ${fmt(rfFallFairMax)} and a total output at most +${fmt(totalRiseFairMaxPct)}% — both still fair — allow at most +${fmt(forwardRiseMaxPct)}%)`] : []),
      ...(ciRiseMaxPct < floorPct ? [`Packer 1983's cardiac-index row (fair up to +${fmt(ciRiseFairMax)} L/min/m² from the preset's ${fmt(ciBefore)}: at most +${fmt(ciRiseMaxPct)}%)`] : []),
    ];
    if (against.length === 0) return LIMIT_SNP;
    return `data conflict, by arithmetic (round 9 of issue 11, workers/physiology/README.md): fair here needs a rise of at least +${fmt(floorPct)}%, which no model can give while one preset, with the preset's resting regurgitant fraction, stands for all these trials' patients and passes ${against.join(', nor while it passes ')}. Beside that, ${LIMIT_SNP}`;
  };
  rows.push(
    response({ group: sg, quantity: 'CO', source: MIKULIC, published: MIKULIC_SNP_CO, model: { before: snp.before.coLPerMin, after: snp.after.coLPerMin }, unit: 'L/min', relative: true, limitation: snpCoLimitation(MIKULIC_SNP_CO) }),
    response({ group: sg, quantity: 'PCWP', source: MIKULIC, published: { before: 29.1, after: 16.6 }, model: { before: snp.before.pcwpMmHg, after: snp.after.pcwpMmHg }, unit: 'mmHg', relative: false }),
    response({ group: sg, quantity: 'MAP', source: `${MIKULIC}: MAP 86 mmHg on nitroprusside vs 99 on dobutamine (baseline assumed 93, as in Akhtar 1975)`, published: { before: 93, after: 86.2 }, model: { before: snp.before.mapMmHg, after: snp.after.mapMmHg }, unit: 'mmHg', relative: false, limitation: 'data limitation: the titrated trials\' MAP falls differ 2-fold — −6.8 mmHg here (Mikulic 1977, whose baseline is assumed), −11 (Packer 1983) and −15 (Guiha 1974); no one change is fair against both −6.8 and −15 (within 30% of −6.8 needs a fall ≤ 8.8 mmHg, of −15 a fall ≥ 10.5). The model\'s −13.7 mmHg is good against Guiha and fair against Packer' }),
    response({ group: sg, quantity: 'HR', source: LEIER_1977, published: { before: 95, after: 95 }, model: { before: snp.before.hrBpm, after: snp.after.hrBpm }, unit: 'bpm', relative: false, nullScaleFraction: 0.1, limitation: LIMIT_SNP }),
  );
  // Independent nitroprusside studies (not used to fit the drug's size, which came from Mikulic 1977).
  rows.push(
    response({ group: sg, quantity: 'CO', source: GUIHA, published: GUIHA_SNP_CO, model: { before: snp.before.coLPerMin, after: snp.after.coLPerMin }, unit: 'L/min', relative: true, limitation: snpCoLimitation(GUIHA_SNP_CO) }),
    response({ group: sg, quantity: 'PCWP', source: GUIHA, published: { before: 32.2, after: 17.2 }, model: { before: snp.before.pcwpMmHg, after: snp.after.pcwpMmHg }, unit: 'mmHg', relative: false, limitation: LIMIT_SNP }),
    response({ group: sg, quantity: 'MAP', source: `${GUIHA} (baseline not in the abstract; 93 mmHg shown)`, published: { before: 93, after: 78 }, model: { before: snp.before.mapMmHg, after: snp.after.mapMmHg }, unit: 'mmHg', relative: false, limitation: LIMIT_SNP }),
    response({ group: sg, quantity: 'HR', source: `${GUIHA}: "slightly but significantly slowed" (graded as no change)`, published: { before: 95, after: 95 }, model: { before: snp.before.hrBpm, after: snp.after.hrBpm }, unit: 'bpm', relative: false, nullScaleFraction: 0.1, limitation: LIMIT_SNP }),
    response({ group: sg, quantity: 'MAP', source: `${PACKER} (baseline not in the abstract; 93 mmHg shown)`, published: { before: 93, after: 82 }, model: { before: snp.before.mapMmHg, after: snp.after.mapMmHg }, unit: 'mmHg', relative: false, limitation: LIMIT_SNP }),
    response({ group: sg, quantity: 'HR', source: `${PACKER}: no change in heart rate`, published: { before: 95, after: 95 }, model: { before: snp.before.hrBpm, after: snp.after.hrBpm }, unit: 'bpm', relative: false, nullScaleFraction: 0.1, limitation: LIMIT_SNP }),
    // Round 8 (second half): the right heart's response, the lead of round 8 (Packer's RA fall).
    response({ group: sg, quantity: 'CVP (right-atrial pressure)', source: `${PACKER} (baseline not in the abstract; 14 mmHg shown, the middle of the HFrEF CVP range row)`, published: { before: 14, after: 8.7 }, model: { before: snp.before.cvpMmHg, after: snp.after.cvpMmHg }, unit: 'mmHg', relative: false, limitation: LIMIT_SNP }),
    // Round 8: two more independent measurements of the same intervention in the same patients.
    response({ group: sg, quantity: 'cardiac index', source: `${PACKER}: cardiac index +0.67 L/min/m² (baseline not in the abstract; 2.0 shown)`, published: { before: 2.0, after: 2.0 + PACKER_CI_RISE }, model: { before: snp.before.coLPerMin / bsaRef, after: snp.after.coLPerMin / bsaRef }, unit: 'L/min/m²', relative: false, limitation: LIMIT_SNP }),
    response({ group: sg, quantity: 'total LV output (radionuclide)', source: `${FIRTH_1982}: scintigraphic (total) LV output "did not change significantly" while forward (thermodilution) cardiac index rose (graded as no change); the authors judged scintigraphic volumes an unreliable guide to vasodilator effect`, published: { before: 100, after: 100 }, model: { before: 100, after: (100 * (snp.after.lvedvMl - snp.after.lvesvMl) * snp.after.hrBpm) / ((snp.before.lvedvMl - snp.before.lvesvMl) * snp.before.hrBpm) }, unit: '% of baseline', relative: true, nullScaleFraction: FIRTH_NULL_SCALE, limitation: LIMIT_SNP }),
  );
  // How much of nitroprusside's forward-output rise the fall in functional MR gives: the 1986
  // radionuclide study split its patients by regurgitant fraction at rest. The HFrEF preset stands
  // for its MR group; the same preset with the MR orifice closed for its group without MR.
  const hfNoMr = { ...resolveParameters({ preset: 'hfref' }), mitralRegurgitantOrificeSlopeCm2PerMl: 0 };
  const snpNoMr = snpRun(hfNoMr);
  const snpNoMrHow = typeof snpSpec === 'number' ? snpHow : `the same rule; reached ${fmt(snpNoMr.doseMcgPerKgPerMin)} µg/kg/min (${snpNoMr.stop})`;
  const mrg = `Nitroprusside (${snpHow}), severe LV failure with functional MR, RF > 0.30 (HFrEF preset)`;
  const nomrg = `Nitroprusside (${snpNoMrHow}), severe LV failure without MR, RF < 0.10 (HFrEF preset, MR orifice closed)`;
  rows.push(
    response({ group: mrg, quantity: 'regurgitant fraction', source: `${MR_1986}: RF 0.44 ± 0.12 → 0.26 ± 0.15`, published: MR_1986_RF, model: { before: rf(snp.before), after: rf(snp.after) }, unit: '', relative: false, limitation: LIMIT_SNP }),
    response({ group: mrg, quantity: 'forward CO', source: `${MR_1986}: forward CO +64 ± 34 % with MR`, published: { before: 100, after: 164, spread: '± 34 %' }, model: { before: snp.before.coLPerMin, after: snp.after.coLPerMin }, unit: '% of baseline', modelUnit: 'L/min', relative: true, limitation: snpCoLimitation({ before: 100, after: 164 }) }),
    response({ group: nomrg, quantity: 'forward CO', source: `${MR_1986}: forward CO +31 ± 17 % without MR`, published: { before: 100, after: 131, spread: '± 17 %' }, model: { before: snpNoMr.before.coLPerMin, after: snpNoMr.after.coLPerMin }, unit: '% of baseline', modelUnit: 'L/min', relative: true, limitation: LIMIT_SNP }),
  );
  const furo = intervene('hfref', [{ type: 'drug', atSec: 0, drug: 'furosemide', doseMg: 60, route: 'iv' }], 6 * 3600);
  rows.push(
    response({
      group: 'Furosemide 60 mg IV (0.8 mg/kg), at 15 min (HFrEF)',
      quantity: 'PCWP',
      source: DIKSHIT,
      published: { before: 20.4, after: 14.8 },
      model: { before: furo.before.pcwpMmHg, after: furo.at(900).pcwpMmHg },
      unit: 'mmHg',
      relative: false,
      limitation: 'the quasi-steady-state scheme samples every 60 s and the venodilation is modelled on the plasma level (t½ 1.5 h), not on the faster distribution phase',
    }),
  );

  // ------------------------------------------------------------ atrial pacing (rate without demand)
  const paced = (hrBpm: number): EngineMetrics => intervene('healthy', [{ type: 'pacing', atSec: 0, hrBpm }], 600).after;
  const pace80 = paced(80);
  for (const [hr, ci] of [[121, 3.72], [148, 3.21]] as const) {
    const p = paced(hr);
    rows.push(
      response({
        group: `Right-atrial pacing 80 → ${hr} bpm at rest (adults without heart failure)`,
        quantity: 'CO',
        source: ROSS_1965,
        published: { before: 3.67, after: ci },
        model: { before: pace80.coLPerMin, after: p.coLPerMin },
        unit: 'L/min',
        relative: true,
        ...(hr === 121 ? { nullScaleFraction: 0.1 } : {}),
        limitation: 'no force–frequency relation (flat in failing, positive in normal myocardium; not modelled): the CO fall at high paced rates comes from incomplete relaxation and the loss of the atrial contribution as the PR lengthens',
      }),
    );
  }

  // ------------------------------------------------------------ metoprolol, with and without stress
  const beta = intervene('healthy', [{ type: 'drug', atSec: 0, drug: 'metoprolol', doseMg: 0.15 * 75, route: 'iv' }], 1200);
  rows.push(
    response({
      group: 'Metoprolol 0.15 mg/kg IV, 20 min (healthy)',
      quantity: 'HR',
      source: VAN_BAAK,
      published: { before: 70, after: 61 },
      model: { before: beta.before.hrBpm, after: beta.after.hrBpm },
      unit: 'bpm',
      relative: true,
    }),
  );
  const bleedOnly = intervene('healthy', [{ type: 'hemorrhage', atSec: 0, volumeMl: 1000, overSec: 600 }], 660);
  const bleedBeta = intervene('healthy', [{ type: 'drug', atSec: 0, drug: 'metoprolol', doseMg: 100, route: 'oral' }, { type: 'hemorrhage', atSec: 7200, volumeMl: 1000, overSec: 600 }], 7860);
  const hrRiseBeta = bleedBeta.after.hrBpm - bleedBeta.at(7200).hrBpm;
  const hrRise = bleedOnly.after.hrBpm - bleedOnly.before.hrBpm;
  rows.push(
    response({
      group: 'Metoprolol 100 mg oral (2 h) then 1000 mL bleed over 10 min (healthy)',
      quantity: 'HR rise, as % of the rise without β-blockade',
      source: 'Vagal withdrawal carries the early HR rise to central hypovolaemia, β1-sympathetic drive the rest: β-blockade roughly halves the tachycardia of LBNP/haemorrhage (Cooke WH, Ryan KL, Convertino VA. Lower body negative pressure as a model to study progression to acute hemorrhagic shock in humans. J Appl Physiol 2004;96:1249–61; assumption: −50%)',
      published: { before: 100, after: 50 },
      model: { before: 100, after: hrRise > 0 ? (100 * hrRiseBeta) / hrRise : 100 },
      unit: '% of unblocked rise',
      relative: false,
      limitation: 'the published size (−50%) is itself an assumption read from the LBNP literature, not one trial\'s number',
    }),
  );

  // ------------------------------------------------------------------ fluids (healthy volunteers)
  const fluid = intervene('healthy', [{ type: 'fluid', atSec: 0, volumeMl: 3000, overSec: 3 * 3600 }], 3 * 3600);
  const fg = '3 L saline over 3 h (healthy volunteers)';
  rows.push(
    response({ group: fg, quantity: 'SV', source: KUMAR_ICM, published: { before: 100, after: 110 }, model: { before: fluid.before.svMl, after: fluid.after.svMl }, unit: 'mL', relative: true , limitation: LIMIT_FLUID }),
    response({ group: fg, quantity: 'SV index', source: KUMAR_CC, published: { before: 100, after: 120, spread: '15–25%' }, model: { before: fluid.before.svMl, after: fluid.after.svMl }, unit: 'mL', relative: true , limitation: LIMIT_FLUID }),
    response({ group: fg, quantity: 'CO', source: KUMAR_ICM, published: { before: 100, after: 110 }, model: { before: fluid.before.coLPerMin, after: fluid.after.coLPerMin }, unit: 'L/min', relative: true , limitation: LIMIT_FLUID }),
    response({ group: fg, quantity: 'HR', source: KUMAR_ICM, published: { before: 65, after: 65 }, model: { before: fluid.before.hrBpm, after: fluid.after.hrBpm }, unit: 'bpm', relative: false, nullScaleFraction: 0.1 , limitation: LIMIT_FLUID }),
    response({ group: fg, quantity: 'MAP', source: KUMAR_ICM, published: { before: 90, after: 90 }, model: { before: fluid.before.mapMmHg, after: fluid.after.mapMmHg }, unit: 'mmHg', relative: false, nullScaleFraction: 0.1 , limitation: LIMIT_FLUID }),
  );
  // Plasma expansion as a fraction of the infused volume (Hahn): 25 mL/kg over 30 min.
  const kin = new InputSchedule([{ type: 'fluid', atSec: 0, volumeMl: 25 * 75, overSec: 1800 }], 75, 3.5, 5000);
  kin.advanceTo(900);
  const during = (100 * kin.externalVolumeMl()) / kin.administeredVolumeMl();
  kin.advanceTo(3600);
  const after30 = (100 * kin.externalVolumeMl()) / kin.administeredVolumeMl();
  rows.push(
    range('Ringer 25 mL/kg over 30 min (volume kinetics)', 'Plasma expansion / infused, mid-infusion', during, 50, 70, '%', `${HAHN} (kinetic constants fitted to this summary)`),
    range('Ringer 25 mL/kg over 30 min (volume kinetics)', 'Plasma expansion / infused, 30 min after', after30, 15, 20, '%', `${HAHN} (kinetic constants fitted to this summary)`),
  );

  // ------------------------------------------------------------------ haemorrhage (volunteers)
  const b375 = intervene('healthy', [{ type: 'hemorrhage', atSec: 0, volumeMl: 375, overSec: 384 }], 420);
  const bg = 'Phlebotomy 375 mL over 6.4 min (adults with normal hearts)';
  rows.push(
    response({ group: bg, quantity: 'SV', source: LEONETTI, published: { before: 94.0, after: 80.7, spread: '± 5.2 / 5.3 mL' }, model: { before: b375.before.svMl, after: b375.after.svMl }, unit: 'mL', relative: true , limitation: `finger-pressure (Finometer) stroke volume, mean ± SEM of 12; ${LIMIT_BLEED}` }),
    response({ group: bg, quantity: 'HR', source: LEONETTI, published: { before: 75.2, after: 78.3, spread: '± 3.7 / 4.5 bpm' }, model: { before: b375.before.hrBpm, after: b375.after.hrBpm }, unit: 'bpm', relative: false, nullScaleFraction: 0.1 , limitation: `finger-pressure (Finometer) stroke volume, mean ± SEM of 12; ${LIMIT_BLEED}` }),
    response({ group: bg, quantity: 'pulse pressure', source: LEONETTI, published: { before: 53.0, after: 47.1, spread: '± 3.5 / 3.2 mmHg' }, model: { before: b375.before.sbpMmHg - b375.before.dbpMmHg, after: b375.after.sbpMmHg - b375.after.dbpMmHg }, unit: 'mmHg', relative: true , limitation: `finger-pressure (Finometer) stroke volume, mean ± SEM of 12; ${LIMIT_BLEED}` }),
  );
  // The Mayo group's protocol (Johnson 2014, van Helmond 2015, Rickards 2015, the FASEB abstracts):
  // three stages of 333 mL, each followed by 5 min of measurement. The removal rate is not in the
  // abstracts; 333 mL over 6 min is the donation rate of Leonetti 2004 (375 mL in 6.4 min) and
  // Hanson 1998 (450 mL in 8 min) (assumption). Read at the end of each stage's 5 min.
  const STAGE_SEC = 360 + 300;
  const staged = intervene('healthy', [0, 1, 2].map((k) => ({ type: 'hemorrhage' as const, atSec: k * STAGE_SEC, volumeMl: 1000 / 3, overSec: 360 })), 3 * STAGE_SEC);
  const b1000 = { before: staged.before, after: staged.at(3 * STAGE_SEC) };
  const bg2 = 'Blood removal 1000 mL in three 333 mL stages, each + 5 min (healthy men)';
  rows.push(
    response({ group: bg2, quantity: 'HR', source: JOHNSON, published: { before: 60, after: 68, spread: '± 11 / 8 bpm' }, model: { before: b1000.before.hrBpm, after: b1000.after.hrBpm }, unit: 'bpm', relative: false, nullScaleFraction: 0.1 , limitation: `data limitation: the published rise is not significant (P = 0.16; SD 8–11 bpm; the group's 2013 abstract: 59 → 66 bpm, P = 0.07) and the model's +5 bpm lies inside it; with the protocol's three stages and 5-min holds (round 7) the model refills ≈ 200 mL of plasma by the end, and its rise is +5 bpm where a 10-min bleed gave +6. ${LIMIT_BLEED}` }),
    response({ group: bg2, quantity: 'MAP', source: JOHNSON, published: { before: 93, after: 86, spread: '± 10 / 8 mmHg' }, model: { before: b1000.before.mapMmHg, after: b1000.after.mapMmHg }, unit: 'mmHg', relative: false, nullScaleFraction: 0.1 , limitation: LIMIT_BLEED }),
    response({ group: bg2, quantity: 'SV', source: JOHNSON, published: { before: 108, after: 96, spread: '± 10 / 13 mL' }, model: { before: b1000.before.svMl, after: b1000.after.svMl }, unit: 'mL', relative: true , limitation: LIMIT_BLEED }),
    response({ group: bg2, quantity: 'pulse pressure', source: JOHNSON, published: { before: 68, after: 59, spread: '± 9 / 8 mmHg' }, model: { before: b1000.before.sbpMmHg - b1000.before.dbpMmHg, after: b1000.after.sbpMmHg - b1000.after.dbpMmHg }, unit: 'mmHg', relative: true , limitation: LIMIT_BLEED }),
    response({ group: bg2, quantity: 'CVP', source: JOHNSON, published: { before: 6.4, after: 1.9, spread: '± 1.7 / 1.8 mmHg' }, model: { before: b1000.before.cvpMmHg, after: b1000.after.cvpMmHg }, unit: 'mmHg', relative: false , limitation: LIMIT_BLEED }),
  );
  // Rickards 2015 reports the stages but not the baseline: graded from the first stage to the third.
  const s1 = staged.at(STAGE_SEC);
  rows.push(
    response({ group: bg2, quantity: 'SV, 333 → 1000 mL removed', source: RICKARDS, published: { before: 80, after: 68, spread: '± 3 / 4 mL' }, model: { before: s1.svMl, after: b1000.after.svMl }, unit: 'mL', relative: true, limitation: LIMIT_BLEED }),
    response({ group: bg2, quantity: 'CVP, 333 → 1000 mL removed', source: RICKARDS, published: { before: 4.0, after: 2.1, spread: '± 0.8 / 0.9 mmHg' }, model: { before: s1.cvpMmHg, after: b1000.after.cvpMmHg }, unit: 'mmHg', relative: false, limitation: LIMIT_BLEED }),
  );
  // Independent volunteer data, not used for any fitting.
  rows.push(
    response({ group: bg2, quantity: 'SV', source: HEM_PP_SV, published: { before: 118, after: 99, spread: '± 4.4 / 6.8 mL' }, model: { before: b1000.before.svMl, after: b1000.after.svMl }, unit: 'mL', relative: true, limitation: LIMIT_BLEED }),
    response({ group: bg2, quantity: 'pulse pressure', source: HEM_PP_SV, published: { before: 58, after: 48, spread: '± 2.9 / 4.9 mmHg' }, model: { before: b1000.before.sbpMmHg - b1000.before.dbpMmHg, after: b1000.after.sbpMmHg - b1000.after.dbpMmHg }, unit: 'mmHg', relative: true, limitation: LIMIT_BLEED }),
  );
  const b450 = intervene('healthy', [{ type: 'hemorrhage', atSec: 0, volumeMl: 450, overSec: 480 }], 540);
  const bg3 = 'Blood donation 450 mL over 8 min (healthy volunteers)';
  rows.push(
    response({ group: bg3, quantity: 'SV (aortic stroke distance)', source: HANSON, published: { before: 22.2, after: 18.9, spread: '± 2.8 cm; fall 3.3 ± 1.6 cm' }, model: { before: b450.before.svMl, after: b450.after.svMl }, unit: 'cm', modelUnit: 'mL', relative: true, limitation: LIMIT_BLEED }),
    response({ group: bg3, quantity: 'HR', source: HANSON, published: { before: 70, after: 70 }, model: { before: b450.before.hrBpm, after: b450.after.hrBpm }, unit: 'bpm', relative: false, nullScaleFraction: 0.1, limitation: LIMIT_BLEED }),
  );
  // Refill: an hour after a 1 L bleed part of the plasma deficit has come back from the tissues.
  const refill = new InputSchedule([{ type: 'hemorrhage', atSec: 0, volumeMl: 1000, overSec: 600 }], 75, 3.5, 5000);
  refill.advanceTo(600 + 3600);
  rows.push(
    range('Blood removal 1000 mL, 1 h later', 'Plasma volume refilled from the interstitium', -refill.interstitialShiftMl, 150, 600, 'mL', 'Lister J et al. Transcapillary refilling after hemorrhage in normal man. Ann Surg 1963;158:698–709 (refill of a few hundred mL in the first hours; assumption for the range)'),
  );

  // ------------------------------------------------------------------ chronic antihypertensives
  const lawMapFall = (LAW_2003.standardDoseSbpFallMmHg - (1.0 * (LAW_2003.pretreatmentSbpMmHg - 120)) / 10 + 2 * (LAW_2003.standardDoseDbpFallMmHg - (1.1 * (LAW_2003.pretreatmentDbpMmHg - 80)) / 10)) / 3;
  for (const [drug, dose] of [['ace-inhibitor', 10], ['calcium-channel-blocker', 5]] as const) {
    const r = intervene('healthy', [{ type: 'drug', atSec: 0, drug, doseMg: dose, route: 'oral' }], 600);
    rows.push(
      response({
        group: `${drug} standard dose, steady state (healthy, BP 120/80)`,
        quantity: 'MAP',
        source: `${LAW_2003.citation}: 9.1/5.5 mmHg at standard dose from 154/97, 1.0/1.1 mmHg less per 10 mmHg lower pre-treatment BP → ${fmt(lawMapFall)} mmHg MAP from 120/80`,
        published: { before: 93, after: 93 - lawMapFall },
        model: { before: r.before.mapMmHg, after: r.after.mapMmHg },
        unit: 'mmHg',
        relative: false,
      }),
    );
  }

  // ------------------------------------------------------------------------- conservation
  const sim = new Simulator(resolveParameters({ preset: 'healthy' }));
  settle(sim);
  sim.ctx.reflexFrozen = false;
  const v0 = sim.totalBloodVolumeMl();
  let maxDrift = 0;
  for (let b = 0; b < 20; b++) {
    sim.runBeat(false);
    maxDrift = Math.max(maxDrift, Math.abs(sim.totalBloodVolumeMl() - v0));
  }
  rows.push(below('Conservation', 'Total blood volume drift over 20 beats, no sources', maxDrift, 1e-6, 'mL', 'closed circulation: Σ dV/dt = 0 exactly; RK4 preserves linear invariants'));
  return rows;
}

/** Summary counts by grade (the table's headline). */
export function summarize(rows: readonly ValidationRow[]): Record<Grade, number> {
  const out: Record<Grade, number> = { good: 0, fair: 0, fail: 0, 'in range': 0, 'out of range': 0 };
  for (const r of rows) out[r.grade]++;
  return out;
}
