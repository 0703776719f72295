import { beforeEach, describe, expect, it } from 'vitest';
import type { ImageVolume } from '../../core/domain/imaging';
import { createImageVolumeStore, imageVolumeStore } from './imageVolume';

function volume(n: number, dims: [number, number, number] = [2, 2, 2]): ImageVolume {
  return {
    dimensions: dims,
    spacingMm: [0.5, 0.5, 1],
    originLps: [0, 0, 0],
    directionLps: [1, 0, 0, 0, 1, 0, 0, 0, 1],
    voxels: new Int16Array(n),
    unit: 'HU',
    source: { kind: 'dicom-series', id: '1.2.3' },
  };
}

describe('image volume store', () => {
  beforeEach(() => imageVolumeStore.getState().clear());

  it('publishes a volume with its patient and replaces it on the next publish', () => {
    const s = createImageVolumeStore();
    expect(s.getState().current).toBeNull();
    const a = volume(8);
    s.getState().publish(a, 'demo-liver-58f');
    expect(s.getState().current?.volume).toBe(a);
    expect(s.getState().current?.patientId).toBe('demo-liver-58f');
    expect(Number.isNaN(Date.parse(s.getState().current!.publishedAt))).toBe(false);
    const b = volume(8);
    s.getState().publish(b, null);
    expect(s.getState().current?.volume).toBe(b);
    s.getState().clear();
    expect(s.getState().current).toBeNull();
  });

  it('refuses a volume whose voxels do not fill its grid, or with non-positive spacing', () => {
    const s = createImageVolumeStore();
    expect(() => s.getState().publish(volume(7), null)).toThrow(/1\.2\.3: 7 voxels do not fill 2×2×2 = 8/);
    expect(() => s.getState().publish({ ...volume(8), spacingMm: [0, 1, 1] }, null)).toThrow(/spacing must be positive mm/);
    expect(s.getState().current).toBeNull();
  });

  it('notifies subscribers outside React (meshing workers read it with getState)', () => {
    const seen: Array<string | null> = [];
    const off = imageVolumeStore.subscribe((st) => seen.push(st.current?.volume.source.id ?? null));
    imageVolumeStore.getState().publish(volume(8), null);
    imageVolumeStore.getState().clear();
    off();
    expect(seen).toEqual(['1.2.3', null]);
  });
});
