// Planning numbers on closed surfaces and masks: resected/remnant volume for a cut plane, the
// closest distance from a cut to a vessel, and point distances and angles. All LPS mm / mL.
import { type LabelVolume, type Vec3, mm3ToMl, voxelVolumeMm3 } from '../../core/domain/imaging';
import { type CutVolumes, type PlaneLps, type TriangleMesh } from '../../core/domain/mesh';
import { TriangleGrid } from './closestPoint';

function unitNormal(plane: PlaneLps): Vec3 {
  const [x, y, z] = plane.normalLps;
  const len = Math.hypot(x, y, z);
  if (!(len > 0)) throw new Error('cut plane normal must be a non-zero vector');
  return [x / len, y / len, z / len];
}

function cutVolumes(positiveMm3: number, totalMm3: number): CutVolumes {
  const resectedMl = mm3ToMl(positiveMm3);
  const totalMl = mm3ToMl(totalMm3);
  const remnantMl = totalMl - resectedMl;
  const pct = (x: number): number => (totalMl > 0 ? (100 * x) / totalMl : 0);
  return { resectedMl, remnantMl, totalMl, resectedPercent: pct(resectedMl), remnantPercent: pct(remnantMl) };
}

/**
 * Split a closed, outward-oriented mesh by a plane. The part on the side the normal points to is
 * "resected". Each triangle is clipped to that half-space and its signed tetrahedron volume taken
 * from a point ON the plane: the cap that closes the cut lies in the plane, so its tetrahedra have
 * zero volume and the cap never needs to be built. Exact for any closed mesh (no voxelisation).
 */
export function cutMeshVolumes(mesh: TriangleMesh, plane: PlaneLps): CutVolumes {
  const n = unitNormal(plane);
  const [ox, oy, oz] = plane.pointLps;
  const p = mesh.positionsLps;
  const idx = mesh.indices;
  let positive = 0;
  let total = 0;
  // Scratch for one clipped polygon (a triangle clipped by a plane has at most 4 vertices).
  const poly = new Float64Array(12);
  const tet = (ax: number, ay: number, az: number, bx: number, by: number, bz: number, cx: number, cy: number, cz: number): number =>
    (ax * (by * cz - bz * cy) + ay * (bz * cx - bx * cz) + az * (bx * cy - by * cx)) / 6;
  for (let t = 0; t < idx.length; t += 3) {
    let count = 0;
    for (let e = 0; e < 3; e++) {
      const a = 3 * idx[t + e]!;
      const b = 3 * idx[t + (e === 2 ? 0 : e + 1)]!;
      const ax = p[a]! - ox, ay = p[a + 1]! - oy, az = p[a + 2]! - oz;
      const bx = p[b]! - ox, by = p[b + 1]! - oy, bz = p[b + 2]! - oz;
      const da = ax * n[0] + ay * n[1] + az * n[2];
      const db = bx * n[0] + by * n[1] + bz * n[2];
      if (da >= 0) {
        poly[3 * count] = ax; poly[3 * count + 1] = ay; poly[3 * count + 2] = az;
        count++;
      }
      if ((da >= 0) !== (db >= 0)) {
        const s = da / (da - db);
        poly[3 * count] = ax + s * (bx - ax); poly[3 * count + 1] = ay + s * (by - ay); poly[3 * count + 2] = az + s * (bz - az);
        count++;
      }
    }
    for (let f = 1; f + 1 < count; f++) {
      positive += tet(poly[0]!, poly[1]!, poly[2]!, poly[3 * f]!, poly[3 * f + 1]!, poly[3 * f + 2]!, poly[3 * f + 3]!, poly[3 * f + 4]!, poly[3 * f + 5]!);
    }
    const a = 3 * idx[t]!, b = 3 * idx[t + 1]!, c = 3 * idx[t + 2]!;
    total += tet(p[a]! - ox, p[a + 1]! - oy, p[a + 2]! - oz, p[b]! - ox, p[b + 1]! - oy, p[b + 2]! - oz, p[c]! - ox, p[c + 1]! - oy, p[c + 2]! - oz);
  }
  return cutVolumes(positive, total);
}

/** The same split on the voxel mask: voxel centres on the normal's side count as resected. */
export function cutMaskVolumes(volume: LabelVolume, label: number, plane: PlaneLps): CutVolumes {
  const n = unitNormal(plane);
  const [nI, nJ, nK] = volume.dimensions;
  const d = volume.directionLps;
  const s = volume.spacingMm;
  // Signed distance is affine in ijk: dist = c0 + ci·i + cj·j + ck·k.
  const ci = s[0] * (d[0] * n[0] + d[1] * n[1] + d[2] * n[2]);
  const cj = s[1] * (d[3] * n[0] + d[4] * n[1] + d[5] * n[2]);
  const ck = s[2] * (d[6] * n[0] + d[7] * n[1] + d[8] * n[2]);
  const c0 = (volume.originLps[0] - plane.pointLps[0]) * n[0] + (volume.originLps[1] - plane.pointLps[1]) * n[1] + (volume.originLps[2] - plane.pointLps[2]) * n[2];
  let positive = 0;
  let total = 0;
  const labels = volume.labels;
  for (let k = 0; k < nK; k++) {
    for (let j = 0; j < nJ; j++) {
      const row = (k * nJ + j) * nI;
      const base = c0 + cj * j + ck * k;
      for (let i = 0; i < nI; i++) {
        if (labels[row + i] !== label) continue;
        total++;
        if (base + ci * i >= 0) positive++;
      }
    }
  }
  const v = voxelVolumeMm3(volume);
  return cutVolumes(positive * v, total * v);
}

/**
 * The cut outline: segments where the plane crosses the mesh, as [x0,y0,z0,x1,y1,z1] per segment
 * (LPS mm). Vertices exactly on the plane count as the positive side, matching cutMeshVolumes.
 */
export function cutOutline(mesh: TriangleMesh, plane: PlaneLps): Float32Array {
  const n = unitNormal(plane);
  const [ox, oy, oz] = plane.pointLps;
  const p = mesh.positionsLps;
  const idx = mesh.indices;
  const out: number[] = [];
  const pt: number[] = [];
  for (let t = 0; t < idx.length; t += 3) {
    pt.length = 0;
    for (let e = 0; e < 3; e++) {
      const a = 3 * idx[t + e]!;
      const b = 3 * idx[t + (e === 2 ? 0 : e + 1)]!;
      const da = (p[a]! - ox) * n[0] + (p[a + 1]! - oy) * n[1] + (p[a + 2]! - oz) * n[2];
      const db = (p[b]! - ox) * n[0] + (p[b + 1]! - oy) * n[1] + (p[b + 2]! - oz) * n[2];
      if ((da >= 0) !== (db >= 0)) {
        const s = da / (da - db);
        pt.push(p[a]! + s * (p[b]! - p[a]!), p[a + 1]! + s * (p[b + 1]! - p[a + 1]!), p[a + 2]! + s * (p[b + 2]! - p[a + 2]!));
      }
    }
    if (pt.length === 6) out.push(...pt);
  }
  return Float32Array.from(out);
}

/** Closest distance (mm) from a plane to a mesh: 0 when the mesh crosses it, else the nearest vertex. */
export function planeMeshDistanceMm(plane: PlaneLps, mesh: TriangleMesh): number {
  const n = unitNormal(plane);
  const p = mesh.positionsLps;
  let min = Infinity;
  let sawPositive = false;
  let sawNegative = false;
  for (let v = 0; v < p.length; v += 3) {
    const d = (p[v]! - plane.pointLps[0]) * n[0] + (p[v + 1]! - plane.pointLps[1]) * n[1] + (p[v + 2]! - plane.pointLps[2]) * n[2];
    if (d >= 0) sawPositive = true;
    if (d <= 0) sawNegative = true;
    min = Math.min(min, Math.abs(d));
  }
  return sawPositive && sawNegative ? 0 : min;
}

/**
 * Closest distance (mm) from the cut outline of `organ` to the surface of `vessel` — the margin a
 * surgeon reads before dividing tissue near a vessel. Samples each outline segment every
 * `stepMm` (default 0.5 mm) against the vessel's triangles; the error is at most stepMm/2.
 * Returns Infinity when the plane does not cut the organ.
 */
export function cutToVesselDistanceMm(organ: TriangleMesh, plane: PlaneLps, vessel: TriangleMesh, stepMm = 0.5): number {
  const outline = cutOutline(organ, plane);
  if (outline.length === 0) return Infinity;
  const grid = new TriangleGrid(vessel);
  let best = Infinity;
  for (let s = 0; s < outline.length; s += 6) {
    const ax = outline[s]!, ay = outline[s + 1]!, az = outline[s + 2]!;
    const bx = outline[s + 3]!, by = outline[s + 4]!, bz = outline[s + 5]!;
    const steps = Math.max(1, Math.ceil(Math.hypot(bx - ax, by - ay, bz - az) / stepMm));
    for (let q = 0; q <= steps; q++) {
      const f = q / steps;
      best = Math.min(best, grid.distanceMm(ax + f * (bx - ax), ay + f * (by - ay), az + f * (bz - az)));
    }
  }
  return best;
}

export function distanceMm(a: Vec3, b: Vec3): number {
  return Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);
}

/** Angle at `vertex` between the rays to a and b, in degrees (0–180). */
export function angleDeg(a: Vec3, vertex: Vec3, b: Vec3): number {
  const u: Vec3 = [a[0] - vertex[0], a[1] - vertex[1], a[2] - vertex[2]];
  const v: Vec3 = [b[0] - vertex[0], b[1] - vertex[1], b[2] - vertex[2]];
  const lu = Math.hypot(...u);
  const lv = Math.hypot(...v);
  if (lu === 0 || lv === 0) throw new Error('an angle needs two points distinct from its vertex');
  const cos = (u[0] * v[0] + u[1] * v[1] + u[2] * v[2]) / (lu * lv);
  return (Math.acos(Math.min(1, Math.max(-1, cos))) * 180) / Math.PI;
}
