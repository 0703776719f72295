import { describe, expect, it } from 'vitest';
import { FLAG_IMPLAUSIBLE, type TimelineKind, type VitalSeries } from '../../core/vitals/vitalSeries';
import { alertSeverity, currentVitals, STALE_AFTER_MS, worstSeverity } from './currentVitals';

const MIN = 60_000;

function series(kind: TimelineKind, points: [tMs: number, value: number, flags?: number][]): VitalSeries {
  return {
    kind,
    tMs: Float64Array.from(points.map((p) => p[0])),
    values: Float64Array.from(points.map((p) => p[1])),
    flags: Uint8Array.from(points.map((p) => p[2] ?? 0)),
    sources: points.map((_, i) => `Observation/${kind}-${i}`),
  };
}

describe('currentVitals', () => {
  const now = 1_800_000_000_000;
  it('shows the latest plausible reading with its age, skipping implausible ones and readings after now', () => {
    const s = new Map([['hrBpm', series('hrBpm', [[now - 2 * MIN, 72], [now - MIN, 300, FLAG_IMPLAUSIBLE], [now + MIN, 80]])]] as const);
    const [hr] = currentVitals(s, now, ['hrBpm', 'sbpMmHg']);
    expect(hr).toMatchObject({ kind: 'hrBpm', value: 72, ageMs: 2 * MIN, stale: false, source: 'Observation/hrBpm-0' });
    expect(currentVitals(s, now, ['sbpMmHg'])).toEqual([]);
  });

  it('marks a value stale once it is older than its vital allows', () => {
    const s = new Map([
      ['hrBpm', series('hrBpm', [[now - STALE_AFTER_MS.hrBpm - 1, 72]])],
      ['sbpMmHg', series('sbpMmHg', [[now - STALE_AFTER_MS.hrBpm - 1, 120]])],
    ] as const);
    const [hr, sbp] = currentVitals(s, now, ['hrBpm', 'sbpMmHg']);
    expect(hr!.stale).toBe(true);
    // The same age is still current for a cuff pressure (cycled every 5–30 min).
    expect(sbp!.stale).toBe(false);
  });

  it('reports a falling trend over 15 min and steady within the noise', () => {
    const pts: [number, number][] = [];
    for (let m = 20; m >= 0; m--) pts.push([now - m * MIN, 80 - (20 - m)]); // 80 → 60 bpm, 1 bpm/min
    const [hr] = currentVitals(new Map([['hrBpm', series('hrBpm', pts)]] as const), now, ['hrBpm']);
    expect(hr!.trend?.direction).toBe('falling');
    // Mean of the last 5 min (65…60 bpm → 62.5) minus the mean 12.5–17.5 min earlier (78…74 → 75).
    expect(hr!.trend!.change).toBeCloseTo(-12.5, 6);
    const flat: [number, number][] = pts.map(([t], i) => [t, 70 + (i % 2)]);
    const [f] = currentVitals(new Map([['hrBpm', series('hrBpm', flat)]] as const), now, ['hrBpm']);
    expect(f!.trend?.direction).toBe('steady');
  });

  it('has no trend without a reading 15 min earlier', () => {
    const [hr] = currentVitals(new Map([['hrBpm', series('hrBpm', [[now - MIN, 70]])]] as const), now, ['hrBpm']);
    expect(hr!.trend).toBeUndefined();
  });
});

describe('alertSeverity', () => {
  // p05–p95 = 100–120 → SD ≈ 6.08, median 110.
  const band = { p05: 100, p25: 106, p50: 110, p75: 114, p95: 120 };
  it('escalates with the distance from the forecast and with persistence', () => {
    expect(alertSeverity({ value: 122, band, count: 1 })).toBe('advisory'); // z ≈ 2.0
    expect(alertSeverity({ value: 122, band, count: 3 })).toBe('warning');
    expect(alertSeverity({ value: 131, band, count: 1 })).toBe('warning'); // z ≈ 3.5
    expect(alertSeverity({ value: 140, band, count: 1 })).toBe('critical'); // z ≈ 4.9
    expect(alertSeverity({ value: 80, band, count: 1 })).toBe('critical');
    expect(worstSeverity([{ value: 122, band, count: 1 }, { value: 140, band, count: 1 }])).toBe('critical');
    expect(worstSeverity([])).toBeUndefined();
  });
});
