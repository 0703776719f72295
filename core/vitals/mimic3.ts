// MIMIC-III ICU tables (CSV) → FHIR R4 transaction Bundles, one per ICU stay.
//
// Input: the text of `patients.csv`, `icustays.csv`, optionally `admissions.csv`, and a
// `chartevents` extract with columns subject_id, hadm_id, icustay_id, charttime, itemid, signal,
// label, valuenum, valueuom (signals HR, ABP_SYS/DIA/MEAN, NBP_SYS/DIA/MEAN, SPO2, RR, TEMP_F,
// TEMP_C). Output: per ICU stay a Bundle holding the Patient, the hospital Encounter, the ICU
// Encounter (partOf the hospital one) and one vital-sign Observation per charted value — blood
// pressures as one panel Observation per line and time (85354-9) whose components carry the
// specific LOINC code first (arterial line: 76215-3 / 76213-8 / 76214-6; cuff: 76534-7 / 76535-4 /
// 76536-2) and the generic vital-sign code second (8480-6 / 8462-4 / 8478-0), so arterial and cuff
// pressures stay apart while every FHIR vital-signs reader still finds them.
//
// Nothing is judged here: a zero heart rate or an NBP systolic of 11647 is written as charted, and
// `core/vitals/fhir-vitals.ts` flags it implausible on the way in (the product's one set of rules).
// A row that cannot become a valid Observation (no number, a unit that contradicts its item) is
// written with a dataAbsentReason where it can be, and listed in `problems` — never dropped
// silently. Ids are deterministic (subject, stay, item, time), and the requests are PUTs, so
// importing twice writes nothing new.
//
// Pure: text in, JSON out; no I/O. Times: MIMIC-III charttimes are de-identified local times
// shifted into the 2100s; they are written with an explicit +00:00 offset (the shift makes the
// real zone meaningless; intervals are what matter).

const LOINC = 'http://loinc.org';
const UCUM = 'http://unitsofmeasure.org';
/** Identifier systems (MIMIC-III's own keys). */
export const MIMIC3_SYSTEM = {
  subject: 'https://mimic.mit.edu/fhir/mimic-iii/subject_id',
  hadm: 'https://mimic.mit.edu/fhir/mimic-iii/hadm_id',
  icustay: 'https://mimic.mit.edu/fhir/mimic-iii/icustay_id',
  chartevent: 'https://mimic.mit.edu/fhir/mimic-iii/chartevents',
  itemid: 'https://mimic.mit.edu/fhir/mimic-iii/d_items',
} as const;

/** Which line a blood pressure was measured on. */
export type BpSite = 'arterial' | 'cuff';

interface Coding {
  system: string;
  code: string;
  display: string;
}

interface SignalSpec {
  /** Codings, the most specific first. */
  codes: Coding[];
  ucum: string;
  /** Lower-cased `valueuom` strings that agree with this item's unit (MIMIC writes several spellings). */
  uoms: readonly string[];
  /** For blood pressure: which line and which component. */
  bp?: { site: BpSite; part: 'sys' | 'dia' | 'mean' };
}

const c = (code: string, display: string): Coding => ({ system: LOINC, code, display });
const MMHG = ['mmhg'];
const PER_MIN = ['bpm', 'insp/min', 'breaths/min'];

/** The signals of the chartevents extract, with their LOINC codes and UCUM units. */
export const MIMIC3_SIGNALS: Readonly<Record<string, SignalSpec>> = {
  HR: { codes: [c('8867-4', 'Heart rate')], ucum: '/min', uoms: PER_MIN },
  ABP_SYS: { codes: [c('76215-3', 'Invasive Systolic blood pressure'), c('8480-6', 'Systolic blood pressure')], ucum: 'mm[Hg]', uoms: MMHG, bp: { site: 'arterial', part: 'sys' } },
  ABP_DIA: { codes: [c('76213-8', 'Invasive Diastolic blood pressure'), c('8462-4', 'Diastolic blood pressure')], ucum: 'mm[Hg]', uoms: MMHG, bp: { site: 'arterial', part: 'dia' } },
  ABP_MEAN: { codes: [c('76214-6', 'Invasive Mean blood pressure'), c('8478-0', 'Mean blood pressure')], ucum: 'mm[Hg]', uoms: MMHG, bp: { site: 'arterial', part: 'mean' } },
  NBP_SYS: { codes: [c('76534-7', 'Systolic blood pressure by Noninvasive'), c('8480-6', 'Systolic blood pressure')], ucum: 'mm[Hg]', uoms: MMHG, bp: { site: 'cuff', part: 'sys' } },
  NBP_DIA: { codes: [c('76535-4', 'Diastolic blood pressure by Noninvasive'), c('8462-4', 'Diastolic blood pressure')], ucum: 'mm[Hg]', uoms: MMHG, bp: { site: 'cuff', part: 'dia' } },
  NBP_MEAN: { codes: [c('76536-2', 'Mean blood pressure by Noninvasive'), c('8478-0', 'Mean blood pressure')], ucum: 'mm[Hg]', uoms: MMHG, bp: { site: 'cuff', part: 'mean' } },
  SPO2: { codes: [c('59408-5', 'Oxygen saturation in Arterial blood by Pulse oximetry'), c('2708-6', 'Oxygen saturation in Arterial blood')], ucum: '%', uoms: ['%'] },
  RR: { codes: [c('9279-1', 'Respiratory rate')], ucum: '/min', uoms: PER_MIN },
  TEMP_F: { codes: [c('8310-5', 'Body temperature')], ucum: '[degF]', uoms: ['?f', 'deg. f', '°f'] },
  TEMP_C: { codes: [c('8310-5', 'Body temperature')], ucum: 'Cel', uoms: ['?c', 'deg. c', '°c'] },
};

const BP_PART_ORDER = { sys: 0, dia: 1, mean: 2 } as const;

/** One problem found while converting: the row (1-based, header = 1) and what was wrong. */
export interface Mimic3Problem {
  file: string;
  row: number;
  reason: string;
}

export interface Mimic3Tables {
  patientsCsv: string;
  icustaysCsv: string;
  admissionsCsv?: string;
  charteventsCsv: string;
}

export interface Mimic3Stay {
  subjectId: string;
  hadmId: string;
  icustayId: string;
  /** ICU admission and discharge (ISO). */
  inTime: string | undefined;
  outTime: string | undefined;
  careUnit: string | undefined;
  /** Observations (BP panels count once) in the bundle. */
  observationCount: number;
  bundle: FhirBundle;
}

export interface Mimic3Conversion {
  stays: Mimic3Stay[];
  problems: Mimic3Problem[];
  /** Chartevents rows read (excluding the header). */
  rowsRead: number;
}

type Json = Record<string, unknown>;
export interface FhirBundle {
  resourceType: 'Bundle';
  type: 'transaction';
  entry: { fullUrl: string; resource: Json; request: { method: 'PUT'; url: string } }[];
}

/**
 * RFC 4180 CSV: quoted fields (with "" escapes and embedded commas/newlines), CRLF or LF. Returns
 * the header and rows as arrays of strings. Throws on an unterminated quote (the file is cut).
 */
export function parseCsv(text: string, file = 'CSV'): { header: string[]; rows: string[][] } {
  const rows: string[][] = [];
  let field = '';
  let row: string[] = [];
  let i = 0;
  let quoted = false;
  const n = text.length;
  while (i < n) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
        i++;
        continue;
      }
      field += ch;
      i++;
      continue;
    }
    if (ch === '"' && field === '') {
      quoted = true;
      i++;
    } else if (ch === ',') {
      row.push(field);
      field = '';
      i++;
    } else if (ch === '\n' || ch === '\r') {
      row.push(field);
      field = '';
      if (!(row.length === 1 && row[0] === '')) rows.push(row);
      row = [];
      i += ch === '\r' && text[i + 1] === '\n' ? 2 : 1;
    } else {
      field += ch;
      i++;
    }
  }
  if (quoted) throw new Error(`${file}: a quoted field is not closed (the file looks cut off)`);
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  const header = rows.shift();
  if (!header) throw new Error(`${file}: the file is empty (expected a header line)`);
  return { header: header.map((h) => h.trim().toLowerCase()), rows };
}

function columns(header: string[], wanted: readonly string[], file: string): Record<string, number> {
  const out: Record<string, number> = {};
  const missing: string[] = [];
  for (const w of wanted) {
    const i = header.indexOf(w);
    if (i < 0) missing.push(w);
    else out[w] = i;
  }
  if (missing.length > 0) throw new Error(`${file}: missing column(s) ${missing.join(', ')} (found: ${header.join(', ')})`);
  return out;
}

/** "2164-10-23 22:40:00" → "2164-10-23T22:40:00+00:00"; undefined when it is not a MIMIC time. */
export function mimicTime(s: string | undefined): string | undefined {
  const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}(?::\d{2})?)/.exec((s ?? '').trim());
  if (!m) return undefined;
  const t = m[2]!.length === 5 ? `${m[2]}:00` : m[2]!;
  return `${m[1]}T${t}+00:00`;
}

function mimicDate(s: string | undefined): string | undefined {
  const m = /^(\d{4}-\d{2}-\d{2})/.exec((s ?? '').trim());
  return m ? m[1] : undefined;
}

/** FHIR id: [A-Za-z0-9-.]{1,64}. */
function fhirId(...parts: string[]): string {
  return parts
    .join('-')
    .replace(/[^A-Za-z0-9.-]/g, '')
    .slice(0, 64);
}

function compactTime(iso: string): string {
  // 2164-10-23T22:40:00+00:00 → 21641023T224000
  return iso.slice(0, 19).replace(/[-:]/g, '');
}

interface PatientRow {
  gender: string;
  dob: string;
  dod: string;
}
interface StayRow {
  subjectId: string;
  hadmId: string;
  careUnit: string;
  inTime: string;
  outTime: string;
}
interface AdmissionRow {
  admitTime: string;
  dischTime: string;
  admissionType: string;
  diagnosis: string;
}

/** Age in whole years at `atIso`; MIMIC-III shifts the dates of birth of patients over 89 by ~300 years. */
function ageAt(dobIso: string, atIso: string): number {
  return (Date.parse(atIso) - Date.parse(dobIso)) / (365.2425 * 86_400_000);
}

/**
 * Converts the tables into one transaction Bundle per ICU stay. Throws only when a file lacks a
 * required column or is cut off; row-level problems are returned in `problems`.
 */
export function mimic3ToBundles(tables: Mimic3Tables): Mimic3Conversion {
  const problems: Mimic3Problem[] = [];

  const pt = parseCsv(tables.patientsCsv, 'patients.csv');
  const pc = columns(pt.header, ['subject_id', 'gender', 'dob', 'dod'], 'patients.csv');
  const patients = new Map<string, PatientRow>();
  for (const r of pt.rows) patients.set(r[pc.subject_id!]!, { gender: r[pc.gender!] ?? '', dob: r[pc.dob!] ?? '', dod: r[pc.dod!] ?? '' });

  const st = parseCsv(tables.icustaysCsv, 'icustays.csv');
  const sc = columns(st.header, ['subject_id', 'hadm_id', 'icustay_id', 'first_careunit', 'intime', 'outtime'], 'icustays.csv');
  const stays = new Map<string, StayRow>();
  for (const r of st.rows) {
    stays.set(r[sc.icustay_id!]!, { subjectId: r[sc.subject_id!]!, hadmId: r[sc.hadm_id!]!, careUnit: r[sc.first_careunit!] ?? '', inTime: r[sc.intime!] ?? '', outTime: r[sc.outtime!] ?? '' });
  }

  const admissions = new Map<string, AdmissionRow>();
  if (tables.admissionsCsv !== undefined) {
    const at = parseCsv(tables.admissionsCsv, 'admissions.csv');
    const ac = columns(at.header, ['hadm_id', 'admittime', 'dischtime', 'admission_type', 'diagnosis'], 'admissions.csv');
    for (const r of at.rows) {
      admissions.set(r[ac.hadm_id!]!, { admitTime: r[ac.admittime!] ?? '', dischTime: r[ac.dischtime!] ?? '', admissionType: r[ac.admission_type!] ?? '', diagnosis: r[ac.diagnosis!] ?? '' });
    }
  }

  const ce = parseCsv(tables.charteventsCsv, 'chartevents');
  const cc = columns(ce.header, ['subject_id', 'hadm_id', 'icustay_id', 'charttime', 'itemid', 'signal', 'valuenum', 'valueuom'], 'chartevents');

  // Per stay: its observations, and BP panels keyed by line + time.
  const perStay = new Map<string, { single: Json[]; panels: Map<string, { id: string; time: string; site: BpSite; items: string[]; components: { order: number; c: Json }[] }> }>();
  const usedIds = new Set<string>();
  const uniqueId = (base: string): string => {
    let id = base;
    for (let k = 2; usedIds.has(id); k++) id = fhirId(base.slice(0, 60), String(k));
    usedIds.add(id);
    return id;
  };

  ce.rows.forEach((r, index) => {
    const rowNo = index + 2;
    const problem = (reason: string) => problems.push({ file: 'chartevents', row: rowNo, reason });
    const icustayId = r[cc.icustay_id!] ?? '';
    const subjectId = r[cc.subject_id!] ?? '';
    const signal = (r[cc.signal!] ?? '').trim();
    const itemid = (r[cc.itemid!] ?? '').trim();
    const spec = MIMIC3_SIGNALS[signal];
    if (!spec) return problem(`unknown signal "${signal}" (item ${itemid}); known: ${Object.keys(MIMIC3_SIGNALS).join(', ')}`);
    const stay = stays.get(icustayId);
    if (!stay) return problem(`ICU stay ${icustayId || '(empty)'} is not in icustays.csv`);
    if (stay.subjectId !== subjectId) return problem(`ICU stay ${icustayId} belongs to subject ${stay.subjectId}, the row says ${subjectId}`);
    const time = mimicTime(r[cc.charttime!]);
    if (!time) return problem(`charttime "${r[cc.charttime!] ?? ''}" is not a date-time`);
    const rawValue = (r[cc.valuenum!] ?? '').trim();
    const value = rawValue === '' ? NaN : Number(rawValue);
    const uom = (r[cc.valueuom!] ?? '').trim();
    const uomOk = uom === '' || spec.uoms.includes(uom.toLowerCase());
    if (!uomOk) problem(`${signal} (item ${itemid}) charted in "${uom}", expected ${spec.ucum}; written without a value (data absent)`);
    if (!Number.isFinite(value)) problem(`${signal} (item ${itemid}) has no numeric value ("${rawValue}"); written without a value (data absent)`);
    const valueOrAbsent: Json =
      Number.isFinite(value) && uomOk
        ? { valueQuantity: { value, unit: uom || spec.ucum, system: UCUM, code: spec.ucum } }
        : { dataAbsentReason: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/data-absent-reason', code: uomOk ? 'error' : 'unsupported' }], text: uomOk ? 'no numeric value charted' : `unit "${uom}" contradicts the item` } };
    const code = {
      coding: [...spec.codes, { system: MIMIC3_SYSTEM.itemid, code: itemid, display: (r[ce.header.indexOf('label')] ?? '').trim() || signal }],
      text: spec.codes[0]!.display,
    };
    let bucket = perStay.get(icustayId);
    if (!bucket) {
      bucket = { single: [], panels: new Map() };
      perStay.set(icustayId, bucket);
    }
    const identifier = [{ system: MIMIC3_SYSTEM.chartevent, value: `${icustayId}-${itemid}-${compactTime(time)}` }];
    if (spec.bp) {
      // A second arterial line (items 6701/6702/8555, "Arterial BP #2") is its own panel.
      const line = ['6701', '6702', '8555'].includes(itemid) ? `${spec.bp.site}2` : spec.bp.site;
      const key = `${line}@${time}`;
      let panel = bucket.panels.get(key);
      if (panel && panel.components.some((x) => x.order === BP_PART_ORDER[spec.bp!.part])) {
        // Charted twice at one time (duplicate row): its own panel, so neither value is lost.
        panel = undefined;
      }
      if (!panel) {
        panel = { id: uniqueId(fhirId('m3', subjectId, icustayId, line === 'cuff' ? 'nbp' : line === 'arterial' ? 'abp' : 'abp2', compactTime(time))), time, site: spec.bp.site, items: [], components: [] };
        bucket.panels.set(panel.components.length === 0 && bucket.panels.has(key) ? `${key}#${panel.id}` : key, panel);
      }
      panel.items.push(identifier[0]!.value);
      panel.components.push({ order: BP_PART_ORDER[spec.bp.part], c: { code, ...valueOrAbsent } });
      return;
    }
    const id = uniqueId(fhirId('m3', subjectId, icustayId, itemid, compactTime(time)));
    bucket.single.push({
      resourceType: 'Observation',
      id,
      identifier,
      status: 'final',
      category: [vitalSignsCategory()],
      code,
      subject: { reference: `Patient/${patientId(subjectId)}` },
      encounter: { reference: `Encounter/${icuEncounterId(icustayId)}` },
      effectiveDateTime: time,
      ...valueOrAbsent,
    });
  });

  const out: Mimic3Stay[] = [];
  const stayIds = [...perStay.keys()].sort((a, b) => Number(a) - Number(b));
  for (const icustayId of stayIds) {
    const bucket = perStay.get(icustayId)!;
    const stay = stays.get(icustayId)!;
    const p = patients.get(stay.subjectId);
    if (!p) problems.push({ file: 'patients.csv', row: 0, reason: `subject ${stay.subjectId} (ICU stay ${icustayId}) is not in patients.csv; Patient written without sex or birth date` });
    const resources: Json[] = [patientResource(stay.subjectId, p, stay.inTime, problems), hospitalEncounter(stay, admissions.get(stay.hadmId)), icuEncounter(icustayId, stay)];
    const panels: Json[] = [...bucket.panels.values()].map((panel) => ({
      resourceType: 'Observation',
      id: panel.id,
      identifier: panel.items.map((v) => ({ system: MIMIC3_SYSTEM.chartevent, value: v })),
      status: 'final',
      category: [vitalSignsCategory()],
      code: { coding: [c('85354-9', 'Blood pressure panel with all children optional')], text: panel.site === 'arterial' ? 'Arterial line blood pressure' : 'Non-invasive (cuff) blood pressure' },
      method: { text: panel.site === 'arterial' ? 'intra-arterial catheter' : 'non-invasive oscillometric cuff' },
      subject: { reference: `Patient/${patientId(stay.subjectId)}` },
      encounter: { reference: `Encounter/${icuEncounterId(icustayId)}` },
      effectiveDateTime: panel.time,
      component: panel.components.sort((a, b) => a.order - b.order).map((x) => x.c),
    }));
    const observations = [...bucket.single, ...panels].sort((a, b) => String(a.effectiveDateTime).localeCompare(String(b.effectiveDateTime)) || String(a.id).localeCompare(String(b.id)));
    const all = [...resources, ...observations];
    out.push({
      subjectId: stay.subjectId,
      hadmId: stay.hadmId,
      icustayId,
      inTime: mimicTime(stay.inTime),
      outTime: mimicTime(stay.outTime),
      careUnit: stay.careUnit || undefined,
      observationCount: observations.length,
      bundle: {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: all.map((resource) => ({
          fullUrl: `urn:uuid:${String(resource.resourceType)}-${String(resource.id)}`,
          resource,
          request: { method: 'PUT' as const, url: `${String(resource.resourceType)}/${String(resource.id)}` },
        })),
      },
    });
  }
  return { stays: out, problems, rowsRead: ce.rows.length };
}

const patientId = (subjectId: string) => fhirId('m3', subjectId);
const icuEncounterId = (icustayId: string) => fhirId('m3-icu', icustayId);
const hospitalEncounterId = (hadmId: string) => fhirId('m3-hadm', hadmId);

function vitalSignsCategory(): Json {
  return { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs', display: 'Vital Signs' }] };
}

function patientResource(subjectId: string, p: PatientRow | undefined, inTime: string, problems: Mimic3Problem[]): Json {
  const r: Json = {
    resourceType: 'Patient',
    id: patientId(subjectId),
    identifier: [{ system: MIMIC3_SYSTEM.subject, value: subjectId }],
    meta: { tag: [{ system: 'https://twinscope.example/fhir/tag', code: 'mimic-iii-demo', display: 'MIMIC-III Clinical Database Demo v1.4 (ODbL 1.0), de-identified' }] },
  };
  if (!p) return r;
  if (p.gender === 'F' || p.gender === 'M') r.gender = p.gender === 'F' ? 'female' : 'male';
  const dob = mimicDate(p.dob);
  const inIso = mimicTime(inTime);
  if (dob && inIso && ageAt(dob, inIso) > 89) {
    // MIMIC-III hides the age of patients over 89 by moving their birth ~300 years back. Writing
    // that date would make the patient 300 years old; the truth is "over 89", which FHIR cannot
    // say in birthDate, so it is left out (calibration then names age as a default) and noted.
    problems.push({ file: 'patients.csv', row: 0, reason: `subject ${subjectId}: age over 89 (MIMIC-III shifts the birth date); birthDate left out` });
    r.extension = [{ url: 'https://twinscope.example/fhir/StructureDefinition/age-over-89', valueBoolean: true }];
  } else if (dob) r.birthDate = dob;
  // DOD is a date (MIMIC-III's time part is always 00:00:00): written as a FHIR partial date, a
  // death at some time that day, not at midnight — a stay on the day of death is still a live one.
  const dod = mimicDate(p.dod);
  if (dod) r.deceasedDateTime = dod;
  return r;
}

function hospitalEncounter(stay: StayRow, adm: AdmissionRow | undefined): Json {
  const start = mimicTime(adm?.admitTime);
  const end = mimicTime(adm?.dischTime);
  return {
    resourceType: 'Encounter',
    id: hospitalEncounterId(stay.hadmId),
    identifier: [{ system: MIMIC3_SYSTEM.hadm, value: stay.hadmId }],
    status: 'finished',
    class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'IMP', display: 'inpatient encounter' },
    ...(adm?.admissionType ? { type: [{ text: adm.admissionType }] } : {}),
    subject: { reference: `Patient/${patientId(stay.subjectId)}` },
    ...(start ? { period: { start, ...(end ? { end } : {}) } } : {}),
    ...(adm?.diagnosis ? { reasonCode: [{ text: adm.diagnosis }] } : {}),
  };
}

function icuEncounter(icustayId: string, stay: StayRow): Json {
  const start = mimicTime(stay.inTime);
  const end = mimicTime(stay.outTime);
  return {
    resourceType: 'Encounter',
    id: icuEncounterId(icustayId),
    identifier: [{ system: MIMIC3_SYSTEM.icustay, value: icustayId }],
    status: 'finished',
    class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'ACUTE', display: 'inpatient acute' },
    type: [{ text: `ICU stay (${stay.careUnit || 'unit not recorded'})` }],
    subject: { reference: `Patient/${patientId(stay.subjectId)}` },
    partOf: { reference: `Encounter/${hospitalEncounterId(stay.hadmId)}` },
    ...(start ? { period: { start, ...(end ? { end } : {}) } } : {}),
  };
}
