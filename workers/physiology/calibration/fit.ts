// Generic Bayesian fit of a forward model to a few observations: the numeric core of calibration,
// free of any physiology so it can be tested on problems with known answers.
//
// Parameters are estimated in log space (x = ln θ) with hard bounds; the observations have
// Gaussian noise. The prior is a mixture of Gaussian components (one per patient archetype in
// calibration; a single component is the plain case). For each component the fit is
// global-then-local (Jones et al. 2021 style):
//   1. a Latin hypercube over the component's central ±2 SD finds a good basin;
//   2. Levenberg–Marquardt on the whitened residuals [(h(x) − y)/σ ; (x − μ)/s] finds its MAP;
//   3. a Laplace approximation at that MAP (Σ = (JᵀJ)⁻¹, the Gauss–Newton Hessian of the posterior)
//      gives the component's posterior covariance and its evidence
//      log Z ≈ −cost(x*) + ½ log|Σ| − ½ log|S| (+ a constant common to all components).
// The posterior is the mixture of the component Laplace posteriors weighted by prior weight × Z
// (Bayesian model averaging). An ensemble is drawn from it and every member is run through the real
// forward model, so its predicted outputs are exact and can be assimilated later.
// A parameter the data do not inform keeps a posterior SD close to its prior SD: that is how
// non-identifiability shows, rather than being hidden by fixing the parameter.

import { choleskyInverse, choleskySolveInPlace, robustCholesky } from './linalg';
import { Rng } from './random';
import { type FitOptions } from '../../../core/vitals/twin';

export interface ParameterPrior {
  name: string;
  /** Prior mean and SD of ln θ. */
  meanLog: number;
  sdLog: number;
  /** Hard bounds of ln θ (the model is not valid beyond them). */
  lowerLog: number;
  upperLog: number;
}

export interface PriorComponent {
  label: string;
  /** Prior probability of this component (normalised over components). */
  weight: number;
  /** Same parameter names and bounds, in the same order, in every component. */
  priors: readonly ParameterPrior[];
  /**
   * This component's own forward model, when the components differ in more than their prior
   * medians (e.g. an archetype's non-calibrated physiology); default `InverseProblem.forward`.
   */
  forward?: ForwardModel;
}

export interface FitObservation {
  key: string;
  /** Index into the forward model's output vector. */
  outputIndex: number;
  value: number;
  /** Observation noise SD in the output's unit. */
  sd: number;
}

/**
 * Writes the model outputs for log-parameters `xLog` into `out`; returns false when the model
 * could not produce a valid state (e.g. a parameter set that collapses the circulation).
 */
export type ForwardModel = (xLog: Float64Array, out: Float64Array) => boolean;

export interface InverseProblem {
  components: readonly PriorComponent[];
  observations: readonly FitObservation[];
  nOutputs: number;
  forward: ForwardModel;
}

/** A problem with one Gaussian prior. */
export function singlePrior(priors: readonly ParameterPrior[]): PriorComponent[] {
  return [{ label: 'prior', weight: 1, priors }];
}

export class CalibrationCancelled extends Error {
  constructor() {
    super('calibration cancelled');
    this.name = 'CalibrationCancelled';
  }
}

export interface ComponentPosterior {
  label: string;
  priorWeight: number;
  /** Posterior probability of this component. */
  posteriorWeight: number;
  logEvidence: number;
  mapLog: Float64Array;
  covLog: Float64Array;
  /** ½‖r‖² at this component's MAP (data + its prior). */
  cost: number;
  iterations: number;
  /** Ensemble members drawn from this component. */
  members: number;
}

export interface FitResult {
  /** MAP of the most probable component. */
  mapLog: Float64Array;
  /** Posterior covariance of ln θ (n×n, row-major), moment-matched over the mixture. */
  covLog: Float64Array;
  /** Prior variance of ln θ per parameter, moment-matched over the components with their posterior weights. */
  priorVarLog: Float64Array;
  /** Model outputs at `mapLog`. */
  outputsAtMap: Float64Array;
  /** Whitened Jacobian of the observation residuals at `mapLog` (nObs × nParams). */
  jacobian: Float64Array;
  components: ComponentPosterior[];
  /** Forward-model calls, all stages together (cache hits included). */
  evaluations: number;
  /** Ensemble members' ln θ (m × n) and their model outputs (m × nOutputs). */
  ensembleLog: Float64Array;
  ensembleOutputs: Float64Array;
  ensembleSize: number;
  /** Draws rejected because the model failed for them (replaced by new draws). */
  failedDraws: number;
}

function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}

function halfNormSq(r: Float64Array): number {
  let s = 0;
  for (let i = 0; i < r.length; i++) s += r[i]! * r[i]!;
  return 0.5 * s;
}

function allFinite(a: Float64Array): boolean {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i]!)) return false;
  return true;
}

export function validateProblem(p: InverseProblem): void {
  if (p.components.length === 0) throw new Error('calibration needs at least one prior component');
  const first = p.components[0]!.priors;
  if (first.length === 0) throw new Error('calibration needs at least one parameter');
  for (const c of p.components) {
    if (!(c.weight > 0)) throw new Error(`prior component ${c.label}: weight must be > 0`);
    if (c.priors.length !== first.length) throw new Error(`prior component ${c.label}: parameter list differs from the first component`);
    c.priors.forEach((pr, j) => {
      if (pr.name !== first[j]!.name || pr.lowerLog !== first[j]!.lowerLog || pr.upperLog !== first[j]!.upperLog) {
        throw new Error(`prior component ${c.label}: parameter ${pr.name} differs in name or bounds from the first component`);
      }
      if (!(pr.sdLog > 0) || !(pr.lowerLog < pr.upperLog) || !Number.isFinite(pr.meanLog)) {
        throw new Error(`parameter ${pr.name}: prior needs sdLog > 0, lowerLog < upperLog and a finite mean`);
      }
    });
  }
  for (const o of p.observations) {
    if (!(o.sd > 0) || !Number.isFinite(o.value)) throw new Error(`observation ${o.key}: needs a finite value and sd > 0`);
    if (o.outputIndex < 0 || o.outputIndex >= p.nOutputs) throw new Error(`observation ${o.key}: output index out of range`);
  }
}

/** Per-component optimiser state; buffers are allocated once per fit and reused. */
class Solver {
  readonly n: number;
  readonly nObs: number;
  readonly nRes: number;
  readonly lo: Float64Array;
  readonly hi: Float64Array;
  evaluations = 0;
  private readonly out: Float64Array;
  /** The forward model in use: the component's own, else the problem's (see `useComponent`). */
  private forward: ForwardModel;
  private readonly resPlus: Float64Array;
  private readonly xPlus: Float64Array;
  readonly jac: Float64Array;

  constructor(
    readonly p: InverseProblem,
    private readonly h: number,
    private readonly cancelled: () => boolean,
  ) {
    const priors = p.components[0]!.priors;
    this.n = priors.length;
    this.nObs = p.observations.length;
    this.nRes = this.nObs + this.n;
    this.lo = Float64Array.from(priors.map((q) => q.lowerLog));
    this.hi = Float64Array.from(priors.map((q) => q.upperLog));
    this.out = new Float64Array(p.nOutputs);
    this.resPlus = new Float64Array(this.nRes);
    this.xPlus = new Float64Array(this.n);
    this.jac = new Float64Array(this.nRes * this.n);
    this.forward = p.forward;
  }

  /** Evaluate with component `c`'s forward model from now on. */
  useComponent(c: PriorComponent): void {
    this.forward = c.forward ?? this.p.forward;
  }

  /** Whitened residuals [(h − y)/σ ; (x − μ)/s] into `res`, outputs into `out`; false if the model failed. */
  residuals(priors: readonly ParameterPrior[], x: Float64Array, res: Float64Array, out: Float64Array = this.out): boolean {
    if (this.cancelled()) throw new CalibrationCancelled();
    this.evaluations++;
    if (!this.forward(x, out)) return false;
    for (let k = 0; k < this.nObs; k++) {
      const o = this.p.observations[k]!;
      const v = out[o.outputIndex]!;
      if (!Number.isFinite(v)) return false;
      res[k] = (v - o.value) / o.sd;
    }
    for (let j = 0; j < this.n; j++) {
      const pr = priors[j]!;
      res[this.nObs + j] = (x[j]! - pr.meanLog) / pr.sdLog;
    }
    return true;
  }

  /** Forward-difference Jacobian of the residuals at `x` into `this.jac`. */
  jacobian(priors: readonly ParameterPrior[], x: Float64Array, res: Float64Array): void {
    const { n, nRes, h, xPlus, resPlus } = this;
    for (let j = 0; j < n; j++) {
      xPlus.set(x);
      // Step away from the bound we are on so the difference stays inside the valid region.
      const dir = x[j]! + h > this.hi[j]! ? -1 : 1;
      xPlus[j] = x[j]! + dir * h;
      const ok = this.residuals(priors, xPlus, resPlus);
      for (let i = 0; i < nRes; i++) this.jac[i * n + j] = ok ? (resPlus[i]! - res[i]!) / (dir * h) : 0;
    }
  }

  /** JᵀJ of the current Jacobian into `out` (n×n). */
  normalMatrix(out: Float64Array): void {
    const { n, nRes, jac } = this;
    for (let a = 0; a < n; a++) {
      for (let b = 0; b <= a; b++) {
        let s = 0;
        for (let i = 0; i < nRes; i++) s += jac[i * n + a]! * jac[i * n + b]!;
        out[a * n + b] = s;
        out[b * n + a] = s;
      }
    }
  }
}

interface LocalFit {
  x: Float64Array;
  cost: number;
  iterations: number;
  cov: Float64Array;
  logDetCov: number;
  outputs: Float64Array;
  jacobian: Float64Array;
}

/** Global (Latin hypercube) then local (Levenberg–Marquardt) MAP of one component, then Laplace. */
function fitComponent(s: Solver, priors: readonly ParameterPrior[], rng: Rng, globalSamples: number, maxIterations: number): LocalFit | undefined {
  const { n, nRes, lo, hi } = s;
  const trial = new Float64Array(n);
  const trialRes = new Float64Array(nRes);
  const best = new Float64Array(n);
  let bestCost = Infinity;
  const strata = priors.map(() => shuffledStrata(globalSamples, rng));
  for (let k = -1; k < globalSamples; k++) {
    for (let j = 0; j < n; j++) {
      const pr = priors[j]!;
      const u = k < 0 ? 0.5 : (strata[j]![k]! + rng.uniform()) / globalSamples;
      trial[j] = clamp(pr.meanLog + pr.sdLog * 4 * (u - 0.5), lo[j]!, hi[j]!);
    }
    if (!s.residuals(priors, trial, trialRes)) continue;
    const c = halfNormSq(trialRes);
    if (c < bestCost) {
      bestCost = c;
      best.set(trial);
    }
  }
  if (!Number.isFinite(bestCost)) return undefined;

  const x = Float64Array.from(best);
  const res = new Float64Array(nRes);
  s.residuals(priors, x, res);
  let cost = halfNormSq(res);
  let lambda = 1e-2;
  let iterations = 0;
  const jtj = new Float64Array(n * n);
  const damped = new Float64Array(n * n);
  const g = new Float64Array(n);
  const step = new Float64Array(n);
  for (; iterations < maxIterations; iterations++) {
    s.jacobian(priors, x, res);
    s.normalMatrix(jtj);
    for (let a = 0; a < n; a++) {
      let ga = 0;
      for (let i = 0; i < nRes; i++) ga += s.jac[i * n + a]! * res[i]!;
      g[a] = ga;
    }
    let improved = false;
    let converged = false;
    for (let attempt = 0; attempt < 8; attempt++) {
      damped.set(jtj);
      for (let a = 0; a < n; a++) damped[a * n + a] = jtj[a * n + a]! * (1 + lambda) + 1e-12;
      const l = robustCholesky(damped, n);
      if (l === undefined) {
        lambda *= 10;
        continue;
      }
      for (let a = 0; a < n; a++) step[a] = -g[a]!;
      choleskySolveInPlace(l, n, step);
      for (let a = 0; a < n; a++) trial[a] = clamp(x[a]! + step[a]!, lo[a]!, hi[a]!);
      const c = s.residuals(priors, trial, trialRes) ? halfNormSq(trialRes) : Infinity;
      if (c < cost) {
        // Converged when the cost (½χ², in nats) improves by less than 1e-3: differences that
        // small change neither the MAP's plausibility nor the evidence weights.
        converged = cost - c < 1e-3;
        x.set(trial);
        res.set(trialRes);
        cost = c;
        lambda = Math.max(lambda / 3, 1e-7);
        improved = true;
        break;
      }
      lambda *= 4;
    }
    if (!improved || converged) break;
    let maxStep = 0;
    for (let a = 0; a < n; a++) maxStep = Math.max(maxStep, Math.abs(step[a]!));
    if (maxStep < 1e-4) break;
  }
  // Laplace at the final point: Σ = (JᵀJ)⁻¹ with the prior rows included, so Σ is always proper.
  const outputs = new Float64Array(s.p.nOutputs);
  s.residuals(priors, x, res, outputs);
  s.jacobian(priors, x, res);
  s.normalMatrix(jtj);
  const cov = new Float64Array(n * n);
  const lH = robustCholesky(jtj, n);
  let logDetCov = 0;
  if (lH === undefined) {
    // Only if the Jacobian is not finite: fall back to the prior.
    for (let a = 0; a < n; a++) {
      cov[a * n + a] = priors[a]!.sdLog ** 2;
      logDetCov += 2 * Math.log(priors[a]!.sdLog);
    }
  } else {
    choleskyInverse(lH, n, cov);
    for (let a = 0; a < n; a++) logDetCov -= 2 * Math.log(lH[a * n + a]!);
  }
  const jacobian = Float64Array.from(s.jac.subarray(0, s.nObs * n));
  return { x, cost, iterations, cov, logDetCov, outputs, jacobian };
}

/** Mixture-prior Bayesian fit: per-component MAP + Laplace, evidence weights, one ensemble. */
export function fitPosterior(p: InverseProblem, options: FitOptions = {}): FitResult {
  validateProblem(p);
  const rng = new Rng(options.seed ?? 1);
  const globalSamples = options.globalSamples ?? 8;
  const maxIterations = options.maxIterations ?? 25;
  const m = options.ensembleSize ?? 100;
  if (!Number.isInteger(m) || m < 2) throw new Error('calibration: ensembleSize must be an integer ≥ 2');
  const progress = options.onProgress ?? (() => {});
  const s = new Solver(p, options.fdStepLog ?? 0.01, options.isCancelled ?? (() => false));
  const n = s.n;
  const nc = p.components.length;

  const fits: (LocalFit | undefined)[] = [];
  p.components.forEach((c, i) => {
    s.useComponent(c);
    fits.push(fitComponent(s, c.priors, rng, globalSamples, maxIterations));
    progress((0.6 * (i + 1)) / nc);
  });
  if (fits.every((f) => f === undefined)) {
    throw new Error('calibration: the model failed for every starting point; check the patient data and priors');
  }

  // Evidence weights (log-sum-exp for stability).
  const totalPriorWeight = p.components.reduce((a, c) => a + c.weight, 0);
  const logPost = p.components.map((c, i) => {
    const f = fits[i];
    if (f === undefined) return -Infinity;
    let logDetPrior = 0;
    for (const pr of c.priors) logDetPrior += 2 * Math.log(pr.sdLog);
    return Math.log(c.weight / totalPriorWeight) - f.cost + 0.5 * f.logDetCov - 0.5 * logDetPrior;
  });
  const maxLog = Math.max(...logPost);
  const unnorm = logPost.map((l) => Math.exp(l - maxLog));
  const z = unnorm.reduce((a, b) => a + b, 0);
  const postW = unnorm.map((u) => u / z);

  // Members per component: largest-remainder allocation of m by posterior weight.
  const counts = postW.map((w) => Math.floor(w * m));
  let left = m - counts.reduce((a, b) => a + b, 0);
  const order = postW.map((w, i) => ({ i, r: w * m - Math.floor(w * m) })).sort((a, b) => b.r - a.r);
  for (let k = 0; left > 0; k++, left--) counts[order[k % nc]!.i]! += 1;

  const ensembleLog = new Float64Array(m * n);
  const ensembleOutputs = new Float64Array(m * p.nOutputs);
  const xi = new Float64Array(n);
  const member = new Float64Array(n);
  const memberOut = new Float64Array(p.nOutputs);
  const scratchRes = new Float64Array(s.nRes);
  let failedDraws = 0;
  let k = 0;
  for (let c = 0; c < nc; c++) {
    const f = fits[c];
    if (f === undefined || counts[c] === 0) continue;
    s.useComponent(p.components[c]!);
    const l = robustCholesky(f.cov, n) ?? new Float64Array(n * n);
    for (let drawn = 0; drawn < counts[c]!; ) {
      for (let a = 0; a < n; a++) xi[a] = rng.normal();
      for (let a = 0; a < n; a++) {
        let v = f.x[a]!;
        for (let b = 0; b <= a; b++) v += l[a * n + b]! * xi[b]!;
        member[a] = reflect(v, s.lo[a]!, s.hi[a]!);
      }
      if (!s.residuals(p.components[c]!.priors, member, scratchRes, memberOut) || !allFinite(memberOut)) {
        failedDraws++;
        if (failedDraws > 4 * m) throw new Error('calibration: the model failed for most posterior draws');
        continue;
      }
      ensembleLog.set(member, k * n);
      ensembleOutputs.set(memberOut, k * p.nOutputs);
      k++;
      drawn++;
      if (k % 10 === 0) progress(0.6 + (0.4 * k) / m);
    }
  }
  progress(1);

  // Moment-matched mixture moments. The prior variance uses the components' *posterior* weights:
  // it is the spread the prior allows once the data have chosen the archetype(s), so the ratio
  // posterior SD / prior SD says what the data added beyond picking an archetype (a parameter that
  // no observation touches keeps a ratio near 1 even when the archetypes disagree about it).
  const mean = new Float64Array(n);
  const priorMean = new Float64Array(n);
  p.components.forEach((c, i) => {
    const f = fits[i];
    for (let a = 0; a < n; a++) {
      if (f) mean[a] = mean[a]! + postW[i]! * f.x[a]!;
      priorMean[a] = priorMean[a]! + postW[i]! * c.priors[a]!.meanLog;
    }
  });
  const covLog = new Float64Array(n * n);
  const priorVarLog = new Float64Array(n);
  p.components.forEach((c, i) => {
    const f = fits[i];
    for (let a = 0; a < n; a++) {
      priorVarLog[a] = priorVarLog[a]! + postW[i]! * (c.priors[a]!.sdLog ** 2 + (c.priors[a]!.meanLog - priorMean[a]!) ** 2);
      if (!f) continue;
      for (let b = 0; b < n; b++) {
        covLog[a * n + b] = covLog[a * n + b]! + postW[i]! * (f.cov[a * n + b]! + (f.x[a]! - mean[a]!) * (f.x[b]! - mean[b]!));
      }
    }
  });

  let bestC = 0;
  for (let c = 1; c < nc; c++) if (postW[c]! > postW[bestC]!) bestC = c;
  const bestFit = fits[bestC]!;
  return {
    mapLog: Float64Array.from(bestFit.x),
    covLog,
    priorVarLog,
    outputsAtMap: bestFit.outputs,
    jacobian: bestFit.jacobian,
    components: p.components.map((c, i) => ({
      label: c.label,
      priorWeight: c.weight / totalPriorWeight,
      posteriorWeight: postW[i]!,
      logEvidence: logPost[i]! - Math.log(c.weight / totalPriorWeight),
      mapLog: fits[i]?.x ?? new Float64Array(n).fill(Number.NaN),
      covLog: fits[i]?.cov ?? new Float64Array(n * n).fill(Number.NaN),
      cost: fits[i]?.cost ?? Infinity,
      iterations: fits[i]?.iterations ?? 0,
      members: counts[i]!,
    })),
    evaluations: s.evaluations,
    ensembleLog,
    ensembleOutputs,
    ensembleSize: m,
    failedDraws,
  };
}

/** Reflects a draw back into [lo, hi] (keeps the density continuous at the bound, unlike clamping). */
function reflect(v: number, lo: number, hi: number): number {
  const w = hi - lo;
  let t = (v - lo) % (2 * w);
  if (t < 0) t += 2 * w;
  return lo + (t <= w ? t : 2 * w - t);
}

function shuffledStrata(k: number, rng: Rng): Int32Array {
  const a = new Int32Array(k);
  for (let i = 0; i < k; i++) a[i] = i;
  for (let i = k - 1; i > 0; i--) {
    const j = Math.floor(rng.uniform() * (i + 1));
    const t = a[i]!;
    a[i] = a[j]!;
    a[j] = t;
  }
  return a;
}
