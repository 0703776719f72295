// Chart rows of one timeline panel: the panel's series inside the visible window, each downsampled
// by LTTB, merged by time with the twin's forecast bands so that one recharts data array (and its
// tooltip) carries observations and bands together. Pure; the view only renders these rows.
import type { IssuedForecast } from './forecastCoverage';
import { downsampleWindow, findGaps, lowerBound, upperBound, type Gap } from './lttb';
import { FLAG_CONVERTED, FLAG_IMPLAUSIBLE, type TimelineKind, type VitalSeries } from './vitalSeries';

/** One merged row; keys per kind: `${kind}` value, `${kind}:implausible`, `${kind}:converted`, `${kind}:p50`, `${kind}:b50`, `${kind}:b90`. */
export type TimelineRow = { tMs: number } & Record<string, number | [number, number] | undefined>;

export interface PanelRows {
  rows: TimelineRow[];
  gaps: Gap[];
  /** Points in the window before downsampling, per kind (shown as "n of N"). */
  counts: Partial<Record<TimelineKind, { shown: number; inWindow: number; converted: number }>>;
  /**
   * Kinds whose shown points are mostly converted (e.g. SpO2 recorded in %): a marker on every
   * point would bury the curve, so these get no per-point marker and the panel title says it.
   */
  mostlyConverted: TimelineKind[];
  /** Whether any marker of each flag is among the rows, per kind (so the view draws only needed layers). */
  flagged: Partial<Record<TimelineKind, { implausible: boolean; converted: boolean }>>;
}

export interface PanelRowOptions {
  t0Ms: number;
  t1Ms: number;
  maxPointsPerSeries: number;
  /** Display scale (e.g. 100 for SpO2 fraction → %). */
  scale?: number;
  forecast?: IssuedForecast;
  /** Gaps shorter than this are not shaded; default 5 % of the window, at least 30 min. */
  minGapMs?: number;
}

export function panelRows(kinds: readonly TimelineKind[], series: ReadonlyMap<TimelineKind, VitalSeries>, o: PanelRowOptions): PanelRows {
  const scale = o.scale ?? 1;
  const byT = new Map<number, TimelineRow>();
  const row = (t: number): TimelineRow => {
    let r = byT.get(t);
    if (!r) byT.set(t, (r = { tMs: t } as TimelineRow));
    return r;
  };
  const counts: PanelRows['counts'] = {};
  let gaps: Gap[] = [];
  const mostlyConverted: TimelineKind[] = [];
  const flagged: PanelRows['flagged'] = {};
  const minGapMs = o.minGapMs ?? Math.max(30 * 60_000, 0.05 * (o.t1Ms - o.t0Ms));
  kinds.forEach((kind, i) => {
    const s = series.get(kind);
    if (!s) return;
    const idx = downsampleWindow(s, o.t0Ms, o.t1Ms, o.maxPointsPerSeries);
    const inWindow = upperBound(s.tMs, o.t1Ms) - lowerBound(s.tMs, o.t0Ms);
    let converted = 0;
    for (const k of idx) if (s.flags[k]! & FLAG_CONVERTED) converted++;
    counts[kind] = { shown: idx.length, inWindow, converted };
    const markConverted = converted <= idx.length / 2;
    if (!markConverted) mostlyConverted.push(kind);
    const fl = { implausible: false, converted: false };
    flagged[kind] = fl;
    for (const k of idx) {
      const r = row(s.tMs[k]!);
      const v = s.values[k]! * scale;
      const f = s.flags[k]!;
      // Implausible values are drawn as flagged markers, not joined into the line.
      if (f & FLAG_IMPLAUSIBLE) {
        r[`${kind}:implausible`] = v;
        fl.implausible = true;
      } else r[kind] = v;
      if (f & FLAG_CONVERTED && markConverted) {
        r[`${kind}:converted`] = v;
        fl.converted = true;
      }
    }
    // Gaps of the panel's first (primary) series: the others share its device.
    if (i === 0) gaps = findGaps(s.tMs, o.t0Ms, Math.min(o.t1Ms, s.tMs[s.tMs.length - 1] ?? o.t1Ms), minGapMs);
  });
  const f = o.forecast;
  if (f) {
    for (const kind of kinds) {
      const bands = f.bands[kind];
      if (!bands) continue;
      bands.forEach((p, i) => {
        const t = f.issuedAtMs + f.tSec[i]! * 1000;
        if (t < o.t0Ms || t > o.t1Ms) return;
        const r = row(t);
        r[`${kind}:p50`] = p.p50 * scale;
        r[`${kind}:b50`] = [p.p25 * scale, p.p75 * scale];
        r[`${kind}:b90`] = [p.p05 * scale, p.p95 * scale];
      });
    }
  }
  return { rows: [...byT.values()].sort((a, b) => a.tMs - b.tMs), gaps, counts, mostlyConverted, flagged };
}
