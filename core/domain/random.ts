// Seeded pseudo-random numbers for everything that must reproduce from a seed: demo data, the
// monitor feed, ensemble spreads, calibration, fuzz tests. Not for anything security-related.

/** mulberry32 (bryc/code PRNGs.md): 32-bit state, period 2^32; uniform in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One standard normal draw by Box–Muller from two uniforms; 1 − u keeps the log argument in (0, 1]. */
export function standardNormal(rand: () => number): number {
  const u = 1 - rand();
  const v = rand();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}
