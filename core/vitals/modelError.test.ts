import { describe, expect, it } from 'vitest';
import { ERROR_MIN, ERROR_WINDOW, growthVariance, modelErrorGrowth, recordForecastErrors, type ForecastErrorHistory } from './modelError';
import type { IssuedForecast } from './forecastCoverage';

const Z90 = 1.6448536269514722;
const H = 3_600_000;

/**
 * A forecast of `key` with median 100 and a Gaussian band of SD √(sd² + its model error at the lead)
 * (0–6 h, 10-min steps), as forecast.ts issues it.
 */
function forecast(issuedAtMs: number, key: string, sd: number, modelError?: IssuedForecast['modelError']): IssuedForecast {
  const tSec = Array.from({ length: 37 }, (_, i) => i * 600);
  const band = (t: number) => {
    const s = Math.sqrt(sd * sd + growthVariance(modelError?.[key], t / 3600));
    return { p05: 100 - Z90 * s, p25: 100 - 0.6745 * s, p50: 100, p75: 100 + 0.6745 * s, p95: 100 + Z90 * s };
  };
  return { id: `f${issuedAtMs}`, issuedAtMs, tSec, bands: { [key]: tSec.map(band) }, ...(modelError ? { modelError } : {}) };
}

/** Hourly forecasts and readings whose error from the median at lead L is ±√(base + v0 + q·L) (deterministic ±). */
function scenario(key: string, baseSd: number, v0: number, perHour: number, hours: number, stored?: IssuedForecast['modelError']): ForecastErrorHistory {
  const forecasts = Array.from({ length: hours }, (_, i) => forecast(i * H, key, baseSd, stored));
  let h: ForecastErrorHistory = {};
  for (let i = 1; i < hours; i++) {
    // One reading per (hour, lead), paired with the forecast issued `lead` hours before it only, at
    // the median ± an error whose square is the true total variance at that lead.
    for (const lead of [1, 2, 4]) {
      if (i - lead < 0) continue;
      const e = Math.sqrt(baseSd * baseSd + v0 + perHour * lead) * (i % 2 ? 1 : -1);
      const only = forecasts.filter((f) => f.issuedAtMs === (i - lead) * H);
      h = recordForecastErrors(h, only, [{ key, value: 100 + e, tMs: i * H }]);
    }
  }
  return h;
}

describe('model error from the patient’s own past forecast errors, growing with lead time', () => {
  it('is zero while the bands are right (mean squared error = band variance at every lead)', () => {
    const g = modelErrorGrowth(scenario('hrBpm', 4, 0, 0, 30), 'hrBpm');
    expect(g!.v0).toBeCloseTo(0, 9);
    expect(g!.perHour).toBeCloseTo(0, 9);
  });

  it('recovers v0 + perHour·lead when the twin is wrong by more, and more so further ahead', () => {
    const g = modelErrorGrowth(scenario('mapMmHg@cuff', 5, 6, 9, 40), 'mapMmHg@cuff')!;
    expect(g.v0).toBeCloseTo(6, 6);
    expect(g.perHour).toBeCloseTo(9, 6);
    expect(growthVariance(g, 4)).toBeCloseTo(42, 6);
  });

  it('measures against the band’s base variance, not a band it already widened (no feedback)', () => {
    // The forecasts already carried the right model error: the estimate stays the same, not doubled.
    const stored = { sbpMmHg: { v0: 6, perHour: 9 } };
    const g = modelErrorGrowth(scenario('sbpMmHg', 5, 6, 9, 40, stored), 'sbpMmHg')!;
    expect(g.v0).toBeCloseTo(6, 6);
    expect(g.perHour).toBeCloseTo(9, 6);
  });

  it('keeps both terms non-negative, needs ERROR_MIN pairs and keeps only the latest ERROR_WINDOW', () => {
    // Errors smaller than the bands: no model error (bands are never narrowed below the noise model).
    const g = modelErrorGrowth(scenario('hrBpm', 6, -20, 0, 30), 'hrBpm')!;
    expect(g).toEqual({ v0: 0, perHour: 0 });
    // Variance falling with lead: the growth is clamped at 0 and v0 is the mean excess.
    const falling = modelErrorGrowth(scenario('hrBpm', 2, 40, -8, 30), 'hrBpm')!;
    expect(falling.perHour).toBe(0);
    expect(falling.v0).toBeGreaterThan(0);
    const few = scenario('hrBpm', 4, 10, 0, 3);
    expect(few.hrBpm!.leadH.length).toBeLessThan(ERROR_MIN);
    expect(modelErrorGrowth(few, 'hrBpm')).toBeUndefined();
    expect(scenario('hrBpm', 4, 10, 0, 200).hrBpm!.leadH).toHaveLength(ERROR_WINDOW);
  });

  it('pairs a reading with the forecast issued nearest to each lead, never one issued after it', () => {
    const fs = [forecast(0, 'hrBpm', 3), forecast(0.9 * H, 'hrBpm', 3), forecast(2.2 * H, 'hrBpm', 3), forecast(3.5 * H, 'hrBpm', 3)];
    const h = recordForecastErrors({}, fs, [{ key: 'hrBpm', value: 103, tMs: 3 * H }]);
    // Lead 1 h → issued at 2.2 h (0.8 h ahead); 2 h → 0.9 h (2.1 h ahead); 4 h → none within ±0.5 h (−1 h).
    expect(h.hrBpm!.leadH.map((l) => Math.round(l * 10) / 10)).toEqual([0.8, 2.1]);
    expect(h.hrBpm!.excess[0]).toBeCloseTo(9 - 9, 6);
  });
});
