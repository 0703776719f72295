// Fixed-step classical Runge–Kutta (RK4) over Float64Array, hand-written for the circulation.
//
// Why fixed-step RK4 and not an adaptive pair: the model's fast dynamics are bounded (valve and
// inertance time constants of a few ms), beats have a fixed period that a fixed step can land on
// exactly (no step straddles a change of HR), and the activation and valve kinks would make an
// adaptive controller reject steps around every valve event. A fixed number of steps per beat
// keeps the cost per beat constant and predictable for ensembles, and the accuracy against a
// fine-step reference is tested (integrator.test.ts: ≤ 0.5 mmHg, ≤ 0.5 mL over 10 beats).

/** dy/dt = f(t, y) written into `dydt`; must not allocate. */
export type Rhs<C> = (dydt: Float64Array, y: Float64Array, tSec: number, ctx: C) => void;

/** RK4 work arrays for one state size; reuse one per simulation, never per step. */
export class Rk4Stepper {
  readonly n: number;
  private readonly k1: Float64Array;
  private readonly k2: Float64Array;
  private readonly k3: Float64Array;
  private readonly k4: Float64Array;
  private readonly tmp: Float64Array;

  constructor(n: number) {
    this.n = n;
    this.k1 = new Float64Array(n);
    this.k2 = new Float64Array(n);
    this.k3 = new Float64Array(n);
    this.k4 = new Float64Array(n);
    this.tmp = new Float64Array(n);
  }

  /** Advance y in place from t to t + dt. */
  step<C>(f: Rhs<C>, y: Float64Array, t: number, dt: number, ctx: C): void {
    const { n, k1, k2, k3, k4, tmp } = this;
    const h2 = 0.5 * dt;
    f(k1, y, t, ctx);
    for (let i = 0; i < n; i++) tmp[i] = y[i]! + h2 * k1[i]!;
    f(k2, tmp, t + h2, ctx);
    for (let i = 0; i < n; i++) tmp[i] = y[i]! + h2 * k2[i]!;
    f(k3, tmp, t + h2, ctx);
    for (let i = 0; i < n; i++) tmp[i] = y[i]! + dt * k3[i]!;
    f(k4, tmp, t + dt, ctx);
    const h6 = dt / 6;
    for (let i = 0; i < n; i++) y[i] = y[i]! + h6 * (k1[i]! + 2 * k2[i]! + 2 * k3[i]! + k4[i]!);
  }

  /** Advance y in place from t0 over `steps` equal steps of size dt. */
  run<C>(f: Rhs<C>, y: Float64Array, t0: number, dt: number, steps: number, ctx: C): void {
    for (let s = 0; s < steps; s++) this.step(f, y, t0 + s * dt, dt, ctx);
  }
}
