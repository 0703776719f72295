import { describe, expect, it } from 'vitest';
import { Rng } from '../calibration/random';
import { assimilate } from './assimilate';
import { ensembleSensitivity, forecastEnsemble } from './forecast';
import { quantileSorted } from '../../../core/domain/percentiles';
import { type TwinEnsemble } from '../../../core/vitals/twin';

// Linear-Gaussian test bed: ln θ ~ N(μ, diag(s²)), outputs y = A·x exactly. The Kalman update then
// has a closed form that a large EnKF must approach (error O(1/√m)).
const A = [
  [2, 0, 0.5], // y0 depends on x0 (and a little on x2)
  [0, 1, 0], // y1 = x1
  [0, 0, 0], // y2 depends on nothing (a constant output)
];
const MU = [1, -0.5, 0.2];
const S = [0.5, 0.3, 0.4];

function linearEnsemble(m: number, seed: number): TwinEnsemble {
  const rng = new Rng(seed);
  const n = 3;
  const nOut = 3;
  const logParameters = new Float64Array(m * n);
  const outputs = new Float64Array(m * nOut);
  for (let k = 0; k < m; k++) {
    for (let a = 0; a < n; a++) logParameters[k * n + a] = MU[a]! + S[a]! * rng.normal();
    for (let b = 0; b < nOut; b++) {
      let y = b === 2 ? 5 : 0;
      for (let a = 0; a < n; a++) y += A[b]![a]! * logParameters[k * n + a]!;
      outputs[k * nOut + b] = y;
    }
  }
  return {
    parameterNames: ['p0', 'p1', 'p2'],
    lowerLog: new Float64Array([-50, -50, -50]),
    upperLog: new Float64Array([50, 50, 50]),
    outputKeys: ['y0', 'y1', 'y2'],
    size: m,
    logParameters,
    outputs,
  };
}

function column(e: TwinEnsemble, which: 'p' | 'y', j: number): number[] {
  const stride = which === 'p' ? e.parameterNames.length : e.outputKeys.length;
  const src = which === 'p' ? e.logParameters : e.outputs;
  return Array.from({ length: e.size }, (_, k) => src[k * stride + j]!);
}
const mean = (v: number[]) => v.reduce((s, x) => s + x, 0) / v.length;
const sd = (v: number[]) => {
  const mu = mean(v);
  return Math.sqrt(v.reduce((s, x) => s + (x - mu) ** 2, 0) / (v.length - 1));
};

describe('assimilate (stochastic EnKF)', () => {
  it('matches the exact Kalman update of a linear-Gaussian problem', () => {
    const prior = linearEnsemble(4000, 1);
    const obsSd = 0.2;
    const r = assimilate(prior, [{ key: 'y1', value: 0.1, sd: obsSd }], { seed: 2 });
    // Exact: x1 | y1 ~ N(μ1 + s1²/(s1²+σ²)(y − μ1), s1²σ²/(s1²+σ²)).
    const gain = S[1]! ** 2 / (S[1]! ** 2 + obsSd ** 2);
    const postMean = MU[1]! + gain * (0.1 - MU[1]!);
    const postSd = Math.sqrt((S[1]! ** 2 * obsSd ** 2) / (S[1]! ** 2 + obsSd ** 2));
    const x1 = column(r.ensemble, 'p', 1);
    // Tolerances: 5 Monte Carlo standard errors for m = 4000.
    expect(Math.abs(mean(x1) - postMean)).toBeLessThan((5 * postSd) / Math.sqrt(4000));
    expect(Math.abs(sd(x1) / postSd - 1)).toBeLessThan(0.06);
    // Outputs move with their parameters: y1 stays equal to x1 (linear observation operator).
    const y1 = column(r.ensemble, 'y', 1);
    for (let k = 0; k < 50; k++) expect(y1[k]).toBeCloseTo(x1[k]!, 9);
    // The unobserved, independent parameter x0 keeps its prior spread (within sampling error).
    expect(Math.abs(sd(column(r.ensemble, 'p', 0)) / S[0]! - 1)).toBeLessThan(0.06);
    // Innovation statistics are reported.
    expect(r.innovations).toHaveLength(1);
    expect(r.innovations[0]!.predictedMean).toBeCloseTo(MU[1]!, 1);
    expect(r.innovations[0]!.z).toBeCloseTo((0.1 - MU[1]!) / Math.sqrt(S[1]! ** 2 + obsSd ** 2), 1);
  });

  it('is pure, ignores unknown keys with a reason, and keeps parameters inside their bounds', () => {
    const prior = linearEnsemble(200, 3);
    const before = Float64Array.from(prior.logParameters);
    prior.upperLog[0] = 1.2;
    const r = assimilate(prior, [
      { key: 'nope', value: 1, sd: 1 },
      { key: 'y0', value: 40, sd: 0.1 },
      { key: 'y1', value: Number.NaN, sd: 1 },
    ]);
    expect(prior.logParameters).toEqual(before);
    expect(r.ignored.map((i) => i.key)).toEqual(['nope', 'y1']);
    expect(r.ignored[0]!.reason).toMatch(/no output/);
    for (const v of column(r.ensemble, 'p', 0)) expect(v).toBeLessThanOrEqual(1.2);
  });

  it('observes a linear combination of outputs through an operator (a pressure at a measurement site)', () => {
    const prior = linearEnsemble(4000, 6);
    // z = 1.5·y0 − 0.5·y1 + 3 is linear in x: the exact update is the Kalman update with H = cᵀA.
    const op = { weights: { y0: 1.5, y1: -0.5 }, offset: 3 };
    const r = assimilate(prior, [{ key: 'z@site', value: 4, sd: 0.3, operator: op }], { seed: 4 });
    expect(r.ignored).toEqual([]);
    expect(r.innovations[0]!.key).toBe('z@site');
    const h = [1.5 * A[0]![0]! - 0.5 * A[1]![0]!, 1.5 * A[0]![1]! - 0.5 * A[1]![1]!, 1.5 * A[0]![2]! - 0.5 * A[1]![2]!];
    const priorMeanZ = 3 + h.reduce((s, hj, j) => s + hj * MU[j]!, 0);
    const priorVarZ = h.reduce((s, hj, j) => s + hj * hj * S[j]! ** 2, 0);
    expect(r.innovations[0]!.predictedMean).toBeCloseTo(priorMeanZ, 1);
    // Posterior mean of the observed combination: prior + S/(S + σ²)·(y − prior).
    const post = priorMeanZ + (priorVarZ / (priorVarZ + 0.09)) * (4 - priorMeanZ);
    const z = Array.from({ length: r.ensemble.size }, (_, k) => 3 + 1.5 * r.ensemble.outputs[k * 3]! - 0.5 * r.ensemble.outputs[k * 3 + 1]!);
    const postSd = Math.sqrt((priorVarZ * 0.09) / (priorVarZ + 0.09));
    expect(Math.abs(mean(z) - post)).toBeLessThan((5 * postSd) / Math.sqrt(4000) + 0.01);
    // An operator naming an output the ensemble lacks is refused with its name.
    const bad = assimilate(prior, [{ key: 'q@site', value: 1, sd: 1, operator: { weights: { nope: 1 }, offset: 0 } }]);
    expect(bad.ignored[0]!.reason).toMatch(/no output "nope"/);
  });

  it('narrows bands as more observations arrive', () => {
    let e = linearEnsemble(300, 5);
    const widths: number[] = [];
    for (let i = 0; i < 4; i++) {
      widths.push(sd(column(e, 'p', 1)));
      e = assimilate(e, [{ key: 'y1', value: -0.4, sd: 0.3 }], { seed: 10 + i }).ensemble;
    }
    for (let i = 1; i < widths.length; i++) expect(widths[i]).toBeLessThan(widths[i - 1]!);
  });
});

describe('forecastEnsemble', () => {
  it('recovers a linear sensitivity from the ensemble (up to the 1e-6 ridge)', () => {
    const g = ensembleSensitivity(linearEnsemble(500, 8));
    for (let b = 0; b < 3; b++) for (let a = 0; a < 3; a++) expect(g[b * 3 + a]).toBeCloseTo(A[b]![a]!, 4);
  });

  it('starts at the ensemble percentiles and widens towards the stationary drift', () => {
    const e = linearEnsemble(2000, 4);
    const f = forecastEnsemble(e, {
      horizonSec: 24 * 3600,
      stepSec: 3600,
      driftSdLog: { p0: 0, p1: 0.3, p2: 0 },
      driftTauSec: 2 * 3600,
      keys: ['y1', 'y2'],
    });
    expect(f.tSec).toHaveLength(25);
    const y1 = column(e, 'y', 1).sort((a, b) => a - b);
    expect(f.bands.y1![0]!.p50).toBeCloseTo(quantileSorted(y1, 0.5), 12);
    expect(f.bands.y1![0]!.p05).toBeCloseTo(quantileSorted(y1, 0.05), 12);
    const width = (p: { p05: number; p95: number }) => p.p95 - p.p05;
    expect(width(f.bands.y1![24]!)).toBeGreaterThan(width(f.bands.y1![0]!));
    // After many τ the spread is √(s² + drift²) = √(0.09 + 0.09); 90 % band = 2·1.645·that.
    expect(width(f.bands.y1![24]!) / (2 * 1.645 * Math.sqrt(0.18))).toBeCloseTo(1, 1);
    // A constant output stays constant.
    expect(width(f.bands.y2![24]!)).toBeCloseTo(0, 9);
  });

  it('forecasts a linear observation of outputs and widens bands by a model error that grows with lead time', () => {
    const e = linearEnsemble(4000, 9);
    const f = forecastEnsemble(e, {
      horizonSec: 6 * 3600,
      stepSec: 3600,
      driftSdLog: { p0: 0, p1: 0, p2: 0 },
      keys: ['y2', 'y2@site', 'y1'],
      operators: { 'y2@site': { weights: { y2: 2 }, offset: -1 } },
      modelError: { y2: { v0: 1, perHour: 2 } },
    });
    // No drift: the operator's band is the output's band mapped through it (y2 is the constant 5).
    for (const p of f.bands['y2@site']!) expect(p.p50).toBeCloseTo(2 * 5 - 1, 9);
    // Model-error variance v0 + perHour·t, drawn from a Laplace law (scale b = √(V/2)): the 90 %
    // half-width is b·ln 10 = 1.628·√V and the 50 % half-width b·ln 2 = 0.490·√V (a Gaussian's
    // would be 0.674·√V) (±5 % Monte Carlo).
    for (const [i, tH] of [[0, 0], [3, 3], [6, 6]] as const) {
      const p = f.bands.y2![i]!;
      expect((p.p95 - p.p05) / (2 * 1.6282 * Math.sqrt(1 + 2 * tH))).toBeCloseTo(1, 1);
      expect((p.p75 - p.p25) / (2 * 0.4901 * Math.sqrt(1 + 2 * tH))).toBeCloseTo(1, 1);
    }
    // Keys without a model error are unaffected.
    expect(f.bands.y1![6]!.p95 - f.bands.y1![6]!.p05).toBeCloseTo(f.bands.y1![0]!.p95 - f.bands.y1![0]!.p05, 9);
    expect(() => forecastEnsemble(e, { horizonSec: 10, stepSec: 1, keys: ['w'], operators: { w: { weights: { nope: 1 }, offset: 0 } } })).toThrow(/unknown output "nope"/);
  });

  it('rejects unknown keys and bad horizons', () => {
    const e = linearEnsemble(20, 1);
    expect(() => forecastEnsemble(e, { horizonSec: 10, stepSec: 1, keys: ['zz'] })).toThrow(/unknown output "zz"/);
    expect(() => forecastEnsemble(e, { horizonSec: 0, stepSec: 1 })).toThrow(/horizonSec/);
  });
});
