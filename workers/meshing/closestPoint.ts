// Closest-point queries against a triangle mesh through a uniform grid of triangle bounding boxes,
// used for the vessel-distance planning number and for the Hausdorff checks on decimation.
import { type Vec3 } from '../../core/domain/imaging';
import { type TriangleMesh } from '../../core/domain/mesh';
import { bounds } from './meshMetrics';

/**
 * Squared distance from p to triangle abc (Ericson, Real-Time Collision Detection §5.1.5, region
 * tests on barycentric coordinates). Scalar arguments so the query loop allocates nothing.
 */
export function pointTriangleDistanceSq(
  px: number, py: number, pz: number,
  ax: number, ay: number, az: number,
  bx: number, by: number, bz: number,
  cx: number, cy: number, cz: number,
): number {
  const abx = bx - ax, aby = by - ay, abz = bz - az;
  const acx = cx - ax, acy = cy - ay, acz = cz - az;
  const apx = px - ax, apy = py - ay, apz = pz - az;
  const d1 = abx * apx + aby * apy + abz * apz;
  const d2 = acx * apx + acy * apy + acz * apz;
  let qx: number, qy: number, qz: number;
  if (d1 <= 0 && d2 <= 0) {
    qx = ax; qy = ay; qz = az;
  } else {
    const bpx = px - bx, bpy = py - by, bpz = pz - bz;
    const d3 = abx * bpx + aby * bpy + abz * bpz;
    const d4 = acx * bpx + acy * bpy + acz * bpz;
    const cpx = px - cx, cpy = py - cy, cpz = pz - cz;
    const d5 = abx * cpx + aby * cpy + abz * cpz;
    const d6 = acx * cpx + acy * cpy + acz * cpz;
    const vc = d1 * d4 - d3 * d2;
    const vb = d5 * d2 - d1 * d6;
    const va = d3 * d6 - d5 * d4;
    if (d3 >= 0 && d4 <= d3) {
      qx = bx; qy = by; qz = bz;
    } else if (vc <= 0 && d1 >= 0 && d3 <= 0) {
      const v = d1 / (d1 - d3);
      qx = ax + v * abx; qy = ay + v * aby; qz = az + v * abz;
    } else if (d6 >= 0 && d5 <= d6) {
      qx = cx; qy = cy; qz = cz;
    } else if (vb <= 0 && d2 >= 0 && d6 <= 0) {
      const w = d2 / (d2 - d6);
      qx = ax + w * acx; qy = ay + w * acy; qz = az + w * acz;
    } else if (va <= 0 && d4 - d3 >= 0 && d5 - d6 >= 0) {
      const w = (d4 - d3) / (d4 - d3 + (d5 - d6));
      qx = bx + w * (cx - bx); qy = by + w * (cy - by); qz = bz + w * (cz - bz);
    } else {
      const denom = 1 / (va + vb + vc);
      const v = vb * denom;
      const w = vc * denom;
      qx = ax + abx * v + acx * w; qy = ay + aby * v + acy * w; qz = az + abz * v + acz * w;
    }
  }
  const dx = px - qx, dy = py - qy, dz = pz - qz;
  return dx * dx + dy * dy + dz * dz;
}

/** A grid over the mesh's bounds; each cell lists the triangles whose bounding box touches it. */
export class TriangleGrid {
  private readonly origin: Vec3;
  private readonly cellMm: number;
  private readonly n: Vec3;
  private readonly cellStart: Uint32Array;
  private readonly cellTris: Uint32Array;
  /** Per-triangle query stamp, so a triangle listed in several cells is tested once per query. */
  private readonly stamp: Uint32Array;
  private query = 0;

  constructor(private readonly mesh: TriangleMesh) {
    const p = mesh.positionsLps;
    const idx = mesh.indices;
    const nT = idx.length / 3;
    if (nT === 0) throw new Error('cannot measure distances to an empty mesh');
    const b = bounds(p);
    const size: Vec3 = [b[3] - b[0], b[4] - b[1], b[5] - b[2]];
    // About 2 triangles per cell on a surface: cell edge ~ sqrt(area per triangle)·1.5.
    const extent = Math.max(size[0], size[1], size[2], 1e-6);
    this.cellMm = Math.max(extent / 256, Math.cbrt((size[0] + 1e-3) * (size[1] + 1e-3) * (size[2] + 1e-3) / nT) * 1.5);
    this.origin = [b[0], b[1], b[2]];
    this.n = [0, 1, 2].map((a) => Math.max(1, Math.ceil(size[a]! / this.cellMm) + 1)) as Vec3;
    const cells = this.n[0] * this.n[1] * this.n[2];
    const counts = new Uint32Array(cells + 1);
    const forEachCell = (t: number, visit: (c: number) => void): void => {
      let lo0 = Infinity, lo1 = Infinity, lo2 = Infinity, hi0 = -Infinity, hi1 = -Infinity, hi2 = -Infinity;
      for (let e = 0; e < 3; e++) {
        const v = 3 * idx[3 * t + e]!;
        lo0 = Math.min(lo0, p[v]!); hi0 = Math.max(hi0, p[v]!);
        lo1 = Math.min(lo1, p[v + 1]!); hi1 = Math.max(hi1, p[v + 1]!);
        lo2 = Math.min(lo2, p[v + 2]!); hi2 = Math.max(hi2, p[v + 2]!);
      }
      const c0 = this.cellIndex(lo0, 0), c1 = this.cellIndex(lo1, 1), c2 = this.cellIndex(lo2, 2);
      const d0 = this.cellIndex(hi0, 0), d1 = this.cellIndex(hi1, 1), d2 = this.cellIndex(hi2, 2);
      for (let z = c2; z <= d2; z++) for (let y = c1; y <= d1; y++) for (let x = c0; x <= d0; x++) visit((z * this.n[1] + y) * this.n[0] + x);
    };
    for (let t = 0; t < nT; t++) forEachCell(t, (c) => counts[c + 1]!++);
    for (let c = 0; c < cells; c++) counts[c + 1] = counts[c + 1]! + counts[c]!;
    this.cellStart = counts;
    this.cellTris = new Uint32Array(counts[cells]!);
    const fill = counts.slice(0, cells);
    for (let t = 0; t < nT; t++) forEachCell(t, (c) => { this.cellTris[fill[c]!++] = t; });
    this.stamp = new Uint32Array(nT);
  }

  private cellIndex(x: number, axis: number): number {
    const c = Math.floor((x - this.origin[axis]!) / this.cellMm);
    return c < 0 ? 0 : c >= this.n[axis]! ? this.n[axis]! - 1 : c;
  }

  /** Distance (mm) from a point to the mesh surface: search shells of cells outward until no closer triangle can exist. */
  distanceMm(px: number, py: number, pz: number): number {
    this.query++;
    if (this.query === 0xffffffff) {
      this.stamp.fill(0);
      this.query = 1;
    }
    const p = this.mesh.positionsLps;
    const idx = this.mesh.indices;
    const cx = this.cellIndex(px, 0), cy = this.cellIndex(py, 1), cz = this.cellIndex(pz, 2);
    // Distance from the point to the grid box, so shells start counting from where the grid is.
    const ox = Math.max(this.origin[0] - px, 0, px - (this.origin[0] + this.n[0] * this.cellMm));
    const oy = Math.max(this.origin[1] - py, 0, py - (this.origin[1] + this.n[1] * this.cellMm));
    const oz = Math.max(this.origin[2] - pz, 0, pz - (this.origin[2] + this.n[2] * this.cellMm));
    const outside = Math.hypot(ox, oy, oz);
    let best = Infinity;
    const maxR = Math.max(this.n[0], this.n[1], this.n[2]);
    for (let r = 0; r <= maxR; r++) {
      // Any triangle not yet visited lies in ring ≥ r, so at least (r − 1) cells (and the offset outside the grid) away.
      const reach = Math.max(outside, (r - 1) * this.cellMm);
      if (best <= reach * reach) break;
      for (let z = cz - r; z <= cz + r; z++) {
        if (z < 0 || z >= this.n[2]) continue;
        for (let y = cy - r; y <= cy + r; y++) {
          if (y < 0 || y >= this.n[1]) continue;
          for (let x = cx - r; x <= cx + r; x++) {
            if (x < 0 || x >= this.n[0]) continue;
            if (Math.max(Math.abs(x - cx), Math.abs(y - cy), Math.abs(z - cz)) !== r) continue;
            const c = (z * this.n[1] + y) * this.n[0] + x;
            for (let s = this.cellStart[c]!; s < this.cellStart[c + 1]!; s++) {
              const t = this.cellTris[s]!;
              if (this.stamp[t] === this.query) continue;
              this.stamp[t] = this.query;
              const a = 3 * idx[3 * t]!, b = 3 * idx[3 * t + 1]!, cc = 3 * idx[3 * t + 2]!;
              const d = pointTriangleDistanceSq(px, py, pz, p[a]!, p[a + 1]!, p[a + 2]!, p[b]!, p[b + 1]!, p[b + 2]!, p[cc]!, p[cc + 1]!, p[cc + 2]!);
              if (d < best) best = d;
            }
          }
        }
      }
    }
    return Math.sqrt(best);
  }
}

/**
 * One-sided Hausdorff distance max_{x∈A} d(x, B), sampled at A's vertices and at each triangle's
 * centroid and edge midpoints. Symmetric Hausdorff = max of both directions.
 */
export function sampledHausdorffMm(a: TriangleMesh, b: TriangleMesh): number {
  const grid = new TriangleGrid(b);
  const p = a.positionsLps;
  let worst = 0;
  for (let v = 0; v < p.length; v += 3) worst = Math.max(worst, grid.distanceMm(p[v]!, p[v + 1]!, p[v + 2]!));
  const idx = a.indices;
  for (let t = 0; t < idx.length; t += 3) {
    const i = 3 * idx[t]!, j = 3 * idx[t + 1]!, k = 3 * idx[t + 2]!;
    for (const [u, v, w] of SAMPLE_WEIGHTS) {
      worst = Math.max(
        worst,
        grid.distanceMm(
          u * p[i]! + v * p[j]! + w * p[k]!,
          u * p[i + 1]! + v * p[j + 1]! + w * p[k + 1]!,
          u * p[i + 2]! + v * p[j + 2]! + w * p[k + 2]!,
        ),
      );
    }
  }
  return worst;
}

const SAMPLE_WEIGHTS: ReadonlyArray<readonly [number, number, number]> = [
  [1 / 3, 1 / 3, 1 / 3],
  [0.5, 0.5, 0],
  [0, 0.5, 0.5],
  [0.5, 0, 0.5],
];
