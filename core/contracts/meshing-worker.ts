// The meshing worker's contract (workers/meshing/meshing.worker.ts, and the Node worker threads
// of workers/meshing/nodePool.ts): declared here so the browser's client (src/compute/meshing.ts)
// and the kernels share one definition; the worker checks its implementation against it.
// Typed-array results come back transferred.
import { type ImageVolume } from '../domain/imaging';
import { type SegmentationOp, type SegmentationRequest, type SegmentationResult } from '../domain/segmentation';
import { type FinishRequest, type FinishResult } from '../meshing/pipeline';
import { type SlabRequest, type SlabSurface } from '../meshing/slabs';

export interface MeshingWorkerApi {
  /** Keep this CT in the worker for segmentOnLoaded; the caller may transfer its voxels. */
  loadImageVolume(volume: ImageVolume): void;
  /** One operation on a mask over the CT given to loadImageVolume; the mask goes in and comes back transferred. */
  segmentOnLoaded(mask: Uint8Array, operation: SegmentationOp): SegmentationResult;
  extractSlab(req: SlabRequest): SlabSurface[];
  finishStructure(req: FinishRequest): Promise<FinishResult>;
  segment(req: SegmentationRequest): SegmentationResult;
}
