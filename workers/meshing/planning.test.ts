import { describe, expect, it } from 'vitest';
import { type TriangleMesh } from '../../core/domain/mesh';
import { signedVolumeMm3 } from './meshMetrics';
import { axisAlignedGeometry, ellipsoidPhantom } from './phantoms';
import { angleDeg, cutMaskVolumes, cutMeshVolumes, cutToVesselDistanceMm, distanceMm, planeMeshDistanceMm } from './planning';
import { meshLabelVolume } from './surfaces';

/** Axis-aligned box [lo, hi] as 12 outward triangles. */
function boxMesh(lo: [number, number, number], hi: [number, number, number]): TriangleMesh {
  const c = (x: number, y: number, z: number): number[] => [x ? hi[0] : lo[0], y ? hi[1] : lo[1], z ? hi[2] : lo[2]];
  const positionsLps = Float32Array.from([0, 1, 2, 3, 4, 5, 6, 7].flatMap((v) => c(v & 1, (v >> 1) & 1, (v >> 2) & 1)));
  // prettier-ignore
  const indices = Uint32Array.from([0, 2, 1, 1, 2, 3, 4, 5, 6, 5, 7, 6, 0, 1, 4, 1, 5, 4, 2, 6, 3, 3, 6, 7, 0, 4, 2, 2, 4, 6, 1, 3, 5, 3, 7, 5]);
  return { positionsLps, indices };
}

/** Octahedron subdivided `levels` times and projected onto a sphere (inscribed polyhedron). */
function sphereMesh(r: number, centre: [number, number, number], levels: number): TriangleMesh {
  let tris: number[][][] = [];
  const v = [[1, 0, 0], [-1, 0, 0], [0, 1, 0], [0, -1, 0], [0, 0, 1], [0, 0, -1]];
  const faces = [[0, 2, 4], [2, 1, 4], [1, 3, 4], [3, 0, 4], [2, 0, 5], [1, 2, 5], [3, 1, 5], [0, 3, 5]];
  tris = faces.map((f) => f.map((i) => v[i]!));
  const norm = (p: number[]): number[] => { const l = Math.hypot(p[0]!, p[1]!, p[2]!); return p.map((x) => x / l); };
  const mid = (a: number[], b: number[]): number[] => norm(a.map((x, i) => (x + b[i]!) / 2));
  for (let l = 0; l < levels; l++) {
    tris = tris.flatMap(([a, b, c]) => { const ab = mid(a!, b!), bc = mid(b!, c!), ca = mid(c!, a!); return [[a!, ab, ca], [ab, b!, bc], [ca, bc, c!], [ab, bc, ca]]; });
  }
  const positionsLps = Float32Array.from(tris.flatMap((t) => t.flatMap((p) => p.map((x, i) => centre[i]! + r * x))));
  const indices = Uint32Array.from(positionsLps.map((_, i) => i).filter((i) => i < positionsLps.length / 3));
  return { positionsLps, indices };
}

const capMm3 = (r: number, h: number): number => (Math.PI * h * h * (3 * r - h)) / 3;

describe('cut-plane volumes', () => {
  it('box 40 × 30 × 20 mm cut at x = 10 mm: 25% / 75% exactly, for any point on the plane', () => {
    const box = boxMesh([0, 0, 0], [40, 30, 20]);
    const r = cutMeshVolumes(box, { pointLps: [10, 7, -3], normalLps: [-2, 0, 0] });
    expect(r.totalMl).toBeCloseTo(24, 9);
    expect(r.resectedMl).toBeCloseTo(6, 6);
    expect(r.remnantMl).toBeCloseTo(18, 6);
    expect(r.resectedPercent).toBeCloseTo(25, 6);
    // An oblique plane through the box centre splits it in half by symmetry.
    const o = cutMeshVolumes(box, { pointLps: [20, 15, 10], normalLps: [1, 2, 3] });
    expect(o.resectedPercent).toBeCloseTo(50, 6);
    // A plane missing the box resects nothing.
    expect(cutMeshVolumes(box, { pointLps: [50, 0, 0], normalLps: [1, 0, 0] }).resectedMl).toBe(0);
  });

  it('sphere r = 30 mm cut 10 mm from its centre matches the spherical cap πh²(3r−h)/3 within 0.2%', () => {
    const r = 30;
    const s = sphereMesh(r, [5, -7, 100], 6);
    const total = signedVolumeMm3(s.positionsLps, s.indices);
    expect(total / ((4 / 3) * Math.PI * r ** 3)).toBeGreaterThan(0.998); // inscribed polyhedron
    const cut = cutMeshVolumes(s, { pointLps: [5, 3, 100], normalLps: [0, 1, 0] }); // y = +10 from centre
    expect(Math.abs(cut.resectedMl / (capMm3(r, 20) / 1000) - 1)).toBeLessThan(0.002);
    expect(Math.abs(cut.remnantMl / ((capMm3(r, 40)) / 1000) - 1)).toBeLessThan(0.002);
  });

  it('voxel sphere (meshed, and as a mask) gives the cap within 3%', async () => {
    const g = axisAlignedGeometry([70, 70, 50], [1, 1, 1.5], [-34.5, -34.5, -36.75]);
    const vol = ellipsoidPhantom(g, [{ label: 1, name: 'ball', centreLps: [0, 0, 0], radiiMm: [30, 30, 30] }]);
    const plane = { pointLps: [0, 0, 12] as [number, number, number], normalLps: [0, 0, 1] as [number, number, number] };
    const expectedMl = capMm3(30, 18) / 1000;
    const [ball] = await meshLabelVolume(vol, { budgetTriangles: 20000 });
    expect(Math.abs(cutMeshVolumes(ball!.mesh, plane).resectedMl / expectedMl - 1)).toBeLessThan(0.03);
    expect(Math.abs(cutMaskVolumes(vol, 1, plane).resectedMl / expectedMl - 1)).toBeLessThan(0.03);
  });
});

describe('distances', () => {
  it('plane to mesh: 0 when crossing, else the gap; cut outline to a vessel: the surface gap', () => {
    const organ = boxMesh([0, 0, 0], [40, 40, 40]);
    const vessel = boxMesh([20, 48, 0], [24, 52, 40]); // a square "vessel" 8 mm beyond the organ's y = 40 face
    expect(planeMeshDistanceMm({ pointLps: [0, 45, 0], normalLps: [0, 1, 0] }, vessel)).toBeCloseTo(3, 5);
    expect(planeMeshDistanceMm({ pointLps: [0, 50, 0], normalLps: [0, 1, 0] }, vessel)).toBe(0);
    // Plane x = 22 cuts the organ; its outline's nearest point to the vessel is on the y = 40 edge: 8 mm.
    expect(cutToVesselDistanceMm(organ, { pointLps: [22, 0, 0], normalLps: [1, 0, 0] }, vessel)).toBeCloseTo(8, 3);
    // Plane x = 10: outline at x = 10, vessel starts at x = 20 and y = 48 → hypot(10, 8).
    expect(cutToVesselDistanceMm(organ, { pointLps: [10, 0, 0], normalLps: [1, 0, 0] }, vessel)).toBeCloseTo(Math.hypot(10, 8), 3);
    expect(cutToVesselDistanceMm(organ, { pointLps: [99, 0, 0], normalLps: [1, 0, 0] }, vessel)).toBe(Infinity);
  });

  it('point distance and angle', () => {
    expect(distanceMm([0, 0, 0], [3, 4, 12])).toBe(13);
    expect(angleDeg([1, 0, 0], [0, 0, 0], [0, 5, 0])).toBeCloseTo(90, 12);
    expect(angleDeg([1, 1, 0], [0, 0, 0], [1, 0, 0])).toBeCloseTo(45, 12);
    expect(() => angleDeg([0, 0, 0], [0, 0, 0], [1, 0, 0])).toThrow(/distinct/);
    expect(() => cutMeshVolumes(boxMesh([0, 0, 0], [1, 1, 1]), { pointLps: [0, 0, 0], normalLps: [0, 0, 0] })).toThrow(/non-zero/);
  });
});
