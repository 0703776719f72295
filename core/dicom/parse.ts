// DICOM Part 10 file → one DicomInstance: the attributes grouping, sorting and geometry need,
// plus where the pixel data sits. Pure: no I/O, no DOM; runs in Node tests and in the import
// worker. dicom-parser does the byte-level parsing; this module makes it safe for untrusted
// files (every refusal is a DicomIngestError with a code) and fills the gaps real files have.
import dicomParser, { type DataSet, type Element } from 'dicom-parser';
import type { Vec3 } from '../domain/imaging';
import { DicomIngestError, describeThrown, rejection } from './errors';
import { fnv1a64Bytes, fnv1a64Hex } from './hash';
import { DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN, isKnownTransferSyntax, transferSyntaxInfo, type TransferSyntaxInfo } from './transferSyntax';

/** Limits that keep one hostile file from exhausting a browser tab. */
export interface ParseLimits {
  /** Largest rows or columns accepted. */
  maxDimension: number;
  maxFrames: number;
  /** Largest decoded pixel payload of one file, bytes. */
  maxDecodedBytes: number;
  /** Largest inflated size of a deflated dataset, bytes (zip-bomb guard). */
  maxInflatedBytes: number;
}

export const DEFAULT_LIMITS: ParseLimits = {
  maxDimension: 8192,
  maxFrames: 4096,
  maxDecodedBytes: 1024 * 1024 * 1024,
  maxInflatedBytes: 512 * 1024 * 1024,
};

export interface FrameGeometry {
  /** ImagePositionPatient of the frame's first voxel, LPS mm; null when absent. */
  positionLps: Vec3 | null;
  /** ImageOrientationPatient: row direction then column direction, LPS. */
  orientationLps: [number, number, number, number, number, number] | null;
  /** PixelSpacing: [between rows, between columns] in mm (DICOM order). */
  pixelSpacingMm: [number, number] | null;
  sliceThicknessMm: number | null;
  rescaleSlope: number;
  rescaleIntercept: number;
}

export type UidSource = 'dataset' | 'file-meta' | 'derived';

export interface DicomInstance {
  file: string;
  /**
   * Position of the source file in the list the caller gave the import (set by
   * importDicomFiles; absent when parsed on its own). Names can repeat (two dropped folders
   * with an IM0001 each), the index cannot.
   */
  fileIndex?: number;
  byteLength: number;
  transferSyntax: TransferSyntaxInfo;
  sopClassUid: string;
  sopInstanceUid: string;
  studyInstanceUid: string;
  seriesInstanceUid: string;
  /** Where each UID came from; 'derived' ids are stable hashes, never written back as UIDs. */
  uidSource: { study: UidSource; series: UidSource; sop: UidSource };
  patientId: string;
  studyDate: string;
  studyDescription: string;
  seriesDescription: string;
  modality: string;
  seriesNumber: number | null;
  instanceNumber: number | null;
  frameOfReferenceUid: string;
  rows: number;
  columns: number;
  numberOfFrames: number;
  samplesPerPixel: number;
  bitsAllocated: number;
  bitsStored: number;
  pixelRepresentation: 0 | 1;
  photometricInterpretation: string;
  windowCenter: number | null;
  windowWidth: number | null;
  spacingBetweenSlicesMm: number | null;
  /** One entry per frame (a single-frame file has one). */
  frames: FrameGeometry[];
  /** Owned by this instance; the byte array the dataset offsets refer to (inflated if deflated). */
  bytes: Uint8Array;
  /** dicom-parser's view of the file; needed to read encapsulated frames. Not structured-cloneable. */
  dataSet: DataSet;
}

export interface ParseOptions {
  limits?: Partial<ParseLimits>;
  /** Synchronous raw-deflate inflater (Node: zlib.inflateRawSync). See parseDicomFile for the async path. */
  inflateRawSync?: (deflated: Uint8Array) => Uint8Array;
}

const SOP_CLASS_NAMES: Record<string, string> = {
  '1.2.840.10008.5.1.4.1.1.88.11': 'Basic Text SR',
  '1.2.840.10008.5.1.4.1.1.88.22': 'Enhanced SR',
  '1.2.840.10008.5.1.4.1.1.88.33': 'Comprehensive SR',
  '1.2.840.10008.5.1.4.1.1.88.59': 'Key Object Selection',
  '1.2.840.10008.5.1.4.1.1.11.1': 'Grayscale Softcopy Presentation State',
  '1.2.840.10008.5.1.4.1.1.481.5': 'RT Plan',
  '1.2.840.10008.5.1.4.1.1.481.3': 'RT Structure Set',
  '1.2.840.10008.5.1.4.1.1.66.4': 'Segmentation',
  '1.2.840.10008.5.1.4.1.1.104.1': 'Encapsulated PDF',
  '1.2.840.10008.5.1.4.1.1.66': 'Raw Data',
};

/**
 * Sequence tags we read through. In implicit-VR files dicom-parser only recognises sequences of
 * undefined length unless told the VR, so the ones that carry geometry are listed here.
 */
const SEQUENCE_TAGS = new Set([
  'x52009229', // SharedFunctionalGroupsSequence
  'x52009230', // PerFrameFunctionalGroupsSequence
  'x00209113', // PlanePositionSequence
  'x00209116', // PlaneOrientationSequence
  'x00289110', // PixelMeasuresSequence
  'x00289145', // PixelValueTransformationSequence
  'x00289132', // FrameVOILUTSequence
]);

function vrCallback(tag: string): string | undefined {
  return SEQUENCE_TAGS.has(tag) ? 'SQ' : undefined;
}

function str(ds: DataSet, tag: string): string {
  try {
    return (ds.string(tag) ?? '').replace(/\0/g, '').trim();
  } catch {
    return '';
  }
}

function num(ds: DataSet | undefined, tag: string, index = 0): number | null {
  if (!ds?.elements[tag]) return null;
  try {
    const v = ds.floatString(tag, index);
    return v !== undefined && Number.isFinite(v) ? v : null;
  } catch {
    return null;
  }
}

function nums(ds: DataSet | undefined, tag: string, n: number): number[] | null {
  if (!ds?.elements[tag]) return null;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const v = num(ds, tag, i);
    if (v === null) return null;
    out.push(v);
  }
  return out;
}

function us(ds: DataSet, tag: string): number | null {
  const el = ds.elements[tag];
  if (!el || el.length < 2) return null;
  try {
    const v = ds.uint16(tag);
    return v === undefined ? null : v;
  } catch {
    return null;
  }
}

function firstItem(ds: DataSet | undefined, tag: string): DataSet | undefined {
  return ds?.elements[tag]?.items?.[0]?.dataSet;
}

/** Checks that no element (at any depth) claims bytes beyond the buffer: the unbounded-memory guard. */
function checkBounds(ds: DataSet, byteLength: number, depth: number): void {
  if (depth > 16) throw new DicomIngestError('bad-length', 'sequences are nested more than 16 deep');
  for (const tag in ds.elements) {
    const el = ds.elements[tag] as Element;
    if (el.length < 0 || el.dataOffset < 0 || el.dataOffset + el.length > byteLength) {
      throw new DicomIngestError(
        'truncated',
        `element (${tag.slice(1, 5)},${tag.slice(5)}) declares ${el.length} bytes at offset ${el.dataOffset}, past the end of the ${byteLength}-byte file`,
      );
    }
    if (el.items) {
      for (const item of el.items) if (item.dataSet) checkBounds(item.dataSet, byteLength, depth + 1);
    }
  }
}

function frameGeometry(shared: DataSet | undefined, perFrame: DataSet | undefined, top: DataSet): FrameGeometry {
  // Enhanced objects keep geometry in functional groups (per-frame overrides shared);
  // classic single-frame objects keep it at the top level.
  const pos = nums(firstItem(perFrame, 'x00209113'), 'x00200032', 3) ?? nums(firstItem(shared, 'x00209113'), 'x00200032', 3) ?? nums(top, 'x00200032', 3);
  const ori = nums(firstItem(perFrame, 'x00209116'), 'x00200037', 6) ?? nums(firstItem(shared, 'x00209116'), 'x00200037', 6) ?? nums(top, 'x00200037', 6);
  const measures = firstItem(perFrame, 'x00289110') ?? firstItem(shared, 'x00289110');
  const spacing = nums(measures, 'x00280030', 2) ?? nums(top, 'x00280030', 2) ?? nums(top, 'x00181164', 2);
  const thickness = num(measures, 'x00180050') ?? num(top, 'x00180050');
  const pvt = firstItem(perFrame, 'x00289145') ?? firstItem(shared, 'x00289145');
  const slope = num(pvt, 'x00281053') ?? num(top, 'x00281053') ?? 1;
  const intercept = num(pvt, 'x00281052') ?? num(top, 'x00281052') ?? 0;
  return {
    positionLps: pos ? [pos[0] as number, pos[1] as number, pos[2] as number] : null,
    orientationLps: ori && validOrientation(ori) ? (ori as FrameGeometry['orientationLps']) : null,
    pixelSpacingMm: spacing && spacing[0]! > 0 && spacing[1]! > 0 ? [spacing[0] as number, spacing[1] as number] : null,
    sliceThicknessMm: thickness !== null && thickness > 0 ? thickness : null,
    rescaleSlope: slope === 0 ? 1 : slope,
    rescaleIntercept: intercept,
  };
}

function validOrientation(o: number[]): boolean {
  const [a, b, c, d, e, f] = o as [number, number, number, number, number, number];
  const n1 = Math.hypot(a, b, c);
  const n2 = Math.hypot(d, e, f);
  const dot = a * d + b * e + c * f;
  return Math.abs(n1 - 1) < 0.01 && Math.abs(n2 - 1) < 0.01 && Math.abs(dot) < 0.01;
}

/**
 * The file meta header on its own. Read separately because, for deflated files, dicom-parser
 * merges meta elements into a dataset whose byte array is the inflated one, so their offsets
 * no longer point at their values.
 */
function readMeta(bytes: Uint8Array): DataSet {
  try {
    return dicomParser.readPart10Header(bytes);
  } catch (err) {
    throw new DicomIngestError('truncated', `file meta header is unreadable (${describeThrown(err)})`);
  }
}

function readTransferSyntax(bytes: Uint8Array): string {
  const uid = str(readMeta(bytes), 'x00020010');
  if (!uid) throw new DicomIngestError('missing-attribute', 'file meta header has no Transfer Syntax UID (0002,0010)');
  return uid;
}

/** Cheap pre-check used before reading a whole file: is this a DICOM Part 10 file at all? */
export function checkPart10Preamble(bytes: Uint8Array): void {
  if (bytes.length < 132) {
    throw new DicomIngestError('not-dicom', `file is ${bytes.length} bytes, too short for DICOM Part 10 (128-byte preamble + "DICM")`);
  }
  if (bytes[128] !== 0x44 || bytes[129] !== 0x49 || bytes[130] !== 0x43 || bytes[131] !== 0x4d) {
    throw new DicomIngestError('not-dicom', 'no "DICM" marker at byte 128: not a DICOM Part 10 file (wrong or missing preamble)');
  }
}

/** The transfer syntax UID a Part 10 file declares, or a DicomIngestError. */
export function part10TransferSyntax(bytes: Uint8Array): string {
  checkPart10Preamble(bytes);
  return readTransferSyntax(bytes);
}

/** Synchronous parse. Throws only DicomIngestError, whatever the bytes. */
export function parseDicomPart10(file: string, bytes: Uint8Array, options: ParseOptions = {}): DicomInstance {
  try {
    return parseUnchecked(file, bytes, options);
  } catch (err) {
    if (err instanceof DicomIngestError) throw err;
    // dicom-parser throws strings and {exception} objects; our own reads can hit RangeError on
    // hostile offsets. Translate once, here, so callers see one error type with a code.
    const r = rejection(file, err);
    throw new DicomIngestError(r.code, r.reason);
  }
}

function parseUnchecked(file: string, bytes: Uint8Array, options: ParseOptions): DicomInstance {
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  checkPart10Preamble(bytes);
  const tsUid = readTransferSyntax(bytes);
  const syntax = transferSyntaxInfo(tsUid);

  let ds: DataSet;
  try {
    ds = dicomParser.parseDicom(bytes, {
      vrCallback,
      ...(tsUid === DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN
        ? {
            inflater: (arr: Uint8Array, position: number) => {
              if (!options.inflateRawSync) {
                throw new DicomIngestError('unsupported', 'deflated transfer syntax needs an inflater (use parseDicomFile)');
              }
              const inflated = options.inflateRawSync(arr.subarray(position));
              if (inflated.length > limits.maxInflatedBytes) {
                throw new DicomIngestError('too-large', `deflated dataset inflates to more than ${limits.maxInflatedBytes} bytes`);
              }
              return inflated;
            },
          }
        : {}),
    } as dicomParser.ParseDicomOptions);
  } catch (err) {
    const inner = err && typeof err === 'object' && 'exception' in err ? (err as { exception: unknown }).exception : err;
    throw inner;
  }
  const data = ds.byteArray as Uint8Array;
  checkBounds(ds, data.length, 0);

  // Fallbacks for empty UIDs: SOP from the file meta, study/series from a hash of the
  // attributes that a human would use to tell studies and series apart.
  const meta = readMeta(bytes);
  const metaSop = str(meta, 'x00020003');
  const metaClass = str(meta, 'x00020002');
  const sopClassUid = str(ds, 'x00080016') || metaClass;
  let sopInstanceUid = str(ds, 'x00080018');
  let sopSource: UidSource = 'dataset';
  if (!sopInstanceUid && metaSop) {
    sopInstanceUid = metaSop;
    sopSource = 'file-meta';
  } else if (!sopInstanceUid) {
    sopInstanceUid = `derived-sop-${fnv1a64Bytes(bytes)}`;
    sopSource = 'derived';
  }
  const patientId = str(ds, 'x00100020');
  const studyDate = str(ds, 'x00080020');
  const modality = str(ds, 'x00080060');
  const seriesNumberRaw = num(ds, 'x00200011');
  const frameOfReferenceUid = str(ds, 'x00200052');
  let studyInstanceUid = str(ds, 'x0020000d');
  let studySource: UidSource = 'dataset';
  if (!studyInstanceUid) {
    studyInstanceUid = `derived-study-${fnv1a64Hex([patientId, str(ds, 'x00100010'), studyDate, str(ds, 'x00080030'), str(ds, 'x00080050'), str(ds, 'x00200010')])}`;
    studySource = 'derived';
  }
  const seriesDescription = str(ds, 'x0008103e');
  let seriesInstanceUid = str(ds, 'x0020000e');
  let seriesSource: UidSource = 'dataset';
  if (!seriesInstanceUid) {
    seriesInstanceUid = `derived-series-${fnv1a64Hex([studyInstanceUid, modality, String(seriesNumberRaw ?? ''), seriesDescription, frameOfReferenceUid, str(ds, 'x00080021'), str(ds, 'x00080031')])}`;
    seriesSource = 'derived';
  }

  const pixelElement = ds.elements.x7fe00010;
  const rows = us(ds, 'x00280010');
  const columns = us(ds, 'x00280011');
  if (!pixelElement || rows === null || columns === null) {
    const name = SOP_CLASS_NAMES[sopClassUid] ?? (sopClassUid ? `SOP class ${sopClassUid}` : 'unknown SOP class');
    throw new DicomIngestError('non-image', `not an image: ${name} has no pixel data to display`);
  }
  if (sopClassUid === '1.2.840.10008.5.1.4.1.1.66.4') {
    throw new DicomIngestError('non-image', 'a DICOM Segmentation, not an image series: load it as a segmentation in Anatomy');
  }
  if (rows === 0 || columns === 0) throw new DicomIngestError('missing-attribute', `image has ${rows} rows × ${columns} columns`);
  if (rows > limits.maxDimension || columns > limits.maxDimension) {
    throw new DicomIngestError('too-large', `image is ${columns}×${rows}, larger than the ${limits.maxDimension} pixel limit`);
  }
  const framesRaw = num(ds, 'x00280008');
  const numberOfFrames = framesRaw === null ? 1 : Math.round(framesRaw);
  if (numberOfFrames < 1) throw new DicomIngestError('missing-attribute', `Number of Frames is ${numberOfFrames}`);
  if (numberOfFrames > limits.maxFrames) {
    throw new DicomIngestError('too-large', `file has ${numberOfFrames} frames, more than the ${limits.maxFrames} frame limit`);
  }
  const samplesPerPixel = us(ds, 'x00280002') ?? 1;
  const bitsAllocated = us(ds, 'x00280100');
  if (bitsAllocated === null || ![1, 8, 16, 32].includes(bitsAllocated)) {
    throw new DicomIngestError('missing-attribute', `Bits Allocated is ${bitsAllocated ?? 'missing'} (expected 8, 16 or 32)`);
  }
  if (samplesPerPixel < 1 || samplesPerPixel > 4) throw new DicomIngestError('missing-attribute', `Samples per Pixel is ${samplesPerPixel}`);
  const bitsStored = us(ds, 'x00280101') ?? bitsAllocated;
  const frameBytes = (rows * columns * samplesPerPixel * bitsAllocated) / 8;
  if (frameBytes * numberOfFrames > limits.maxDecodedBytes) {
    throw new DicomIngestError(
      'too-large',
      `pixel data would decode to ${Math.round((frameBytes * numberOfFrames) / 1048576)} MB, above the ${Math.round(limits.maxDecodedBytes / 1048576)} MB limit`,
    );
  }
  const encapsulated = pixelElement.encapsulatedPixelData === true;
  if (!encapsulated && syntax.encoding === 'encapsulated' && isKnownTransferSyntax(tsUid)) {
    throw new DicomIngestError('bad-length', `transfer syntax ${syntax.name} needs encapsulated pixel data, but the pixel data is native`);
  }
  if (!encapsulated && pixelElement.length < Math.ceil(frameBytes * numberOfFrames)) {
    throw new DicomIngestError(
      'truncated',
      `pixel data holds ${pixelElement.length} bytes, but ${numberOfFrames} frame(s) of ${columns}×${rows}×${bitsAllocated} bits need ${Math.ceil(frameBytes * numberOfFrames)}`,
    );
  }
  if (encapsulated && (pixelElement.fragments?.length ?? 0) === 0) {
    throw new DicomIngestError('truncated', 'encapsulated pixel data has no fragments');
  }

  const shared = firstItem(ds, 'x52009229');
  const perFrameItems = ds.elements.x52009230?.items;
  const frames: FrameGeometry[] = [];
  for (let f = 0; f < numberOfFrames; f++) {
    frames.push(frameGeometry(shared, perFrameItems?.[f]?.dataSet, ds));
  }
  const pixelRepresentation = us(ds, 'x00280103') === 1 ? 1 : 0;

  return {
    file,
    byteLength: bytes.length,
    transferSyntax: syntax,
    sopClassUid,
    sopInstanceUid,
    studyInstanceUid,
    seriesInstanceUid,
    uidSource: { study: studySource, series: seriesSource, sop: sopSource },
    patientId,
    studyDate,
    studyDescription: str(ds, 'x00081030'),
    seriesDescription,
    modality,
    seriesNumber: seriesNumberRaw,
    instanceNumber: num(ds, 'x00200013'),
    frameOfReferenceUid,
    rows,
    columns,
    numberOfFrames,
    samplesPerPixel,
    bitsAllocated,
    bitsStored,
    pixelRepresentation,
    photometricInterpretation: str(ds, 'x00280004'),
    windowCenter: num(ds, 'x00281050') ?? num(firstItem(shared, 'x00289132'), 'x00281050'),
    windowWidth: num(ds, 'x00281051') ?? num(firstItem(shared, 'x00289132'), 'x00281051'),
    spacingBetweenSlicesMm: num(ds, 'x00180088'),
    frames,
    bytes: data,
    dataSet: ds,
  };
}

/** Inflates raw deflate with the platform's DecompressionStream, refusing output beyond maxBytes. */
export async function inflateRawBounded(deflated: Uint8Array, maxBytes: number): Promise<Uint8Array> {
  const stream = new Blob([deflated.slice()]).stream().pipeThrough(new DecompressionStream('deflate-raw'));
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > maxBytes) {
      await reader.cancel();
      throw new DicomIngestError('too-large', `deflated dataset inflates to more than ${maxBytes} bytes`);
    }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/**
 * Async parse for workers and browsers: same as parseDicomPart10, but inflates deflated
 * datasets with DecompressionStream (no zlib in a browser).
 */
export async function parseDicomFile(file: string, bytes: Uint8Array, options: ParseOptions = {}): Promise<DicomInstance> {
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  if (options.inflateRawSync) return parseDicomPart10(file, bytes, options);
  const tsUid = part10TransferSyntax(bytes);
  if (tsUid !== DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN) return parseDicomPart10(file, bytes, options);
  // dicom-parser asks for the inflated dataset synchronously; inflate first, then hand it over.
  let deflatedStart: number;
  try {
    deflatedStart = (dicomParser.readPart10Header(bytes) as DataSet & { position: number }).position;
  } catch (err) {
    const r = rejection(file, err);
    throw new DicomIngestError(r.code, r.reason);
  }
  let inflated: Uint8Array;
  try {
    inflated = await inflateRawBounded(bytes.subarray(deflatedStart), limits.maxInflatedBytes);
  } catch (err) {
    if (err instanceof DicomIngestError) throw err;
    throw new DicomIngestError('truncated', `deflated dataset does not inflate (${err instanceof Error ? err.message : String(err)})`);
  }
  return parseDicomPart10(file, bytes, { ...options, inflateRawSync: () => inflated });
}
