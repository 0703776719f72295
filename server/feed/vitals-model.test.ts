import { describe, expect, it } from 'vitest';
import { VitalsGenerator, type VitalsState } from './vitals-model';

const START: VitalsState = { hrBpm: 78, sbpMmHg: 150, dbpMmHg: 80, spo2Pct: 95, rrPerMin: 18 };

describe('VitalsGenerator', () => {
  it('is deterministic for a seed and differs between seeds', () => {
    const a = new VitalsGenerator(START, 42);
    const b = new VitalsGenerator(START, 42);
    const c = new VitalsGenerator(START, 43);
    const sa = Array.from({ length: 20 }, () => a.step(5));
    const sb = Array.from({ length: 20 }, () => b.step(5));
    const sc = Array.from({ length: 20 }, () => c.step(5));
    expect(sa).toEqual(sb);
    expect(sc).not.toEqual(sa);
  });

  it('continues from the start values without a jump and stays physiological over 6 h of 5-s samples', () => {
    const g = new VitalsGenerator(START, 7);
    const first = g.step(5);
    expect(Math.abs(first.hrBpm - START.hrBpm)).toBeLessThanOrEqual(8);
    expect(Math.abs(first.sbpMmHg - START.sbpMmHg)).toBeLessThanOrEqual(10);
    let prev = first;
    let maxHrStep = 0;
    let sumHr = 0;
    const n = (6 * 3600) / 5;
    for (let i = 0; i < n; i++) {
      const v = g.step(5);
      maxHrStep = Math.max(maxHrStep, Math.abs(v.hrBpm - prev.hrBpm));
      sumHr += v.hrBpm;
      expect(v.sbpMmHg - v.dbpMmHg).toBeGreaterThanOrEqual(19); // rounding of a >= 20 mmHg pulse pressure
      expect(v.spo2Pct).toBeLessThanOrEqual(100);
      expect(v.spo2Pct).toBeGreaterThanOrEqual(85);
      expect(v.rrPerMin).toBeGreaterThanOrEqual(8);
      prev = v;
    }
    // Slow drift, not a random walk to the limits: the mean HR stays within the set-point band.
    expect(Math.abs(sumHr / n - START.hrBpm)).toBeLessThanOrEqual(15 + 1);
    expect(maxHrStep).toBeLessThanOrEqual(12);
  });

  it('rejects bad start values and time steps', () => {
    expect(() => new VitalsGenerator({ ...START, hrBpm: Number.NaN }, 1)).toThrow(/hrBpm/);
    expect(() => new VitalsGenerator({ ...START, dbpMmHg: 160 }, 1)).toThrow(/below sbpMmHg/);
    expect(() => new VitalsGenerator(START, 1).step(0)).toThrow(/dtSec/);
  });
});
