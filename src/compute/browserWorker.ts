// A browser Web Worker as the WorkerPool's injected endpoint (core/workerPool): the one place the
// app turns `new Worker(...)` into a WorkerHandle. Each client passes its own `new Worker(new
// URL('…worker.ts', import.meta.url))` so Vite sees the literal URL and bundles the entry.
import { type WorkerFactory, type WorkerHandle } from '../../core/workerPool/workerPool';

export function browserWorkerFactory(start: () => Worker): WorkerFactory {
  return (): WorkerHandle => {
    const worker = start();
    return {
      endpoint: worker,
      terminate: () => worker.terminate(),
      onFailure: (listener) => {
        // A load error (missing chunk, syntax error) or an uncaught error in the worker.
        worker.addEventListener('error', (e) => {
          e.preventDefault();
          listener(new Error(e.message || 'the worker script failed to load'));
        });
        worker.addEventListener('messageerror', () => listener(new Error('a message could not be deserialised')));
      },
    };
  };
}
