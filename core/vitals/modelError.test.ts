import { describe, expect, it } from 'vitest';
import { INNOVATION_MIN, INNOVATION_WINDOW, modelErrorVariance, recordInnovations, type InnovationHistory } from './modelError';

// An innovation as assimilate reports it: z = d / √T.
const inn = (key: string, d: number, expectedVar: number) => ({ key, value: 100 + d, predictedMean: 100, z: d / Math.sqrt(expectedVar) });

describe('model-error variance from innovations', () => {
  it('is zero while the filter is consistent (mean d² ≈ expected variance)', () => {
    let h: InnovationHistory = {};
    // d = ±3 with expected variance 9: exactly consistent.
    for (let i = 0; i < 12; i++) h = recordInnovations(h, [inn('mapMmHg', i % 2 ? 3 : -3, 9)]);
    expect(modelErrorVariance(h, 'mapMmHg')).toBeCloseTo(0, 12);
  });

  it('is the excess of mean d² over the expected variance when the twin is wrong more than it thinks', () => {
    let h: InnovationHistory = {};
    for (let i = 0; i < 10; i++) h = recordInnovations(h, [inn('sbpMmHg', i % 2 ? 10 : -10, 36)]);
    expect(modelErrorVariance(h, 'sbpMmHg')).toBeCloseTo(100 - 36, 9);
    // Other vitals are untouched.
    expect(modelErrorVariance(h, 'hrBpm')).toBe(0);
  });

  it('waits for INNOVATION_MIN updates and forgets beyond INNOVATION_WINDOW', () => {
    let h: InnovationHistory = {};
    for (let i = 0; i < INNOVATION_MIN - 1; i++) h = recordInnovations(h, [inn('hrBpm', 20, 4)]);
    expect(modelErrorVariance(h, 'hrBpm')).toBe(0);
    h = recordInnovations(h, [inn('hrBpm', 20, 4)]);
    expect(modelErrorVariance(h, 'hrBpm')).toBeCloseTo(396, 9);
    // A day of consistent updates pushes the old misses out of the window.
    for (let i = 0; i < INNOVATION_WINDOW; i++) h = recordInnovations(h, [inn('hrBpm', 2, 4)]);
    expect(modelErrorVariance(h, 'hrBpm')).toBeCloseTo(0, 9);
    expect(h.hrBpm!.d2).toHaveLength(INNOVATION_WINDOW);
  });

  it('never goes negative and ignores z = 0 (no variance information)', () => {
    let h: InnovationHistory = {};
    for (let i = 0; i < 8; i++) h = recordInnovations(h, [inn('dbpMmHg', 1, 25), { key: 'dbpMmHg', value: 100, predictedMean: 100, z: 0 }]);
    expect(h.dbpMmHg!.d2).toHaveLength(8);
    expect(modelErrorVariance(h, 'dbpMmHg')).toBe(0);
  });

  it('does not modify the history it is given', () => {
    const h0 = recordInnovations({}, [inn('hrBpm', 5, 4)]);
    const h1 = recordInnovations(h0, [inn('hrBpm', 5, 4)]);
    expect(h0.hrBpm!.d2).toHaveLength(1);
    expect(h1.hrBpm!.d2).toHaveLength(2);
  });
});
