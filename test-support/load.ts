// Test timeouts that scale with the machine's load: the shared development machine runs several
// engineers' suites on two cores (load average 20–30), where a calibration that takes 3 s on an
// idle core takes a minute. A fixed timeout either fails there or is too lax on an idle machine.
import { availableParallelism, loadavg } from 'node:os';

/** Most a timeout is stretched (a test that needs more is too slow, not loaded). */
export const MAX_LOAD_FACTOR = 10;

/** How many runnable processes share each core now (1-minute load average / cores), at least 1. */
export function loadFactor(): number {
  const f = loadavg()[0]! / Math.max(1, availableParallelism());
  return Math.min(MAX_LOAD_FACTOR, Math.max(1, Number.isFinite(f) ? f : 1));
}

/** `idleMs` (what the test needs on an idle machine, with its own margin) × the load factor. */
export function loadScaledTimeoutMs(idleMs: number): number {
  return Math.round(idleMs * loadFactor());
}
