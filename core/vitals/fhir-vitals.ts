// FHIR R4 → normalised observations for the physiology twin.
//
// Pure and total: it takes whatever JSON it is given (a Bundle, one resource or an array of
// resources) and never throws. Every value the twin may use comes out in one canonical unit per
// kind (the unit is in the kind's name: `hrBpm`, `lvefFraction`, …). A value whose unit is not
// known for its kind is rejected with a reason, never guessed. Values outside physiological limits
// are kept but flagged `implausible` so the caller can show them and the calibration skips them.
// Imports only core/ (the shared untyped-JSON accessors), so UI, workers and server share it.

import { arr, isObject, resourcesOf, str, type Json } from '../domain/fhirJson';

/** Every quantity the twin reads from a record; the canonical unit is part of the name. */
export type VitalKind =
  | 'hrBpm'
  | 'sbpMmHg'
  | 'dbpMmHg'
  | 'mapMmHg'
  | 'spo2Fraction'
  | 'rrPerMin'
  | 'temperatureC'
  | 'weightKg'
  | 'heightCm'
  | 'lvefFraction'
  | 'avAreaCm2'
  | 'avMeanGradientMmHg'
  | 'avPeakVelocityMPerS'
  | 'lvedvMl'
  | 'lvesvMl';

export const VITAL_KINDS: readonly VitalKind[] = [
  'hrBpm',
  'sbpMmHg',
  'dbpMmHg',
  'mapMmHg',
  'spo2Fraction',
  'rrPerMin',
  'temperatureC',
  'weightKg',
  'heightCm',
  'lvefFraction',
  'avAreaCm2',
  'avMeanGradientMmHg',
  'avPeakVelocityMPerS',
  'lvedvMl',
  'lvesvMl',
];

/** The canonical UCUM unit of each kind. */
export const CANONICAL_UNIT: Readonly<Record<VitalKind, string>> = {
  hrBpm: '/min',
  sbpMmHg: 'mm[Hg]',
  dbpMmHg: 'mm[Hg]',
  mapMmHg: 'mm[Hg]',
  spo2Fraction: '1',
  rrPerMin: '/min',
  temperatureC: 'Cel',
  weightKg: 'kg',
  heightCm: 'cm',
  lvefFraction: '1',
  avAreaCm2: 'cm2',
  avMeanGradientMmHg: 'mm[Hg]',
  avPeakVelocityMPerS: 'm/s',
  lvedvMl: 'mL',
  lvesvMl: 'mL',
};

/**
 * The inputs a calibration expects from a complete cardiology record. SpO2, RR and temperature are
 * read and reported but do not enter the haemodynamic model, so they are not "expected".
 */
export const EXPECTED_CALIBRATION_INPUTS: readonly VitalKind[] = [
  'hrBpm',
  'sbpMmHg',
  'dbpMmHg',
  'lvefFraction',
  'lvedvMl',
  'lvesvMl',
  'avAreaCm2',
  'avMeanGradientMmHg',
  'avPeakVelocityMPerS',
  'heightCm',
  'weightKg',
];

const LOINC = 'http://loinc.org';

/**
 * LOINC codes per kind. Echo codes are from DICOM CID 12300 "Core Echo Measurement" (LOINC 79xxx /
 * 80xxx) and the older DICOM echo measurement codes (18026-5, 18148-7, 18043-0).
 */
const LOINC_TO_KIND: ReadonlyMap<string, VitalKind> = new Map<string, VitalKind>([
  ['8867-4', 'hrBpm'],
  ['8480-6', 'sbpMmHg'],
  ['8462-4', 'dbpMmHg'],
  ['8478-0', 'mapMmHg'],
  // Site-specific blood pressures (FHIR vital-signs value sets): arterial line and cuff kept apart.
  ['76215-3', 'sbpMmHg'], // invasive
  ['76213-8', 'dbpMmHg'],
  ['76214-6', 'mapMmHg'],
  ['76534-7', 'sbpMmHg'], // non-invasive (cuff)
  ['76535-4', 'dbpMmHg'],
  ['76536-2', 'mapMmHg'],
  ['59408-5', 'spo2Fraction'],
  ['2708-6', 'spo2Fraction'],
  ['9279-1', 'rrPerMin'],
  ['8310-5', 'temperatureC'],
  ['8331-1', 'temperatureC'], // oral temperature
  ['29463-7', 'weightKg'],
  ['3141-9', 'weightKg'], // body weight measured
  ['8302-2', 'heightCm'],
  ['8306-3', 'heightCm'], // body height lying
  ['10230-1', 'lvefFraction'],
  ['8806-2', 'lvefFraction'], // LVEF by 2D echo
  ['18043-0', 'lvefFraction'], // DICOM echo LVEF
  ['77891-0', 'lvefFraction'], // Teichholz 2D
  ['18049-7', 'lvefFraction'], // Teichholz M-mode
  ['79990-8', 'lvefFraction'], // 3D
  ['79991-6', 'lvefFraction'], // biplane MOD
  ['79992-4', 'lvefFraction'],
  ['79993-2', 'lvefFraction'],
  ['79956-9', 'avAreaCm2'], // continuity Vmax
  ['79958-5', 'avAreaCm2'], // continuity VTI
  ['79962-7', 'avMeanGradientMmHg'],
  ['79964-3', 'avPeakVelocityMPerS'],
  ['18026-5', 'lvedvMl'],
  ['79995-7', 'lvedvMl'],
  ['79996-5', 'lvedvMl'],
  ['79998-1', 'lvedvMl'],
  ['79999-9', 'lvedvMl'],
  ['18148-7', 'lvesvMl'],
  ['80000-3', 'lvesvMl'],
  ['80001-1', 'lvesvMl'],
  ['80003-7', 'lvesvMl'],
  ['80004-5', 'lvesvMl'],
]);

/** Blood-pressure panels whose components carry SBP and DBP (55284-4 is what Synthea writes). */
const BP_PANEL_CODES = new Set(['85354-9', '55284-4', '35094-2']);

/** Loose, non-UCUM unit strings seen in real exports, mapped to the UCUM code they mean. */
const UNIT_ALIASES: ReadonlyMap<string, string> = new Map([
  ['mmhg', 'mm[Hg]'],
  ['mm hg', 'mm[Hg]'],
  ['beats/minute', '/min'],
  ['beats/min', '/min'],
  ['bpm', '/min'],
  ['breaths/minute', '/min'],
  ['breaths/min', '/min'],
  ['ml', 'mL'],
  ['lbs', '[lb_av]'],
  ['lb', '[lb_av]'],
  ['in', '[in_i]'],
  ['°c', 'Cel'],
  ['c', 'Cel'],
  ['°f', '[degF]'],
  ['cm²', 'cm2'],
  ['cm^2', 'cm2'],
]);

const ratio = (f: number) => (v: number) => v * f;
const identity = (v: number) => v;

/** Per kind: UCUM code → conversion into the canonical unit. Anything not listed is rejected. */
const CONVERSIONS: Readonly<Record<VitalKind, ReadonlyMap<string, (v: number) => number>>> = {
  hrBpm: new Map([
    ['/min', identity],
    ['{beats}/min', identity],
    ['{beat}/min', identity],
    ['/s', ratio(60)],
  ]),
  sbpMmHg: pressureUnits(),
  dbpMmHg: pressureUnits(),
  mapMmHg: pressureUnits(),
  spo2Fraction: new Map([
    ['%', ratio(0.01)],
    ['1', identity],
    ['{fraction}', identity],
  ]),
  rrPerMin: new Map([
    ['/min', identity],
    ['{breaths}/min', identity],
    ['{breath}/min', identity],
  ]),
  temperatureC: new Map([
    ['Cel', identity],
    ['[degF]', (f: number) => ((f - 32) * 5) / 9],
    ['K', (k: number) => k - 273.15],
  ]),
  weightKg: new Map([
    ['kg', identity],
    ['g', ratio(1e-3)],
    ['[lb_av]', ratio(0.45359237)],
    ['[oz_av]', ratio(0.028349523125)],
  ]),
  heightCm: new Map([
    ['cm', identity],
    ['m', ratio(100)],
    ['mm', ratio(0.1)],
    ['[in_i]', ratio(2.54)],
    ['[ft_i]', ratio(30.48)],
  ]),
  lvefFraction: new Map([
    ['%', ratio(0.01)],
    ['1', identity],
    ['{fraction}', identity],
  ]),
  avAreaCm2: new Map([
    ['cm2', identity],
    ['mm2', ratio(0.01)],
  ]),
  avMeanGradientMmHg: pressureUnits(),
  avPeakVelocityMPerS: new Map([
    ['m/s', identity],
    ['cm/s', ratio(0.01)],
    ['mm/s', ratio(0.001)],
  ]),
  lvedvMl: volumeUnits(),
  lvesvMl: volumeUnits(),
};

function pressureUnits(): ReadonlyMap<string, (v: number) => number> {
  // 1 kPa = 7.50062 mmHg (101.325 kPa = 760 mmHg); cmH2O 0.73556 mmHg.
  return new Map([
    ['mm[Hg]', identity],
    ['kPa', ratio(760 / 101.325)],
    ['cm[H2O]', ratio(0.73555912)],
  ]);
}

function volumeUnits(): ReadonlyMap<string, (v: number) => number> {
  return new Map([
    ['mL', identity],
    ['cm3', identity],
    ['L', ratio(1000)],
  ]);
}

/**
 * Physiological limits (adults) outside which a value is kept but flagged implausible. They are
 * deliberately wide: the point is to catch unit slips and typing errors, not to judge illness.
 */
const PLAUSIBLE: Readonly<Record<VitalKind, readonly [number, number]>> = {
  hrBpm: [20, 300],
  sbpMmHg: [40, 300],
  dbpMmHg: [10, 200],
  mapMmHg: [20, 250],
  spo2Fraction: [0.5, 1],
  rrPerMin: [2, 80],
  temperatureC: [25, 45],
  weightKg: [2, 400],
  heightCm: [40, 250],
  lvefFraction: [0.05, 0.9],
  avAreaCm2: [0.2, 6],
  avMeanGradientMmHg: [0, 150],
  avPeakVelocityMPerS: [0.3, 7],
  lvedvMl: [20, 600],
  lvesvMl: [5, 500],
};

export interface NormalisedObservation {
  kind: VitalKind;
  /** Value in the canonical unit of `kind`. */
  value: number;
  unit: string;
  /** ISO date-time of the observation (effectiveDateTime / effectivePeriod.start / issued). */
  effective: string | undefined;
  /** `effective` in ms since the epoch, for ordering; undefined when there is no usable date. */
  timeMs: number | undefined;
  /** `Observation/id` (or `Observation#index` when it has no id): a pointer, never PHI. */
  source: string;
  loinc: string;
  /** True when the value was converted from another unit. */
  converted: boolean;
  original: { value: number; unit: string };
  /** Why the value is implausible; absent when it is plausible. */
  implausible?: string;
}

export interface RejectedInput {
  source: string;
  kind?: VitalKind;
  code?: string;
  reason: string;
}

/** Drugs the physiology engine models, plus the classes we recognise but do not model. */
export type EngineDrug = 'metoprolol' | 'furosemide' | 'nitroprusside' | 'dobutamine';

export interface MedicationInput {
  source: string;
  /** The engine drug this medication maps to, when it maps to one. */
  drug: EngineDrug | undefined;
  /** Broad class, useful even when the engine does not model the drug. */
  drugClass: 'beta-blocker' | 'loop-diuretic' | 'vasodilator' | 'inotrope' | 'other';
  text: string;
  rxnorm: string | undefined;
  status: string | undefined;
  authoredOn: string | undefined;
}

export interface PatientInfo {
  source: string;
  sex: 'F' | 'M' | undefined;
  birthDate: string | undefined;
  /** Age at the reference time (the latest observation, unless the caller gives one). */
  ageYears: number | undefined;
}

export interface VitalsIngestResult {
  patients: PatientInfo[];
  /** All accepted observations (plausible and implausible), oldest first. */
  observations: NormalisedObservation[];
  /** The most recent plausible observation of each kind. */
  latest: Partial<Record<VitalKind, NormalisedObservation>>;
  /** Observations flagged implausible (also in `observations`). */
  implausible: NormalisedObservation[];
  /** Observations converted from another unit (also in `observations`). */
  converted: NormalisedObservation[];
  rejected: RejectedInput[];
  medications: MedicationInput[];
  /** Expected inputs with no plausible observation. */
  missing: VitalKind[];
  /** The reference time used for ages (ISO), if any. */
  referenceTime: string | undefined;
}

export interface IngestOptions {
  /** ISO date-time at which ages are computed; default: the latest observation. */
  referenceTime?: string;
  /** Which inputs count as expected (for `missing`); default EXPECTED_CALIBRATION_INPUTS. */
  expected?: readonly VitalKind[];
}

function sourceOf(r: Json, index: number): string {
  const type = str(r.resourceType) ?? 'Resource';
  const id = str(r.id);
  return id !== undefined ? `${type}/${id}` : `${type}#${index}`;
}

function loincCodes(codeableConcept: unknown): string[] {
  if (!isObject(codeableConcept)) return [];
  const out: string[] = [];
  for (const c of arr(codeableConcept.coding)) {
    if (isObject(c) && c.system === LOINC && typeof c.code === 'string') out.push(c.code);
  }
  return out;
}

function effectiveOf(r: Json): string | undefined {
  const dt = str(r.effectiveDateTime) ?? str(r.effectiveInstant);
  if (dt !== undefined) return dt;
  if (isObject(r.effectivePeriod)) {
    const p = str(r.effectivePeriod.start) ?? str(r.effectivePeriod.end);
    if (p !== undefined) return p;
  }
  return str(r.issued);
}

function timeOf(iso: string | undefined): number | undefined {
  if (iso === undefined) return undefined;
  const t = Date.parse(iso);
  return Number.isFinite(t) ? t : undefined;
}

const USABLE_STATUS = new Set(['final', 'amended', 'corrected', 'preliminary', 'registered']);

interface QuantityParse {
  ok: true;
  value: number;
  unitCode: string;
}

function readQuantity(q: unknown): QuantityParse | { ok: false; reason: string } {
  if (!isObject(q)) return { ok: false, reason: 'no valueQuantity' };
  const value = q.value;
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    return { ok: false, reason: 'valueQuantity.value is not a finite number' };
  }
  const code = str(q.code);
  const system = str(q.system);
  if (code !== undefined && (system === undefined || system === 'http://unitsofmeasure.org')) {
    return { ok: true, value, unitCode: code };
  }
  const unit = str(q.unit);
  if (unit !== undefined) {
    const alias = UNIT_ALIASES.get(unit.trim().toLowerCase());
    return { ok: true, value, unitCode: alias ?? unit.trim() };
  }
  if (code !== undefined) return { ok: true, value, unitCode: code };
  return { ok: false, reason: 'valueQuantity has no unit' };
}

function plausibility(kind: VitalKind, value: number, original: { value: number; unit: string }): string | undefined {
  const [lo, hi] = PLAUSIBLE[kind];
  if (value < lo || value > hi) {
    let hint = '';
    if ((kind === 'lvefFraction' || kind === 'spo2Fraction') && original.unit === '%' && original.value <= 1) {
      hint = ' (looks like a fraction recorded with unit %)';
    }
    return `${kind} ${round3(value)} outside plausible range ${lo}–${hi}${hint}`;
  }
  return undefined;
}

function round3(v: number): number {
  return Math.round(v * 1000) / 1000;
}

/** Normalises one value of a known kind; returns an observation or a rejection. */
function normaliseValue(
  kind: VitalKind,
  loinc: string,
  quantity: unknown,
  source: string,
  effective: string | undefined,
): NormalisedObservation | RejectedInput {
  const q = readQuantity(quantity);
  if (!q.ok) return { source, kind, code: loinc, reason: q.reason };
  const convert = CONVERSIONS[kind].get(q.unitCode);
  if (convert === undefined) {
    const known = [...CONVERSIONS[kind].keys()].join(', ');
    return { source, kind, code: loinc, reason: `unknown unit "${q.unitCode}" for ${kind} (accepted: ${known})` };
  }
  const value = convert(q.value);
  const original = { value: q.value, unit: q.unitCode };
  const obs: NormalisedObservation = {
    kind,
    value,
    unit: CANONICAL_UNIT[kind],
    effective,
    timeMs: timeOf(effective),
    source,
    loinc,
    converted: q.unitCode !== CANONICAL_UNIT[kind],
    original,
  };
  const why = plausibility(kind, value, original);
  if (why !== undefined) obs.implausible = why;
  return obs;
}

function isRejection(v: NormalisedObservation | RejectedInput): v is RejectedInput {
  return 'reason' in v;
}

function dataAbsent(r: Json): string | undefined {
  const dar = r.dataAbsentReason;
  if (!isObject(dar)) return undefined;
  for (const c of arr(dar.coding)) if (isObject(c) && typeof c.code === 'string') return c.code;
  return str(dar.text) ?? 'unknown';
}

function ingestObservation(r: Json, source: string, sink: (o: NormalisedObservation | RejectedInput) => void): void {
  const codes = loincCodes(r.code);
  const status = str(r.status);
  const kindCode = codes.find((c) => LOINC_TO_KIND.has(c));
  const panelCode = codes.find((c) => BP_PANEL_CODES.has(c));
  if (kindCode === undefined && panelCode === undefined) {
    // Not a vital the twin reads, but its components may be (e.g. a vitals panel with components).
    if (arr(r.component).length === 0) return;
  }
  if (status !== undefined && !USABLE_STATUS.has(status)) {
    sink({ source, code: kindCode ?? panelCode, reason: `status "${status}" is not a usable result` });
    return;
  }
  const effective = effectiveOf(r);
  if (kindCode !== undefined) {
    const kind = LOINC_TO_KIND.get(kindCode) as VitalKind;
    const absent = dataAbsent(r);
    if (absent !== undefined) {
      sink({ source, kind, code: kindCode, reason: `data absent: ${absent}` });
    } else if (r.valueQuantity !== undefined) {
      sink(normaliseValue(kind, kindCode, r.valueQuantity, source, effective));
    } else if (arr(r.component).length === 0) {
      sink({ source, kind, code: kindCode, reason: 'no valueQuantity' });
    }
  }
  const components = arr(r.component);
  for (let i = 0; i < components.length; i++) {
    const c = components[i];
    if (!isObject(c)) continue;
    const cCode = loincCodes(c.code).find((x) => LOINC_TO_KIND.has(x));
    if (cCode === undefined) continue;
    const kind = LOINC_TO_KIND.get(cCode) as VitalKind;
    const cSource = `${source}.component[${i}]`;
    const absent = dataAbsent(c);
    if (absent !== undefined) {
      sink({ source: cSource, kind, code: cCode, reason: `data absent: ${absent}` });
      continue;
    }
    sink(normaliseValue(kind, cCode, c.valueQuantity, cSource, effective));
  }
}

// RxNorm ingredient codes and the product codes seen in the Synthea heart-failure bundles; names are matched by text as well,
// since RxNorm has hundreds of product codes per ingredient.
const RXNORM_DRUGS: ReadonlyMap<string, EngineDrug> = new Map([
  ['6918', 'metoprolol'], // ingredient
  ['4603', 'furosemide'], // ingredient
  ['7476', 'nitroprusside'], // ingredient
  ['3616', 'dobutamine'], // ingredient
  ['866414', 'metoprolol'],
  ['866412', 'metoprolol'],
  ['866436', 'metoprolol'],
  ['315971', 'furosemide'],
  ['1719286', 'furosemide'],
  ['313988', 'furosemide'],
]);

const DRUG_PATTERNS: readonly { re: RegExp; drug: EngineDrug | undefined; cls: MedicationInput['drugClass'] }[] = [
  { re: /metoprolol|toprol|lopressor/i, drug: 'metoprolol', cls: 'beta-blocker' },
  { re: /furosemide|lasix/i, drug: 'furosemide', cls: 'loop-diuretic' },
  { re: /nitroprusside|nipride/i, drug: 'nitroprusside', cls: 'vasodilator' },
  { re: /dobutamine/i, drug: 'dobutamine', cls: 'inotrope' },
  { re: /bisoprolol|carvedilol|atenolol|propranolol|nebivolol/i, drug: undefined, cls: 'beta-blocker' },
  { re: /bumetanide|torsemide/i, drug: undefined, cls: 'loop-diuretic' },
  { re: /nitroglycerin|hydralazine|isosorbide/i, drug: undefined, cls: 'vasodilator' },
  { re: /milrinone|dopamine|norepinephrine|epinephrine/i, drug: undefined, cls: 'inotrope' },
];

function medicationText(cc: unknown): { text: string; rxnorm: string | undefined } {
  if (!isObject(cc)) return { text: '', rxnorm: undefined };
  const parts: string[] = [];
  let rxnorm: string | undefined;
  const t = str(cc.text);
  if (t !== undefined) parts.push(t);
  for (const c of arr(cc.coding)) {
    if (!isObject(c)) continue;
    const d = str(c.display);
    if (d !== undefined) parts.push(d);
    if (c.system === 'http://www.nlm.nih.gov/research/umls/rxnorm' && typeof c.code === 'string') rxnorm ??= c.code;
  }
  return { text: parts[0] ?? '', rxnorm };
}

function ingestMedication(r: Json, source: string, byRef: ReadonlyMap<string, Json>): MedicationInput | undefined {
  let cc: unknown = r.medicationCodeableConcept;
  if (cc === undefined && isObject(r.medicationReference)) {
    const ref = str(r.medicationReference.reference);
    const med = ref !== undefined ? byRef.get(ref) : undefined;
    cc = med?.code;
  }
  const { text, rxnorm } = medicationText(cc);
  const allText = isObject(cc)
    ? [str(cc.text), ...arr(cc.coding).map((c) => (isObject(c) ? str(c.display) : undefined))].filter(Boolean).join(' ')
    : '';
  if (allText === '' && rxnorm === undefined) return undefined;
  let drug: EngineDrug | undefined = rxnorm !== undefined ? RXNORM_DRUGS.get(rxnorm) : undefined;
  let drugClass: MedicationInput['drugClass'] = 'other';
  for (const p of DRUG_PATTERNS) {
    if (p.re.test(allText)) {
      drug ??= p.drug;
      drugClass = p.cls;
      break;
    }
  }
  if (drug === 'metoprolol') drugClass = 'beta-blocker';
  if (drug === 'furosemide') drugClass = 'loop-diuretic';
  return {
    source,
    drug,
    drugClass,
    text,
    rxnorm,
    status: str(r.status),
    authoredOn: str(r.authoredOn) ?? str(r.dateAsserted) ?? (isObject(r.effectivePeriod) ? str(r.effectivePeriod.start) : undefined) ?? str(r.effectiveDateTime),
  };
}

function ageYearsAt(birthDate: string | undefined, atMs: number | undefined): number | undefined {
  if (birthDate === undefined || atMs === undefined) return undefined;
  const b = Date.parse(birthDate);
  if (!Number.isFinite(b) || b > atMs) return undefined;
  return Math.floor(((atMs - b) / (365.2425 * 24 * 3600 * 1000)) * 10) / 10;
}

/** Normalises FHIR R4 input (Bundle, resource or array) into observations for the twin. Never throws. */
export function ingestFhirVitals(input: unknown, options: IngestOptions = {}): VitalsIngestResult {
  const resources: Json[] = [];
  resourcesOf(input, resources);

  const byRef = new Map<string, Json>();
  if (isObject(input) && input.resourceType === 'Bundle') {
    for (const entry of arr(input.entry)) {
      if (!isObject(entry) || !isObject(entry.resource)) continue;
      const full = str(entry.fullUrl);
      if (full !== undefined) byRef.set(full, entry.resource);
    }
  }
  for (const r of resources) {
    const id = str(r.id);
    if (id !== undefined) byRef.set(`${String(r.resourceType)}/${id}`, r);
    for (const c of arr(r.contained)) if (isObject(c) && typeof c.id === 'string') byRef.set(`#${c.id}`, c);
  }

  const observations: NormalisedObservation[] = [];
  const rejected: RejectedInput[] = [];
  const medications: MedicationInput[] = [];
  const patientsRaw: { source: string; sex: PatientInfo['sex']; birthDate: string | undefined }[] = [];

  resources.forEach((r, index) => {
    const source = sourceOf(r, index);
    switch (r.resourceType) {
      case 'Observation':
        ingestObservation(r, source, (o) => (isRejection(o) ? rejected.push(o) : observations.push(o)));
        break;
      case 'MedicationStatement':
      case 'MedicationRequest': {
        const m = ingestMedication(r, source, byRef);
        if (m !== undefined) medications.push(m);
        break;
      }
      case 'Patient': {
        const g = str(r.gender);
        patientsRaw.push({
          source,
          sex: g === 'female' ? 'F' : g === 'male' ? 'M' : undefined,
          birthDate: str(r.birthDate),
        });
        break;
      }
      default:
        break;
    }
  });

  // Oldest first; undated observations sort first so that any dated value counts as more recent.
  observations.sort((a, b) => (a.timeMs ?? -Infinity) - (b.timeMs ?? -Infinity));

  // A systolic below its diastolic from the same reading is implausible for both.
  flagInvertedPairs(observations, 'sbpMmHg', 'dbpMmHg', 'systolic below diastolic in the same reading');
  flagInvertedPairs(observations, 'lvedvMl', 'lvesvMl', 'end-systolic volume not below end-diastolic volume');

  const latest: Partial<Record<VitalKind, NormalisedObservation>> = {};
  for (const o of observations) if (o.implausible === undefined) latest[o.kind] = o;

  let refMs = timeOf(options.referenceTime);
  let referenceTime = refMs !== undefined ? options.referenceTime : undefined;
  if (refMs === undefined) {
    const last = [...observations].reverse().find((o) => o.timeMs !== undefined);
    refMs = last?.timeMs;
    referenceTime = last?.effective;
  }
  const patients: PatientInfo[] = patientsRaw.map((p) => ({ ...p, ageYears: ageYearsAt(p.birthDate, refMs) }));

  const expected = options.expected ?? EXPECTED_CALIBRATION_INPUTS;
  const missing = expected.filter((k) => latest[k] === undefined);
  return {
    patients,
    observations,
    latest,
    implausible: observations.filter((o) => o.implausible !== undefined),
    converted: observations.filter((o) => o.converted),
    rejected,
    medications,
    missing,
    referenceTime,
  };
}

/** Pairs readings by source resource (components of one panel) or, failing that, by time. */
function flagInvertedPairs(obs: NormalisedObservation[], upper: VitalKind, lower: VitalKind, why: string): void {
  const key = (o: NormalisedObservation) => `${o.source.replace(/\.component\[\d+\]$/, '')}@${o.effective ?? ''}`;
  const lowers = new Map<string, NormalisedObservation>();
  for (const o of obs) if (o.kind === lower) lowers.set(key(o), o);
  for (const o of obs) {
    if (o.kind !== upper) continue;
    const l = lowers.get(key(o)) ?? obs.find((x) => x.kind === lower && x.effective !== undefined && x.effective === o.effective);
    if (l !== undefined && o.value <= l.value) {
      o.implausible ??= `${why} (${round3(o.value)} ≤ ${round3(l.value)})`;
      l.implausible ??= `${why} (${round3(o.value)} ≤ ${round3(l.value)})`;
    }
  }
}
