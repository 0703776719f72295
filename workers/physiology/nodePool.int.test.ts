// The Node worker-thread pool runs the same pure functions as the main thread: identical
// ensemble results, progress to 1, cancellation.
import { afterAll, describe, expect, it } from 'vitest';
import { NodePhysiologyPool } from './nodePool';
import { resolveParameters } from './presets';
import { runEnsembleMembers } from './runScenario';
import { runMemberBeats } from './workerApi';
import { unpackMetrics } from '../../core/contracts/physiology-worker';

const pool = new NodePhysiologyPool(2);
afterAll(() => pool.close());

describe('NodePhysiologyPool', () => {
  it('gives the same ensemble members as the main thread, in order', async () => {
    const scenario = { preset: 'hfref' as const, ensemble: 6, seed: 3 };
    const progress: number[] = [];
    const pooled = await pool.runEnsemble(scenario, 6, { chunkSize: 2, onProgress: (f) => progress.push(f) });
    expect(pooled).toEqual(runEnsembleMembers(scenario, 0, 6));
    expect(progress.at(-1)).toBe(1);
  });

  it('runs the throughput kernel and matches it in-thread', async () => {
    const base = resolveParameters({});
    const pooled = await pool.runMemberBeats(base, 5, 4, 3, { chunkSize: 1 });
    expect(pooled).toEqual(unpackMetrics(runMemberBeats(base, 5, 0, 4, 3)));
  });

  it('rejects with AbortError when cancelled and keeps working afterwards', async () => {
    const ac = new AbortController();
    const run = pool.runMemberBeats(resolveParameters({}), 1, 40, 5, { chunkSize: 1, signal: ac.signal });
    ac.abort();
    await expect(run).rejects.toThrow(/cancel|abort/i);
    const after = await pool.runMemberBeats(resolveParameters({}), 1, 2, 2);
    expect(after).toHaveLength(2);
  });

  it('reports errors from a thread as a rejected promise', async () => {
    await expect(pool.runEnsemble({ preset: 'nope' } as never, 1)).rejects.toThrow(/preset/);
  });
});
