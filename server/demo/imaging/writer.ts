// ImageVolume (HU, axial) → DICOM Part 10 CT Image Storage files, one per slice, written with
// dcmjs in Explicit VR Little Endian. Stored as 12-bit unsigned with RescaleIntercept −1024
// (as most scanners do), so every HU from −1024 to 3071 round-trips exactly.
import dcmjs from 'dcmjs';
import { createHash } from 'node:crypto';
import type { ImageVolume } from '../../../core/domain/imaging';

export const CT_IMAGE_STORAGE = '1.2.840.10008.5.1.4.1.1.2';
const EXPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2.1';
/** Our implementation class UID (2.25 form, fixed). */
const IMPLEMENTATION_CLASS_UID = '2.25.240384713521093410963014374104591331713';

type Dataset = Record<string, unknown>;
interface DicomDictLike {
  dict: Dataset;
  write(): ArrayBuffer;
}
const data = (
  dcmjs as unknown as {
    data: {
      DicomDict: new (meta: Dataset) => DicomDictLike;
      DicomMetaDictionary: { denaturalizeDataset(ds: Dataset): Dataset };
    };
  }
).data;

/** A 2.25 UID derived from a name: the same name always gives the same UID (PS3.5 B.2). */
export function uidFromName(name: string): string {
  const digest = createHash('sha256').update(name).digest();
  // 120 bits keep the decimal within 37 digits, the UID within 64 characters.
  let n = 0n;
  for (let i = 0; i < 15; i++) n = (n << 8n) | BigInt(digest[i]!);
  return `2.25.${n.toString()}`;
}

export interface CtSeriesHeader {
  patientId: string;
  /** DICOM PN, e.g. "Novak^Elena". */
  patientName: string;
  patientBirthDate: string;
  patientSex: 'M' | 'F' | 'O' | '';
  studyInstanceUid: string;
  seriesInstanceUid: string;
  frameOfReferenceUid: string;
  /** Prefix of SOP Instance UIDs; the slice number is appended. */
  sopInstanceUidRoot: string;
  studyDate: string;
  studyTime: string;
  accessionNumber: string;
  studyDescription: string;
  seriesDescription: string;
  seriesNumber: number;
  bodyPartExamined: string;
  windowCenter: number;
  windowWidth: number;
}

function ds(value: number): string {
  // DS is at most 16 characters.
  const s = String(Number(value.toFixed(6)));
  return s.length <= 16 ? s : value.toPrecision(10);
}

/** One axial slice (k) of `volume` as a Part 10 file. `volume.voxels` must hold HU in [-1024, 3071]. */
export function writeCtSlice(volume: ImageVolume, k: number, h: CtSeriesHeader): Uint8Array {
  const [nx, ny, nz] = volume.dimensions;
  if (k < 0 || k >= nz) throw new RangeError(`slice ${k} is outside 0…${nz - 1}`);
  const d = volume.directionLps;
  const pos = [0, 1, 2].map((a) => volume.originLps[a]! + k * volume.spacingMm[2] * d[6 + a]!);
  const n = nx * ny;
  const pixels = new Uint16Array(n);
  const src = volume.voxels;
  const off = k * n;
  for (let p = 0; p < n; p++) {
    const v = (src[off + p] as number) + 1024;
    pixels[p] = v < 0 ? 0 : v > 4095 ? 4095 : v;
  }
  const sopInstanceUid = `${h.sopInstanceUidRoot}.${k + 1}`;
  const meta = data.DicomMetaDictionary.denaturalizeDataset({
    FileMetaInformationVersion: new Uint8Array([0, 1]).buffer,
    MediaStorageSOPClassUID: CT_IMAGE_STORAGE,
    MediaStorageSOPInstanceUID: sopInstanceUid,
    TransferSyntaxUID: EXPLICIT_VR_LITTLE_ENDIAN,
    ImplementationClassUID: IMPLEMENTATION_CLASS_UID,
    ImplementationVersionName: 'TWINSCOPE_0_1',
  });
  const dict = data.DicomMetaDictionary.denaturalizeDataset({
    SpecificCharacterSet: 'ISO_IR 100',
    ImageType: ['DERIVED', 'SECONDARY', 'AXIAL'],
    SOPClassUID: CT_IMAGE_STORAGE,
    SOPInstanceUID: sopInstanceUid,
    StudyDate: h.studyDate,
    SeriesDate: h.studyDate,
    ContentDate: h.studyDate,
    StudyTime: h.studyTime,
    SeriesTime: h.studyTime,
    ContentTime: h.studyTime,
    AccessionNumber: h.accessionNumber,
    Modality: 'CT',
    Manufacturer: 'Twinscope',
    ManufacturerModelName: 'CT phantom generator',
    ReferringPhysicianName: '',
    StudyDescription: h.studyDescription,
    SeriesDescription: h.seriesDescription,
    PatientName: h.patientName,
    PatientID: h.patientId,
    PatientBirthDate: h.patientBirthDate,
    PatientSex: h.patientSex,
    BodyPartExamined: h.bodyPartExamined,
    SliceThickness: ds(volume.spacingMm[2]),
    KVP: '120',
    ContrastBolusAgent: 'IODINATED CONTRAST (PORTAL VENOUS PHASE)',
    PatientPosition: 'FFS',
    StudyInstanceUID: h.studyInstanceUid,
    SeriesInstanceUID: h.seriesInstanceUid,
    StudyID: '1',
    SeriesNumber: String(h.seriesNumber),
    InstanceNumber: String(k + 1),
    ImagePositionPatient: pos.map(ds),
    ImageOrientationPatient: [d[0], d[1], d[2], d[3], d[4], d[5]].map((v) => ds(v!)),
    FrameOfReferenceUID: h.frameOfReferenceUid,
    PositionReferenceIndicator: '',
    SliceLocation: ds(pos[2]!),
    SamplesPerPixel: 1,
    PhotometricInterpretation: 'MONOCHROME2',
    Rows: ny,
    Columns: nx,
    // DICOM order: spacing between rows (along j), then between columns (along i).
    PixelSpacing: [ds(volume.spacingMm[1]), ds(volume.spacingMm[0])],
    BitsAllocated: 16,
    BitsStored: 12,
    HighBit: 11,
    PixelRepresentation: 0,
    WindowCenter: ds(h.windowCenter),
    WindowWidth: ds(h.windowWidth),
    RescaleIntercept: '-1024',
    RescaleSlope: '1',
    RescaleType: 'HU',
  });
  dict['7FE00010'] = { vr: 'OW', Value: [pixels.buffer] };
  const file = new data.DicomDict(meta);
  file.dict = dict;
  return new Uint8Array(file.write());
}
