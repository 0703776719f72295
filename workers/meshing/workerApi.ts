// What a meshing worker exposes (browser Web Worker or Node thread alike, through the WorkerPool): the pure
// kernels, with their typed-array results marked for transfer so nothing large is copied.
import { transfer } from '../../core/workerPool/workerPool';
import { type ImageVolume } from '../../core/domain/imaging';
import { extractSlab } from './marchingCubes';
import { type SegmentationOp, type SegmentationResult, type SegmentationRequest } from '../../core/domain/segmentation';
import { applyMarginMm, detachAtSeed, fillHoles, regionGrow, removeIslands, threshold } from './segmentation';
import { type FinishRequest, type FinishResult, finishStructure } from './surfaces';
import { type SlabRequest, type SlabSurface } from '../../core/meshing/slabs';
import { slabSurfaceBuffers } from '../../core/meshing/pipeline';
import { type MeshingWorkerApi } from '../../core/contracts/meshing-worker';

function countOnes(mask: Uint8Array): number {
  let n = 0;
  for (let x = 0; x < mask.length; x++) n += mask[x]!;
  return n;
}

/** Pure: run one operation (used by the worker and directly in tests or Node). */
export function runSegmentation(req: SegmentationRequest): SegmentationResult {
  const { volume, mask, operation } = req;
  switch (operation.op) {
    case 'threshold':
      return { mask, voxelCount: threshold(volume, operation.range, mask) };
    case 'regionGrow':
      return { mask, voxelCount: regionGrow(volume, operation.seedIjk, operation.range, mask) };
    case 'removeIslands':
      return { mask, voxelCount: removeIslands(mask, volume, operation.rule) };
    case 'fillHoles':
      fillHoles(mask, volume);
      return { mask, voxelCount: countOnes(mask) };
    case 'margin':
      applyMarginMm(mask, volume, operation.marginMm);
      return { mask, voxelCount: countOnes(mask) };
    case 'detach':
      return { mask, voxelCount: detachAtSeed(mask, volume, operation.seedIjk, operation.radiusMm) };
  }
}


/**
 * The CT a worker segments, kept in the worker between operations so the (large) voxel array
 * crosses the thread boundary once, not once per click. Lifetime: until the next loadImageVolume.
 */
let loadedVolume: ImageVolume | undefined;

export const meshingWorkerApi = {
  /** Keep this CT in the worker for segmentOnLoaded; the caller may transfer its voxels. */
  loadImageVolume(volume: ImageVolume): void {
    loadedVolume = volume;
  },
  /** One operation on a mask over the CT given to loadImageVolume; the mask goes in and comes back transferred. */
  segmentOnLoaded(mask: Uint8Array, operation: SegmentationOp): SegmentationResult {
    if (loadedVolume === undefined) throw new Error('no CT loaded in the meshing worker: call loadImageVolume first');
    const r = runSegmentation({ volume: loadedVolume, mask, operation });
    return transfer(r, [r.mask.buffer as ArrayBuffer]);
  },
  extractSlab(req: SlabRequest): SlabSurface[] {
    const parts = extractSlab(req);
    return transfer(parts, slabSurfaceBuffers(parts));
  },
  async finishStructure(req: FinishRequest): Promise<FinishResult> {
    const r = await finishStructure(req);
    const m = r.structure.mesh;
    const buffers = [m.positionsLps.buffer, m.indices.buffer, ...(m.normalsLps ? [m.normalsLps.buffer] : [])] as ArrayBuffer[];
    return transfer(r, buffers);
  },
  segment(req: SegmentationRequest): SegmentationResult {
    const r = runSegmentation(req);
    return transfer(r, [r.mask.buffer as ArrayBuffer]);
  },
} satisfies MeshingWorkerApi;
