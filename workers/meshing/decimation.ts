// Decimation with meshoptimizer's quadric edge-collapse simplifier (wasm; runs in browsers, workers
// and Node). The error bound is absolute, in mm, so "within one voxel" is a direct setting.
import { MeshoptSimplifier, type SimplifierFlags } from 'meshoptimizer';
import { type TriangleMesh } from '../../core/domain/mesh';
import { edgeReport } from './meshMetrics';

export interface DecimateOptions {
  /** Stop at this many triangles (or fewer). */
  targetTriangles: number;
  /** Never move the surface more than about this far (mm; meshoptimizer's quadric error metric). */
  maxErrorMm: number;
  /** Skip checking the input when the caller knows it is closed (marching-cubes output is). */
  inputKnownWatertight?: boolean;
}

export interface DecimateResult {
  mesh: TriangleMesh;
  /** The simplifier's own error estimate for the result, mm. */
  errorMm: number;
  /** Whether the result is closed and manifold (see below). */
  watertight: boolean;
}

/** Resolves once the wasm module is compiled; every call below awaits it. */
export const decimatorReady: Promise<void> = MeshoptSimplifier.ready;

/**
 * Simplify towards the triangle budget without exceeding the error bound (whichever stops first),
 * then drop unused vertices. Requires `await decimatorReady` first.
 */
export function decimate(mesh: TriangleMesh, options: DecimateOptions): DecimateResult {
  if (!(options.targetTriangles >= 4)) throw new Error(`triangle budget must be at least 4, got ${options.targetTriangles}`);
  if (!(options.maxErrorMm > 0)) throw new Error(`decimation error bound must be positive mm, got ${options.maxErrorMm}`);
  const inputWatertight = options.inputKnownWatertight === true || edgeReport(mesh.indices, mesh.positionsLps.length / 3).watertight;
  if (mesh.indices.length / 3 <= options.targetTriangles) return { mesh, errorMm: 0, watertight: inputWatertight };
  // Edge collapse without a full link-condition check can, rarely, pinch two nearby sheets onto
  // one edge (an edge shared by four triangles: seen once on a 288k-triangle liver). A closed
  // input must give a closed output. RegularizeLight (which also evens out triangle sizes) avoided
  // it there at the same speed and 0.09 mm error, so it goes first; then plain, Regularize and a
  // smaller target — the first closed result is kept.
  let best: DecimateResult | undefined;
  const attempts: Array<{ flags: SimplifierFlags[]; scale: number }> = [
    { flags: ['RegularizeLight'], scale: 1 },
    { flags: [], scale: 1 },
    { flags: ['Regularize'], scale: 1 },
    { flags: [], scale: 1.1 },
  ];
  for (const { flags, scale } of attempts) {
    const target = Math.floor(options.targetTriangles / scale);
    const [indices, errorMm] = MeshoptSimplifier.simplify(mesh.indices, mesh.positionsLps, 3, target * 3, options.maxErrorMm, ['ErrorAbsolute', ...flags]);
    const result = compact(mesh.positionsLps, indices);
    const watertight = edgeReport(result.indices, result.positionsLps.length / 3).watertight;
    best ??= { mesh: result, errorMm, watertight };
    if (watertight || !inputWatertight) return { mesh: result, errorMm, watertight };
  }
  return best!;
}

/** Keep only referenced vertices, renumbered in first-use order. */
export function compact(positions: Float32Array, indices: Uint32Array): TriangleMesh {
  const remap = new Int32Array(positions.length / 3).fill(-1);
  let n = 0;
  const outIdx = new Uint32Array(indices.length);
  for (let t = 0; t < indices.length; t++) {
    const v = indices[t]!;
    if (remap[v]! < 0) remap[v] = n++;
    outIdx[t] = remap[v]!;
  }
  const outPos = new Float32Array(3 * n);
  for (let v = 0; v < remap.length; v++) {
    const r = remap[v]!;
    if (r < 0) continue;
    outPos[3 * r] = positions[3 * v]!;
    outPos[3 * r + 1] = positions[3 * v + 1]!;
    outPos[3 * r + 2] = positions[3 * v + 2]!;
  }
  return { positionsLps: outPos, indices: outIdx };
}
