// How much the twin's forecast bands miss by, learnt from its own past forecasts on this patient,
// and how that grows with lead time.
//
// Every reading that arrives is compared with the forecasts issued before it at the lead times the
// product reports (LEAD_BUCKETS_H: for each, the forecast issued nearest to reading − lead, within
// ±LEAD_TOLERANCE_H). For one such pair the squared error of the median, e² = (reading − p50)², is
// what the band's variance should have been on average. The band's own variance at that lead, from
// its 90 % width (σ = (p95 − p05)/(2·1.645)), less the model-error variance that forecast already
// carried, is the base variance B(L): ensemble drift plus measurement noise. The excess e² − B(L) is
// model error the twin does not represent (its pressure waveform, events it has no input for). It
// is modelled as growing linearly with lead time, σ²ₘ(L) = v0 + perHour·L — the variance of a
// random-walk model error (additive model-error inflation, e.g. Li, Kalnay & Miyoshi 2009, QJRMS
// 135:523–33, here as a function of lead) — and v0, perHour ≥ 0 are fitted by least squares to the
// latest ERROR_WINDOW pairs of that vital and site. The forecast adds σ²ₘ(L) to its bands
// (workers/physiology/ensemble/forecast.ts), so a band is as wide at 4 h as the twin has actually
// been wrong 4 h ahead for this patient, and never narrower than the documented noise model. The
// forecasts issued keep the growth they used (IssuedForecast.modelError), so the next estimate is
// made against their base variance, not against an already widened band. Nothing here is fitted to
// a data set; window, minimum count, lead buckets and the linear growth are stated assumptions. Pure.

import { bandAt, type IssuedForecast, type ModelErrorGrowth } from './forecastCoverage';

/** Lead times (h) at which past forecasts are checked against each new reading (the reported horizons). */
export const LEAD_BUCKETS_H: readonly number[] = [1, 2, 4];
/** A forecast counts for a bucket when issued within this of reading − lead (h). */
export const LEAD_TOLERANCE_H = 0.5;
/** Pairs kept per vital and site (about a day of hourly charting at three leads). Assumption. */
export const ERROR_WINDOW = 72;
/** Fewer pairs than this: no estimate (no model error added). Assumption. */
export const ERROR_MIN = 9;

const Z90 = 1.6448536269514722;

/** Per band key (`hrBpm`, `mapMmHg@cuff`): lead (h) and excess squared error of each pair, oldest first. */
export type ForecastErrorHistory = Readonly<Record<string, { readonly leadH: readonly number[]; readonly excess: readonly number[] }>>;

export function growthVariance(g: ModelErrorGrowth | undefined, leadH: number): number {
  return g === undefined ? 0 : Math.max(0, g.v0 + g.perHour * leadH);
}

/**
 * Appends the pairs of newly arrived readings (`key` is the band key the reading is judged
 * against) with the forecasts issued before them. `forecasts` oldest first.
 */
export function recordForecastErrors(
  history: ForecastErrorHistory,
  forecasts: readonly IssuedForecast[],
  readings: readonly { key: string; value: number; tMs: number }[],
): ForecastErrorHistory {
  const next: Record<string, { leadH: number[]; excess: number[] }> = {};
  for (const [k, v] of Object.entries(history)) next[k] = { leadH: [...v.leadH], excess: [...v.excess] };
  for (const r of readings) {
    if (!Number.isFinite(r.value)) continue;
    for (const lead of LEAD_BUCKETS_H) {
      const target = r.tMs - lead * 3_600_000;
      let best: IssuedForecast | undefined;
      let bestD = LEAD_TOLERANCE_H * 3_600_000;
      for (let i = forecasts.length - 1; i >= 0; i--) {
        const f = forecasts[i]!;
        if (f.issuedAtMs >= r.tMs) continue;
        const d = Math.abs(f.issuedAtMs - target);
        if (d <= bestD) {
          best = f;
          bestD = d;
        }
        if (f.issuedAtMs < target - bestD) break;
      }
      if (!best) continue;
      const band = bandAt(best, r.key, r.tMs);
      if (!band) continue;
      const leadH = (r.tMs - best.issuedAtMs) / 3_600_000;
      const sd = (band.p95 - band.p05) / (2 * Z90);
      const base = Math.max(0, sd * sd - growthVariance(best.modelError?.[r.key], leadH));
      const e = r.value - band.p50;
      const h = (next[r.key] ??= { leadH: [], excess: [] });
      h.leadH.push(leadH);
      h.excess.push(e * e - base);
      if (h.leadH.length > ERROR_WINDOW) {
        h.leadH.shift();
        h.excess.shift();
      }
    }
  }
  return next;
}

/**
 * σ²ₘ(L) = v0 + perHour·L of one band key, least squares on its pairs with v0, perHour ≥ 0;
 * undefined with fewer than ERROR_MIN pairs. Zero when the twin has not been wrong by more than its
 * bands said.
 */
export function modelErrorGrowth(history: ForecastErrorHistory, key: string): ModelErrorGrowth | undefined {
  const h = history[key];
  if (!h || h.leadH.length < ERROR_MIN) return undefined;
  const n = h.leadH.length;
  let sx = 0;
  let sy = 0;
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) {
    const x = h.leadH[i]!;
    const y = h.excess[i]!;
    sx += x;
    sy += y;
    sxx += x * x;
    sxy += x * y;
  }
  const det = n * sxx - sx * sx;
  let v0 = sy / n;
  let perHour = 0;
  if (det > 1e-9) {
    perHour = (n * sxy - sx * sy) / det;
    v0 = (sy - perHour * sx) / n;
  }
  // Constrained to v0, perHour ≥ 0: the best fit on the boundary where the free one is negative.
  if (perHour < 0) {
    perHour = 0;
    v0 = sy / n;
  }
  if (v0 < 0) {
    v0 = 0;
    perHour = sxx > 0 ? Math.max(0, sxy / sxx) : 0;
  }
  return { v0: Math.max(0, v0), perHour };
}
