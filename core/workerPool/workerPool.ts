// The one way Twinscope runs work on other threads: a pool of workers spoken to with comlink over
// an endpoint the caller injects — a browser Web Worker (src/compute) or a Node worker thread
// (workers/nodeThread, for the CLI, benchmarks and tests). The pool owns the workers' lifetime:
// started lazily on first use, at most `size` at once, one task per worker at a time (a kernel
// computes synchronously; two tasks on one worker would only queue inside it), FIFO queue.
//
// Cancel: an AbortSignal makes the task reject at once with an AbortError. A synchronous kernel
// cannot be interrupted, so by default the worker running it is terminated and a fresh one starts
// on next use ('terminate'); a worker holding state worth keeping (a loaded CT) may instead finish
// its step unseen and stay ('abandon': the next task on it waits for that step).
// Progress: the task gets a callback to pass to the worker (a comlink proxy, made only when the
// caller asked for progress). Transfer: tasks mark typed arrays with `transfer` (re-exported here,
// so comlink is imported nowhere else). Errors thrown in a worker reject the task with the same
// name and message; a worker that dies rejects its task naming the pool.
import { expose, proxy, transfer, wrap, type Endpoint, type Remote } from 'comlink';
import { abortError } from '../domain/abort';

export { expose, proxy, transfer, type Endpoint, type Remote };

/** One started worker, as the injected factory made it. */
export interface WorkerHandle {
  endpoint: Endpoint;
  /** Stop the worker now (a computation in progress is lost). */
  terminate(): void | Promise<unknown>;
  /** Register the listener for the worker failing: a load error, an uncaught error, an exit the pool did not ask for. */
  onFailure(listener: (err: Error) => void): void;
}
export type WorkerFactory = () => WorkerHandle;

export type CancelMode = 'terminate' | 'abandon';

export interface RunOptions<P = number> {
  signal?: AbortSignal;
  onProgress?: (progress: P) => void;
  /** What happens to the worker when the task is cancelled (default 'terminate'; see the header). */
  onCancel?: CancelMode;
}

/** A unit of work: calls the worker's API; `progress` is set when the caller asked for progress. */
export type Task<Api, T, P = number> = (api: Remote<Api>, progress: ((p: P) => void) | undefined) => Promise<T>;

export interface PoolTask<Api, T> {
  run: Task<Api, T, number>;
  /** Share of the whole in runAll's progress (default 1). */
  weight?: number;
  /** The task reports its own 0–1 progress (through `progress`); otherwise it counts when done. */
  reportsProgress?: boolean;
}

export interface WorkerPoolOptions {
  /** What the workers do, for messages ("the meshing worker stopped: …"). */
  name: string;
  create: WorkerFactory;
  /** Most workers at once (default defaultPoolSize()). */
  size?: number;
}

/**
 * Workers for a machine with `cores` logical cores: one fewer than the cores (the page or the
 * event loop keeps one), within [min, max]. Browsers report navigator.hardwareConcurrency; Node
 * callers pass os.availableParallelism().
 */
export function defaultPoolSize(opts: { cores?: number; min?: number; max?: number } = {}): number {
  const reported = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency;
  const cores = opts.cores ?? reported ?? 2;
  const min = opts.min ?? 1;
  const max = Math.max(min, opts.max ?? 8);
  return Math.min(max, Math.max(min, Math.floor(cores) - 1));
}

interface Slot<Api> {
  handle: WorkerHandle;
  api: Remote<Api>;
  busy: boolean;
  /** Rejects the task running on this worker when the worker dies. */
  fail: ((err: Error) => void) | null;
  /** Why the worker is gone (died or terminated) — checked by a task that got it just before. */
  dead: Error | null;
}

interface Waiter<Api> {
  resolve: (slot: Slot<Api>) => void;
  reject: (err: Error) => void;
}

export class WorkerPool<Api> {
  readonly name: string;
  readonly size: number;
  private readonly create: WorkerFactory;
  private readonly slots: Slot<Api>[] = [];
  private readonly waiting: Waiter<Api>[] = [];
  private terminated = false;

  constructor(opts: WorkerPoolOptions) {
    const size = opts.size ?? defaultPoolSize();
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`the ${opts.name} pool size must be a whole number ≥ 1 (got ${size})`);
    this.name = opts.name;
    this.size = size;
    this.create = opts.create;
  }

  /** Workers started and alive now (for tests and diagnostics). */
  get started(): number {
    return this.slots.length;
  }

  private spawn(): Slot<Api> {
    const handle = this.create();
    const slot: Slot<Api> = { handle, api: wrap<Api>(handle.endpoint), busy: false, fail: null, dead: null };
    handle.onFailure((err) => {
      const i = this.slots.indexOf(slot);
      if (i < 0) return; // terminated by the pool: not a failure
      this.slots.splice(i, 1);
      void handle.terminate();
      const failed = new Error(`the ${this.name} worker stopped: ${err.message}`, { cause: err });
      slot.dead = failed;
      slot.fail?.(failed);
      slot.fail = null;
      this.pump();
    });
    this.slots.push(slot);
    return slot;
  }

  private acquire(signal: AbortSignal | undefined): Promise<Slot<Api>> {
    if (this.terminated) return Promise.reject(new Error(`the ${this.name} worker pool was terminated`));
    const free = this.slots.find((s) => !s.busy);
    const slot = free ?? (this.slots.length < this.size ? this.spawn() : undefined);
    if (slot) {
      slot.busy = true;
      return Promise.resolve(slot);
    }
    return new Promise<Slot<Api>>((resolve, reject) => {
      const onAbort = (): void => {
        const i = this.waiting.indexOf(waiter);
        if (i < 0) return;
        this.waiting.splice(i, 1);
        reject(abortError(signal as AbortSignal, `the ${this.name} task`));
      };
      // The listener goes as soon as the wait ends either way: a long-lived signal (a session's)
      // passed to many runs must not collect one closure per run that ever waited.
      const waiter: Waiter<Api> = {
        resolve: (s) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(s);
        },
        reject: (err) => {
          signal?.removeEventListener('abort', onAbort);
          reject(err);
        },
      };
      this.waiting.push(waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Hand a free worker (or a place for a new one) to the next waiting task. */
  private pump(): void {
    while (this.waiting.length > 0) {
      const free = this.slots.find((s) => !s.busy);
      const slot = free ?? (this.slots.length < this.size && !this.terminated ? this.spawn() : undefined);
      if (!slot) return;
      slot.busy = true;
      this.waiting.shift()!.resolve(slot);
    }
  }

  private release(slot: Slot<Api>): void {
    slot.busy = false;
    slot.fail = null;
    this.pump();
  }

  /** Stop a worker whose task was cancelled mid-computation; a fresh one starts when needed. */
  private recycle(slot: Slot<Api>): void {
    const i = this.slots.indexOf(slot);
    if (i >= 0) this.slots.splice(i, 1);
    slot.fail = null;
    void slot.handle.terminate();
    this.pump();
  }

  /** Run one task on a free worker (queued until one is free). */
  async run<T, P = number>(task: Task<Api, T, P>, opts: RunOptions<P> = {}): Promise<T> {
    const { signal, onProgress } = opts;
    const what = `the ${this.name} task`;
    if (signal?.aborted) throw abortError(signal, what);
    const slot = await this.acquire(signal);
    if (slot.dead) throw slot.dead;
    if (signal?.aborted) {
      this.release(slot);
      throw abortError(signal, what);
    }
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      let abandoned = false;
      const onAbort = (): void => {
        if (settled) return;
        settled = true;
        if ((opts.onCancel ?? 'terminate') === 'terminate') this.recycle(slot);
        else abandoned = true; // released when the worker answers
        reject(abortError(signal, what));
      };
      const done = (): void => {
        signal?.removeEventListener('abort', onAbort);
      };
      slot.fail = (err) => {
        if (settled) return;
        settled = true;
        done();
        reject(err);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      let call: Promise<T>;
      try {
        call = task(slot.api, onProgress ? proxy(onProgress) : undefined);
      } catch (err) {
        call = Promise.reject(err);
      }
      call.then(
        (value) => {
          if (abandoned) this.release(slot);
          if (settled) return;
          settled = true;
          done();
          this.release(slot);
          resolve(value);
        },
        (err: unknown) => {
          if (abandoned) this.release(slot);
          if (settled) return;
          settled = true;
          done();
          this.release(slot);
          reject(err instanceof Error ? err : new Error(String(err)));
        },
      );
    });
  }

  /**
   * Run tasks spread over the pool, results in task order. Progress is one 0–1 fraction over the
   * tasks' weights. The first failure (or the caller's abort) cancels the tasks still queued or
   * running (their workers are replaced) and is what the promise rejects with.
   */
  async runAll<T>(tasks: readonly PoolTask<Api, T>[], opts: { signal?: AbortSignal; onProgress?: (fraction: number) => void } = {}): Promise<T[]> {
    if (opts.signal?.aborted) throw abortError(opts.signal, `the ${this.name} task`);
    const stop = new AbortController();
    const forward = (): void => stop.abort(opts.signal?.reason);
    opts.signal?.addEventListener('abort', forward, { once: true });
    const weights = tasks.map((t) => t.weight ?? 1);
    const totalWeight = weights.reduce((a, w) => a + w, 0) || 1;
    const parts = new Float64Array(tasks.length);
    const report = (): void => {
      if (!opts.onProgress) return;
      let sum = 0;
      for (let i = 0; i < parts.length; i++) sum += weights[i]! * parts[i]!;
      opts.onProgress(sum / totalWeight);
    };
    // At most `size` tasks of this call in flight (one lane per worker, each taking the next task
    // when its own is done): the pool runs no more at once anyway, and queueing every task at once
    // put one abort listener per task on `stop.signal` (Node warned of a leak past 10 tasks).
    const results = new Array<T>(tasks.length);
    let next = 0;
    const lane = async (): Promise<void> => {
      while (next < tasks.length && !stop.signal.aborted) {
        const i = next++;
        const t = tasks[i]!;
        results[i] = await this.run(t.run, {
          signal: stop.signal,
          ...(t.reportsProgress && opts.onProgress
            ? {
                onProgress: (f: number) => {
                  parts[i] = Math.min(1, Math.max(0, f));
                  report();
                },
              }
            : {}),
        });
        parts[i] = 1;
        report();
      }
    };
    const lanes = Array.from({ length: Math.min(this.size, tasks.length) }, lane);
    try {
      await Promise.all(lanes);
      if (stop.signal.aborted) throw stop.signal.reason;
      return results;
    } catch (err) {
      stop.abort(err);
      for (const l of lanes) l.catch(() => undefined);
      // A task that failed because a sibling failed reports the sibling's error, not a cancel.
      if (opts.signal?.aborted) throw abortError(opts.signal, `the ${this.name} task`);
      throw err;
    } finally {
      opts.signal?.removeEventListener('abort', forward);
    }
  }

  /** Start every worker and wait until each has answered `ping` (so timings exclude start-up). */
  async warmUp(ping: (api: Remote<Api>) => Promise<unknown>): Promise<void> {
    const runs: Promise<unknown>[] = [];
    // Each run holds its worker until it answers, so `size` runs start `size` workers.
    for (let i = 0; i < this.size; i++) runs.push(this.run((api) => ping(api)));
    await Promise.all(runs);
  }

  /** Stop every worker; queued and running tasks reject, later ones too. */
  async terminate(): Promise<void> {
    this.terminated = true;
    const err = new Error(`the ${this.name} worker pool was terminated`);
    for (const w of this.waiting.splice(0)) w.reject(err);
    const slots = this.slots.splice(0);
    for (const s of slots) {
      s.dead = err;
      s.fail?.(err);
    }
    await Promise.all(slots.map((s) => Promise.resolve(s.handle.terminate())));
  }
}
