// The browser pool client over the real WorkerPool and comlink: each "worker" is the real engine API exposed on one
// end of a MessageChannel (the transport a Web Worker uses), so chunking, progress, transfer,
// ensemble merging and cancel-by-replacement are exercised without a browser.
import { expose, type Endpoint, type WorkerHandle } from '../../core/workerPool/workerPool';
import { MessageChannel } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { ScenarioError } from '../../core/domain/physiology';
import { physiologyApi } from '../../workers/physiology/workerApi';
import { runScenario } from '../../workers/physiology/runScenario';
import { PhysiologyPool } from './physiology';

let created = 0;
let terminated = 0;
/** Messages to the "worker" can be delayed, like a real worker that is slow to pick up a job. */
let deliveryDelayMs = 0;
function inProcessWorker(): WorkerHandle {
  created++;
  const { port1, port2 } = new MessageChannel();
  expose(physiologyApi, port1 as unknown as Endpoint);
  const delay = deliveryDelayMs;
  const endpoint: Endpoint = {
    postMessage: (msg: unknown, transfer?: Transferable[]) => {
      const send = () => port2.postMessage(msg, transfer as never);
      if (delay > 0) setTimeout(send, delay);
      else send();
    },
    addEventListener: port2.addEventListener.bind(port2) as Endpoint['addEventListener'],
    removeEventListener: port2.removeEventListener.bind(port2) as Endpoint['removeEventListener'],
    start: () => port2.start(),
  };
  return {
    endpoint,
    terminate: () => {
      terminated++;
      port1.close();
      port2.close();
    },
    onFailure: () => undefined,
  };
}

const pools: PhysiologyPool[] = [];
function pool(size: number): PhysiologyPool {
  const p = new PhysiologyPool({ size, create: inProcessWorker });
  pools.push(p);
  return p;
}
afterEach(() => {
  deliveryDelayMs = 0;
  pools.splice(0).forEach((p) => p.dispose());
  created = 0;
  terminated = 0;
});

describe('PhysiologyPool (browser client)', () => {
  it('runs a scenario with its ensemble spread over workers and matches the in-thread result', async () => {
    const scenario = { preset: 'healthy' as const, durationSec: 120, ensemble: 5, seed: 4 };
    const progress: number[] = [];
    const r = await pool(2).runScenario(scenario, { onProgress: (f) => progress.push(f) });
    const local = runScenario(scenario);
    expect(r.metrics).toEqual(local.metrics);
    expect(r.ensemble).toEqual(local.ensemble);
    expect(r.trajectory).toHaveLength(local.trajectory!.length);
    expect(r.waveforms.lvVolumeMl).toBeInstanceOf(Float64Array);
    expect(progress.at(-1)).toBe(1);
    expect(created).toBeLessThanOrEqual(2);
  });

  it('rejects a bad scenario before starting any worker', async () => {
    await expect(pool(1).runScenario({ preset: 'healthy', durationSec: -1 } as never)).rejects.toBeInstanceOf(ScenarioError);
    expect(created).toBe(0);
  });

  it('cancels: rejects with AbortError, replaces the busy worker, and keeps serving', async () => {
    const p = pool(1);
    // Aborted before any worker took the job: nothing to terminate.
    const early = new AbortController();
    const queued = p.runScenario({ preset: 'healthy', ensemble: 4 }, { signal: early.signal });
    early.abort();
    await expect(queued).rejects.toThrow(/cancel|abort/i);
    expect(terminated).toBe(0);
    // Aborted while a worker holds the job: that worker is terminated and replaced.
    deliveryDelayMs = 30;
    const slow = pool(1);
    const ac = new AbortController();
    const running = slow.runScenario({ preset: 'healthy', durationSec: 600 }, { signal: ac.signal });
    setTimeout(() => ac.abort(), 5);
    await expect(running).rejects.toThrow(/cancel|abort/i);
    expect(terminated).toBe(1);
    expect(created).toBe(2); // the replacement starts on next use
    deliveryDelayMs = 0;
    expect((await slow.resolveParameters({ preset: 'healthy' })).heartRateBpm).toBeGreaterThan(0);
    expect(created).toBe(3);
    const steady = await p.simulateSteadyState(physiologyApi.resolveParameters({ preset: 'hfref' }));
    expect(steady.metrics.ef).toBeGreaterThan(0.12); // decompensated HFrEF preset (issue 11): EF ≈ 0.17
    expect(steady.metrics.ef).toBeLessThan(0.35);
  });
});
