import { describe, expect, it } from 'vitest';
import { panelRows } from './timelineRows';
import { FLAG_CONVERTED, FLAG_IMPLAUSIBLE, type TimelineKind, type VitalSeries } from './vitalSeries';

const series = (kind: TimelineKind, t: number[], v: number[], flags: number[] = []): VitalSeries => ({
  kind,
  tMs: Float64Array.from(t),
  values: Float64Array.from(v),
  flags: Uint8Array.from(t.map((_, i) => flags[i] ?? 0)),
  sources: t.map((_, i) => `Observation/${kind}${i}`),
});

describe('panelRows', () => {
  it('merges series and forecast bands by time, keeps flags apart and finds gaps', () => {
    const m = new Map<TimelineKind, VitalSeries>([
      ['sbpMmHg', series('sbpMmHg', [0, 60_000, 120_000, 10_000_000], [120, 300, 118, 125], [0, FLAG_IMPLAUSIBLE, FLAG_CONVERTED, 0])],
      ['dbpMmHg', series('dbpMmHg', [0, 120_000], [70, 72])],
    ]);
    const forecast = { id: 'f', issuedAtMs: 10_000_000, tSec: [0, 600], bands: { sbpMmHg: [{ p05: 100, p25: 110, p50: 120, p75: 130, p95: 140 }, { p05: 95, p25: 108, p50: 121, p75: 134, p95: 147 }] } };
    const r = panelRows(['sbpMmHg', 'dbpMmHg'], m, { t0Ms: 0, t1Ms: 11_000_000, maxPointsPerSeries: 100, forecast, minGapMs: 3_600_000 });
    expect(r.rows.map((x) => x.tMs)).toEqual([0, 60_000, 120_000, 10_000_000, 10_600_000]);
    expect(r.rows[0]).toMatchObject({ sbpMmHg: 120, dbpMmHg: 70 });
    expect(r.rows[1]).toEqual({ tMs: 60_000, 'sbpMmHg:implausible': 300 });
    expect(r.rows[2]).toMatchObject({ sbpMmHg: 118, 'sbpMmHg:converted': 118 });
    expect(r.rows[3]).toMatchObject({ sbpMmHg: 125, 'sbpMmHg:p50': 120, 'sbpMmHg:b90': [100, 140], 'sbpMmHg:b50': [110, 130] });
    expect(r.gaps).toEqual([{ startMs: 120_000, endMs: 10_000_000 }]);
    expect(r.counts.sbpMmHg).toEqual({ shown: 4, inWindow: 4, converted: 1 });
    expect(r.mostlyConverted).toEqual([]);
    expect(r.flagged).toEqual({ sbpMmHg: { implausible: true, converted: true }, dbpMmHg: { implausible: false, converted: false } });
  });

  it('downsamples each series in the window and scales for display', () => {
    const t = Array.from({ length: 5000 }, (_, i) => i * 1000);
    const m = new Map<TimelineKind, VitalSeries>([['spo2Fraction', series('spo2Fraction', t, t.map(() => 0.97), t.map(() => FLAG_CONVERTED))]]);
    const r = panelRows(['spo2Fraction'], m, { t0Ms: 1_000_000, t1Ms: 2_000_000, maxPointsPerSeries: 200, scale: 100 });
    expect(r.counts.spo2Fraction).toEqual({ shown: 200, inWindow: 1001, converted: 200 });
    // Every point converted (SpO2 recorded in %): no per-point markers, the panel says it once.
    expect(r.mostlyConverted).toEqual(['spo2Fraction']);
    expect(r.rows.some((x) => x['spo2Fraction:converted'] !== undefined)).toBe(false);
    expect(r.rows[0]!.spo2Fraction).toBeCloseTo(97, 9);
  });
});
