// DICOM Segmentation objects (SOP class 1.2.840.10008.5.1.4.1.1.66.4) ↔ LabelVolume, with dcmjs
// for the DICOM encoding. Environment-neutral: bytes in, bytes out.
//
// Read: BINARY (1 bit per pixel, packed across frame boundaries, least significant bit first) and
// FRACTIONAL (8 bits, occupancy ≥ 50% of MaximumFractionalValue counts as inside) segments; each
// frame is placed by its own ImagePositionPatient, so frames may come in any order and only where
// a segment is present. Segments may overlap (issue 17: a 6.31 mL structure read as 4.2 mL when the
// higher segment number won): each segment goes to the first label-map layer where it overlaps no
// other segment (LabelVolume.overlapLayers), so every segment keeps all its voxels. Segment codes
// (category, type, modifier, anatomic region), algorithm type and name are kept as read, and the
// SEG's references (series, frame of reference) and patient/study identity come back in `seg`.
//
// Write: one BINARY frame per segment per slice that contains it, on the LabelVolume's grid (every
// layer), with the segments' own codes (or codes from their names, `codesForName`), references to
// the source CT instances and its patient/study identity when a reference series is given, so other
// viewers (OHIF, 3D Slicer, Cornerstone3D) place it on that CT and file it under that patient.
import dcmjs from 'dcmjs';
import {
  type CodedConcept,
  type LabelArray,
  type LabelVolume,
  type SegmentAlgorithmType,
  type SegmentInfo,
  type Vec3,
  type VolumeGeometry,
  labelLayer,
  layerCount,
  sameGrid,
} from '../../core/domain/imaging';
import { codesForName, colourFor } from './labelTable';

export const SEG_SOP_CLASS_UID = '1.2.840.10008.5.1.4.1.1.66.4';
const EXPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2.1';
/** Implicit LE, explicit LE, deflated explicit LE, explicit BE (PS3.5 §A). */
const NATIVE_TRANSFER_SYNTAXES = new Set(['1.2.840.10008.1.2', '1.2.840.10008.1.2.1', '1.2.840.10008.1.2.1.99', '1.2.840.10008.1.2.2']);
/** UID root for Twinscope-generated objects: 2.25 + a random 128-bit integer (ISO/IEC 9834-8 UUID-derived). */
export function newUid(): string {
  return dcmjs.data.DicomMetaDictionary.uid();
}

type Dataset = Record<string, unknown>;

function items(x: unknown): Dataset[] {
  if (x === undefined || x === null) return [];
  return (Array.isArray(x) ? x : [x]) as Dataset[];
}

function numbers(x: unknown, what: string, count: number): number[] {
  const arr = (Array.isArray(x) ? x : [x]).map((v) => Number(v));
  if (arr.length < count || arr.slice(0, count).some((v) => !Number.isFinite(v))) {
    throw new Error(`DICOM-SEG ${what} is missing or not ${count} numbers`);
  }
  return arr.slice(0, count);
}

/** The first item of a functional-group macro, looked up per frame then in the shared group. */
function group(perFrame: Dataset | undefined, shared: Dataset | undefined, macro: string): Dataset | undefined {
  return items(perFrame?.[macro])[0] ?? items(shared?.[macro])[0];
}

function cross(a: Vec3, b: Vec3): Vec3 {
  return [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
}
const dot = (a: Vec3, b: Vec3): number => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];

export interface ReadSegOptions {
  /** Place frames on this grid (e.g. the loaded CT's); without it the grid is built from the frames. */
  referenceGeometry?: VolumeGeometry;
  sourceId?: string;
}

/** What a SEG says about itself and the images it segments (for identity checks and plan references). */
export interface SegHeader {
  sopInstanceUid: string;
  seriesInstanceUid: string;
  studyInstanceUid: string;
  frameOfReferenceUid: string;
  /** ReferencedSeriesSequence: the source series (usually one). */
  referencedSeriesUids: string[];
  patient: { name: string; id: string; birthDate: string; sex: string };
  seriesDescription: string;
}

export type ReadSeg = LabelVolume & { seg: SegHeader };

function code(item: Dataset | undefined): CodedConcept | undefined {
  if (item === undefined) return undefined;
  const value = item.CodeValue ?? item.LongCodeValue ?? item.URNCodeValue;
  if (value === undefined || value === '') return undefined;
  return { code: String(value), scheme: String(item.CodingSchemeDesignator ?? ''), meaning: String(item.CodeMeaning ?? '') };
}

function codeItem(c: CodedConcept): Dataset {
  return { CodeValue: c.code, CodingSchemeDesignator: c.scheme, CodeMeaning: c.meaning.slice(0, 64) };
}

function personName(x: unknown): string {
  // dcmjs naturalizes PN as [{ Alphabetic: 'Doe^Jane' }] (newer) or a plain string (older).
  const v = Array.isArray(x) ? x[0] : x;
  if (v !== null && typeof v === 'object') return String((v as { Alphabetic?: unknown }).Alphabetic ?? '');
  return v === undefined || v === null ? '' : String(v);
}

const ALGORITHM_TYPES = new Set<SegmentAlgorithmType>(['MANUAL', 'SEMIAUTOMATIC', 'AUTOMATIC']);

export function readDicomSeg(bytes: ArrayBuffer, options: ReadSegOptions = {}): ReadSeg {
  let ds: Dataset;
  let transferSyntax: string;
  try {
    const file = dcmjs.data.DicomMessage.readFile(bytes);
    ds = dcmjs.data.DicomMetaDictionary.naturalizeDataset(file.dict);
    transferSyntax = String(dcmjs.data.DicomMetaDictionary.naturalizeDataset(file.meta).TransferSyntaxUID ?? '');
  } catch (e) {
    throw new Error(`not a readable DICOM file: ${e instanceof Error ? e.message : String(e)}`);
  }
  // Native (uncompressed) pixel data only; dcmjs inflates deflated files itself. An RLE or JPEG
  // encapsulated SEG would otherwise be decoded as garbage from its first fragment.
  if (!NATIVE_TRANSFER_SYNTAXES.has(transferSyntax)) {
    throw new Error(`DICOM-SEG transfer syntax ${transferSyntax} is compressed; only native (uncompressed) segmentations are supported`);
  }
  if (ds.SOPClassUID !== SEG_SOP_CLASS_UID) {
    throw new Error(`not a DICOM Segmentation: SOP class is ${String(ds.SOPClassUID ?? 'missing')}, expected ${SEG_SOP_CLASS_UID}`);
  }
  const rows = Number(ds.Rows);
  const cols = Number(ds.Columns);
  const frames = Number(ds.NumberOfFrames ?? 1);
  if (!(rows > 0 && cols > 0 && frames > 0)) throw new Error('DICOM-SEG has no Rows, Columns or NumberOfFrames');
  const type = String(ds.SegmentationType ?? '');
  if (type !== 'BINARY' && type !== 'FRACTIONAL') throw new Error(`DICOM-SEG SegmentationType "${type}" is not BINARY or FRACTIONAL`);
  const maxFrac = Number(ds.MaximumFractionalValue ?? 255);

  const segItems = items(ds.SegmentSequence);
  if (segItems.length === 0) throw new Error('DICOM-SEG has an empty SegmentSequence');
  const segments: SegmentInfo[] = segItems.map((s) => {
    const label = Number(s.SegmentNumber);
    if (!Number.isInteger(label) || label < 1 || label > 65535) throw new Error(`DICOM-SEG SegmentNumber "${String(s.SegmentNumber)}" is not 1–65535`);
    const name = String(s.SegmentLabel ?? `segment ${label}`);
    const typeItem = items(s.SegmentedPropertyTypeCodeSequence)[0];
    const algorithmType = String(s.SegmentAlgorithmType ?? '') as SegmentAlgorithmType;
    const lab = s.RecommendedDisplayCIELabValue;
    const colorRgb: [number, number, number] =
      Array.isArray(lab) && lab.length === 3
        ? (dcmjs.data.Colors.dicomlab2RGB(lab.map(Number)).map((c: number) => Math.round(Math.min(1, Math.max(0, c)) * 255)) as [number, number, number])
        : colourFor(label, name);
    const info: SegmentInfo = { label, name, colorRgb };
    const category = code(items(s.SegmentedPropertyCategoryCodeSequence)[0]);
    const typeCode = code(typeItem);
    // The modifier sits inside the type item (PS3.3 C.8.20.2, since 2017); older files put it beside.
    const modifier = code(items(typeItem?.SegmentedPropertyTypeModifierCodeSequence ?? s.SegmentedPropertyTypeModifierCodeSequence)[0]);
    const region = code(items(s.AnatomicRegionSequence)[0]);
    if (category) info.category = category;
    if (typeCode) info.type = typeCode;
    if (modifier) info.typeModifier = modifier;
    if (region) info.anatomicRegion = region;
    if (ALGORITHM_TYPES.has(algorithmType)) info.algorithmType = algorithmType;
    if (s.SegmentAlgorithmName !== undefined && s.SegmentAlgorithmName !== '') info.algorithmName = String(s.SegmentAlgorithmName);
    return info;
  });
  if (new Set(segments.map((s) => s.label)).size !== segments.length) throw new Error('DICOM-SEG SegmentSequence repeats a SegmentNumber');
  const maxLabel = Math.max(...segments.map((s) => s.label));

  const shared = items(ds.SharedFunctionalGroupsSequence)[0];
  const perFrame = items(ds.PerFrameFunctionalGroupsSequence);
  if (perFrame.length !== frames) throw new Error(`DICOM-SEG has ${frames} frames but ${perFrame.length} per-frame functional groups`);
  const frameInfo = perFrame.map((pf, f) => {
    const pos = numbers(group(pf, shared, 'PlanePositionSequence')?.ImagePositionPatient, `frame ${f + 1} ImagePositionPatient`, 3) as Vec3;
    const iop = numbers(group(pf, shared, 'PlaneOrientationSequence')?.ImageOrientationPatient, `frame ${f + 1} ImageOrientationPatient`, 6);
    const segment = Number(group(pf, shared, 'SegmentIdentificationSequence')?.ReferencedSegmentNumber);
    if (!segments.some((s) => s.label === segment)) throw new Error(`DICOM-SEG frame ${f + 1} refers to segment ${segment}, which is not in SegmentSequence`);
    return { pos, iop, segment };
  });
  const measures = group(perFrame[0], shared, 'PixelMeasuresSequence');
  const pixelSpacing = numbers(measures?.PixelSpacing, 'PixelSpacing', 2); // [between rows, between columns]

  const geometry = options.referenceGeometry ?? geometryFromFrames(frameInfo, rows, cols, pixelSpacing, measures);
  const [nI, nJ, nK] = geometry.dimensions;
  if (nI !== cols || nJ !== rows) {
    throw new Error(`DICOM-SEG frames are ${cols}×${rows} but the reference grid is ${nI}×${nJ}; resample the reference or the SEG first`);
  }
  const iDir: Vec3 = [geometry.directionLps[0], geometry.directionLps[1], geometry.directionLps[2]];
  const jDir: Vec3 = [geometry.directionLps[3], geometry.directionLps[4], geometry.directionLps[5]];
  const kDir: Vec3 = [geometry.directionLps[6], geometry.directionLps[7], geometry.directionLps[8]];

  const pixelData = items(ds.PixelData)[0] as unknown;
  if (!(pixelData instanceof ArrayBuffer)) throw new Error('DICOM-SEG has no uncompressed PixelData');
  const px = new Uint8Array(pixelData);
  const framePixels = rows * cols;
  const needBytes = type === 'BINARY' ? Math.ceil((frames * framePixels) / 8) : frames * framePixels;
  if (px.length < needBytes) throw new Error(`DICOM-SEG PixelData holds ${px.length} bytes, ${needBytes} needed for ${frames} frames`);

  const n = nI * nJ * nK;
  const newLayer = (): LabelArray => (maxLabel <= 255 ? new Uint8Array(n) : new Uint16Array(n));
  const layers: LabelArray[] = [newLayer()];
  const tolMm = 0.01 * Math.min(geometry.spacingMm[0], geometry.spacingMm[1]) + 1e-3;
  const sliceOf = frameInfo.map(({ pos, iop }, f) => {
    if (Math.abs(dot(iop.slice(0, 3) as Vec3, iDir) - 1) > 1e-3 || Math.abs(dot(iop.slice(3, 6) as Vec3, jDir) - 1) > 1e-3) {
      throw new Error(`DICOM-SEG frame ${f + 1} is not oriented like the reference grid; resample it first`);
    }
    const rel: Vec3 = [pos[0] - geometry.originLps[0], pos[1] - geometry.originLps[1], pos[2] - geometry.originLps[2]];
    const kf = dot(rel, kDir) / geometry.spacingMm[2];
    const k = Math.round(kf);
    if (Math.abs(dot(rel, iDir)) > tolMm || Math.abs(dot(rel, jDir)) > tolMm || Math.abs(kf - k) > 0.05 || k < 0 || k >= nK) {
      throw new Error(`DICOM-SEG frame ${f + 1} at (${pos.map((x) => x.toFixed(2)).join(', ')}) is not on a slice of the reference grid`);
    }
    return k;
  });
  const cut = 0.5 * maxFrac;
  const inside = (f: number, p: number): boolean => {
    const at = f * framePixels + p;
    if (type === 'BINARY') return ((px[at >> 3]! >> (at & 7)) & 1) === 1;
    return px[at]! >= cut && px[at]! > 0;
  };
  // Each segment goes to the first layer where none of its voxels is taken (one pass to test, one
  // to write); a segment that overlaps every layer opens a new one. Nothing is cut.
  const framesOf = new Map<number, number[]>();
  frameInfo.forEach((fi, f) => framesOf.set(fi.segment, [...(framesOf.get(fi.segment) ?? []), f]));
  for (const seg of segments) {
    const fs = framesOf.get(seg.label) ?? [];
    let layer = 0;
    for (; layer < layers.length; layer++) {
      const a = layers[layer]!;
      let free = true;
      for (const f of fs) {
        const base = sliceOf[f]! * framePixels;
        for (let p = 0; p < framePixels; p++) {
          if (a[base + p] !== 0 && a[base + p] !== seg.label && inside(f, p)) {
            free = false;
            break;
          }
        }
        if (!free) break;
      }
      if (free) break;
    }
    if (layer === layers.length) layers.push(newLayer());
    const a = layers[layer]!;
    for (const f of fs) {
      const base = sliceOf[f]! * framePixels;
      for (let p = 0; p < framePixels; p++) if (inside(f, p)) a[base + p] = seg.label;
    }
    if (layer > 0) seg.layer = layer;
  }
  const firstRef = items(ds.ReferencedSeriesSequence);
  return {
    ...geometry,
    labels: layers[0]!,
    ...(layers.length > 1 ? { overlapLayers: layers.slice(1) } : {}),
    segments: segments.sort((a, b) => a.label - b.label),
    source: { kind: 'dicom-seg', id: options.sourceId ?? String(ds.SOPInstanceUID ?? 'dicom-seg'), description: String(ds.SeriesDescription ?? '') },
    seg: {
      sopInstanceUid: String(ds.SOPInstanceUID ?? ''),
      seriesInstanceUid: String(ds.SeriesInstanceUID ?? ''),
      studyInstanceUid: String(ds.StudyInstanceUID ?? ''),
      frameOfReferenceUid: String(ds.FrameOfReferenceUID ?? ''),
      referencedSeriesUids: firstRef.map((r) => String(r.SeriesInstanceUID ?? '')).filter((u) => u !== ''),
      patient: { name: personName(ds.PatientName), id: String(ds.PatientID ?? ''), birthDate: String(ds.PatientBirthDate ?? ''), sex: String(ds.PatientSex ?? '') },
      seriesDescription: String(ds.SeriesDescription ?? ''),
    },
  };
}

function geometryFromFrames(
  frames: Array<{ pos: Vec3; iop: number[] }>,
  rows: number,
  cols: number,
  pixelSpacing: number[],
  measures: Dataset | undefined,
): VolumeGeometry {
  const iop = frames[0]!.iop;
  const iDir: Vec3 = [iop[0]!, iop[1]!, iop[2]!];
  const jDir: Vec3 = [iop[3]!, iop[4]!, iop[5]!];
  const kDir = cross(iDir, jDir);
  const heights = [...new Set(frames.map((f) => Math.round(dot(f.pos, kDir) * 1000) / 1000))].sort((a, b) => a - b);
  let spacing = Number(measures?.SpacingBetweenSlices);
  if (!(spacing > 0)) {
    const gaps = heights.slice(1).map((h, i) => h - heights[i]!).sort((a, b) => a - b);
    spacing = gaps.length > 0 ? gaps[0]! : Number(measures?.SliceThickness) || 1;
  }
  const lowest = frames.reduce((best, f) => (dot(f.pos, kDir) < dot(best.pos, kDir) ? f : best));
  const nK = Math.round((heights[heights.length - 1]! - heights[0]!) / spacing) + 1;
  return {
    dimensions: [cols, rows, nK],
    spacingMm: [pixelSpacing[1]!, pixelSpacing[0]!, spacing],
    originLps: [lowest.pos[0], lowest.pos[1], lowest.pos[2]],
    directionLps: [...iDir, ...jDir, ...kDir] as VolumeGeometry['directionLps'],
  };
}

/** What a SEG needs to know about the CT it segments, so viewers can attach it to that series. */
export interface ReferenceSeries {
  geometry: VolumeGeometry;
  studyInstanceUid: string;
  seriesInstanceUid: string;
  frameOfReferenceUid: string;
  /** SOP class of the CT instances (CT Image Storage 1.2.840.10008.5.1.4.1.1.2 usually). */
  sopClassUid: string;
  /** SOP instance UID of slice k of the geometry, for k = 0 … nK−1. */
  sopInstanceUids: string[];
  patient?: { name?: string; id?: string; birthDate?: string; sex?: string };
  study?: { date?: string; time?: string; id?: string; accessionNumber?: string };
}

export interface WriteSegOptions {
  reference?: ReferenceSeries;
  seriesDescription?: string;
  /** 'MANUAL' | 'SEMIAUTOMATIC' | 'AUTOMATIC' (DICOM PS3.3 C.8.20.2). */
  algorithmType?: 'MANUAL' | 'SEMIAUTOMATIC' | 'AUTOMATIC';
  creator?: string;
  /** UIDs for the new SEG series / instance (fresh ones when absent), so a plan can reference them. */
  seriesInstanceUid?: string;
  sopInstanceUid?: string;
  /** BINARY (default, 1 bit per pixel) or FRACTIONAL (8 bits; written as 0 or 255 occupancy). */
  segmentationType?: 'BINARY' | 'FRACTIONAL';
}

export function writeDicomSeg(volume: LabelVolume, options: WriteSegOptions = {}): ArrayBuffer {
  const ref = options.reference;
  if (ref !== undefined) {
    if (!sameGrid(volume, ref.geometry)) throw new Error('the segmentation is not on the reference series grid; resample it onto the CT before saving');
    if (ref.sopInstanceUids.length !== volume.dimensions[2]) {
      throw new Error(`reference series lists ${ref.sopInstanceUids.length} instances for ${volume.dimensions[2]} slices`);
    }
  }
  const [nI, nJ, nK] = volume.dimensions;
  const framePixels = nI * nJ;
  const d = volume.directionLps;
  const segs = volume.segments.filter((s) => s.label > 0);
  if (segs.length === 0) throw new Error('the segmentation has no segments to save');
  if (new Set(segs.map((s) => s.label)).size !== segs.length) throw new Error('two segments share a label; each segment needs its own number');
  for (const s of segs) if ((s.layer ?? 0) >= layerCount(volume)) throw new Error(`segment "${s.name}" is in label layer ${s.layer ?? 0}, which the segmentation does not have`);
  // Frames: for each segment, each slice where it has voxels (in the segment's own layer).
  const frames: Array<{ segment: number; k: number; layer: LabelArray }> = [];
  for (const s of segs) {
    const layer = labelLayer(volume, s.layer ?? 0);
    for (let k = 0; k < nK; k++) {
      const base = k * framePixels;
      for (let p = 0; p < framePixels; p++) {
        if (layer[base + p] === s.label) {
          frames.push({ segment: s.label, k, layer });
          break;
        }
      }
    }
  }
  if (frames.length === 0) throw new Error('every segment of the segmentation is empty');
  const fractional = options.segmentationType === 'FRACTIONAL';
  const bits = new Uint8Array(fractional ? frames.length * framePixels : Math.ceil((frames.length * framePixels) / 8));
  frames.forEach((fr, f) => {
    const base = fr.k * framePixels;
    const bitBase = f * framePixels;
    const layer = fr.layer;
    for (let p = 0; p < framePixels; p++) {
      if (layer[base + p] !== fr.segment) continue;
      if (fractional) {
        bits[bitBase + p] = 255;
      } else {
        const bit = bitBase + p;
        bits[bit >> 3] = bits[bit >> 3]! | (1 << (bit & 7));
      }
    }
  });
  const padded = new Uint8Array(bits.length + (bits.length % 2)); // even length (PS3.5 §7.1)
  padded.set(bits);

  const now = new Date();
  const date = now.toISOString().slice(0, 10).replace(/-/g, '');
  const time = now.toISOString().slice(11, 19).replace(/:/g, '');
  const sopInstanceUid = options.sopInstanceUid ?? newUid();
  const positionOf = (k: number): Vec3 => [
    volume.originLps[0] + k * volume.spacingMm[2] * d[6],
    volume.originLps[1] + k * volume.spacingMm[2] * d[7],
    volume.originLps[2] + k * volume.spacingMm[2] * d[8],
  ];
  const dataset: Dataset = {
    SOPClassUID: SEG_SOP_CLASS_UID,
    SOPInstanceUID: sopInstanceUid,
    // `||`: archives with empty UIDs (see referenceSeries.ts) must still get valid ones here.
    StudyInstanceUID: ref?.studyInstanceUid || newUid(),
    SeriesInstanceUID: options.seriesInstanceUid ?? newUid(),
    FrameOfReferenceUID: ref?.frameOfReferenceUid || newUid(),
    Modality: 'SEG',
    SeriesNumber: 300,
    InstanceNumber: 1,
    SeriesDescription: options.seriesDescription ?? 'Twinscope segmentation',
    PatientName: ref?.patient?.name ?? '',
    PatientID: ref?.patient?.id ?? '',
    PatientBirthDate: ref?.patient?.birthDate ?? '',
    PatientSex: ref?.patient?.sex ?? '',
    StudyDate: ref?.study?.date || date,
    StudyTime: ref?.study?.time || time,
    StudyID: ref?.study?.id ?? '',
    AccessionNumber: ref?.study?.accessionNumber ?? '',
    ReferringPhysicianName: '',
    Manufacturer: 'Twinscope',
    ManufacturerModelName: 'Twinscope meshing',
    DeviceSerialNumber: '1',
    SoftwareVersions: '0.1.0',
    ContentDate: date,
    ContentTime: time,
    ContentLabel: 'SEGMENTATION',
    ContentDescription: options.seriesDescription ?? 'Twinscope segmentation',
    ContentCreatorName: options.creator ?? '',
    ImageType: ['DERIVED', 'PRIMARY'],
    SamplesPerPixel: 1,
    PhotometricInterpretation: 'MONOCHROME2',
    Rows: nJ,
    Columns: nI,
    BitsAllocated: fractional ? 8 : 1,
    BitsStored: fractional ? 8 : 1,
    HighBit: fractional ? 7 : 0,
    PixelRepresentation: 0,
    LossyImageCompression: '00',
    SegmentationType: fractional ? 'FRACTIONAL' : 'BINARY',
    ...(fractional ? { SegmentationFractionalType: 'PROBABILITY', MaximumFractionalValue: 255 } : {}),
    NumberOfFrames: frames.length,
    DimensionOrganizationSequence: [{ DimensionOrganizationUID: newUid() }],
    SegmentSequence: segs.map((s) => {
      // The segment's own codes as read (issue 17: saving replaced them with generic ones), else
      // codes looked up from its name; its own algorithm type, else the caller's.
      const named = codesForName(s.name);
      const category = s.category ?? named.category;
      const typeCode = s.type ?? named.type;
      const algorithmType = s.algorithmType ?? options.algorithmType ?? 'SEMIAUTOMATIC';
      return {
        SegmentNumber: s.label,
        SegmentLabel: s.name.slice(0, 64),
        SegmentAlgorithmType: algorithmType,
        ...(algorithmType === 'MANUAL' ? {} : { SegmentAlgorithmName: (s.algorithmName ?? 'Twinscope').slice(0, 64) }),
        SegmentedPropertyCategoryCodeSequence: [codeItem(category)],
        SegmentedPropertyTypeCodeSequence: [
          { ...codeItem(typeCode), ...(s.typeModifier ? { SegmentedPropertyTypeModifierCodeSequence: [codeItem(s.typeModifier)] } : {}) },
        ],
        ...(s.anatomicRegion ? { AnatomicRegionSequence: [codeItem(s.anatomicRegion)] } : {}),
        RecommendedDisplayCIELabValue: dcmjs.data.Colors.rgb2DICOMLAB(s.colorRgb.map((c) => c / 255)).map((x: number) => Math.round(x)),
      };
    }),
    SharedFunctionalGroupsSequence: [
      {
        PlaneOrientationSequence: [{ ImageOrientationPatient: [d[0], d[1], d[2], d[3], d[4], d[5]] }],
        PixelMeasuresSequence: [
          { PixelSpacing: [volume.spacingMm[1], volume.spacingMm[0]], SliceThickness: volume.spacingMm[2], SpacingBetweenSlices: volume.spacingMm[2] },
        ],
      },
    ],
    PerFrameFunctionalGroupsSequence: frames.map((fr) => ({
      FrameContentSequence: [{ DimensionIndexValues: [fr.segment, fr.k + 1] }],
      PlanePositionSequence: [{ ImagePositionPatient: positionOf(fr.k) }],
      SegmentIdentificationSequence: [{ ReferencedSegmentNumber: fr.segment }],
      ...(ref !== undefined
        ? {
            DerivationImageSequence: [
              {
                SourceImageSequence: [
                  {
                    ReferencedSOPClassUID: ref.sopClassUid,
                    ReferencedSOPInstanceUID: ref.sopInstanceUids[fr.k],
                    PurposeOfReferenceCodeSequence: [{ CodeValue: '121322', CodingSchemeDesignator: 'DCM', CodeMeaning: 'Source image for image processing operation' }],
                  },
                ],
                DerivationCodeSequence: [{ CodeValue: '113076', CodingSchemeDesignator: 'DCM', CodeMeaning: 'Segmentation' }],
              },
            ],
          }
        : {}),
    })),
    ...(ref !== undefined
      ? {
          ReferencedSeriesSequence: [
            {
              SeriesInstanceUID: ref.seriesInstanceUid,
              ReferencedInstanceSequence: ref.sopInstanceUids.map((uid) => ({ ReferencedSOPClassUID: ref.sopClassUid, ReferencedSOPInstanceUID: uid })),
            },
          ],
        }
      : {}),
    PixelData: [padded.buffer],
    _vrMap: { PixelData: 'OB' },
  };
  const meta: Dataset = {
    FileMetaInformationVersion: new Uint8Array([0, 1]).buffer,
    MediaStorageSOPClassUID: SEG_SOP_CLASS_UID,
    MediaStorageSOPInstanceUID: sopInstanceUid,
    TransferSyntaxUID: EXPLICIT_VR_LITTLE_ENDIAN,
    ImplementationClassUID: '2.25.80302813137786398554742050926734630921',
    ImplementationVersionName: 'TWINSCOPE_0_1',
  };
  const dict = new dcmjs.data.DicomDict(dcmjs.data.DicomMetaDictionary.denaturalizeDataset(meta));
  dict.dict = dcmjs.data.DicomMetaDictionary.denaturalizeDataset(dataset);
  return dict.write();
}
