// Scenario files (PRODUCT.md) from untrusted JSON: every key is checked, names must carry their
// units, values must be physically possible. Errors are ScenarioError with the JSON path of the key.
import {
  DRUG_NAMES,
  PRESET_NAMES,
  ScenarioError,
  type DrugName,
  type DrugRoute,
  type Intervention,
  type ParameterOverrides,
  type PatientTraits,
  type Scenario,
} from '../../core/domain/physiology';
import { PARAMETER_SPECS, isParameterName } from './parameters';
import { DRUGS } from './pkpd';
import { checkPatient, unknownParameterMessage } from './presets';

/** Longest horizon accepted (7 days): beyond it the drug and volume models are not meant to hold. */
export const MAX_DURATION_SEC = 7 * 24 * 3600;
export const MAX_ENSEMBLE = 10_000;

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function object(v: unknown, key: string): Json {
  if (!isObject(v)) throw new ScenarioError(key, `must be an object (got ${describe(v)})`);
  return v;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  return typeof v === 'number' || typeof v === 'boolean' ? String(v) : typeof v;
}

/** Reject keys outside `allowed`; suggest the unit-suffixed name when the unit was left out. */
function onlyKeys(o: Json, allowed: readonly string[], key: string): void {
  for (const k of Object.keys(o)) {
    if (allowed.includes(k)) continue;
    const path = key ? `${key}.${k}` : k;
    const near = allowed.filter((a) => a.toLowerCase().startsWith(k.toLowerCase()) && a.length > k.length);
    const hint =
      near.length > 0
        ? ` — names carry their unit: did you mean ${near.map((n) => `"${n}"`).join(' or ')}?`
        : `; allowed here: ${allowed.join(', ')}`;
    throw new ScenarioError(path, `unknown key${hint}`);
  }
}

function num(o: Json, k: string, key: string, lo: number, hi: number, unit: string, opts: { required?: boolean; integer?: boolean } = {}): number | undefined {
  const v = o[k];
  const path = `${key}.${k}`.replace(/^\./, '');
  if (v === undefined) {
    if (opts.required ?? true) throw new ScenarioError(path, `is required (a number in ${unit})`);
    return undefined;
  }
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new ScenarioError(path, `must be a number in ${unit} (got ${describe(v)})`);
  if (opts.integer && !Number.isInteger(v)) throw new ScenarioError(path, `must be a whole number (got ${v})`);
  if (v < lo || v > hi) throw new ScenarioError(path, `${v} ${unit} is impossible here; allowed range [${lo}, ${hi}] ${unit}`);
  return v;
}

function reqNum(o: Json, k: string, key: string, lo: number, hi: number, unit: string): number {
  return num(o, k, key, lo, hi, unit) as number;
}

function validatePatient(v: unknown): PatientTraits {
  const o = object(v, 'patient');
  onlyKeys(o, ['sex', 'ageYears', 'heightCm', 'weightKg'], 'patient');
  if (o.sex === undefined) throw new ScenarioError('patient.sex', 'is required ("F" or "M")');
  const t: PatientTraits = {
    sex: o.sex as PatientTraits['sex'],
    ageYears: reqNum(o, 'ageYears', 'patient', 18, 110, 'years'),
    heightCm: reqNum(o, 'heightCm', 'patient', 120, 230, 'cm'),
    weightKg: reqNum(o, 'weightKg', 'patient', 30, 250, 'kg'),
  };
  checkPatient(t);
  return t;
}

function validateParameters(v: unknown): Partial<ParameterOverrides> {
  const o = object(v, 'parameters');
  const out: Partial<ParameterOverrides> = {};
  for (const [name, value] of Object.entries(o)) {
    const key = `parameters.${name}`;
    if (!isParameterName(name)) throw new ScenarioError(key, unknownParameterMessage(name));
    const spec = PARAMETER_SPECS[name];
    if (typeof value !== 'number' || !Number.isFinite(value)) throw new ScenarioError(key, `must be a number in ${spec.unit} (got ${describe(value)})`);
    if (value < spec.min || value > spec.max) {
      throw new ScenarioError(key, `${value} ${spec.unit} is outside the plausible range [${spec.min}, ${spec.max}] ${spec.unit}`);
    }
    out[name] = value;
  }
  return out;
}

const INTERVENTION_TYPES = ['drug', 'fluid', 'hemorrhage', 'tavr', 'pacing'] as const;

function validateIntervention(v: unknown, key: string, horizonSec: number): Intervention {
  const o = object(v, key);
  const type = o.type;
  if (typeof type !== 'string' || !(INTERVENTION_TYPES as readonly string[]).includes(type)) {
    throw new ScenarioError(`${key}.type`, `must be one of ${INTERVENTION_TYPES.join(', ')} (got ${describe(type)})`);
  }
  const atSec = reqNum(o, 'atSec', key, 0, horizonSec, 's');
  switch (type as (typeof INTERVENTION_TYPES)[number]) {
    case 'drug': {
      const drug = o.drug;
      if (typeof drug !== 'string' || !(DRUG_NAMES as readonly string[]).includes(drug)) {
        throw new ScenarioError(`${key}.drug`, `must be one of ${DRUG_NAMES.join(', ')} (got ${describe(drug)})`);
      }
      const spec = DRUGS[drug as DrugName];
      if (o.rateMcgPerKgPerMin !== undefined) {
        onlyKeys(o, ['type', 'atSec', 'drug', 'rateMcgPerKgPerMin', 'overSec'], key);
        if (!spec.infusion) throw new ScenarioError(`${key}.rateMcgPerKgPerMin`, `${drug} is given as doseMg with route ${spec.doseRoutes.join(' or ')}, not as an infusion`);
        const rate = reqNum(o, 'rateMcgPerKgPerMin', key, 0, spec.maxRateMcgPerKgPerMin, 'mcg/kg/min');
        const overSec = num(o, 'overSec', key, 0, MAX_DURATION_SEC, 's', { required: false });
        return overSec === undefined
          ? { type: 'drug', atSec, drug: drug as DrugName, rateMcgPerKgPerMin: rate }
          : { type: 'drug', atSec, drug: drug as DrugName, rateMcgPerKgPerMin: rate, overSec };
      }
      onlyKeys(o, ['type', 'atSec', 'drug', 'doseMg', 'route'], key);
      if (spec.doseRoutes.length === 0) {
        throw new ScenarioError(`${key}.rateMcgPerKgPerMin`, `${drug} is given by infusion: rateMcgPerKgPerMin is required`);
      }
      const doseMg = reqNum(o, 'doseMg', key, 0, spec.maxDoseMg, 'mg');
      const route = o.route;
      if (typeof route !== 'string' || !(spec.doseRoutes as readonly string[]).includes(route)) {
        throw new ScenarioError(`${key}.route`, `must be ${spec.doseRoutes.map((r) => `"${r}"`).join(' or ')} for ${drug} (got ${describe(route)})`);
      }
      return { type: 'drug', atSec, drug: drug as DrugName, doseMg, route: route as DrugRoute };
    }
    case 'fluid':
    case 'hemorrhage': {
      onlyKeys(o, ['type', 'atSec', 'volumeMl', 'overSec'], key);
      const volumeMl = reqNum(o, 'volumeMl', key, 0, type === 'fluid' ? 5000 : 2500, 'mL');
      const overSec = reqNum(o, 'overSec', key, 0, MAX_DURATION_SEC, 's');
      return { type: type as 'fluid' | 'hemorrhage', atSec, volumeMl, overSec };
    }
    case 'tavr': {
      onlyKeys(o, ['type', 'atSec', 'eoaCm2'], key);
      return { type: 'tavr', atSec, eoaCm2: reqNum(o, 'eoaCm2', key, 0.5, 4, 'cm²') };
    }
    case 'pacing': {
      onlyKeys(o, ['type', 'atSec', 'hrBpm', 'avDelayMs'], key);
      const hrBpm = reqNum(o, 'hrBpm', key, 30, 200, 'bpm');
      const avDelayMs = num(o, 'avDelayMs', key, 50, 350, 'ms', { required: false });
      return avDelayMs === undefined ? { type: 'pacing', atSec, hrBpm } : { type: 'pacing', atSec, hrBpm, avDelayMs };
    }
  }
}

/** Parse and check a scenario file's JSON. Throws ScenarioError naming the offending key. */
export function validateScenario(json: unknown): Scenario {
  const o = object(json, 'scenario');
  onlyKeys(o, ['preset', 'patient', 'parameters', 'interventions', 'durationSec', 'ensemble', 'seed'], '');
  const s: Scenario = {};
  if (o.preset !== undefined) {
    if (typeof o.preset !== 'string' || !(PRESET_NAMES as readonly string[]).includes(o.preset)) {
      throw new ScenarioError('preset', `must be one of ${PRESET_NAMES.join(', ')} (got ${describe(o.preset)})`);
    }
    s.preset = o.preset as Scenario['preset'];
  }
  if (o.patient !== undefined) s.patient = validatePatient(o.patient);
  if (o.parameters !== undefined) s.parameters = validateParameters(o.parameters);
  const durationSec = num(o, 'durationSec', '', 1, MAX_DURATION_SEC, 's', { required: false });
  if (durationSec !== undefined) s.durationSec = durationSec;
  if (o.interventions !== undefined) {
    if (!Array.isArray(o.interventions)) throw new ScenarioError('interventions', `must be an array (got ${describe(o.interventions)})`);
    // Without a duration any start time up to the longest horizon is allowed (see runScenario).
    const horizon = durationSec ?? MAX_DURATION_SEC;
    s.interventions = o.interventions.map((iv, i) => validateIntervention(iv, `interventions[${i}]`, horizon));
  }
  const ensemble = num(o, 'ensemble', '', 0, MAX_ENSEMBLE, 'members', { required: false, integer: true });
  if (ensemble !== undefined) s.ensemble = ensemble;
  const seed = num(o, 'seed', '', 0, 2 ** 32 - 1, '(integer)', { required: false, integer: true });
  if (seed !== undefined) s.seed = seed;
  return s;
}
