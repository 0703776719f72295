// dicom-parser DataSet → DICOM JSON model (PS3.18 F.2), the body of QIDO-RS and WADO-RS
// metadata. Binary values become BulkDataURIs (pixel data always), small ones InlineBinary.
// VRs of implicit-VR files come from dcmjs's standard data dictionary.
import dcmjs from 'dcmjs';
import dicomParser, { type DataSet, type Element } from 'dicom-parser';

export type DicomJsonValue = string | number | { Alphabetic?: string; Ideographic?: string; Phonetic?: string } | DicomJsonObject;
export interface DicomJsonElement {
  vr: string;
  Value?: DicomJsonValue[];
  BulkDataURI?: string;
  InlineBinary?: string;
}
export type DicomJsonObject = Record<string, DicomJsonElement>;

interface DictEntry {
  vr: string;
}
const dictionary = (dcmjs as unknown as { data: { DicomMetaDictionary: { dictionary: Record<string, DictEntry | undefined> } } }).data
  .DicomMetaDictionary.dictionary;

/** Standard VR of a tag ("x00280010" form); private and unknown tags are UN. */
export function standardVr(tag: string): string {
  const key = `(${tag.slice(1, 5)},${tag.slice(5, 9)})`.toUpperCase();
  const vr = dictionary[key]?.vr;
  if (!vr) return 'UN';
  if (vr === 'ox' || vr === 'OB or OW' || vr === 'OW or OB') return 'OW';
  if (vr === 'xs' || vr === 'US or SS') return 'US';
  if (vr === 'US or OW' || vr === 'US or SS or OW') return 'US';
  return vr.length === 2 ? vr : 'UN';
}

/** vrCallback for dicom-parser: lets implicit-VR files have their sequences parsed as sequences. */
export function implicitVrCallback(tag: string): string | undefined {
  const vr = standardVr(tag);
  return vr === 'UN' ? undefined : vr;
}

const STRING_VRS = new Set(['AE', 'AS', 'CS', 'DA', 'DT', 'LO', 'SH', 'TM', 'UC', 'UI']);
const TEXT_VRS = new Set(['LT', 'ST', 'UT', 'UR']);
const BINARY_VRS = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'UN']);
const NUMERIC: Record<string, { size: number; read: (ds: DataSet, tag: string, i: number) => number | undefined }> = {
  US: { size: 2, read: (ds, t, i) => ds.uint16(t, i) },
  SS: { size: 2, read: (ds, t, i) => ds.int16(t, i) },
  UL: { size: 4, read: (ds, t, i) => ds.uint32(t, i) },
  SL: { size: 4, read: (ds, t, i) => ds.int32(t, i) },
  FL: { size: 4, read: (ds, t, i) => ds.float(t, i) },
  FD: { size: 8, read: (ds, t, i) => ds.double(t, i) },
};

export interface DicomJsonOptions {
  /** URI for a binary element at the top level ("x7fe00010" tag form); nested binaries are inlined or dropped. */
  bulkDataUri: (tag: string) => string;
  /** Binary values up to this many bytes are inlined as base64; longer ones get a BulkDataURI. */
  inlineBinaryMaxBytes?: number;
}

function tagKey(tag: string): string {
  return tag.slice(1).toUpperCase();
}

function vrOf(el: Element, tag: string): string {
  return el.vr ?? standardVr(tag);
}

function rawString(ds: DataSet, el: Element): string {
  if (el.length === 0) return '';
  return dicomParser.readFixedString(ds.byteArray, el.dataOffset, el.length);
}

function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

function convert(ds: DataSet, options: DicomJsonOptions, depth: number): DicomJsonObject {
  const out: DicomJsonObject = {};
  const inlineMax = options.inlineBinaryMaxBytes ?? 256;
  const tags = Object.keys(ds.elements).sort();
  for (const tag of tags) {
    const el = ds.elements[tag] as Element;
    const group = tag.slice(1, 5);
    // File meta (0002) is not part of the dataset; group lengths are deprecated noise.
    if (group === '0002' || tag.slice(5, 9) === '0000' || tag.startsWith('xfffe')) continue;
    const vr = vrOf(el, tag);
    const key = tagKey(tag);
    if (vr === 'SQ' || el.items) {
      out[key] = { vr: 'SQ', Value: (el.items ?? []).filter((i) => i.dataSet).map((i) => convert(i.dataSet!, options, depth + 1)) };
      continue;
    }
    if (STRING_VRS.has(vr) || vr === 'DS' || vr === 'IS' || vr === 'PN') {
      const text = rawString(ds, el).replace(/\0+$/, '');
      const parts = text.split('\\').map((p) => p.trim());
      if (text.trim() === '') {
        out[key] = { vr };
        continue;
      }
      if (vr === 'DS' || vr === 'IS') {
        out[key] = { vr, Value: parts.map((p) => (p === '' ? (null as unknown as number) : Number(p))).map((n) => (Number.isFinite(n) ? n : (null as unknown as number))) };
      } else if (vr === 'PN') {
        out[key] = {
          vr,
          Value: parts.map((p) => {
            const [alphabetic, ideographic, phonetic] = p.split('=');
            return { ...(alphabetic ? { Alphabetic: alphabetic } : {}), ...(ideographic ? { Ideographic: ideographic } : {}), ...(phonetic ? { Phonetic: phonetic } : {}) };
          }),
        };
      } else {
        out[key] = { vr, Value: parts };
      }
      continue;
    }
    if (TEXT_VRS.has(vr)) {
      const text = rawString(ds, el).replace(/[\0 ]+$/, '');
      out[key] = text === '' ? { vr } : { vr, Value: [text] };
      continue;
    }
    const numeric = NUMERIC[vr];
    if (numeric) {
      const n = Math.floor(el.length / numeric.size);
      const values: number[] = [];
      for (let i = 0; i < n; i++) {
        const v = numeric.read(ds, tag, i);
        if (v !== undefined) values.push(v);
      }
      out[key] = values.length ? { vr, Value: values } : { vr };
      continue;
    }
    if (vr === 'AT') {
      const values: string[] = [];
      for (let i = 0; i + 4 <= el.length; i += 4) {
        const g = ds.byteArrayParser.readUint16(ds.byteArray, el.dataOffset + i);
        const e = ds.byteArrayParser.readUint16(ds.byteArray, el.dataOffset + i + 2);
        values.push((g.toString(16).padStart(4, '0') + e.toString(16).padStart(4, '0')).toUpperCase());
      }
      out[key] = { vr, Value: values };
      continue;
    }
    if (BINARY_VRS.has(vr) || el.encapsulatedPixelData) {
      if (tag === 'x7fe00010' || el.encapsulatedPixelData || el.length > inlineMax) {
        // Nested binaries have no addressable URI here; they are rare (icons) and left out.
        if (depth === 0) out[key] = { vr: vr === 'UN' ? 'OB' : vr, BulkDataURI: options.bulkDataUri(tag) };
      } else {
        out[key] = { vr, InlineBinary: base64((ds.byteArray as Uint8Array).subarray(el.dataOffset, el.dataOffset + el.length)) };
      }
      continue;
    }
    out[key] = { vr };
  }
  return out;
}

export function dataSetToDicomJson(ds: DataSet, options: DicomJsonOptions): DicomJsonObject {
  return convert(ds, options, 0);
}

/** First value of a DICOM JSON element as a string ('' when absent). */
export function jsonString(obj: DicomJsonObject | undefined, tag: string): string {
  const v = obj?.[tag]?.Value?.[0];
  if (v === undefined || v === null) return '';
  if (typeof v === 'object') return personNameText(v);
  return String(v);
}

/** The Alphabetic group of a PN value ('' when not a PN value). */
export function personNameText(v: DicomJsonValue | undefined): string {
  if (!v || typeof v !== 'object') return '';
  const alphabetic = (v as { Alphabetic?: unknown }).Alphabetic;
  return typeof alphabetic === 'string' ? alphabetic : '';
}
