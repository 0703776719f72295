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
    description: 'Heart failure with reduced ejection fraction: dilated, weak, stiffer LV; volume expanded; EF ≈ 0.30, HR ≈ 89 bpm, raised filling pressures.',
    sources: ['Chatterjee 2007 (PHYSIOLOGY.md): EF around 0.31', 'Gheorghiade 2009 (PHYSIOLOGY.md): HR around 89 bpm'],
    changes: {
      lvEaMmHgPerMl: { value: 1.5, why: 'contractility about a third of normal gives EF ≈ 0.30' },
      lvV0Ml: { value: 55, why: 'remodelled, dilated ventricle (LVEDV ≈ 200 mL)' },
      lvEbMmHgPerMl: { value: 0.11, why: 'raised diastolic stiffness: LVEDP and PCWP above 15 mmHg' },
      rvEaMmHgPerMl: { value: 0.35, why: 'mild RV dysfunction accompanying LV failure' },
      stressedVolumeFraction: { value: 0.45, why: 'neurohumoral volume retention raises stressed volume' },
      heartRateBpm: { value: 90, why: 'sympathetic activation: resting HR ≈ 89 bpm (Gheorghiade 2009)' },
      sysArtResistanceMmHgSPerMl: { value: 1.1, why: 'raised vascular tone, tuned so MAP stays in the 90s as in admitted HFrEF' },
      baroSetPointMmHg: { value: 96, why: 'assumption: the reflex is reset so that the HR of ≈ 89 bpm is its equilibrium' },
    },
  },
  'severe-as': {
    name: 'severe-as',
    description: 'Severe calcific aortic stenosis (EOA 0.7 cm²) with concentric hypertrophy and preserved EF.',
    sources: ['ACC/AHA valve grading: severe AS = peak velocity > 4 m/s, mean gradient > 40 mmHg, area < 1.0 cm²', 'PARTNER cohort B medical arm: valve area 0.8 ± 0.2 cm²'],
    changes: {
      aorticValveEoaCm2: { value: 0.7, why: 'severe stenosis (PRODUCT.md archetype)' },
      lvEbMmHgPerMl: { value: 0.11, why: 'concentric hypertrophy stiffens the LV (raised LVEDP)' },
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
 * Apply patient traits to a parameter set: blood volume by Nadler (scaled by the preset's own
 * deviation from the reference); systemic resistance scaled by BSA so that a larger body keeps
 * the same MAP at a proportionally larger cardiac output (cardiac index constant); arterial
 * compliance falls 1%/year over 45 (assumption: aortic stiffening widens pulse pressure with age).
 */
export function applyPatient(params: ModelParameters, t: PatientTraits): ModelParameters {
  checkPatient(t);
  const out = { ...params };
  const refBv = nadlerBloodVolumeMl(REFERENCE_PATIENT);
  out.bloodVolumeMl = params.bloodVolumeMl * (nadlerBloodVolumeMl(t) / refBv);
  const bsaRatio = bodySurfaceAreaM2(t) / bodySurfaceAreaM2(REFERENCE_PATIENT);
  out.sysArtResistanceMmHgSPerMl = params.sysArtResistanceMmHgSPerMl / bsaRatio;
  const ageFactor = Math.min(1.2, Math.max(0.5, 1 - 0.01 * (t.ageYears - REFERENCE_PATIENT.ageYears)));
  out.sysArtComplianceMlPerMmHg = params.sysArtComplianceMlPerMmHg * ageFactor;
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
