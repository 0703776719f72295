// Largest-Triangle-Three-Buckets downsampling (Steinarsson 2013, "Downsampling Time Series for
// Visual Representation", MSc thesis, Univ. of Iceland, ch. 4.2) and the windowing around it, so
// that the vitals timeline draws at most a few thousand points whatever the record holds
// (a year of 1-s monitor data is 3·10⁷ points; recharts stays interactive below ~2·10³ per series).
//
// Pure, no DOM. Series are columnar typed arrays sorted by time (`tMs` ascending); results are
// indices into them, so callers keep their flags (implausible, converted) aligned with the points.

/** Columnar, time-sorted series (ms since epoch; value in the series' canonical unit). */
export interface TimeSeries {
  tMs: Float64Array;
  values: Float64Array;
}

/** First index with tMs[i] ≥ t (n when none), by binary search. */
export function lowerBound(tMs: ArrayLike<number>, t: number, from = 0, to = tMs.length): number {
  let lo = from;
  let hi = to;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (tMs[mid]! < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index with tMs[i] > t (n when none). */
export function upperBound(tMs: ArrayLike<number>, t: number, from = 0, to = tMs.length): number {
  let lo = from;
  let hi = to;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (tMs[mid]! <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Indices of at most `threshold` points of [from, to) chosen by LTTB: the first and last points
 * are always kept, and each bucket in between contributes the point forming the largest triangle
 * with the previously chosen point and the next bucket's mean. Output is strictly increasing.
 * `threshold` < 3 or ≥ the count returns every index in the range.
 */
export function lttbIndices(x: ArrayLike<number>, y: ArrayLike<number>, threshold: number, from = 0, to = x.length): Uint32Array {
  const n = to - from;
  if (!Number.isInteger(threshold) || threshold < 0) throw new Error(`lttb: threshold must be a non-negative integer, got ${threshold}`);
  if (n <= 0) return new Uint32Array(0);
  if (threshold >= n || threshold < 3) {
    const all = new Uint32Array(n);
    for (let i = 0; i < n; i++) all[i] = from + i;
    return all;
  }
  const out = new Uint32Array(threshold);
  const every = (n - 2) / (threshold - 2);
  let a = from;
  out[0] = from;
  for (let b = 0; b < threshold - 2; b++) {
    // Next bucket's mean (the third vertex of the triangle).
    const nextStart = from + Math.floor((b + 1) * every) + 1;
    const nextEnd = Math.min(from + Math.floor((b + 2) * every) + 1, to);
    let avgX = 0;
    let avgY = 0;
    const len = nextEnd - nextStart;
    for (let i = nextStart; i < nextEnd; i++) {
      avgX += x[i]!;
      avgY += y[i]!;
    }
    if (len > 0) {
      avgX /= len;
      avgY /= len;
    } else {
      avgX = x[to - 1]!;
      avgY = y[to - 1]!;
    }
    const start = from + Math.floor(b * every) + 1;
    const end = from + Math.floor((b + 1) * every) + 1;
    const ax = x[a]!;
    const ay = y[a]!;
    let maxArea = -1;
    let chosen = start;
    for (let i = start; i < end; i++) {
      const area = Math.abs((ax - avgX) * (y[i]! - ay) - (ax - x[i]!) * (avgY - ay));
      if (area > maxArea) {
        maxArea = area;
        chosen = i;
      }
    }
    out[b + 1] = chosen;
    a = chosen;
  }
  out[threshold - 1] = to - 1;
  return out;
}

/** Indices of the points of `s` inside [t0Ms, t1Ms], downsampled to at most `maxPoints`. */
export function downsampleWindow(s: TimeSeries, t0Ms: number, t1Ms: number, maxPoints: number): Uint32Array {
  const from = lowerBound(s.tMs, t0Ms);
  const to = upperBound(s.tMs, t1Ms, from);
  return lttbIndices(s.tMs, s.values, maxPoints, from, to);
}

/** A stretch without data longer than the expected sampling allows (shaded on the chart). */
export interface Gap {
  startMs: number;
  endMs: number;
}

/**
 * Gaps of [t0Ms, t1Ms] in a sorted time column: consecutive samples further apart than
 * `minGapMs`. Because the record mixes a 5-min monitor with yearly clinic visits, callers pass a
 * window-dependent threshold (e.g. 5 % of the visible span) so a zoomed-out view is not all gap.
 */
export function findGaps(tMs: ArrayLike<number>, t0Ms: number, t1Ms: number, minGapMs: number): Gap[] {
  const gaps: Gap[] = [];
  const from = Math.max(0, lowerBound(tMs, t0Ms) - 1);
  const to = Math.min(tMs.length, lowerBound(tMs, t1Ms) + 1);
  for (let i = from + 1; i < to; i++) {
    const prev = tMs[i - 1]!;
    const cur = tMs[i]!;
    if (cur - prev > minGapMs) gaps.push({ startMs: Math.max(prev, t0Ms), endMs: Math.min(cur, t1Ms) });
  }
  return gaps.filter((g) => g.endMs > g.startMs);
}
