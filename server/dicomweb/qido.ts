// QIDO-RS query parameters → a validated QidoFilter, and store rows → DICOM JSON result objects.
// Matching keys may be given as keywords (PatientID) or tags (00100020), as PS3.18 §8.3.4 allows.
import dcmjs from 'dcmjs';
import type { DicomJsonElement, DicomJsonObject } from './dicomJson';
import type { InstanceRow, QidoFilter, SeriesRow, StudyRow } from './store';

export class QidoQueryError extends Error {
  override name = 'QidoQueryError';
}

export const DEFAULT_LIMIT = 1000;
export const MAX_LIMIT = 10000;

const KEY_ALIASES: Record<string, string> = {
  '00100020': 'PatientID',
  '0020000D': 'StudyInstanceUID',
  '00080020': 'StudyDate',
  '00080050': 'AccessionNumber',
  '00080061': 'ModalitiesInStudy',
  '00080060': 'Modality',
  '0020000E': 'SeriesInstanceUID',
  '00200011': 'SeriesNumber',
  '00080018': 'SOPInstanceUID',
  '00080016': 'SOPClassUID',
  '00200013': 'InstanceNumber',
};
const CONTROL = new Set(['limit', 'offset', 'includefield', 'fuzzymatching']);
const UID = /^[0-9]+(\.[0-9]+)*$/;
const DATE = /^\d{8}$/;

export interface ParsedQido {
  filter: QidoFilter;
  includeFields: string[] | 'all';
  /** Keys we do not match on; reported in a Warning header, never silently "matched". */
  ignored: string[];
}

function uids(name: string, values: string[]): string[] {
  const out = values.flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
  for (const u of out) if (!UID.test(u) || u.length > 64) throw new QidoQueryError(`${name} "${u.slice(0, 70)}" is not a DICOM UID`);
  return out;
}

function integer(name: string, value: string, min: number, max: number): number {
  if (!/^\d+$/.test(value)) throw new QidoQueryError(`${name} must be a whole number, got "${value.slice(0, 20)}"`);
  const n = Number(value);
  if (n < min || n > max) throw new QidoQueryError(`${name} must be between ${min} and ${max}, got ${n}`);
  return n;
}

function dateRange(value: string): { from?: string; to?: string } {
  const m = /^(\d{8})?(-)?(\d{8})?$/.exec(value.trim());
  if (!m || (!m[1] && !m[3])) throw new QidoQueryError(`StudyDate must be YYYYMMDD or a range YYYYMMDD-YYYYMMDD, got "${value.slice(0, 20)}"`);
  if (!m[2]) return { from: m[1]!, to: m[1]! };
  return { ...(m[1] ? { from: m[1] } : {}), ...(m[3] ? { to: m[3] } : {}) };
}

export function parseQido(query: Record<string, string | string[] | undefined>): ParsedQido {
  const filter: QidoFilter = { limit: DEFAULT_LIMIT, offset: 0 };
  let includeFields: string[] | 'all' = [];
  const ignored: string[] = [];
  for (const [rawKey, rawValue] of Object.entries(query)) {
    if (rawValue === undefined) continue;
    const values = Array.isArray(rawValue) ? rawValue : [rawValue];
    const value = values[values.length - 1] ?? '';
    const key = KEY_ALIASES[rawKey.toUpperCase()] ?? rawKey;
    if (CONTROL.has(key)) {
      if (key === 'limit') filter.limit = integer('limit', value, 1, MAX_LIMIT);
      else if (key === 'offset') filter.offset = integer('offset', value, 0, 1_000_000_000);
      else if (key === 'includefield') {
        const fields = values.flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
        if (fields.includes('all')) includeFields = 'all';
        else if (includeFields !== 'all') includeFields.push(...fields);
      }
      continue;
    }
    if (value === '') continue;
    switch (key) {
      case 'PatientID':
        filter.patientId = value;
        break;
      case 'StudyInstanceUID':
        filter.studyUids = uids(key, values);
        break;
      case 'StudyDate':
        filter.studyDate = dateRange(value);
        if (filter.studyDate.from && !DATE.test(filter.studyDate.from)) throw new QidoQueryError('bad StudyDate');
        break;
      case 'AccessionNumber':
        filter.accessionNumber = value;
        break;
      case 'ModalitiesInStudy':
      case 'Modality':
        if (!/^[A-Z0-9 _]{1,16}$/.test(value)) throw new QidoQueryError(`${key} must be a DICOM modality code such as CT or MR, got "${value.slice(0, 20)}"`);
        filter.modality = value;
        break;
      case 'SeriesInstanceUID':
        filter.seriesUids = uids(key, values);
        break;
      case 'SeriesNumber':
        filter.seriesNumber = integer(key, value, 0, 2 ** 31 - 1);
        break;
      case 'SOPInstanceUID':
        filter.sopUids = uids(key, values);
        break;
      case 'SOPClassUID':
        uids(key, [value]);
        filter.sopClassUid = value;
        break;
      case 'InstanceNumber':
        filter.instanceNumber = integer(key, value, 0, 2 ** 31 - 1);
        break;
      default:
        ignored.push(rawKey.slice(0, 40));
    }
  }
  return { filter, includeFields, ignored };
}

const str = (vr: string, v: string): DicomJsonElement => (v === '' ? { vr } : { vr, Value: [v] });
const num = (vr: string, v: number | null): DicomJsonElement => (v === null ? { vr } : { vr, Value: [v] });

export function studyJson(r: StudyRow, retrieveBase: string): DicomJsonObject {
  return {
    '00080020': str('DA', r.study_date),
    '00080030': str('TM', r.study_time),
    '00080050': str('SH', r.accession_number),
    '00080061': r.modalities ? { vr: 'CS', Value: r.modalities.split(',').filter(Boolean) } : { vr: 'CS' },
    '00080090': r.referring_physician_name ? { vr: 'PN', Value: [{ Alphabetic: r.referring_physician_name }] } : { vr: 'PN' },
    '00081030': str('LO', r.study_description),
    '00081190': { vr: 'UR', Value: [`${retrieveBase}/studies/${r.study_uid}`] },
    '00100010': r.patient_name ? { vr: 'PN', Value: [{ Alphabetic: r.patient_name }] } : { vr: 'PN' },
    '00100020': str('LO', r.patient_id),
    '00100030': str('DA', r.patient_birth_date),
    '00100040': str('CS', r.patient_sex),
    '0020000D': { vr: 'UI', Value: [r.study_uid] },
    '00200010': str('SH', r.study_id),
    '00201206': { vr: 'IS', Value: [r.series_count] },
    '00201208': { vr: 'IS', Value: [r.instance_count] },
  };
}

export function seriesJson(r: SeriesRow, retrieveBase: string): DicomJsonObject {
  return {
    '00080060': str('CS', r.modality),
    '0008103E': str('LO', r.series_description),
    '00081190': { vr: 'UR', Value: [`${retrieveBase}/studies/${r.study_uid}/series/${r.series_uid}`] },
    '0020000D': { vr: 'UI', Value: [r.study_uid] },
    '0020000E': { vr: 'UI', Value: [r.series_uid] },
    '00200011': num('IS', r.series_number),
    '00201209': { vr: 'IS', Value: [r.instance_count] },
  };
}

export function instanceJson(r: InstanceRow, retrieveBase: string): DicomJsonObject {
  return {
    '00080016': { vr: 'UI', Value: [r.sop_class_uid] },
    '00080018': { vr: 'UI', Value: [r.sop_uid] },
    '00081190': { vr: 'UR', Value: [`${retrieveBase}/studies/${r.study_uid}/series/${r.series_uid}/instances/${r.sop_uid}`] },
    '00083002': { vr: 'UI', Value: [r.transfer_syntax_uid] }, // AvailableTransferSyntaxUID
    '0020000D': { vr: 'UI', Value: [r.study_uid] },
    '0020000E': { vr: 'UI', Value: [r.series_uid] },
    '00200013': num('IS', r.instance_number),
    '00280008': num('IS', r.number_of_frames),
    '00280010': num('US', r.rows),
    '00280011': num('US', r.columns),
    '00280100': num('US', r.bits_allocated),
  };
}

interface NameEntry {
  tag: string;
}
const nameMap = (dcmjs as unknown as { data: { DicomMetaDictionary: { nameMap: Record<string, NameEntry | undefined> } } }).data.DicomMetaDictionary.nameMap;

/** "PatientAge" or "00101010" → "00101010"; null when neither. */
export function tagOfField(field: string): string | null {
  if (/^[0-9A-Fa-f]{8}$/.test(field)) return field.toUpperCase();
  const entry = nameMap[field];
  if (!entry) return null;
  return entry.tag.replace(/[(),]/g, '').toUpperCase();
}

/** Adds includefield attributes from an instance's full metadata (bulk data never included). */
export function addIncludeFields(target: DicomJsonObject, source: DicomJsonObject | undefined, fields: string[] | 'all'): void {
  if (!source) return;
  if (fields === 'all') {
    for (const [tag, el] of Object.entries(source)) if (!(tag in target) && !el.BulkDataURI && !el.InlineBinary && el.vr !== 'SQ') target[tag] = el;
    return;
  }
  for (const f of fields) {
    const tag = tagOfField(f);
    if (tag && !(tag in target) && source[tag] && !source[tag].BulkDataURI) target[tag] = source[tag];
  }
}
