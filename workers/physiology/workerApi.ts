// The engine's message-friendly API: what physiology.worker.ts exposes to the WorkerPool (browser
// Web Workers and Node threads alike). Plain data in, plain data out; typed arrays are returned so the
// caller can transfer them. Pure: no worker, DOM or Node specifics here.
import { type BeatWaveforms, type EngineMetrics, type ModelParameters, type Scenario, type ScenarioResult, type SteadyStateResult, type ResolveInput, type SteadyStateOptions } from '../../core/domain/physiology';
import { resolveParameters } from './presets';
import { runEnsembleMembers, runScenario } from './runScenario';
import { validateScenario } from '../../core/domain/scenario';
import { Simulator, metricsFromStats, simulateSteadyState } from './simulator';
import { memberParameters } from './spread';
import { packMetrics, type PhysiologyApi } from '../../core/contracts/physiology-worker';

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
  runMemberBeats(base: ModelParameters, seed: number, from: number, to: number, beats: number, stepsPerBeat?: number): Float64Array {
    return runMemberBeats(base, seed, from, to, beats, stepsPerBeat);
  },
} satisfies PhysiologyApi;

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
