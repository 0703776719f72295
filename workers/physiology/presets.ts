// Documented patient archetypes and patient-trait refinements. A preset is a set of parameter
// changes from the tuned healthy default; patient traits then scale blood volume and resistance
// to body size; explicit overrides come last (resolveParameters).
import {
  PRESET_NAMES,
  ScenarioError,
  type ModelParameters,
  type ParameterName,
  type ParameterOverrides,
  type PatientTraits,
  type PresetName,
} from '../../core/domain/physiology';
import { LV_EDPVR_BETA_PER_ML, RV_EDPVR_BETA_PER_ML } from './model';
import { PARAMETER_SPECS, defaultParameters, isParameterName } from './parameters';

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
      lvEaMmHgPerMl: { value: 0.9, why: 'contractility about a quarter of normal: EF ≈ 0.17–0.2 and CI ≈ 1.9 L/min/m² in the dilated ventricle' },
      lvV0Ml: { value: 90, why: 'remodelled, dilated ventricle: the EDPVR shifted rightward (LVEDV ≈ 220–240 mL)' },
      lvEbMmHgPerMl: { value: 0.0125, why: 'same myocardial stiffness constant as normal, on the dilated chamber; LVEDP ≈ 25–30 mmHg at the volume-loaded state' },
      rvEaMmHgPerMl: { value: 0.35, why: 'mild RV dysfunction accompanying LV failure' },
      stressedVolumeFraction: { value: 0.48, why: 'neurohumoral volume retention and venoconstriction raise stressed volume: PCWP ≈ 25 mmHg' },
      baroGain: { value: 0.5, why: 'arterial baroreflex sensitivity is about halved in chronic heart failure (Ferguson DW, Berg WJ, Roach PJ et al. Effects of heart failure on baroreflex control of sympathetic neural activity. Am J Cardiol 1992;69:523–31; La Rovere MT et al. ATRAMI, Lancet 1998)' },
      heartRateBpm: { value: 90, why: 'sympathetic activation: resting HR ≈ 89 bpm (Gheorghiade 2009)' },
      sysArtResistanceMmHgSPerMl: { value: 1.4, why: 'raised vascular tone (SVR ≈ 1900 dyn·s·cm⁻⁵ in the trials), so MAP stays in the 90s at low output' },
      baroSetPointMmHg: { value: 96, why: 'assumption: the reflex is reset so that the HR of ≈ 89 bpm is its equilibrium' },
    },
  },
  'severe-as': {
    name: 'severe-as',
    description: 'Severe calcific aortic stenosis (EOA 0.7 cm²) with concentric hypertrophy and preserved EF.',
    sources: ['ACC/AHA valve grading: severe AS = peak velocity > 4 m/s, mean gradient > 40 mmHg, area < 1.0 cm²', 'PARTNER cohort B medical arm: valve area 0.8 ± 0.2 cm²'],
    changes: {
      aorticValveEoaCm2: { value: 0.7, why: 'severe stenosis (PRODUCT.md archetype)' },
      lvEbMmHgPerMl: { value: 0.025, why: 'concentric hypertrophy stiffens the LV (twice the normal passive stiffness; raised LVEDP)' },
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

export function checkPatient(t: PatientTraits, key = 'patient'): void {
  if (t.sex !== 'F' && t.sex !== 'M') throw new ScenarioError(`${key}.sex`, `must be "F" or "M" (got ${JSON.stringify(t.sex)})`);
  const ranges: [keyof PatientTraits, number, number][] = [
    ['ageYears', 18, 110],
    ['heightCm', 120, 230],
    ['weightKg', 30, 250],
  ];
  for (const [k, lo, hi] of ranges) {
    const v = t[k];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < lo || v > hi) {
      throw new ScenarioError(`${key}.${k}`, `must be a number in [${lo}, ${hi}] (adult engine; got ${JSON.stringify(v)})`);
    }
  }
}

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
 *   PWV by age above; peripheral resistance +0.5% per year from 45 y (assumption, so that MAP
 *   rises ≈ 10 mmHg from 25 to 65 y as in Franklin SS et al., Circulation 1997;96:308–15, where DBP
 *   rises to about 55 y and falls after as stiffening dominates, and pulse pressure widens).
 */
export function applyPatient(params: ModelParameters, t: PatientTraits): ModelParameters {
  checkPatient(t);
  const out = { ...params };
  const refBv = nadlerBloodVolumeMl(REFERENCE_PATIENT);
  out.bloodVolumeMl = params.bloodVolumeMl * (nadlerBloodVolumeMl(t) / refBv);
  const k = bodySurfaceAreaM2(t) / bodySurfaceAreaM2(REFERENCE_PATIENT);
  for (const n of ['lvV0Ml', 'rvV0Ml', 'laV0Ml', 'raV0Ml'] as const) out[n] = params[n] * k;
  for (const n of ['lvEaMmHgPerMl', 'rvEaMmHgPerMl', 'laEaMmHgPerMl', 'laEbMmHgPerMl', 'raEaMmHgPerMl', 'raEbMmHgPerMl'] as const) out[n] = params[n] / k;
  // The exponential EDPVR's stiffness constant β is per mL; scaling the chamber by k means β/k,
  // approximated here by keeping β and scaling Eb so that the pressure at the scaled EDV is the same.
  const lvRefDv = 100;
  const rvRefDv = 114;
  out.lvEbMmHgPerMl = (params.lvEbMmHgPerMl * (Math.exp(LV_EDPVR_BETA_PER_ML * lvRefDv) - 1)) / (Math.exp(LV_EDPVR_BETA_PER_ML * lvRefDv * k) - 1);
  out.rvEbMmHgPerMl = (params.rvEbMmHgPerMl * (Math.exp(RV_EDPVR_BETA_PER_ML * rvRefDv) - 1)) / (Math.exp(RV_EDPVR_BETA_PER_ML * rvRefDv * k) - 1);
  for (const n of ['sysVenComplianceMlPerMmHg', 'pulArtComplianceMlPerMmHg', 'pulVenComplianceMlPerMmHg'] as const) out[n] = params[n] * k;
  for (const n of ['pulArtResistanceMmHgSPerMl', 'sysVenResistanceMmHgSPerMl', 'pulVenResistanceMmHgSPerMl', 'aorticCharacteristicImpedanceMmHgSPerMl'] as const) out[n] = params[n] / k;
  out.baroVenousUnstressedRangeMl = params.baroVenousUnstressedRangeMl * k;
  const pwvRatio = referencePwvMPerS(REFERENCE_PATIENT.ageYears) / referencePwvMPerS(t.ageYears);
  out.sysArtComplianceMlPerMmHg = params.sysArtComplianceMlPerMmHg * k * pwvRatio * pwvRatio;
  const ageResistance = Math.max(0.75, 1 + 0.01 * (t.ageYears - REFERENCE_PATIENT.ageYears));
  out.sysArtResistanceMmHgSPerMl = (params.sysArtResistanceMmHgSPerMl / k) * ageResistance;
  return out;
}

export interface ResolveInput {
  preset?: PresetName;
  patient?: PatientTraits;
  parameters?: Partial<ParameterOverrides>;
}

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

/** "Unknown parameter", with the unit-suffixed name when the user left the unit out. */
export function unknownParameterMessage(name: string): string {
  const candidates = Object.keys(PARAMETER_SPECS).filter((n) => n.toLowerCase().startsWith(name.toLowerCase()) && n.length > name.length);
  if (candidates.length > 0) {
    return `unknown parameter "${name}": names carry their unit — did you mean ${candidates.map((c) => `"${c}"`).join(' or ')}?`;
  }
  return `unknown parameter "${name}"; see workers/physiology/parameters.ts for the named parameters with units`;
}
