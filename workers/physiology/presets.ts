// Documented patient archetypes and patient-trait refinements. A preset is a set of parameter
// changes from the tuned healthy default; patient traits then scale blood volume and resistance
// to body size; explicit overrides come last (resolveParameters).
import { PRESET_NAMES, ScenarioError, type ModelParameters, type ParameterName, type PatientTraits, type PresetName, type ResolveInput } from '../../core/domain/physiology';
import { PARAMETER_SPECS, defaultParameters, isParameterName } from '../../core/domain/parameters';
import { checkPatient, unknownParameterMessage } from '../../core/domain/scenario';

export interface PresetSpec {
  name: PresetName;
  description: string;
  sources: string[];
  /** Parameter changes from the healthy default, each with its reason. */
  changes: Partial<Record<ParameterName, { value: number; why: string }>>;
}

export const PRESETS: Readonly<Record<PresetName, PresetSpec>> = {
  healthy: {
    name: 'healthy',
    description: 'Healthy adult at rest (175 cm, 75 kg male unless patient traits say otherwise).',
    sources: ['PHYSIOLOGY.md healthy targets: Pulse SystemValidationData, BioGears CardiovascularValidation (Guyton; Leeuwen 2015; Brandfonbrener 1955; Hudsmith 2005)'],
    changes: {},
  },
  hfref: {
    name: 'hfref',
    description: 'Decompensated heart failure with reduced ejection fraction, as in the haemodynamic drug trials: dilated, weak LV; volume expanded; CI ≈ 1.9 L/min/m², PCWP ≈ 25 mmHg, EF ≈ 0.17–0.2, HR ≈ 92 bpm; blunted baroreflex.',
    sources: [
      'Mikulic, Cohn & Franciosa, Circulation 1977 and Akhtar et al., Am J Cardiol 1975: baseline CO 2.8–3.1 L/min, PCWP 27–29 mmHg, HR 95–99, MAP 93',
      'Gheorghiade 2009 (PHYSIOLOGY.md): HR around 89 bpm',
    ],
    changes: {
      lvEaMmHgPerMl: { value: 0.74, why: 'contractility about a fifth of normal (end-systolic elastance ≈ 0.75 mmHg/mL, as measured in dilated cardiomyopathy): EF ≈ 0.23 and CI ≈ 1.7 L/min/m² in the dilated ventricle; round 4 of issue 11: refitted jointly over all hfref drug rows and baseline ranges (docs/validation.md)' },
      lvV0Ml: { value: 86, why: 'remodelled, dilated ventricle: the EDPVR shifted rightward (LVEDV ≈ 285 mL; round 4 of issue 11: refitted jointly over all hfref drug rows and baseline ranges (docs/validation.md))' },
      lvEbMmHgPerMl: { value: 0.00264, why: 'eccentric remodelling shifts the EDPVR rightward: at the same exponential stiffness constant the dilated chamber reaches LVEDP ≈ 30 mmHg only near 285 mL, so that a fall in filling pressure (nitroprusside, furosemide) costs little end-diastolic volume (chamber stiffness dP/dV = β·P + Eb is that of a normal ventricle at the same pressure); round 4 of issue 11: refitted jointly over all hfref drug rows and baseline ranges (docs/validation.md)' },
      rvEaMmHgPerMl: { value: 0.35, why: 'mild RV dysfunction accompanying LV failure' },
      stressedVolumeFraction: { value: 0.38, why: 'neurohumoral volume retention and venoconstriction raise filling pressures: PCWP ≈ 30 mmHg with the stiffer veins below; round 4 of issue 11: refitted jointly over all hfref drug rows and baseline ranges (docs/validation.md)' },
      sysVenComplianceMlPerMmHg: { value: 52.4, why: 'raised peripheral venous tone (reduced venous distensibility) in congestive heart failure (Wood JE, Litter J, Wilkins RW. Peripheral venoconstriction in human congestive heart failure. Circulation 1956;13:524–7), so that a venodilator moves filling pressures by the published amounts (nitroprusside, furosemide); size round 4 of issue 11: refitted jointly over all hfref drug rows and baseline ranges (docs/validation.md)' },
      baroGain: { value: 0.5, why: 'arterial baroreflex sensitivity is about halved in chronic heart failure (Ferguson DW, Berg WJ, Roach PJ et al. Effects of heart failure on baroreflex control of sympathetic neural activity. Am J Cardiol 1992;69:523–31; La Rovere MT et al. ATRAMI, Lancet 1998)' },
      heartRateBpm: { value: 90, why: 'sympathetic activation: resting HR ≈ 89 bpm (Gheorghiade 2009)' },
      sysArtResistanceMmHgSPerMl: { value: 1.63, why: 'raised vascular tone (SVR ≈ 1900–2500 dyn·s·cm⁻⁵ in the trials), so MAP stays in the 90s at low output; round 4 of issue 11: refitted jointly over all hfref drug rows and baseline ranges (docs/validation.md)' },
      mitralRegurgitantOrificeSlopeCm2PerMl: { value: 0.008, why: 'functional mitral regurgitation of the dilated ventricle: EROA ≈ 0.5 cm² at end-diastole (LVEDV ≈ 285 mL, tethering 222 mL), shrinking as the LV empties and closing near the tethering volume (dynamic functional MR); regurgitant fraction ≈ 45% — moderate–severe secondary MR, as in most patients with severe HFrEF (Yiu SF et al. Circulation 2000;102:1400–6: EROA 0.2 ± 0.1 cm² tracking LV size and sphericity; Trichon BH et al. Am J Cardiol 2003;91:538–43: moderate–severe MR in ≈ 30–50% of cardiomyopathy patients)' },
      mitralTetheringVolumeMl: { value: 222, why: 'assumption: leaflets tethered short of coaptation once the LV exceeds ≈ 220 mL (about 1.8× a normal end-diastolic volume; 190 mL before the LV was made larger in round 4 of issue 11, refitted with the regurgitant fraction held at moderate–severe, ≤ 45%), so that the orifice is largest at end-diastole and shrinks as preload and afterload fall' },
      baroSetPointMmHg: { value: 96, why: 'assumption: the reflex is reset so that the HR of ≈ 89 bpm is its equilibrium' },
      cpGain: { value: -1, why: 'in heart failure the cardiac sympathetic outflow follows filling pressure the other way round: lowering filling pressures with nitroprusside lowers cardiac noradrenaline spillover in HFrEF but raises it in controls (Azevedo ER, Newton GE, Floras JS, Parker JD. Reducing cardiac filling pressure lowers norepinephrine spillover in patients with chronic heart failure. Circulation 2000;101:2053–9) — an excitatory reflex from the distended heart; strength fitted so that nitroprusside does not raise HR (Leier 1977; Guiha 1974; Packer 1983; assumption)' },
      cpWidthMmHg: { value: 1, why: 'assumption: the excitatory reflex of the distended heart is steeper around its operating point than the healthy low-pressure reflex (fitted with the nitroprusside HR rows; kept at 1 mmHg in round 4 of issue 11, where the joint refit preferred 1.69: that let the calibrated HFrEF demo twin answer nitroprusside with +5.7 bpm, archetype-reflexes.int.test.ts)' },
      cpSetPointMmHg: { value: 4.9, why: 'assumption: the reflex rests at its neutral point at the preset\'s resting CVP (as the healthy default\'s does)' },
      cpCardiacFraction: { value: 1, why: 'Azevedo 2000: the change is in cardiac (not total-body) sympathetic outflow, so the reflex acts on heart rate and contractility' },
      cpVascularFraction: { value: 0, why: 'the low-pressure reflex control of forearm vascular resistance is lost in heart failure (Ferguson DW, Abboud FM, Mark AL. Selective impairment of baroreflex-mediated vasoconstrictor responses in patients with ventricular dysfunction. Circulation 1984;69:451–60)' },
      lvEdpvrBetaPerMl: { value: 0.03, why: 'the dilated LV keeps the exponential stiffness constant it was fitted with (Zile 2004 controls; its Eb and V0 above carry the rightward shift of eccentric remodelling). Round 6 of issue 11 stiffened the healthy default to Klotz 2006\'s operating-point stiffness of a normal-size LV; Klotz\'s volume-normalised EDPVR gives a dilated LV at EDP 30 mmHg / EDV 285 mL a stiffness of ≈ 0.5 mmHg/mL, less than this preset\'s 0.9, so the healthy value is not carried over (workers/physiology/README.md, round 6)' },
      rvEdpvrBetaPerMl: { value: 0.02, why: 'the RV this preset was fitted with in round 4 (assumption then: β 0.02/mL, Eb 0.008 mmHg/mL); the healthy default\'s stiffer RV (round 6) was not refitted for hfref' },
      rvEbMmHgPerMl: { value: 0.008, why: 'with rvEdpvrBetaPerMl above: the round-4 RV (RVEDP ≈ 4 mmHg at 130 mL in a normal-size RV)' },
      baroVenousUnstressedRangeMl: { value: 3000, why: 'the reflex venous range this preset was fitted with (round 4); refitted in round 6 with 1.5 L it scored better (objective 2.80 → 2.58) only with the baroreflex set point moved 96 → 77 mmHg, so it was not adopted (workers/physiology/README.md, round 6)' },
      baroHrMaxBpm: { value: 110, why: 'the reflex HR ceiling this preset was fitted with (round 4); kept when the healthy default was refitted in round 6' },
    },
  },
  'severe-as': {
    name: 'severe-as',
    description: 'Severe calcific aortic stenosis (EOA 0.7 cm²) with concentric hypertrophy and preserved EF.',
    sources: ['ACC/AHA valve grading: severe AS = peak velocity > 4 m/s, mean gradient > 40 mmHg, area < 1.0 cm²', 'PARTNER cohort B medical arm: valve area 0.8 ± 0.2 cm²'],
    changes: {
      aorticValveEoaCm2: { value: 0.7, why: 'severe stenosis (PRODUCT.md archetype)' },
      lvEbMmHgPerMl: { value: 2 * PARAMETER_SPECS.lvEbMmHgPerMl.defaultValue, why: 'concentric hypertrophy stiffens the LV (twice the normal passive stiffness; raised LVEDP)' },
      lvEaMmHgPerMl: { value: 4.5, why: 'hypertrophied LV generates the pressure to keep EF preserved' },
    },
  },
};

/** Nadler 1962 blood volume (mL) from sex, height (cm) and weight (kg). */
export function nadlerBloodVolumeMl(t: Pick<PatientTraits, 'sex' | 'heightCm' | 'weightKg'>): number {
  const h = t.heightCm / 100;
  const litres = t.sex === 'M' ? 0.3669 * h ** 3 + 0.03219 * t.weightKg + 0.6041 : 0.3561 * h ** 3 + 0.03308 * t.weightKg + 0.1833;
  return litres * 1000;
}

/** Mosteller body surface area (m²). */
export function bodySurfaceAreaM2(t: Pick<PatientTraits, 'heightCm' | 'weightKg'>): number {
  return Math.sqrt((t.heightCm * t.weightKg) / 3600);
}

/** The reference body the defaults were tuned for. */
export const REFERENCE_PATIENT: PatientTraits = { sex: 'M', ageYears: 45, heightCm: 175, weightKg: 75 };

/**
 * Aortic pulse-wave velocity (m/s) of people without cardiovascular disease by age: Reference
 * Values for Arterial Stiffness' Collaboration. Determinants of pulse wave velocity in healthy
 * people and in the presence of cardiovascular risk factors: 'establishing normal and reference
 * values'. Eur Heart J 2010;31:2338–50 (reference-value means by decade: < 30 y 6.2, 30–39 6.5,
 * 40–49 7.2, 50–59 8.3, 60–69 10.3, ≥ 70 10.9 m/s), at decade midpoints, interpolated linearly and
 * extended past 75 y by the last decade's slope (assumption).
 */
const PWV_BY_AGE: readonly (readonly [number, number])[] = [
  [25, 6.2],
  [35, 6.5],
  [45, 7.2],
  [55, 8.3],
  [65, 10.3],
  [75, 10.9],
];
export function referencePwvMPerS(ageYears: number): number {
  const pts = PWV_BY_AGE;
  if (ageYears <= pts[0]![0]) return pts[0]![1];
  for (let i = 1; i < pts.length; i++) {
    const [a1, v1] = pts[i]!;
    const [a0, v0] = pts[i - 1]!;
    if (ageYears <= a1) return v0 + ((v1 - v0) * (ageYears - a0)) / (a1 - a0);
  }
  const [a0, v0] = pts[pts.length - 2]!;
  const [a1, v1] = pts[pts.length - 1]!;
  return v1 + ((v1 - v0) * (ageYears - a1)) / (a1 - a0);
}

/**
 * Apply patient traits to a parameter set.
 * - Body size (isometric scaling with BSA, so that indexed flows and all pressures stay those of
 *   the reference body: a 155 cm / 55 kg woman keeps an SVI of ≈ 40–45 mL/m²): chamber and vessel
 *   volumes and compliances × BSA ratio, elastances and resistances ÷ BSA ratio; blood volume by
 *   Nadler (scaled by the preset's own deviation from the reference). The aortic EOA is the
 *   patient's measured valve and is not scaled.
 * - Age: arterial compliance ∝ 1/PWV² (Moens–Korteweg: distensibility ∝ 1/PWV²) with the reference
 *   PWV by age above; peripheral resistance +1% per year around 45 y (floor 0.75) up to 60 y and
 *   flat after, like the baroreflex set point reset with age (AGE_SET_POINT_MMHG_PER_YEAR) —
 *   assumptions, so that mean pressure rises ≈ 10–15 mmHg from 25 to 60 y and not after, and DBP
 *   rises to ≈ 55 y and falls after as stiffening dominates, with pulse pressure widening
 *   (Franklin SS et al., Circulation 1997;96:308–15: MAP plateaus after 60 y). The resistance
 *   used to keep rising by 1 %/y to any age (×1.41 at 86 y), which put the open-loop healthy
 *   prior of calibration at 185/98 mmHg for an 86-year-old man against population values of
 *   about SBP 135–145, DBP 65–75 mmHg at ≥ 80 y (Franklin 1997, approximate reading of its
 *   figures); now 167/79 open loop and 152/67 closed. The remaining SBP excess is the default
 *   tuning's (135/78 at 45 y closed loop) and the open-loop offset (the reflex effectors at rest
 *   are not at 1): both present at every age, see calibration/README.md "Limits".
 */
export function applyPatient(params: ModelParameters, t: PatientTraits): ModelParameters {
  checkPatient(t);
  const out = { ...params };
  const refBv = nadlerBloodVolumeMl(REFERENCE_PATIENT);
  out.bloodVolumeMl = params.bloodVolumeMl * (nadlerBloodVolumeMl(t) / refBv);
  const k = bodySurfaceAreaM2(t) / bodySurfaceAreaM2(REFERENCE_PATIENT);
  for (const n of ['lvV0Ml', 'rvV0Ml', 'laV0Ml', 'raV0Ml', 'mitralTetheringVolumeMl', 'pericardialV0Ml'] as const) out[n] = params[n] * k;
  out.pericardialStiffnessPerMl = params.pericardialStiffnessPerMl / k;
  for (const n of ['lvEaMmHgPerMl', 'rvEaMmHgPerMl', 'laEaMmHgPerMl', 'laEbMmHgPerMl', 'raEaMmHgPerMl', 'raEbMmHgPerMl'] as const) out[n] = params[n] / k;
  // Isometric scaling of the exponential EDPVR: a chamber k times the volume has P'(V) = P(V/k),
  // i.e. β/k and Eb/k with V0·k (exact; the normalised human EDPVR of Klotz 2006 scales the same way).
  out.lvEdpvrBetaPerMl = params.lvEdpvrBetaPerMl / k;
  out.rvEdpvrBetaPerMl = params.rvEdpvrBetaPerMl / k;
  out.lvEbMmHgPerMl = params.lvEbMmHgPerMl / k;
  out.rvEbMmHgPerMl = params.rvEbMmHgPerMl / k;
  // Venous and pulmonary capacitance scale with the blood volume they hold (not with BSA): the
  // stressed volume (a fixed fraction of blood volume) then fills them to the reference pressures,
  // so a small woman (less blood per m² by Nadler) keeps normal filling pressures and a normal SVI.
  const bvRatio = out.bloodVolumeMl / params.bloodVolumeMl;
  for (const n of ['sysVenComplianceMlPerMmHg', 'pulArtComplianceMlPerMmHg', 'pulVenComplianceMlPerMmHg'] as const) out[n] = params[n] * bvRatio;
  for (const n of ['pulArtResistanceMmHgSPerMl', 'sysVenResistanceMmHgSPerMl', 'pulVenResistanceMmHgSPerMl', 'aorticCharacteristicImpedanceMmHgSPerMl'] as const) out[n] = params[n] / k;
  out.baroVenousUnstressedRangeMl = params.baroVenousUnstressedRangeMl * bvRatio;
  const pwvRatio = referencePwvMPerS(REFERENCE_PATIENT.ageYears) / referencePwvMPerS(t.ageYears);
  out.sysArtComplianceMlPerMmHg = params.sysArtComplianceMlPerMmHg * k * pwvRatio * pwvRatio;
  const ageResistance = Math.max(0.75, 1 + 0.01 * (Math.min(AGE_SET_POINT_UNTIL_YEARS, t.ageYears) - REFERENCE_PATIENT.ageYears));
  out.sysArtResistanceMmHgSPerMl = (params.sysArtResistanceMmHgSPerMl / k) * ageResistance;
  out.baroSetPointMmHg = params.baroSetPointMmHg + AGE_SET_POINT_MMHG_PER_YEAR * (Math.min(AGE_SET_POINT_UNTIL_YEARS, Math.max(20, t.ageYears)) - REFERENCE_PATIENT.ageYears);
  return out;
}

/**
 * The arterial baroreflex resets to the pressure it is exposed to for weeks (chronic resetting),
 * so the rise of mean pressure with age that comes with rising peripheral resistance is not
 * buffered away: +0.3 mmHg of set point per year from 20 to 60 y, flat after (assumption: sized
 * with Franklin SS et al. Circulation 1997;96:308–15, where mean pressure rises ≈ 10 mmHg from 30
 * to 60 y and little after; diastolic pressure rises to ≈ 55–60 y and falls after).
 */
export const AGE_SET_POINT_MMHG_PER_YEAR = 0.3;
export const AGE_SET_POINT_UNTIL_YEARS = 60;


/** Preset → patient traits → explicit overrides. Throws ScenarioError naming a bad key. */
export function resolveParameters(input: ResolveInput = {}): ModelParameters {
  const presetName = input.preset ?? 'healthy';
  if (!(PRESET_NAMES as readonly string[]).includes(presetName)) {
    throw new ScenarioError('preset', `unknown preset "${String(presetName)}"; use one of ${PRESET_NAMES.join(', ')}`);
  }
  let params = defaultParameters();
  for (const [name, change] of Object.entries(PRESETS[presetName].changes)) {
    if (change && isParameterName(name)) params[name] = change.value;
  }
  if (input.patient) params = applyPatient(params, input.patient);
  for (const [name, value] of Object.entries(input.parameters ?? {})) {
    const key = `parameters.${name}`;
    if (!isParameterName(name)) throw new ScenarioError(key, unknownParameterMessage(name));
    const spec = PARAMETER_SPECS[name];
    if (typeof value !== 'number' || !Number.isFinite(value)) throw new ScenarioError(key, `must be a number in ${spec.unit}`);
    if (value < spec.min || value > spec.max) {
      throw new ScenarioError(key, `${value} ${spec.unit} is outside the plausible range [${spec.min}, ${spec.max}] ${spec.unit}`);
    }
    params[name] = value;
  }
  return params;
}

