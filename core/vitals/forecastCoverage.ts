// Forecast bands against observations: where a new vital falls relative to the twin's forecast
// (inside the 50 % band, inside the 90 % band, outside → alert), and how often past forecasts
// covered what was then observed (the Validation view). Pure, no DOM and no engine import: a
// forecast here is the plain data the worker returns (`tSec` + per-key Percentiles per time).

import type { Percentiles } from '../domain/physiology';
import { siteKey, siteOfLoinc } from './observation-model';

/**
 * Model-error variance at lead L hours: v0 + perHour·L (the vital's unit squared); estimated from
 * the patient's own past forecast errors in core/vitals/modelError.ts.
 */
export interface ModelErrorGrowth {
  v0: number;
  perHour: number;
}

/** One issued forecast: bands per output key over time since `issuedAtMs`. */
export interface IssuedForecast {
  id: string;
  issuedAtMs: number;
  tSec: readonly number[];
  bands: Readonly<Record<string, readonly Percentiles[]>>;
  /** Model-error growth the bands carry per key (core/vitals/modelError.ts); absent: none. */
  modelError?: Readonly<Record<string, ModelErrorGrowth>>;
}

/**
 * The band a reading is judged against: its measurement site's (`mapMmHg@cuff`, by LOINC) where
 * the forecast has one, else the model's own value of that vital.
 */
export function readingBandKey(f: IssuedForecast | undefined, kind: string, loinc: string): string {
  const k = siteKey(kind, siteOfLoinc(loinc));
  return f?.bands[k] ? k : kind;
}

export type BandPosition = 'inside50' | 'inside90' | 'below90' | 'above90';

/**
 * The band of `key` at absolute time `tMs`, linearly interpolated between forecast steps
 * (percentiles of a smooth drift move smoothly; step is 15 min). Undefined before issue or
 * beyond the horizon — an observation there is not judged against this forecast.
 */
export function bandAt(f: IssuedForecast, key: string, tMs: number): Percentiles | undefined {
  const series = f.bands[key];
  if (!series || series.length === 0 || f.tSec.length !== series.length) return undefined;
  const tSec = (tMs - f.issuedAtMs) / 1000;
  const last = f.tSec.length - 1;
  if (tSec < 0 || tSec > f.tSec[last]!) return undefined;
  let i = 0;
  while (i < last && f.tSec[i + 1]! < tSec) i++;
  if (i === last) return series[last];
  const t0 = f.tSec[i]!;
  const t1 = f.tSec[i + 1]!;
  const w = t1 > t0 ? (tSec - t0) / (t1 - t0) : 0;
  const a = series[i]!;
  const b = series[i + 1]!;
  const lerp = (x: number, y: number) => x + w * (y - x);
  return { p05: lerp(a.p05, b.p05), p25: lerp(a.p25, b.p25), p50: lerp(a.p50, b.p50), p75: lerp(a.p75, b.p75), p95: lerp(a.p95, b.p95) };
}

/**
 * The forecast in force at `tMs`: the latest one issued at or before it. Readings reach the twin
 * a little after they were taken, by which time newer forecasts may have been issued from other
 * readings; a reading is judged against what the twin predicted before seeing it.
 */
export function forecastInForce(history: readonly IssuedForecast[], tMs: number): IssuedForecast | undefined {
  for (let i = history.length - 1; i >= 0; i--) if (history[i]!.issuedAtMs <= tMs) return history[i];
  return undefined;
}

/** Where `value` falls: the 90 % band is [p05, p95] and the 50 % band [p25, p75], bounds inclusive. */
export function bandPosition(value: number, band: Percentiles): BandPosition {
  if (value < band.p05) return 'below90';
  if (value > band.p95) return 'above90';
  if (value >= band.p25 && value <= band.p75) return 'inside50';
  return 'inside90';
}

export function isOutside90(p: BandPosition): boolean {
  return p === 'below90' || p === 'above90';
}

/** An observation outside the 90 % band: what the clinician is asked to acknowledge. */
export interface BandAlert {
  id: string;
  key: string;
  value: number;
  tMs: number;
  band: Percentiles;
  position: 'below90' | 'above90';
  /** `Observation/id` that triggered it. */
  source: string;
  forecastId: string;
  /** Readings of this vital outside the band since the alert was raised (grouped, see mergeAlert). */
  count: number;
  firstTMs: number;
}

/**
 * Judges one new observation against the latest forecast issued before it. Returns the position
 * (for coverage) and an alert when it is outside the 90 % band; undefined when no forecast covers
 * that time or key (no judgement rather than a false alarm).
 */
export function judgeObservation(
  f: IssuedForecast | undefined,
  obs: { key: string; value: number; tMs: number; source: string },
): { position: BandPosition; band: Percentiles; alert?: BandAlert } | undefined {
  if (!f || !Number.isFinite(obs.value) || obs.tMs < f.issuedAtMs) return undefined;
  const band = bandAt(f, obs.key, obs.tMs);
  if (!band) return undefined;
  const position = bandPosition(obs.value, band);
  if (position === 'below90' || position === 'above90') {
    return {
      position,
      band,
      alert: { id: `${f.id}:${obs.source}:${obs.key}`, key: obs.key, value: obs.value, tMs: obs.tMs, band, position, source: obs.source, forecastId: f.id, count: 1, firstTMs: obs.tMs },
    };
  }
  return { position, band };
}

/**
 * Adds a new band exit to the open alerts. One open alert per vital: a further exit of the same
 * vital updates it (latest value, band and source; count + 1) instead of stacking another banner —
 * a monitor reporting every few seconds would otherwise bury the clinician in alerts. An alert
 * already open for the same reading is not counted twice.
 */
export function mergeAlert(open: readonly BandAlert[], next: BandAlert): BandAlert[] {
  const i = open.findIndex((a) => a.key === next.key);
  if (i < 0) return [...open, next];
  const prev = open[i]!;
  if (prev.source === next.source) return [...open];
  // Show the worst exit since the alert opened (what the clinician must see), count them all.
  const worst = bandExcess(next) > bandExcess(prev) ? next : prev;
  const merged: BandAlert = { ...worst, id: prev.id, count: prev.count + 1, firstTMs: prev.firstTMs };
  return open.map((a, j) => (j === i ? merged : a));
}

/** How far outside its 90 % band a reading lies, in units of the band's half-width. */
export function bandExcess(a: Pick<BandAlert, 'value' | 'band'>): number {
  const half = Math.max(1e-9, (a.band.p95 - a.band.p05) / 2);
  return a.value > a.band.p95 ? (a.value - a.band.p95) / half : a.value < a.band.p05 ? (a.band.p05 - a.value) / half : 0;
}

const Z90 = 1.6448536269514722;

/**
 * Background check before assimilation (the gross-error check of operational data assimilation,
 * e.g. Lorenc & Hammon 1988): the reading's distance from the forecast median in SDs implied by the
 * 90 % band (which already includes measurement noise). A reading beyond `GROSS_ERROR_Z` is still
 * shown and alerted on, but not assimilated: one artefact or a sudden change must not drag the
 * whole ensemble; the clinician decides (acknowledge, then Recalibrate).
 */
export function backgroundZ(value: number, band: Percentiles): number {
  const sd = Math.max(1e-9, (band.p95 - band.p05) / (2 * Z90));
  return (value - band.p50) / sd;
}
export const GROSS_ERROR_Z = 4;

/** One past forecast checked against what was then observed. */
export interface CoverageRecord {
  key: string;
  position: BandPosition;
}

export interface CoverageRow {
  key: string;
  n: number;
  inside50: number;
  inside90: number;
  /** Fractions; NaN when n = 0. */
  coverage50: number;
  coverage90: number;
}

/**
 * Empirical coverage per key: a calibrated 90 % band should hold about 90 % of later
 * observations (and the 50 % band about half). With few observations the fraction is noisy: the
 * view shows n beside it.
 */
export function coverageSummary(records: readonly CoverageRecord[]): CoverageRow[] {
  const byKey = new Map<string, CoverageRow>();
  for (const r of records) {
    let row = byKey.get(r.key);
    if (!row) {
      row = { key: r.key, n: 0, inside50: 0, inside90: 0, coverage50: NaN, coverage90: NaN };
      byKey.set(r.key, row);
    }
    row.n++;
    if (r.position === 'inside50') row.inside50++;
    if (r.position === 'inside50' || r.position === 'inside90') row.inside90++;
  }
  const rows = [...byKey.values()];
  for (const row of rows) {
    row.coverage50 = row.inside50 / row.n;
    row.coverage90 = row.inside90 / row.n;
  }
  return rows.sort((a, b) => a.key.localeCompare(b.key));
}

/** Rows for a chart: absolute time with the 50 % and 90 % ranges as [lo, hi] pairs (recharts range areas). */
export interface BandChartRow {
  tMs: number;
  p50: number;
  band50: [number, number];
  band90: [number, number];
}

export function bandChartRows(f: IssuedForecast, key: string): BandChartRow[] {
  const series = f.bands[key];
  if (!series) return [];
  return series.map((p, i) => ({ tMs: f.issuedAtMs + f.tSec[i]! * 1000, p50: p.p50, band50: [p.p25, p.p75], band90: [p.p05, p.p95] }));
}
