// The integrator: RK4's convergence order on a problem with a known solution, and the production
// step count's accuracy on the circulation against a fine-step reference (issue 6: ≤ 0.5 mmHg and
// ≤ 0.5 mL over 10 beats).
import { describe, expect, it } from 'vitest';
import { Rk4Stepper } from './integrator';
import { productionError } from './accuracy';
import { resolveParameters } from './presets';

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

describe('production integrator accuracy (issue 6: ≤ 0.5 mmHg, ≤ 0.5 mL over 10 beats)', () => {
  it.each(['healthy', 'hfref', 'severe-as'] as const)('%s: 5.2 ms steps vs a 20× finer reference', (preset) => {
    const e = productionError(preset);
    expect(e.pressureMmHg).toBeLessThan(0.5);
    expect(e.volumeMl).toBeLessThan(0.5);
  });

  it.each([40, 150])('open-loop heart rate %i bpm: the step cap keeps the same accuracy', (hr) => {
    const e = productionError(resolveParameters({ parameters: { heartRateBpm: hr, baroGain: 0 } }), { refinement: 10 });
    expect(e.pressureMmHg).toBeLessThan(0.5);
    expect(e.volumeMl).toBeLessThan(0.5);
  });

  it('the measured error shrinks as the grid is refined (the check is sensitive, not vacuous)', () => {
    // Coarsest grid the stability cap allows (≈ 6.5 ms) vs a 1.3 ms grid, on volumes: the reported
    // aortic-root pressure has a kink at valve opening and closure (Zc × forward flow), so its
    // sampled error does not shrink smoothly, though it stays below 0.06 mmHg on every grid.
    const coarse = productionError('healthy', { stepsPerBeat: 20, maxStepSec: 0.05 });
    const fine = productionError('healthy', { maxStepSec: 0.0013 });
    expect(coarse.volumeMl).toBeGreaterThan(0.01);
    expect(fine.volumeMl).toBeLessThan(coarse.volumeMl / 10);
    expect(fine.pressureMmHg).toBeLessThan(0.06);
  });
});
