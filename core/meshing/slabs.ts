// Slabs of a label volume for parallel marching cubes: how the cube layers are split between
// workers, the plain-data request and surface of one slab, and the weld that joins the slab
// surfaces of a label into one watertight mesh. The cube loop itself is workers/meshing/marchingCubes.ts.
import { type Vec3 } from '../domain/imaging';

export interface SlabRequest {
  /** Voxel slices [sliceStart, sliceStart + slices) of the volume's label array (index i + j·nI + k'·nI·nJ). */
  labels: Uint8Array | Uint16Array;
  /** Full volume dimensions (nI, nJ, nK). */
  dimensions: Vec3;
  sliceStart: number;
  /** Cube layers to process, −1 ≤ layerStart < layerEnd ≤ nK (see file comment). */
  layerStart: number;
  layerEnd: number;
  /** Label values to extract. */
  wanted: number[];
  /**
   * Shape-based interpolation between slices (see workers/meshing/marchingCubes.ts): vertices on
   * slice-to-slice (k) edges are placed where the in-slice signed distances to the two contours
   * interpolate to zero, instead of at the edge midpoint. Absent: binary midpoints everywhere.
   */
  interSlice?: InterSliceOptions;
}

export interface InterSliceOptions {
  /** In-plane voxel spacing (i, j), mm. */
  spacingIjMm: [number, number];
  /** In-slice distances are searched up to this far (mm); beyond it they count as this. */
  capMm: number;
}

/** The surface of one label inside one slab, in voxel index coordinates (ijk, not yet LPS). */
export interface SlabSurface {
  label: number;
  positionsIjk: Float32Array;
  indices: Uint32Array;
  /** Voxels of this label in the slices the slab owns (slabs partition the slices, so these add up). */
  voxelCount: number;
  /** Grid keys and vertex ids of the vertices on the seam slices layerStart (bottom) and layerEnd (top). */
  bottomKeys: Int32Array;
  bottomVertices: Uint32Array;
  topKeys: Int32Array;
  topVertices: Uint32Array;
}

/**
 * Weld the slab surfaces of one label (given in slab order, bottom to top) into one mesh in ijk.
 * Seam vertices of slab s+1's bottom are replaced by slab s's top vertices with the same grid key.
 */
export function mergeSlabSurfaces(parts: SlabSurface[]): { positionsIjk: Float32Array; indices: Uint32Array; voxelCount: number } {
  // One slab: nothing to weld, and its arrays are already exactly sized.
  if (parts.length === 1) return { positionsIjk: parts[0]!.positionsIjk, indices: parts[0]!.indices, voxelCount: parts[0]!.voxelCount };
  let totalVerts = 0;
  let totalIdx = 0;
  let voxelCount = 0;
  for (const p of parts) {
    totalVerts += p.positionsIjk.length / 3;
    totalIdx += p.indices.length;
    voxelCount += p.voxelCount;
  }
  const positions = new Float32Array(3 * totalVerts);
  const indices = new Uint32Array(totalIdx);
  let vOut = 0;
  let iOut = 0;
  let prevTop = new Map<number, number>();
  for (const p of parts) {
    const n = p.positionsIjk.length / 3;
    const remap = new Int32Array(n).fill(-1);
    for (let b = 0; b < p.bottomKeys.length; b++) {
      const welded = prevTop.get(p.bottomKeys[b]!);
      if (welded !== undefined) remap[p.bottomVertices[b]!] = welded;
    }
    for (let v = 0; v < n; v++) {
      if (remap[v]! >= 0) continue;
      remap[v] = vOut;
      positions[3 * vOut] = p.positionsIjk[3 * v]!;
      positions[3 * vOut + 1] = p.positionsIjk[3 * v + 1]!;
      positions[3 * vOut + 2] = p.positionsIjk[3 * v + 2]!;
      vOut++;
    }
    for (let t = 0; t < p.indices.length; t++) indices[iOut++] = remap[p.indices[t]!]!;
    prevTop = new Map();
    for (let b = 0; b < p.topKeys.length; b++) prevTop.set(p.topKeys[b]!, remap[p.topVertices[b]!]!);
  }
  return { positionsIjk: positions.slice(0, 3 * vOut), indices, voxelCount };
}

/** Split cube layers −1 … nK−1 into `count` contiguous slabs of about equal size. */
export function planSlabs(nK: number, count: number): Array<{ layerStart: number; layerEnd: number }> {
  const layers = nK + 1; // layers −1 … nK−1
  const n = Math.max(1, Math.min(count, layers));
  const out: Array<{ layerStart: number; layerEnd: number }> = [];
  for (let s = 0; s < n; s++) {
    const a = -1 + Math.round((s * layers) / n);
    const b = -1 + Math.round(((s + 1) * layers) / n);
    if (b > a) out.push({ layerStart: a, layerEnd: b });
  }
  return out;
}
