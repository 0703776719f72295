// The two baselines the twin's forecasts are scored against, issued at the same times from the
// same readings (each vital's own past, nothing else):
//
// 1. Persistence with empirical bands: the median is the last reading; the bands are the
//    empirical percentiles of this patient's own past changes over the same lead time (pairs of
//    readings `h` apart, ±tolerance). It needs MIN_PAIRS such pairs, so it starts later at
//    longer horizons.
// 2. Simple exponential smoothing, ETS(A,N,N) (Hyndman & Athanasopoulos, Forecasting: Principles
//    and Practice, 3rd ed., §8.1 and §8.7, Table 8.8): level ℓ ← ℓ + α (y − ℓ) over the readings
//    in time order; α chosen on the past by least squares of one-step errors over a grid; Gaussian
//    bands with variance σ² (1 + α² (k − 1)), k = lead time in sampling steps (the median spacing
//    of the past readings), σ² from the one-step errors.
//
// Pure; allocation per call is small (these run once per issued forecast).
import type { Percentiles } from '../../../core/domain/physiology';
import { gaussianPercentiles, lastIndexAtOrBefore, nearestIndex } from '../../../core/vitals/forecastScores';
import { quantileSorted } from '../ensemble/percentiles';

/** A vital's readings so far, oldest first (time in ms, value in the vital's unit). */
export interface Series {
  tMs: readonly number[];
  value: readonly number[];
}

export const MIN_PAIRS = 5;
export const MIN_POINTS_SES = 5;
const ALPHA_GRID = [0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1];

/**
 * Persistence forecast issued at `issuedAtMs` for lead `horizonH`, from readings at or before it.
 * Undefined when there is no reading yet or fewer than MIN_PAIRS past changes over that lead.
 */
export function persistenceForecast(s: Series, issuedAtMs: number, horizonH: number, toleranceMs: number): Percentiles | undefined {
  const n = lastIndexAtOrBefore(s.tMs, issuedAtMs) + 1;
  if (n === 0) return undefined;
  const lagMs = horizonH * 3_600_000;
  const changes: number[] = [];
  for (let i = 0; i < n; i++) {
    const target = s.tMs[i]! + lagMs;
    if (target > issuedAtMs + toleranceMs) break;
    const j = nearestIndex(s.tMs, target, toleranceMs, n);
    if (j > i) changes.push(s.value[j]! - s.value[i]!);
  }
  if (changes.length < MIN_PAIRS) return undefined;
  changes.sort((a, b) => a - b);
  const last = s.value[n - 1]!;
  return {
    p05: last + quantileSorted(changes, 0.05),
    p25: last + quantileSorted(changes, 0.25),
    p50: last,
    p75: last + quantileSorted(changes, 0.75),
    p95: last + quantileSorted(changes, 0.95),
  };
}

/** ETS(A,N,N) forecast (see top). Undefined with fewer than MIN_POINTS_SES readings. */
export function sesForecast(s: Series, issuedAtMs: number, horizonH: number): Percentiles | undefined {
  const n = lastIndexAtOrBefore(s.tMs, issuedAtMs) + 1;
  if (n < MIN_POINTS_SES) return undefined;
  let best = { alpha: 1, sse: Infinity, level: s.value[n - 1]! };
  for (const alpha of ALPHA_GRID) {
    let level = s.value[0]!;
    let sse = 0;
    for (let i = 1; i < n; i++) {
      const e = s.value[i]! - level;
      sse += e * e;
      level += alpha * e;
    }
    if (sse < best.sse) best = { alpha, sse, level };
  }
  const sigma = Math.sqrt(best.sse / Math.max(1, n - 2));
  const gaps: number[] = [];
  for (let i = 1; i < n; i++) gaps.push(s.tMs[i]! - s.tMs[i - 1]!);
  gaps.sort((a, b) => a - b);
  const stepMs = Math.max(60_000, quantileSorted(gaps, 0.5));
  const k = Math.max(1, (horizonH * 3_600_000) / stepMs);
  const sd = sigma * Math.sqrt(1 + best.alpha * best.alpha * (k - 1));
  return gaussianPercentiles(best.level, sd);
}
