// Seeded random numbers for calibration, ensembles and twin experiments. Reproducibility matters
// more than quality here: a run with the same seed gives the same posterior, so a clinician's
// "Recalibrate" with unchanged data changes nothing and tests are deterministic.

import { mulberry32 } from '../../../core/domain/random';

/** mulberry32: a small 32-bit generator, period 2^32, good enough for Monte Carlo of this size. */
export class Rng {
  /** Uniform in [0, 1). */
  readonly uniform: () => number;
  private spare: number | undefined;

  constructor(seed: number) {
    this.uniform = mulberry32(seed >>> 0 || 0x9e3779b9);
  }

  /** Standard normal (Marsaglia polar method; keeps the second value). */
  normal(): number {
    if (this.spare !== undefined) {
      const s = this.spare;
      this.spare = undefined;
      return s;
    }
    let u = 0;
    let v = 0;
    let s = 0;
    do {
      u = 2 * this.uniform() - 1;
      v = 2 * this.uniform() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const f = Math.sqrt((-2 * Math.log(s)) / s);
    this.spare = v * f;
    return u * f;
  }

  /** Laplace (double exponential) with mean 0 and variance 1: scale b = 1/√2, by inversion. */
  laplace(): number {
    let u = 0;
    do u = this.uniform() - 0.5;
    while (u === -0.5);
    return -Math.SQRT1_2 * Math.sign(u) * Math.log(1 - 2 * Math.abs(u));
  }
}
