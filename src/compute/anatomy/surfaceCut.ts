// The curved resection surface on the page side (issue 17): what the planner worker needs of a
// structure (its voxel list on the CT grid) and how a cut's state becomes a request. The surface
// geometry is core/domain/resectionSurface.ts; the kernels run in the Anatomy worker.
import { type LabelVolume, type VolumeGeometry, labelLayer } from '../../../core/domain/imaging';
import { type PlaneLps } from '../../../core/domain/mesh';
import { validatePatch } from '../../../core/domain/resectionSurface';
import { createStore } from 'zustand/vanilla';
import { useStore } from 'zustand';
import { type SurfaceCutRequest, type SurfaceCutResult } from '../../../core/contracts/anatomy-worker';
import { type CutPlaneState } from '../../twin/anatomy';

/** Linear voxel indices (ascending) of one structure of a layered label map, and the grid they index. */
export function voxelsOfLabel(map: LabelVolume, label: number): { grid: VolumeGeometry; voxels: Uint32Array } {
  const seg = map.segments.find((s) => s.label === label);
  if (seg === undefined) throw new Error(`structure ${label} is not in the segmentation`);
  const a = labelLayer(map, seg.layer ?? 0);
  let n = 0;
  for (let x = 0; x < a.length; x++) if (a[x] === label) n++;
  const voxels = new Uint32Array(n);
  let c = 0;
  for (let x = 0; x < a.length; x++) if (a[x] === label) voxels[c++] = x;
  return { grid: { dimensions: [...map.dimensions], spacingMm: [...map.spacingMm], originLps: [...map.originLps], directionLps: [...map.directionLps] }, voxels };
}

/** Labels whose names read as a tumour (the default margin targets). */
export function isTumourName(name: string): boolean {
  return /tumou?r|lesion|metasta|carcinoma|cancer|nodule|mass\b|crlm|hcc/i.test(name);
}

/** The worker request for a cut with a surface, at the plane drawn. Throws when the cut has no surface. */
export function surfaceCutRequest(cut: CutPlaneState, plane: PlaneLps, cells = 48): SurfaceCutRequest {
  if (cut.surface === undefined) throw new Error('this cut is a plane: bend it first');
  validatePatch(cut.surface);
  return { organLabel: cut.organLabel, plane, patch: cut.surface, marginLabels: (cut.marginLabels ?? []).filter((l) => l !== cut.organLabel), cells };
}

/** The latest surface readout the view holds, with the cut state it was computed for (never shown for another). */
export interface SurfaceMapState {
  /** Cut id → the state it was computed for and the worker's answer. */
  byCut: Map<string, { for: CutPlaneState; result: SurfaceCutResult }>;
  /** The control point being edited (0–15, index 4·row + column), by cut id. */
  selectedPoint: Map<string, number>;
  publish: (cut: CutPlaneState, result: SurfaceCutResult) => void;
  selectPoint: (cutId: string, index: number) => void;
  reset: () => void;
}

export const surfaceMapStore = createStore<SurfaceMapState>()((set, get) => ({
  byCut: new Map(),
  selectedPoint: new Map(),
  publish: (cut, result) => set({ byCut: new Map(get().byCut).set(cut.id, { for: cut, result }) }),
  selectPoint: (cutId, index) => {
    if (!(Number.isInteger(index) && index >= 0 && index < 16)) throw new Error(`control point ${index} does not exist (0–15)`);
    set({ selectedPoint: new Map(get().selectedPoint).set(cutId, index) });
  },
  reset: () => set({ byCut: new Map(), selectedPoint: new Map() }),
}));

export function useSurfaceMaps<T>(selector: (s: SurfaceMapState) => T): T {
  return useStore(surfaceMapStore, selector);
}
