// Runs the meshing pipeline over a pool of workers: the label volume is cut into z-slabs (one
// voxel slice of overlap), each slab is shared (labels in a SharedArrayBuffer, see shareLabels)
// or else copied once and transferred to a worker, slab surfaces
// come back transferred and are welded per structure, then smoothing + decimation run per
// structure on the pool, largest first. Pool-agnostic: browser (src/compute/meshing.ts) and Node
// (bench, CLI) supply MeshingPort adapters that post with the given transfer lists.
import { throwIfAborted } from '../domain/abort';
import { type LabelVolume } from '../domain/imaging';
import { type StructureMesh } from '../domain/mesh';
import { type FinishRequest, type FinishResult, type MeshingOptions, geometryOf, interSliceOf, slabSurfaceBuffers, wantedSegments } from './pipeline';
import { planSlabs, type SlabRequest, type SlabSurface } from './slabs';

export interface MeshingPort {
  extractSlab(req: SlabRequest, transferList: ArrayBuffer[]): Promise<SlabSurface[]>;
  finishStructure(req: FinishRequest, transferList: ArrayBuffer[]): Promise<FinishResult>;
}

export interface MeshingProgress {
  stage: 'extract' | 'finish';
  /** 0–1 over the whole run. */
  fraction: number;
}

export interface ParallelHooks {
  onProgress?: (p: MeshingProgress) => void;
  /** Checked between tasks (an AbortError); ports over the WorkerPool also stop the running ones. */
  signal?: AbortSignal;
  /** Slabs per worker (more balances uneven structures, fewer means fewer seams). Default 2. */
  slabsPerWorker?: number;
}

export interface ParallelTimingsMs {
  extractMs: number;
  mergeMs: number;
  finishMs: number;
  totalMs: number;
  /** Summed worker time per stage inside finishStructure. */
  weldMs: number;
  smoothMs: number;
  decimateMs: number;
}

/** Run `tasks` over `ports`, each port taking the next task when it is free. */
async function pool<T>(ports: MeshingPort[], tasks: Array<(port: MeshingPort) => Promise<T>>, signal: AbortSignal | undefined, done: () => void): Promise<T[]> {
  const results = new Array<T>(tasks.length);
  let next = 0;
  await Promise.all(
    ports.map(async (port) => {
      while (next < tasks.length) {
        throwIfAborted(signal, 'meshing');
        const t = next++;
        results[t] = await tasks[t]!(port);
        done();
      }
    }),
  );
  throwIfAborted(signal, 'meshing');
  return results;
}

/**
 * The volume with its labels in a SharedArrayBuffer (one copy), so that meshInParallel hands each
 * worker a view of its slab instead of a copy: the label array then exists once for all workers.
 * Where SharedArrayBuffer is unavailable (a page without cross-origin isolation) the volume is
 * returned as it is, and slabs are copied.
 */
export function shareLabels<V extends LabelVolume>(volume: V): V {
  if (typeof SharedArrayBuffer === 'undefined' || volume.labels.buffer instanceof SharedArrayBuffer) return volume;
  const sab = new SharedArrayBuffer(volume.labels.byteLength);
  const labels = volume.labels instanceof Uint16Array ? new Uint16Array(sab) : new Uint8Array(sab);
  labels.set(volume.labels);
  return { ...volume, labels };
}

function isShared(a: Uint8Array | Uint16Array): boolean {
  return typeof SharedArrayBuffer !== 'undefined' && a.buffer instanceof SharedArrayBuffer;
}

export async function meshInParallel(
  volume: LabelVolume,
  ports: MeshingPort[],
  options: MeshingOptions = {},
  hooks: ParallelHooks = {},
): Promise<{ structures: StructureMesh[]; timingsMs: ParallelTimingsMs }> {
  if (ports.length === 0) throw new Error('meshing needs at least one worker');
  const [nI, nJ, nK] = volume.dimensions;
  const plane = nI * nJ;
  if (volume.labels.length !== plane * nK) throw new Error(`label array has ${volume.labels.length} voxels but dimensions say ${nI}×${nJ}×${nK}`);
  const segments = wantedSegments(volume, options);
  const wanted = segments.map((s) => s.label);
  const slabs = planSlabs(nK, ports.length * (hooks.slabsPerWorker ?? 2));
  const interSlice = interSliceOf(volume, options);
  const totalTasks = slabs.length + segments.length;
  let doneTasks = 0;
  const progress = (stage: MeshingProgress['stage']) => (): void => {
    doneTasks++;
    hooks.onProgress?.({ stage, fraction: doneTasks / totalTasks });
  };

  const t0 = performance.now();
  const slabResults = await pool(
    ports,
    slabs.map((s) => (port: MeshingPort) => {
      const first = Math.max(s.layerStart, 0);
      const last = Math.min(s.layerEnd, nK - 1);
      // Shared labels: a view of this slab's slices, nothing copied. Otherwise copy the slab (the
      // caller keeps its volume) and hand the copy over.
      const shared = isShared(volume.labels);
      const labels = shared ? volume.labels.subarray(first * plane, (last + 1) * plane) : volume.labels.slice(first * plane, (last + 1) * plane);
      return port.extractSlab(
        { labels, dimensions: volume.dimensions, sliceStart: first, layerStart: s.layerStart, layerEnd: s.layerEnd, wanted, ...(interSlice ? { interSlice } : {}) },
        shared ? [] : [labels.buffer as ArrayBuffer],
      );
    }),
    hooks.signal,
    progress('extract'),
  );
  const t1 = performance.now();

  const geometry = geometryOf(volume);
  const requests: FinishRequest[] = [];
  // The weld (mergeSlabSurfaces) runs in finishStructure on the workers, not here on the caller's thread.
  const sizes: number[] = [];
  segments.forEach((segment, s) => {
    const parts = slabResults.map((r) => r[s]!);
    if (parts.every((p) => p.voxelCount === 0)) return;
    requests.push({ segment, parts, geometry, options });
    sizes.push(parts.reduce((a, p) => a + p.indices.length, 0));
  });
  // Skipped (empty) structures still count as done for the progress bar.
  doneTasks += segments.length - requests.length;
  const t2 = performance.now();

  const order = requests.map((_, r) => r).sort((a, b) => sizes[b]! - sizes[a]!);
  const finished = await pool(
    ports,
    order.map((r) => (port: MeshingPort) => {
      const req = requests[r]!;
      return port.finishStructure(req, slabSurfaceBuffers(req.parts));
    }),
    hooks.signal,
    progress('finish'),
  );
  const t3 = performance.now();
  const byRequest = new Array<FinishResult>(requests.length);
  order.forEach((r, q) => (byRequest[r] = finished[q]!));
  return {
    structures: byRequest.map((f) => f.structure),
    timingsMs: {
      extractMs: t1 - t0,
      mergeMs: t2 - t1,
      finishMs: t3 - t2,
      totalMs: t3 - t0,
      weldMs: finished.reduce((a, f) => a + f.timingsMs.weldMs, 0),
      smoothMs: finished.reduce((a, f) => a + f.timingsMs.smoothMs, 0),
      decimateMs: finished.reduce((a, f) => a + f.timingsMs.decimateMs, 0),
    },
  };
}
