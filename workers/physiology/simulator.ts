// Beat-resolved simulation: one Simulator per run (or ensemble member) owns its state vector,
// context, RK4 work arrays and per-beat statistics, all allocated once. `runBeat` integrates one
// cardiac cycle with a fixed number of steps and, when asked, folds the observed pressures and
// volumes into BeatStats without allocating.
import { METRIC_KEYS, type BeatWaveforms, type EngineMetrics, type ModelParameters, type SteadyStateResult, type SteadyStateOptions } from '../../core/domain/physiology';
import { Rk4Stepper } from './integrator';
import {
  IDX,
  ModelContext,
  OBS,
  OBS_SIZE,
  STATE_SIZE,
  beginBeat,
  cardiopulmonaryDrive,
  currentHeartRateBpm,
  initialState,
  observePressures,
  rhs,
  sympatheticDrive,
  totalBloodVolumeMl,
} from './model';

/**
 * Step control of the production integrator: each beat takes max(DEFAULT_STEPS_PER_BEAT,
 * ⌈period / min(DEFAULT_MAX_STEP_SEC, ctx.stableStepSec)⌉) equal RK4 steps (161 at 72 bpm, 289 at
 * 40 bpm). Near RK4's stability limit (≈ 6.3 ms for the presets) the error grows fast (1 mmHg
 * at 7.5 ms); 5.2 ms keeps pressures within 0.5 mmHg and volumes within 0.5 mL of a 20× finer
 * reference over 10 beats for every preset and for 40–150 bpm (integrator.test.ts; bench).
 */
export const DEFAULT_STEPS_PER_BEAT = 100;
export const DEFAULT_MAX_STEP_SEC = 0.0052;
const DRIVE_INDICES: readonly number[] = [IDX.baroHrDrive, IDX.baroElastanceDrive, IDX.baroResistanceDrive, IDX.baroVenousDrive];
/** Forward flow above which the aortic valve counts as open for the gradient (mL/s). */
const EJECTION_FLOW_THRESHOLD_ML_PER_S = 1;

/** Running statistics of one beat, reset at each observed beat's start. */
export class BeatStats {
  periodSec = 0;
  samples = 0;
  maxLvVolumeMl = -Infinity;
  minLvVolumeMl = Infinity;
  lvedpMmHg = 0;
  sumSysArtPressure = 0;
  maxSysArtPressure = -Infinity;
  minSysArtPressure = Infinity;
  sumAorticRootPressure = 0;
  maxAorticRootPressure = -Infinity;
  minAorticRootPressure = Infinity;
  sumRaPressure = 0;
  sumLaPressure = 0;
  sumPulArtPressure = 0;
  maxPulArtPressure = -Infinity;
  minPulArtPressure = Infinity;
  sumDrive = 0;
  sumCpDrive = 0;
  ejectionSamples = 0;
  sumEjectionGradient = 0;
  maxAorticFlow = 0;
  /** Σ mitral regurgitant flow over the beat's samples (mL/s); × period / samples = regurgitant volume. */
  sumMitralRegurgitantFlow = 0;

  reset(periodSec: number): void {
    this.periodSec = periodSec;
    this.samples = 0;
    this.maxLvVolumeMl = -Infinity;
    this.minLvVolumeMl = Infinity;
    this.lvedpMmHg = 0;
    this.sumSysArtPressure = 0;
    this.maxSysArtPressure = -Infinity;
    this.minSysArtPressure = Infinity;
    this.sumAorticRootPressure = 0;
    this.maxAorticRootPressure = -Infinity;
    this.minAorticRootPressure = Infinity;
    this.sumRaPressure = 0;
    this.sumLaPressure = 0;
    this.sumPulArtPressure = 0;
    this.maxPulArtPressure = -Infinity;
    this.minPulArtPressure = Infinity;
    this.sumDrive = 0;
    this.sumCpDrive = 0;
    this.ejectionSamples = 0;
    this.sumEjectionGradient = 0;
    this.maxAorticFlow = 0;
    this.sumMitralRegurgitantFlow = 0;
  }

  get meanArterialPressureMmHg(): number {
    return this.sumSysArtPressure / this.samples;
  }
  get meanDrive(): number {
    return this.sumDrive / this.samples;
  }
  get meanCpDrive(): number {
    return this.sumCpDrive / this.samples;
  }
}

export interface SimulatorOptions {
  /** Fewest steps in a beat (default DEFAULT_STEPS_PER_BEAT). */
  stepsPerBeat?: number;
  /** Longest step (s) (default DEFAULT_MAX_STEP_SEC). */
  maxStepSec?: number;
  /** Multiply every beat's step count (reference solutions: 20 gives a 20× finer grid on the same beats). */
  refinement?: number;
  /** Start from this state (copied) instead of the built-in initial guess. */
  state?: Float64Array;
}

export class Simulator {
  readonly ctx: ModelContext;
  readonly y: Float64Array;
  readonly stepsPerBeat: number;
  readonly maxStepSec: number;
  readonly refinement: number;
  readonly stats = new BeatStats();
  /** Steps taken in the last beat. */
  lastBeatSteps = 0;
  /** Absolute simulated time (s) at the start of the next beat. */
  tSec = 0;
  beats = 0;
  private readonly stepper = new Rk4Stepper(STATE_SIZE);
  private readonly obs = new Float64Array(OBS_SIZE);

  constructor(params: ModelParameters, opts: SimulatorOptions = {}) {
    this.ctx = new ModelContext(params);
    this.stepsPerBeat = opts.stepsPerBeat ?? DEFAULT_STEPS_PER_BEAT;
    this.maxStepSec = opts.maxStepSec ?? DEFAULT_MAX_STEP_SEC;
    this.refinement = opts.refinement ?? 1;
    if (!Number.isInteger(this.stepsPerBeat) || this.stepsPerBeat < 20) {
      throw new RangeError(`stepsPerBeat must be an integer ≥ 20 (got ${this.stepsPerBeat})`);
    }
    if (!(this.maxStepSec > 0 && this.maxStepSec <= 0.05)) throw new RangeError(`maxStepSec must be in (0, 0.05] s (got ${this.maxStepSec})`);
    if (!Number.isInteger(this.refinement) || this.refinement < 1) throw new RangeError(`refinement must be an integer ≥ 1 (got ${this.refinement})`);
    this.y = opts.state ? Float64Array.from(opts.state) : initialState(params, this.ctx);
    if (this.y.length !== STATE_SIZE) throw new RangeError(`state must have ${STATE_SIZE} entries (got ${this.y.length})`);
  }

  /**
   * Integrate one beat. With `observe`, BeatStats hold the beat's statistics afterwards; with
   * `wave`, the beat's waveforms are written into its arrays (length ≥ stepsPerBeat + 1).
   */
  /** Steps for a beat of this period. */
  stepsFor(periodSec: number): number {
    const dtMax = Math.min(this.maxStepSec, this.ctx.stableStepSec);
    return this.refinement * Math.max(this.stepsPerBeat, Math.ceil(periodSec / dtMax - 1e-9));
  }

  /** Steps the next beat will take (its period is fixed by the current state and inputs). */
  stepsForNextBeat(): number {
    return this.stepsFor(60 / currentHeartRateBpm(this.ctx, this.y));
  }

  runBeat(observe = true, wave?: BeatWaveforms): void {
    const { ctx, y, stepper } = this;
    beginBeat(ctx, y);
    const n = this.stepsFor(ctx.periodSec);
    if (wave && wave.tSec.length < n + 1) throw new RangeError(`waveform arrays hold ${wave.tSec.length} samples; this beat needs ${n + 1}`);
    this.lastBeatSteps = n;
    const dt = ctx.periodSec / n;
    if (observe) {
      this.stats.reset(ctx.periodSec);
      if (wave) this.record(wave, 0, 0);
    }
    for (let s = 0; s < n; s++) {
      const t = s * dt;
      stepper.step(rhs, y, t, dt, ctx);
      if (observe) {
        this.accumulate(t + dt);
        if (wave) this.record(wave, s + 1, t + dt);
      }
    }
    if (!observe) this.stats.periodSec = ctx.periodSec;
    this.tSec += ctx.periodSec;
    this.beats++;
  }

  private accumulate(t: number): void {
    const { obs, y, ctx, stats } = this;
    observePressures(obs, y, t, ctx);
    const vLv = y[IDX.lvVolumeMl]!;
    if (vLv > stats.maxLvVolumeMl) {
      stats.maxLvVolumeMl = vLv;
      stats.lvedpMmHg = obs[OBS.lvPressureMmHg]!;
    }
    if (vLv < stats.minLvVolumeMl) stats.minLvVolumeMl = vLv;
    const pSa = obs[OBS.sysArtPressureMmHg]!;
    stats.sumSysArtPressure += pSa;
    if (pSa > stats.maxSysArtPressure) stats.maxSysArtPressure = pSa;
    if (pSa < stats.minSysArtPressure) stats.minSysArtPressure = pSa;
    const pAo = obs[OBS.aorticRootPressureMmHg]!;
    stats.sumAorticRootPressure += pAo;
    if (pAo > stats.maxAorticRootPressure) stats.maxAorticRootPressure = pAo;
    if (pAo < stats.minAorticRootPressure) stats.minAorticRootPressure = pAo;
    stats.sumRaPressure += obs[OBS.raPressureMmHg]!;
    stats.sumLaPressure += obs[OBS.laPressureMmHg]!;
    const pPa = obs[OBS.pulArtPressureMmHg]!;
    stats.sumPulArtPressure += pPa;
    if (pPa > stats.maxPulArtPressure) stats.maxPulArtPressure = pPa;
    if (pPa < stats.minPulArtPressure) stats.minPulArtPressure = pPa;
    stats.sumMitralRegurgitantFlow += obs[OBS.mitralRegurgitantFlowMlPerS]!;
    stats.sumDrive += sympatheticDrive(pAo, ctx.baroSetPoint, ctx.baroSteepness);
    stats.sumCpDrive += cardiopulmonaryDrive(obs[OBS.raPressureMmHg]!, ctx.cpSetPoint, ctx.cpInvWidth);
    const q = y[IDX.aorticValveFlowMlPerS]!;
    if (q > EJECTION_FLOW_THRESHOLD_ML_PER_S) {
      stats.ejectionSamples++;
      // Echo's mean gradient is the mean of 4v² over ejection: the Bernoulli term, not ΔP.
      stats.sumEjectionGradient += ctx.aorticBernoulli * q * q;
      if (q > stats.maxAorticFlow) stats.maxAorticFlow = q;
    }
    stats.samples++;
  }

  private record(w: BeatWaveforms, i: number, t: number): void {
    const { obs, y, ctx } = this;
    observePressures(obs, y, t, ctx);
    w.tSec[i] = t;
    w.lvPressureMmHg[i] = obs[OBS.lvPressureMmHg]!;
    w.lvVolumeMl[i] = y[IDX.lvVolumeMl]!;
    w.laPressureMmHg[i] = obs[OBS.laPressureMmHg]!;
    w.rvPressureMmHg[i] = obs[OBS.rvPressureMmHg]!;
    w.rvVolumeMl[i] = y[IDX.rvVolumeMl]!;
    w.raPressureMmHg[i] = obs[OBS.raPressureMmHg]!;
    w.aorticPressureMmHg[i] = obs[OBS.aorticRootPressureMmHg]!;
    w.pulmonaryArteryPressureMmHg[i] = obs[OBS.pulArtPressureMmHg]!;
    w.aorticFlowMlPerS[i] = Math.max(0, y[IDX.aorticValveFlowMlPerS]!);
  }

  totalBloodVolumeMl(): number {
    return totalBloodVolumeMl(this.y);
  }
}

export function allocateWaveforms(samples: number): BeatWaveforms {
  return {
    tSec: new Float64Array(samples),
    lvPressureMmHg: new Float64Array(samples),
    lvVolumeMl: new Float64Array(samples),
    laPressureMmHg: new Float64Array(samples),
    rvPressureMmHg: new Float64Array(samples),
    rvVolumeMl: new Float64Array(samples),
    raPressureMmHg: new Float64Array(samples),
    aorticPressureMmHg: new Float64Array(samples),
    pulmonaryArteryPressureMmHg: new Float64Array(samples),
    aorticFlowMlPerS: new Float64Array(samples),
  };
}

/** PRODUCT.md metrics of one observed beat. */
export function metricsFromStats(s: BeatStats, ctx: ModelContext): EngineMetrics {
  const totalSvMl = s.maxLvVolumeMl - s.minLvVolumeMl;
  // Forward stroke volume (what thermodilution and LVOT Doppler measure): the LV's total stroke
  // volume less what functional mitral regurgitation returned to the LA (0 for a competent valve).
  const regurgitantMl = s.samples > 0 ? (s.sumMitralRegurgitantFlow * s.periodSec) / s.samples : 0;
  const svMl = Math.max(0, totalSvMl - regurgitantMl);
  const hrBpm = 60 / s.periodSec;
  return {
    hrBpm,
    // Arterial pressures where they are measured: the aortic root, above the valve (Windkessel
    // pressure plus the characteristic impedance's drop during ejection).
    sbpMmHg: s.maxAorticRootPressure,
    dbpMmHg: s.minAorticRootPressure,
    mapMmHg: s.sumAorticRootPressure / s.samples,
    coLPerMin: (svMl * hrBpm) / 1000,
    svMl,
    ef: totalSvMl / s.maxLvVolumeMl,
    lvedvMl: s.maxLvVolumeMl,
    lvesvMl: s.minLvVolumeMl,
    cvpMmHg: s.sumRaPressure / s.samples,
    pcwpMmHg: s.sumLaPressure / s.samples,
    paSysMmHg: s.maxPulArtPressure,
    paDiaMmHg: s.minPulArtPressure,
    paMeanMmHg: s.sumPulArtPressure / s.samples,
    avMeanGradientMmHg: s.ejectionSamples > 0 ? s.sumEjectionGradient / s.ejectionSamples : 0,
    // Q (mL/s) / EOA (cm²) is cm/s; /100 → m/s.
    avPeakVelocityMPerS: s.maxAorticFlow / ctx.aorticEoaCm2 / 100,
  };
}

export function averageMetrics(list: readonly EngineMetrics[]): EngineMetrics {
  const out = {} as EngineMetrics;
  for (const k of METRIC_KEYS) {
    let sum = 0;
    for (const m of list) sum += m[k];
    out[k] = sum / list.length;
  }
  return out;
}

export interface SettleOptions {
  /** Most beats to spend; the loop stops early once periodic. */
  maxBeats?: number;
  /** Periodicity tolerance on MAP and LV end-diastolic volume between successive beats. */
  tolerance?: number;
}

/**
 * Drive the simulator to its periodic steady state with the baroreflex in equilibrium.
 *
 * The effector drives relax with τ of 20–60 s (tens of beats); instead of integrating them, this
 * holds them fixed within each beat and moves them between beats toward the beat-averaged
 * sympathetic drive (a damped fixed-point iteration on x = ⟨η(P(t))⟩). Its fixed point is exactly
 * the equilibrium of the ODE effectors, dx/dt averaged over a beat = ⟨η⟩ − x = 0. Returns the last
 * beat-to-beat residual (mmHg or mL).
 */
export function settle(sim: Simulator, opts: SettleOptions = {}): number {
  const maxBeats = opts.maxBeats ?? 120;
  const tol = opts.tolerance ?? 0.02;
  const { ctx, y, stats } = sim;
  const wasFrozen = ctx.reflexFrozen;
  ctx.reflexFrozen = true;
  // Damping below 2/(1 + loop gain): the open-loop gain of the default reflex is about 3–5. A
  // stronger reflex (calibration may raise gain or steepness) shows up as drive steps that flip
  // sign; each flip halves the damping, so the iteration cannot oscillate for ever.
  let relax = 0.25;
  let prevStep = 0;
  let prevMap = NaN;
  let prevEdv = NaN;
  let residual = Infinity;
  let calm = 0;
  for (let k = 0; k < maxBeats; k++) {
    sim.runBeat(true);
    const eta = stats.meanDrive;
    const signedStep = eta - y[IDX.baroHrDrive]!;
    if (signedStep * prevStep < 0 && Math.abs(signedStep) > 1e-3) relax = Math.max(0.02, relax * 0.5);
    prevStep = signedStep;
    let driveStep = 0;
    for (const i of DRIVE_INDICES) {
      const d = relax * (eta - y[i]!);
      y[i] = y[i]! + d;
      driveStep = Math.max(driveStep, Math.abs(d));
    }
    if (ctx.cpGain !== 0) {
      const d = relax * (stats.meanCpDrive - y[IDX.cpDrive]!);
      y[IDX.cpDrive] = y[IDX.cpDrive]! + d;
      driveStep = Math.max(driveStep, Math.abs(d));
    }
    const map = stats.meanArterialPressureMmHg;
    const edv = stats.maxLvVolumeMl;
    if (!Number.isFinite(map) || !Number.isFinite(edv)) {
      throw new RangeError('the circulation became numerically unstable: a parameter set far outside its plausible ranges?');
    }
    residual = Math.max(Math.abs(map - prevMap), Math.abs(edv - prevEdv));
    prevMap = map;
    prevEdv = edv;
    calm = residual < tol && ((ctx.baroGain === 0 && ctx.cpGain === 0) || driveStep < 2e-4) ? calm + 1 : 0;
    if (calm >= 3) break;
  }
  ctx.reflexFrozen = wasFrozen;
  return residual;
}

/** Steady state of a parameter set with the baroreflex in equilibrium, plus the last beat's waveforms. */
export function simulateSteadyState(params: ModelParameters, opts: SteadyStateOptions = {}): SteadyStateResult {
  const sim = new Simulator(params, { stepsPerBeat: opts.stepsPerBeat, state: opts.state });
  const settleBeats = opts.warmupBeats ?? 120;
  const residual = settle(sim, { maxBeats: settleBeats });
  return measure(sim, opts.beats ?? 1, residual);
}

/** Average `beats` further beats (reflex held at equilibrium) and record the last one's waveforms. */
export function measure(sim: Simulator, beats: number, residual: number): SteadyStateResult {
  if (!Number.isInteger(beats) || beats < 1) throw new RangeError(`beats must be an integer ≥ 1 (got ${beats})`);
  const list: EngineMetrics[] = [];
  let lvedp = 0;
  let wave = allocateWaveforms(0);
  const wasFrozen = sim.ctx.reflexFrozen;
  sim.ctx.reflexFrozen = true;
  for (let b = 0; b < beats; b++) {
    if (b === beats - 1) wave = allocateWaveforms(sim.stepsForNextBeat() + 1);
    sim.runBeat(true, b === beats - 1 ? wave : undefined);
    list.push(metricsFromStats(sim.stats, sim.ctx));
    lvedp += sim.stats.lvedpMmHg / beats;
  }
  sim.ctx.reflexFrozen = wasFrozen;
  return {
    metrics: averageMetrics(list),
    waveforms: wave,
    diagnostics: {
      lvedpMmHg: lvedp,
      totalBloodVolumeMl: sim.totalBloodVolumeMl(),
      beatsSimulated: sim.beats,
      periodicityResidualMmHg: residual,
    },
  };
}
