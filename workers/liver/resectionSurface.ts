// A curved resection surface started from a cut plane (issue 17, liver planner), in the spirit of
// Slicer-Liver's deformable Bézier resection (Palomar R. et al., "A novel method for planning liver
// resections using deformable Bézier surfaces and distance maps", Comput Methods Programs Biomed
// 2017;144:135–45): a bicubic Bézier patch with 4×4 control points laid over the organ's extent in
// the plane. Here the patch is a *height field* over the plane — each control point moves only
// along the plane's normal — so every point of space lies on exactly one side of it:
//   side(p) = dot(p − p0, n) − h(u, v),  u = dot(p − p0, e_u),  v = dot(p − p0, e_v),
// h the bicubic Bézier of the 16 control heights over the patch (clamped at its edges: outside
// the patch the edge heights continue). side ≥ 0 is resected (the side the normal points to, as
// for a plane in workers/meshing/planning.ts); side < 0 is the remnant. A plane is h ≡ 0.
// The Bézier hull property bounds h between the smallest and largest control height, so a voxel
// whose plane distance lies outside that band is classified without evaluating h at all: a drag
// evaluates the patch only in the slab the surface sweeps.
import { type Vec3, type VolumeGeometry, mm3ToMl, voxelVolumeMm3 } from '../../core/domain/imaging';
import { type CutVolumes, type PlaneLps, type TriangleMesh } from '../../core/domain/mesh';

/** The patch laid over a plane: its extent in the plane and the 16 control heights. */
export interface SurfacePatch {
  /** Extent along the plane's first in-plane axis (`planeAxesLps(normal).uLps`), mm from the plane point. */
  uRangeMm: [number, number];
  /** Extent along the second in-plane axis (`vLps`), mm from the plane point. */
  vRangeMm: [number, number];
  /** Control heights along the normal, mm: index 4·row + column, row along v, column along u. */
  heightsMm: number[];
}

/** A patch placed on a plane (point + unit normal, LPS mm). */
export interface ResectionSurface extends SurfacePatch {
  pointLps: Vec3;
  normalLps: Vec3;
}

export const CONTROL_POINTS = 16;

function unit(v: Vec3, what: string): Vec3 {
  const len = Math.hypot(v[0], v[1], v[2]);
  if (!(len > 0) || !Number.isFinite(len)) throw new Error(`${what} must be a non-zero finite vector`);
  return [v[0] / len, v[1] / len, v[2] / len];
}

/**
 * The in-plane axes of a plane, a fixed function of its normal so a saved plan needs only the
 * normal: e_u = normalise(n × ref), e_v = n × e_u, with ref = +S (superior) unless the normal is
 * within ~25° of it, then ref = +P. (e_u, e_v, n) is right-handed.
 */
export function planeAxesLps(normalLps: Vec3): { uLps: Vec3; vLps: Vec3 } {
  const n = unit(normalLps, 'the plane normal');
  const ref: Vec3 = Math.abs(n[2]) < 0.9 ? [0, 0, 1] : [0, 1, 0];
  const u = unit([n[1] * ref[2] - n[2] * ref[1], n[2] * ref[0] - n[0] * ref[2], n[0] * ref[1] - n[1] * ref[0]], 'the in-plane axis');
  const v: Vec3 = [n[1] * u[2] - n[2] * u[1], n[2] * u[0] - n[0] * u[2], n[0] * u[1] - n[1] * u[0]];
  return { uLps: u, vLps: v };
}

/** Check a patch: finite extents with positive width, 16 finite heights. Throws naming the problem. */
export function validatePatch(p: SurfacePatch): void {
  for (const [name, r] of [['u', p.uRangeMm], ['v', p.vRangeMm]] as const) {
    if (!Array.isArray(r) || r.length !== 2 || !Number.isFinite(r[0]) || !Number.isFinite(r[1]) || !(r[1] > r[0])) {
      throw new Error(`resection surface ${name} extent must be two finite mm values, low < high; got ${JSON.stringify(r)}`);
    }
  }
  if (!Array.isArray(p.heightsMm) || p.heightsMm.length !== CONTROL_POINTS) throw new Error(`a resection surface needs ${CONTROL_POINTS} control heights, got ${Array.isArray(p.heightsMm) ? p.heightsMm.length : typeof p.heightsMm}`);
  p.heightsMm.forEach((h, i) => {
    if (!Number.isFinite(h)) throw new Error(`control point ${i + 1} height must be a finite number of mm, got ${String(h)}`);
  });
}

/**
 * A flat patch covering `positionsLps` (an organ's surface vertices) projected on the plane, with
 * `marginFraction` of its width added on each side, so the surface spans the whole organ.
 */
export function flatPatchOver(plane: PlaneLps, positionsLps: Float32Array, marginFraction = 0.1): SurfacePatch {
  if (positionsLps.length < 3) throw new Error('the organ has no vertices to lay the surface over');
  const { uLps: u, vLps: v } = planeAxesLps(plane.normalLps);
  const [ox, oy, oz] = plane.pointLps;
  let u0 = Infinity, u1 = -Infinity, v0 = Infinity, v1 = -Infinity;
  for (let q = 0; q < positionsLps.length; q += 3) {
    const x = positionsLps[q]! - ox, y = positionsLps[q + 1]! - oy, z = positionsLps[q + 2]! - oz;
    const a = x * u[0] + y * u[1] + z * u[2];
    const b = x * v[0] + y * v[1] + z * v[2];
    if (a < u0) u0 = a;
    if (a > u1) u1 = a;
    if (b < v0) v0 = b;
    if (b > v1) v1 = b;
  }
  const mu = Math.max(1, (u1 - u0) * marginFraction);
  const mv = Math.max(1, (v1 - v0) * marginFraction);
  // Whole millimetres: the saved plan reads as the surgeon would write it.
  return { uRangeMm: [Math.floor(u0 - mu), Math.ceil(u1 + mu)], vRangeMm: [Math.floor(v0 - mv), Math.ceil(v1 + mv)], heightsMm: new Array<number>(CONTROL_POINTS).fill(0) };
}

/** Height (mm along the normal) of the patch at in-plane coordinates (u, v) mm; clamped outside the patch. */
export function patchHeightMm(p: SurfacePatch, uMm: number, vMm: number): number {
  let s = (uMm - p.uRangeMm[0]) / (p.uRangeMm[1] - p.uRangeMm[0]);
  let t = (vMm - p.vRangeMm[0]) / (p.vRangeMm[1] - p.vRangeMm[0]);
  s = s < 0 ? 0 : s > 1 ? 1 : s;
  t = t < 0 ? 0 : t > 1 ? 1 : t;
  const h = p.heightsMm;
  const s1 = 1 - s, t1 = 1 - t;
  const bs0 = s1 * s1 * s1, bs1 = 3 * s * s1 * s1, bs2 = 3 * s * s * s1, bs3 = s * s * s;
  const bt0 = t1 * t1 * t1, bt1 = 3 * t * t1 * t1, bt2 = 3 * t * t * t1, bt3 = t * t * t;
  return (
    bt0 * (bs0 * h[0]! + bs1 * h[1]! + bs2 * h[2]! + bs3 * h[3]!) +
    bt1 * (bs0 * h[4]! + bs1 * h[5]! + bs2 * h[6]! + bs3 * h[7]!) +
    bt2 * (bs0 * h[8]! + bs1 * h[9]! + bs2 * h[10]! + bs3 * h[11]!) +
    bt3 * (bs0 * h[12]! + bs1 * h[13]! + bs2 * h[14]! + bs3 * h[15]!)
  );
}

/** True when every control height is 0: the surface is its plane. */
export function isFlat(p: SurfacePatch): boolean {
  return p.heightsMm.every((h) => h === 0);
}

/** The 16 control points in LPS mm (xyz each), index 4·row + column as `heightsMm`. */
export function controlPointsLps(s: ResectionSurface): Float64Array {
  const n = unit(s.normalLps, 'the plane normal');
  const { uLps: u, vLps: v } = planeAxesLps(n);
  const out = new Float64Array(3 * CONTROL_POINTS);
  for (let r = 0; r < 4; r++) {
    for (let c = 0; c < 4; c++) {
      const a = s.uRangeMm[0] + (c / 3) * (s.uRangeMm[1] - s.uRangeMm[0]);
      const b = s.vRangeMm[0] + (r / 3) * (s.vRangeMm[1] - s.vRangeMm[0]);
      const h = s.heightsMm[4 * r + c]!;
      for (let x = 0; x < 3; x++) out[3 * (4 * r + c) + x] = s.pointLps[x]! + a * u[x]! + b * v[x]! + h * n[x]!;
    }
  }
  return out;
}

/** Signed height of a point above the surface along the normal (mm): ≥ 0 resected, < 0 remnant. */
export function sideOfPointMm(s: ResectionSurface, pLps: Vec3): number {
  const n = unit(s.normalLps, 'the plane normal');
  const { uLps: u, vLps: v } = planeAxesLps(n);
  const x = pLps[0] - s.pointLps[0], y = pLps[1] - s.pointLps[1], z = pLps[2] - s.pointLps[2];
  return x * n[0] + y * n[1] + z * n[2] - patchHeightMm(s, x * u[0] + y * u[1] + z * u[2], x * v[0] + y * v[1] + z * v[2]);
}

/**
 * The surface's side of the voxel centres of one grid: the function helper "territory" (per-territory
 * remnants) and the volume kernel share. `heightAboveMm(i, j, k)` is side(p) at the voxel centre;
 * `remnant(voxelIndex)` is 1 when that voxel is in the remnant (side < 0), else 0. Allocation-free
 * per call; exact for a plane (h ≡ 0): the plane distance is the same affine expression in ijk as
 * cutMaskVolumes, and h is not evaluated when the plane distance is outside the control heights' band.
 */
export class SurfaceSideOnGrid {
  // side = (d0 + di·i + dj·j + dk·k) − h(u0 + ui·i + …, v0 + vi·i + …)
  readonly d0: number; readonly di: number; readonly dj: number; readonly dk: number;
  private readonly u0: number; private readonly ui: number; private readonly uj: number; private readonly uk: number;
  private readonly v0: number; private readonly vi: number; private readonly vj: number; private readonly vk: number;
  /** Smallest and largest control height: h lies between them (Bézier convex hull). */
  readonly hMin: number;
  readonly hMax: number;
  /** Grid row length and slice size, to split a linear voxel index. */
  readonly nI: number;
  readonly nIJ: number;
  private readonly h: Float64Array;
  private readonly uLo: number; private readonly uInv: number;
  private readonly vLo: number; private readonly vInv: number;

  constructor(readonly surface: ResectionSurface, grid: VolumeGeometry) {
    validatePatch(surface);
    const n = unit(surface.normalLps, 'the plane normal');
    const { uLps: u, vLps: v } = planeAxesLps(n);
    const d = grid.directionLps;
    const sp = grid.spacingMm;
    const o = grid.originLps;
    const p0 = surface.pointLps;
    // The same expressions, in the same order, as cutMaskVolumes: a flat surface counts identically.
    this.di = sp[0] * (d[0] * n[0] + d[1] * n[1] + d[2] * n[2]);
    this.dj = sp[1] * (d[3] * n[0] + d[4] * n[1] + d[5] * n[2]);
    this.dk = sp[2] * (d[6] * n[0] + d[7] * n[1] + d[8] * n[2]);
    this.d0 = (o[0] - p0[0]) * n[0] + (o[1] - p0[1]) * n[1] + (o[2] - p0[2]) * n[2];
    this.ui = sp[0] * (d[0] * u[0] + d[1] * u[1] + d[2] * u[2]);
    this.uj = sp[1] * (d[3] * u[0] + d[4] * u[1] + d[5] * u[2]);
    this.uk = sp[2] * (d[6] * u[0] + d[7] * u[1] + d[8] * u[2]);
    this.u0 = (o[0] - p0[0]) * u[0] + (o[1] - p0[1]) * u[1] + (o[2] - p0[2]) * u[2];
    this.vi = sp[0] * (d[0] * v[0] + d[1] * v[1] + d[2] * v[2]);
    this.vj = sp[1] * (d[3] * v[0] + d[4] * v[1] + d[5] * v[2]);
    this.vk = sp[2] * (d[6] * v[0] + d[7] * v[1] + d[8] * v[2]);
    this.v0 = (o[0] - p0[0]) * v[0] + (o[1] - p0[1]) * v[1] + (o[2] - p0[2]) * v[2];
    this.h = Float64Array.from(surface.heightsMm);
    this.hMin = Math.min(...surface.heightsMm);
    this.hMax = Math.max(...surface.heightsMm);
    this.nI = grid.dimensions[0];
    this.nIJ = grid.dimensions[0] * grid.dimensions[1];
    this.uLo = surface.uRangeMm[0];
    this.uInv = 1 / (surface.uRangeMm[1] - surface.uRangeMm[0]);
    this.vLo = surface.vRangeMm[0];
    this.vInv = 1 / (surface.vRangeMm[1] - surface.vRangeMm[0]);
  }

  /** h at grid position (i, j, k) (fractional allowed), mm. */
  heightAt(i: number, j: number, k: number): number {
    let s = (this.u0 + this.ui * i + this.uj * j + this.uk * k - this.uLo) * this.uInv;
    let t = (this.v0 + this.vi * i + this.vj * j + this.vk * k - this.vLo) * this.vInv;
    s = s < 0 ? 0 : s > 1 ? 1 : s;
    t = t < 0 ? 0 : t > 1 ? 1 : t;
    const h = this.h;
    const s1 = 1 - s, t1 = 1 - t;
    const bs0 = s1 * s1 * s1, bs1 = 3 * s * s1 * s1, bs2 = 3 * s * s * s1, bs3 = s * s * s;
    const bt0 = t1 * t1 * t1, bt1 = 3 * t * t1 * t1, bt2 = 3 * t * t * t1, bt3 = t * t * t;
    return (
      bt0 * (bs0 * h[0]! + bs1 * h[1]! + bs2 * h[2]! + bs3 * h[3]!) +
      bt1 * (bs0 * h[4]! + bs1 * h[5]! + bs2 * h[6]! + bs3 * h[7]!) +
      bt2 * (bs0 * h[8]! + bs1 * h[9]! + bs2 * h[10]! + bs3 * h[11]!) +
      bt3 * (bs0 * h[12]! + bs1 * h[13]! + bs2 * h[14]! + bs3 * h[15]!)
    );
  }

  /** side(p) at voxel centre (i, j, k), mm: ≥ 0 resected, < 0 remnant. */
  heightAboveMm(i: number, j: number, k: number): number {
    const dp = this.d0 + this.dj * j + this.dk * k + this.di * i;
    if (this.hMin === this.hMax && this.hMin === 0) return dp;
    return dp - this.heightAt(i, j, k);
  }

  /** 1 when voxel centre (i, j, k) is in the remnant (side < 0), else 0. */
  remnantIjk(i: number, j: number, k: number): 0 | 1 {
    const dp = this.d0 + this.dj * j + this.dk * k + this.di * i;
    if (dp >= this.hMax) return 0;
    if (dp < this.hMin) return 1;
    return dp - this.heightAt(i, j, k) >= 0 ? 0 : 1;
  }

  /** 1 when the voxel with linear index `voxelIndex` (i + nI·(j + nJ·k)) of the grid is in the remnant, else 0. */
  remnant(voxelIndex: number): 0 | 1 {
    const k = (voxelIndex / this.nIJ) | 0;
    const r = voxelIndex - k * this.nIJ;
    const j = (r / this.nI) | 0;
    return this.remnantIjk(r - j * this.nI, j, k);
  }
}

/** Voxel counts of one pass: on the resected side of the surface, of its plane, and all. */
export interface SurfaceCutCounts {
  resectedBySurface: number;
  resectedByPlane: number;
  total: number;
}

/**
 * One pass over an organ's voxel list (linear indices into `grid`, as `SurfaceSideOnGrid.remnant`):
 * how many voxel centres the curved surface resects, and how many its plane alone resects. No
 * allocation in the loop.
 */
export function surfaceCutCounts(side: SurfaceSideOnGrid, voxels: Uint32Array): SurfaceCutCounts {
  let bySurface = 0;
  let byPlane = 0;
  const { hMin, hMax } = side;
  const flat = hMin === 0 && hMax === 0;
  for (let c = 0; c < voxels.length; c++) {
    const x = voxels[c]!;
    // Inline of SurfaceSideOnGrid.remnant (the JIT does not always inline the method).
    const k = (x / side.nIJ) | 0;
    const r = x - k * side.nIJ;
    const j = (r / side.nI) | 0;
    const i = r - j * side.nI;
    const dp = side.d0 + side.dj * j + side.dk * k + side.di * i;
    if (dp >= 0) byPlane++;
    if (flat || dp >= hMax) {
      if (dp >= 0) bySurface++;
    } else if (dp >= hMin && dp - side.heightAt(i, j, k) >= 0) {
      bySurface++;
    }
  }
  return { resectedBySurface: bySurface, resectedByPlane: byPlane, total: voxels.length };
}

/** Resected / remnant volumes of the organ's voxels for the surface (voxel centres, as cutMaskVolumes). */
export function surfaceCutMaskVolumes(surface: ResectionSurface, grid: VolumeGeometry, voxels: Uint32Array): CutVolumes {
  const c = surfaceCutCounts(new SurfaceSideOnGrid(surface, grid), voxels);
  const v = voxelVolumeMm3(grid);
  return volumesOf(c.resectedBySurface * v, c.total * v);
}

function volumesOf(resectedMm3: number, totalMm3: number): CutVolumes {
  const resectedMl = mm3ToMl(resectedMm3);
  const totalMl = mm3ToMl(totalMm3);
  const remnantMl = totalMl - resectedMl;
  const pct = (x: number): number => (totalMl > 0 ? (100 * x) / totalMl : 0);
  return { resectedMl, remnantMl, totalMl, resectedPercent: pct(resectedMl), remnantPercent: pct(remnantMl) };
}

/**
 * The readout for a curved surface, continuous with the plane's: the plane's exact mesh split
 * (cutMeshVolumes) plus the organ volume between the plane and the surface, counted on the voxels
 * (surface − plane, signed). A flat surface adds exactly 0, so bending starts from the plane's numbers.
 */
export function curvedCutVolumes(planeMeshCut: CutVolumes, counts: SurfaceCutCounts, grid: VolumeGeometry): CutVolumes {
  const deltaMl = mm3ToMl((counts.resectedBySurface - counts.resectedByPlane) * voxelVolumeMm3(grid));
  if (deltaMl === 0) return planeMeshCut;
  const resectedMl = Math.min(planeMeshCut.totalMl, Math.max(0, planeMeshCut.resectedMl + deltaMl));
  return volumesOf(resectedMl * 1000, planeMeshCut.totalMl * 1000);
}

/**
 * The surface as triangles for display and the margin map: a (cells+1)² vertex grid over the patch,
 * positions in LPS mm, counter-clockwise seen from the normal's side.
 */
export function tessellateSurface(s: ResectionSurface, cells = 48): TriangleMesh {
  if (!(Number.isInteger(cells) && cells >= 1 && cells <= 512)) throw new Error(`surface tessellation needs 1–512 cells a side, got ${cells}`);
  validatePatch(s);
  const n = unit(s.normalLps, 'the plane normal');
  const { uLps: u, vLps: v } = planeAxesLps(n);
  const m = cells + 1;
  const pos = new Float32Array(3 * m * m);
  for (let r = 0; r < m; r++) {
    for (let c = 0; c < m; c++) {
      const a = s.uRangeMm[0] + (c / cells) * (s.uRangeMm[1] - s.uRangeMm[0]);
      const b = s.vRangeMm[0] + (r / cells) * (s.vRangeMm[1] - s.vRangeMm[0]);
      const h = patchHeightMm(s, a, b);
      const q = 3 * (r * m + c);
      for (let x = 0; x < 3; x++) pos[q + x] = s.pointLps[x]! + a * u[x]! + b * v[x]! + h * n[x]!;
    }
  }
  const idx = new Uint32Array(6 * cells * cells);
  let t = 0;
  for (let r = 0; r < cells; r++) {
    for (let c = 0; c < cells; c++) {
      const a = r * m + c;
      idx[t++] = a; idx[t++] = a + 1; idx[t++] = a + m + 1;
      idx[t++] = a; idx[t++] = a + m + 1; idx[t++] = a + m;
    }
  }
  return { positionsLps: pos, indices: idx };
}
