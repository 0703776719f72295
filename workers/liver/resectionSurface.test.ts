import { describe, expect, it } from 'vitest';
import { type LabelVolume, type Vec3, type VolumeGeometry, ijkToLps } from '../../core/domain/imaging';
import { cutMaskVolumes } from '../meshing/planning';
import {
  SurfaceSideOnGrid,
  controlPointsLps,
  curvedCutVolumes,
  flatPatchOver,
  patchHeightMm,
  planeAxesLps,
  sideOfPointMm,
  surfaceCutCounts,
  surfaceCutMaskVolumes,
  tessellateSurface,
  validatePatch,
  type ResectionSurface,
} from './resectionSurface';

/** An oblique, anisotropic grid (rotated 20° about S) with a sphere of radius 30 mm as label 1. */
function sphereVolume(): { grid: VolumeGeometry; labels: LabelVolume; voxels: Uint32Array } {
  const c = Math.cos((20 * Math.PI) / 180), s = Math.sin((20 * Math.PI) / 180);
  const grid: VolumeGeometry = { dimensions: [70, 64, 40], spacingMm: [0.9, 1.0, 1.6], originLps: [-32, -31, -31], directionLps: [c, s, 0, -s, c, 0, 0, 0, 1] };
  const [nI, nJ, nK] = grid.dimensions;
  const data = new Uint8Array(nI * nJ * nK);
  const centre: Vec3 = [0, 2, 0];
  const p: Vec3 = [0, 0, 0];
  const list: number[] = [];
  for (let k = 0; k < nK; k++) {
    for (let j = 0; j < nJ; j++) {
      for (let i = 0; i < nI; i++) {
        ijkToLps(grid, i, j, k, p);
        if (Math.hypot(p[0] - centre[0], p[1] - centre[1], p[2] - centre[2]) <= 30) {
          const x = i + nI * (j + nJ * k);
          data[x] = 1;
          list.push(x);
        }
      }
    }
  }
  const labels = { ...grid, labels: data, segments: [{ label: 1, name: 'liver', colorRgb: [200, 100, 80] }], source: { kind: 'generated', id: 'sphere' } } as unknown as LabelVolume;
  return { grid, labels, voxels: Uint32Array.from(list) };
}

const box = (): { grid: VolumeGeometry; voxels: Uint32Array } => {
  // 0.5 mm voxels filling x, y ∈ [−20, 20], z ∈ [−20, 20] mm (voxel centres at ±0.25 … ±19.75).
  const grid: VolumeGeometry = { dimensions: [80, 80, 80], spacingMm: [0.5, 0.5, 0.5], originLps: [-19.75, -19.75, -19.75], directionLps: [1, 0, 0, 0, 1, 0, 0, 0, 1] };
  return { grid, voxels: Uint32Array.from({ length: 80 ** 3 }, (_, x) => x) };
};

describe('curved resection surface (bicubic Bézier height field over a plane)', () => {
  it('a flat surface (h ≡ 0) resects exactly the voxels its plane does (cutMaskVolumes, oblique grid and normal)', () => {
    const { grid, labels, voxels } = sphereVolume();
    for (const [n, off] of [
      [[-1, 0.2, 0.1], 3.3],
      [[0.3, -0.8, 0.5], -7.1],
      [[0, 0, 1], 0],
    ] as Array<[Vec3, number]>) {
      const len = Math.hypot(...n);
      const plane = { pointLps: [(off * n[0]) / len, 2 + (off * n[1]) / len, (off * n[2]) / len] as Vec3, normalLps: n };
      const flat = flatPatchOver(plane, new Float32Array([-30, -28, -30, 30, 32, 30]));
      const surface: ResectionSurface = { ...flat, ...plane };
      expect(surfaceCutMaskVolumes(surface, grid, voxels)).toEqual(cutMaskVolumes(labels, 1, plane));
    }
  });

  it('constant heights move the plane along its normal; linear heights tilt it (Bézier linear precision, 1e-9 mm)', () => {
    const plane = { pointLps: [1, 2, 3] as Vec3, normalLps: [0.2, -0.3, 0.9] as Vec3 };
    const patch = { uRangeMm: [-40, 50] as [number, number], vRangeMm: [-30, 20] as [number, number] };
    const lift: ResectionSurface = { ...plane, ...patch, heightsMm: new Array(16).fill(7.5) };
    const tilt: ResectionSurface = { ...plane, ...patch, heightsMm: Array.from({ length: 16 }, (_, q) => 0.2 * (-40 + ((q % 4) / 3) * 90) - 0.1 * (-30 + (Math.floor(q / 4) / 3) * 50)) };
    for (const [u, v] of [[-40, -30], [0, 0], [13.7, -4.2], [50, 20]]) {
      expect(patchHeightMm(lift, u!, v!)).toBeCloseTo(7.5, 9);
      expect(patchHeightMm(tilt, u!, v!)).toBeCloseTo(0.2 * u! - 0.1 * v!, 9);
    }
  });

  it('a symmetric bend [0, H, H, 0] across u resects the analytic volume 3H·s(1−s) over the patch (box, within 0.5 %)', () => {
    const { grid, voxels } = box();
    // Plane z = 0 with normal +S; the patch spans the box exactly (u, v ∈ [−20, 20] mm).
    const plane = { pointLps: [0, 0, 0] as Vec3, normalLps: [0, 0, 1] as Vec3 };
    const H = 8;
    const heights = [0, H, H, 0, 0, H, H, 0, 0, H, H, 0, 0, H, H, 0];
    const s: ResectionSurface = { ...plane, uRangeMm: [-20, 20], vRangeMm: [-20, 20], heightsMm: heights };
    const v = surfaceCutMaskVolumes(s, grid, voxels);
    // Resected = box above z = h: 40·40·20 mm³ minus ∫∫ h = area × mean(3H s(1−s)) = 1600 × H/2.
    const expectedMm3 = 40 * 40 * 20 - 1600 * (H / 2);
    expect(Math.abs(v.resectedMl * 1000 - expectedMm3) / expectedMm3).toBeLessThan(0.005);
    expect(v.totalMl).toBeCloseTo(64, 9);
  });

  it('the voxel side function agrees with the point side function (random voxels on an oblique grid)', () => {
    const { grid, voxels } = sphereVolume();
    const plane = { pointLps: [2, 1, -3] as Vec3, normalLps: [-0.9, 0.3, 0.2] as Vec3 };
    const s: ResectionSurface = { ...plane, uRangeMm: [-35, 35], vRangeMm: [-30, 30], heightsMm: [0, 5, -4, 2, 6, 12, -8, 0, -3, 9, 14, -6, 1, -2, 3, 4] };
    const side = new SurfaceSideOnGrid(s, grid);
    const [nI, nJ] = grid.dimensions;
    const p: Vec3 = [0, 0, 0];
    let seed = 11;
    const rnd = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let q = 0; q < 2000; q++) {
      const x = voxels[Math.floor(rnd() * voxels.length)]!;
      const i = x % nI, j = Math.floor(x / nI) % nJ, k = Math.floor(x / (nI * nJ));
      const byPoint = sideOfPointMm(s, ijkToLps(grid, i, j, k, p));
      expect(side.heightAboveMm(i, j, k)).toBeCloseTo(byPoint, 6);
      if (Math.abs(byPoint) > 1e-6) expect(side.remnant(x)).toBe(byPoint < 0 ? 1 : 0);
    }
    const counts = surfaceCutCounts(side, voxels);
    let resected = 0;
    for (const x of voxels) resected += 1 - side.remnant(x);
    expect(counts.resectedBySurface).toBe(resected);
  });

  it('the curved readout starts from the plane mesh numbers and adds the voxel volume between plane and surface', () => {
    const meshCut = { resectedMl: 30, remnantMl: 70, totalMl: 100, resectedPercent: 30, remnantPercent: 70 };
    const g: VolumeGeometry = { dimensions: [10, 10, 10], spacingMm: [1, 1, 1], originLps: [0, 0, 0], directionLps: [1, 0, 0, 0, 1, 0, 0, 0, 1] };
    expect(curvedCutVolumes(meshCut, { resectedBySurface: 500, resectedByPlane: 500, total: 1000 }, g)).toBe(meshCut);
    const bent = curvedCutVolumes(meshCut, { resectedBySurface: 5500, resectedByPlane: 500, total: 1000 }, g);
    expect(bent.resectedMl).toBeCloseTo(35, 9);
    expect(bent.remnantPercent).toBeCloseTo(65, 9);
  });

  it('corner control points lie on the surface; the in-plane axes are orthonormal and right-handed', () => {
    const s: ResectionSurface = { pointLps: [5, -3, 10], normalLps: [0.1, 0.95, 0.2], uRangeMm: [-20, 30], vRangeMm: [-10, 40], heightsMm: Array.from({ length: 16 }, (_, q) => (q * 7) % 11) };
    const cp = controlPointsLps(s);
    const mesh = tessellateSurface(s, 6);
    const m = 7;
    for (const [q, vtx] of [[0, 0], [3, 6], [12, 6 * m], [15, m * m - 1]]) {
      for (let x = 0; x < 3; x++) expect(mesh.positionsLps[3 * vtx! + x]).toBeCloseTo(cp[3 * q! + x]!, 3);
    }
    const { uLps: u, vLps: v } = planeAxesLps([0, 0, 1]);
    expect(Math.hypot(...u)).toBeCloseTo(1, 12);
    expect(u[0] * v[0] + u[1] * v[1] + u[2] * v[2]).toBeCloseTo(0, 12);
    const cross: Vec3 = [u[1] * v[2] - u[2] * v[1], u[2] * v[0] - u[0] * v[2], u[0] * v[1] - u[1] * v[0]];
    expect(cross[2]).toBeCloseTo(1, 12);
  });

  it('bad patches are refused with the problem named', () => {
    expect(() => validatePatch({ uRangeMm: [5, 5], vRangeMm: [0, 1], heightsMm: new Array(16).fill(0) })).toThrow(/u extent/);
    expect(() => validatePatch({ uRangeMm: [0, 5], vRangeMm: [0, 1], heightsMm: new Array(15).fill(0) })).toThrow(/16 control heights/);
    expect(() => validatePatch({ uRangeMm: [0, 5], vRangeMm: [0, 1], heightsMm: [...new Array(15).fill(0), NaN] })).toThrow(/control point 16/);
    expect(() => planeAxesLps([0, 0, 0])).toThrow(/non-zero/);
  });
});
