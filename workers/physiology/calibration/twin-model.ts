// The forward model calibration inverts: a parameter vector (ln θ of the calibrated parameters)
// → the engine's periodic steady state → the outputs an observation can be compared with.
//
// Calibration runs the circulation open-loop (baroGain 0): a resting patient sits at their own
// baroreflex operating point, so the reflex's set point is not a free parameter but the calibrated
// MAP itself. `toEngineParameters` closes the loop again for scenarios by setting the set point to
// the member's MAP; the closed-loop steady state then reproduces the open-loop one (checked in
// calibrate.test.ts). Cost is dominated by the steady-state solve; consecutive calls warm-start
// from the last settled state (LM steps are small) and identical vectors hit a cache.

import type { ModelParameters, ParameterName } from '../../../core/domain/physiology';
import { fromLogVector } from '../../../core/domain/parameters';
import { Simulator, measure, settle } from '../simulator';
import type { ForwardModel } from './fit';
import { OUTPUT_KEYS } from '../../../core/vitals/observation-model';

export interface TwinModelOptions {
  /** Integrator steps per beat (engine default 200: within 0.5 mmHg of a reference). */
  stepsPerBeat?: number;
  /** Most beats spent settling one parameter set. */
  maxSettleBeats?: number;
}

export interface TwinModel {
  base: ModelParameters;
  names: readonly ParameterName[];
  outputKeys: readonly string[];
  forward: ForwardModel;
  /** Steady-state solves actually run (cache hits excluded). */
  runs(): number;
}

/** Largest beat-to-beat change (mmHg or mL) accepted as a steady state. */
const MAX_PERIODICITY_RESIDUAL = 0.5;
const CACHE_LIMIT = 4096;
const MAX_ANCHORS = 24;

function nearestAnchor(anchors: readonly { x: Float64Array; state: Float64Array }[], x: Float64Array): Float64Array | undefined {
  let best: Float64Array | undefined;
  let bestD = Infinity;
  for (const a of anchors) {
    let d = 0;
    for (let i = 0; i < x.length; i++) d += (a.x[i]! - x[i]!) ** 2;
    if (d < bestD) {
      bestD = d;
      best = a.state;
    }
  }
  return best;
}

export function createTwinModel(base: ModelParameters, names: readonly ParameterName[], opts: TwinModelOptions = {}): TwinModel {
  // Both reflexes open (arterial and cardiopulmonary): the patient sits at their own operating point.
  const openLoop: ModelParameters = { ...base, baroGain: 0, cpGain: 0 };
  const stepsPerBeat = opts.stepsPerBeat;
  const maxBeats = opts.maxSettleBeats ?? 120;
  const cache = new Map<string, Float64Array | null>();
  // Recently settled states and their ln θ: a new solve warm-starts from the nearest one, so
  // finite differences and posterior draws start next to their MAP rather than from scratch.
  const anchors: { x: Float64Array; state: Float64Array }[] = [];
  let runs = 0;
  const idxEoa = OUTPUT_KEYS.indexOf('avAreaCm2');

  const forward: ForwardModel = (xLog, out) => {
    const key = Array.prototype.join.call(xLog, ',');
    const hit = cache.get(key);
    if (hit !== undefined) {
      if (hit === null) return false;
      out.set(hit);
      return true;
    }
    const params = fromLogVector(openLoop, xLog, names);
    let ok = false;
    try {
      runs++;
      const sim = new Simulator(params, { stepsPerBeat, state: nearestAnchor(anchors, xLog) });
      const residual = settle(sim, { maxBeats });
      const r = measure(sim, 1, residual);
      const m = r.metrics;
      ok =
        residual < MAX_PERIODICITY_RESIDUAL &&
        m.svMl > 1 &&
        m.ef > 0 &&
        m.ef < 1 &&
        m.mapMmHg > 10 &&
        Number.isFinite(m.sbpMmHg) &&
        Number.isFinite(m.avPeakVelocityMPerS);
      if (ok) {
        for (let i = 0; i < OUTPUT_KEYS.length; i++) {
          const k = OUTPUT_KEYS[i]!;
          out[i] = i === idxEoa ? params.aorticValveEoaCm2 : m[k as keyof typeof m];
        }
        // Warm starts keep the patient's blood volume: bloodVolumeMl is not calibrated, so every
        // settled state holds the same total volume.
        if (anchors.length >= MAX_ANCHORS) anchors.shift();
        anchors.push({ x: Float64Array.from(xLog), state: Float64Array.from(sim.y) });
      }
    } catch {
      ok = false;
    }
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(key, ok ? Float64Array.from(out) : null);
    return ok;
  };

  return { base: openLoop, names, outputKeys: OUTPUT_KEYS, forward, runs: () => runs };
}

/**
 * A complete engine parameter set for one calibrated member: calibrated values from `xLog`, the
 * rest from the base, the baroreflex closed again with its set point at the member's MAP (and the
 * cardiopulmonary reflex at its CVP when given).
 */
export function toEngineParameters(
  base: ModelParameters,
  names: readonly ParameterName[],
  xLog: ArrayLike<number>,
  mapMmHg: number,
  baroGain = 1,
  cvpMmHg?: number,
): ModelParameters {
  const p = fromLogVector(base, xLog, names);
  // The cardiopulmonary reflex is closed with its set point at the member's CVP, as the arterial
  // one is at its MAP.
  const cp = cvpMmHg !== undefined && Number.isFinite(cvpMmHg) ? { cpSetPointMmHg: Math.min(25, Math.max(0, cvpMmHg)) } : {};
  return { ...p, baroGain, baroSetPointMmHg: Math.min(130, Math.max(60, mapMmHg)), ...cp };
}
