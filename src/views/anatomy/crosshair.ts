// The slice viewer's crosshair: the point the surgeon last clicked on a CT slice (voxel ijk and its
// LPS mm), shared by the slice viewer (which draws the other planes' lines through it) and the 3D
// scene (CrosshairMarker). A tiny vanilla zustand store beside the anatomy store; reset with it
// when another patient opens (index.tsx).
import { createStore } from 'zustand/vanilla';
import { useStore } from 'zustand';
import type { Vec3 } from '../../../core/domain/imaging';

export interface CrosshairState {
  /** Voxel under the crosshair, or null when none is set. */
  ijk: Vec3 | null;
  /** Its centre in patient LPS mm. */
  pointLps: Vec3 | null;
  set: (ijk: Vec3, pointLps: Vec3) => void;
  clear: () => void;
}

export const crosshairStore = createStore<CrosshairState>()((set) => ({
  ijk: null,
  pointLps: null,
  set: (ijk, pointLps) => set({ ijk, pointLps }),
  clear: () => set({ ijk: null, pointLps: null }),
}));

export function useCrosshair<T>(selector: (s: CrosshairState) => T): T {
  return useStore(crosshairStore, selector);
}
