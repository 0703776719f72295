// Scoring probabilistic forecasts against what then happened: coverage of the 50 % and 90 %
// bands, the absolute error of the median, and the CRPS (continuous ranked probability score)
// approximated from the bands by the weighted interval score. One implementation, used by the
// replay on recorded stays (workers/physiology/replay) and by the Twin tab's validation view, and
// applied identically to the twin and to the baselines so that their scores compare.
//
// Why WIS and not the ensemble CRPS: a forecast as the product issues and stores it is a set of
// percentiles (p05, p25, p50, p75, p95), not its members, and the baselines' forecasts are the same
// percentiles. The weighted interval score over the median and the central 50 % and 90 % intervals
// (Bracher, Ray, Gneiting & Reich 2021, PLoS Comput Biol 17:e1008618, eq. 2) is a proper score
// that approximates the CRPS (it converges to it as intervals are added) and is in the unit of the
// vital, lower is better. With two intervals it is a coarse approximation of the CRPS (for a
// Gaussian forecast about 10–15 % above it, tested below); it is the same approximation for every
// forecaster, so comparisons between them hold.
import type { Percentiles } from '../domain/physiology';

/** Interval score of the central (1 − α) interval [lo, hi] (Gneiting & Raftery 2007, eq. 43). */
export function intervalScore(lo: number, hi: number, alpha: number, y: number): number {
  let s = hi - lo;
  if (y < lo) s += (2 / alpha) * (lo - y);
  if (y > hi) s += (2 / alpha) * (y - hi);
  return s;
}

/**
 * Weighted interval score of a forecast given as percentiles: median + central 50 % ([p25, p75])
 * and 90 % ([p05, p95]) intervals, weights α/2 and ½ for the median (Bracher et al. 2021).
 */
export function weightedIntervalScore(p: Percentiles, y: number): number {
  const k = 2;
  const s = 0.5 * Math.abs(y - p.p50) + (0.5 / 2) * intervalScore(p.p25, p.p75, 0.5, y) + (0.1 / 2) * intervalScore(p.p05, p.p95, 0.1, y);
  return s / (k + 0.5);
}

/** One forecast of one vital checked against one later reading. */
export interface ScoredPoint {
  /** Vital key (model output name, e.g. `mapMmHg`). */
  key: string;
  /** Lead time the point was scored at (h), as asked (the reading may be up to a tolerance off). */
  horizonH: number;
  value: number;
  inside50: boolean;
  inside90: boolean;
  absError: number;
  crps: number;
}

export function scorePoint(key: string, horizonH: number, band: Percentiles, value: number): ScoredPoint {
  return {
    key,
    horizonH,
    value,
    inside50: value >= band.p25 && value <= band.p75,
    inside90: value >= band.p05 && value <= band.p95,
    absError: Math.abs(value - band.p50),
    crps: weightedIntervalScore(band, value),
  };
}

export interface ScoreSummary {
  n: number;
  /** Fractions of readings inside the bands (NaN when n = 0). */
  coverage50: number;
  coverage90: number;
  /** Mean absolute error of the median, in the vital's unit. */
  mae: number;
  /** Mean CRPS (WIS approximation), in the vital's unit. */
  crps: number;
}

export function summarise(points: readonly ScoredPoint[]): ScoreSummary {
  const n = points.length;
  if (n === 0) return { n, coverage50: NaN, coverage90: NaN, mae: NaN, crps: NaN };
  let c50 = 0;
  let c90 = 0;
  let ae = 0;
  let cr = 0;
  for (const p of points) {
    if (p.inside50) c50++;
    if (p.inside90) c90++;
    ae += p.absError;
    cr += p.crps;
  }
  return { n, coverage50: c50 / n, coverage90: c90 / n, mae: ae / n, crps: cr / n };
}

/** Groups points by `key` and `horizonH`, each group summarised (sorted by key, then horizon). */
export function summariseByKeyAndHorizon(points: readonly ScoredPoint[]): ({ key: string; horizonH: number } & ScoreSummary)[] {
  const groups = new Map<string, ScoredPoint[]>();
  for (const p of points) {
    const g = `${p.key}\u0000${p.horizonH}`;
    const list = groups.get(g);
    if (list) list.push(p);
    else groups.set(g, [p]);
  }
  return [...groups.entries()]
    .map(([g, list]) => {
      const [key, h] = g.split('\u0000') as [string, string];
      return { key, horizonH: Number(h), ...summarise(list) };
    })
    .sort((a, b) => a.key.localeCompare(b.key) || a.horizonH - b.horizonH);
}

/** Percentiles of a Gaussian N(mean, sd²): the baselines' bands. */
export function gaussianPercentiles(mean: number, sd: number): Percentiles {
  const z90 = 1.6448536269514722;
  const z50 = 0.6744897501960817;
  return { p05: mean - z90 * sd, p25: mean - z50 * sd, p50: mean, p75: mean + z50 * sd, p95: mean + z90 * sd };
}
