// The bedside numbers: for each vital, the latest plausible reading, its age, whether it is too
// old to act on, and its short-term trend; plus the severity of a band alert. Pure (no React, no
// I/O): the Twin tab's `Current vitals` strip renders what this returns.
import { backgroundZ, GROSS_ERROR_Z, type BandAlert } from '../../core/vitals/forecastCoverage';
import { FLAG_IMPLAUSIBLE, type TimelineKind, type VitalSeries } from '../../core/vitals/vitalSeries';

const MINUTE_MS = 60_000;

/**
 * Age beyond which a value is shown as stale (greyed, "STALE", its age in red) instead of as a
 * current value. Monitor-derived vitals (HR, SpO₂, RR) arrive every few seconds to a minute, so
 * five minutes without one means the feed or the probe is off; non-invasive cuff pressures are
 * typically cycled every 5–15 min (up to 30 min on a ward round), and temperature every few hours.
 * These are display thresholds chosen here, not alarm limits from a standard.
 */
export const STALE_AFTER_MS: Readonly<Record<TimelineKind, number>> = {
  hrBpm: 5 * MINUTE_MS,
  spo2Fraction: 5 * MINUTE_MS,
  rrPerMin: 5 * MINUTE_MS,
  sbpMmHg: 30 * MINUTE_MS,
  dbpMmHg: 30 * MINUTE_MS,
  mapMmHg: 30 * MINUTE_MS,
  temperatureC: 4 * 60 * MINUTE_MS,
};

/** A change smaller than this over the trend interval is reported as steady (≈ device resolution + beat-to-beat noise). */
export const TREND_STEADY: Readonly<Record<TimelineKind, number>> = {
  hrBpm: 3,
  sbpMmHg: 5,
  dbpMmHg: 4,
  mapMmHg: 4,
  spo2Fraction: 0.01,
  rrPerMin: 2,
  temperatureC: 0.2,
};

/** The trend compares the mean of the last 5 min with the mean of the 5 min around 15 min earlier. */
export const TREND_LOOKBACK_MS = 15 * MINUTE_MS;
const TREND_AVERAGE_MS = 5 * MINUTE_MS;

export type TrendDirection = 'rising' | 'falling' | 'steady';

export interface CurrentVital {
  kind: TimelineKind;
  value: number;
  tMs: number;
  ageMs: number;
  stale: boolean;
  /** `Observation/id` of the reading shown. */
  source: string;
  /** Undefined when there is no reading 15 min earlier to compare with. */
  trend?: { direction: TrendDirection; change: number; overMs: number };
}

function meanPlausible(s: VitalSeries, fromMs: number, toMs: number): number | undefined {
  let sum = 0;
  let n = 0;
  for (let i = s.tMs.length - 1; i >= 0; i--) {
    const t = s.tMs[i]!;
    if (t < fromMs) break;
    if (t > toMs || s.flags[i]! & FLAG_IMPLAUSIBLE) continue;
    sum += s.values[i]!;
    n++;
  }
  return n > 0 ? sum / n : undefined;
}

/** Latest plausible reading per vital at `nowMs` (readings after `nowMs` are ignored). */
export function currentVitals(series: ReadonlyMap<TimelineKind, VitalSeries>, nowMs: number, kinds: readonly TimelineKind[]): CurrentVital[] {
  const out: CurrentVital[] = [];
  for (const kind of kinds) {
    const s = series.get(kind);
    if (!s) continue;
    let i = s.tMs.length - 1;
    while (i >= 0 && (s.tMs[i]! > nowMs || s.flags[i]! & FLAG_IMPLAUSIBLE)) i--;
    if (i < 0) continue;
    const tMs = s.tMs[i]!;
    const ageMs = nowMs - tMs;
    const v: CurrentVital = { kind, value: s.values[i]!, tMs, ageMs, stale: ageMs > STALE_AFTER_MS[kind], source: s.sources[i]! };
    const recent = meanPlausible(s, tMs - TREND_AVERAGE_MS, tMs);
    const earlierCentre = tMs - TREND_LOOKBACK_MS;
    const earlier = meanPlausible(s, earlierCentre - TREND_AVERAGE_MS / 2, earlierCentre + TREND_AVERAGE_MS / 2);
    if (recent !== undefined && earlier !== undefined) {
      const change = recent - earlier;
      v.trend = { change, overMs: TREND_LOOKBACK_MS, direction: Math.abs(change) < TREND_STEADY[kind] ? 'steady' : change > 0 ? 'rising' : 'falling' };
    }
    out.push(v);
  }
  return out;
}

export type AlertSeverity = 'advisory' | 'warning' | 'critical';
export const ALERT_SEVERITY_LABEL: Record<AlertSeverity, string> = { advisory: 'Advisory', warning: 'Warning', critical: 'Critical' };
const SEVERITY_RANK: Record<AlertSeverity, number> = { advisory: 0, warning: 1, critical: 2 };

/**
 * Severity of a band alert, escalating with how far and how long a vital has been outside the
 * twin's 90 % band: advisory for a reading just outside; warning beyond 3 SD of the forecast or
 * after three readings outside (persistent, not one artefact); critical beyond GROSS_ERROR_Z (4 SD:
 * the reading was held back from assimilation, see forecastCoverage.ts). Chosen here to separate
 * noise from drift, not taken from an alarm standard.
 */
export function alertSeverity(a: Pick<BandAlert, 'value' | 'band' | 'count'>): AlertSeverity {
  const z = Math.abs(backgroundZ(a.value, a.band));
  if (z > GROSS_ERROR_Z) return 'critical';
  if (z > 3 || a.count >= 3) return 'warning';
  return 'advisory';
}

export function worstSeverity(alerts: readonly Pick<BandAlert, 'value' | 'band' | 'count'>[]): AlertSeverity | undefined {
  let worst: AlertSeverity | undefined;
  for (const a of alerts) {
    const s = alertSeverity(a);
    if (!worst || SEVERITY_RANK[s] > SEVERITY_RANK[worst]) worst = s;
  }
  return worst;
}
