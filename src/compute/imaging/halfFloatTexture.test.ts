import { describe, expect, it } from 'vitest';
import HalfFloat from '@kitware/vtk.js/Common/Core/HalfFloat.js';
import { HALF_FLOAT_MAX, halfBitsOfInteger, halfBitsToNumber, halfFloatTable, sliceToHalfFloat } from './halfFloatTexture';
import { newHalfFloatVolumeTexture } from './halfFloatVolumeTexture';

/** Spacing of half floats around |v| ≥ 1 (2^(e−10) for 2^e ≤ |v| < 2^(e+1)). */
const stepAt = (v: number): number => 2 ** (Math.floor(Math.log2(Math.abs(v))) - 10);

describe('half-float bits of integers (IEEE 754 binary16, round to nearest even)', () => {
  it('matches the standard encodings', () => {
    // IEEE 754-2008 binary16: 1 sign, 5 exponent (bias 15), 10 fraction bits; values from its tables.
    expect(halfBitsOfInteger(0)).toBe(0x0000);
    expect(halfBitsOfInteger(1)).toBe(0x3c00);
    expect(halfBitsOfInteger(-2)).toBe(0xc000);
    expect(halfBitsOfInteger(1024)).toBe(0x6400);
    expect(halfBitsOfInteger(-1024)).toBe(0xe400);
    expect(halfBitsOfInteger(2048)).toBe(0x6800);
    expect(halfBitsOfInteger(2049)).toBe(0x6800); // tie: to the even 2048
    expect(halfBitsOfInteger(2051)).toBe(0x6802); // tie: to the even 2052
    expect(halfBitsOfInteger(3071)).toBe(0x6a00); // tie between 3070 and 3072: 3072
    expect(halfBitsOfInteger(65504)).toBe(0x7bff);
    expect(halfBitsOfInteger(-65504)).toBe(0xfbff);
    expect(halfBitsToNumber(0x7c00)).toBe(Infinity);
    expect(halfBitsToNumber(0x0001)).toBe(2 ** -24);
  });

  it('saturates at the largest finite half instead of overflowing to infinity', () => {
    expect(halfBitsOfInteger(65535)).toBe(0x7bff);
    expect(halfBitsToNumber(halfBitsOfInteger(-70000))).toBe(-HALF_FLOAT_MAX);
  });

  it('refuses what is not an integer', () => {
    expect(() => halfBitsOfInteger(0.5)).toThrow(/not an integer/);
  });

  it('keeps every Hounsfield value within ±2048 exactly, and every 16-bit value within half a step', () => {
    let prev = -Infinity;
    const bad: string[] = [];
    let worstBelow4096 = 0;
    for (let v = -32768; v <= 32767; v++) {
      const back = halfBitsToNumber(halfBitsOfInteger(v));
      const err = Math.abs(back - v);
      if (Math.abs(v) <= 2048 && err !== 0) bad.push(`${v} → ${back}`);
      if (Math.abs(v) < 4096) worstBelow4096 = Math.max(worstBelow4096, err);
      if (err > stepAt(v) / 2) bad.push(`${v} → ${back} (more than half a step)`);
      if (back < prev) bad.push(`${v} → ${back} below ${prev}`); // monotone: the window's order is kept
      prev = back;
    }
    expect(bad).toEqual([]);
    expect(worstBelow4096).toBe(1); // HU 2048…4095: 1 HU at worst
  });

  it('agrees with vtk.js’s float → half conversion wherever the value is not a tie', () => {
    // vtk.js rounds ties up (away from zero), IEEE to even; everywhere else they must agree.
    let compared = 0;
    const bad: string[] = [];
    for (let v = -32768; v <= 32767; v++) {
      const back = halfBitsToNumber(halfBitsOfInteger(v));
      const tie = Math.abs(v) > 2048 && Math.abs(back - v) === stepAt(v) / 2;
      if (tie) continue;
      const vtk = halfBitsToNumber(HalfFloat.toHalf(v));
      if (vtk !== back) bad.push(`${v}: vtk.js ${vtk}, here ${back}`);
      compared++;
    }
    expect(bad).toEqual([]);
    expect(compared).toBeGreaterThan(40_000);
  });
});

describe('slices to half float', () => {
  it('converts signed and unsigned slices through the table, views of a larger buffer included', () => {
    const volume = new Int16Array([7, 7, -1024, -1, 0, 40, 2049, 3071, 32767]);
    const slice = volume.subarray(2, 9); // an offset view, as a volume's slice is
    const out = sliceToHalfFloat(slice, halfFloatTable(true), new Uint16Array(7));
    expect(Array.from(out, halfBitsToNumber)).toEqual([-1024, -1, 0, 40, 2048, 3072, 32768]);
    const u = sliceToHalfFloat(new Uint16Array([0, 4095, 65535]), halfFloatTable(false), new Uint16Array(3));
    expect(Array.from(u, halfBitsToNumber)).toEqual([0, 4096, HALF_FLOAT_MAX]);
  });

  it('names a length mismatch', () => {
    expect(() => sliceToHalfFloat(new Int16Array(4), halfFloatTable(true), new Uint16Array(3))).toThrow(/3 values where the slice has 4/);
  });
});

describe('the half-float volume texture (vtk.js texture, Cornerstone streaming contract)', () => {
  const voxels = new Int16Array(4 * 3 * 5);
  it('asks vtk.js for half float and tracks which slices must be sent', () => {
    const t = newHalfFloatVolumeTexture({ voxels, width: 4, height: 3, depth: 5, volumeId: 'v1' });
    expect(t.useHalfFloat()).toBe(true);
    expect(t.getVolumeId()).toBe('v1');
    expect(t.hasUpdatedFrames()).toBe(false);
    t.setUpdatedFrame(2);
    t.setUpdatedFrame(2);
    t.setUpdatedFrame(9); // outside the volume: ignored
    expect(t.hasUpdatedFrames()).toBe(true);
    expect((t as unknown as { getUpdatedFrames: () => unknown[] }).getUpdatedFrames()).toEqual([null, null, true, null, null]);
    // Cornerstone's modified() on a new slice actor re-sends nothing: the voxels change by slice only.
    t.modified();
    expect((t as unknown as { getUpdatedFrames: () => unknown[] }).getUpdatedFrames()).toEqual([null, null, true, null, null]);
    expect(t.getUploadedSlices()).toBe(0);
    const p = t as unknown as { setTextureParameters: (p: object) => void; getTextureParameters: () => object };
    p.setTextureParameters({ width: 4, height: 3, depth: 5, numberOfComponents: 1, dataType: 'Int16Array' });
    expect(p.getTextureParameters()).toEqual({ width: 4, height: 3, depth: 5, numberOfComponents: 1, dataType: 'Int16Array' });
    expect((t as unknown as { isA: (c: string) => boolean }).isA('vtkOpenGLTexture')).toBe(true);
    // Released (no GPU texture yet): the next mapper build must create it anew, not reuse a handle.
    t.releaseGraphicsResources();
    expect((p.getTextureParameters() as { dataType?: string }).dataType).toBeUndefined();
    t.delete();
  });

  it('names a buffer that does not fit the volume', () => {
    expect(() => newHalfFloatVolumeTexture({ voxels, width: 4, height: 3, depth: 6, volumeId: 'v' })).toThrow(/4×3×6 volume needs 72 voxels, the buffer holds 60/);
    expect(() => newHalfFloatVolumeTexture({ voxels: new Float32Array(60) as never, width: 4, height: 3, depth: 5, volumeId: 'v' })).toThrow(/16-bit integer voxels/);
  });
});
