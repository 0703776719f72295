// Percentile bands of an ensemble (the clinician's 50 % and 90 % bands).
import type { Percentiles } from '../../../core/domain/physiology';

/**
 * Linear-interpolation quantile (Hyndman & Fan type 7, the default of R and NumPy) of the first
 * `count` values of an ascending-sorted array.
 */
export function quantileSorted(sorted: ArrayLike<number>, q: number, count = sorted.length): number {
  if (count === 0) return NaN;
  const h = (count - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, count - 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

/**
 * p05…p95 of `count` values read with a stride from `values` (column `offset` of a row-major
 * matrix with `stride` columns). `scratch` must hold `count` numbers; it is overwritten, so a caller
 * summarising many columns reuses one buffer.
 */
export function percentilesOfColumn(
  values: Float64Array,
  count: number,
  stride: number,
  offset: number,
  scratch: Float64Array,
  transform?: (v: number) => number,
): Percentiles {
  for (let k = 0; k < count; k++) {
    const v = values[k * stride + offset]!;
    scratch[k] = transform === undefined ? v : transform(v);
  }
  const s = scratch.subarray(0, count).sort();
  return {
    p05: quantileSorted(s, 0.05),
    p25: quantileSorted(s, 0.25),
    p50: quantileSorted(s, 0.5),
    p75: quantileSorted(s, 0.75),
    p95: quantileSorted(s, 0.95),
  };
}
