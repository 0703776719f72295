import { describe, expect, it } from 'vitest';
import { type Vec3, type VolumeGeometry, ijkToLps } from '../../core/domain/imaging';
import { rasteriseBranches, territoryRemnants, vascularTerritories } from './territories';
import { SurfaceSideOnGrid } from './resectionSurface';

const grid = (dims: Vec3, spacing: Vec3, origin: Vec3): VolumeGeometry => ({ dimensions: dims, spacingMm: spacing, originLps: origin, directionLps: [1, 0, 0, 0, 1, 0, 0, 0, 1] });

describe('vascular territories (nearest branch)', () => {
  it('the labelled distance transform gives every voxel a nearest centreline voxel (brute force, anisotropic, random seeds)', () => {
    const g = grid([13, 9, 7], [0.8, 1.3, 2.1], [0, 0, 0]);
    let seed = 7;
    const rnd = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const branches = [1, 2, 3, 4].map((id) => ({ id, name: `b${id}`, pointsLps: [ijkToLps(g, Math.floor(rnd() * 13), Math.floor(rnd() * 9), Math.floor(rnd() * 7))] }));
    const mask = new Uint8Array(13 * 9 * 7).fill(1);
    const t = vascularTerritories(g, mask, branches);
    const seeds = rasteriseBranches(g, branches);
    const seedPts: Array<{ p: Vec3; id: number }> = [];
    for (let x = 0; x < seeds.length; x++) if (seeds[x]) seedPts.push({ p: ijkToLps(g, x % 13, Math.floor(x / 13) % 9, Math.floor(x / 117)), id: seeds[x]! });
    for (let x = 0; x < mask.length; x++) {
      const p = ijkToLps(g, x % 13, Math.floor(x / 13) % 9, Math.floor(x / 117));
      const d = (q: Vec3): number => Math.hypot(p[0] - q[0], p[1] - q[1], p[2] - q[2]);
      const best = Math.min(...seedPts.map((s) => d(s.p)));
      const mine = Math.min(...seedPts.filter((s) => s.id === t.labels[x]).map((s) => d(s.p)));
      expect(mine).toBeCloseTo(best, 9);
    }
  });

  it('two parallel portal branches (on voxel centres, x = ±9.5) split a box liver in two equal territories (exact)', () => {
    // Voxel centres at x = −19.5 … 19.5 mm: the mid-plane x = 0 falls between voxels, no ties.
    const g = grid([40, 20, 10], [1, 1.5, 2], [-19.5, 0, 0]);
    const mask = new Uint8Array(40 * 20 * 10).fill(1);
    const t = vascularTerritories(g, mask, [
      { id: 1, name: 'right', pointsLps: [[-9.5, 0, 0], [-9.5, 30, 20]] },
      { id: 2, name: 'left', pointsLps: [[9.5, 0, 0], [9.5, 30, 20]] },
    ]);
    const half = (20 * 20 * 10 * 1 * 1.5 * 2) / 1000;
    expect(t.volumeMl.get(1)).toBeCloseTo(half, 10);
    expect(t.volumeMl.get(2)).toBeCloseTo(half, 10);
    // A cut at x = 5.5 mm, normal +x: territory 1 wholly remnant, territory 2 keeps x = 0.5 … 4.5 (5 voxel columns).
    const r = territoryRemnants(t, { pointLps: [5, 0, 0], normalLps: [1, 0, 0] });
    const byId = new Map(r.byBranch.map((b) => [b.branchId, b]));
    expect(byId.get(1)!.remnantMl).toBeCloseTo(half, 10);
    expect(byId.get(2)!.remnantMl).toBeCloseTo((5 * 20 * 10 * 3) / 1000, 10);
    expect(r.remnantMl).toBeCloseTo(byId.get(1)!.remnantMl + byId.get(2)!.remnantMl, 10);
    expect(byId.get(1)!.remnantPercentOfLiver).toBeCloseTo(50, 10);
  });

  it('sphere r = 20 mm, branches at x = ±10.5 (on voxel centres, so no voxel is a tie): hemispheres, and the remnant slab 0 < x < 5 of one within 3 % of the analytic spherical segment', () => {
    const g = grid([48, 48, 48], [1, 1, 1], [-23.5, -23.5, -23.5]);
    const mask = new Uint8Array(48 ** 3);
    for (let k = 0; k < 48; k++) for (let j = 0; j < 48; j++) for (let i = 0; i < 48; i++) {
      const p = ijkToLps(g, i, j, k);
      if (Math.hypot(...p) <= 20) mask[i + 48 * (j + 48 * k)] = 1;
    }
    const t = vascularTerritories(g, mask, [
      { id: 1, name: 'a', pointsLps: [[-10.5, 0, 0]] },
      { id: 2, name: 'b', pointsLps: [[10.5, 0, 0]] },
    ]);
    const hemi = ((2 / 3) * Math.PI * 20 ** 3) / 1000;
    expect(Math.abs(t.volumeMl.get(1)! - hemi) / hemi).toBeLessThan(0.03);
    expect(Math.abs(t.volumeMl.get(2)! - hemi) / hemi).toBeLessThan(0.03);
    const r = territoryRemnants(t, { pointLps: [5, 0, 0], normalLps: [1, 0, 0] });
    const slab = (((2 / 3) * Math.PI * 20 ** 3) - (Math.PI * 15 ** 2 * (3 * 20 - 15)) / 3) / 1000; // hemisphere − cap of height 15
    const b2 = r.byBranch.find((b) => b.branchId === 2)!;
    expect(Math.abs(b2.remnantMl - slab) / slab).toBeLessThan(0.03);
  });

  it('a curved resection surface: flat = the plane, a constant lift = the plane moved, a bent patch = voxel-by-voxel side (planner kernel)', () => {
    const g = grid([30, 24, 20], [1.1, 0.9, 1.7], [-16, -10, -15]);
    const mask = new Uint8Array(30 * 24 * 20).fill(1);
    const t = vascularTerritories(g, mask, [
      { id: 1, name: 'right', pointsLps: [[-8, 0, -10], [-8, 0, 10]] },
      { id: 2, name: 'left', pointsLps: [[8, 0, -10], [8, 0, 10]] },
    ]);
    const plane = { pointLps: [1.3, 0.4, 0.2] as Vec3, normalLps: [0.8, 0.36, 0.48] as Vec3 };
    const patch = { uRangeMm: [-30, 30] as [number, number], vRangeMm: [-30, 30] as [number, number] };
    const side = (heightsMm: number[]): SurfaceSideOnGrid => new SurfaceSideOnGrid({ ...plane, ...patch, heightsMm }, t.grid);
    const flat = territoryRemnants(t, plane, undefined, side(new Array(16).fill(0)));
    expect(flat).toEqual(territoryRemnants(t, plane));
    // Lifting every control point by 4 mm moves the surface 4 mm along the normal.
    const lifted = territoryRemnants(t, plane, undefined, side(new Array(16).fill(4)));
    const moved = territoryRemnants(t, { pointLps: [plane.pointLps[0] + 3.2, plane.pointLps[1] + 1.44, plane.pointLps[2] + 1.92], normalLps: plane.normalLps });
    lifted.byBranch.forEach((b, i) => expect(b.remnantMl).toBeCloseTo(moved.byBranch[i]!.remnantMl, 9));
    expect(lifted.remnantMl).toBeGreaterThan(flat.remnantMl);
    // A bent patch: the per-territory sums equal counting each voxel with the planner's own side test.
    const heights = [0, 5, -3, 2, 7, -6, 1, 0, -2, 4, 9, -8, 3, 0, -5, 6];
    const bent = side(heights);
    const r = territoryRemnants(t, plane, undefined, bent);
    const [nI, nJ] = t.grid.dimensions;
    const expected = new Map<number, number>([[1, 0], [2, 0]]);
    for (const x of t.liverVoxels) {
      const k = Math.floor(x / (nI * nJ));
      const j = Math.floor((x - k * nI * nJ) / nI);
      const i = x - k * nI * nJ - j * nI;
      if (bent.remnantIjk(i, j, k) === 1) expected.set(t.labels[x]!, expected.get(t.labels[x]!)! + 1);
    }
    const vox = (1.1 * 0.9 * 1.7) / 1000;
    for (const b of r.byBranch) expect(b.remnantMl).toBeCloseTo(expected.get(b.branchId)! * vox, 9);
    expect(r.remnantMl).not.toBeCloseTo(flat.remnantMl, 3);
  });

  it('refuses input it cannot use, saying why', () => {
    const g = grid([4, 4, 4], [1, 1, 1], [0, 0, 0]);
    expect(() => vascularTerritories(g, new Uint8Array(10), [{ id: 1, name: 'a', pointsLps: [[0, 0, 0]] }])).toThrow(/10 voxels/);
    expect(() => vascularTerritories(g, new Uint8Array(64), [])).toThrow(/no vessel branches/);
    expect(() => vascularTerritories(g, new Uint8Array(64), [{ id: 1, name: 'a', pointsLps: [[0, 0, 0]] }])).toThrow(/liver mask is empty/);
    expect(() => vascularTerritories(g, new Uint8Array(64).fill(1), [{ id: 0, name: 'a', pointsLps: [[0, 0, 0]] }])).toThrow(/id 1–65535/);
  });
});
