import { describe, expect, it } from 'vitest';
import type { TrajectoryPoint } from '../../core/domain/physiology';
import { formatSimTime, peakEffect } from './scenarioPeak';

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
});
