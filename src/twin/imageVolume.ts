// The image volume currently open in the Imaging view, handed to the Anatomy view and the
// meshing workers as a plain `ImageVolume` (voxels in HU + LPS geometry, src/domain/imaging.ts).
//
// A vanilla zustand store so workers' clients and non-React code can read it with getState();
// React reads it through `useImageVolume`. Ownership: the store holds the one published copy of
// the voxels. The Imaging view replaces it when another series is opened; consumers must not
// mutate `voxels` (transfer a copy to a worker when it needs to own one).
import { createStore } from 'zustand/vanilla';
import { useStore } from 'zustand';
import type { ImageVolume } from '../../core/domain/imaging';

export interface PublishedImageVolume {
  volume: ImageVolume;
  /** Patient the volume belongs to (FHIR id), or null for files opened from disk without one. */
  patientId: string | null;
  /** Wall-clock time it was published, ISO 8601; lets consumers tell a reload from the same data. */
  publishedAt: string;
}

export interface ImageVolumeState {
  current: PublishedImageVolume | null;
  publish: (volume: ImageVolume, patientId: string | null) => void;
  clear: () => void;
}

export function createImageVolumeStore() {
  return createStore<ImageVolumeState>()((set) => ({
    current: null,
    publish: (volume, patientId) => {
      assertConsistent(volume);
      set({ current: { volume, patientId, publishedAt: new Date().toISOString() } });
    },
    clear: () => set({ current: null }),
  }));
}

/** The app-wide store. Tests create their own with `createImageVolumeStore()` or call `clear()`. */
export const imageVolumeStore = createImageVolumeStore();

export function useImageVolume<T>(selector: (s: ImageVolumeState) => T): T {
  return useStore(imageVolumeStore, selector);
}

function assertConsistent(v: ImageVolume): void {
  const [ni, nj, nk] = v.dimensions;
  const expected = ni * nj * nk;
  if (v.voxels.length !== expected) {
    throw new Error(
      `image volume ${v.source.id}: ${v.voxels.length} voxels do not fill ${ni}×${nj}×${nk} = ${expected}`,
    );
  }
  if (v.spacingMm.some((s) => !(s > 0) || !Number.isFinite(s))) {
    throw new Error(`image volume ${v.source.id}: voxel spacing must be positive mm, got ${v.spacingMm.join(', ')}`);
  }
}
