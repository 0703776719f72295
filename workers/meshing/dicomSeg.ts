// DICOM Segmentation objects (SOP class 1.2.840.10008.5.1.4.1.1.66.4) ↔ LabelVolume, with dcmjs
// for the DICOM encoding. Environment-neutral: bytes in, bytes out.
//
// Read: BINARY (1 bit per pixel, packed across frame boundaries, least significant bit first) and
// FRACTIONAL (8 bits, occupancy ≥ 50% of MaximumFractionalValue counts as inside) segments; each
// frame is placed by its own ImagePositionPatient, so frames may come in any order and only where
// a segment is present. A label map holds one label per voxel: where segments overlap, the higher
// segment number wins (stated in the API docs).
//
// Write: one BINARY frame per segment per slice that contains it, on the LabelVolume's grid, with
// references to the source CT instances when a reference series is given, so other viewers (OHIF,
// 3D Slicer, Cornerstone3D) place it on that CT.
import dcmjs from 'dcmjs';
import { type LabelVolume, type SegmentInfo, type Vec3, type VolumeGeometry, sameGrid } from '../../core/domain/imaging';
import { colourFor } from './labelTable';

export const SEG_SOP_CLASS_UID = '1.2.840.10008.5.1.4.1.1.66.4';
const EXPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2.1';
/** Implicit LE, explicit LE, deflated explicit LE, explicit BE (PS3.5 §A). */
const NATIVE_TRANSFER_SYNTAXES = new Set(['1.2.840.10008.1.2', '1.2.840.10008.1.2.1', '1.2.840.10008.1.2.1.99', '1.2.840.10008.1.2.2']);
/** UID root for Twinscope-generated objects: 2.25 + a random 128-bit integer (ISO/IEC 9834-8 UUID-derived). */
function newUid(): string {
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

export function readDicomSeg(bytes: ArrayBuffer, options: ReadSegOptions = {}): LabelVolume {
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
    const name = String(s.SegmentLabel ?? `segment ${label}`);
    const lab = s.RecommendedDisplayCIELabValue;
    const colorRgb: [number, number, number] =
      Array.isArray(lab) && lab.length === 3
        ? (dcmjs.data.Colors.dicomlab2RGB(lab.map(Number)).map((c: number) => Math.round(Math.min(1, Math.max(0, c)) * 255)) as [number, number, number])
        : colourFor(label, name);
    return { label, name, colorRgb };
  });
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

  const labels = maxLabel <= 255 ? new Uint8Array(nI * nJ * nK) : new Uint16Array(nI * nJ * nK);
  // Apply frames in segment order so overlaps resolve to the higher segment number.
  const order = frameInfo.map((_, f) => f).sort((a, b) => frameInfo[a]!.segment - frameInfo[b]!.segment);
  const tolMm = 0.01 * Math.min(geometry.spacingMm[0], geometry.spacingMm[1]) + 1e-3;
  for (const f of order) {
    const { pos, iop, segment } = frameInfo[f]!;
    if (Math.abs(dot(iop.slice(0, 3) as Vec3, iDir) - 1) > 1e-3 || Math.abs(dot(iop.slice(3, 6) as Vec3, jDir) - 1) > 1e-3) {
      throw new Error(`DICOM-SEG frame ${f + 1} is not oriented like the reference grid; resample it first`);
    }
    const rel: Vec3 = [pos[0] - geometry.originLps[0], pos[1] - geometry.originLps[1], pos[2] - geometry.originLps[2]];
    const kf = dot(rel, kDir) / geometry.spacingMm[2];
    const k = Math.round(kf);
    if (Math.abs(dot(rel, iDir)) > tolMm || Math.abs(dot(rel, jDir)) > tolMm || Math.abs(kf - k) > 0.05 || k < 0 || k >= nK) {
      throw new Error(`DICOM-SEG frame ${f + 1} at (${pos.map((x) => x.toFixed(2)).join(', ')}) is not on a slice of the reference grid`);
    }
    const base = k * framePixels;
    const bitBase = f * framePixels;
    if (type === 'BINARY') {
      for (let p = 0; p < framePixels; p++) {
        const bit = bitBase + p;
        if ((px[bit >> 3]! >> (bit & 7)) & 1) labels[base + p] = segment;
      }
    } else {
      const cut = 0.5 * maxFrac;
      for (let p = 0; p < framePixels; p++) if (px[bitBase + p]! >= cut && px[bitBase + p]! > 0) labels[base + p] = segment;
    }
  }
  return {
    ...geometry,
    labels,
    segments: segments.sort((a, b) => a.label - b.label),
    source: { kind: 'dicom-seg', id: options.sourceId ?? String(ds.SOPInstanceUID ?? 'dicom-seg'), description: String(ds.SeriesDescription ?? '') },
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
  // Frames: for each segment, each slice where it has voxels.
  const frames: Array<{ segment: number; k: number }> = [];
  for (const s of segs) {
    for (let k = 0; k < nK; k++) {
      const base = k * framePixels;
      for (let p = 0; p < framePixels; p++) {
        if (volume.labels[base + p] === s.label) {
          frames.push({ segment: s.label, k });
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
    for (let p = 0; p < framePixels; p++) {
      if (volume.labels[base + p] !== fr.segment) continue;
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
  const sopInstanceUid = newUid();
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
    SeriesInstanceUID: newUid(),
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
    SegmentSequence: segs.map((s) => ({
      SegmentNumber: s.label,
      SegmentLabel: s.name.slice(0, 64),
      SegmentAlgorithmType: options.algorithmType ?? 'SEMIAUTOMATIC',
      ...(options.algorithmType === 'MANUAL' ? {} : { SegmentAlgorithmName: 'Twinscope' }),
      SegmentedPropertyCategoryCodeSequence: [{ CodeValue: '123037004', CodingSchemeDesignator: 'SCT', CodeMeaning: 'Anatomical Structure' }],
      SegmentedPropertyTypeCodeSequence: [{ CodeValue: '123037004', CodingSchemeDesignator: 'SCT', CodeMeaning: s.name.slice(0, 64) }],
      RecommendedDisplayCIELabValue: dcmjs.data.Colors.rgb2DICOMLAB(s.colorRgb.map((c) => c / 255)).map((x: number) => Math.round(x)),
    })),
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
