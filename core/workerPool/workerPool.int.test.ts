// The WorkerPool on real Node worker threads (the same comlink protocol a browser Worker speaks):
// lazy start and the size bound, progress, transfer both ways, errors with their name, cancel
// mid-task (terminate vs abandon), a dying worker, runAll's ordering and first-failure cancel.
import { getEventListeners } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { AbortError, isAbortError } from '../domain/abort';
import { defaultPoolSize, transfer, WorkerPool } from './workerPool';
import { nodeThreadFactory } from '../../workers/nodeThread/nodeThread';
import type { PoolProbeApi } from '../../test-support/workers/poolProbe.worker';

const probe = nodeThreadFactory(new URL('../../test-support/workers/poolProbe.worker.ts', import.meta.url), 'pool-probe');
const pools: WorkerPool<PoolProbeApi>[] = [];
function pool(size: number): WorkerPool<PoolProbeApi> {
  const p = new WorkerPool<PoolProbeApi>({ name: 'probe', create: probe, size });
  pools.push(p);
  return p;
}
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.terminate()));
});

/** Resolves when `check` holds (polled), so no test sleeps for a fixed time. */
async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((r) => setTimeout(r, 5));
}

describe('defaultPoolSize', () => {
  it('is cores − 1 within [min, max]', () => {
    expect(defaultPoolSize({ cores: 8 })).toBe(7);
    expect(defaultPoolSize({ cores: 1 })).toBe(1);
    expect(defaultPoolSize({ cores: 2, min: 2 })).toBe(2);
    expect(defaultPoolSize({ cores: 64, max: 8 })).toBe(8);
  });
});

describe('WorkerPool on Node worker threads', { timeout: 120_000 }, () => {
  it('starts workers lazily and never more than its size', async () => {
    const p = pool(2);
    expect(p.started).toBe(0);
    const ids = await Promise.all([1, 2, 3, 4, 5].map(() => p.run((api) => api.busyFor(20).then(() => api.id()))));
    expect(p.started).toBe(2);
    expect(new Set(ids).size).toBe(2);
    expect(await p.run((api) => api.square(7))).toBe(49);
  });

  it('forwards progress from the worker', async () => {
    const fractions: number[] = [];
    await pool(1).run((api, progress) => api.busyFor(60, progress), { onProgress: (f) => fractions.push(f) });
    await until(() => fractions.at(-1) === 1);
    expect(fractions.length).toBeGreaterThan(1);
    expect(fractions).toEqual([...fractions].sort((a, b) => a - b));
  });

  it('transfers typed arrays both ways (the sender\'s copy is detached, nothing is cloned)', async () => {
    const input = new Float64Array([1, 2, 3.5]);
    const r = await pool(1).run((api) => api.doubled(transfer(input, [input.buffer])));
    expect(input.byteLength).toBe(0);
    expect(r.sum).toBe(6.5);
    expect(r.doubled).toBeInstanceOf(Float64Array);
    expect([...r.doubled]).toEqual([2, 4, 7]);
  });

  it('rejects with the error the worker threw, name and message kept', async () => {
    const p = pool(1);
    await expect(p.run((api) => api.fail('pressure out of range'))).rejects.toMatchObject({ name: 'RangeError', message: 'pressure out of range' });
    expect(await p.run((api) => api.square(3))).toBe(9); // the worker survives a thrown error
  });

  it('cancel mid-task: rejects at once with AbortError, replaces the busy worker, keeps serving', async () => {
    const p = pool(1);
    const first = await p.run((api) => api.id());
    const ac = new AbortController();
    let progressed = false;
    const running = p.run((api, progress) => api.busyFor(60_000, progress), { signal: ac.signal, onProgress: () => (progressed = true) });
    await until(() => progressed); // the worker is inside the synchronous loop
    ac.abort();
    const err: unknown = await running.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AbortError);
    expect(isAbortError(err)).toBe(true);
    expect(String((err as Error).message)).toMatch(/probe task was cancelled/);
    expect(p.started).toBe(0);
    const second = await p.run((api) => api.id());
    expect(second).not.toBe(first);
  });

  it("cancel with 'abandon': rejects at once, the worker finishes its step and is kept", async () => {
    const p = pool(1);
    const first = await p.run((api) => api.id());
    const ac = new AbortController();
    const running = p.run((api) => api.busyFor(150), { signal: ac.signal, onCancel: 'abandon' });
    ac.abort();
    await expect(running).rejects.toMatchObject({ name: 'AbortError' });
    // The next task waits for the abandoned step, then runs on the same worker.
    expect(await p.run((api) => api.id())).toBe(first);
  });

  it('a task aborted while queued never reaches a worker', async () => {
    const p = pool(1);
    const busy = p.run((api) => api.busyFor(100));
    const ac = new AbortController();
    const queued = p.run((api) => api.square(2), { signal: ac.signal });
    ac.abort();
    await expect(queued).rejects.toMatchObject({ name: 'AbortError' });
    await busy;
    expect(p.started).toBe(1);
  });

  it('a worker that dies rejects its task naming the pool; the next task gets a new worker', async () => {
    const p = pool(1);
    const first = await p.run((api) => api.id());
    await expect(p.run((api) => api.crash())).rejects.toThrow(/the probe worker stopped: the thread exited with code 3/);
    const second = await p.run((api) => api.id());
    expect(second).not.toBe(first);
  });

  it('runAll: results in task order, one progress fraction, and the first failure cancels the rest', async () => {
    const p = pool(2);
    const fractions: number[] = [];
    const squares = await p.runAll(
      [1, 2, 3, 4, 5].map((x) => ({ run: (api) => api.square(x) })),
      { onProgress: (f) => fractions.push(f) },
    );
    expect(squares).toEqual([1, 4, 9, 16, 25]);
    expect(fractions.at(-1)).toBe(1);

    const failing = p.runAll([
      { run: (api) => api.busyFor(60_000) },
      { run: (api) => api.fail('member 2 diverged') },
      { run: (api) => api.busyFor(60_000) },
    ]);
    await expect(failing).rejects.toMatchObject({ name: 'RangeError', message: 'member 2 diverged' });
    expect(await p.run((api) => api.square(5))).toBe(25); // the long tasks' workers were replaced, not waited for
  });

  it('leaves no abort listener behind: runs that waited for a worker, and runAll of many tasks', async () => {
    const p = pool(2);
    const session = new AbortController(); // a long-lived signal, passed to every run (a viewer's)
    // Rounds of 10 runs (8 wait for a worker): at most 10 listeners at once, none left after each.
    for (let round = 0; round < 3; round++) {
      await Promise.all(Array.from({ length: 10 }, (_, i) => p.run((api) => api.square(i), { signal: session.signal })));
      expect(getEventListeners(session.signal, 'abort')).toHaveLength(0);
    }
    // runAll keeps at most `size` tasks in flight, so its internal signal never carries one
    // listener per task (Node warned "11 abort listeners added to [AbortSignal]" past 10 tasks).
    const warnings: string[] = [];
    const onWarning = (w: Error): void => void warnings.push(`${w.name}: ${w.message}`);
    process.on('warning', onWarning);
    try {
      const squares = await p.runAll(Array.from({ length: 40 }, (_, x) => ({ run: (api) => api.square(x) })), { signal: session.signal });
      expect(squares).toEqual(Array.from({ length: 40 }, (_, x) => x * x));
      await new Promise((r) => setImmediate(r)); // process warnings are emitted on the next tick
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings.filter((w) => w.includes('MaxListeners'))).toEqual([]);
    expect(getEventListeners(session.signal, 'abort')).toHaveLength(0);
  });

  it('terminate: queued and later tasks reject', async () => {
    const p = pool(1);
    const running = p.run((api) => api.busyFor(60_000)).catch((e: unknown) => e);
    const queued = p.run((api) => api.square(1)).catch((e: unknown) => e);
    await p.terminate();
    expect(String(await running)).toMatch(/probe worker pool was terminated/);
    expect(String(await queued)).toMatch(/probe worker pool was terminated/);
    await expect(p.run((api) => api.square(1))).rejects.toThrow(/terminated/);
  });
});
