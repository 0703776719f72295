import { describe, expect, it } from 'vitest';
import { CalibrationCancelled, fitPosterior, singlePrior, type InverseProblem } from './fit';
import { choleskyInPlace, choleskyInverse } from './linalg';

// A linear-Gaussian problem has an exact posterior (conjugate update), so the Laplace step must
// reproduce it to rounding: Σ_post = (AᵀR⁻¹A + P⁻¹)⁻¹, μ_post = Σ_post (AᵀR⁻¹y + P⁻¹μ0).
function linearProblem(): { p: InverseProblem; meanPost: number[]; covPost: number[] } {
  const a = [
    [1, 0.5],
    [0.2, 2],
    [1, 1],
  ];
  const sd = [0.1, 0.2, 0.3];
  const y = [1.1, 2.3, 1.6];
  const mu0 = [0, 0];
  const s0 = [1, 2];
  const p: InverseProblem = {
    components: singlePrior([
      { name: 'a', meanLog: mu0[0]!, sdLog: s0[0]!, lowerLog: -20, upperLog: 20 },
      { name: 'b', meanLog: mu0[1]!, sdLog: s0[1]!, lowerLog: -20, upperLog: 20 },
    ]),
    observations: y.map((v, i) => ({ key: `y${i}`, outputIndex: i, value: v, sd: sd[i]! })),
    nOutputs: 3,
    forward: (x, out) => {
      for (let i = 0; i < 3; i++) out[i] = a[i]![0]! * x[0]! + a[i]![1]! * x[1]!;
      return true;
    },
  };
  // Exact posterior by hand.
  const h = new Float64Array(4);
  const rhs = [mu0[0]! / s0[0]! ** 2, mu0[1]! / s0[1]! ** 2];
  for (let i = 0; i < 3; i++) {
    for (let r = 0; r < 2; r++) {
      rhs[r]! += (a[i]![r]! * y[i]!) / sd[i]! ** 2;
      for (let c = 0; c < 2; c++) h[r * 2 + c] = h[r * 2 + c]! + (a[i]![r]! * a[i]![c]!) / sd[i]! ** 2;
    }
  }
  h[0] = h[0]! + 1 / s0[0]! ** 2;
  h[3] = h[3]! + 1 / s0[1]! ** 2;
  choleskyInPlace(h, 2);
  const cov = new Float64Array(4);
  choleskyInverse(h, 2, cov);
  const mean = [cov[0]! * rhs[0]! + cov[1]! * rhs[1]!, cov[2]! * rhs[0]! + cov[3]! * rhs[1]!];
  return { p, meanPost: mean, covPost: [...cov] };
}

describe('fitPosterior', () => {
  it('reproduces the exact conjugate posterior of a linear-Gaussian problem', () => {
    const { p, meanPost, covPost } = linearProblem();
    const r = fitPosterior(p, { seed: 3, ensembleSize: 2000 });
    // MAP and covariance: finite differences of a linear map are exact up to rounding (1e-6).
    expect(r.mapLog[0]).toBeCloseTo(meanPost[0]!, 6);
    expect(r.mapLog[1]).toBeCloseTo(meanPost[1]!, 6);
    for (let i = 0; i < 4; i++) expect(r.covLog[i]).toBeCloseTo(covPost[i]!, 6);
    // Ensemble moments: Monte Carlo error with 2000 draws is ~2 % of an SD (tolerance 4 SE).
    let m0 = 0;
    for (let k = 0; k < r.ensembleSize; k++) m0 += r.ensembleLog[k * 2]!;
    m0 /= r.ensembleSize;
    let v0 = 0;
    for (let k = 0; k < r.ensembleSize; k++) v0 += (r.ensembleLog[k * 2]! - m0) ** 2;
    v0 /= r.ensembleSize - 1;
    const sd0 = Math.sqrt(covPost[0]!);
    expect(Math.abs(m0 - meanPost[0]!)).toBeLessThan((4 * sd0) / Math.sqrt(2000));
    expect(Math.abs(Math.sqrt(v0) / sd0 - 1)).toBeLessThan(0.07);
    // Each member's outputs are the model's outputs for that member.
    const x0 = r.ensembleLog[0]!;
    const x1 = r.ensembleLog[1]!;
    expect(r.ensembleOutputs[0]).toBeCloseTo(x0 + 0.5 * x1, 12);
  });

  it('finds the global minimum of a non-convex problem from a far prior mean', () => {
    // y = (x − 1.5)² has minima at x = 1.5 ± √y; with y = 0 and an observation of exp(x) the
    // problem is unimodal in θ but strongly curved in x. Truth ln θ = 1.5.
    const p: InverseProblem = {
      components: singlePrior([{ name: 't', meanLog: 0, sdLog: 1, lowerLog: -3, upperLog: 3 }]),
      observations: [{ key: 'e', outputIndex: 0, value: Math.exp(1.5), sd: 0.01 }],
      nOutputs: 1,
      forward: (x, out) => {
        out[0] = Math.exp(x[0]!);
        return true;
      },
    };
    const r = fitPosterior(p, { ensembleSize: 10 });
    expect(r.mapLog[0]).toBeCloseTo(1.5, 3);
  });

  it('leaves an unobserved parameter at its prior: non-identifiability shows as prior-width posterior', () => {
    const p: InverseProblem = {
      components: singlePrior([
        { name: 'seen', meanLog: 0, sdLog: 1, lowerLog: -10, upperLog: 10 },
        { name: 'unseen', meanLog: 0.3, sdLog: 0.5, lowerLog: -10, upperLog: 10 },
      ]),
      observations: [{ key: 'y', outputIndex: 0, value: 2, sd: 0.05 }],
      nOutputs: 1,
      forward: (x, out) => {
        out[0] = x[0]!;
        return true;
      },
    };
    const r = fitPosterior(p, { ensembleSize: 10 });
    expect(Math.sqrt(r.covLog[0]!)).toBeLessThan(0.06);
    expect(Math.sqrt(r.covLog[3]!)).toBeCloseTo(0.5, 6);
    expect(r.mapLog[1]).toBeCloseTo(0.3, 6);
  });

  it('respects bounds and replaces draws for which the model fails', () => {
    const p: InverseProblem = {
      components: singlePrior([{ name: 'b', meanLog: 0, sdLog: 2, lowerLog: -1, upperLog: 1 }]),
      observations: [],
      nOutputs: 1,
      forward: (x, out) => {
        out[0] = x[0]!;
        return x[0]! < 0.5; // the model "fails" above 0.5
      },
    };
    const r = fitPosterior(p, { ensembleSize: 200, seed: 9 });
    for (let k = 0; k < 200; k++) {
      expect(r.ensembleLog[k]).toBeGreaterThanOrEqual(-1);
      expect(r.ensembleLog[k]).toBeLessThan(0.5);
    }
    expect(r.failedDraws).toBeGreaterThan(0);
  });

  it('weights mixture components by their evidence (conjugate case, exact)', () => {
    // y = x + noise (σ = 0.3), priors N(−1, 0.5²) and N(2, 0.5²) with equal weight, y = 1.7. The
    // exact evidence of each component is N(y; μc, 0.5² + 0.3²), so the posterior weight of the
    // second is 1 / (1 + exp(−½((1.7+1)² − (1.7−2)²)/0.34)).
    const comp = (label: string, mu: number) => ({ label, weight: 1, priors: [{ name: 'x', meanLog: mu, sdLog: 0.5, lowerLog: -20, upperLog: 20 }] });
    const p: InverseProblem = {
      components: [comp('low', -1), comp('high', 2)],
      observations: [{ key: 'y', outputIndex: 0, value: 1.7, sd: 0.3 }],
      nOutputs: 1,
      forward: (x, out) => {
        out[0] = x[0]!;
        return true;
      },
    };
    const r = fitPosterior(p, { ensembleSize: 200 });
    const expectedHigh = 1 / (1 + Math.exp(-0.5 * ((1.7 + 1) ** 2 - (1.7 - 2) ** 2) / 0.34));
    expect(r.components[1]!.posteriorWeight).toBeCloseTo(expectedHigh, 6);
    expect(r.components[0]!.members + r.components[1]!.members).toBe(200);
    // Component posterior means: μc + 0.25/0.34 (y − μc); LM stops once Δcost < 1e-3 nats, which
    // leaves the MAP within ~1e-5 here.
    expect(r.components[1]!.mapLog[0]).toBeCloseTo(2 + (0.25 / 0.34) * (1.7 - 2), 4);
    expect(r.mapLog[0]).toBeCloseTo(r.components[1]!.mapLog[0]!, 12);
  });

  it('rejects an ill-posed problem with a message naming the culprit, and can be cancelled', () => {
    const { p } = linearProblem();
    expect(() => fitPosterior({ ...p, observations: [{ key: 'bad', outputIndex: 0, value: 1, sd: 0 }] })).toThrow(/bad/);
    expect(() => fitPosterior(p, { isCancelled: () => true })).toThrow(CalibrationCancelled);
  });
});
