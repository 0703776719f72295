// A worker entry for the WorkerPool's own tests (core/workerPool/workerPool.int.test.ts): small,
// observable behaviours — a synchronous busy loop with progress, a thrown error, a transfer each
// way, a crash — and an id per worker, so a test can tell a replaced worker from a kept one.
import { expose, transfer } from '../../core/workerPool/workerPool';

const workerId = `${Date.now()}-${Math.random()}`;

export const poolProbeApi = {
  id(): string {
    return workerId;
  },
  square(x: number): number {
    return x * x;
  },
  /** Spins the thread for `ms` (it cannot be interrupted), reporting progress every ~10 ms. */
  busyFor(ms: number, onProgress?: (fraction: number) => void): number {
    const t0 = performance.now();
    let last = t0;
    for (;;) {
      const now = performance.now();
      if (now - t0 >= ms) break;
      if (onProgress && now - last >= 10) {
        last = now;
        void onProgress((now - t0) / ms);
      }
    }
    void onProgress?.(1);
    return ms;
  },
  fail(message: string): never {
    throw new RangeError(message);
  },
  /** Sums the input (which the caller transferred) and returns a fresh array, transferred back. */
  doubled(values: Float64Array): { sum: number; doubled: Float64Array } {
    let sum = 0;
    const doubled = new Float64Array(values.length);
    for (let i = 0; i < values.length; i++) {
      sum += values[i]!;
      doubled[i] = 2 * values[i]!;
    }
    return transfer({ sum, doubled }, [doubled.buffer]);
  },
  /** Ends the thread the way an uncaught error in a worker does (Node: the thread exits). */
  crash(): void {
    process.exit(3);
  },
};
export type PoolProbeApi = typeof poolProbeApi;

expose(poolProbeApi);
