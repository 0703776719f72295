// Forecast bands for the vitals timeline: where the patient's metrics are likely to be over the
// next hours if nothing is done. A key may also be a linear observation of outputs (a blood
// pressure at its measurement site, options.operators), and the bands may carry measurement noise
// and a model error that grows with lead time (options.observationSd, options.modelError).
//
// Each member's parameters wander from their calibrated values as an Ornstein–Uhlenbeck process in
// ln θ (slow physiological drift: tone, volume status, rate). Outputs follow through a linear
// sensitivity G = C_yx C_xx⁻¹ fitted to the ensemble itself (ridge-regularised least squares), so a
// forecast needs no model run and costs microseconds per member-step. Bands are the per-time
// percentiles over members, optionally widened by observation noise so that they can be compared
// with raw measurements ("alert when an observation leaves the band").
//
// The drift magnitudes and time constant are assumptions (no published per-parameter drift rates
// for resting inpatients were found); they are named and overridable. Drug, fluid and device effects
// are not forecast here: those are scenarios, run by the engine's runScenario.

import type { Percentiles } from '../../../core/domain/physiology';
import { choleskySolveInPlace, robustCholesky } from '../calibration/linalg';
import { Rng } from '../calibration/random';
import { validateEnsemble } from './ensemble';
import { percentilesOfColumn } from '../../../core/domain/percentiles';
import { type TwinEnsemble, type ForecastOptions, type ForecastResult } from '../../../core/vitals/twin';

/**
 * Stationary SD of the drift of ln θ (≈ fractional change) per parameter; parameters not listed
 * use `defaultStationarySdLog`. Assumption: resting heart rate and systemic tone vary by about
 * 10 % over hours, compliance, elastances and volume by about 5 %, valve area not at all.
 */
export const DEFAULT_DRIFT_SD_LOG: Readonly<Record<string, number>> = {
  heartRateBpm: 0.1,
  sysArtResistanceMmHgSPerMl: 0.1,
  sysArtComplianceMlPerMmHg: 0.05,
  lvEaMmHgPerMl: 0.05,
  lvEbMmHgPerMl: 0.05,
  stressedVolumeFraction: 0.05,
  aorticValveEoaCm2: 0,
};

/** Ensemble sensitivity G (nOut × n) of outputs to ln θ by ridge-regularised regression. */
export function ensembleSensitivity(e: TwinEnsemble): Float64Array {
  const m = e.size;
  const n = e.parameterNames.length;
  const nOut = e.outputKeys.length;
  const xm = new Float64Array(n);
  const ym = new Float64Array(nOut);
  for (let k = 0; k < m; k++) {
    for (let a = 0; a < n; a++) xm[a] = xm[a]! + e.logParameters[k * n + a]! / m;
    for (let b = 0; b < nOut; b++) ym[b] = ym[b]! + e.outputs[k * nOut + b]! / m;
  }
  const cxx = new Float64Array(n * n);
  const cyx = new Float64Array(nOut * n);
  for (let k = 0; k < m; k++) {
    for (let a = 0; a < n; a++) {
      const dxa = e.logParameters[k * n + a]! - xm[a]!;
      for (let c = 0; c < n; c++) cxx[a * n + c] = cxx[a * n + c]! + dxa * (e.logParameters[k * n + c]! - xm[c]!);
      for (let b = 0; b < nOut; b++) cyx[b * n + a] = cyx[b * n + a]! + (e.outputs[k * nOut + b]! - ym[b]!) * dxa;
    }
  }
  // Ridge: 1e-6 of the mean variance keeps a collapsed direction from blowing up the regression.
  let tr = 0;
  for (let a = 0; a < n; a++) tr += cxx[a * n + a]!;
  for (let a = 0; a < n; a++) cxx[a * n + a] = cxx[a * n + a]! + 1e-6 * (tr / n) + 1e-300;
  const l = robustCholesky(cxx, n);
  const g = new Float64Array(nOut * n);
  if (l === undefined) return g;
  const row = new Float64Array(n);
  for (let b = 0; b < nOut; b++) {
    for (let a = 0; a < n; a++) row[a] = cyx[b * n + a]!;
    choleskySolveInPlace(l, n, row);
    g.set(row, b * n);
  }
  return g;
}

export function forecastEnsemble(e: TwinEnsemble, options: ForecastOptions): ForecastResult {
  validateEnsemble(e);
  const { horizonSec, stepSec } = options;
  if (!(horizonSec > 0) || !(stepSec > 0) || horizonSec / stepSec > 10_000) {
    throw new Error('forecast: horizonSec and stepSec must be > 0 with at most 10 000 steps');
  }
  const m = e.size;
  const n = e.parameterNames.length;
  const nOut = e.outputKeys.length;
  const keys = options.keys ?? e.outputKeys;
  // Each forecast key as (output index, weight)[] + offset: an output itself, or a linear
  // observation of outputs (a pressure at a measurement site, options.operators).
  const terms = keys.map((k) => {
    const op = options.operators?.[k];
    if (!op) {
      const i = e.outputKeys.indexOf(k);
      if (i < 0) throw new Error(`forecast: unknown output "${k}"`);
      return { idx: [i], w: [1], offset: 0 };
    }
    const idx: number[] = [];
    const w: number[] = [];
    for (const [name, weight] of Object.entries(op.weights)) {
      const i = e.outputKeys.indexOf(name);
      if (i < 0) throw new Error(`forecast: "${k}" observes an unknown output "${name}"`);
      idx.push(i);
      w.push(weight);
    }
    return { idx, w, offset: op.offset };
  });
  const tau = options.driftTauSec ?? 4 * 3600;
  const sdDefault = options.defaultStationarySdLog ?? 0.05;
  const stationary = e.parameterNames.map((name) => options.driftSdLog?.[name] ?? DEFAULT_DRIFT_SD_LOG[name] ?? sdDefault);
  const g = ensembleSensitivity(e);
  const rng = new Rng(options.seed ?? 11);
  const nSteps = Math.ceil(horizonSec / stepSec);
  const tSec: number[] = [];
  const bands: Record<string, Percentiles[]> = {};
  for (const k of keys) bands[k] = [];

  // OU exact discretisation: d ← d·φ + s·√(1 − φ²)·ξ, φ = exp(−Δt/τ).
  const phi = Math.exp(-stepSec / tau);
  const innov = Math.sqrt(1 - phi * phi);
  const drift = new Float64Array(m * n); // deviation of ln θ from the member's calibrated value
  const current = new Float64Array(m * keys.length);
  const scratch = new Float64Array(m);
  const noiseVar = keys.map((k) => (options.observationSd?.[k] ?? 0) ** 2);
  const growth = keys.map((k) => options.modelError?.[k] ?? { v0: 0, perHour: 0 });
  const noiseSd = noiseVar.map(Math.sqrt);
  const modelSd = new Float64Array(keys.length);
  for (let s = 0; s <= nSteps; s++) {
    const t = Math.min(s * stepSec, horizonSec);
    if (s > 0) {
      const dt = t - (s - 1) * stepSec;
      const ph = dt === stepSec ? phi : Math.exp(-dt / tau);
      const inn = dt === stepSec ? innov : Math.sqrt(1 - ph * ph);
      for (let i = 0; i < m * n; i++) drift[i] = drift[i]! * ph + stationary[i % n]! * inn * rng.normal();
    }
    // Measurement noise (Gaussian: device accuracy is specified as mean ± SD, ISO 81060-2) plus the
    // model error grown to this lead time, drawn from a Laplace law of the same variance: the
    // errors of forecasts on real patients are heavy-tailed — most readings close, a few far off
    // after events the model has no input for (median |e| / RMS e = 0.47–0.56 in the MIMIC-III
    // replay's development half; 0.67 for a Gaussian, 0.49 for a Laplace law). With the same
    // variance a Laplace band is as wide as a Gaussian one at 90 % (1.63 vs 1.64 SD) and narrower
    // at 50 % (0.49 vs 0.67 SD).
    for (let q = 0; q < keys.length; q++) modelSd[q] = Math.sqrt(Math.max(0, growth[q]!.v0 + growth[q]!.perHour * (t / 3600)));
    for (let k = 0; k < m; k++) {
      for (let q = 0; q < keys.length; q++) {
        const tq = terms[q]!;
        let y = tq.offset;
        for (let r = 0; r < tq.idx.length; r++) {
          const b = tq.idx[r]!;
          let yb = e.outputs[k * nOut + b]!;
          for (let a = 0; a < n; a++) yb += g[b * n + a]! * drift[k * n + a]!;
          y += tq.w[r]! * yb;
        }
        if (noiseSd[q]! > 0) y += noiseSd[q]! * rng.normal();
        if (modelSd[q]! > 0) y += modelSd[q]! * rng.laplace();
        current[k * keys.length + q] = y;
      }
    }
    tSec.push(t);
    for (let q = 0; q < keys.length; q++) bands[keys[q]!]!.push(percentilesOfColumn(current, m, keys.length, q, scratch));
  }
  return { tSec, bands };
}
