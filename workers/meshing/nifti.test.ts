import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ijkToLps } from '../../core/domain/imaging';
import { hasSharedData, sharedDataPath } from '../../test-support/shared-data';
import { parseLabelTable } from './labelTable';
import { gunzip, readNiftiLabelMap } from './nifti';
import { resampleLabelsNearest, sameGrid } from './resample';
import { meshLabelVolume } from './surfaces';

/** A minimal NIfTI-1 (.nii) file: uint8 voxels, sform rows given (RAS), qform unset. */
function encodeNifti1(dims: [number, number, number], srows: number[][], voxels: Uint8Array): ArrayBuffer {
  const buf = new ArrayBuffer(352 + voxels.length);
  const dv = new DataView(buf);
  dv.setInt32(0, 348, true);
  dv.setInt16(40, 3, true);
  dims.forEach((d, a) => dv.setInt16(42 + 2 * a, d, true));
  for (let a = 4; a < 8; a++) dv.setInt16(42 + 2 * a, 1, true);
  dv.setInt16(70, 2, true); // DT_UINT8
  dv.setInt16(72, 8, true); // bitpix
  for (let a = 0; a < 3; a++) dv.setFloat32(80 + 4 * a, Math.hypot(srows[0]![a]!, srows[1]![a]!, srows[2]![a]!), true);
  dv.setFloat32(108, 352, true); // vox_offset
  dv.setFloat32(112, 1, true); // scl_slope
  dv.setInt16(254, 1, true); // sform_code = scanner
  srows.forEach((row, r) => row.forEach((x, c) => dv.setFloat32(280 + (r * 4 + c) * 4, x, true)));
  new Uint8Array(buf, 344, 4).set([0x6e, 0x2b, 0x31, 0x00]); // "n+1\0"
  new Uint8Array(buf, 352).set(voxels);
  return buf;
}

async function readShared(...parts: string[]): Promise<ArrayBuffer> {
  const b = readFileSync(sharedDataPath(...parts));
  return gunzip(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

describe('readNiftiLabelMap', () => {
  it('converts a RAS sform to LPS geometry (x and y negate) and names labels from the table', () => {
    // i runs towards the patient's left (−x in RAS), j anterior, k superior; 2 × 3 × 4 mm voxels.
    const srows = [
      [-2, 0, 0, 10],
      [0, 3, 0, -20],
      [0, 0, 4, 30],
    ];
    const voxels = new Uint8Array(4 * 3 * 2);
    voxels[5] = 7;
    const v = readNiftiLabelMap(encodeNifti1([4, 3, 2], srows, voxels), { labelTable: parseLabelTable({ '7': 'liver' }) });
    expect(v.dimensions).toEqual([4, 3, 2]);
    expect(v.spacingMm).toEqual([2, 3, 4]);
    expect(v.originLps).toEqual([-10, 20, 30]);
    expect(v.directionLps).toEqual([1, 0, 0, 0, -1, 0, 0, 0, 1]);
    // Voxel (1,1,0) in RAS is (10−2, −20+3, 30) = (8, −17, 30) → LPS (−8, 17, 30).
    expect(ijkToLps(v, 1, 1, 0)).toEqual([-8, 17, 30]);
    expect(v.labels[5]).toBe(7);
    expect(v.segments).toEqual([{ label: 7, name: 'liver', colorRgb: [221, 130, 101] }]);
  });

  it('rejects gzip bytes, images and bad label tables with messages naming the problem', async () => {
    const gz = await new Response(new Blob([new Uint8Array(400)]).stream().pipeThrough(new CompressionStream('gzip'))).arrayBuffer();
    expect(() => readNiftiLabelMap(gz)).toThrow(/gzip-compressed/);
    expect(() => readNiftiLabelMap(new ArrayBuffer(400))).toThrow(/not a NIfTI/);
    expect(() => parseLabelTable({ abc: 'x' })).toThrow(/"abc" is not a label id/);
    expect(() => parseLabelTable([1, 2])).toThrow(/JSON object/);
  });
});

describe('resampleLabelsNearest', () => {
  it('is the identity on the same grid and shifts by whole voxels on a translated grid', () => {
    const srows = [
      [1, 0, 0, 0],
      [0, 1, 0, 0],
      [0, 0, 1, 0],
    ];
    const voxels = new Uint8Array(27);
    voxels[13] = 3; // centre voxel (1,1,1)
    const src = readNiftiLabelMap(encodeNifti1([3, 3, 3], srows, voxels));
    const same = resampleLabelsNearest(src, src);
    expect(sameGrid(src, same)).toBe(true);
    expect(Array.from(same.labels)).toEqual(Array.from(src.labels));
    // The identity RAS sform makes i run along LPS −x. A target grid shifted by +1 mm along LPS x
    // sees the label one voxel further along i: target i = 2.
    expect(src.directionLps.slice(0, 3)).toEqual([-1, 0, 0]);
    const shifted = { ...src, originLps: [src.originLps[0] + 1, src.originLps[1], src.originLps[2]] as typeof src.originLps };
    const r = resampleLabelsNearest(src, shifted);
    expect(r.labels[(1 * 3 + 1) * 3 + 2]).toBe(3);
    expect(Array.from(r.labels).reduce((a, b) => a + b, 0)).toBe(3);
    // A finer target grid (0.5 mm) replicates the voxel 2×2×2 times.
    const fine = { dimensions: [6, 6, 6] as typeof src.dimensions, spacingMm: [0.5, 0.5, 0.5] as typeof src.spacingMm, originLps: [0, 1, 2].map((a) => src.originLps[a]! - 0.25 * (src.directionLps[a]! + src.directionLps[3 + a]! + src.directionLps[6 + a]!)) as typeof src.originLps, directionLps: src.directionLps };
    const f = resampleLabelsNearest(src, fine);
    expect(f.labels.filter((x) => x === 3).length).toBe(8);
  });
});

describe('real TotalSegmentator label maps (../shared/data)', () => {
  it.skipIf(!hasSharedData('segmentation', 'cardiac-ct-totalseg', 'heart_on_ct_cropped_grid.nii.gz'))(
    'heart mask: 198 176 voxels × 1.5³ mm³ = 668.84 mL; mesh volume within 2% raw and 3% final',
    async () => {
      const v = readNiftiLabelMap(await readShared('segmentation', 'cardiac-ct-totalseg', 'heart_on_ct_cropped_grid.nii.gz'));
      expect(v.dimensions).toEqual([122, 102, 112]);
      const [heart] = await meshLabelVolume(v);
      expect(heart!.stats.voxelCount).toBe(198_176); // SOURCES.md
      expect(heart!.stats.voxelVolumeMl).toBeCloseTo(668.844, 3); // mL, not mm³
      expect(Math.abs(heart!.stats.rawMeshVolumeMl / heart!.stats.voxelVolumeMl - 1)).toBeLessThan(0.02);
      expect(Math.abs(heart!.stats.meshVolumeMl / heart!.stats.voxelVolumeMl - 1)).toBeLessThan(0.03);
      expect(heart!.stats.watertight).toBe(true);
    },
  );

  it.skipIf(!hasSharedData('segmentation', 'abdomen-ct-totalseg', 'example_seg.nii.gz'))(
    'abdominal label map: bulky organs match voxel volume within 2% raw / 3% final; every surface closed',
    async () => {
      const table = parseLabelTable(JSON.parse(readFileSync(sharedDataPath('segmentation', 'abdomen-ct-totalseg', 'totalseg_total_labels.json'), 'utf8')));
      const v = readNiftiLabelMap(await readShared('segmentation', 'abdomen-ct-totalseg', 'example_seg.nii.gz'), { labelTable: table });
      expect(v.spacingMm).toEqual([3, 3, 3]);
      const structures = await meshLabelVolume(v);
      expect(structures.length).toBe(41);
      const byName = new Map(structures.map((s) => [s.name, s.stats]));
      for (const name of ['liver', 'spleen', 'kidney_right', 'kidney_left', 'stomach', 'colon', 'autochthon_left']) {
        const s = byName.get(name)!;
        expect(s.voxelVolumeMl).toBeCloseTo((s.voxelCount * 27) / 1000, 9);
        expect(Math.abs(s.rawMeshVolumeMl / s.voxelVolumeMl - 1)).toBeLessThan(0.02);
        expect(Math.abs(s.meshVolumeMl / s.voxelVolumeMl - 1)).toBeLessThan(0.03);
      }
      expect(byName.get('liver')!.voxelVolumeMl).toBeCloseTo(1043.118, 3);
      // Ribs are 1–2 voxels thick at 3 mm; the 0.5 iso surface cuts every voxel corner, so they
      // lose 9–35%: reported, not hidden, and the voxel volume is the number to trust for them.
      for (const s of structures) {
        expect(s.stats.watertight).toBe(true);
        expect(s.stats.meshVolumeMl).toBeLessThanOrEqual(s.stats.voxelVolumeMl * 1.03);
      }
    },
  );

  it.skipIf(!hasSharedData('segmentation', 'cardiac-ct-totalseg', 'ct_cropped.nii.gz'))(
    'refuses a CT image (int16 HU) given as a label map, naming the voxel and value',
    async () => {
      const bytes = await readShared('segmentation', 'cardiac-ct-totalseg', 'ct_cropped.nii.gz');
      expect(() => readNiftiLabelMap(bytes)).toThrow(/voxel \d+ holds -?\d+.*is this an image/);
    },
  );

  it.skipIf(!hasSharedData('dicom', 'ct-abdomen-totalseg-20slice-j2k', 'seg', 'example_seg_dicom.nii.gz'))(
    'LAS label map of the 20-slice CT lands on the DICOM grid in LPS (j runs anterior)',
    async () => {
      const v = readNiftiLabelMap(await readShared('dicom', 'ct-abdomen-totalseg-20slice-j2k', 'seg', 'example_seg_dicom.nii.gz'));
      expect(v.dimensions).toEqual([512, 512, 20]);
      expect(v.spacingMm).toEqual([0.9765625, 0.9765625, 2]);
      expect(v.directionLps).toEqual([1, 0, 0, 0, -1, 0, 0, 0, 1]);
      expect(v.originLps[2]).toBeCloseTo(-804.5, 3); // first DICOM slice z (SOURCES.md)
      expect(v.segments.length).toBe(31);
    },
  );
});
