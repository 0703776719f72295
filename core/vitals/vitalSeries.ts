// Normalised observations (fhir-vitals.ts) → one columnar, time-sorted series per vital for the
// timeline: typed arrays of time and value (what lttb.ts downsamples) plus a flag byte per point
// (implausible, converted unit) and its source, so flags stay attached to the points drawn.
import type { NormalisedObservation, VitalKind } from './fhir-vitals';
import type { TimeSeries } from './lttb';

export const TIMELINE_KINDS = ['hrBpm', 'sbpMmHg', 'dbpMmHg', 'mapMmHg', 'spo2Fraction', 'rrPerMin', 'temperatureC'] as const satisfies readonly VitalKind[];
export type TimelineKind = (typeof TIMELINE_KINDS)[number];

export const FLAG_IMPLAUSIBLE = 1;
export const FLAG_CONVERTED = 2;

export interface VitalSeries extends TimeSeries {
  kind: TimelineKind;
  flags: Uint8Array;
  sources: string[];
}

/** Observations without a usable time cannot be placed on a timeline and are left out here. */
export function buildVitalSeries(observations: readonly NormalisedObservation[]): Map<TimelineKind, VitalSeries> {
  const buckets = new Map<TimelineKind, NormalisedObservation[]>();
  for (const o of observations) {
    if (o.timeMs === undefined || !(TIMELINE_KINDS as readonly VitalKind[]).includes(o.kind)) continue;
    const k = o.kind as TimelineKind;
    let b = buckets.get(k);
    if (!b) buckets.set(k, (b = []));
    b.push(o);
  }
  const out = new Map<TimelineKind, VitalSeries>();
  for (const [kind, list] of buckets) {
    list.sort((a, b) => a.timeMs! - b.timeMs!);
    const n = list.length;
    const s: VitalSeries = { kind, tMs: new Float64Array(n), values: new Float64Array(n), flags: new Uint8Array(n), sources: new Array<string>(n) };
    list.forEach((o, i) => {
      s.tMs[i] = o.timeMs!;
      s.values[i] = o.value;
      s.flags[i] = (o.implausible ? FLAG_IMPLAUSIBLE : 0) | (o.converted ? FLAG_CONVERTED : 0);
      s.sources[i] = o.source;
    });
    out.set(kind, s);
  }
  return out;
}

/** Time span [first, last] over all series (undefined when empty). */
export function seriesSpan(series: ReadonlyMap<TimelineKind, VitalSeries>): { startMs: number; endMs: number } | undefined {
  let startMs = Infinity;
  let endMs = -Infinity;
  for (const s of series.values()) {
    if (s.tMs.length === 0) continue;
    startMs = Math.min(startMs, s.tMs[0]!);
    endMs = Math.max(endMs, s.tMs[s.tMs.length - 1]!);
  }
  return Number.isFinite(startMs) ? { startMs, endMs } : undefined;
}
