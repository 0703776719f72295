// The plain-data shapes of the meshing pipeline and the two helpers the orchestrator needs. Kept
// apart from workers/meshing/surfaces.ts so the main-thread client (src/compute/meshing.ts →
// core/meshing/parallel.ts) does not pull the decimator's wasm into the page bundle.
import { type LabelVolume, type SegmentInfo, type VolumeGeometry } from '../domain/imaging';
import { type StructureMesh } from '../domain/mesh';
import { type InterSliceOptions, type SlabSurface } from './slabs';

export interface MeshingOptions {
  /** Labels to mesh; default: every segment of the volume. */
  labels?: number[];
  /** Taubin iterations; 0 turns smoothing off. Default 10 (DEFAULT_SMOOTHING_ITERATIONS). */
  smoothingIterations?: number;
  /** Triangle budget per structure. Default 100 000. */
  budgetTriangles?: number;
  /** Decimation error bound in mm. Default half the smallest voxel spacing. */
  maxErrorMm?: number;
  /**
   * Shape-based interpolation between slices (workers/meshing/marchingCubes.ts): removes the
   * per-slice terraces ("concentric ripples") of thick-slice label maps. Default true; false gives
   * the binary marching-cubes surface (vertices at edge midpoints).
   */
  interSliceInterpolation?: boolean;
}

/**
 * In-slice distances for inter-slice interpolation are searched up to this many slice spacings:
 * the shallowest wall it reconstructs rises one slice over 2 × 4 slice spacings. On ellipsoid
 * phantoms sliced at 2, 3 and 5 mm (0.75 mm pixels; workers/meshing/smoothing.test.ts, bench `mesh`)
 * 3–4 gave the smallest distance to the true surface; 8 lowers the poles.
 */
export const INTER_SLICE_CAP_SLICES = 4;

/** The slab requests' inter-slice settings for this grid and these options (undefined: binary surface). */
export function interSliceOf(g: VolumeGeometry, options: MeshingOptions): InterSliceOptions | undefined {
  if (options.interSliceInterpolation === false) return undefined;
  return { spacingIjMm: [g.spacingMm[0], g.spacingMm[1]], capMm: INTER_SLICE_CAP_SLICES * g.spacingMm[2] };
}

/** Everything finishStructure needs: plain data, so it can be posted to a worker with its buffers transferred. */
export interface FinishRequest {
  segment: SegmentInfo;
  /** The structure's slab surfaces in slab order; finishStructure welds them (mergeSlabSurfaces) on its worker. */
  parts: SlabSurface[];
  geometry: VolumeGeometry;
  options: MeshingOptions;
}

/** The buffers of slab surfaces, for a transfer list. */
export function slabSurfaceBuffers(parts: SlabSurface[]): ArrayBuffer[] {
  return parts.flatMap((p) => [p.positionsIjk, p.indices, p.bottomKeys, p.bottomVertices, p.topKeys, p.topVertices].map((a) => a.buffer as ArrayBuffer));
}

export interface StageTimingsMs {
  /** Welding the slab surfaces into one mesh. */
  weldMs: number;
  smoothMs: number;
  decimateMs: number;
  statsMs: number;
}

export interface FinishResult {
  structure: StructureMesh;
  timingsMs: StageTimingsMs;
}

/** Geometry only (no voxels), to post alongside slabs. */
export function geometryOf(v: VolumeGeometry): VolumeGeometry {
  return { dimensions: v.dimensions, spacingMm: v.spacingMm, originLps: v.originLps, directionLps: v.directionLps };
}

export function wantedSegments(volume: LabelVolume, options: MeshingOptions): SegmentInfo[] {
  if (options.labels === undefined) return volume.segments;
  return options.labels.map((l) => {
    const s = volume.segments.find((seg) => seg.label === l);
    if (s === undefined) throw new Error(`label ${l} is not in this segmentation's label table`);
    return s;
  });
}

