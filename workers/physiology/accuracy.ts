// Accuracy of the production integrator against a fine-step reference, shared by
// integrator.test.ts (asserts it) and bench/solver.bench.ts (reports it).
import { type ModelParameters, type PresetName } from '../../core/domain/physiology';
import { VOLUME_INDICES } from './model';
import { resolveParameters } from './presets';
import { Simulator, allocateWaveforms, settle } from './simulator';

const PRESSURES = ['lvPressureMmHg', 'laPressureMmHg', 'rvPressureMmHg', 'raPressureMmHg', 'aorticPressureMmHg', 'pulmonaryArteryPressureMmHg'] as const;
const VOLUMES = ['lvVolumeMl', 'rvVolumeMl'] as const;

export interface AccuracyOptions {
  /** Reference grid: this many times finer on the same beats (default 20). */
  refinement?: number;
  stepsPerBeat?: number;
  maxStepSec?: number;
  beats?: number;
}

/**
 * Max |production − reference| over `beats` beats (default 10) at every production sample, from
 * the same settled start, with the baroreflex integrated as an ODE (the full model).
 */
export function productionError(model: PresetName | ModelParameters, opts: AccuracyOptions = {}): { pressureMmHg: number; volumeMl: number } {
  const params = typeof model === 'string' ? resolveParameters({ preset: model }) : model;
  const refinement = opts.refinement ?? 20;
  const start = new Simulator(params);
  settle(start);
  const prod = new Simulator(params, { state: start.y, stepsPerBeat: opts.stepsPerBeat, maxStepSec: opts.maxStepSec });
  const ref = new Simulator(params, { state: start.y, stepsPerBeat: opts.stepsPerBeat, maxStepSec: opts.maxStepSec, refinement });
  prod.ctx.reflexFrozen = false;
  ref.ctx.reflexFrozen = false;
  let pressureMmHg = 0;
  let volumeMl = 0;
  for (let b = 0; b < (opts.beats ?? 10); b++) {
    const n = prod.stepsForNextBeat();
    const wp = allocateWaveforms(n + 1);
    const wr = allocateWaveforms(n * refinement + 1);
    prod.runBeat(true, wp);
    ref.runBeat(true, wr);
    for (let i = 0; i <= n; i++) {
      for (const k of PRESSURES) pressureMmHg = Math.max(pressureMmHg, Math.abs(wp[k][i]! - wr[k][i * refinement]!));
      for (const k of VOLUMES) volumeMl = Math.max(volumeMl, Math.abs(wp[k][i]! - wr[k][i * refinement]!));
    }
    for (const i of VOLUME_INDICES) volumeMl = Math.max(volumeMl, Math.abs(prod.y[i]! - ref.y[i]!));
  }
  return { pressureMmHg, volumeMl };
}
