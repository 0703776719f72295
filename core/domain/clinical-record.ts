// What a patient's whole FHIR record says that matters to the physiology twin, and what the twin
// can and cannot do for this patient. Pure and total (never throws on odd input), framework-free:
// the patient list, the Twin and Scenarios views, the calibration worker, the CLI and the import
// report all call the same functions, so the reasons a twin is refused are written once.
//
// Codes: SNOMED CT (http://snomed.info/sct) and ICD-10 / ICD-10-CM. Coded concepts are matched on
// codes first; a concept with no known code falls back to its display text (Synthea and many
// exports write the SNOMED display, e.g. "Chronic congestive heart failure (disorder)").

import { arr, isObject, resourcesOf, str, type Json } from './fhirJson';
export { resourcesOf } from './fhirJson';

const SNOMED = 'http://snomed.info/sct';
const ICD10_SYSTEMS = new Set(['http://hl7.org/fhir/sid/icd-10', 'http://hl7.org/fhir/sid/icd-10-cm', 'http://hl7.org/fhir/sid/icd-10-gm']);
const LOINC = 'http://loinc.org';

// ------------------------------------------------------------------ conditions

/** The clinical categories the twin reads from diagnoses. */
export type ConditionCategory =
  | 'hfref'
  | 'hfpef'
  | 'heart-failure'
  | 'aortic-stenosis'
  | 'hypertension'
  | 'atrial-fibrillation'
  | 'coronary-disease'
  | 'myocardial-infarction'
  | 'ckd'
  | 'diabetes'
  | 'pregnancy'
  | 'cardiac-device'
  | 'congenital-heart-disease'
  | 'social'
  | 'other';

export const CONDITION_LABEL: Readonly<Record<ConditionCategory, string>> = {
  hfref: 'heart failure with reduced EF',
  hfpef: 'heart failure with preserved EF',
  'heart-failure': 'heart failure (EF type not coded)',
  'aortic-stenosis': 'aortic stenosis',
  hypertension: 'hypertension',
  'atrial-fibrillation': 'atrial fibrillation',
  'coronary-disease': 'coronary artery disease',
  'myocardial-infarction': 'myocardial infarction',
  ckd: 'chronic kidney disease',
  diabetes: 'diabetes mellitus',
  pregnancy: 'pregnancy',
  'cardiac-device': 'cardiac device',
  'congenital-heart-disease': 'congenital heart disease',
  social: 'social finding',
  other: 'other',
};

/** SNOMED CT concept ids → category. Sources: SNOMED CT International browser (concept ids checked by name). */
const SNOMED_CATEGORY: ReadonlyMap<string, ConditionCategory> = new Map([
  ['703272007', 'hfref'], // Heart failure with reduced ejection fraction
  ['417996009', 'hfref'], // Systolic heart failure
  ['446221000', 'hfpef'], // Heart failure with normal ejection fraction
  ['418304008', 'hfpef'], // Diastolic heart failure
  ['84114007', 'heart-failure'], // Heart failure
  ['42343007', 'heart-failure'], // Congestive heart failure
  ['88805009', 'heart-failure'], // Chronic congestive heart failure (Synthea)
  ['85232009', 'heart-failure'], // Left heart failure
  ['60573004', 'aortic-stenosis'], // Aortic valve stenosis
  ['38341003', 'hypertension'], // Hypertensive disorder
  ['59621000', 'hypertension'], // Essential hypertension (Synthea "Hypertension")
  ['49436004', 'atrial-fibrillation'], // Atrial fibrillation
  ['53741008', 'coronary-disease'], // Coronary arteriosclerosis (Synthea "Coronary Heart Disease")
  ['414545008', 'coronary-disease'], // Ischemic heart disease
  ['22298006', 'myocardial-infarction'], // Myocardial infarction
  ['399211009', 'myocardial-infarction'], // History of myocardial infarction
  ['401303003', 'myocardial-infarction'], // Acute ST segment elevation MI
  ['401314000', 'myocardial-infarction'], // Acute non-ST segment elevation MI
  ['709044004', 'ckd'], // Chronic kidney disease
  ['431855005', 'ckd'], // CKD stage 1
  ['431856006', 'ckd'], // CKD stage 2
  ['433144002', 'ckd'], // CKD stage 3
  ['431857002', 'ckd'], // CKD stage 4
  ['433146000', 'ckd'], // CKD stage 5
  ['46177005', 'ckd'], // End-stage renal disease
  ['73211009', 'diabetes'], // Diabetes mellitus
  ['44054006', 'diabetes'], // Diabetes mellitus type 2 (Synthea "Diabetes")
  ['46635009', 'diabetes'], // Diabetes mellitus type 1
  ['77386006', 'pregnancy'], // Pregnant
  ['72892002', 'pregnancy'], // Normal pregnancy (Synthea)
  ['441509002', 'cardiac-device'], // Cardiac pacemaker in situ
  ['72506001', 'cardiac-device'], // Implantable defibrillator device
  ['13213009', 'congenital-heart-disease'], // Congenital heart disease
]);

/** ICD-10 code prefixes → category (first match wins; longer prefixes first where they overlap). */
const ICD10_PREFIX: readonly [string, ConditionCategory][] = [
  ['I50.2', 'hfref'], // systolic (congestive) heart failure
  ['I50.4', 'hfref'], // combined systolic and diastolic: reduced EF dominates the haemodynamics
  ['I50.3', 'hfpef'], // diastolic (congestive) heart failure
  ['I50', 'heart-failure'],
  ['I11.0', 'heart-failure'], // hypertensive heart disease with heart failure
  ['I35.0', 'aortic-stenosis'],
  ['I35.2', 'aortic-stenosis'],
  ['I06.0', 'aortic-stenosis'],
  ['I06.2', 'aortic-stenosis'],
  ['Q23.0', 'aortic-stenosis'],
  ['I10', 'hypertension'],
  ['I11', 'hypertension'],
  ['I12', 'hypertension'],
  ['I13', 'hypertension'],
  ['I15', 'hypertension'],
  ['I16', 'hypertension'],
  ['I48', 'atrial-fibrillation'],
  ['I21', 'myocardial-infarction'],
  ['I22', 'myocardial-infarction'],
  ['I25.2', 'myocardial-infarction'],
  ['I20', 'coronary-disease'],
  ['I25', 'coronary-disease'],
  ['N18', 'ckd'],
  ['E10', 'diabetes'],
  ['E11', 'diabetes'],
  ['E13', 'diabetes'],
  ['E14', 'diabetes'],
  ['Z33', 'pregnancy'],
  ['Z34', 'pregnancy'],
  ['O', 'pregnancy'], // chapter XV: pregnancy, childbirth and the puerperium
  ['Z95.0', 'cardiac-device'], // pacemaker
  ['Z95.81', 'cardiac-device'], // AICD, ventricular assist device
  ['Z95.2', 'cardiac-device'], // prosthetic heart valve
  ['Q2', 'congenital-heart-disease'], // Q20–Q28 congenital malformations of the circulatory system
  ['Z55', 'social'], // Z55–Z65: socioeconomic and psychosocial circumstances
  ['Z56', 'social'],
  ['Z57', 'social'],
  ['Z59', 'social'],
  ['Z60', 'social'],
  ['Z62', 'social'],
  ['Z63', 'social'],
  ['Z64', 'social'],
  ['Z65', 'social'],
];

/** Display-text fallbacks (checked in order). */
const TEXT_CATEGORY: readonly [RegExp, ConditionCategory][] = [
  [/reduced ejection fraction|hfref|systolic heart failure/i, 'hfref'],
  [/preserved ejection fraction|normal ejection fraction|hfpef|diastolic heart failure/i, 'hfpef'],
  [/heart failure|cardiac failure/i, 'heart-failure'],
  [/aortic (valve )?stenosis/i, 'aortic-stenosis'],
  [/hypertensi/i, 'hypertension'],
  [/atrial fibrillation/i, 'atrial-fibrillation'],
  [/myocardial infarction/i, 'myocardial-infarction'],
  [/coronary|ischa?emic heart/i, 'coronary-disease'],
  [/chronic kidney disease|end[- ]stage renal/i, 'ckd'],
  [/prediabetes/i, 'other'],
  [/diabetes mellitus|^diabetes\b/i, 'diabetes'],
  [/pacemaker|defibrillator|ventricular assist|\blvad\b/i, 'cardiac-device'],
  [/congenital .*heart|tetralogy|septal defect/i, 'congenital-heart-disease'],
  [/\bpregnan/i, 'pregnancy'],
];

/**
 * Social and administrative findings: SNOMED "(finding)" concepts about circumstances, not
 * disease, which Synthea writes as Conditions (social-determinants module) and the SNOMED
 * "(social concept)" hierarchy. They stay in the record; the patient list and the twin ignore them.
 */
const SOCIAL_TEXT =
  /\((social concept|occupation|person|life style)\)$|criminal record|unemploy|employment|housing|homeless|refugee|social (contact|isolation)|lack of access|transport|stress \(finding\)|educat|received (higher|primary|secondary)|misuses drugs|victim of|intimate partner|reports of violence|has a (criminal|history of imprisonment)|imprisonment|not in labor force|part-time|full-time|risk activity involvement|income|insurance|medication review due|served in armed forces|military service|dependent drug abuse|only received primary|lives alone/i;

export interface CodedConcept {
  system?: string;
  code?: string;
  display?: string;
  text?: string;
}

function codingsOf(cc: unknown): CodedConcept[] {
  if (!isObject(cc)) return [];
  const out: CodedConcept[] = [];
  for (const c of arr(cc.coding)) {
    if (!isObject(c)) continue;
    const one: CodedConcept = {};
    const system = str(c.system);
    const code = str(c.code);
    const display = str(c.display);
    if (system !== undefined) one.system = system;
    if (code !== undefined) one.code = code;
    if (display !== undefined) one.display = display;
    out.push(one);
  }
  return out;
}

function textOf(cc: unknown): string {
  if (!isObject(cc)) return '';
  return str(cc.text)?.trim() || codingsOf(cc).find((c) => c.display)?.display || codingsOf(cc)[0]?.code || '';
}

/** The category of a coded concept (CodeableConcept JSON): codes first, then the display text. */
export function categoryOfConcept(cc: unknown): ConditionCategory {
  const codings = codingsOf(cc);
  for (const c of codings) {
    if (c.code === undefined) continue;
    if (c.system === SNOMED || c.system === undefined) {
      const hit = SNOMED_CATEGORY.get(c.code);
      if (hit) return hit;
    }
    if (c.system !== undefined && ICD10_SYSTEMS.has(c.system)) {
      const code = c.code.toUpperCase();
      for (const [prefix, cat] of ICD10_PREFIX) if (code.startsWith(prefix)) return cat;
    }
  }
  const texts = [isObject(cc) ? str(cc.text) : undefined, ...codings.map((c) => c.display)].filter((t): t is string => !!t);
  for (const t of texts) if (SOCIAL_TEXT.test(t)) return 'social';
  for (const t of texts) for (const [re, cat] of TEXT_CATEGORY) if (re.test(t)) return cat;
  return 'other';
}

/** True for social/administrative findings that are not clinical problems. */
export function isSocialFinding(cc: unknown): boolean {
  return categoryOfConcept(cc) === 'social';
}

export interface RecordCondition {
  category: ConditionCategory;
  text: string;
  code: string | undefined;
  system: string | undefined;
  /** Active now: clinicalStatus active/recurrence/relapse (or absent) with no abatement, not refuted. */
  active: boolean;
  onset: string | undefined;
  abatement: string | undefined;
  source: string;
}

const ACTIVE_STATUS = new Set(['active', 'recurrence', 'relapse']);

function readCondition(r: Json): RecordCondition | undefined {
  const verification = codingsOf(r.verificationStatus)[0]?.code;
  if (verification === 'refuted' || verification === 'entered-in-error') return undefined;
  const clinical = codingsOf(r.clinicalStatus)[0]?.code;
  const abatement = str(r.abatementDateTime) ?? (isObject(r.abatementPeriod) ? str(r.abatementPeriod.end) : undefined) ?? str(r.abatementString);
  const first = codingsOf(r.code).find((c) => c.code !== undefined);
  return {
    category: categoryOfConcept(r.code),
    text: textOf(r.code),
    code: first?.code,
    system: first?.system,
    active: (clinical === undefined || ACTIVE_STATUS.has(clinical)) && abatement === undefined,
    onset: str(r.onsetDateTime) ?? (isObject(r.onsetPeriod) ? str(r.onsetPeriod.start) : undefined) ?? str(r.recordedDate),
    abatement,
    source: `Condition/${str(r.id) ?? '?'}`,
  };
}

// ------------------------------------------------------------------ patient and record

export interface RecordPatient {
  source: string;
  sex: 'F' | 'M' | undefined;
  birthDate: string | undefined;
  deceased: boolean;
  deceasedDate: string | undefined;
}

export interface RecordDevice {
  text: string;
  source: string;
  /** Cardiac devices change the physiology the model represents (paced rhythm, assisted flow, prosthetic valve). */
  cardiac: boolean;
}

export interface ClinicalRecord {
  patients: RecordPatient[];
  conditions: RecordCondition[];
  devices: RecordDevice[];
  /** Pregnancy status observations (LOINC 82810-3) saying "pregnant", with their dates. */
  pregnancyObservations: { date: string | undefined; source: string }[];
  /** ISO dates of vital-sign observations (LOINC vital-signs category or a BP/HR code), newest first. */
  vitalDates: string[];
}

const VITAL_LOINC = new Set(['8867-4', '8480-6', '8462-4', '8478-0', '85354-9', '55284-4', '35094-2']);
const CARDIAC_DEVICE_TEXT = /pacemaker|defibrillator|\bicd\b|ventricular assist|\blvad\b|cardiac resynchron|heart valve|valve prosthesis/i;

function isVital(r: Json): boolean {
  const codes = codingsOf(r.code).filter((c) => c.system === LOINC).map((c) => c.code);
  if (codes.some((c) => c !== undefined && VITAL_LOINC.has(c))) return true;
  return arr(r.component).some((c) => isObject(c) && codingsOf(c.code).some((x) => x.system === LOINC && x.code !== undefined && VITAL_LOINC.has(x.code)));
}

function effectiveOf(r: Json): string | undefined {
  return str(r.effectiveDateTime) ?? str(r.effectiveInstant) ?? (isObject(r.effectivePeriod) ? str(r.effectivePeriod.start) : undefined) ?? str(r.issued);
}

/** Reads the parts of a FHIR record (Bundle, resource or array) the twin's assessment needs. */
export function readClinicalRecord(input: unknown): ClinicalRecord {
  const resources = resourcesOf(input);
  const patients: RecordPatient[] = [];
  const conditions: RecordCondition[] = [];
  const devices: RecordDevice[] = [];
  const pregnancyObservations: ClinicalRecord['pregnancyObservations'] = [];
  const vitalDates: string[] = [];
  for (const r of resources) {
    const source = `${String(r.resourceType)}/${str(r.id) ?? '?'}`;
    switch (r.resourceType) {
      case 'Patient': {
        const g = str(r.gender);
        const deceasedDate = str(r.deceasedDateTime);
        patients.push({
          source,
          sex: g === 'female' ? 'F' : g === 'male' ? 'M' : undefined,
          birthDate: str(r.birthDate),
          deceased: r.deceasedBoolean === true || deceasedDate !== undefined,
          deceasedDate,
        });
        break;
      }
      case 'Condition': {
        const c = readCondition(r);
        if (c) conditions.push(c);
        break;
      }
      case 'Device': {
        const status = str(r.status);
        if (status === 'entered-in-error' || status === 'inactive') break;
        const text = [textOf(r.type), ...arr(r.deviceName).map((n) => (isObject(n) ? str(n.name) : undefined))].filter(Boolean).join(' ');
        devices.push({ text: text || 'device', source, cardiac: CARDIAC_DEVICE_TEXT.test(text) || categoryOfConcept(r.type) === 'cardiac-device' });
        break;
      }
      case 'Observation': {
        const status = str(r.status);
        if (status === 'entered-in-error' || status === 'cancelled') break;
        const codes = codingsOf(r.code);
        if (codes.some((c) => c.system === LOINC && c.code === '82810-3')) {
          if (categoryOfConcept(r.valueCodeableConcept) === 'pregnancy') pregnancyObservations.push({ date: effectiveOf(r), source });
        } else if (isVital(r)) {
          const d = effectiveOf(r);
          if (d !== undefined && Number.isFinite(Date.parse(d))) vitalDates.push(d);
        }
        break;
      }
      default:
        break;
    }
  }
  vitalDates.sort((a, b) => Date.parse(b) - Date.parse(a));
  return { patients, conditions, devices, pregnancyObservations, vitalDates };
}

/** Key clinical problems for the patient list: active, not social, one per text. */
export function keyProblems(conditions: readonly RecordCondition[]): string[] {
  const out: string[] = [];
  for (const c of conditions) {
    if (!c.active || c.category === 'social') continue;
    if (!out.includes(c.text)) out.push(c.text);
  }
  return out;
}

// ------------------------------------------------------------------ what the twin can do

/** The physiology model is an adult model (PHYSIOLOGY.md): no paediatric scaling. */
export const ADULT_AGE_YEARS = 18;
/** Default forecast horizon of the Twin view (src/twin/twinState FORECAST_HORIZON_SEC). */
export const DEFAULT_FORECAST_HORIZON_SEC = 6 * 3600;
const DAY_MS = 86_400_000;

/**
 * The instant from which a recorded death is certain. FHIR `deceasedDateTime` may be partial
 * (`YYYY`, `YYYY-MM`, `YYYY-MM-DD`: MIMIC-III, for one, records only the date of death): the
 * death happened at some time within that period, so it is certain only at the period's end.
 * A full dateTime is its own instant. Undefined when the value is not a date.
 */
export function deathCertainFromMs(deceasedDateTime: string): number | undefined {
  const partial = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$/.exec(deceasedDateTime);
  if (partial) {
    const y = Number(partial[1]);
    if (partial[2] === undefined) return Date.UTC(y + 1, 0, 1) - 1;
    const m = Number(partial[2]) - 1;
    if (partial[3] === undefined) return Date.UTC(y, m + 1, 1) - 1;
    return Date.UTC(y, m, Number(partial[3]) + 1) - 1;
  }
  const ms = Date.parse(deceasedDateTime);
  return Number.isFinite(ms) ? ms : undefined;
}

export type CapabilityCode = 'paediatric' | 'deceased' | 'no-patient' | 'several-patients' | 'no-birth-date' | 'pregnancy' | 'cardiac-device' | 'congenital-heart-disease' | 'atrial-fibrillation' | 'no-vitals' | 'stale-vitals' | 'record-incomplete';

export interface CapabilityNote {
  code: CapabilityCode;
  /** refuse: no twin at all; no-forecast: calibration only (as of a past date); limitation: the twin runs, with this named. */
  effect: 'refuse' | 'no-forecast' | 'limitation';
  message: string;
  source?: string;
}

export interface TwinCapability {
  /** A twin can be calibrated for this patient. */
  canCalibrate: boolean;
  /** A live forecast may be shown (newest vital within the horizon, patient alive). */
  canForecast: boolean;
  notes: CapabilityNote[];
  /** Age in whole years at `now` (or at death), when the birth date is known. */
  ageYears: number | undefined;
  deceased: boolean;
  lastVital: { date: string; daysAgo: number } | undefined;
  /** When no live forecast: the date the calibration is "as of" (the newest vital). */
  asOf: string | undefined;
  /** One line for the UI and CLI: the first refusal, else the first no-forecast reason, else "". */
  headline: string;
}

export interface CapabilityOptions {
  /** Now, ISO; default the current time. */
  now?: string;
  forecastHorizonSec?: number;
}

/** Completed years between an ISO birth date and a time (partial dates take 1 January / the 1st). */
export function completedYears(birthDate: string | undefined, atMs: number): number | undefined {
  if (birthDate === undefined) return undefined;
  const m = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?/.exec(birthDate);
  if (!m) return undefined;
  const at = new Date(atMs);
  const y = Number(m[1]);
  const mo = m[2] === undefined ? 1 : Number(m[2]);
  const d = m[3] === undefined ? 1 : Number(m[3]);
  let years = at.getUTCFullYear() - y;
  const tm = at.getUTCMonth() + 1;
  if (tm < mo || (tm === mo && at.getUTCDate() < d)) years -= 1;
  return years >= 0 ? years : undefined;
}

export function formatDaysAgo(days: number): string {
  if (days < 1) return `${Math.max(0, Math.round(days * 24))} h ago`;
  if (days < 2) return '1 day ago';
  return `${Math.floor(days)} days ago`;
}

/** What the twin can do for the patient in this record. Used by the UI, the CLI and the import report. */
export function assessTwinCapability(record: ClinicalRecord, options: CapabilityOptions = {}): TwinCapability {
  const nowMs = options.now !== undefined && Number.isFinite(Date.parse(options.now)) ? Date.parse(options.now) : Date.now();
  const horizonMs = (options.forecastHorizonSec ?? DEFAULT_FORECAST_HORIZON_SEC) * 1000;
  const notes: CapabilityNote[] = [];
  const p = record.patients[0];
  if (p === undefined) notes.push({ code: 'no-patient', effect: 'refuse', message: 'the record holds no Patient resource: the twin needs a patient to calibrate to' });
  if (record.patients.length > 1) {
    notes.push({ code: 'several-patients', effect: 'refuse', message: `the record holds ${record.patients.length} patients: a twin is calibrated to one patient's record` });
  }
  const deathMs = p?.deceasedDate !== undefined ? deathCertainFromMs(p.deceasedDate) : undefined;
  // Dead as of `now`: a recorded death after `now` (a stay replayed as it happened) is not yet one.
  const deceased = (p?.deceased ?? false) && (deathMs === undefined || deathMs <= nowMs);
  const newest = record.vitalDates[0];
  const stale = newest !== undefined && nowMs - Date.parse(newest) > horizonMs;
  // Age when the twin's data were taken: at the newest reading when it is not live, else now (or at death).
  const ageYears = completedYears(p?.birthDate, stale ? Date.parse(newest) : (deathMs ?? nowMs));
  if (p !== undefined && ageYears === undefined) {
    notes.push({ code: 'no-birth-date', effect: 'limitation', message: 'no usable birth date: the twin assumes the reference adult age (60 y) and cannot check that the patient is an adult' });
  }
  if (ageYears !== undefined && ageYears < ADULT_AGE_YEARS) {
    notes.push({
      code: 'paediatric',
      effect: 'refuse',
      message: `patient is ${ageYears} y${stale ? ` at the newest reading (${newest.slice(0, 10)})` : ''}: the physiology model is adult-only (18 y and over); paediatric physiology (heart size, rates, vascular properties) is not modelled`,
      source: p?.source,
    });
  }
  if (deceased) {
    notes.push({
      code: 'deceased',
      effect: 'no-forecast',
      message: `patient deceased${p?.deceasedDate ? ` (${p.deceasedDate.slice(0, 10)})` : ''}: no forecast; calibration shows the record as it was`,
      source: p?.source,
    });
  }
  const currentPregnancy = record.conditions.find((c) => c.category === 'pregnancy' && c.active);
  const pregObs = record.pregnancyObservations.find((o) => o.date === undefined || nowMs - Date.parse(o.date) < 280 * DAY_MS);
  if (currentPregnancy || pregObs) {
    notes.push({
      code: 'pregnancy',
      effect: 'limitation',
      message: 'pregnancy in the record: the model has no pregnancy physiology (raised blood volume and cardiac output, low resistance); fitted values are not pregnancy norms',
      source: currentPregnancy?.source ?? pregObs?.source,
    });
  }
  const device = record.devices.find((d) => d.cardiac) ?? record.conditions.find((c) => c.category === 'cardiac-device' && c.active);
  if (device) {
    notes.push({
      code: 'cardiac-device',
      effect: 'limitation',
      message: `cardiac device in the record (${device.text}): the model has no pacing, assist-device or prosthetic-valve physiology`,
      source: device.source,
    });
  }
  const chd = record.conditions.find((c) => c.category === 'congenital-heart-disease' && c.active);
  if (chd) {
    notes.push({ code: 'congenital-heart-disease', effect: 'limitation', message: `congenital heart disease in the record (${chd.text}): shunts and congenital anatomy are not modelled`, source: chd.source });
  }
  const af = record.conditions.find((c) => c.category === 'atrial-fibrillation' && c.active);
  if (af) {
    notes.push({ code: 'atrial-fibrillation', effect: 'limitation', message: `atrial fibrillation in the record: the model beats regularly; HR is fitted as the mean ventricular rate and the atrial kick is kept`, source: af.source });
  }
  let lastVital: TwinCapability['lastVital'];
  let asOf: string | undefined;
  if (newest === undefined) {
    notes.push({ code: 'no-vitals', effect: 'no-forecast', message: 'no heart rate or blood pressure in the record: nothing to calibrate the haemodynamics to, no forecast' });
  } else {
    const daysAgo = Math.max(0, (nowMs - Date.parse(newest)) / DAY_MS);
    lastVital = { date: newest, daysAgo };
    if (stale) {
      asOf = newest;
      notes.push({
        code: 'stale-vitals',
        effect: 'no-forecast',
        message: `last reading ${formatDaysAgo(daysAgo)} (${newest.slice(0, 10)}), older than the ${Math.round(horizonMs / 3600_000)} h forecast horizon: no live forecast; calibration as of ${newest.slice(0, 10)}`,
      });
    }
  }
  const refused = notes.some((n) => n.effect === 'refuse');
  const noForecast = notes.some((n) => n.effect === 'no-forecast');
  const headline = (notes.find((n) => n.effect === 'refuse') ?? notes.find((n) => n.effect === 'no-forecast'))?.message ?? '';
  return {
    canCalibrate: !refused && newest !== undefined,
    canForecast: !refused && !noForecast,
    notes,
    ageYears,
    deceased,
    lastVital,
    asOf,
    headline,
  };
}
