import { describe, expect, it } from 'vitest';
import { type ImageVolume } from '../../core/domain/imaging';
import { axisAlignedGeometry, paintBox } from './phantoms';
import { applyMarginMm, connectedComponents, detachAtSeed, fillHoles, regionGrow, removeIslands, threshold } from './segmentation';
import { HU_PRESETS } from '../../core/domain/segmentation';

// Synthetic CT, drawn as HU: air-free soft tissue background 40 HU; a "liver" box 100 HU with an
// enclosed "portal vein" 200 HU inside it; a separate "spleen" box 100 HU; a rib 500 HU touching the liver.
const g = axisAlignedGeometry([30, 24, 20], [1, 1, 1], [0, 0, 0]);
const n = 30 * 24 * 20;
function phantom(): ImageVolume {
  const labels = new Uint8Array(n);
  paintBox(labels, g.dimensions, [2, 2, 2], [15, 15, 15], 1); // liver 14³ = 2744
  paintBox(labels, g.dimensions, [6, 6, 6], [9, 9, 9], 2); // vein 4³ = 64, inside the liver
  paintBox(labels, g.dimensions, [20, 4, 4], [26, 10, 10], 1); // spleen 7³ = 343, separate
  paintBox(labels, g.dimensions, [16, 2, 2], [17, 15, 3], 3); // rib 2×14×2 = 56, touching the liver
  const hu = [40, 100, 200, 500];
  const voxels = new Int16Array(n);
  for (let x = 0; x < n; x++) voxels[x] = hu[labels[x]!]!;
  return { ...g, voxels, unit: 'HU', source: { kind: 'generated', id: 'segmentation-phantom' } };
}
const count = (m: Uint8Array): number => m.reduce((a, b) => a + b, 0);

describe('segmentation kernels on a synthetic phantom', () => {
  it('threshold with the liver preset finds liver (without the vein) and spleen', () => {
    const mask = new Uint8Array(n);
    expect(threshold(phantom(), HU_PRESETS.liver, mask)).toBe(2744 - 64 + 343);
    expect(threshold(phantom(), HU_PRESETS.bone, mask)).toBe(56);
    expect(() => threshold(phantom(), { minHu: 10, maxHu: 0 }, mask)).toThrow(/HU range is empty/);
  });

  it('region growing from a liver seed gets the liver only (6-connected), from a background seed nothing', () => {
    const mask = new Uint8Array(n);
    expect(regionGrow(phantom(), [3, 3, 3], HU_PRESETS.liver, mask)).toBe(2744 - 64);
    expect(mask[20 + 30 * (5 + 24 * 5)]).toBe(0); // spleen not reached
    expect(regionGrow(phantom(), [0, 0, 0], HU_PRESETS.liver, mask)).toBe(0);
    expect(count(mask)).toBe(0);
    expect(() => regionGrow(phantom(), [30, 0, 0], HU_PRESETS.liver, mask)).toThrow(/not a voxel/);
    // Blood-pool preset from a seed in the vein grows exactly the vein.
    expect(regionGrow(phantom(), [7, 7, 7], HU_PRESETS.contrastBloodPool, mask)).toBe(64);
  });

  it('hole filling closes the enclosed vein; island removal keeps the largest or the big ones', () => {
    const mask = new Uint8Array(n);
    threshold(phantom(), HU_PRESETS.liver, mask);
    expect(fillHoles(mask, g)).toBe(64);
    expect(count(mask)).toBe(2744 + 343);
    const ids = new Int32Array(n);
    expect(connectedComponents(mask, g, ids)).toEqual([0, 2744, 343]);
    const big = mask.slice();
    expect(removeIslands(big, g, { keep: 'atLeast', minVoxels: 300 })).toBe(2744 + 343);
    expect(removeIslands(big, g, { keep: 'atLeast', minVoxels: 400 })).toBe(2744);
    expect(removeIslands(mask, g, { keep: 'largest' })).toBe(2744);
  });

  it('margins are Euclidean in mm with anisotropic spacing', () => {
    const dot = (spacing: [number, number, number]): Uint8Array => {
      const m = new Uint8Array(11 * 11 * 11);
      m[5 + 11 * (5 + 11 * 5)] = 1;
      applyMarginMm(m, axisAlignedGeometry([11, 11, 11], spacing), 2);
      return m;
    };
    // Lattice points with i² + j² + k² ≤ 4: 1 + 6 + 12 + 8 + 6 = 33.
    expect(count(dot([1, 1, 1]))).toBe(33);
    // With 2 mm slices: i² + j² + (2k)² ≤ 4 → 13 in-plane + 2 out of plane.
    expect(count(dot([1, 1, 2]))).toBe(15);
    // Shrinking a 7³ cube by 1 mm peels one layer (its 6-neighbour background is 1 mm away).
    const cube = new Uint8Array(11 * 11 * 11);
    const cg = axisAlignedGeometry([11, 11, 11], [1, 1, 1]);
    paintBox(cube, cg.dimensions, [2, 2, 2], [8, 8, 8], 1);
    applyMarginMm(cube, cg, -1);
    expect(count(cube)).toBe(125);
    // Growing the 5³ cube by 1 mm adds its 6 faces (25 voxels each) but not the edges (√2 mm away).
    applyMarginMm(cube, cg, 1);
    expect(count(cube)).toBe(5 ** 3 + 6 * 25);
  });
});

describe('detachAtSeed (cut thin bridges)', () => {
  // Two 12 mm "organs" of the same density joined by a 2 × 2 mm bridge, 8 mm long: a seeded growth
  // takes both; the opening keeps the seed's organ alone.
  const gb = axisAlignedGeometry([40, 16, 16], [1, 1, 1], [0, 0, 0]);
  function twoOrgans(): ImageVolume {
    const labels = new Uint8Array(40 * 16 * 16);
    paintBox(labels, gb.dimensions, [2, 2, 2], [13, 13, 13], 1); // 12³ = 1728
    paintBox(labels, gb.dimensions, [22, 2, 2], [33, 13, 13], 1);
    paintBox(labels, gb.dimensions, [14, 7, 7], [21, 8, 8], 1); // bridge 8 × 2 × 2
    const voxels = new Int16Array(labels.length);
    for (let x = 0; x < labels.length; x++) voxels[x] = labels[x] ? 100 : 40;
    return { ...gb, voxels, unit: 'HU', source: { kind: 'generated', id: 'two-organs' } };
  }

  it('keeps the seed organ and drops the one behind the bridge', () => {
    const v = twoOrgans();
    const mask = new Uint8Array(v.voxels.length);
    expect(regionGrow(v, [7, 7, 7], { minHu: 80, maxHu: 120 }, mask)).toBe(2 * 1728 + 32);
    const n = detachAtSeed(mask, v, [7, 7, 7], 2);
    // Nothing of the far organ and of the bridge but its root (a fillet within the radius of the
    // organ); the organ kept but for its rounded edges (an opening by a 2 mm ball rounds a box's
    // 12 edges: 1 388 of its 1 728 voxels stay).
    let far = 0;
    for (let x = 0; x < mask.length; x++) if (mask[x] && x % 40 >= 16) far++;
    expect(far).toBe(0);
    expect(n).toBeLessThanOrEqual(1728 + 4);
    expect(n).toBeGreaterThan(0.78 * 1728);
    expect(mask[7 + 40 * (7 + 16 * 7)]).toBe(1);
  });

  it('fills holes before shrinking, so a vessel inside the organ does not break it', () => {
    const v = twoOrgans();
    const mask = new Uint8Array(v.voxels.length);
    regionGrow(v, [7, 7, 7], { minHu: 80, maxHu: 120 }, mask);
    for (let k = 6; k <= 9; k++) for (let j = 6; j <= 9; j++) for (let i = 6; i <= 9; i++) if (i !== 7 || j !== 7 || k !== 7) mask[i + 40 * (j + 16 * k)] = 0;
    const solid = new Uint8Array(v.voxels.length);
    regionGrow(v, [7, 7, 7], { minHu: 80, maxHu: 120 }, solid);
    expect(detachAtSeed(mask, v, [7, 7, 7], 2)).toBe(detachAtSeed(solid, v, [7, 7, 7], 2));
  });

  it('names the problem when the seed is on the edge or the radius is not a positive number', () => {
    const v = twoOrgans();
    const mask = new Uint8Array(v.voxels.length);
    regionGrow(v, [2, 7, 7], { minHu: 80, maxHu: 120 }, mask);
    expect(() => detachAtSeed(mask.slice(), v, [2, 7, 7], 2)).toThrow(/within 2 mm of the structure's edge/);
    expect(() => detachAtSeed(mask.slice(), v, [7, 7, 7], 0)).toThrow(/positive number of mm/);
    expect(() => detachAtSeed(mask.slice(), v, [70, 7, 7], 2)).toThrow(/outside the volume/);
  });
});
