// A pool of Node worker_threads running meshing.node-worker.ts (Node-only: bench and batch use).
// Workers run the TypeScript source: a two-line bootstrap registers tsx's ESM loader inside the
// worker thread before importing the entry (execArgv `--import tsx` is not honoured for workers
// started under every runner, e.g. vitest's forks).
import { type Remote, transfer, wrap } from 'comlink';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import { Worker } from 'node:worker_threads';
import { type MeshingPort } from '../../core/meshing/parallel';
import { type MeshingWorkerApi } from '../../core/contracts/meshing-worker';

export interface NodeMeshingPool {
  ports: MeshingPort[];
  /** Terminate every worker; the pool is unusable afterwards. */
  close(): Promise<void>;
}

export async function createNodeMeshingPool(size: number): Promise<NodeMeshingPool> {
  if (!(Number.isInteger(size) && size >= 1)) throw new Error(`worker count must be a whole number ≥ 1, got ${size}`);
  const workers: Worker[] = [];
  const ports: MeshingPort[] = [];
  for (let w = 0; w < size; w++) {
    const entry = new URL('./meshing.node-worker.ts', import.meta.url).href;
    const bootstrap = `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(entry)}); });`;
    const worker = new Worker(bootstrap, { eval: true });
    workers.push(worker);
    const remote: Remote<MeshingWorkerApi> = wrap<MeshingWorkerApi>(nodeEndpoint(worker));
    ports.push({
      extractSlab: (req, list) => remote.extractSlab(transfer(req, list)),
      finishStructure: (req, list) => remote.finishStructure(transfer(req, list)),
    });
  }
  // Wait until every worker has loaded (a cheap call), so timings exclude start-up; a worker that
  // fails to start rejects instead of leaving the call pending forever.
  const ready = Promise.all(
    ports.map((p) => p.extractSlab({ labels: new Uint8Array(1), dimensions: [1, 1, 1], sliceStart: 0, layerStart: -1, layerEnd: 1, wanted: [1] }, [])),
  );
  const startFailure = new Promise<never>((_, reject) => {
    for (const w of workers) w.once('error', (e) => reject(new Error(`meshing worker failed to start: ${e.message}`)));
  });
  try {
    await Promise.race([ready, startFailure]);
  } catch (e) {
    await Promise.all(workers.map((w) => w.terminate()));
    throw e;
  }
  return {
    ports,
    close: async () => {
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}
