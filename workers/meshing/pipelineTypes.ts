// The plain-data shapes of the meshing pipeline and the two helpers the orchestrator needs. Kept
// apart from surfaces.ts so the main-thread client (src/compute/meshing.ts → parallel.ts) does
// not pull the decimator's wasm into the page bundle.
import { type LabelVolume, type SegmentInfo, type VolumeGeometry } from '../../core/domain/imaging';
import { type StructureMesh } from '../../core/domain/mesh';

export interface MeshingOptions {
  /** Labels to mesh; default: every segment of the volume. */
  labels?: number[];
  /** Taubin iterations; 0 turns smoothing off. Default 20. */
  smoothingIterations?: number;
  /** Triangle budget per structure. Default 100 000. */
  budgetTriangles?: number;
  /** Decimation error bound in mm. Default half the smallest voxel spacing. */
  maxErrorMm?: number;
}

/** Everything finishStructure needs: plain data, so it can be posted to a worker with its buffers transferred. */
export interface FinishRequest {
  segment: SegmentInfo;
  positionsIjk: Float32Array;
  indices: Uint32Array;
  voxelCount: number;
  geometry: VolumeGeometry;
  options: MeshingOptions;
}

export interface StageTimingsMs {
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

