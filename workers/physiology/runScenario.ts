// A whole scenario: validate, resolve parameters, run the horizon (multi-scale) or the steady
// state, and the ensemble around it. Pure and synchronous; workers and pools call these same
// functions (runEnsembleMembers is the unit of work a pool hands to a thread).
import {
  type EngineMetrics,
  type Intervention,
  type ModelParameters,
  type Scenario,
  type ScenarioResult,
} from '../../core/domain/physiology';
import { runEndpoint, runMultiScale } from './longHorizon';
import { throwIfAborted } from '../../core/domain/abort';
import { resolveParameters } from './presets';
import { validateScenario } from '../../core/domain/scenario';
import { simulateSteadyState } from './simulator';
import { memberParameters } from './spread';
import { summarise } from '../../core/domain/percentiles';

/** Without durationSec, interventions are followed this long after the last one starts or ends. */
export const SETTLE_AFTER_LAST_INTERVENTION_SEC = 600;

export interface RunOptions {
  signal?: AbortSignal;
  onProgress?: (fraction: number) => void;
}

/**
 * The horizon a scenario runs to: durationSec, or — when it has interventions but no duration —
 * 10 min after the last intervention starts (or its infusion/volume ramp ends); 0 = steady state.
 */
export function scenarioHorizonSec(s: Scenario): number {
  if (s.durationSec !== undefined) return s.durationSec;
  const ivs = s.interventions ?? [];
  if (ivs.length === 0) return 0;
  let last = 0;
  for (const iv of ivs) last = Math.max(last, iv.atSec + ('overSec' in iv && iv.overSec !== undefined ? iv.overSec : 0));
  return last + SETTLE_AFTER_LAST_INTERVENTION_SEC;
}

function runOne(params: ModelParameters, interventions: readonly Intervention[], horizonSec: number, weightKg: number | undefined, opts: RunOptions) {
  if (horizonSec <= 0) {
    const r = simulateSteadyState(params);
    opts.onProgress?.(1);
    return { metrics: r.metrics, waveforms: r.waveforms, trajectory: undefined };
  }
  const r = runMultiScale(params, interventions, horizonSec, weightKg, opts);
  return { metrics: r.metrics, waveforms: r.waveforms, trajectory: r.trajectory };
}

/**
 * Final metrics of ensemble members [from, to) of a scenario (seeded, order-independent). Each
 * member is the endpoint of the multi-scale scheme (runEndpoint), warm-started from the base
 * parameter set's endpoint, so a member costs one settle whatever the horizon.
 */
export function runEnsembleMembers(scenario: Scenario, from: number, to: number, opts: RunOptions = {}): EngineMetrics[] {
  const s = validateScenario(scenario);
  const base = resolveParameters(s);
  const horizon = scenarioHorizonSec(s);
  const ivs = s.interventions ?? [];
  const weight = s.patient?.weightKg;
  const start = runEndpoint(base, ivs, horizon, weight).state;
  const out: EngineMetrics[] = [];
  for (let i = from; i < to; i++) {
    throwIfAborted(opts.signal, 'the simulation');
    const params = memberParameters(base, s.seed ?? 1, i);
    out.push(runEndpoint(params, ivs, horizon, weight, { state: start }).metrics);
    opts.onProgress?.((i - from + 1) / Math.max(1, to - from));
  }
  return out;
}

/** Run a scenario in this thread. Throws ScenarioError for a bad scenario, AbortError when cancelled. */
export function runScenario(scenario: Scenario, opts: RunOptions = {}): ScenarioResult {
  const s = validateScenario(scenario);
  const params = resolveParameters(s);
  const horizon = scenarioHorizonSec(s);
  const n = s.ensemble ?? 0;
  // Progress: the main run counts as much as ten members.
  const total = 10 + n;
  const main = runOne(params, s.interventions ?? [], horizon, s.patient?.weightKg, {
    signal: opts.signal,
    onProgress: (f) => opts.onProgress?.((10 * f) / total),
  });
  const result: ScenarioResult = { metrics: main.metrics, waveforms: main.waveforms, parameters: params };
  if (main.trajectory && s.durationSec !== undefined) result.trajectory = main.trajectory;
  if (n > 0) {
    const members = runEnsembleMembers(s, 0, n, {
      signal: opts.signal,
      onProgress: (f) => opts.onProgress?.((10 + f * n) / total),
    });
    result.ensemble = summarise(members);
  }
  opts.onProgress?.(1);
  return result;
}
