// Sequential assimilation: a new set of observations updates the ensemble without a refit.
//
// Stochastic ensemble Kalman filter (Evensen 1994; Burgers et al. 1998 perturbed observations) on
// the augmented state z = [ln θ ; model outputs]. The predicted observations are read from each
// member's stored outputs (the real model's outputs from calibration), so the update needs no model
// run: Kalman gain K = C_zy (C_yy + R)⁻¹ from ensemble covariances, then z_k += K (y + ε_k − ŷ_k).
// Updating the outputs with the same gain keeps each member's predictions consistent with its
// parameters to first order; `refreshOutputs` in calibration re-runs the model when exactness
// matters (e.g. before a scenario). Parameters that the new observations do not inform keep their
// spread, because their ensemble covariance with the predicted observations is near zero.

import { choleskySolveInPlace, robustCholesky } from '../calibration/linalg';
import { Rng } from '../calibration/random';
import { cloneEnsemble, validateEnsemble } from './ensemble';
import { type TwinEnsemble, type Innovation, type AssimilationResult } from '../../../core/vitals/twin';
import type { LinearObservation } from '../../../core/vitals/observation-model';

export interface AssimilationObservation {
  /** An output key of the ensemble (e.g. `sbpMmHg`), or a label when `operator` is given. */
  key: string;
  value: number;
  /** Observation noise SD in the output's unit. */
  sd: number;
  /**
   * The observation as a linear combination of outputs (a pressure at a measurement site:
   * core/vitals/observation-model.ts `siteOperator`); absent: the output `key` itself.
   */
  operator?: LinearObservation;
}

export interface AssimilationOptions {
  seed?: number;
  /**
   * Multiplicative inflation of the prior anomalies (1 = none). Repeated updates with a finite
   * ensemble under-estimate spread; 1.02–1.1 is typical (Anderson & Anderson 1999).
   */
  inflation?: number;
}

/** Updates the ensemble with one set of simultaneous observations. Pure: the input is not modified. */
export function assimilate(
  prior: TwinEnsemble,
  observations: readonly AssimilationObservation[],
  options: AssimilationOptions = {},
): AssimilationResult {
  validateEnsemble(prior);
  const e = cloneEnsemble(prior);
  const m = e.size;
  const n = e.parameterNames.length;
  const nOut = e.outputKeys.length;
  const d = n + nOut;
  const ignored: { key: string; reason: string }[] = [];
  // Each observation as weights over the outputs: (output index, weight)[] + offset.
  const used: { o: AssimilationObservation; terms: [number, number][]; offset: number }[] = [];
  for (const o of observations) {
    const terms: [number, number][] = [];
    let unknown: string | undefined;
    if (o.operator) {
      for (const [k, w] of Object.entries(o.operator.weights)) {
        const i = e.outputKeys.indexOf(k);
        if (i < 0) unknown = k;
        else terms.push([i, w]);
      }
    } else {
      const i = e.outputKeys.indexOf(o.key);
      if (i < 0) unknown = o.key;
      else terms.push([i, 1]);
    }
    if (unknown !== undefined) ignored.push({ key: o.key, reason: `the model has no output "${unknown}"` });
    else if (!Number.isFinite(o.value)) ignored.push({ key: o.key, reason: 'value is not a finite number' });
    else if (!(o.sd > 0)) ignored.push({ key: o.key, reason: 'noise SD must be > 0' });
    else if (used.some((u) => u.o.key === o.key)) ignored.push({ key: o.key, reason: 'observed twice in one update; the first was used' });
    else used.push({ o, terms, offset: o.operator?.offset ?? 0 });
  }
  const p = used.length;
  const rng = new Rng(options.seed ?? 7);
  const inflation = options.inflation ?? 1;

  // Means of the augmented state; inflate anomalies about them.
  const zMean = new Float64Array(d);
  for (let k = 0; k < m; k++) {
    for (let a = 0; a < n; a++) zMean[a] = zMean[a]! + e.logParameters[k * n + a]!;
    for (let b = 0; b < nOut; b++) zMean[n + b] = zMean[n + b]! + e.outputs[k * nOut + b]!;
  }
  for (let a = 0; a < d; a++) zMean[a] = zMean[a]! / m;
  if (inflation !== 1) {
    for (let k = 0; k < m; k++) {
      for (let a = 0; a < n; a++) {
        const i = k * n + a;
        e.logParameters[i] = zMean[a]! + inflation * (e.logParameters[i]! - zMean[a]!);
      }
      for (let b = 0; b < nOut; b++) {
        const i = k * nOut + b;
        e.outputs[i] = zMean[n + b]! + inflation * (e.outputs[i]! - zMean[n + b]!);
      }
    }
  }

  const innovations: Innovation[] = [];
  if (p === 0) return { ensemble: e, innovations, ignored };

  const z = (k: number, a: number): number => (a < n ? e.logParameters[k * n + a]! : e.outputs[k * nOut + (a - n)]!);
  // Predicted observations per member (m × p), through each observation's operator.
  const yPred = new Float64Array(m * p);
  const yMean = new Float64Array(p);
  for (let k = 0; k < m; k++) {
    for (let j = 0; j < p; j++) {
      const u = used[j]!;
      let y = u.offset;
      for (const [i, w] of u.terms) y += w * e.outputs[k * nOut + i]!;
      yPred[k * p + j] = y;
      yMean[j] = yMean[j]! + y / m;
    }
  }
  // Predicted-observation anomalies Y (m × p) and state anomalies Z (m × d).
  const cyy = new Float64Array(p * p);
  const czy = new Float64Array(d * p);
  for (let k = 0; k < m; k++) {
    for (let j = 0; j < p; j++) {
      const yj = yPred[k * p + j]! - yMean[j]!;
      for (let l = 0; l <= j; l++) {
        cyy[j * p + l] = cyy[j * p + l]! + yj * (yPred[k * p + l]! - yMean[l]!);
      }
      for (let a = 0; a < d; a++) czy[a * p + j] = czy[a * p + j]! + (z(k, a) - zMean[a]!) * yj;
    }
  }
  const norm = 1 / (m - 1);
  for (let j = 0; j < p; j++) {
    for (let l = 0; l <= j; l++) {
      const v = cyy[j * p + l]! * norm;
      cyy[j * p + l] = v;
      cyy[l * p + j] = v;
    }
  }
  for (let i = 0; i < d * p; i++) czy[i] = czy[i]! * norm;

  for (let j = 0; j < p; j++) {
    const { o } = used[j]!;
    const predSd = Math.sqrt(cyy[j * p + j]!);
    innovations.push({
      key: o.key,
      value: o.value,
      predictedMean: yMean[j]!,
      predictedSd: predSd,
      z: (o.value - yMean[j]!) / Math.sqrt(predSd * predSd + o.sd * o.sd),
    });
  }

  const s = Float64Array.from(cyy);
  for (let j = 0; j < p; j++) s[j * p + j] = s[j * p + j]! + used[j]!.o.sd ** 2;
  const l = robustCholesky(s, p);
  if (l === undefined) throw new Error('assimilation: innovation covariance is not positive definite');

  // Per member: w = S⁻¹ (y + ε − ŷ_k); z_k += C_zy w. Buffers are reused across members.
  const w = new Float64Array(p);
  for (let k = 0; k < m; k++) {
    for (let j = 0; j < p; j++) {
      const { o } = used[j]!;
      w[j] = o.value + o.sd * rng.normal() - yPred[k * p + j]!;
    }
    choleskySolveInPlace(l, p, w);
    for (let a = 0; a < n; a++) {
      let dz = 0;
      for (let j = 0; j < p; j++) dz += czy[a * p + j]! * w[j]!;
      const v = e.logParameters[k * n + a]! + dz;
      e.logParameters[k * n + a] = Math.min(e.upperLog[a]!, Math.max(e.lowerLog[a]!, v));
    }
    for (let b = 0; b < nOut; b++) {
      let dz = 0;
      for (let j = 0; j < p; j++) dz += czy[(n + b) * p + j]! * w[j]!;
      e.outputs[k * nOut + b] = e.outputs[k * nOut + b]! + dz;
    }
  }
  return { ensemble: e, innovations, ignored };
}
