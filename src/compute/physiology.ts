// Browser client of the physiology engine over the WorkerPool (core/workerPool): one long-lived
// pool of Web Workers, sized max(2, hardwareConcurrency − 1) — while an ensemble runs the main
// thread only paints progress, and on a 2-core workstation one worker would halve throughput.
// A scenario's main run goes to one worker while its ensemble is cut into chunks spread over all
// of them; progress is one fraction; an AbortSignal cancels (the pool terminates and replaces the
// workers running the job, queued chunks are dropped). Waveforms and packed ensemble metrics come
// back as transferred typed arrays.
import { unpackMetrics, type PhysiologyApi } from '../../core/contracts/physiology-worker';
import { summarise } from '../../core/domain/percentiles';
import { validateScenario } from '../../core/domain/scenario';
import { type ModelParameters, type Scenario, type ScenarioResult, type SteadyStateResult } from '../../core/domain/physiology';
import { defaultPoolSize, WorkerPool, type PoolTask, type WorkerFactory } from '../../core/workerPool/workerPool';
import { browserWorkerFactory } from './browserWorker';

export interface JobOptions {
  signal?: AbortSignal;
  onProgress?: (fraction: number) => void;
}

/** Web Workers running workers/physiology/physiology.worker.ts. */
export function physiologyWorkers(name: string): WorkerFactory {
  return browserWorkerFactory(() => new Worker(new URL('../../workers/physiology/physiology.worker.ts', import.meta.url), { type: 'module', name }));
}

export class PhysiologyPool {
  readonly pool: WorkerPool<PhysiologyApi>;

  constructor(opts: { size?: number; create?: WorkerFactory } = {}) {
    this.pool = new WorkerPool<PhysiologyApi>({
      name: 'physiology',
      create: opts.create ?? physiologyWorkers('physiology'),
      size: opts.size ?? defaultPoolSize({ min: 2 }),
    });
  }

  get size(): number {
    return this.pool.size;
  }

  resolveParameters(input: Parameters<PhysiologyApi['resolveParameters']>[0], opts: JobOptions = {}): Promise<ModelParameters> {
    return this.pool.run((api) => api.resolveParameters(input), { signal: opts.signal });
  }

  async simulateSteadyState(params: ModelParameters, opts: JobOptions & { beats?: number; warmupBeats?: number } = {}): Promise<SteadyStateResult> {
    const { beats, warmupBeats } = opts;
    const r = await this.pool.run((api) => api.simulateSteadyState(params, { beats, warmupBeats }), { signal: opts.signal });
    opts.onProgress?.(1);
    return r;
  }

  /**
   * A whole scenario: the main run plus its ensemble spread over the pool. Throws ScenarioError
   * (before any worker starts) for a bad scenario, AbortError when cancelled.
   */
  async runScenario(scenario: Scenario, opts: JobOptions = {}): Promise<ScenarioResult> {
    const s = validateScenario(scenario);
    const n = s.ensemble ?? 0;
    const chunk = Math.max(1, Math.min(25, Math.ceil(n / (this.pool.size * 4))));
    // Progress weights: the main run counts as ten members.
    const tasks: PoolTask<PhysiologyApi, ScenarioResult | Float64Array>[] = [{ run: (api, progress) => api.runScenarioMain(s, progress), weight: 10, reportsProgress: true }];
    for (let from = 0; from < n; from += chunk) {
      const to = Math.min(n, from + chunk);
      tasks.push({ run: (api) => api.runEnsembleChunk(s, from, to), weight: to - from });
    }
    const [main, ...packed] = await this.pool.runAll(tasks, opts);
    const result = main as ScenarioResult;
    if (n > 0) result.ensemble = summarise((packed as Float64Array[]).flatMap((p) => unpackMetrics(p)));
    return result;
  }

  /** Terminate every worker; pending and future calls reject. */
  dispose(): void {
    void this.pool.terminate();
  }
}

let shared: PhysiologyPool | undefined;
/** The app's one long-lived pool (created on first use). */
export function physiologyPool(): PhysiologyPool {
  shared ??= new PhysiologyPool();
  return shared;
}
