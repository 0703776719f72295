// Measurements on indexed triangle meshes: enclosed volume, area, closedness, normals, and the
// one conversion from voxel index space to patient LPS millimetres.
import { type VolumeGeometry } from '../../core/domain/imaging';
import { type TriangleMesh } from '../../core/domain/mesh';

/**
 * Signed enclosed volume in mm³ by the divergence theorem: Σ a·(b×c)/6 over triangles. Positive for a
 * closed, outward-oriented mesh. Accumulated relative to the first vertex to keep float error small
 * for meshes far from the origin (patient coordinates are often hundreds of mm out).
 */
export function signedVolumeMm3(positions: Float32Array, indices: Uint32Array): number {
  if (indices.length === 0) return 0;
  const ox = positions[0]!;
  const oy = positions[1]!;
  const oz = positions[2]!;
  let sum = 0;
  for (let t = 0; t < indices.length; t += 3) {
    const a = 3 * indices[t]!;
    const b = 3 * indices[t + 1]!;
    const c = 3 * indices[t + 2]!;
    const ax = positions[a]! - ox;
    const ay = positions[a + 1]! - oy;
    const az = positions[a + 2]! - oz;
    const bx = positions[b]! - ox;
    const by = positions[b + 1]! - oy;
    const bz = positions[b + 2]! - oz;
    const cx = positions[c]! - ox;
    const cy = positions[c + 1]! - oy;
    const cz = positions[c + 2]! - oz;
    sum += ax * (by * cz - bz * cy) + ay * (bz * cx - bx * cz) + az * (bx * cy - by * cx);
  }
  return sum / 6;
}

export function surfaceAreaMm2(positions: Float32Array, indices: Uint32Array): number {
  let sum = 0;
  for (let t = 0; t < indices.length; t += 3) {
    const a = 3 * indices[t]!;
    const b = 3 * indices[t + 1]!;
    const c = 3 * indices[t + 2]!;
    const ux = positions[b]! - positions[a]!;
    const uy = positions[b + 1]! - positions[a + 1]!;
    const uz = positions[b + 2]! - positions[a + 2]!;
    const vx = positions[c]! - positions[a]!;
    const vy = positions[c + 1]! - positions[a + 1]!;
    const vz = positions[c + 2]! - positions[a + 2]!;
    const nx = uy * vz - uz * vy;
    const ny = uz * vx - ux * vz;
    const nz = ux * vy - uy * vx;
    sum += Math.sqrt(nx * nx + ny * ny + nz * nz);
  }
  return sum / 2;
}

export interface EdgeReport {
  /** Every undirected edge is used by exactly two triangles. */
  watertight: boolean;
  /** And those two use it in opposite directions (consistent orientation). */
  consistentlyOriented: boolean;
  boundaryEdges: number;
  nonManifoldEdges: number;
}

/**
 * Edge-use census: the watertightness and orientation checks the tests and the CLI rely on.
 * Every undirected edge of a closed, consistently oriented mesh is used exactly twice, once in
 * each direction.
 */
export function edgeReport(indices: Uint32Array, vertexCount: number): EdgeReport {
  // Directed edges grouped by their lower vertex (a counting sort, linear time): each group is short
  // (a vertex's higher-numbered neighbours), so uses of one undirected edge are found by a scan.
  const rowStart = new Uint32Array(vertexCount + 1);
  for (let t = 0; t < indices.length; t += 3) {
    for (let e = 0; e < 3; e++) {
      const a = indices[t + e]!;
      const b = indices[t + (e === 2 ? 0 : e + 1)]!;
      rowStart[(a < b ? a : b) + 1]!++;
    }
  }
  for (let v = 0; v < vertexCount; v++) rowStart[v + 1] = rowStart[v + 1]! + rowStart[v]!;
  const fill = rowStart.slice(0, vertexCount);
  const other = new Uint32Array(indices.length);
  const forward = new Uint8Array(indices.length);
  for (let t = 0; t < indices.length; t += 3) {
    for (let e = 0; e < 3; e++) {
      const a = indices[t + e]!;
      const b = indices[t + (e === 2 ? 0 : e + 1)]!;
      const slot = fill[a < b ? a : b]!++;
      other[slot] = a < b ? b : a;
      forward[slot] = a < b ? 1 : 0;
    }
  }
  let boundaryEdges = 0;
  let nonManifoldEdges = 0;
  let misoriented = 0;
  const done = new Uint8Array(indices.length);
  for (let v = 0; v < vertexCount; v++) {
    const end = rowStart[v + 1]!;
    for (let r = rowStart[v]!; r < end; r++) {
      if (done[r] === 1) continue;
      let uses = 1;
      let forwardUses = forward[r]!;
      for (let q = r + 1; q < end; q++) {
        if (other[q] !== other[r]) continue;
        done[q] = 1;
        uses++;
        forwardUses += forward[q]!;
      }
      if (uses === 1) boundaryEdges++;
      else if (uses > 2) nonManifoldEdges++;
      else if (forwardUses !== 1) misoriented++; // both triangles run the edge the same way
    }
  }
  return {
    watertight: boundaryEdges === 0 && nonManifoldEdges === 0,
    consistentlyOriented: misoriented === 0,
    boundaryEdges,
    nonManifoldEdges,
  };
}

/** Determinant of the ijk → LPS linear map (direction cosines × spacing). Negative means a mirror. */
export function ijkToLpsDeterminant(g: VolumeGeometry): number {
  const d = g.directionLps;
  const det = d[0] * (d[4] * d[8] - d[5] * d[7]) - d[1] * (d[3] * d[8] - d[5] * d[6]) + d[2] * (d[3] * d[7] - d[4] * d[6]);
  return det * g.spacingMm[0] * g.spacingMm[1] * g.spacingMm[2];
}

/**
 * Map ijk positions to LPS mm in place. When the grid is mirrored (det < 0, e.g. a NIfTI stored
 * LAS), triangle winding is flipped so the surface stays outward-oriented in LPS.
 */
export function ijkMeshToLps(positions: Float32Array, indices: Uint32Array, g: VolumeGeometry): void {
  const d = g.directionLps;
  const [sx, sy, sz] = g.spacingMm;
  const [ox, oy, oz] = g.originLps;
  for (let v = 0; v < positions.length; v += 3) {
    const i = positions[v]! * sx;
    const j = positions[v + 1]! * sy;
    const k = positions[v + 2]! * sz;
    positions[v] = ox + i * d[0] + j * d[3] + k * d[6];
    positions[v + 1] = oy + i * d[1] + j * d[4] + k * d[7];
    positions[v + 2] = oz + i * d[2] + j * d[5] + k * d[8];
  }
  if (ijkToLpsDeterminant(g) < 0) flipWinding(indices);
}

export function flipWinding(indices: Uint32Array): void {
  for (let t = 0; t < indices.length; t += 3) {
    const b = indices[t + 1]!;
    indices[t + 1] = indices[t + 2]!;
    indices[t + 2] = b;
  }
}

/** Area-weighted unit vertex normals. */
export function vertexNormals(mesh: TriangleMesh): Float32Array {
  const p = mesh.positionsLps;
  const idx = mesh.indices;
  const n = new Float32Array(p.length);
  for (let t = 0; t < idx.length; t += 3) {
    const a = 3 * idx[t]!;
    const b = 3 * idx[t + 1]!;
    const c = 3 * idx[t + 2]!;
    const ux = p[b]! - p[a]!;
    const uy = p[b + 1]! - p[a + 1]!;
    const uz = p[b + 2]! - p[a + 2]!;
    const vx = p[c]! - p[a]!;
    const vy = p[c + 1]! - p[a + 1]!;
    const vz = p[c + 2]! - p[a + 2]!;
    const nx = uy * vz - uz * vy;
    const ny = uz * vx - ux * vz;
    const nz = ux * vy - uy * vx;
    n[a] = n[a]! + nx;
    n[a + 1] = n[a + 1]! + ny;
    n[a + 2] = n[a + 2]! + nz;
    n[b] = n[b]! + nx;
    n[b + 1] = n[b + 1]! + ny;
    n[b + 2] = n[b + 2]! + nz;
    n[c] = n[c]! + nx;
    n[c + 1] = n[c + 1]! + ny;
    n[c + 2] = n[c + 2]! + nz;
  }
  for (let v = 0; v < n.length; v += 3) {
    const len = Math.hypot(n[v]!, n[v + 1]!, n[v + 2]!);
    if (len > 0) {
      n[v] = n[v]! / len;
      n[v + 1] = n[v + 1]! / len;
      n[v + 2] = n[v + 2]! / len;
    } else {
      n[v + 2] = 1; // isolated vertex: any unit vector keeps exporters valid
    }
  }
  return n;
}

/** Axis-aligned bounds [minX, minY, minZ, maxX, maxY, maxZ]. */
export function bounds(positions: Float32Array): [number, number, number, number, number, number] {
  const b: [number, number, number, number, number, number] = [Infinity, Infinity, Infinity, -Infinity, -Infinity, -Infinity];
  for (let v = 0; v < positions.length; v += 3) {
    for (let a = 0; a < 3; a++) {
      const x = positions[v + a]!;
      if (x < b[a]!) b[a] = x;
      if (x > b[a + 3]!) b[a + 3] = x;
    }
  }
  return b;
}
