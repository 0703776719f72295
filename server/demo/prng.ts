// A small seeded PRNG (mulberry32) so demo data is identical on every machine for a given seed.
// Not for anything security-related.

import { mulberry32, standardNormal } from '../../core/domain/random';

export interface Prng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Standard normal (Box–Muller). */
  normal(): number;
}

export function createPrng(seed: number): Prng {
  const next = mulberry32(seed);
  return { next, normal: () => standardNormal(next) };
}
