import { describe, expect, it } from 'vitest';
import { ijkToLps } from '../../../core/domain/imaging';
import { toImageVolume, type CornerstoneVolumeLike } from './toImageVolume';

// Geometry of the shared abdominal CT (../shared/data/SOURCES.md): 512×512×20, 0.9765625 mm
// pixels, 2.0 mm between slices, axial, z from −804.5 to −766.5.
const abdomen: CornerstoneVolumeLike = {
  volumeId: 'v1',
  dimensions: [512, 512, 20],
  spacing: [0.9765625, 0.9765625, 2],
  origin: [-249.51171875, -412.01171875, -804.5],
  direction: [1, 0, 0, 0, 1, 0, 0, 0, 1],
  isPreScaled: true,
  modality: 'CT',
};

describe('toImageVolume', () => {
  it('keeps Cornerstone geometry as LPS geometry (same row-major direction layout)', () => {
    const scalars = new Int16Array(512 * 512 * 20);
    const v = toImageVolume(abdomen, scalars, undefined, { kind: 'dicom-series', id: 's' });
    expect(v.dimensions).toEqual([512, 512, 20]);
    expect(v.spacingMm).toEqual([0.9765625, 0.9765625, 2]);
    expect(v.unit).toBe('HU');
    // The last slice sits 19 × 2 mm above the first: z = −766.5 (SOURCES.md).
    expect(ijkToLps(v, 0, 0, 19)[2]).toBeCloseTo(-766.5, 9);
    expect(ijkToLps(v, 511, 0, 0)[0]).toBeCloseTo(-249.51171875 + 511 * 0.9765625, 9);
  });

  it('copies pre-scaled voxels so Cornerstone cache eviction cannot change the published volume', () => {
    const scalars = Int16Array.from({ length: 8 }, (_, i) => i * 100 - 400);
    const v = toImageVolume({ ...abdomen, dimensions: [2, 2, 2] }, scalars, { slope: 1, intercept: -1024 }, { kind: 'dicom-series', id: 's' });
    expect(v.voxels).toBeInstanceOf(Int16Array);
    expect(Array.from(v.voxels)).toEqual(Array.from(scalars));
    scalars[0] = 999;
    expect(v.voxels[0]).toBe(-400);
  });

  it('keeps an array handed over as owned instead of copying it', () => {
    const scalars = new Int16Array(8);
    const v = toImageVolume({ ...abdomen, dimensions: [2, 2, 2] }, scalars, undefined, { kind: 'dicom-series', id: 's' }, { scalarsOwned: true });
    expect(v.voxels).toBe(scalars);
  });

  it('applies rescale when the loader did not: stored 0 with intercept −1024 is air at −1024 HU', () => {
    const stored = Uint16Array.from([0, 1024, 1064, 4095]);
    const v = toImageVolume({ ...abdomen, dimensions: [2, 2, 1], isPreScaled: false }, stored, { slope: 1, intercept: -1024 }, { kind: 'dicom-series', id: 's' });
    expect(v.voxels).toBeInstanceOf(Int16Array);
    expect(Array.from(v.voxels)).toEqual([-1024, 0, 40, 3071]);
    const frac = toImageVolume({ ...abdomen, dimensions: [2, 1, 1], isPreScaled: false }, Uint16Array.from([10, 20]), { slope: 0.5, intercept: -1 }, { kind: 'dicom-series', id: 's' });
    expect(frac.voxels).toBeInstanceOf(Float32Array);
    expect(Array.from(frac.voxels)).toEqual([4, 9]);
  });

  it('falls back to Float32 when integer HU would overflow Int16', () => {
    const v = toImageVolume({ ...abdomen, dimensions: [1, 1, 1], isPreScaled: false }, Uint16Array.from([40000]), { slope: 1, intercept: 1 }, { kind: 'dicom-series', id: 's' });
    expect(v.voxels).toBeInstanceOf(Float32Array);
    expect(v.voxels[0]).toBe(40001);
  });

  it('rejects scalars that do not fill the grid and broken geometry, naming the volume', () => {
    expect(() => toImageVolume(abdomen, new Int16Array(10), undefined, { kind: 'dicom-series', id: 's' })).toThrow(/volume v1: 10 scalars for 512×512×20/);
    expect(() => toImageVolume({ ...abdomen, spacing: [1, Number.NaN, 1] }, new Int16Array(512 * 512 * 20), undefined, { kind: 'dicom-series', id: 's' })).toThrow(
      /volume v1: spacing must be 3 finite numbers/,
    );
  });
});
