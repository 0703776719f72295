// The integrator: RK4's convergence order on a problem with a known solution, and the production
// step count's accuracy on the circulation against a fine-step reference (issue 6: ≤ 0.5 mmHg and
// ≤ 0.5 mL over 10 beats).
import { describe, expect, it } from 'vitest';
import { type PresetName } from '../../src/domain/physiology';
import { Rk4Stepper } from './integrator';
import { VOLUME_INDICES } from './model';
import { resolveParameters } from './presets';
import { DEFAULT_STEPS_PER_BEAT, Simulator, allocateWaveforms, settle } from './simulator';

/** y'' = −ω²y as a first-order system: exact solution y = cos ωt, y' = −ω sin ωt. */
function oscillatorError(steps: number): number {
  const omega = 2;
  const tEnd = 3;
  const y = Float64Array.of(1, 0);
  const stepper = new Rk4Stepper(2);
  const f = (dydt: Float64Array, s: Float64Array, _t: number, w: number) => {
    dydt[0] = s[1]!;
    dydt[1] = -w * w * s[0]!;
  };
  stepper.run(f, y, 0, tEnd / steps, steps, omega);
  return Math.hypot(y[0]! - Math.cos(omega * tEnd), y[1]! + omega * Math.sin(omega * tEnd));
}

describe('Rk4Stepper', () => {
  it('converges with order 4 on a harmonic oscillator (error ratio ≈ 16 per halving)', () => {
    const e1 = oscillatorError(50);
    const e2 = oscillatorError(100);
    const e3 = oscillatorError(200);
    const order1 = Math.log2(e1 / e2);
    const order2 = Math.log2(e2 / e3);
    expect(order1).toBeGreaterThan(3.8);
    expect(order1).toBeLessThan(4.2);
    expect(order2).toBeGreaterThan(3.8);
    expect(order2).toBeLessThan(4.2);
  });

  it('integrates a non-autonomous linear ODE to its closed form (y′ = −y + sin t)', () => {
    // Exact: y = (3/2)e^{−t} + (sin t − cos t)/2 with y(0) = 1.
    const y = Float64Array.of(1);
    new Rk4Stepper(1).run((d, s, t) => { d[0] = -s[0]! + Math.sin(t); }, y, 0, 0.01, 500, null);
    const exact = 1.5 * Math.exp(-5) + (Math.sin(5) - Math.cos(5)) / 2;
    expect(Math.abs(y[0]! - exact)).toBeLessThan(1e-9);
  });
});

const PRESSURES = ['lvPressureMmHg', 'laPressureMmHg', 'rvPressureMmHg', 'raPressureMmHg', 'aorticPressureMmHg', 'pulmonaryArteryPressureMmHg'] as const;
const VOLUMES = ['lvVolumeMl', 'rvVolumeMl'] as const;

/** Max |production − reference| over 10 beats at every production sample (same start state). */
export function productionError(preset: PresetName, refStepsPerBeat = 4000): { pressureMmHg: number; volumeMl: number } {
  const params = resolveParameters({ preset });
  const start = new Simulator(params);
  settle(start);
  const n = DEFAULT_STEPS_PER_BEAT;
  const ratio = refStepsPerBeat / n;
  const prod = new Simulator(params, { state: start.y });
  const ref = new Simulator(params, { state: start.y, stepsPerBeat: refStepsPerBeat });
  // The baroreflex integrates as an ODE here (not frozen): the full model is compared.
  prod.ctx.reflexFrozen = false;
  ref.ctx.reflexFrozen = false;
  const wp = allocateWaveforms(n + 1);
  const wr = allocateWaveforms(refStepsPerBeat + 1);
  let pressureMmHg = 0;
  let volumeMl = 0;
  for (let b = 0; b < 10; b++) {
    prod.runBeat(true, wp);
    ref.runBeat(true, wr);
    for (let i = 0; i <= n; i++) {
      for (const k of PRESSURES) pressureMmHg = Math.max(pressureMmHg, Math.abs(wp[k][i]! - wr[k][i * ratio]!));
      for (const k of VOLUMES) volumeMl = Math.max(volumeMl, Math.abs(wp[k][i]! - wr[k][i * ratio]!));
    }
    for (const i of VOLUME_INDICES) volumeMl = Math.max(volumeMl, Math.abs(prod.y[i]! - ref.y[i]!));
  }
  return { pressureMmHg, volumeMl };
}

describe('production integrator accuracy (issue 6: ≤ 0.5 mmHg, ≤ 0.5 mL over 10 beats)', () => {
  it.each(['healthy', 'hfref', 'severe-as'] as const)('%s: 200 steps/beat vs a 4000-step reference', (preset) => {
    const e = productionError(preset);
    expect(e.pressureMmHg).toBeLessThan(0.5);
    expect(e.volumeMl).toBeLessThan(0.5);
  });
});
