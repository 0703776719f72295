// Browser client of the meshing workers: a pool of Web Workers (comlink), sized
// hardwareConcurrency − 1 (at least 1), started lazily. Label volumes are cut into z-slabs that
// are copied and transferred to the workers; surfaces come back transferred. Progress is one
// fraction; an AbortSignal cancels: every worker of the pool is terminated (a worker computing
// synchronously cannot be interrupted any other way) and fresh ones start on the next job.
// Segmentation runs on one worker that keeps the CT, so only masks cross threads per operation.
// Cancelling a segmentation does NOT terminate that worker (the CT would have to be sent again):
// operations go one call each, the signal is checked between them, and an operation already
// running is left to finish in the background with its result dropped — the caller's promise
// rejects at once, the next job queues behind it (at most one operation, ≈ 0.1–2 s on a CT).
import { type Endpoint, type Remote, transfer, wrap } from 'comlink';
import { type ImageVolume, type LabelVolume } from '../../core/domain/imaging';
import { type StructureMesh } from '../../core/domain/mesh';
import { type MeshingPort, type MeshingProgress, meshInParallel } from '../../workers/meshing/parallel';
import { type MeshingOptions } from '../../workers/meshing/pipelineTypes';
import { type MeshingWorkerApi, type SegmentationOp, type SegmentationResult } from '../../workers/meshing/workerApi';

export interface WorkerHandle {
  endpoint: Endpoint;
  terminate(): void;
}
export type WorkerFactory = () => WorkerHandle;

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

function browserWorker(): WorkerHandle {
  const w = new Worker(new URL('../../workers/meshing/meshing.worker.ts', import.meta.url), { type: 'module', name: 'meshing' });
  return { endpoint: w, terminate: () => w.terminate() };
}

function abortError(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new DOMException('Meshing was cancelled', 'AbortError');
}

interface Slot {
  handle: WorkerHandle;
  api: Remote<MeshingWorkerApi>;
}

export class MeshingClient {
  readonly size: number;
  private readonly createWorker: WorkerFactory;
  private slots: Slot[] = [];
  private segmenter: Slot | undefined;
  private disposed = false;

  constructor(opts: { size?: number; createWorker?: WorkerFactory } = {}) {
    const cores = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ?? 2;
    this.size = Math.max(1, opts.size ?? cores - 1);
    this.createWorker = opts.createWorker ?? browserWorker;
  }

  private spawn(): Slot {
    const handle = this.createWorker();
    return { handle, api: wrap<MeshingWorkerApi>(handle.endpoint) };
  }

  private ensurePool(): Slot[] {
    if (this.disposed) throw new Error('the meshing client was disposed');
    while (this.slots.length < this.size) this.slots.push(this.spawn());
    return this.slots;
  }

  private terminatePool(): void {
    for (const s of this.slots) s.handle.terminate();
    this.slots = [];
  }

  /** Surfaces of every (or the chosen) structure; rejects with an AbortError when cancelled. */
  async meshLabelVolume(volume: LabelVolume, options: MeshingOptions = {}, job: MeshingJobOptions = {}): Promise<StructureMesh[]> {
    const { signal } = job;
    if (signal?.aborted) throw abortError(signal);
    const ports: MeshingPort[] = this.ensurePool().map((slot) => ({
      extractSlab: (req, list) => slot.api.extractSlab(transfer(req, list)),
      finishStructure: (req, list) => slot.api.finishStructure(transfer(req, list)),
    }));
    const onAbort = (): void => this.terminatePool();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const run = meshInParallel(volume, ports, options, { signal, onProgress: job.onProgress });
      // Terminated workers never answer: race the run against the abort so the caller is not left waiting.
      const aborted = new Promise<never>((_, reject) => {
        signal?.addEventListener('abort', () => reject(abortError(signal)), { once: true });
      });
      const { structures } = await Promise.race([run, aborted]);
      return structures;
    } catch (e) {
      if (signal?.aborted) throw abortError(signal);
      throw e;
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  /** Give the segmentation worker this CT (the voxels are copied once; pass `transferVoxels` to move them instead). */
  async loadImageVolume(volume: ImageVolume, transferVoxels = false): Promise<void> {
    if (this.disposed) throw new Error('the meshing client was disposed');
    this.segmenter ??= this.spawn();
    await this.segmenter.api.loadImageVolume(transferVoxels ? transfer(volume, [volume.voxels.buffer as ArrayBuffer]) : volume);
  }

  /**
   * Segmentation steps on a mask over the loaded CT, in order (the mask is transferred there and
   * back: the caller's array is detached). Stops after a step that leaves the mask empty (no later
   * step can add voxels). Cancel rejects with an AbortError without terminating the worker, so the
   * CT stays loaded for the next job.
   */
  async segment(mask: Uint8Array, operations: SegmentationOp | readonly SegmentationOp[], job: SegmentJobOptions = {}): Promise<SegmentPipelineResult> {
    const segmenter = this.segmenter;
    if (segmenter === undefined) throw new Error('load the CT with loadImageVolume before segmenting');
    const ops: readonly SegmentationOp[] = Array.isArray(operations) ? operations : [operations as SegmentationOp];
    if (ops.length === 0) throw new Error('no segmentation operation given');
    const { signal } = job;
    let onAbort = (): void => undefined;
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => reject(abortError(signal!));
    });
    // Keep an abort that lands between awaits from surfacing as an unhandled rejection.
    aborted.catch(() => undefined);
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      let current = mask;
      const voxelCounts: number[] = [];
      for (let i = 0; i < ops.length; i++) {
        if (signal?.aborted) throw abortError(signal);
        const run = segmenter.api.segmentOnLoaded(transfer(current, [current.buffer as ArrayBuffer]), ops[i]!);
        // The worker finishes an operation it started even if cancelled; its answer is ignored.
        const r = await Promise.race([run, aborted]);
        current = r.mask;
        voxelCounts.push(r.voxelCount);
        job.onProgress?.((i + 1) / ops.length);
        if (r.voxelCount === 0) break;
      }
      return { mask: current, voxelCount: voxelCounts.at(-1)!, voxelCounts };
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  dispose(): void {
    this.disposed = true;
    this.terminatePool();
    this.segmenter?.handle.terminate();
    this.segmenter = undefined;
  }
}
