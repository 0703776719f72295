// A long-lived pool of Node worker threads for ensembles and benchmarks, running the same pure
// functions as the browser worker (workerApi.ts). Work is cut into chunks so progress can be
// reported and a cancelled run stops scheduling; chunks already running finish (a thread runs
// synchronously) and their results are dropped.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { type EngineMetrics, type ModelParameters, type Scenario } from '../../core/domain/physiology';
import { defaultParameters } from './parameters';
import { unpackMetrics } from './workerApi';

export type PoolRequest =
  | { id: number; kind: 'ensembleChunk'; scenario: Scenario; from: number; to: number }
  | { id: number; kind: 'memberBeats'; base: ModelParameters; seed: number; from: number; to: number; beats: number; stepsPerBeat?: number };
type PoolTask = PoolRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;
export type PoolReply = { id: number; ok: true; result: Float64Array } | { id: number; ok: false; error: { name: string; message: string } };

export interface PoolRunOptions {
  signal?: AbortSignal;
  onProgress?: (fraction: number) => void;
  /** Members per task (default: enough for about 4 tasks per thread, at most 50). */
  chunkSize?: number;
}

interface Slot {
  worker: Worker;
  busy: boolean;
}

export class NodePhysiologyPool {
  readonly size: number;
  private readonly slots: Slot[] = [];
  private readonly queue: { task: PoolTask; resolve: (r: Float64Array) => void; reject: (e: Error) => void }[] = [];
  private readonly pending = new Map<number, { slot: Slot; resolve: (r: Float64Array) => void; reject: (e: Error) => void }>();
  private nextId = 1;
  private closed = false;

  constructor(size = Math.max(1, availableParallelism() - 1)) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`pool size must be an integer ≥ 1 (got ${size})`);
    this.size = size;
    // The thread is TypeScript: a tiny bootstrap registers tsx's loader in the thread, then
    // imports it, so the pool works under tsx, vitest or plain node alike.
    const tsxApi = import.meta.resolve('tsx/esm/api');
    const thread = new URL('./nodePoolThread.ts', import.meta.url).href;
    const bootstrap = `import(${JSON.stringify(tsxApi)}).then((m) => { m.register(); return import(${JSON.stringify(thread)}); });`;
    for (let i = 0; i < size; i++) {
      const worker = new Worker(bootstrap, { eval: true });
      const slot: Slot = { worker, busy: false };
      worker.on('message', (reply: PoolReply) => this.onReply(slot, reply));
      worker.on('error', (err) => this.failAll(err));
      this.slots.push(slot);
    }
  }

  private onReply(slot: Slot, reply: PoolReply): void {
    const p = this.pending.get(reply.id);
    this.pending.delete(reply.id);
    slot.busy = false;
    if (p) {
      if (reply.ok) p.resolve(reply.result);
      else p.reject(Object.assign(new Error(reply.error.message), { name: reply.error.name }));
    }
    this.pump();
  }

  private failAll(err: Error): void {
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
    for (const q of this.queue.splice(0)) q.reject(err);
  }

  private pump(): void {
    for (const slot of this.slots) {
      if (slot.busy) continue;
      const next = this.queue.shift();
      if (!next) return;
      const id = this.nextId++;
      slot.busy = true;
      this.pending.set(id, { slot, resolve: next.resolve, reject: next.reject });
      slot.worker.postMessage({ ...next.task, id } as PoolRequest);
    }
  }

  private submit(task: PoolTask): Promise<Float64Array> {
    if (this.closed) return Promise.reject(new Error('the physiology pool is closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ task, resolve, reject });
      this.pump();
    });
  }

  private async chunked(n: number, makeTask: (from: number, to: number) => PoolTask, opts: PoolRunOptions): Promise<EngineMetrics[]> {
    const chunk = opts.chunkSize ?? Math.max(1, Math.min(50, Math.ceil(n / (this.size * 4))));
    const parts: Promise<Float64Array>[] = [];
    let done = 0;
    const aborted = new Promise<never>((_, reject) => {
      const fail = () => reject(opts.signal?.reason instanceof Error ? opts.signal.reason : new DOMException('The ensemble was cancelled', 'AbortError'));
      if (opts.signal?.aborted) fail();
      opts.signal?.addEventListener('abort', fail, { once: true });
    });
    aborted.catch(() => undefined);
    for (let from = 0; from < n; from += chunk) {
      const to = Math.min(n, from + chunk);
      const task = makeTask(from, to);
      const part = this.submit(task).then((r) => {
        done += to - from;
        opts.onProgress?.(done / n);
        return r;
      });
      parts.push(part);
    }
    try {
      const results = await Promise.race([Promise.all(parts), aborted]);
      return results.flatMap((r) => unpackMetrics(r));
    } catch (err) {
      // Drop the chunks not yet started; running ones finish and are ignored.
      this.queue.splice(0).forEach((q) => q.reject(err instanceof Error ? err : new Error(String(err))));
      for (const p of parts) p.catch(() => undefined);
      throw err;
    }
  }

  /** Final metrics of the scenario's ensemble members 0..n-1 (same values as in-thread runEnsembleMembers). */
  runEnsemble(scenario: Scenario, n: number, opts: PoolRunOptions = {}): Promise<EngineMetrics[]> {
    return this.chunked(n, (from, to) => ({ kind: 'ensembleChunk', scenario, from, to }), opts);
  }

  /** Throughput kernel: n members × `beats` beats around `base` (workerApi.runMemberBeats). */
  runMemberBeats(base: ModelParameters, seed: number, n: number, beats: number, opts: PoolRunOptions & { stepsPerBeat?: number } = {}): Promise<EngineMetrics[]> {
    const { stepsPerBeat } = opts;
    return this.chunked(n, (from, to) => ({ kind: 'memberBeats', base, seed, from, to, beats, stepsPerBeat }), opts);
  }

  /** Waits until every thread has started (the first task otherwise pays the start-up). */
  async warmUp(): Promise<void> {
    await Promise.all(this.slots.map(() => this.submit({ kind: 'memberBeats', base: defaultParameters(), seed: 1, from: 0, to: 1, beats: 1 })));
  }

  async close(): Promise<void> {
    this.closed = true;
    this.failAll(new Error('the physiology pool was closed'));
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }
}
