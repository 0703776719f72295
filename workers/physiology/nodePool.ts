// The physiology engine on Node worker threads (CLI ensembles, benchmarks): the WorkerPool running
// the same physiology.worker.ts the browser runs. Work is cut into chunks so progress can be
// reported; cancel rejects at once with an AbortError and the threads running the job are
// replaced (a thread computes synchronously and cannot be interrupted otherwise).
import { type EngineMetrics, type ModelParameters, type Scenario } from '../../core/domain/physiology';
import { defaultParameters } from '../../core/domain/parameters';
import { unpackMetrics, type PhysiologyApi } from '../../core/contracts/physiology-worker';
import { WorkerPool, type Remote } from '../../core/workerPool/workerPool';
import { nodePoolSize, nodeThreadFactory } from '../nodeThread/nodeThread';

export interface PoolRunOptions {
  signal?: AbortSignal;
  onProgress?: (fraction: number) => void;
  /** Members per task (default: enough for about 4 tasks per thread, at most 50). */
  chunkSize?: number;
}

export class NodePhysiologyPool {
  private readonly pool: WorkerPool<PhysiologyApi>;

  constructor(size = nodePoolSize()) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`pool size must be an integer ≥ 1 (got ${size})`);
    this.pool = new WorkerPool<PhysiologyApi>({ name: 'physiology', size, create: nodeThreadFactory(new URL('./physiology.worker.ts', import.meta.url), 'physiology') });
  }

  get size(): number {
    return this.pool.size;
  }

  private async chunked(n: number, call: (api: Remote<PhysiologyApi>, from: number, to: number) => Promise<Float64Array>, opts: PoolRunOptions): Promise<EngineMetrics[]> {
    const chunk = opts.chunkSize ?? Math.max(1, Math.min(50, Math.ceil(n / (this.pool.size * 4))));
    const tasks = [];
    for (let from = 0; from < n; from += chunk) {
      const to = Math.min(n, from + chunk);
      tasks.push({ run: (api: Remote<PhysiologyApi>) => call(api, from, to), weight: to - from });
    }
    const packed = await this.pool.runAll(tasks, { ...(opts.signal ? { signal: opts.signal } : {}), ...(opts.onProgress ? { onProgress: opts.onProgress } : {}) });
    return packed.flatMap((p) => unpackMetrics(p));
  }

  /** Final metrics of the scenario's ensemble members 0..n-1 (same values as in-thread runEnsembleMembers). */
  runEnsemble(scenario: Scenario, n: number, opts: PoolRunOptions = {}): Promise<EngineMetrics[]> {
    return this.chunked(n, (api, from, to) => api.runEnsembleChunk(scenario, from, to), opts);
  }

  /** Throughput kernel: n members × `beats` beats around `base` (workerApi.runMemberBeats). */
  runMemberBeats(base: ModelParameters, seed: number, n: number, beats: number, opts: PoolRunOptions & { stepsPerBeat?: number } = {}): Promise<EngineMetrics[]> {
    const { stepsPerBeat } = opts;
    return this.chunked(n, (api, from, to) => api.runMemberBeats(base, seed, from, to, beats, stepsPerBeat), opts);
  }

  /** Waits until every thread has started (the first task otherwise pays the start-up). */
  warmUp(): Promise<void> {
    return this.pool.warmUp((api) => api.runMemberBeats(defaultParameters(), 1, 0, 1, 1));
  }

  close(): Promise<void> {
    return this.pool.terminate();
  }
}
