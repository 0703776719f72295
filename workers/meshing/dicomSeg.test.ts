import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type LabelVolume } from '../../core/domain/imaging';
import { hasSharedData, sharedDataPath } from '../../test-support/shared-data';
import { readDicomSeg, writeDicomSeg, type ReferenceSeries } from './dicomSeg';
import { gunzip, readNiftiLabelMap } from './nifti';
import { paintBox } from './phantoms';

function phantom(): LabelVolume {
  // An oblique-free but mirrored grid (j runs anterior, as in the LAS NIfTI) with 0.8 × 0.8 × 2.5 mm voxels.
  const dims: [number, number, number] = [20, 16, 9];
  const labels = new Uint8Array(20 * 16 * 9);
  paintBox(labels, dims, [2, 2, 1], [10, 9, 6], 5);
  paintBox(labels, dims, [12, 3, 3], [17, 13, 4], 52);
  return {
    dimensions: dims,
    spacingMm: [0.8, 0.8, 2.5],
    originLps: [-120.5, 30.25, -804.5],
    directionLps: [1, 0, 0, 0, -1, 0, 0, 0, 1],
    labels,
    segments: [
      { label: 5, name: 'liver', colorRgb: [221, 130, 101] },
      { label: 52, name: 'aorta', colorRgb: [224, 97, 76] },
    ],
    source: { kind: 'generated', id: 'seg-phantom' },
  };
}

function reference(v: LabelVolume): ReferenceSeries {
  return {
    geometry: v,
    studyInstanceUid: '2.25.1',
    seriesInstanceUid: '2.25.2',
    frameOfReferenceUid: '2.25.3',
    sopClassUid: '1.2.840.10008.5.1.4.1.1.2',
    sopInstanceUids: Array.from({ length: v.dimensions[2] }, (_, k) => `2.25.100${k}`),
  };
}

describe('DICOM-SEG', () => {
  it('round-trips a label volume (BINARY): same grid, voxels, names and colours (±1 after CIELab)', () => {
    const v = phantom();
    const bytes = writeDicomSeg(v, { reference: reference(v) });
    const back = readDicomSeg(bytes, { referenceGeometry: v });
    {
      expect(back.dimensions).toEqual(v.dimensions);
      expect(back.spacingMm).toEqual(v.spacingMm);
      expect(back.originLps).toEqual(v.originLps);
      expect(back.directionLps).toEqual(v.directionLps);
      expect(Array.from(back.labels)).toEqual(Array.from(v.labels));
      expect(back.segments.map((s) => s.name)).toEqual(['liver', 'aorta']);
      back.segments.forEach((s, i) => s.colorRgb.forEach((c, a) => expect(Math.abs(c - v.segments[i]!.colorRgb[a]!)).toBeLessThanOrEqual(1)));
    }
  });

  it('reads FRACTIONAL segments (≥ 50% occupancy inside) and references the CT instances', () => {
    const v = phantom();
    const back = readDicomSeg(writeDicomSeg(v, { reference: reference(v), segmentationType: 'FRACTIONAL' }), { referenceGeometry: v });
    expect(Array.from(back.labels)).toEqual(Array.from(v.labels));
  });

  it('without a reference grid, builds the grid from the frames (slices 1…6 of 9 hold segments)', () => {
    const v = phantom();
    const alone = readDicomSeg(writeDicomSeg(v));
    expect(alone.dimensions).toEqual([20, 16, 6]);
    expect(alone.spacingMm).toEqual(v.spacingMm);
    // The frames alone do not say which way k ran; the reader uses the DICOM convention
    // k = row × column direction, here (1,0,0) × (0,−1,0) = (0,0,−1): same voxels, k reversed.
    expect(alone.directionLps).toEqual([1, 0, 0, 0, -1, 0, 0, 0, -1]);
    expect(alone.originLps).toEqual([v.originLps[0], v.originLps[1], v.originLps[2] + 6 * 2.5]);
    const plane = 20 * 16;
    for (let k = 0; k < 6; k++) {
      expect(Array.from(alone.labels.slice(k * plane, (k + 1) * plane))).toEqual(Array.from(v.labels.slice((6 - k) * plane, (7 - k) * plane)));
    }
  });

  it('rejects bad input with messages naming the problem', () => {
    const v = phantom();
    expect(() => readDicomSeg(new ArrayBuffer(10))).toThrow(/not a readable DICOM file/);
    expect(() => writeDicomSeg(v, { reference: { ...reference(v), geometry: { ...v, spacingMm: [1, 1, 1] } } })).toThrow(/not on the reference series grid/);
    expect(() => writeDicomSeg({ ...v, labels: new Uint8Array(v.labels.length) })).toThrow(/empty/);
    const shifted = { ...v, originLps: [v.originLps[0] + 0.4, v.originLps[1], v.originLps[2]] as typeof v.originLps };
    expect(() => readDicomSeg(writeDicomSeg(v), { referenceGeometry: shifted })).toThrow(/not on a slice of the reference grid/);
  });

  it.skipIf(!hasSharedData('dicom', 'ct-abdomen-totalseg-20slice-j2k', 'seg', 'example_seg_dicom.nii.gz'))(
    'round-trips the real 31-structure abdominal label map',
    async () => {
      const b = readFileSync(sharedDataPath('dicom', 'ct-abdomen-totalseg-20slice-j2k', 'seg', 'example_seg_dicom.nii.gz'));
      const v = readNiftiLabelMap(await gunzip(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength)));
      const back = readDicomSeg(writeDicomSeg(v), { referenceGeometry: v });
      expect(back.segments.length).toBe(31);
      expect(back.labels.length).toBe(v.labels.length);
      let diff = 0;
      for (let x = 0; x < v.labels.length; x++) if (back.labels[x] !== v.labels[x]) diff++;
      expect(diff).toBe(0);
    },
  );
});
