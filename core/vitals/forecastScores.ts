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
// vital, lower is better. With two intervals it is a coarse approximation of the CRPS: for a
// Gaussian forecast and outcomes drawn from it, the expected WIS is 0.88 × the expected CRPS
// (σ/√π), tested in forecastScores.test.ts. It is the same approximation for every forecaster, so
// comparisons between them hold.
import type { Percentiles } from '../domain/physiology';
import type { NormalisedObservation } from './fhir-vitals';
import { bandAt, type IssuedForecast } from './forecastCoverage';
import { siteKey, siteOfLoinc, type MeasurementSite } from './observation-model';

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
  /** value − median: positive when the reading came out above the forecast's median. */
  signedError: number;
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
    signedError: value - band.p50,
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
  /** Mean of value − median (bias of the median; positive: readings above it). */
  bias: number;
  /** Mean CRPS (WIS approximation), in the vital's unit. */
  crps: number;
}

export function summarise(points: readonly ScoredPoint[]): ScoreSummary {
  const n = points.length;
  if (n === 0) return { n, coverage50: NaN, coverage90: NaN, mae: NaN, bias: NaN, crps: NaN };
  let c50 = 0;
  let c90 = 0;
  let ae = 0;
  let cr = 0;
  let se = 0;
  for (const p of points) {
    se += p.signedError;
    if (p.inside50) c50++;
    if (p.inside90) c90++;
    ae += p.absError;
    cr += p.crps;
  }
  return { n, coverage50: c50 / n, coverage90: c90 / n, mae: ae / n, bias: se / n, crps: cr / n };
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

/** Which line a blood pressure came from (core/vitals/observation-model.ts: the site's observation operator). */
export type Site = MeasurementSite | 'none';

export function siteOf(o: Pick<NormalisedObservation, 'loinc'>): Site {
  return siteOfLoinc(o.loinc);
}

/** One vital from one line, plausible readings only, oldest first (time in ms). */
export interface ScoringSeries {
  key: string;
  site: Site;
  tMs: number[];
  value: number[];
}

/** Plausible, dated readings of the given kinds, one series per kind and line. */
export function scoringSeries(observations: readonly NormalisedObservation[], keys: readonly string[]): ScoringSeries[] {
  const byKey = new Map<string, ScoringSeries>();
  const sorted = observations.filter((o) => o.timeMs !== undefined && o.implausible === undefined && keys.includes(o.kind)).sort((a, b) => a.timeMs! - b.timeMs!);
  for (const o of sorted) {
    const site = siteOf(o);
    const k = `${o.kind}|${site}`;
    let s = byKey.get(k);
    if (!s) byKey.set(k, (s = { key: o.kind, site, tMs: [], value: [] }));
    s.tMs.push(o.timeMs!);
    s.value.push(o.value);
  }
  return [...byKey.values()];
}

/** Index of the last reading at or before `tMs` among the first `count` (−1 if none). Binary search. */
export function lastIndexAtOrBefore(t: readonly number[], tMs: number, count = t.length): number {
  let lo = 0;
  let hi = count - 1;
  let ans = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (t[mid]! <= tMs) {
      ans = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return ans;
}

/** The reading closest to `tMs` within ±toleranceMs among the first `count` (−1 if none). */
export function nearestIndex(t: readonly number[], tMs: number, toleranceMs: number, count = t.length): number {
  const i = lastIndexAtOrBefore(t, tMs, count);
  let best = -1;
  let bestD = toleranceMs;
  for (const j of [i, i + 1]) {
    if (j < 0 || j >= count) continue;
    const d = Math.abs(t[j]! - tMs);
    if (d <= bestD) {
      best = j;
      bestD = d;
    }
  }
  return best;
}

/**
 * A forecaster as the scorer sees it: given a forecast the twin issued (its instant), the series
 * and the reading's time, the band it predicted for that reading — or undefined if it had none.
 */
export type ForecasterFn = (issued: IssuedForecast, series: ScoringSeries, targetTMs: number, horizonH: number) => Percentiles | undefined;

/**
 * The twin itself: the issued forecast's band at the reading's time — the band of the reading's
 * site (`mapMmHg@cuff`) where the forecast has one, else the model's own value.
 */
export const twinForecaster: ForecasterFn = (f, s, tMs) => bandAt(f, siteKey(s.key, s.site), tMs) ?? bandAt(f, s.key, tMs);

export interface IssuedScoredPoint extends ScoredPoint {
  forecaster: string;
  site: Site;
  issuedAtMs: number;
}

/**
 * Scores past forecasts against what then happened: for every issued forecast, vital/line and
 * horizon, the reading nearest to issue + h (±toleranceMs, strictly after the issue) is compared
 * with each forecaster's band. Paired: a reading is scored only when every forecaster had a band
 * for it, so the forecasters' scores are over the same readings.
 */
export function scoreIssuedForecasts(
  forecasts: readonly IssuedForecast[],
  series: readonly ScoringSeries[],
  horizonsH: readonly number[],
  toleranceMs: number,
  forecasters: Readonly<Record<string, ForecasterFn>> = { twin: twinForecaster },
): IssuedScoredPoint[] {
  const names = Object.keys(forecasters);
  const bands: (Percentiles | undefined)[] = new Array<Percentiles | undefined>(names.length);
  const points: IssuedScoredPoint[] = [];
  for (const f of forecasts) {
    for (const s of series) {
      for (const h of horizonsH) {
        const j = nearestIndex(s.tMs, f.issuedAtMs + h * 3_600_000, toleranceMs);
        if (j < 0 || s.tMs[j]! <= f.issuedAtMs) continue;
        const tMs = s.tMs[j]!;
        let all = true;
        for (let q = 0; q < names.length && all; q++) {
          bands[q] = forecasters[names[q]!]!(f, s, tMs, h);
          all = bands[q] !== undefined;
        }
        if (!all) continue;
        for (let q = 0; q < names.length; q++) points.push({ ...scorePoint(s.key, h, bands[q]!, s.value[j]!), forecaster: names[q]!, site: s.site, issuedAtMs: f.issuedAtMs });
      }
    }
  }
  return points;
}
