// Issue 17 reproduction: a DICOM-SEG from a segmentation toolkit with overlapping segments read as
// one label per voxel cut the lower-numbered segment (6.31 mL read as 4.2 mL), and saving it back
// replaced its category and type codes with generic ones. The SEG here is built directly with
// dcmjs (not with our writer), on a 32×32×10 grid of 1 mm³ voxels: segment 1 ("Liver") holds the
// first 631 pixels of every slice (6.31 mL), segment 2 ("Neoplasm") pixels 421…1023 (6.03 mL), so
// 210 pixels per slice (2.1 mL) belong to both. With "higher segment wins" segment 1 kept 4.21 mL.
import dcmjs from 'dcmjs';
import { describe, expect, it } from 'vitest';
import { type VolumeGeometry, layerCount, mm3ToMl, segmentVoxelCounts, voxelVolumeMm3 } from '../../core/domain/imaging';
import { readDicomSeg, writeDicomSeg, type ReferenceSeries } from './dicomSeg';

const N = 32;
const SLICES = 10;
const grid: VolumeGeometry = { dimensions: [N, N, SLICES], spacingMm: [1, 1, 1], originLps: [-16, -16, 100], directionLps: [1, 0, 0, 0, 1, 0, 0, 0, 1] };
const liverType = { CodeValue: '10200004', CodingSchemeDesignator: 'SCT', CodeMeaning: 'Liver' };
const anatomical = { CodeValue: '123037004', CodingSchemeDesignator: 'SCT', CodeMeaning: 'Anatomical Structure' };
const morphologic = { CodeValue: '49755003', CodingSchemeDesignator: 'SCT', CodeMeaning: 'Morphologically Altered Structure' };
const neoplasm = { CodeValue: '108369006', CodingSchemeDesignator: 'SCT', CodeMeaning: 'Neoplasm' };
const left = { CodeValue: '7771000', CodingSchemeDesignator: 'SCT', CodeMeaning: 'Left' };

const inSeg = (segment: number, p: number): boolean => (segment === 1 ? p < 631 : p >= 421);

/** A toolkit-style SEG: frames interleaved by slice (seg 1, seg 2, seg 1, …), bits packed across frames. */
function toolkitSeg(): ArrayBuffer {
  const frames: Array<{ segment: number; k: number }> = [];
  for (let k = 0; k < SLICES; k++) for (const segment of [1, 2]) frames.push({ segment, k });
  const bits = new Uint8Array(Math.ceil((frames.length * N * N) / 8));
  frames.forEach((fr, f) => {
    for (let p = 0; p < N * N; p++) {
      if (!inSeg(fr.segment, p)) continue;
      const bit = f * N * N + p;
      bits[bit >> 3] = bits[bit >> 3]! | (1 << (bit & 7));
    }
  });
  const sop = '2.25.4242';
  const dataset = {
    SOPClassUID: '1.2.840.10008.5.1.4.1.1.66.4',
    SOPInstanceUID: sop,
    StudyInstanceUID: '2.25.1',
    SeriesInstanceUID: '2.25.77',
    FrameOfReferenceUID: '2.25.3',
    Modality: 'SEG',
    PatientName: 'Doe^Jane',
    PatientID: 'MRN-17',
    PatientBirthDate: '19600101',
    PatientSex: 'F',
    SeriesDescription: 'toolkit segmentation',
    Rows: N,
    Columns: N,
    BitsAllocated: 1,
    BitsStored: 1,
    HighBit: 0,
    PixelRepresentation: 0,
    SamplesPerPixel: 1,
    PhotometricInterpretation: 'MONOCHROME2',
    SegmentationType: 'BINARY',
    NumberOfFrames: frames.length,
    SegmentSequence: [
      { SegmentNumber: 1, SegmentLabel: 'Liver', SegmentAlgorithmType: 'AUTOMATIC', SegmentAlgorithmName: 'ToolkitNet', SegmentedPropertyCategoryCodeSequence: [anatomical], SegmentedPropertyTypeCodeSequence: [liverType], RecommendedDisplayCIELabValue: [40000, 50000, 40000] },
      {
        SegmentNumber: 2,
        SegmentLabel: 'Lesion',
        SegmentAlgorithmType: 'MANUAL',
        SegmentedPropertyCategoryCodeSequence: [morphologic],
        SegmentedPropertyTypeCodeSequence: [{ ...neoplasm, SegmentedPropertyTypeModifierCodeSequence: [left] }],
        AnatomicRegionSequence: [liverType],
        RecommendedDisplayCIELabValue: [50000, 30000, 30000],
      },
    ],
    ReferencedSeriesSequence: [{ SeriesInstanceUID: '2.25.2', ReferencedInstanceSequence: [] }],
    SharedFunctionalGroupsSequence: [
      { PlaneOrientationSequence: [{ ImageOrientationPatient: [1, 0, 0, 0, 1, 0] }], PixelMeasuresSequence: [{ PixelSpacing: [1, 1], SliceThickness: 1, SpacingBetweenSlices: 1 }] },
    ],
    PerFrameFunctionalGroupsSequence: frames.map((fr) => ({
      PlanePositionSequence: [{ ImagePositionPatient: [-16, -16, 100 + fr.k] }],
      SegmentIdentificationSequence: [{ ReferencedSegmentNumber: fr.segment }],
    })),
    PixelData: [bits.buffer],
    _vrMap: { PixelData: 'OB' },
  };
  const meta = {
    FileMetaInformationVersion: new Uint8Array([0, 1]).buffer,
    MediaStorageSOPClassUID: dataset.SOPClassUID,
    MediaStorageSOPInstanceUID: sop,
    TransferSyntaxUID: '1.2.840.10008.1.2.1',
    ImplementationClassUID: '2.25.99',
  };
  const dict = new dcmjs.data.DicomDict(dcmjs.data.DicomMetaDictionary.denaturalizeDataset(meta));
  dict.dict = dcmjs.data.DicomMetaDictionary.denaturalizeDataset(dataset);
  return dict.write();
}

const ml = (voxels: number): number => mm3ToMl(voxels * voxelVolumeMm3(grid));

function reference(): ReferenceSeries {
  return {
    geometry: grid,
    studyInstanceUid: '2.25.1',
    seriesInstanceUid: '2.25.2',
    frameOfReferenceUid: '2.25.3',
    sopClassUid: '1.2.840.10008.5.1.4.1.1.2',
    sopInstanceUids: Array.from({ length: SLICES }, (_, k) => `2.25.500.${k}`),
    patient: { name: 'Doe^Jane', id: 'MRN-17', birthDate: '19600101', sex: 'F' },
  };
}

describe('DICOM-SEG with overlapping segments (issue 17)', () => {
  it('keeps every segment whole: liver 6.31 mL (not 4.21), lesion 6.03 mL, in two layers', () => {
    const v = readDicomSeg(toolkitSeg(), { referenceGeometry: grid });
    const counts = segmentVoxelCounts(v);
    expect(ml(counts.get(1)!)).toBeCloseTo(6.31, 10);
    expect(ml(counts.get(2)!)).toBeCloseTo(6.03, 10);
    expect(layerCount(v)).toBe(2);
    // The same with the grid built from the frames alone.
    const alone = segmentVoxelCounts(readDicomSeg(toolkitSeg()));
    expect([alone.get(1), alone.get(2)]).toEqual([6310, 6030]);
  });

  it('keeps codes, modifier, anatomic region, algorithm type and name, and the SEG identity and references', () => {
    const v = readDicomSeg(toolkitSeg(), { referenceGeometry: grid });
    const [liver, lesion] = v.segments;
    expect(liver).toMatchObject({ name: 'Liver', category: { code: '123037004', scheme: 'SCT' }, type: { code: '10200004', scheme: 'SCT', meaning: 'Liver' }, algorithmType: 'AUTOMATIC', algorithmName: 'ToolkitNet' });
    expect(lesion).toMatchObject({ name: 'Lesion', category: { code: '49755003' }, type: { code: '108369006' }, typeModifier: { code: '7771000', meaning: 'Left' }, anatomicRegion: { code: '10200004' }, algorithmType: 'MANUAL', layer: 1 });
    expect(lesion!.algorithmName).toBeUndefined();
    expect(v.seg).toMatchObject({ studyInstanceUid: '2.25.1', seriesInstanceUid: '2.25.77', frameOfReferenceUid: '2.25.3', referencedSeriesUids: ['2.25.2'], patient: { name: 'Doe^Jane', id: 'MRN-17', birthDate: '19600101' } });
  });

  it('saving it back keeps the overlap and the codes (read by dcmjs, not by our reader)', () => {
    const v = readDicomSeg(toolkitSeg(), { referenceGeometry: grid });
    const bytes = writeDicomSeg(v, { reference: reference(), algorithmType: 'SEMIAUTOMATIC' });
    const ds = dcmjs.data.DicomMetaDictionary.naturalizeDataset(dcmjs.data.DicomMessage.readFile(bytes).dict);
    expect(ds.NumberOfFrames).toBe(20);
    const segs = ds.SegmentSequence as Array<Record<string, unknown>>;
    const first = (x: unknown): Record<string, unknown> => (Array.isArray(x) ? x[0] : x) as Record<string, unknown>;
    expect(first(segs[0]!.SegmentedPropertyTypeCodeSequence)).toMatchObject(liverType);
    expect(first(segs[0]!.SegmentedPropertyCategoryCodeSequence)).toMatchObject(anatomical);
    expect(segs[0]!.SegmentAlgorithmType).toBe('AUTOMATIC');
    expect(segs[0]!.SegmentAlgorithmName).toBe('ToolkitNet');
    expect(first(segs[1]!.SegmentedPropertyCategoryCodeSequence)).toMatchObject(morphologic);
    expect(first(first(segs[1]!.SegmentedPropertyTypeCodeSequence).SegmentedPropertyTypeModifierCodeSequence)).toMatchObject(left);
    expect(first(segs[1]!.AnatomicRegionSequence)).toMatchObject(liverType);
    expect(segs[1]!.SegmentAlgorithmType).toBe('MANUAL');
    expect(ds.PatientID).toBe('MRN-17');
    expect(first(ds.ReferencedSeriesSequence).SeriesInstanceUID).toBe('2.25.2');
    // Count set bits per referenced segment straight from the pixel data.
    const px = new Uint8Array((ds.PixelData as ArrayBuffer[])[0]!);
    const perFrame = ds.PerFrameFunctionalGroupsSequence as Array<Record<string, unknown>>;
    const bitsOf = new Map<number, number>();
    perFrame.forEach((pf, f) => {
      const seg = Number(first(pf.SegmentIdentificationSequence).ReferencedSegmentNumber);
      let n = 0;
      for (let p = 0; p < N * N; p++) {
        const bit = f * N * N + p;
        n += (px[bit >> 3]! >> (bit & 7)) & 1;
      }
      bitsOf.set(seg, (bitsOf.get(seg) ?? 0) + n);
    });
    expect([bitsOf.get(1), bitsOf.get(2)]).toEqual([6310, 6030]);
    // And our reader again: identical layers.
    const back = readDicomSeg(bytes, { referenceGeometry: grid });
    expect([...segmentVoxelCounts(back)].sort((a, b) => a[0] - b[0])).toEqual([[1, 6310], [2, 6030]]);
    expect(back.segments.map((s) => s.type?.code)).toEqual(['10200004', '108369006']);
  });

  it('a structure segmented here gets codes from its name ("Tissue" when unknown), never a generic code with a made-up meaning', () => {
    const labels = new Uint8Array(N * N * SLICES);
    labels.fill(1, 0, 100);
    labels.fill(2, 100, 200);
    const v = { ...grid, labels, segments: [{ label: 1, name: 'liver', colorRgb: [200, 100, 90] as [number, number, number] }, { label: 2, name: 'my region', colorRgb: [1, 2, 3] as [number, number, number] }], source: { kind: 'generated' as const, id: 'x' } };
    const back = readDicomSeg(writeDicomSeg(v), { referenceGeometry: grid });
    expect(back.segments.map((s) => [s.category?.meaning, s.type?.code, s.type?.meaning])).toEqual([
      ['Anatomical Structure', '10200004', 'Liver'],
      ['Tissue', '85756007', 'Tissue'],
    ]);
  });
});
