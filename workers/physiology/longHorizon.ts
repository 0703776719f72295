// Hours-long scenarios. Two schemes over the same model and InputSchedule:
//
// * runMultiScale (production): a quasi-steady-state scheme. Beats (≈ 1 s) and the baroreflex
//   (τ 20–60 s) are fast next to drug levels and volume shifts (minutes to hours), so at each
//   macro step (sampleSec, 60 s by default) the slow inputs are advanced exactly (closed-form PK,
//   volume ramps added to the systemic veins) and the hemodynamics are re-solved to their periodic
//   steady state with the reflex in equilibrium (settle, warm-started from the previous state).
//   A re-solve is skipped while the inputs have moved less than RESOLVE_TOLERANCE since the last
//   one, so a quiet stretch of a 24-h run costs nothing. What it neglects is the lag of the
//   reflex and of venous filling within a minute; its error against a beat-resolved run is
//   measured in longHorizon.test.ts and stated in the README.
// * runBeatResolved (reference): every beat integrated with the ODE baroreflex, inputs updated at
//   each beat start, the volume source per beat set so that exactly the scheduled volume enters.
import { ScenarioError, type BeatWaveforms, type EngineMetrics, type Intervention, type ModelParameters, type TrajectoryPoint } from '../../core/domain/physiology';
import { InputSchedule } from './interventions';
import { throwIfAborted } from '../../core/domain/abort';
import { addSystemicVenousVolumeMl, currentHeartRateBpm } from './model';
import { Simulator, measure, metricsFromStats, settle } from './simulator';

/** Inputs must move this much since the last re-solve before the hemodynamics are re-solved. */
export const RESOLVE_TOLERANCE = {
  /** Absolute change of any fractional multiplier (HR, EA, R). */
  multiplier: 0.005,
  /** Venous unstressed-volume shift or net external volume (mL). */
  volumeMl: 10,
} as const;

export interface HorizonOptions {
  sampleSec?: number;
  signal?: AbortSignal;
  onProgress?: (fraction: number) => void;
  stepsPerBeat?: number;
}

export interface HorizonResult {
  trajectory: TrajectoryPoint[];
  metrics: EngineMetrics;
  waveforms: BeatWaveforms;
  /** Hemodynamic re-solves (multi-scale) or beats (beat-resolved) spent. */
  work: number;
}

/** Default trajectory sampling: every 60 s, or 1/10 of a shorter horizon (at least 5 s). */
export function defaultSampleSec(durationSec: number): number {
  return durationSec >= 600 ? 60 : Math.max(5, durationSec / 10);
}

function point(tSec: number, m: EngineMetrics, sim: Simulator): TrajectoryPoint {
  return { tSec, ...m, bloodVolumeMl: sim.totalBloodVolumeMl() };
}

function weightOf(weightKg: number | undefined): number {
  return weightKg ?? 75;
}

/** Below this fraction of the starting blood volume the model (no shock physiology) does not apply. */
export const MIN_BLOOD_VOLUME_FRACTION = 0.5;

function checkVolume(sim: Simulator, params: ModelParameters, tSec: number): void {
  const v = sim.totalBloodVolumeMl();
  if (v < MIN_BLOOD_VOLUME_FRACTION * params.bloodVolumeMl) {
    throw new ScenarioError(
      'interventions',
      `by t = ${Math.round(tSec)} s the scheduled losses leave ${Math.round(v)} mL of ${Math.round(params.bloodVolumeMl)} mL blood volume; below ${MIN_BLOOD_VOLUME_FRACTION * 100}% the model (no shock physiology) does not apply`,
    );
  }
}

export function runMultiScale(
  params: ModelParameters,
  interventions: readonly Intervention[],
  durationSec: number,
  weightKg: number | undefined,
  opts: HorizonOptions = {},
): HorizonResult {
  const sampleSec = opts.sampleSec ?? defaultSampleSec(durationSec);
  const sim = new Simulator(params, { stepsPerBeat: opts.stepsPerBeat });
  const sched = new InputSchedule(interventions, weightOf(weightKg), params.aorticValveEoaCm2, params.bloodVolumeMl);
  const { ctx, y } = sim;
  // Baseline before any intervention acts: the sample at t = 0.
  let residual = settle(sim);
  let solves = 1;
  let current = metricsFromStats(sim.stats, ctx);
  const trajectory: TrajectoryPoint[] = [point(0, current, sim)];
  let prevExternalMl = 0;
  let pendingVolumeMl = 0;
  let solved = { hr: 1, e: 1, r: 1, vu: 0, bb: 0, eoa: ctx.aorticEoaCm2, paced: 0 };
  const steps = Math.max(1, Math.ceil(durationSec / sampleSec - 1e-9));
  for (let k = 1; k <= steps; k++) {
    throwIfAborted(opts.signal, 'the simulation');
    const t = Math.min(durationSec, k * sampleSec);
    sched.advanceTo(t);
    const ext = sched.externalVolumeMl();
    const dV = ext - prevExternalMl;
    prevExternalMl = ext;
    addSystemicVenousVolumeMl(y, dV);
    pendingVolumeMl += dV;
    checkVolume(sim, params, t);
    sched.applyTo(ctx);
    const moved =
      k === 1 ||
      Math.abs(pendingVolumeMl) > RESOLVE_TOLERANCE.volumeMl ||
      Math.abs(ctx.hrMultiplier - solved.hr) > RESOLVE_TOLERANCE.multiplier ||
      Math.abs(ctx.elastanceMultiplier - solved.e) > RESOLVE_TOLERANCE.multiplier ||
      Math.abs(ctx.resistanceMultiplier - solved.r) > RESOLVE_TOLERANCE.multiplier ||
      Math.abs(ctx.venousUnstressedDeltaMl - solved.vu) > RESOLVE_TOLERANCE.volumeMl ||
      Math.abs(ctx.reflexBetaBlockade - solved.bb) > RESOLVE_TOLERANCE.multiplier ||
      ctx.aorticEoaCm2 !== solved.eoa ||
      ctx.pacedHrBpm !== solved.paced;
    if (moved) {
      residual = settle(sim, { maxBeats: 80, tolerance: 0.05 });
      solves++;
      current = metricsFromStats(sim.stats, ctx);
      pendingVolumeMl = 0;
      solved = {
        hr: ctx.hrMultiplier,
        e: ctx.elastanceMultiplier,
        r: ctx.resistanceMultiplier,
        vu: ctx.venousUnstressedDeltaMl,
        bb: ctx.reflexBetaBlockade,
        eoa: ctx.aorticEoaCm2,
        paced: ctx.pacedHrBpm,
      };
    }
    trajectory.push(point(t, current, sim));
    opts.onProgress?.(k / steps);
  }
  const final = measure(sim, 1, residual);
  return { trajectory, metrics: final.metrics, waveforms: final.waveforms, work: solves };
}

export interface EndpointOptions {
  stepsPerBeat?: number;
  /** Warm start: a settled state of a similar parameter set (its total volume is corrected). */
  state?: Float64Array;
}

/**
 * The multi-scale scheme's state at t = durationSec without its trajectory. Under the
 * quasi-steady-state assumption the hemodynamics at any time depend only on the inputs at that
 * time (drug effects, EOA, pacing) and on the blood volume (initial + scheduled external volume),
 * so the endpoint is one settle at the final inputs. Ensemble members, which report endpoint
 * percentiles only, use this (longHorizon.test.ts checks it against runMultiScale's last point).
 */
export function runEndpoint(
  params: ModelParameters,
  interventions: readonly Intervention[],
  durationSec: number,
  weightKg: number | undefined,
  opts: EndpointOptions = {},
): { metrics: EngineMetrics; state: Float64Array } {
  const sim = new Simulator(params, { stepsPerBeat: opts.stepsPerBeat, state: opts.state });
  const sched = new InputSchedule(interventions, weightOf(weightKg), params.aorticValveEoaCm2, params.bloodVolumeMl);
  sched.advanceTo(durationSec);
  sched.applyTo(sim.ctx);
  // Put exactly this member's blood volume plus the scheduled external volume in circulation.
  const targetMl = params.bloodVolumeMl + sched.externalVolumeMl();
  addSystemicVenousVolumeMl(sim.y, targetMl - sim.totalBloodVolumeMl());
  checkVolume(sim, params, durationSec);
  const residual = settle(sim);
  return { metrics: measure(sim, 1, residual).metrics, state: Float64Array.from(sim.y) };
}

/** Beat-by-beat reference run (ODE baroreflex); the same trajectory sampling as runMultiScale. */
export function runBeatResolved(
  params: ModelParameters,
  interventions: readonly Intervention[],
  durationSec: number,
  weightKg: number | undefined,
  opts: HorizonOptions = {},
): HorizonResult {
  const sampleSec = opts.sampleSec ?? defaultSampleSec(durationSec);
  const sim = new Simulator(params, { stepsPerBeat: opts.stepsPerBeat });
  const sched = new InputSchedule(interventions, weightOf(weightKg), params.aorticValveEoaCm2, params.bloodVolumeMl);
  const { ctx, y } = sim;
  settle(sim);
  ctx.reflexFrozen = false;
  const trajectory: TrajectoryPoint[] = [point(0, metricsFromStats(sim.stats, ctx), sim)];
  let prevExternalMl = 0;
  let nextSample = sampleSec;
  let t = 0;
  while (t < durationSec - 1e-9) {
    throwIfAborted(opts.signal, 'the simulation');
    sched.advanceTo(t);
    sched.applyTo(ctx);
    const period = 60 / currentHeartRateBpm(ctx, y);
    sched.advanceTo(t + period);
    const ext = sched.externalVolumeMl();
    ctx.volumeSourceMlPerS = (ext - prevExternalMl) / period;
    prevExternalMl = ext;
    sim.runBeat(true);
    checkVolume(sim, params, t);
    t += period;
    while (t >= nextSample - 1e-9 && nextSample <= durationSec + 1e-9) {
      trajectory.push(point(nextSample, metricsFromStats(sim.stats, ctx), sim));
      nextSample += sampleSec;
    }
    opts.onProgress?.(Math.min(1, t / durationSec));
  }
  ctx.volumeSourceMlPerS = 0;
  // Catch a final sample the last beat skipped past by rounding.
  if (trajectory.length < Math.ceil(durationSec / sampleSec - 1e-9) + 1) trajectory.push(point(durationSec, metricsFromStats(sim.stats, ctx), sim));
  const final = measure(sim, 1, 0);
  return { trajectory, metrics: final.metrics, waveforms: final.waveforms, work: sim.beats };
}
