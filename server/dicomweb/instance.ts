// One stored DICOM file, parsed for the store: the UIDs and attributes QIDO indexes, its DICOM
// JSON metadata, and access to its frames. Unlike the viewer's ingest (src/ingest/dicom), a PACS
// accepts every SOP class (SR, SEG, presentation states), so non-images are fine here.
import dicomParser, { type DataSet } from 'dicom-parser';
import { inflateRawSync } from 'node:zlib';
import { checkPart10Preamble } from '../../core/dicom/parse';
import { DicomIngestError, rejection } from '../../core/dicom/errors';
import { DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN, IMPLICIT_VR_LITTLE_ENDIAN, transferSyntaxInfo } from '../../core/dicom/transferSyntax';
import { frameBytes } from '../../core/dicom/volume';
import type { DicomInstance } from '../../core/dicom/parse';
import { setTopLevelUids, derivedUid } from './uidRepair';
import { dataSetToDicomJson, implicitVrCallback, personNameText, type DicomJsonObject } from './dicomJson';

const UID = /^[0-9]+(\.[0-9]+)*$/;
/** Largest inflated dataset accepted from a deflated file (zip-bomb guard). */
const MAX_INFLATED_BYTES = 1024 * 1024 * 1024;

export interface ParsedStoreInstance {
  /** The file to store: the input, or a copy with empty UIDs filled in (see `filledIn`). */
  bytes: Uint8Array;
  /** Names of the UIDs that were empty in the dataset and were filled in. */
  filledIn: string[];
  studyUid: string;
  seriesUid: string;
  sopUid: string;
  sopClassUid: string;
  transferSyntaxUid: string;
  study: {
    patientId: string;
    patientName: string;
    patientBirthDate: string;
    patientSex: string;
    studyDate: string;
    studyTime: string;
    accessionNumber: string;
    studyId: string;
    studyDescription: string;
    referringPhysicianName: string;
  };
  series: { modality: string; seriesNumber: number | null; seriesDescription: string };
  instanceNumber: number | null;
  rows: number | null;
  columns: number | null;
  numberOfFrames: number | null;
  bitsAllocated: number | null;
  /** DICOM JSON with BulkDataURIs relative to the instance ("bulk/7FE00010"), resolved when served. */
  metadata: DicomJsonObject;
  /**
   * Where native little-endian frames sit in the file, so WADO can read one frame with a
   * positioned read instead of parsing the file; null for compressed, big-endian or deflated.
   */
  nativeFrames: { offset: number; frameBytes: number } | null;
  /**
   * Where each compressed frame's fragments sit in the file: per frame, [position, length, …]
   * pairs, so WADO reads a frame with positioned reads instead of parsing the whole file per
   * request; null when not encapsulated, deflated (positions are in the inflated data), or when
   * frames cannot be told apart without a codec.
   */
  encapsulatedFrames: number[][] | null;
}

export class StoreInputError extends Error {
  override name = 'StoreInputError';
  /** SOP Instance / Class UID of the refused instance when they could be read (for FailedSOPSequence). */
  readonly sopInstanceUid: string | undefined;
  readonly sopClassUid: string | undefined;
  constructor(message: string, sopInstanceUid?: string, sopClassUid?: string) {
    super(message);
    this.sopInstanceUid = sopInstanceUid;
    this.sopClassUid = sopClassUid;
  }
}

function validUid(v: string): boolean {
  return v.length > 0 && v.length <= 64 && UID.test(v);
}

/**
 * Study UID for a file without one: the attributes a person would use to tell studies apart.
 * When the file has no identifier at all (no PatientID, AccessionNumber or StudyID, as after
 * anonymisation) the Frame of Reference UID is added, so two anonymised scans taken on the same
 * day are not merged into one study.
 */
function derivedStudyUid(ds: DataSet): string {
  const ids = [str(ds, 'x00100020'), str(ds, 'x00080050'), str(ds, 'x00200010')];
  const parts = ['study', ...ids, str(ds, 'x00100010'), str(ds, 'x00100030'), str(ds, 'x00080020'), str(ds, 'x00080030')];
  if (ids.every((v) => v === '')) parts.push(str(ds, 'x00200052'));
  return derivedUid(parts);
}

/** Series UID for a file without one: its study and the attributes of the acquisition. */
function derivedSeriesUid(ds: DataSet, studyUid: string): string {
  return derivedUid(['series', studyUid, str(ds, 'x00080060'), str(ds, 'x00200011'), str(ds, 'x0008103e'), str(ds, 'x00200052'), str(ds, 'x00080021'), str(ds, 'x00080031')]);
}

function checkElementBounds(ds: DataSet): void {
  const data = ds.byteArray;
  for (const tag in ds.elements) {
    const el = ds.elements[tag]!;
    if (el.dataOffset + el.length > data.length) {
      throw new StoreInputError(`element (${tag.slice(1, 5)},${tag.slice(5)}) runs past the end of the file: the file is truncated`);
    }
  }
}

function str(ds: DataSet, tag: string): string {
  try {
    return (ds.string(tag) ?? '').replace(/\0/g, '').trim();
  } catch {
    return '';
  }
}

function intOrNull(ds: DataSet, tag: string): number | null {
  try {
    const v = ds.intString(tag);
    return v === undefined || !Number.isFinite(v) ? null : v;
  } catch {
    return null;
  }
}

function usOrNull(ds: DataSet, tag: string): number | null {
  const el = ds.elements[tag];
  if (!el || el.length < 2) return null;
  return ds.uint16(tag) ?? null;
}

/** Parses a whole Part 10 file. Throws StoreInputError naming the problem. */
export function parseDataSet(bytes: Uint8Array): DataSet {
  try {
    checkPart10Preamble(bytes);
    return dicomParser.parseDicom(bytes, {
      vrCallback: implicitVrCallback,
      inflater: (arr: Uint8Array, position: number) => new Uint8Array(inflateRawSync(arr.subarray(position), { maxOutputLength: MAX_INFLATED_BYTES })),
    } as dicomParser.ParseDicomOptions);
  } catch (err) {
    if (err instanceof DicomIngestError) throw new StoreInputError(err.message);
    throw new StoreInputError(rejection('', err).reason);
  }
}

/**
 * Parses a file for the store. Empty dataset UIDs are filled in and written into the file (see
 * uidRepair.ts): `bytes` of the result is what must be stored, and `filledIn` names what was set.
 * Throws StoreInputError naming the problem (and the SOP Instance UID when it is known).
 */
export function parseForStore(original: Uint8Array): ParsedStoreInstance {
  let bytes = original;
  let ds = parseDataSet(bytes);
  checkElementBounds(ds);
  // Meta elements are read from the header itself (see readMeta in src/ingest/dicom/parse.ts).
  const meta = dicomParser.readPart10Header(bytes);
  const tsUid = str(meta, 'x00020010');
  const ts = transferSyntaxInfo(tsUid);
  const sopUid = str(ds, 'x00080018') || str(meta, 'x00020003');
  const sopClassUid = str(ds, 'x00080016') || str(meta, 'x00020002');
  const fail = (message: string): StoreInputError => new StoreInputError(message, validUid(sopUid) ? sopUid : undefined, validUid(sopClassUid) ? sopClassUid : undefined);
  const badSop = [
    ['SOP Instance UID (0008,0018)', sopUid],
    ['SOP Class UID (0008,0016)', sopClassUid],
  ].filter(([, v]) => !validUid(v!));
  if (badSop.length > 0) throw fail(`missing or invalid ${badSop.map(([n]) => n).join(', ')} (also in the file meta): a PACS needs them to index the instance`);
  const studyUidIn = str(ds, 'x0020000d');
  const seriesUidIn = str(ds, 'x0020000e');
  const badGiven = [
    ['Study Instance UID (0020,000D)', studyUidIn],
    ['Series Instance UID (0020,000E)', seriesUidIn],
  ].filter(([, v]) => v !== '' && !validUid(v!));
  if (badGiven.length > 0) throw fail(`SOP Instance UID ${sopUid}: invalid ${badGiven.map(([n]) => n).join(', ')}`);
  const studyUid = studyUidIn || derivedStudyUid(ds);
  const seriesUid = seriesUidIn || derivedSeriesUid(ds, studyUid);
  const fill: { tag: string; value: string; name: string }[] = [];
  if (!str(ds, 'x00080016')) fill.push({ tag: 'x00080016', value: sopClassUid, name: 'SOP Class UID' });
  if (!str(ds, 'x00080018')) fill.push({ tag: 'x00080018', value: sopUid, name: 'SOP Instance UID' });
  if (!studyUidIn) fill.push({ tag: 'x0020000d', value: studyUid, name: 'Study Instance UID' });
  if (!seriesUidIn) fill.push({ tag: 'x0020000e', value: seriesUid, name: 'Series Instance UID' });
  if (fill.length > 0) {
    if (!ts.littleEndian || ts.deflated) {
      throw fail(`SOP Instance UID ${sopUid}: missing ${fill.map((f) => f.name).join(', ')}, and UIDs cannot be filled into a ${ts.deflated ? 'deflated' : 'big-endian'} file`);
    }
    bytes = setTopLevelUids(bytes, ds, tsUid !== IMPLICIT_VR_LITTLE_ENDIAN, fill);
    ds = parseDataSet(bytes);
    checkElementBounds(ds);
  }
  const pixel = ds.elements.x7fe00010;
  const rows = usOrNull(ds, 'x00280010');
  const columns = usOrNull(ds, 'x00280011');
  const bitsAllocated = usOrNull(ds, 'x00280100');
  const frames = intOrNull(ds, 'x00280008') ?? 1;
  const frameBytes = rows !== null && columns !== null && bitsAllocated !== null ? (rows * columns * (usOrNull(ds, 'x00280002') ?? 1) * bitsAllocated) / 8 : 0;
  const nativeFrames =
    pixel && !pixel.encapsulatedPixelData && ts.encoding === 'native' && ts.littleEndian && !ts.deflated && Number.isInteger(frameBytes) && frameBytes > 0 && pixel.length >= frameBytes * frames
      ? { offset: pixel.dataOffset, frameBytes }
      : null;
  const encapsulatedFrames = pixel?.encapsulatedPixelData && !ts.deflated ? fragmentRanges(ds, pixel, frames) : null;
  const base = 'bulk';
  const metadata = dataSetToDicomJson(ds, { bulkDataUri: (tag) => `${base}/${tag.slice(1).toUpperCase()}` });
  // The file meta is not part of DICOM JSON, but viewers need the stored syntax to pick a codec
  // (or to say it is unsupported): AvailableTransferSyntaxUID, as Orthanc also reports it.
  if (tsUid) metadata['00083002'] = { vr: 'UI', Value: [tsUid] };
  const patientName = metadata['00100010']?.Value?.[0];
  return {
    bytes,
    filledIn: fill.map((f) => f.name),
    studyUid,
    seriesUid,
    sopUid,
    sopClassUid,
    transferSyntaxUid: tsUid,
    study: {
      patientId: str(ds, 'x00100020'),
      patientName: personNameText(patientName),
      patientBirthDate: str(ds, 'x00100030'),
      patientSex: str(ds, 'x00100040'),
      studyDate: str(ds, 'x00080020'),
      studyTime: str(ds, 'x00080030'),
      accessionNumber: str(ds, 'x00080050'),
      studyId: str(ds, 'x00200010'),
      studyDescription: str(ds, 'x00081030'),
      referringPhysicianName: str(ds, 'x00080090'),
    },
    series: { modality: str(ds, 'x00080060'), seriesNumber: intOrNull(ds, 'x00200011'), seriesDescription: str(ds, 'x0008103e') },
    instanceNumber: intOrNull(ds, 'x00200013'),
    rows,
    columns,
    numberOfFrames: intOrNull(ds, 'x00280008') ?? (pixel ? 1 : null),
    bitsAllocated,
    metadata,
    nativeFrames,
    encapsulatedFrames,
  };
}

/**
 * Fragment positions per frame, the same grouping as frameBytes() in src/ingest/dicom/volume.ts
 * (one frame: all fragments; as many fragments as frames: one each; otherwise the Basic Offset
 * Table, or the one dicom-parser builds from JPEG markers). Null where that grouping fails.
 */
function fragmentRanges(ds: DataSet, pixel: dicomParser.Element, numberOfFrames: number): number[][] | null {
  const fragments = pixel.fragments ?? [];
  if (fragments.length === 0 || numberOfFrames < 1) return null;
  const pairs = (from: number, to: number): number[] => fragments.slice(from, to).flatMap((f) => [f.position, f.length]);
  if (numberOfFrames === 1) return [pairs(0, fragments.length)];
  const table = pixel.basicOffsetTable && pixel.basicOffsetTable.length > 0 ? pixel.basicOffsetTable : undefined;
  if (!table && fragments.length === numberOfFrames) return fragments.map((_, i) => pairs(i, i + 1));
  let bot: number[];
  try {
    bot = table ?? dicomParser.createJPEGBasicOffsetTable(ds, pixel);
  } catch {
    return null;
  }
  if (bot.length !== numberOfFrames) return null;
  const starts = bot.map((offset) => fragments.findIndex((f) => f.offset === offset));
  if (starts.some((i) => i < 0)) return null;
  return starts.map((start, k) => pairs(start, k + 1 < starts.length ? starts[k + 1]! : fragments.length));
}

export interface StoredFrame {
  /** Frame bytes as stored: native frames in little endian, compressed frames as their codestream. */
  bytes: Uint8Array;
  /** The transfer syntax those bytes are in. */
  transferSyntaxUid: string;
}

/** Frames (1-based numbers) of a stored file, in the form WADO-RS serves them. */
export function readFrames(fileBytes: Uint8Array, frameNumbers: readonly number[]): StoredFrame[] {
  const ds = parseDataSet(fileBytes);
  const tsUid = str(dicomParser.readPart10Header(fileBytes), 'x00020010');
  const ts = transferSyntaxInfo(tsUid);
  const rows = usOrNull(ds, 'x00280010');
  const columns = usOrNull(ds, 'x00280011');
  const bitsAllocated = usOrNull(ds, 'x00280100');
  const pixel = ds.elements.x7fe00010;
  if (!pixel || rows === null || columns === null || bitsAllocated === null) throw new StoreInputError('the instance has no pixel data');
  const numberOfFrames = intOrNull(ds, 'x00280008') ?? 1;
  const view: Pick<DicomInstance, 'file' | 'dataSet' | 'bytes' | 'numberOfFrames' | 'rows' | 'columns' | 'samplesPerPixel' | 'bitsAllocated'> = {
    file: 'stored instance',
    dataSet: ds,
    bytes: ds.byteArray as Uint8Array,
    numberOfFrames,
    rows,
    columns,
    samplesPerPixel: usOrNull(ds, 'x00280002') ?? 1,
    bitsAllocated,
  };
  return frameNumbers.map((n) => {
    if (!Number.isInteger(n) || n < 1 || n > numberOfFrames) throw new StoreInputError(`frame ${n} does not exist (the instance has ${numberOfFrames})`);
    const raw = frameBytes(view as DicomInstance, n - 1);
    if (ts.encoding === 'encapsulated') return { bytes: raw, transferSyntaxUid: tsUid };
    if (!ts.littleEndian && bitsAllocated > 8) {
      // Big endian native → little endian, the byte order application/octet-stream frames use.
      const swapped = new Uint8Array(raw.length);
      const width = bitsAllocated / 8;
      for (let i = 0; i < raw.length; i += width) for (let b = 0; b < width; b++) swapped[i + b] = raw[i + width - 1 - b]!;
      return { bytes: swapped, transferSyntaxUid: '1.2.840.10008.1.2.1' };
    }
    // Implicit/explicit/deflated little endian all yield the same raw little-endian frame.
    return { bytes: raw, transferSyntaxUid: tsUid === DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN ? '1.2.840.10008.1.2.1' : tsUid };
  });
}

/** Value bytes of a top-level element ("7FE00010" form), for BulkDataURI retrieval. */
export function readBulk(fileBytes: Uint8Array, tag: string): Uint8Array | null {
  const ds = parseDataSet(fileBytes);
  const el = ds.elements[`x${tag.toLowerCase()}`];
  if (!el || el.encapsulatedPixelData) return null;
  return (ds.byteArray as Uint8Array).subarray(el.dataOffset, el.dataOffset + el.length);
}
