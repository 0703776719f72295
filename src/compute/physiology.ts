// Browser client of the physiology engine: one long-lived pool of Web Workers (comlink), sized
// max(2, hardwareConcurrency − 1). A scenario's main run goes to one worker while its
// ensemble is cut into chunks spread over all of them; progress is reported as one fraction and
// an AbortSignal cancels: the workers running the cancelled job are terminated and replaced (a
// worker computes synchronously and cannot be interrupted any other way), queued chunks are dropped.
// Waveforms and packed ensemble metrics come back as transferred typed arrays.
import { proxy, wrap, type Endpoint, type Remote } from 'comlink';
import {
  type ModelParameters,
  type Scenario,
  type ScenarioResult,
  type SteadyStateResult,
} from '../../core/domain/physiology';
import { validateScenario } from '../../workers/physiology/scenario';
import { summarise } from '../../workers/physiology/spread';
import { unpackMetrics, type PhysiologyApi } from '../../workers/physiology/workerApi';

export interface WorkerHandle {
  endpoint: Endpoint;
  terminate(): void;
}
export type WorkerFactory = () => WorkerHandle;

export interface JobOptions {
  signal?: AbortSignal;
  onProgress?: (fraction: number) => void;
}

function browserWorker(): WorkerHandle {
  const w = new Worker(new URL('../../workers/physiology/physiology.worker.ts', import.meta.url), { type: 'module', name: 'physiology' });
  return { endpoint: w, terminate: () => w.terminate() };
}

function abortError(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new DOMException('The simulation was cancelled', 'AbortError');
}

interface Slot {
  handle: WorkerHandle;
  api: Remote<PhysiologyApi>;
  busy: boolean;
}

export class PhysiologyPool {
  readonly size: number;
  private readonly createWorker: WorkerFactory;
  private readonly slots: Slot[] = [];
  private readonly waiting: ((slot: Slot) => void)[] = [];
  private disposed = false;

  constructor(opts: { size?: number; createWorker?: WorkerFactory } = {}) {
    const cores = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ?? 2;
    // Leave one core to the page, but never fewer than two workers: while an ensemble runs the main
    // thread only paints progress, and on a 2-core workstation one worker would halve throughput.
    this.size = Math.max(1, opts.size ?? Math.max(2, cores - 1));
    this.createWorker = opts.createWorker ?? browserWorker;
  }

  private spawn(): Slot {
    const handle = this.createWorker();
    return { handle, api: wrap<PhysiologyApi>(handle.endpoint), busy: false };
  }

  private acquire(): Promise<Slot> {
    if (this.disposed) return Promise.reject(new Error('the physiology pool was disposed'));
    const free = this.slots.find((s) => !s.busy);
    if (free) {
      free.busy = true;
      return Promise.resolve(free);
    }
    if (this.slots.length < this.size) {
      // Workers start lazily: a pool that only ever runs one job at a time keeps one worker.
      const s = this.spawn();
      s.busy = true;
      this.slots.push(s);
      return Promise.resolve(s);
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(slot: Slot): void {
    const next = this.waiting.shift();
    if (next) next(slot);
    else slot.busy = false;
  }

  /** Replace a worker whose job was cancelled mid-computation. */
  private recycle(slot: Slot): void {
    slot.handle.terminate();
    const i = this.slots.indexOf(slot);
    if (i >= 0) this.slots.splice(i, 1);
    if (this.disposed) return;
    const fresh = this.spawn();
    fresh.busy = true;
    this.slots.push(fresh);
    this.release(fresh);
  }

  /** Run one call on a free worker; on abort the worker is terminated and replaced. */
  private async call<T>(fn: (api: Remote<PhysiologyApi>) => Promise<T>, signal?: AbortSignal): Promise<T> {
    if (signal?.aborted) throw abortError(signal);
    const slot = await this.acquire();
    if (signal?.aborted) {
      this.release(slot);
      throw abortError(signal);
    }
    let onAbort: (() => void) | undefined;
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => reject(abortError(signal!));
      signal?.addEventListener('abort', onAbort, { once: true });
    });
    try {
      const result = await Promise.race([fn(slot.api), aborted]);
      this.release(slot);
      return result;
    } catch (err) {
      if (signal?.aborted) this.recycle(slot);
      else this.release(slot);
      throw err;
    } finally {
      if (onAbort) signal?.removeEventListener('abort', onAbort);
    }
  }

  resolveParameters(input: Parameters<PhysiologyApi['resolveParameters']>[0], opts: JobOptions = {}): Promise<ModelParameters> {
    return this.call((api) => api.resolveParameters(input), opts.signal);
  }

  simulateSteadyState(params: ModelParameters, opts: JobOptions & { beats?: number; warmupBeats?: number } = {}): Promise<SteadyStateResult> {
    const { beats, warmupBeats } = opts;
    return this.call((api) => api.simulateSteadyState(params, { beats, warmupBeats }), opts.signal).then((r) => {
      opts.onProgress?.(1);
      return r;
    });
  }

  /**
   * A whole scenario: the main run plus its ensemble spread over the pool. Throws ScenarioError
   * (before any worker starts) for a bad scenario, AbortError when cancelled.
   */
  async runScenario(scenario: Scenario, opts: JobOptions = {}): Promise<ScenarioResult> {
    const s = validateScenario(scenario);
    const n = s.ensemble ?? 0;
    const chunk = Math.max(1, Math.min(25, Math.ceil(n / (this.size * 4))));
    // Progress weights: the main run counts as ten members.
    const total = 10 + n;
    let mainFraction = 0;
    let membersDone = 0;
    const report = () => opts.onProgress?.((10 * mainFraction + membersDone) / total);
    const main = this.call(
      (api) =>
        api.runScenarioMain(
          s,
          proxy((f: number) => {
            mainFraction = f;
            report();
          }),
        ),
      opts.signal,
    );
    const parts: Promise<Float64Array>[] = [];
    for (let from = 0; from < n; from += chunk) {
      const to = Math.min(n, from + chunk);
      parts.push(
        this.call((api) => api.runEnsembleChunk(s, from, to), opts.signal).then((packed) => {
          membersDone += to - from;
          report();
          return packed;
        }),
      );
    }
    try {
      const [result, packed] = await Promise.all([main, Promise.all(parts)]);
      if (n > 0) result.ensemble = summarise(packed.flatMap((p) => unpackMetrics(p)));
      mainFraction = 1;
      membersDone = n;
      report();
      return result;
    } catch (err) {
      // Let the sibling calls settle quietly; the first error (or the abort) is what the caller sees.
      for (const p of [main, ...parts]) p.catch(() => undefined);
      throw err;
    }
  }

  /** Terminate every worker; pending and future calls reject. */
  dispose(): void {
    this.disposed = true;
    for (const s of this.slots.splice(0)) s.handle.terminate();
    this.waiting.splice(0);
  }
}

let shared: PhysiologyPool | undefined;
/** The app's one long-lived pool (created on first use). */
export function physiologyPool(): PhysiologyPool {
  shared ??= new PhysiologyPool();
  return shared;
}
