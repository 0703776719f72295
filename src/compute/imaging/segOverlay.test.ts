import { describe, expect, it } from 'vitest';
import { ijkToLps, type LabelVolume } from '../../../core/domain/imaging';
import { paintLabelOverlay } from './segOverlay';

/** 4×3×2 labels, spacing 1×2×3 mm: label 1 at (1,1,1), label 2 at (2,1,1) in layer 0, label 3 over (1,1,1) in layer 1. */
function map(direction: LabelVolume['directionLps'] = [1, 0, 0, 0, 1, 0, 0, 0, 1]): LabelVolume {
  const labels = new Uint8Array(24);
  const over = new Uint8Array(24);
  const at = (i: number, j: number, k: number) => i + 4 * (j + 3 * k);
  labels[at(1, 1, 1)] = 1;
  labels[at(2, 1, 1)] = 2;
  over[at(1, 1, 1)] = 3;
  return {
    dimensions: [4, 3, 2],
    spacingMm: [1, 2, 3],
    originLps: [10, 20, 30],
    directionLps: direction,
    labels,
    overlapLayers: [over],
    segments: [
      { label: 1, name: 'liver', colorRgb: [200, 100, 0] },
      { label: 2, name: 'tumour', colorRgb: [0, 200, 0] },
      { label: 3, name: 'vessel', colorRgb: [0, 0, 200], layer: 1 },
    ],
    source: { kind: 'dicom-seg', id: 's' },
  };
}
const colours = new Map<number, [number, number, number]>([
  [1, [200, 100, 0]],
  [2, [0, 200, 0]],
  [3, [0, 0, 200]],
]);

/** An axial view of slice k, one overlay pixel per voxel, pixel (x, y) = voxel (x, y, k). */
function axialView(m: LabelVolume, k: number) {
  const p = (i: number, j: number) => ijkToLps(m, i, j, k);
  const o = p(-0.5, -0.5);
  const x1 = p(0.5, -0.5);
  const y1 = p(-0.5, 0.5);
  return { originLps: o, dxLps: [x1[0] - o[0], x1[1] - o[1], x1[2] - o[2]] as [number, number, number], dyLps: [y1[0] - o[0], y1[1] - o[1], y1[2] - o[2]] as [number, number, number] };
}

function read(out: Uint8ClampedArray, w: number, x: number, y: number): number[] {
  const p = 4 * (x + w * y);
  return [out[p]!, out[p + 1]!, out[p + 2]!, out[p + 3]!];
}

describe('SEG label overlay on a 2D view', () => {
  it('paints each shown segment in its colour where the view cuts it; overlapping layers blend', () => {
    const m = map();
    const out = new Uint8ClampedArray(4 * 3 * 4);
    const n = paintLabelOverlay(out, 4, 3, axialView(m, 1), m, (l) => colours.get(l), 0.5);
    expect(n).toBe(2);
    expect(read(out, 4, 1, 1)).toEqual([100, 50, 100, 128]); // liver blended with the vessel above it
    expect(read(out, 4, 2, 1)).toEqual([0, 200, 0, 128]);
    expect(read(out, 4, 0, 0)).toEqual([0, 0, 0, 0]);
  });
  it('a hidden segment is left out; another slice shows nothing', () => {
    const m = map();
    const out = new Uint8ClampedArray(4 * 3 * 4);
    paintLabelOverlay(out, 4, 3, axialView(m, 1), m, (l) => (l === 3 ? undefined : colours.get(l)), 0.5);
    expect(read(out, 4, 1, 1)).toEqual([200, 100, 0, 128]);
    expect(paintLabelOverlay(out, 4, 3, axialView(m, 0), m, (l) => colours.get(l), 0.5)).toBe(0);
  });
  it('follows the direction cosines: a flipped grid puts the labels where the voxels are in LPS', () => {
    const m = map([-1, 0, 0, 0, -1, 0, 0, 0, 1]);
    // The same world-aligned view as for the standard grid: x towards +L, y towards +P, through the plane of k = 1.
    const w = 4;
    const h = 3;
    const o = ijkToLps(m, 3.5, 2.5, 1); // the most-right, most-anterior corner of this grid
    const out = new Uint8ClampedArray(4 * w * h);
    paintLabelOverlay(out, w, h, { originLps: o, dxLps: [1, 0, 0], dyLps: [0, 2, 0] }, m, (l) => colours.get(l), 1);
    // Voxel i = 2 lies at x = 10 − 2 = 8 mm → pixel x = (8 − 6.5) − 0.5 = 1; i = 1 → pixel 2. j = 1 → row 1.
    expect(read(out, w, 1, 1).slice(0, 3)).toEqual([0, 200, 0]);
    expect(read(out, w, 2, 1).slice(0, 3)).toEqual([100, 50, 100]);
  });
  it('refuses a wrong buffer', () => {
    const m = map();
    expect(() => paintLabelOverlay(new Uint8ClampedArray(3), 4, 3, axialView(m, 1), m, () => undefined, 0.5)).toThrow(/needs 48/);
  });
});
