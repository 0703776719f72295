import { describe, expect, it } from 'vitest';
import { Rng } from '../calibration/random';
import { lastIndexAtOrBefore, nearestIndex } from '../../../core/vitals/forecastScores';
import { persistenceForecast, sesForecast } from './baselines';

const H = 3_600_000;

describe('baseline forecasters', () => {
  it('finds readings by time (binary search, tolerance inclusive)', () => {
    const t = [0, H, 2 * H, 3 * H];
    expect(lastIndexAtOrBefore(t, 1.5 * H)).toBe(1);
    expect(lastIndexAtOrBefore(t, -1)).toBe(-1);
    expect(nearestIndex(t, 2.4 * H, 0.5 * H)).toBe(2);
    expect(nearestIndex(t, 5 * H, 0.5 * H)).toBe(-1);
  });

  it('persistence: median = last reading, bands = percentiles of past changes over the lead', () => {
    // Hourly readings rising 1 per hour: every 2-h change is +2, so the band collapses onto last + 2.
    const tMs = Array.from({ length: 12 }, (_, i) => i * H);
    const value = tMs.map((_, i) => 100 + i);
    const f = persistenceForecast({ tMs, value }, 11 * H, 2, 0.5 * H)!;
    expect(f.p50).toBe(111);
    expect(f.p05).toBe(113);
    expect(f.p95).toBe(113);
    // Too few past 4-h pairs at 6 h: no forecast rather than a made-up band.
    expect(persistenceForecast({ tMs: tMs.slice(0, 7), value: value.slice(0, 7) }, 6 * H, 4, 0.5 * H)).toBeUndefined();
  });

  it('SES on white noise about a level: the median near the level, the 90 % band covers about 90 %', () => {
    const rng = new Rng(3);
    const n = 400;
    const tMs = Array.from({ length: n }, (_, i) => i * H);
    const value = tMs.map(() => 80 + 5 * rng.normal());
    let inside = 0;
    let count = 0;
    for (let i = 50; i < n - 2; i++) {
      const f = sesForecast({ tMs, value }, tMs[i]!, 2)!;
      count++;
      if (value[i + 2]! >= f.p05 && value[i + 2]! <= f.p95) inside++;
    }
    const last = sesForecast({ tMs, value }, tMs[n - 1]!, 1)!;
    expect(Math.abs(last.p50 - 80)).toBeLessThan(2.5);
    // Binomial SE of a 90 % rate over ~350 correlated forecasts is about 2–3 points.
    expect(inside / count).toBeGreaterThan(0.84);
    expect(inside / count).toBeLessThan(0.96);
    expect(sesForecast({ tMs: tMs.slice(0, 3), value: value.slice(0, 3) }, 2 * H, 1)).toBeUndefined();
  });

  it('SES bands widen with the lead time', () => {
    const tMs = Array.from({ length: 30 }, (_, i) => i * H);
    const value = tMs.map((_, i) => 70 + ((i * 7) % 5) - 2 + i * 0.3);
    const w = (h: number) => {
      const f = sesForecast({ tMs, value }, 29 * H, h)!;
      return f.p95 - f.p05;
    };
    expect(w(4)).toBeGreaterThan(w(2));
    expect(w(2)).toBeGreaterThan(w(1));
  });
});
