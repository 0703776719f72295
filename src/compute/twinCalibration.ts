// Browser client of the twin's calibration, assimilation and forecast (the `calibrationApi` block
// of workers/physiology/physiology.worker.ts). Its own one-worker WorkerPool, separate from the
// scenario pool in physiology.ts, so a calibration never waits behind an ensemble run and the
// scenario workers stay free. A calibration is synchronous inside the worker, so cancelling
// terminates the worker and the next call starts a fresh one (and pays its start-up).
// Ensembles are structured-cloned, not transferred: the caller keeps its copy in the store.
import type { ModelParameters, SteadyStateResult } from '../../core/domain/physiology';
import { type JobOptions, physiologyWorkers } from './physiology';
import type { TwinWorkerApi } from '../../core/contracts/physiology-worker';
import type { TwinCompute } from '../twin/twinState';
import { WorkerPool, type WorkerFactory } from '../../core/workerPool/workerPool';
import type {
  AssimilationResult,
  ForecastOptions,
  ForecastResult,
  NewVital,
  RecordCalibrationOptions,
  RecordCalibrationResult,
  TwinEnsemble,
} from '../../core/vitals/twin';

export class TwinCalibrationClient implements TwinCompute {
  private readonly pool: WorkerPool<TwinWorkerApi>;

  constructor(create: WorkerFactory = physiologyWorkers('twin-calibration')) {
    this.pool = new WorkerPool<TwinWorkerApi>({ name: 'twin calibration', create, size: 1 });
  }

  calibrateFromFhir(resources: unknown, options: RecordCalibrationOptions = {}, job: JobOptions = {}): Promise<RecordCalibrationResult> {
    return this.pool.run((api, progress) => api.calibrateFromFhir(resources, options, progress), job);
  }

  assimilateVitals(ensemble: TwinEnsemble, vitals: readonly NewVital[], seed?: number): Promise<AssimilationResult> {
    return this.pool.run((api) => api.assimilateVitals(ensemble, [...vitals], seed));
  }

  forecast(ensemble: TwinEnsemble, options: ForecastOptions): Promise<ForecastResult> {
    return this.pool.run((api) => api.forecast(ensemble, options));
  }

  simulateSteadyState(params: ModelParameters): Promise<SteadyStateResult> {
    return this.pool.run((api) => api.simulateSteadyState(params, {}));
  }

  dispose(): void {
    void this.pool.terminate();
  }
}

let shared: TwinCalibrationClient | undefined;
/** The app's one calibration worker (created on first use). */
export function twinCalibrationClient(): TwinCalibrationClient {
  shared ??= new TwinCalibrationClient();
  return shared;
}
