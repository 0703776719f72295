// Meshing on Node worker threads (benchmark, batch use): the WorkerPool running the same
// meshing.worker.ts the browser runs, as MeshingPorts for core/meshing/parallel.ts.
import { type MeshingPort } from '../../core/meshing/parallel';
import { type MeshingWorkerApi } from '../../core/contracts/meshing-worker';
import { transfer, WorkerPool } from '../../core/workerPool/workerPool';
import { nodeThreadFactory } from '../nodeThread/nodeThread';

export interface NodeMeshingPool {
  /** One port per thread; each call runs on whichever thread is free. */
  ports: MeshingPort[];
  /** Terminate every thread; the pool is unusable afterwards. */
  close(): Promise<void>;
}

/** `size` meshing threads, started and answering before this resolves (timings exclude start-up). */
export async function createNodeMeshingPool(size: number): Promise<NodeMeshingPool> {
  if (!(Number.isInteger(size) && size >= 1)) throw new Error(`worker count must be a whole number ≥ 1, got ${size}`);
  const pool = new WorkerPool<MeshingWorkerApi>({ name: 'meshing', size, create: nodeThreadFactory(new URL('./meshing.worker.ts', import.meta.url), 'meshing') });
  try {
    // A cheap call on every thread; a thread that fails to start rejects instead of hanging.
    await pool.warmUp((api) => api.extractSlab({ labels: new Uint8Array(1), dimensions: [1, 1, 1], sliceStart: 0, layerStart: -1, layerEnd: 1, wanted: [1] }));
  } catch (e) {
    await pool.terminate();
    throw new Error(`meshing worker failed to start: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  const ports = Array.from({ length: size }, (): MeshingPort => ({
    extractSlab: (req, list) => pool.run((api) => api.extractSlab(transfer(req, list))),
    finishStructure: (req, list) => pool.run((api) => api.finishStructure(transfer(req, list))),
  }));
  return { ports, close: () => pool.terminate() };
}
