// Vascular territories of the liver (issue 17, liver planner): every liver voxel belongs to the
// vessel branch whose centreline is nearest (nearest-branch assignment, as in Slicer-Liver's
// vascular territories and the classic Couinaud-from-portal-branches approach of Selle et al.,
// IEEE TMI 2002;21:1344–57). Exact: the centrelines are rasterised onto the CT grid and a labelled
// Euclidean distance transform (Felzenszwalb & Huttenlocher, Theory of Computing 2012;8:415–28,
// separable lower envelopes of parabolas, with anisotropic voxel spacing) carries, for every voxel,
// the branch of its nearest centreline voxel. Then the future-liver-remnant per territory for a
// cut plane is one pass over the liver's voxel list (no allocation), which is what a drag needs.
import { type Vec3, type VolumeGeometry, ijkToLps, invertLinearPart, linearPart, mm3ToMl, voxelVolumeMm3 } from '../../core/domain/imaging';

export interface Branch {
  /** 1…65535: the territory label it gives. */
  id: number;
  name: string;
  /** Centreline polyline in LPS mm. */
  pointsLps: Vec3[];
}

export interface Territories {
  /** The grid the territories are on: the CT grid cropped to the liver and the centrelines. */
  grid: VolumeGeometry;
  /** Offset of `grid`'s voxel (0,0,0) in the CT grid's ijk. */
  offsetIjk: Vec3;
  /** Territory label per voxel of `grid` (0 outside the liver). */
  labels: Uint16Array;
  /** Liver voxel indices (ascending), for fast per-plane sums. */
  liverVoxels: Uint32Array;
  /** Territory volume by branch id, mL. */
  volumeMl: Map<number, number>;
}

/** Rasterise centrelines: sample each segment at ≤ ¼ of the smallest spacing, mark the nearest voxel. */
export function rasteriseBranches(g: VolumeGeometry, branches: Branch[]): Uint16Array {
  const [nI, nJ, nK] = g.dimensions;
  const seeds = new Uint16Array(nI * nJ * nK);
  const inv = invertLinearPart(linearPart(g));
  const step = Math.min(...g.spacingMm) / 4;
  for (const b of branches) {
    if (!(Number.isInteger(b.id) && b.id >= 1 && b.id <= 65535)) throw new Error(`branch "${b.name}" needs an id 1–65535, got ${b.id}`);
    if (b.pointsLps.length === 0) throw new Error(`branch "${b.name}" has no centreline points`);
    const pts = b.pointsLps.length === 1 ? [b.pointsLps[0]!, b.pointsLps[0]!] : b.pointsLps;
    for (let s = 0; s + 1 < pts.length; s++) {
      const p = pts[s]!;
      const q = pts[s + 1]!;
      const n = Math.max(1, Math.ceil(Math.hypot(q[0] - p[0], q[1] - p[1], q[2] - p[2]) / step));
      for (let t = 0; t <= n; t++) {
        const f = t / n;
        const x = p[0] + f * (q[0] - p[0]) - g.originLps[0];
        const y = p[1] + f * (q[1] - p[1]) - g.originLps[1];
        const z = p[2] + f * (q[2] - p[2]) - g.originLps[2];
        const i = Math.round(inv[0]! * x + inv[1]! * y + inv[2]! * z);
        const j = Math.round(inv[3]! * x + inv[4]! * y + inv[5]! * z);
        const k = Math.round(inv[6]! * x + inv[7]! * y + inv[8]! * z);
        if (i >= 0 && i < nI && j >= 0 && j < nJ && k >= 0 && k < nK) seeds[i + nI * (j + nJ * k)] = b.id;
      }
    }
  }
  return seeds;
}

/**
 * One 1D pass of the labelled distance transform along a line of n samples spaced `h` mm:
 * f (squared mm distances so far) and lab (their labels) are read from and written back to the line.
 */
function pass1d(f: Float64Array, lab: Uint16Array, n: number, h: number, v: Int32Array, z: Float64Array, outF: Float64Array, outL: Uint16Array): void {
  let k = -1;
  for (let q = 0; q < n; q++) {
    if (f[q] === Infinity) continue;
    const fq = f[q]! + (q * h) ** 2;
    let s = 0;
    for (;;) {
      if (k < 0) break;
      const p = v[k]!;
      s = (fq - (f[p]! + (p * h) ** 2)) / (2 * h * (q - p)) / h;
      if (s > z[k]!) break;
      k--;
    }
    k++;
    v[k] = q;
    z[k] = k === 0 ? -Infinity : s;
    z[k + 1] = Infinity;
  }
  if (k < 0) {
    for (let q = 0; q < n; q++) {
      outF[q] = Infinity;
      outL[q] = 0;
    }
    return;
  }
  let j = 0;
  for (let q = 0; q < n; q++) {
    while (z[j + 1]! < q) j++;
    const p = v[j]!;
    outF[q] = ((q - p) * h) ** 2 + f[p]!;
    outL[q] = lab[p]!;
  }
}

/**
 * Exact labelled squared Euclidean distance transform in place (Felzenszwalb & Huttenlocher 2012):
 * `dist` holds 0 at the seeds and Infinity elsewhere, `lab` the seeds' labels; afterwards `dist` is
 * the squared distance in mm² to the nearest seed (anisotropic `spacingMm`) and `lab` that seed's
 * label. Infinity stays where the grid has no seed at all.
 */
export function distanceTransformSq(dist: Float64Array, lab: Uint16Array, dims: Vec3, spacingMm: Vec3): void {
  const [nI, nJ, nK] = dims;
  if (dist.length !== nI * nJ * nK || lab.length !== dist.length) throw new Error(`distance transform: ${dist.length} distances and ${lab.length} labels for a ${dims.join('×')} grid`);
  const longest = Math.max(nI, nJ, nK);
  const f = new Float64Array(longest);
  const l = new Uint16Array(longest);
  const outF = new Float64Array(longest);
  const outL = new Uint16Array(longest);
  const v = new Int32Array(longest);
  const z = new Float64Array(longest + 1);
  const strides = [1, nI, nI * nJ];
  for (let axis = 0; axis < 3; axis++) {
    const len = dims[axis]!;
    const stride = strides[axis]!;
    const [a1, a2] = [0, 1, 2].filter((a) => a !== axis) as [number, number];
    for (let u = 0; u < dims[a1]!; u++) {
      for (let w = 0; w < dims[a2]!; w++) {
        const base = u * strides[a1]! + w * strides[a2]!;
        for (let q = 0; q < len; q++) {
          f[q] = dist[base + q * stride]!;
          l[q] = lab[base + q * stride]!;
        }
        pass1d(f, l, len, spacingMm[axis]!, v, z, outF, outL);
        for (let q = 0; q < len; q++) {
          dist[base + q * stride] = outF[q]!;
          lab[base + q * stride] = outL[q]!;
        }
      }
    }
  }
}

/**
 * Assign every liver voxel to the nearest branch. `liverMask` is non-zero inside the liver.
 * Voxels whose nearest centreline voxel is outside the liver still get that branch (vessels run at
 * the hilum, outside the parenchyma).
 */
export function vascularTerritories(ct: VolumeGeometry, fullMask: Uint8Array, branches: Branch[]): Territories {
  const [fI, fJ, fK] = ct.dimensions;
  if (fullMask.length !== fI * fJ * fK) throw new Error(`liver mask has ${fullMask.length} voxels, the grid ${fI * fJ * fK}`);
  if (branches.length === 0) throw new Error('no vessel branches: choose portal or hepatic vein centrelines first');
  // Work on the bounding box of the liver and the centrelines (a 512×512×300 CT would need ~1 GB).
  const lo = [Infinity, Infinity, Infinity];
  const hi = [-Infinity, -Infinity, -Infinity];
  for (let k = 0; k < fK; k++) {
    for (let j = 0; j < fJ; j++) {
      const row = fI * (j + fJ * k);
      for (let i = 0; i < fI; i++) {
        if (fullMask[row + i] === 0) continue;
        if (i < lo[0]!) lo[0] = i;
        if (i > hi[0]!) hi[0] = i;
        if (j < lo[1]!) lo[1] = j;
        if (j > hi[1]!) hi[1] = j;
        if (k < lo[2]!) lo[2] = k;
        if (k > hi[2]!) hi[2] = k;
      }
    }
  }
  if (lo[0] === Infinity) throw new Error('the liver mask is empty');
  const inv = invertLinearPart(linearPart(ct));
  for (const b of branches) {
    for (const p of b.pointsLps) {
      const x = p[0] - ct.originLps[0];
      const y = p[1] - ct.originLps[1];
      const z = p[2] - ct.originLps[2];
      const ijk = [inv[0]! * x + inv[1]! * y + inv[2]! * z, inv[3]! * x + inv[4]! * y + inv[5]! * z, inv[6]! * x + inv[7]! * y + inv[8]! * z];
      for (let a = 0; a < 3; a++) {
        const c = Math.min(ct.dimensions[a]! - 1, Math.max(0, Math.round(ijk[a]!)));
        if (c < lo[a]!) lo[a] = c;
        if (c > hi[a]!) hi[a] = c;
      }
    }
  }
  const g: VolumeGeometry = {
    dimensions: [hi[0]! - lo[0]! + 1, hi[1]! - lo[1]! + 1, hi[2]! - lo[2]! + 1],
    spacingMm: [...ct.spacingMm],
    originLps: ijkToLps(ct, lo[0]!, lo[1]!, lo[2]!),
    directionLps: [...ct.directionLps],
  };
  const [nI, nJ, nK] = g.dimensions;
  const n = nI * nJ * nK;
  const liverMask = new Uint8Array(n);
  for (let k = 0; k < nK; k++) {
    for (let j = 0; j < nJ; j++) {
      const src = lo[0]! + fI * (j + lo[1]! + fJ * (k + lo[2]!));
      liverMask.set(fullMask.subarray(src, src + nI), nI * (j + nJ * k));
    }
  }
  const seeds = rasteriseBranches(g, branches);
  const dist = new Float64Array(n);
  const lab = new Uint16Array(n);
  for (let x = 0; x < n; x++) {
    dist[x] = seeds[x] !== 0 ? 0 : Infinity;
    lab[x] = seeds[x]!;
  }
  distanceTransformSq(dist, lab, g.dimensions, g.spacingMm);
  let count = 0;
  for (let x = 0; x < n; x++) if (liverMask[x] !== 0) count++;
  const liverVoxels = new Uint32Array(count);
  const labels = new Uint16Array(n);
  const perBranch = new Float64Array(65536);
  let c = 0;
  for (let x = 0; x < n; x++) {
    if (liverMask[x] === 0) continue;
    liverVoxels[c++] = x;
    labels[x] = lab[x]!;
    perBranch[lab[x]!]!++;
  }
  const vox = voxelVolumeMm3(g);
  const volumeMl = new Map(branches.map((b) => [b.id, mm3ToMl(perBranch[b.id]! * vox)] as const));
  return { grid: g, offsetIjk: [lo[0]!, lo[1]!, lo[2]!], labels, liverVoxels, volumeMl };
}

export interface TerritoryRemnant {
  branchId: number;
  totalMl: number;
  remnantMl: number;
  /** Remnant as a share of the whole liver (the FLR this territory contributes), %. */
  remnantPercentOfLiver: number;
}

/**
 * The side function of a curved resection surface on the territories' grid (planner's
 * SurfaceSideOnGrid, workers/liver/resectionSurface.ts): side = d0 + di·i + dj·j + dk·k − h(i, j, k),
 * h between hMin and hMax; side < 0 is the remnant.
 */
export interface CurvedSide {
  readonly d0: number;
  readonly di: number;
  readonly dj: number;
  readonly dk: number;
  readonly hMin: number;
  readonly hMax: number;
  heightAt(i: number, j: number, k: number): number;
}

/**
 * Per-territory remnant for a cut plane (the remnant is the side opposite the normal, as in
 * workers/meshing/planning.ts), or for a curved surface bent from it (`curved`, built on `t.grid`;
 * the plane is then its own): voxel centres are classified. `scratch` (65 536 × 2 doubles, reused
 * across drags) keeps the loop allocation-free.
 */
export function territoryRemnants(
  t: Territories,
  plane: { pointLps: Vec3; normalLps: Vec3 },
  scratch = new Float64Array(2 * 65536),
  curved?: CurvedSide,
): { remnantMl: number; liverMl: number; byBranch: TerritoryRemnant[] } {
  const g = t.grid;
  const [nI, nJ] = g.dimensions;
  const A = linearPart(g);
  const nrm = plane.normalLps;
  // Signed distance is affine in ijk: d = d0 + ci·i + cj·j + ck·k.
  const ci = curved ? curved.di : nrm[0] * A[0]! + nrm[1] * A[3]! + nrm[2] * A[6]!;
  const cj = curved ? curved.dj : nrm[0] * A[1]! + nrm[1] * A[4]! + nrm[2] * A[7]!;
  const ck = curved ? curved.dk : nrm[0] * A[2]! + nrm[1] * A[5]! + nrm[2] * A[8]!;
  const d0 = curved ? curved.d0 : nrm[0] * (g.originLps[0] - plane.pointLps[0]) + nrm[1] * (g.originLps[1] - plane.pointLps[1]) + nrm[2] * (g.originLps[2] - plane.pointLps[2]);
  // A flat patch (or none) is the plane; otherwise h is evaluated only inside its band [hMin, hMax).
  const hMin = curved ? curved.hMin : 0;
  const hMax = curved ? curved.hMax : 0;
  const bent = curved !== undefined && !(hMin === 0 && hMax === 0);
  scratch.fill(0);
  const lv = t.liverVoxels;
  const labels = t.labels;
  const plane2 = nI * nJ;
  for (let c = 0; c < lv.length; c++) {
    const x = lv[c]!;
    const k = (x / plane2) | 0;
    const r = x - k * plane2;
    const j = (r / nI) | 0;
    const i = r - j * nI;
    const l = labels[x]!;
    scratch[2 * l]!++;
    const dp = d0 + ci * i + cj * j + ck * k;
    if (!bent) {
      if (dp < 0) scratch[2 * l + 1]!++;
    } else if (dp < hMin || (dp < hMax && dp - curved.heightAt(i, j, k) < 0)) {
      scratch[2 * l + 1]!++;
    }
  }
  const vox = voxelVolumeMm3(g);
  let liver = 0;
  let remnant = 0;
  const ids: number[] = [];
  for (const id of t.volumeMl.keys()) ids.push(id);
  for (const id of ids) {
    liver += scratch[2 * id]!;
    remnant += scratch[2 * id + 1]!;
  }
  const liverMl = mm3ToMl(liver * vox);
  return {
    liverMl,
    remnantMl: mm3ToMl(remnant * vox),
    byBranch: ids.map((id) => ({
      branchId: id,
      totalMl: mm3ToMl(scratch[2 * id]! * vox),
      remnantMl: mm3ToMl(scratch[2 * id + 1]! * vox),
      remnantPercentOfLiver: liver > 0 ? (100 * scratch[2 * id + 1]!) / liver : 0,
    })),
  };
}
