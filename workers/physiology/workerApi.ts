// The engine's message-friendly API: what physiology.worker.ts exposes through comlink and what
// the Node pool's threads call. Plain data in, plain data out; typed arrays are returned so the
// caller can transfer them. Pure: no worker, DOM or Node specifics here.
import {
  METRIC_KEYS,
  type BeatWaveforms,
  type EngineMetrics,
  type ModelParameters,
  type Scenario,
  type ScenarioResult,
  type SteadyStateResult,
} from '../../core/domain/physiology';
import { resolveParameters, type ResolveInput } from './presets';
import { runEnsembleMembers, runScenario } from './runScenario';
import { validateScenario } from './scenario';
import { Simulator, metricsFromStats, simulateSteadyState, type SteadyStateOptions } from './simulator';
import { memberParameters } from './spread';

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

/** Typed arrays inside a result, to list as transferables. */
export function transferablesOf(r: { waveforms: BeatWaveforms }): ArrayBuffer[] {
  return Object.values(r.waveforms).map((a: Float64Array) => a.buffer as ArrayBuffer);
}

export const physiologyApi = {
  resolveParameters(input: ResolveInput): ModelParameters {
    return resolveParameters(input);
  },
  validateScenario(json: unknown): Scenario {
    return validateScenario(json);
  },
  simulateSteadyState(params: ModelParameters, opts?: SteadyStateOptions): SteadyStateResult {
    return simulateSteadyState(params, opts);
  },
  /** The scenario's main run only; pools split `ensemble` across threads with runEnsembleChunk. */
  runScenarioMain(scenario: Scenario, onProgress?: (fraction: number) => void): ScenarioResult {
    const { ensemble: _ensemble, ...main } = validateScenario(scenario);
    return runScenario(main, onProgress ? { onProgress } : {});
  },
  /** Final metrics of members [from, to), packed (see unpackMetrics). */
  runEnsembleChunk(scenario: Scenario, from: number, to: number): Float64Array {
    return packMetrics(runEnsembleMembers(scenario, from, to));
  },
};
export type PhysiologyApi = typeof physiologyApi;

/**
 * Throughput kernel (benchmarks, quick ensembles): members [from, to) drawn around `base`, each
 * integrated for `beats` beats from the built-in initial state with the ODE baroreflex active;
 * returns the last beat's metrics, packed.
 */
export function runMemberBeats(base: ModelParameters, seed: number, from: number, to: number, beats: number, stepsPerBeat?: number): Float64Array {
  const out: EngineMetrics[] = [];
  for (let i = from; i < to; i++) {
    const sim = new Simulator(memberParameters(base, seed, i), { stepsPerBeat });
    for (let b = 0; b < beats; b++) sim.runBeat(b === beats - 1);
    out.push(metricsFromStats(sim.stats, sim.ctx));
  }
  return packMetrics(out);
}
