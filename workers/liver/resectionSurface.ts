// Volume kernels of the curved resection surface (issue 17, liver planner): the side of every voxel
// centre and the one-pass resected / remnant counts a drag needs. The surface itself — a bicubic
// Bézier height field over the cut plane, after Slicer-Liver (Palomar et al. 2017) — is defined in
// core/domain/resectionSurface.ts and re-exported here.
import { type VolumeGeometry, mm3ToMl, voxelVolumeMm3 } from '../../core/domain/imaging';
import { type CutVolumes } from '../../core/domain/mesh';
import { type ResectionSurface, bezierHeightAtUnitMm, planeAxesLps, unitVector, validatePatch } from '../../core/domain/resectionSurface';

export * from '../../core/domain/resectionSurface';

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
    const n = unitVector(surface.normalLps, 'the plane normal');
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
    return bezierHeightAtUnitMm(
      this.h,
      (this.u0 + this.ui * i + this.uj * j + this.uk * k - this.uLo) * this.uInv,
      (this.v0 + this.vi * i + this.vj * j + this.vk * k - this.vLo) * this.vInv,
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

