// The geometry and identifiers of a CT series, read from its instances' headers (dcmjs), for
// `twin mesh --reference DIR`: a SEG or NIfTI is placed on (or resampled onto) this grid, and a
// written SEG references these instances. Pixel data is not decoded.
import dcmjs from 'dcmjs';
import { type Vec3, type VolumeGeometry } from '../../core/domain/imaging';
import { type ReferenceSeries } from './dicomSeg';

type Dataset = Record<string, unknown>;

function nums(x: unknown, n: number, what: string, file: string): number[] {
  const arr = (Array.isArray(x) ? x : [x]).map(Number);
  if (arr.length < n || arr.slice(0, n).some((v) => !Number.isFinite(v))) throw new Error(`${file}: ${what} is missing or malformed`);
  return arr.slice(0, n);
}

/** Build the series grid from single-frame instances (any order). Names are used only in messages. */
export function referenceFromInstances(files: Array<{ name: string; bytes: ArrayBuffer }>): ReferenceSeries {
  if (files.length === 0) throw new Error('the reference folder holds no DICOM files');
  const slices = files.map(({ name, bytes }) => {
    let ds: Dataset;
    let meta: Dataset;
    try {
      const f = dcmjs.data.DicomMessage.readFile(bytes, { untilTag: '7FE00010' });
      ds = dcmjs.data.DicomMetaDictionary.naturalizeDataset(f.dict);
      meta = dcmjs.data.DicomMetaDictionary.naturalizeDataset(f.meta);
    } catch (e) {
      throw new Error(`${name}: not a readable DICOM file (${e instanceof Error ? e.message : String(e)})`);
    }
    const iop = nums(ds.ImageOrientationPatient, 6, 'ImageOrientationPatient', name);
    return {
      name,
      ds,
      position: nums(ds.ImagePositionPatient, 3, 'ImagePositionPatient', name) as Vec3,
      iop,
      spacing: nums(ds.PixelSpacing, 2, 'PixelSpacing', name),
      rows: Number(ds.Rows),
      cols: Number(ds.Columns),
      // Some archives (and this project's test CT) leave the dataset's UIDs empty and keep them only
      // in the file meta information; fall back to it.
      sopInstanceUid: String(ds.SOPInstanceUID || meta.MediaStorageSOPInstanceUID || ''),
      sopClassUid: String(ds.SOPClassUID || meta.MediaStorageSOPClassUID || ''),
    };
  });
  const first = slices[0]!;
  const iDir: Vec3 = [first.iop[0]!, first.iop[1]!, first.iop[2]!];
  const jDir: Vec3 = [first.iop[3]!, first.iop[4]!, first.iop[5]!];
  const kDir: Vec3 = [iDir[1] * jDir[2] - iDir[2] * jDir[1], iDir[2] * jDir[0] - iDir[0] * jDir[2], iDir[0] * jDir[1] - iDir[1] * jDir[0]];
  const height = (p: Vec3): number => p[0] * kDir[0] + p[1] * kDir[1] + p[2] * kDir[2];
  for (const s of slices) {
    if (s.rows !== first.rows || s.cols !== first.cols) throw new Error(`${s.name}: ${s.cols}×${s.rows} differs from ${first.cols}×${first.rows}; one series per folder`);
    if (s.iop.some((v, a) => Math.abs(v - first.iop[a]!) > 1e-4)) throw new Error(`${s.name}: orientation differs from the rest of the series`);
  }
  slices.sort((a, b) => height(a.position) - height(b.position));
  const gaps = slices.slice(1).map((s, k) => height(s.position) - height(slices[k]!.position));
  const spacing = gaps.length > 0 ? gaps.reduce((a, b) => a + b, 0) / gaps.length : 1;
  if (gaps.some((g) => Math.abs(g - spacing) > 0.01 * spacing + 1e-3)) {
    throw new Error('reference slices are not evenly spaced (gaps or duplicates); a regular grid is needed');
  }
  const geometry: VolumeGeometry = {
    dimensions: [first.cols, first.rows, slices.length],
    spacingMm: [first.spacing[1]!, first.spacing[0]!, spacing],
    originLps: slices[0]!.position,
    directionLps: [...iDir, ...jDir, ...kDir] as VolumeGeometry['directionLps'],
  };
  const ds = first.ds;
  const str = (x: unknown): string => (typeof x === 'string' ? x : '');
  // dcmjs naturalises PN as a string or as [{ Alphabetic }] depending on the writer.
  const personName = (x: unknown): string => {
    const v = Array.isArray(x) ? x[0] : x;
    if (typeof v === 'string') return v;
    return v && typeof v === 'object' && typeof (v as { Alphabetic?: unknown }).Alphabetic === 'string' ? (v as { Alphabetic: string }).Alphabetic : '';
  };
  return {
    // The SEG carries the source patient and study identity (issue 17): a PACS files it with the CT,
    // and an identity check against the open patient can pass.
    patient: { name: personName(ds.PatientName), id: str(ds.PatientID), birthDate: str(ds.PatientBirthDate), sex: str(ds.PatientSex) },
    study: { date: str(ds.StudyDate), time: str(ds.StudyTime), id: str(ds.StudyID), accessionNumber: str(ds.AccessionNumber) },
    geometry,
    studyInstanceUid: str(ds.StudyInstanceUID),
    seriesInstanceUid: str(ds.SeriesInstanceUID),
    frameOfReferenceUid: str(ds.FrameOfReferenceUID),
    sopClassUid: first.sopClassUid,
    sopInstanceUids: slices.map((s) => s.sopInstanceUid),
  };
}
