import { describe, expect, it } from 'vitest';
import type { TrajectoryPoint } from './physiology';
import { comparisonTimeSec, formatSimTime, peakEffect, strongestPeakEffect } from './scenarioPeak';

const traj = (f: (tH: number) => number, stepH = 0.25, endH = 24): TrajectoryPoint[] => {
  const out: TrajectoryPoint[] = [];
  for (let tH = 0; tH <= endH + 1e-9; tH += stepH) out.push({ tSec: tH * 3600, hrBpm: f(tH) } as TrajectoryPoint);
  return out;
};

describe('peakEffect', () => {
  it('finds a beta-blocker-like dip at 1.5 h that has worn off by 24 h', () => {
    const baseline = traj(() => 72);
    // Oral absorption/elimination (Bateman function) with the peak at ln(ka/ke)/(ka−ke) ≈ 1.5 h.
    const ka = 1.6;
    const ke = 0.35;
    const tPeak = Math.log(ka / ke) / (ka - ke);
    const bateman = (t: number) => Math.exp(-ke * t) - Math.exp(-ka * t);
    const scenario = traj((t) => 72 - (15 * bateman(t)) / bateman(tPeak));
    const peak = peakEffect(scenario, baseline, 'hrBpm')!;
    expect(Math.abs(peak.tSec / 3600 - tPeak)).toBeLessThanOrEqual(0.125 + 1e-9); // within half a sample
    expect(peak.delta).toBeCloseTo(-15, 0);
    expect(scenario.at(-1)!.hrBpm - 72).toBeGreaterThan(-0.1); // gone at 24 h: why the end alone misleads
  });
  it('interpolates a baseline sampled differently, and returns nothing without data', () => {
    const peak = peakEffect(traj((t) => 60 + t, 1, 4), traj((t) => 60 + t, 0.5, 4).filter((_, i) => i % 2 === 1), 'hrBpm')!;
    expect(Math.abs(peak.delta)).toBeLessThan(1e-9 + 0.5 + 1e-9);
    expect(peakEffect(undefined, traj(() => 1), 'hrBpm')).toBeUndefined();
  });
  it('formats simulated time', () => {
    expect(formatSimTime(5400)).toBe('1 h 30 min');
    expect(formatSimTime(2700)).toBe('45 min');
    expect(formatSimTime(86400)).toBe('24 h');
  });
  it('picks the scenario that departs most from the baseline, whichever way', () => {
    const baseline = traj(() => 72);
    const scenarios = [
      { id: 'baseline', trajectory: baseline },
      { id: 'up', trajectory: traj((t) => (t === 2 ? 80 : 72)) },
      { id: 'down', trajectory: traj((t) => (t === 3 ? 60 : 72)) },
      { id: 'pending', trajectory: undefined },
    ];
    expect(strongestPeakEffect(scenarios, 'baseline', 'hrBpm')).toEqual({ id: 'down', tSec: 3 * 3600, delta: -12 });
    expect(strongestPeakEffect([{ id: 'baseline', trajectory: baseline }], 'baseline', 'hrBpm')).toBeUndefined();
    expect(strongestPeakEffect([{ id: 'up', trajectory: baseline }], 'baseline', 'hrBpm')).toBeUndefined();
  });
  it('resolves the comparison time: end, chosen (clamped to ¼ h … end), peak (the end until there is one)', () => {
    const end = 24 * 3600;
    expect(comparisonTimeSec('end', 2, 5400, end)).toBe(end);
    expect(comparisonTimeSec('time', 2, undefined, end)).toBe(7200);
    expect(comparisonTimeSec('time', 0, undefined, end)).toBe(900);
    expect(comparisonTimeSec('time', 30, undefined, end)).toBe(end);
    expect(comparisonTimeSec('peak', 2, 5400, end)).toBe(5400);
    expect(comparisonTimeSec('peak', 2, undefined, end)).toBe(end);
  });
});
