import { describe, expect, it } from 'vitest';
import { type Vec3, type VolumeGeometry, ijkToLps } from '../../core/domain/imaging';
import { type TriangleMesh } from '../../core/domain/mesh';
import { MARGIN_BANDS, marginBand, tessellateSurface, type ResectionSurface } from '../../core/domain/resectionSurface';
import { VoxelMask, sideOfStructure, surfaceMarginMap } from './margins';

/** A latitude–longitude sphere (vertices on the sphere, outward triangles). */
function sphereMesh(c: Vec3, r: number, n = 48): TriangleMesh {
  const pos: number[] = [];
  const idx: number[] = [];
  for (let a = 0; a <= n; a++) {
    const th = (Math.PI * a) / n;
    for (let b = 0; b < 2 * n; b++) {
      const ph = (Math.PI * b) / n;
      pos.push(c[0] + r * Math.sin(th) * Math.cos(ph), c[1] + r * Math.sin(th) * Math.sin(ph), c[2] - r * Math.cos(th));
    }
  }
  const at = (a: number, b: number): number => a * 2 * n + (b % (2 * n));
  for (let a = 0; a < n; a++) {
    for (let b = 0; b < 2 * n; b++) {
      idx.push(at(a, b), at(a, b + 1), at(a + 1, b + 1), at(a, b), at(a + 1, b + 1), at(a + 1, b));
    }
  }
  return { positionsLps: Float32Array.from(pos), indices: Uint32Array.from(idx) };
}

/** Voxels of a 1 mm grid over [−50, 50]³ that `keep` accepts. */
function voxelsWhere(keep: (p: Vec3) => boolean): { grid: VolumeGeometry; voxels: Uint32Array } {
  const grid: VolumeGeometry = { dimensions: [101, 101, 101], spacingMm: [1, 1, 1], originLps: [-50, -50, -50], directionLps: [1, 0, 0, 0, 1, 0, 0, 0, 1] };
  const out: number[] = [];
  const p: Vec3 = [0, 0, 0];
  for (let k = 0; k < 101; k++) for (let j = 0; j < 101; j++) for (let i = 0; i < 101; i++) if (keep(ijkToLps(grid, i, j, k, p))) out.push(i + 101 * (j + 101 * k));
  return { grid, voxels: Uint32Array.from(out) };
}

describe('safety-margin map on the resection surface', () => {
  const tumourCentre: Vec3 = [0, 0, 25];
  const tumour = sphereMesh(tumourCentre, 10);
  const organ = voxelsWhere((p) => p[0] <= 0.5);
  const organMask = new VoxelMask(organ.grid, organ.voxels);
  const t = voxelsWhere((p) => Math.hypot(p[0] - tumourCentre[0], p[1] - tumourCentre[1], p[2] - tumourCentre[2]) <= 10);
  const tumourMask = new VoxelMask(t.grid, t.voxels);
  const flat: ResectionSurface = { pointLps: [0, 0, 0], normalLps: [0, 0, 1], uRangeMm: [-40, 40], vRangeMm: [-40, 40], heightsMm: new Array(16).fill(0) };

  it('a plane 15 mm below a 10 mm tumour reads a 15 mm minimum margin to it, and only inside the organ', () => {
    const mesh = tessellateSurface(flat, 48);
    const map = surfaceMarginMap(flat, mesh, organMask, [{ label: 3, name: 'tumour', mesh: tumour, mask: tumourMask }]);
    expect(map.min!.mm).toBeCloseTo(15, 2);
    expect(map.min!.label).toBe(3);
    expect(map.targets[0]!.side).toBe('resected');
    // Every vertex inside the organ has the analytic distance to the sphere (mesh chord error < 0.1 mm).
    let inside = 0;
    for (let v = 0; v < map.marginMm.length; v++) {
      const [x, y, z] = [mesh.positionsLps[3 * v]!, mesh.positionsLps[3 * v + 1]!, mesh.positionsLps[3 * v + 2]!];
      if (x > 0.5) {
        expect(map.marginMm[v]).toBeNaN();
        continue;
      }
      inside++;
      const exact = Math.hypot(x - tumourCentre[0], y - tumourCentre[1], z - tumourCentre[2]) - 10;
      expect(Math.abs(map.marginMm[v]! - exact)).toBeLessThan(0.15);
    }
    expect(inside).toBeGreaterThan(1000);
  });

  it('bending the surface towards the tumour shrinks the margin; through it, the margin is 0 and the tumour is crossed', () => {
    const near: ResectionSurface = { ...flat, heightsMm: [0, 0, 0, 0, 0, 12, 12, 0, 0, 12, 12, 0, 0, 0, 0, 0] };
    // Centre height of this patch: (3/4·12·2·(3/8)... ) = 12·(2·3/8)² = 6.75 mm.
    const mNear = surfaceMarginMap(near, tessellateSurface(near, 48), organMask, [{ label: 3, name: 'tumour', mesh: tumour, mask: tumourMask }]);
    expect(mNear.min!.mm).toBeCloseTo(15 - 6.75, 1);
    const through: ResectionSurface = { ...flat, heightsMm: new Array(16).fill(25) };
    const mThrough = surfaceMarginMap(through, tessellateSurface(through, 48), organMask, [{ label: 3, name: 'tumour', mesh: tumour, mask: tumourMask }]);
    expect(mThrough.min!.mm).toBe(0);
    expect(mThrough.targets[0]!.side).toBe('crossed');
    expect(sideOfStructure({ ...flat, heightsMm: new Array(16).fill(40) }, tumour)).toBe('remnant');
  });

  it('the nearest of several structures is named', () => {
    const vessel = sphereMesh([-20, 0, -8], 3);
    const map = surfaceMarginMap(flat, tessellateSurface(flat, 48), organMask, [
      { label: 3, name: 'tumour', mesh: tumour, mask: tumourMask },
      { label: 5, name: 'portal vein', mesh: vessel },
    ]);
    expect(map.min!.name).toBe('portal vein');
    expect(map.min!.mm).toBeCloseTo(5, 1);
    expect(map.targets.map((x) => x.side)).toEqual(['resected', 'remnant']);
  });

  it('margin bands: < 1 mm red (R1), 1–5, 5–10, ≥ 10 mm green', () => {
    expect([-1, 0, 0.99, 1, 4.99, 5, 9.99, 10, 300].map(marginBand)).toEqual([0, 0, 0, 1, 1, 2, 2, 3, 3]);
    expect(MARGIN_BANDS[3]!.colorRgb[1]).toBeGreaterThan(MARGIN_BANDS[3]!.colorRgb[0]);
  });
});
