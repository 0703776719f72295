// The physiology worker's contract (workers/physiology/physiology.worker.ts): what it exposes
// through the WorkerPool (core/workerPool), declared here so the browser's client (src/compute) and the engine
// (workers/physiology) share one definition and the engine checks its implementation against it
// (`satisfies PhysiologyApi`). Plain data in and out; typed arrays come back transferred.
import {
  METRIC_KEYS,
  type EngineMetrics,
  type ModelParameters,
  type ResolveInput,
  type Scenario,
  type ScenarioResult,
  type SteadyStateOptions,
  type SteadyStateResult,
} from '../domain/physiology';
import type {
  AssimilationResult,
  ForecastOptions,
  ForecastResult,
  NewVital,
  RecordCalibrationOptions,
  RecordCalibrationResult,
  TwinEnsemble,
} from '../vitals/twin';
import type { VitalsIngestResult } from '../vitals/fhir-vitals';

/** The engine: parameters, steady states and scenarios (ensembles split across a pool). */
export interface PhysiologyApi {
  resolveParameters(input: ResolveInput): ModelParameters;
  /** Throws ScenarioError (core/domain/physiology) naming the offending key. */
  validateScenario(json: unknown): Scenario;
  simulateSteadyState(params: ModelParameters, opts?: SteadyStateOptions): SteadyStateResult;
  /** The scenario's main run only; pools split `ensemble` across threads with runEnsembleChunk. */
  runScenarioMain(scenario: Scenario, onProgress?: (fraction: number) => void): ScenarioResult;
  /** Final metrics of members [from, to), packed (see unpackMetrics). */
  runEnsembleChunk(scenario: Scenario, from: number, to: number): Float64Array;
  /**
   * Throughput kernel (benchmarks, quick ensembles): members [from, to) drawn around `base`, each
   * integrated `beats` beats from the built-in initial state; the last beat's metrics, packed.
   */
  runMemberBeats(base: ModelParameters, seed: number, from: number, to: number, beats: number, stepsPerBeat?: number): Float64Array;
}

/** Calibration, assimilation and forecast of the twin. */
export interface CalibrationApi {
  /** Normalise a FHIR Bundle (or resources) and calibrate the twin to it. */
  calibrateFromFhir(bundle: unknown, options?: RecordCalibrationOptions, onProgress?: (fraction: number) => void): RecordCalibrationResult;
  /** Calibrate from an already normalised record (e.g. the UI's cached ingest result). */
  calibrateFromRecord(vitals: VitalsIngestResult, options?: RecordCalibrationOptions, onProgress?: (fraction: number) => void): RecordCalibrationResult;
  /** Sequential update with newly arrived vitals (canonical units); unobserved kinds are reported in `ignored`. */
  assimilateVitals(ensemble: TwinEnsemble, vitals: readonly NewVital[], seed?: number): AssimilationResult;
  /** Per-metric percentile bands over the horizon. */
  forecast(ensemble: TwinEnsemble, options: ForecastOptions): ForecastResult;
}

/** What a comlink client of physiology.worker.ts sees: the engine API plus calibration. */
export type TwinWorkerApi = PhysiologyApi & CalibrationApi;

/** Metrics of many members packed row-major (METRIC_KEYS order) for a zero-copy transfer. */
export function packMetrics(list: readonly EngineMetrics[]): Float64Array {
  const out = new Float64Array(list.length * METRIC_KEYS.length);
  list.forEach((m, i) => {
    METRIC_KEYS.forEach((k, j) => {
      out[i * METRIC_KEYS.length + j] = m[k];
    });
  });
  return out;
}

/** Inverse of packMetrics. */
export function unpackMetrics(packed: Float64Array): EngineMetrics[] {
  const n = packed.length / METRIC_KEYS.length;
  const out: EngineMetrics[] = [];
  for (let i = 0; i < n; i++) {
    const m = {} as EngineMetrics;
    METRIC_KEYS.forEach((k, j) => {
      m[k] = packed[i * METRIC_KEYS.length + j]!;
    });
    out.push(m);
  }
  return out;
}
