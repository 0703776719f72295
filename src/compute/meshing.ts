// Browser client of the meshing workers over the WorkerPool (core/workerPool): a pool of Web
// Workers sized hardwareConcurrency − 1 (at least 1), started lazily. Label volumes are cut into
// z-slabs that are copied and transferred to the workers; surfaces come back transferred. Progress
// is one fraction; an AbortSignal cancels: the workers running the job are terminated (a worker
// computing synchronously cannot be interrupted any other way) and fresh ones start on next use.
// Segmentation runs on its own one-worker pool that keeps the CT, so only masks cross threads per
// operation. Cancelling a segmentation does NOT terminate that worker (the CT would have to be
// sent again): operations go one call each, the signal is checked between them, and an operation
// already running is abandoned — the caller's promise rejects at once, the worker finishes it
// unseen and the next job queues behind it (at most one operation, ≈ 0.1–2 s on a CT).
import { type ImageVolume, type LabelVolume } from '../../core/domain/imaging';
import { type StructureMesh } from '../../core/domain/mesh';
import { type MeshingPort, type MeshingProgress, meshInParallel } from '../../core/meshing/parallel';
import { type MeshingOptions } from '../../core/meshing/pipeline';
import { type SegmentationOp, type SegmentationResult } from '../../core/domain/segmentation';
import { type MeshingWorkerApi } from '../../core/contracts/meshing-worker';
import { abortError, throwIfAborted } from '../../core/domain/abort';
import { defaultPoolSize, transfer, WorkerPool, type WorkerFactory } from '../../core/workerPool/workerPool';
import { browserWorkerFactory } from './browserWorker';

export interface MeshingJobOptions {
  signal?: AbortSignal;
  onProgress?: (p: MeshingProgress) => void;
}

export interface SegmentJobOptions {
  signal?: AbortSignal;
  /** Fraction of the operations done, 0–1, after each one. */
  onProgress?: (fraction: number) => void;
}

export interface SegmentPipelineResult extends SegmentationResult {
  /** Voxels in the mask after each operation that ran (stops early once the mask is empty). */
  voxelCounts: number[];
}

const meshingWorkers: WorkerFactory = browserWorkerFactory(
  () => new Worker(new URL('../../workers/meshing/meshing.worker.ts', import.meta.url), { type: 'module', name: 'meshing' }),
);

export class MeshingClient {
  private readonly pool: WorkerPool<MeshingWorkerApi>;
  private readonly segmenter: WorkerPool<MeshingWorkerApi>;
  private loaded = false;

  constructor(opts: { size?: number; create?: WorkerFactory } = {}) {
    const create = opts.create ?? meshingWorkers;
    this.pool = new WorkerPool<MeshingWorkerApi>({ name: 'meshing', create, size: opts.size ?? defaultPoolSize() });
    this.segmenter = new WorkerPool<MeshingWorkerApi>({ name: 'segmentation', create, size: 1 });
  }

  get size(): number {
    return this.pool.size;
  }

  /** Surfaces of every (or the chosen) structure; rejects with an AbortError when cancelled. */
  async meshLabelVolume(volume: LabelVolume, options: MeshingOptions = {}, job: MeshingJobOptions = {}): Promise<StructureMesh[]> {
    const { signal } = job;
    throwIfAborted(signal, 'meshing');
    // One port per worker the pool may run: meshInParallel keeps each busy with the next slab.
    const ports: MeshingPort[] = Array.from({ length: this.pool.size }, () => ({
      extractSlab: (req, list) => this.pool.run((api) => api.extractSlab(transfer(req, list)), { signal }),
      finishStructure: (req, list) => this.pool.run((api) => api.finishStructure(transfer(req, list)), { signal }),
    }));
    try {
      const { structures } = await meshInParallel(volume, ports, options, { signal, onProgress: job.onProgress });
      return structures;
    } catch (e) {
      if (signal?.aborted) throw abortError(signal, 'meshing');
      throw e;
    }
  }

  /** Give the segmentation worker this CT (the voxels are copied once; pass `transferVoxels` to move them instead). */
  async loadImageVolume(volume: ImageVolume, transferVoxels = false): Promise<void> {
    await this.segmenter.run((api) => api.loadImageVolume(transferVoxels ? transfer(volume, [volume.voxels.buffer as ArrayBuffer]) : volume));
    this.loaded = true;
  }

  /**
   * Segmentation steps on a mask over the loaded CT, in order (the mask is transferred there and
   * back: the caller's array is detached). Stops after a step that leaves the mask empty (no later
   * step can add voxels). Cancel rejects with an AbortError without terminating the worker, so the
   * CT stays loaded for the next job.
   */
  async segment(mask: Uint8Array, operations: SegmentationOp | readonly SegmentationOp[], job: SegmentJobOptions = {}): Promise<SegmentPipelineResult> {
    if (!this.loaded) throw new Error('load the CT with loadImageVolume before segmenting');
    const ops: readonly SegmentationOp[] = Array.isArray(operations) ? operations : [operations as SegmentationOp];
    if (ops.length === 0) throw new Error('no segmentation operation given');
    const { signal } = job;
    let current = mask;
    const voxelCounts: number[] = [];
    for (let i = 0; i < ops.length; i++) {
      throwIfAborted(signal, 'segmentation');
      const input = current;
      // 'abandon': the worker finishes an operation it started even if cancelled (its answer is
      // dropped) and keeps the CT.
      const r = await this.segmenter.run((api) => api.segmentOnLoaded(transfer(input, [input.buffer as ArrayBuffer]), ops[i]!), { signal, onCancel: 'abandon' });
      current = r.mask;
      voxelCounts.push(r.voxelCount);
      job.onProgress?.((i + 1) / ops.length);
      if (r.voxelCount === 0) break;
    }
    return { mask: current, voxelCount: voxelCounts.at(-1)!, voxelCounts };
  }

  dispose(): void {
    void this.pool.terminate();
    void this.segmenter.terminate();
  }
}
