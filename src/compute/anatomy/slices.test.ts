import { describe, expect, it } from 'vitest';
import { type ImageVolume } from '../../../core/domain/imaging';
import { clickToIjk, crosshairLines, renderSliceRgba, sliceCornersLps, sliceEdgeLabels, sliceIndexAtMm, slicePositionMm, sliceSize } from './slices';

/** 4×3×2 volume whose voxel value is its linear index (so every pixel says where it came from). */
function indexVolume(): ImageVolume {
  const dims: [number, number, number] = [4, 3, 2];
  const voxels = new Int16Array(24);
  for (let x = 0; x < 24; x++) voxels[x] = x;
  return {
    dimensions: dims,
    spacingMm: [1, 2, 3],
    originLps: [10, 20, 30],
    directionLps: [1, 0, 0, 0, 1, 0, 0, 0, 1],
    voxels,
    unit: 'HU',
    source: { kind: 'generated', id: 't' },
  };
}

// Window 0…255 → grey = value exactly, so the picture reads back voxel indices.
const identity = { widthHu: 255, centerHu: 127.5 };

function picture(v: ImageVolume, axis: 'axial' | 'coronal' | 'sagittal', index: number): number[][] {
  const [w, h] = sliceSize(v, axis);
  const out = new Uint8ClampedArray(w * h * 4);
  renderSliceRgba(v, axis, index, identity, out);
  return Array.from({ length: h }, (_, r) => Array.from({ length: w }, (_, c) => out[4 * (c + w * r)]!));
}

describe('slice pictures', () => {
  it('axial: columns i, rows j (anterior at the top)', () => {
    expect(picture(indexVolume(), 'axial', 1)).toEqual([
      [12, 13, 14, 15],
      [16, 17, 18, 19],
      [20, 21, 22, 23],
    ]);
  });
  it('coronal: columns i, superior (k = nK−1) at the top', () => {
    expect(picture(indexVolume(), 'coronal', 2)).toEqual([
      [20, 21, 22, 23],
      [8, 9, 10, 11],
    ]);
  });
  it('sagittal: columns j (anterior left), superior at the top', () => {
    expect(picture(indexVolume(), 'sagittal', 3)).toEqual([
      [15, 19, 23],
      [3, 7, 11],
    ]);
  });
  it('tints labelled voxels by alpha', () => {
    const v = indexVolume();
    const labels = new Uint8Array(24);
    labels[13] = 1;
    const out = new Uint8ClampedArray(4 * 3 * 4);
    renderSliceRgba(v, 'axial', 1, identity, out, { labels, colourOf: (l) => (l === 1 ? [255, 0, 0] : undefined), alpha: 0.5 });
    expect([out[4], out[5], out[6]]).toEqual([134, 6, 6]); // 13·0.5 + 255·0.5 = 134; 13·0.5 = 6.5 → 6 (Uint8ClampedArray rounds half to even)
    expect(out[0]).toBe(12);
  });
  it('refuses a slice outside the volume and a wrong buffer', () => {
    const v = indexVolume();
    expect(() => renderSliceRgba(v, 'axial', 2, identity, new Uint8ClampedArray(48))).toThrow(/outside 0…1/);
    expect(() => renderSliceRgba(v, 'axial', 0, identity, new Uint8ClampedArray(4))).toThrow(/needs 48/);
  });
});

describe('clicks and corners', () => {
  it('maps a normalised click to the voxel under it', () => {
    const v = indexVolume();
    expect(clickToIjk(v, 'axial', 1, 0.99, 0)).toEqual([3, 0, 1]);
    expect(clickToIjk(v, 'coronal', 2, 0.3, 0.1)).toEqual([1, 2, 1]);
    expect(clickToIjk(v, 'sagittal', 0, 0.5, 0.9)).toEqual([0, 1, 0]);
    expect(clickToIjk(v, 'axial', 0, 1.2, 0.5)).toBeNull();
  });
  it('places the picture edges half a voxel outside the voxel centres, in LPS mm', () => {
    const [tl, tr, bl, br] = sliceCornersLps(indexVolume(), 'axial', 1);
    expect(tl).toEqual([9.5, 19, 33]);
    expect(tr).toEqual([13.5, 19, 33]);
    expect(bl).toEqual([9.5, 25, 33]);
    expect(br).toEqual([13.5, 25, 33]);
    const [ctl, , cbl] = sliceCornersLps(indexVolume(), 'coronal', 0);
    expect(ctl).toEqual([9.5, 20, 34.5]); // top = superior edge of k = 1
    expect(cbl).toEqual([9.5, 20, 28.5]);
  });
});

describe('orientation letters and slice positions (from the direction cosines)', () => {
  const standard = indexVolume();
  /** The same grid acquired feet-first and posterior-to-anterior: j runs towards A, k towards I. */
  const flipped: ImageVolume = { ...indexVolume(), directionLps: [1, 0, 0, 0, -1, 0, 0, 0, -1] };
  /** Sagittally acquired: i runs towards P, j towards I, k towards L (columns A→P, rows S→I). */
  const sagittalAcq: ImageVolume = { ...indexVolume(), directionLps: [0, 1, 0, 0, 0, -1, 1, 0, 0] };
  /** Axial, tilted 30° about L: j = (0, cos30, −sin30), k = (0, sin30, cos30). */
  const c = Math.cos(Math.PI / 6);
  const s = Math.sin(Math.PI / 6);
  const tilted: ImageVolume = { ...indexVolume(), directionLps: [1, 0, 0, 0, c, -s, 0, s, c] };

  it('standard grid: radiological axial, coronal and sagittal letters', () => {
    expect(sliceEdgeLabels(standard, 'axial')).toEqual({ left: 'R', right: 'L', top: 'A', bottom: 'P' });
    expect(sliceEdgeLabels(standard, 'coronal')).toEqual({ left: 'R', right: 'L', top: 'S', bottom: 'I' });
    expect(sliceEdgeLabels(standard, 'sagittal')).toEqual({ left: 'A', right: 'P', top: 'S', bottom: 'I' });
  });
  it('flipped grid: the picture is the stored grid, so posterior is at the top and the k-planes are labelled inferior', () => {
    expect(sliceEdgeLabels(flipped, 'axial')).toEqual({ left: 'R', right: 'L', top: 'P', bottom: 'A' });
    expect(sliceEdgeLabels(flipped, 'coronal')).toEqual({ left: 'R', right: 'L', top: 'I', bottom: 'S' });
    expect(sliceEdgeLabels(flipped, 'sagittal')).toEqual({ left: 'P', right: 'A', top: 'I', bottom: 'S' });
  });
  it('a sagittal acquisition: its "axial" (k) planes are sagittal pictures', () => {
    // k-plane: columns = i (towards P), rows = j (towards I).
    expect(sliceEdgeLabels(sagittalAcq, 'axial')).toEqual({ left: 'A', right: 'P', top: 'S', bottom: 'I' });
  });
  it('an oblique (30° tilted) grid keeps the dominant direction first and a secondary one over 0.25', () => {
    // rows run along j = (0, 0.87, −0.5): bottom = P then I; top = A then S.
    expect(sliceEdgeLabels(tilted, 'axial')).toEqual({ left: 'R', right: 'L', top: 'AS', bottom: 'PI' });
  });
  it('slice position along the normal in mm, and back', () => {
    // origin (10, 20, 30), spacing (1, 2, 3): axial k = 1 is z = 33 mm (S).
    expect(slicePositionMm(standard, 'axial', 1)).toEqual({ mm: 33, letter: 'S', stepMm: 3 });
    expect(slicePositionMm(standard, 'coronal', 2)).toEqual({ mm: 24, letter: 'P', stepMm: 2 });
    expect(slicePositionMm(standard, 'sagittal', 3)).toEqual({ mm: 13, letter: 'L', stepMm: 1 });
    // Flipped k: slice 1 lies at z = 30 − 3 = 27 mm, i.e. 27 mm along −S: "I −27".
    expect(slicePositionMm(flipped, 'axial', 1)).toEqual({ mm: -27, letter: 'I', stepMm: 3 });
    expect(sliceIndexAtMm(standard, 'axial', 33)).toBe(1);
    expect(sliceIndexAtMm(standard, 'axial', 31.4)).toBe(0);
    expect(sliceIndexAtMm(standard, 'axial', 1000)).toBe(1); // clamped
    expect(sliceIndexAtMm(flipped, 'axial', -27)).toBe(1);
    expect(sliceIndexAtMm(standard, 'coronal', 25)).toBe(2);
    expect(() => sliceIndexAtMm(standard, 'axial', Number.NaN)).toThrow(/number of mm/);
  });
  it('crosshair lines of the other two planes on each picture', () => {
    expect(crosshairLines(standard, 'axial', [2, 1, 0])).toEqual([
      { plane: 'sagittal', orientation: 'vertical', at: 2.5 },
      { plane: 'coronal', orientation: 'horizontal', at: 1.5 },
    ]);
    expect(crosshairLines(standard, 'coronal', [2, 1, 0])[1]).toEqual({ plane: 'axial', orientation: 'horizontal', at: 1.5 }); // k = 0 is the bottom row
    expect(crosshairLines(standard, 'sagittal', [2, 1, 1])).toEqual([
      { plane: 'coronal', orientation: 'vertical', at: 1.5 },
      { plane: 'axial', orientation: 'horizontal', at: 0.5 },
    ]);
  });
});
