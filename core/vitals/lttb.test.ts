import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { downsampleWindow, findGaps, lowerBound, lttbIndices } from './lttb';

const sortedSeries = fc
  .array(fc.tuple(fc.double({ min: 0.001, max: 1000, noNaN: true }), fc.double({ min: -1e3, max: 1e3, noNaN: true })), { minLength: 0, maxLength: 400 })
  .map((steps) => {
    const x = new Float64Array(steps.length);
    const y = new Float64Array(steps.length);
    let t = 0;
    steps.forEach(([dt, v], i) => {
      t += dt;
      x[i] = t;
      y[i] = v;
    });
    return { x, y };
  });

describe('lttbIndices', () => {
  it('keeps both endpoints, returns min(threshold, n) points and strictly increasing x (property)', () => {
    fc.assert(
      fc.property(sortedSeries, fc.integer({ min: 3, max: 500 }), ({ x, y }, threshold) => {
        const idx = lttbIndices(x, y, threshold);
        const n = x.length;
        expect(idx.length).toBe(Math.min(threshold, n));
        if (n === 0) return;
        expect(idx[0]).toBe(0);
        expect(idx[idx.length - 1]).toBe(n - 1);
        for (let i = 1; i < idx.length; i++) expect(x[idx[i]!]!).toBeGreaterThan(x[idx[i - 1]!]!);
      }),
      { numRuns: 200 },
    );
  });

  it('keeps a single spike that averaging would erase', () => {
    const n = 10_000;
    const x = new Float64Array(n);
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      x[i] = i;
      y[i] = 70;
    }
    y[4321] = 180; // one tachycardic beat in a flat line
    const idx = lttbIndices(x, y, 100);
    expect([...idx]).toContain(4321);
  });

  it('reduces a million points to the threshold within the window', () => {
    const n = 1_000_000;
    const x = new Float64Array(n);
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      x[i] = i * 1000;
      y[i] = 80 + 10 * Math.sin(i / 500);
    }
    const idx = downsampleWindow({ tMs: x, values: y }, 100_000_000, 200_000_000, 1500);
    expect(idx.length).toBe(1500);
    expect(x[idx[0]!]).toBe(100_000_000);
    expect(x[idx[idx.length - 1]!]).toBe(200_000_000);
  });

  it('rejects a bad threshold', () => {
    expect(() => lttbIndices([1, 2], [1, 2], -1)).toThrow(/threshold/);
  });
});

describe('lowerBound and findGaps', () => {
  it('finds the first index at or after t', () => {
    const t = [1, 3, 3, 7];
    expect(lowerBound(t, 0)).toBe(0);
    expect(lowerBound(t, 3)).toBe(1);
    expect(lowerBound(t, 4)).toBe(3);
    expect(lowerBound(t, 8)).toBe(4);
  });

  it('reports gaps longer than the threshold, clipped to the window', () => {
    const t = [0, 10, 20, 100, 110, 300];
    expect(findGaps(t, 0, 250, 50)).toEqual([
      { startMs: 20, endMs: 100 },
      { startMs: 110, endMs: 250 },
    ]);
    expect(findGaps(t, 0, 300, 500)).toEqual([]);
  });
});
