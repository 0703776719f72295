import { describe, expect, it } from 'vitest';
import { applySpreadFloor, type EnsembleColumns } from './ensembleSpread';

function ens(params: number[], outputs: number[]): EnsembleColumns {
  return { size: params.length, parameterNames: ['a'], outputKeys: ['y'], logParameters: Float64Array.from(params), outputs: Float64Array.from(outputs) };
}
const sd = (xs: ArrayLike<number>) => {
  const a = Array.from(xs);
  const m = a.reduce((s, x) => s + x, 0) / a.length;
  return Math.sqrt(a.reduce((s, x) => s + (x - m) ** 2, 0) / (a.length - 1));
};
const mean = (xs: ArrayLike<number>) => Array.from(xs).reduce((s, x) => s + x, 0) / xs.length;

describe('applySpreadFloor', () => {
  const reference = ens([0, 1, 2, 3], [100, 110, 120, 130]);

  it('raises a collapsed column to the floor about its own mean and leaves a wide one alone', () => {
    const collapsed = ens([5, 5.1, 5.2, 5.3], [100, 140, 180, 220]);
    const { ensemble, scaledColumns } = applySpreadFloor(collapsed, reference, 0.5);
    expect(scaledColumns).toBe(1);
    expect(sd(ensemble.logParameters)).toBeCloseTo(0.5 * sd(reference.logParameters), 12);
    expect(mean(ensemble.logParameters)).toBeCloseTo(5.15, 12);
    expect(Array.from(ensemble.outputs)).toEqual([100, 140, 180, 220]);
    expect(Array.from(collapsed.logParameters)).toEqual([5, 5.1, 5.2, 5.3]); // input untouched
  });

  it('rejects mismatched ensembles and a bad fraction', () => {
    expect(() => applySpreadFloor({ ...reference, outputKeys: ['z'] }, reference)).toThrow(/different/);
    expect(() => applySpreadFloor(reference, reference, 2)).toThrow(/floorFraction/);
  });
});
