// Node worker threads for the WorkerPool (core/workerPool): the CLI, the benchmarks and the tests
// run the very same `*.worker.ts` entries the browser runs. The thread first registers tsx's ESM
// loader (the entries are TypeScript; `execArgv: ['--import', 'tsx']` is not honoured for threads
// started under every runner, e.g. vitest's forks), then threadScope.ts makes the thread look like
// a Web Worker's global scope to comlink, then it imports the entry, which calls `expose(api)`.
// Messages posted before the entry has loaded wait in the port.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { defaultPoolSize, type WorkerFactory, type WorkerHandle } from '../../core/workerPool/workerPool';
import { nodeEndpoint } from '../../core/workerPool/nodeEndpoint';

const TSX_API = import.meta.resolve('tsx/esm/api');
const THREAD_SCOPE = new URL('./threadScope.ts', import.meta.url).href;

/** A factory of Node worker threads running the worker entry at `entry` (a file: URL). */
export function nodeThreadFactory(entry: URL, name: string): WorkerFactory {
  const bootstrap =
    `import(${JSON.stringify(TSX_API)})` +
    `.then((m) => { m.register(); return import(${JSON.stringify(THREAD_SCOPE)}); })` +
    `.then(() => import(${JSON.stringify(entry.href)}));`;
  return (): WorkerHandle => {
    const worker = new Worker(bootstrap, { eval: true, name });
    let stopping = false;
    return {
      endpoint: nodeEndpoint(worker),
      terminate: () => {
        stopping = true;
        return worker.terminate();
      },
      onFailure: (listener) => {
        worker.on('error', (err) => listener(err instanceof Error ? err : new Error(String(err))));
        worker.on('exit', (code) => {
          if (!stopping) listener(new Error(`the thread exited with code ${code}`));
        });
      },
    };
  };
}

/** Pool size for this machine: cores − 1, within [min, max]. */
export function nodePoolSize(opts: { min?: number; max?: number } = {}): number {
  return defaultPoolSize({ cores: availableParallelism(), ...opts });
}
