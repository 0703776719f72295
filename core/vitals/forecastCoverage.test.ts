import { describe, expect, it } from 'vitest';
import { backgroundZ, bandAt, bandChartRows, bandExcess, bandPosition, coverageSummary, forecastInForce, judgeObservation, mergeAlert, type BandAlert, type IssuedForecast } from './forecastCoverage';

const P = (p05: number, p25: number, p50: number, p75: number, p95: number) => ({ p05, p25, p50, p75, p95 });
const forecast: IssuedForecast = {
  id: 'f1',
  issuedAtMs: 1_000_000,
  tSec: [0, 900, 1800],
  bands: { mapMmHg: [P(80, 85, 90, 95, 100), P(70, 80, 90, 100, 110), P(60, 75, 90, 105, 120)] },
};

describe('bandAt', () => {
  it('interpolates linearly between forecast steps', () => {
    const b = bandAt(forecast, 'mapMmHg', 1_000_000 + 450_000);
    expect(b).toEqual(P(75, 82.5, 90, 97.5, 105));
    expect(bandAt(forecast, 'mapMmHg', 1_000_000 + 1_800_000)).toEqual(P(60, 75, 90, 105, 120));
  });
  it('has no band before issue, beyond the horizon or for an unknown key', () => {
    expect(bandAt(forecast, 'mapMmHg', 999_999)).toBeUndefined();
    expect(bandAt(forecast, 'mapMmHg', 1_000_000 + 1_800_001)).toBeUndefined();
    expect(bandAt(forecast, 'hrBpm', 1_000_000)).toBeUndefined();
  });
});

describe('bandPosition and alerts', () => {
  it('classifies by the 50 % and 90 % bands with inclusive bounds', () => {
    const b = P(80, 85, 90, 95, 100);
    expect(bandPosition(85, b)).toBe('inside50');
    expect(bandPosition(95, b)).toBe('inside50');
    expect(bandPosition(82, b)).toBe('inside90');
    expect(bandPosition(100, b)).toBe('inside90');
    expect(bandPosition(100.1, b)).toBe('above90');
    expect(bandPosition(79.9, b)).toBe('below90');
  });
  it('raises an alert only outside the 90 % band and only where a forecast applies', () => {
    const inside = judgeObservation(forecast, { key: 'mapMmHg', value: 92, tMs: 1_000_000, source: 'Observation/a' });
    expect(inside?.position).toBe('inside50');
    expect(inside?.alert).toBeUndefined();
    const out = judgeObservation(forecast, { key: 'mapMmHg', value: 130, tMs: 1_000_000 + 900_000, source: 'Observation/b' });
    expect(out?.alert).toMatchObject({ key: 'mapMmHg', value: 130, position: 'above90', source: 'Observation/b', forecastId: 'f1' });
    expect(judgeObservation(forecast, { key: 'mapMmHg', value: 130, tMs: 10, source: 'Observation/c' })).toBeUndefined();
    expect(judgeObservation(undefined, { key: 'mapMmHg', value: 130, tMs: 1_000_000, source: 'Observation/c' })).toBeUndefined();
    expect(judgeObservation(forecast, { key: 'mapMmHg', value: NaN, tMs: 1_000_000, source: 'Observation/c' })).toBeUndefined();
  });
});

describe('coverageSummary', () => {
  it('counts the 50 % band inside the 90 % band', () => {
    const rows = coverageSummary([
      { key: 'hrBpm', position: 'inside50' },
      { key: 'hrBpm', position: 'inside90' },
      { key: 'hrBpm', position: 'above90' },
      { key: 'hrBpm', position: 'inside50' },
      { key: 'mapMmHg', position: 'below90' },
    ]);
    expect(rows).toEqual([
      { key: 'hrBpm', n: 4, inside50: 2, inside90: 3, coverage50: 0.5, coverage90: 0.75 },
      { key: 'mapMmHg', n: 1, inside50: 0, inside90: 0, coverage50: 0, coverage90: 0 },
    ]);
  });
});

describe('bandChartRows', () => {
  it('puts the bands at absolute times as [lo, hi] ranges', () => {
    const rows = bandChartRows(forecast, 'mapMmHg');
    expect(rows[1]).toEqual({ tMs: 1_900_000, p50: 90, band50: [80, 100], band90: [70, 110] });
  });
});

describe('mergeAlert', () => {
  const a = (key: string, source: string, value: number, tMs: number): BandAlert => ({
    id: `f:${source}:${key}`, key, value, tMs, band: P(1, 2, 3, 4, 5), position: 'above90', source, forecastId: 'f', count: 1, firstTMs: tMs,
  });
  it('keeps one open alert per vital, counting further exits and showing the latest', () => {
    let open = mergeAlert([], a('hrBpm', 'Observation/1', 130, 10));
    open = mergeAlert(open, a('sbpMmHg', 'Observation/2', 200, 11));
    open = mergeAlert(open, a('hrBpm', 'Observation/3', 140, 12));
    open = mergeAlert(open, a('hrBpm', 'Observation/3', 140, 12)); // same reading again: not counted
    expect(open).toHaveLength(2);
    expect(open[0]).toMatchObject({ id: 'f:Observation/1:hrBpm', key: 'hrBpm', value: 140, source: 'Observation/3', count: 2, firstTMs: 10 });
    // A milder exit afterwards is counted but the worst one stays on show.
    open = mergeAlert(open, a('hrBpm', 'Observation/4', 6, 13));
    expect(open[0]).toMatchObject({ value: 140, count: 3 });
    expect(open[1]).toMatchObject({ key: 'sbpMmHg', count: 1 });
  });
});

describe('forecastInForce', () => {
  it('picks the latest forecast issued at or before the reading', () => {
    const h = [1, 5, 9].map((t) => ({ ...forecast, id: `f${t}`, issuedAtMs: t }));
    expect(forecastInForce(h, 0)).toBeUndefined();
    expect(forecastInForce(h, 5)?.id).toBe('f5');
    expect(forecastInForce(h, 8)?.id).toBe('f5');
    expect(forecastInForce(h, 100)?.id).toBe('f9');
  });
});

describe('backgroundZ and bandExcess', () => {
  it('measures distance from the median in SDs implied by the 90 % band', () => {
    const b = P(80, 85, 90, 95, 100); // half-width 10 → SD 10 / 1.645
    expect(backgroundZ(90, b)).toBe(0);
    expect(backgroundZ(100, b)).toBeCloseTo(1.6449, 4);
    expect(backgroundZ(70, b)).toBeCloseTo(-3.2897, 4);
    expect(bandExcess({ value: 110, band: b })).toBeCloseTo(1, 12);
    expect(bandExcess({ value: 90, band: b })).toBe(0);
  });
});
