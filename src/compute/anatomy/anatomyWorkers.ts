// What the Anatomy session's jobs share: the Anatomy worker entry (each job family runs it in its
// own one-worker WorkerPool, so cancelling one terminates only that worker) and the caller's hooks.
import { browserWorkerFactory } from '../browserWorker';

export interface JobHooks {
  signal?: AbortSignal;
  /** 0–1. */
  onProgress?: (fraction: number) => void;
}

/** Starts workers/anatomy/anatomy.worker.ts (CT load, planning, files, territories). */
export const anatomyWorkers = browserWorkerFactory(
  () => new Worker(new URL('../../../workers/anatomy/anatomy.worker.ts', import.meta.url), { type: 'module', name: 'anatomy' }),
);
