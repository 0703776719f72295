// Browser client of the twin's calibration, assimilation and forecast (the `calibrationApi` block
// of workers/physiology/physiology.worker.ts). One dedicated long-lived worker, separate from the
// scenario pool in physiology.ts so a calibration never waits behind an ensemble run and the
// pool's workers stay free for scenarios. A calibration is synchronous inside the worker, so
// cancelling terminates the worker and starts a fresh one (the next call pays its start-up).
// Ensembles are structured-cloned, not transferred: the caller keeps its copy in the store.
import { proxy, wrap, type Remote } from 'comlink';
import type { NewVital, TwinWorkerApi } from '../../workers/physiology/calibration/api';
import type { RecordCalibrationOptions, RecordCalibrationResult } from '../../workers/physiology/calibration/from-record';
import type { AssimilationResult } from '../../workers/physiology/ensemble/assimilate';
import type { TwinEnsemble } from '../../workers/physiology/ensemble/ensemble';
import type { ForecastOptions, ForecastResult } from '../../workers/physiology/ensemble/forecast';
import type { ModelParameters, SteadyStateResult } from '../../core/domain/physiology';
import type { JobOptions, WorkerFactory, WorkerHandle } from './physiology';

export type { NewVital, RecordCalibrationResult, AssimilationResult, TwinEnsemble, ForecastResult, ForecastOptions };

/** What the twin store needs from a compute back end (the worker here; the same functions in Node tests). */
export interface TwinCompute {
  calibrateFromFhir(resources: unknown, options: RecordCalibrationOptions, job?: JobOptions): Promise<RecordCalibrationResult>;
  assimilateVitals(ensemble: TwinEnsemble, vitals: readonly NewVital[], seed?: number): Promise<AssimilationResult>;
  forecast(ensemble: TwinEnsemble, options: ForecastOptions): Promise<ForecastResult>;
  simulateSteadyState(params: ModelParameters): Promise<SteadyStateResult>;
}

function browserWorker(): WorkerHandle {
  const w = new Worker(new URL('../../workers/physiology/physiology.worker.ts', import.meta.url), { type: 'module', name: 'twin-calibration' });
  return { endpoint: w, terminate: () => w.terminate() };
}

function abortError(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new DOMException('The calibration was cancelled', 'AbortError');
}

export class TwinCalibrationClient implements TwinCompute {
  private handle: WorkerHandle | undefined;
  private api: Remote<TwinWorkerApi> | undefined;

  constructor(private readonly createWorker: WorkerFactory = browserWorker) {}

  private remote(): Remote<TwinWorkerApi> {
    if (!this.api) {
      this.handle = this.createWorker();
      this.api = wrap<TwinWorkerApi>(this.handle.endpoint);
    }
    return this.api;
  }

  private restart(): void {
    this.handle?.terminate();
    this.handle = undefined;
    this.api = undefined;
  }

  async calibrateFromFhir(resources: unknown, options: RecordCalibrationOptions = {}, job: JobOptions = {}): Promise<RecordCalibrationResult> {
    const { signal, onProgress } = job;
    if (signal?.aborted) throw abortError(signal);
    const api = this.remote();
    let onAbort: (() => void) | undefined;
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => {
        // The fit cannot poll for cancellation: stop the worker itself.
        this.restart();
        reject(abortError(signal!));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    });
    try {
      const progress = onProgress ? proxy((f: number) => onProgress(f)) : undefined;
      return await Promise.race([api.calibrateFromFhir(resources, options, progress), aborted]);
    } finally {
      if (onAbort) signal?.removeEventListener('abort', onAbort);
    }
  }

  assimilateVitals(ensemble: TwinEnsemble, vitals: readonly NewVital[], seed?: number): Promise<AssimilationResult> {
    return this.remote().assimilateVitals(ensemble, [...vitals], seed);
  }

  forecast(ensemble: TwinEnsemble, options: ForecastOptions): Promise<ForecastResult> {
    return this.remote().forecast(ensemble, options);
  }

  simulateSteadyState(params: ModelParameters): Promise<SteadyStateResult> {
    return this.remote().simulateSteadyState(params, {});
  }

  dispose(): void {
    this.restart();
  }
}

let shared: TwinCalibrationClient | undefined;
/** The app's one calibration worker (created on first use). */
export function twinCalibrationClient(): TwinCalibrationClient {
  shared ??= new TwinCalibrationClient();
  return shared;
}
