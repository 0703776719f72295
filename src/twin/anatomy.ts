// The Anatomy view's state: the structures and their surfaces, what is shown (visibility,
// opacity, CT planes, clipping), the surgeon's cut planes, landmarks and measurements, the camera,
// and the rehearsal plan (ordered steps). A vanilla zustand store (STYLE.md): the 3D scene reads
// fast-changing values with getState() and the panels subscribe with `useAnatomy`.
//
// Ownership: `meshes` holds the surfaces the meshing workers returned (typed arrays, LPS mm); the
// scene builds its BufferGeometries from them and disposes those itself. Nothing here is sent to
// the server except a plan (see src/compute/anatomy/planDocument.ts), which refers to structures
// by label and name, never by mesh.
import { createStore } from 'zustand/vanilla';
import { useStore } from 'zustand';
import { type SliceAxis, type Vec3, angleDeg, distanceMm } from '../../core/domain/imaging';
import { type CameraPoseLps, type CutPlaneParams, type StructureMesh } from '../../core/domain/mesh';
import { type SurfacePatch } from '../../core/domain/resectionSurface';
import { type TerritoryMap, type VesselCentrelines } from '../../core/contracts/territories';

export interface StructureEntry {
  label: number;
  name: string;
  /** sRGB 0–255. */
  colorRgb: [number, number, number];
  /** 0–1. */
  opacity: number;
  visible: boolean;
  /** Volume enclosed by the final surface, mL. */
  meshVolumeMl: number;
  /** Voxel count × voxel volume, mL. */
  voxelVolumeMl: number;
  triangleCount: number;
  watertight: boolean;
}

export interface CutPlaneState extends CutPlaneParams {
  id: string;
  /** The organ this cut divides (label). */
  organLabel: number;
  /** The vessel whose distance to the cut is read, or null. */
  vesselLabel: number | null;
  /**
   * The organ centre (LPS mm) the offset is measured from, fixed when a plan is saved or opened so
   * the plane is exactly the saved one; absent = the centre of the organ's surface now.
   */
  centreLps?: Vec3;
  /**
   * Issue 17: the curved resection surface bent from this plane (a 4×4 Bézier height field over it,
   * core/domain/resectionSurface.ts); absent = the plane itself.
   */
  surface?: SurfacePatch;
  /** Structures (tumours, vessels) whose distance to the surface is mapped on it. */
  marginLabels?: number[];
}

/** An axis-aligned clipping plane: keeps the side where (LPS[axis] − offsetMm)·(flip ? −1 : 1) ≤ 0. */
export interface ClipPlaneState {
  axis: 0 | 1 | 2;
  enabled: boolean;
  offsetMm: number;
  flip: boolean;
}

export interface Landmark {
  id: string;
  name: string;
  pointLps: Vec3;
}

export interface Measurement3d {
  id: string;
  kind: 'distance' | 'angle';
  pointsLps: Vec3[];
  /** mm for a distance, degrees for an angle. */
  value: number;
}

export type PickTool = 'orbit' | 'distance' | 'angle' | 'landmark';

export interface PlanStep {
  id: string;
  note: string;
  camera: CameraPoseLps;
  /** Labels visible in this step. */
  visibleLabels: number[];
  cutPlanes: CutPlaneState[];
}

/**
 * Vascular territories (issue 17): the vessel structures' centrelines, the territories of one branch
 * generation over the liver, and the surgeon's names for the branches (by territory id).
 */
export interface TerritoryState {
  vesselLabels: number[];
  centrelines: VesselCentrelines;
  liverLabel: number | null;
  map: TerritoryMap | null;
  /** Branch generation the territories are of (1 = the branches after the trunk). */
  generation: number;
  /** Branches the surgeon left out (their voxels go to the nearest remaining branch). */
  excludedIds: number[];
  names: Record<number, string>;
  /** The minimum branch length the centrelines were extracted with, mm (kept in a saved plan). */
  minBranchMm?: number;
}

/** Distinct, colour-blind-safer hues for territories (Okabe–Ito, then Tol's muted), by territory id. */
export const TERRITORY_COLOURS: ReadonlyArray<[number, number, number]> = [
  [230, 159, 0],
  [86, 180, 233],
  [0, 158, 115],
  [240, 228, 66],
  [0, 114, 178],
  [213, 94, 0],
  [204, 121, 167],
  [136, 204, 238],
  [68, 170, 153],
  [221, 204, 119],
  [170, 68, 153],
  [153, 153, 51],
];

/** Whether removing structure `label` leaves the territories without the vessel or liver they were computed from. */
function dropsTerritories(t: TerritoryState | null, label: number): boolean {
  return t !== null && (t.vesselLabels.includes(label) || t.liverLabel === label);
}

export function territoryColour(id: number): [number, number, number] {
  return TERRITORY_COLOURS[(id - 1) % TERRITORY_COLOURS.length]!;
}

export const MAX_CUT_PLANES = 4;
export const MAX_CLIP_PLANES = 3;

export interface AnatomyState {
  structures: StructureEntry[];
  meshes: ReadonlyMap<number, StructureMesh>;
  cutPlanes: CutPlaneState[];
  selectedCutId: string | null;
  clipPlanes: ClipPlaneState[];
  showSlices: boolean;
  sliceIndex: Record<SliceAxis, number>;
  landmarks: Landmark[];
  measurements: Measurement3d[];
  tool: PickTool;
  pendingPointsLps: Vec3[];
  /** The camera as the user left it (written when orbiting ends, not per frame). */
  camera: CameraPoseLps | null;
  /** A camera the scene should move to; seq increases so the same pose can be asked twice. */
  cameraRequest: { pose: CameraPoseLps; seq: number } | null;
  steps: PlanStep[];
  currentStep: number;
  planTitle: string;

  setStructureMeshes: (meshes: StructureMesh[]) => void;
  removeStructure: (label: number) => void;
  setVisible: (label: number, visible: boolean) => void;
  setOpacity: (label: number, opacity: number) => void;
  addCutPlane: (organLabel: number, params: CutPlaneParams) => string;
  updateCutPlane: (id: string, patch: Partial<Omit<CutPlaneState, 'id'>>) => void;
  removeCutPlane: (id: string) => void;
  selectCut: (id: string | null) => void;
  setClipPlane: (index: number, patch: Partial<ClipPlaneState>) => void;
  setShowSlices: (show: boolean) => void;
  setSliceIndex: (axis: SliceAxis, index: number) => void;
  setTool: (tool: PickTool) => void;
  /** A point picked on a surface with the current tool; completes a measurement or landmark. */
  pickPoint: (pointLps: Vec3) => void;
  removeMeasurement: (id: string) => void;
  removeLandmark: (id: string) => void;
  renameLandmark: (id: string, name: string) => void;
  setCamera: (pose: CameraPoseLps) => void;
  requestCamera: (pose: CameraPoseLps) => void;
  captureStep: (note: string) => void;
  updateStepNote: (index: number, note: string) => void;
  moveStep: (index: number, delta: -1 | 1) => void;
  deleteStep: (index: number) => void;
  goToStep: (index: number) => void;
  /** Load a plan's steps; with `view` (what was on screen when it was saved) show that, else step 1. */
  loadPlan: (title: string, steps: PlanStep[], view?: Omit<PlanStep, 'id' | 'note'>) => void;
  setPlanTitle: (title: string) => void;
  /** The future-liver-remnant threshold the surgeon chose for this patient (% of the liver). */
  flrThresholdPercent: number;
  setFlrThreshold: (percent: number) => void;
  territories: TerritoryState | null;
  /** New centrelines: the territories and branch names of older ones are dropped. */
  setCentrelines: (vesselLabels: number[], centrelines: VesselCentrelines, generation: number, minBranchMm?: number) => void;
  setTerritoryMap: (liverLabel: number, map: TerritoryMap, excludedIds: number[]) => void;
  renameTerritory: (id: number, name: string) => void;
  clearTerritories: () => void;
  reset: () => void;
}

let idCounter = 0;
function newId(prefix: string): string {
  idCounter++;
  const rnd = globalThis.crypto?.randomUUID?.() ?? `${Date.now().toString(36)}-${idCounter}`;
  return `${prefix}-${rnd}`;
}

function clamp01(x: number): number {
  return Math.min(1, Math.max(0, x));
}

const initial = () => ({
  structures: [] as StructureEntry[],
  meshes: new Map<number, StructureMesh>() as ReadonlyMap<number, StructureMesh>,
  cutPlanes: [] as CutPlaneState[],
  selectedCutId: null as string | null,
  clipPlanes: [0, 1, 2].map((axis) => ({ axis: axis as 0 | 1 | 2, enabled: false, offsetMm: 0, flip: false })),
  showSlices: false,
  sliceIndex: { axial: 0, coronal: 0, sagittal: 0 } as Record<SliceAxis, number>,
  landmarks: [] as Landmark[],
  measurements: [] as Measurement3d[],
  tool: 'orbit' as PickTool,
  pendingPointsLps: [] as Vec3[],
  camera: null as CameraPoseLps | null,
  cameraRequest: null as { pose: CameraPoseLps; seq: number } | null,
  steps: [] as PlanStep[],
  currentStep: -1,
  planTitle: 'Rehearsal plan',
  flrThresholdPercent: 20,
  territories: null as TerritoryState | null,
});

export function createAnatomyStore() {
  return createStore<AnatomyState>()((set, get) => ({
    ...initial(),
    setStructureMeshes: (list) => {
      const meshes = new Map(get().meshes);
      const structures = [...get().structures];
      for (const s of list) {
        meshes.set(s.label, s);
        const entry: StructureEntry = {
          label: s.label,
          name: s.name,
          colorRgb: s.colorRgb,
          opacity: 1,
          visible: true,
          meshVolumeMl: s.stats.meshVolumeMl,
          voxelVolumeMl: s.stats.voxelVolumeMl,
          triangleCount: s.stats.triangleCount,
          watertight: s.stats.watertight,
        };
        const at = structures.findIndex((e) => e.label === s.label);
        if (at >= 0) structures[at] = { ...entry, opacity: structures[at]!.opacity, visible: structures[at]!.visible };
        else structures.push(entry);
      }
      structures.sort((a, b) => a.label - b.label);
      set({ meshes, structures });
    },
    removeStructure: (label) => {
      const meshes = new Map(get().meshes);
      meshes.delete(label);
      set({
        meshes,
        structures: get().structures.filter((s) => s.label !== label),
        cutPlanes: get().cutPlanes.filter((c) => c.organLabel !== label).map((c) => (c.vesselLabel === label ? { ...c, vesselLabel: null } : c)),
        // Territories (and their centrelines) computed from a removed vessel or over a removed liver describe
        // anatomy that is gone: a plan saved now must not carry them, so they go with it.
        territories: dropsTerritories(get().territories, label) ? null : get().territories,
      });
    },
    setVisible: (label, visible) => set({ structures: get().structures.map((s) => (s.label === label ? { ...s, visible } : s)) }),
    setOpacity: (label, opacity) => set({ structures: get().structures.map((s) => (s.label === label ? { ...s, opacity: clamp01(opacity) } : s)) }),
    addCutPlane: (organLabel, params) => {
      if (!get().meshes.has(organLabel)) throw new Error(`no structure with label ${organLabel} to cut`);
      if (get().cutPlanes.length >= MAX_CUT_PLANES) throw new Error(`at most ${MAX_CUT_PLANES} cut planes`);
      const id = newId('cut');
      set({ cutPlanes: [...get().cutPlanes, { id, organLabel, vesselLabel: null, ...params }], selectedCutId: id });
      return id;
    },
    updateCutPlane: (id, patch) => set({ cutPlanes: get().cutPlanes.map((c) => (c.id === id ? { ...c, ...patch } : c)) }),
    removeCutPlane: (id) => {
      const cutPlanes = get().cutPlanes.filter((c) => c.id !== id);
      set({ cutPlanes, selectedCutId: get().selectedCutId === id ? (cutPlanes[0]?.id ?? null) : get().selectedCutId });
    },
    selectCut: (id) => set({ selectedCutId: id }),
    setClipPlane: (index, patch) => {
      if (index < 0 || index >= MAX_CLIP_PLANES) throw new Error(`clipping plane ${index} does not exist (0…${MAX_CLIP_PLANES - 1})`);
      set({ clipPlanes: get().clipPlanes.map((c, i) => (i === index ? { ...c, ...patch } : c)) });
    },
    setShowSlices: (showSlices) => set({ showSlices }),
    setSliceIndex: (axis, index) => set({ sliceIndex: { ...get().sliceIndex, [axis]: index } }),
    setTool: (tool) => set({ tool, pendingPointsLps: [] }),
    pickPoint: (p) => {
      const { tool } = get();
      const pending = [...get().pendingPointsLps, p];
      switch (tool) {
        case 'orbit':
          return;
        case 'landmark': {
          const n = get().landmarks.length + 1;
          set({ landmarks: [...get().landmarks, { id: newId('lm'), name: `L${n}`, pointLps: p }], pendingPointsLps: [] });
          return;
        }
        case 'distance':
          if (pending.length < 2) return set({ pendingPointsLps: pending });
          set({
            measurements: [...get().measurements, { id: newId('m'), kind: 'distance', pointsLps: pending, value: distanceMm(pending[0]!, pending[1]!) }],
            pendingPointsLps: [],
          });
          return;
        case 'angle':
          if (pending.length < 3) return set({ pendingPointsLps: pending });
          // The second click is the vertex.
          set({
            measurements: [...get().measurements, { id: newId('m'), kind: 'angle', pointsLps: pending, value: angleDeg(pending[0]!, pending[1]!, pending[2]!) }],
            pendingPointsLps: [],
          });
          return;
      }
    },
    removeMeasurement: (id) => set({ measurements: get().measurements.filter((m) => m.id !== id) }),
    removeLandmark: (id) => set({ landmarks: get().landmarks.filter((m) => m.id !== id) }),
    renameLandmark: (id, name) => set({ landmarks: get().landmarks.map((m) => (m.id === id ? { ...m, name } : m)) }),
    setCamera: (camera) => set({ camera }),
    requestCamera: (pose) => set({ cameraRequest: { pose, seq: (get().cameraRequest?.seq ?? 0) + 1 }, camera: pose }),
    captureStep: (note) => {
      const { camera } = get();
      if (camera === null) throw new Error('the 3D view has no camera yet: show a structure first');
      const step: PlanStep = {
        id: newId('step'),
        note,
        camera,
        visibleLabels: get().structures.filter((s) => s.visible).map((s) => s.label),
        cutPlanes: get().cutPlanes.map((c) => ({ ...c })),
      };
      const steps = [...get().steps, step];
      set({ steps, currentStep: steps.length - 1 });
    },
    updateStepNote: (index, note) => set({ steps: get().steps.map((s, i) => (i === index ? { ...s, note } : s)) }),
    moveStep: (index, delta) => {
      const steps = [...get().steps];
      const to = index + delta;
      if (index < 0 || index >= steps.length || to < 0 || to >= steps.length) return;
      const [s] = steps.splice(index, 1);
      steps.splice(to, 0, s!);
      const cur = get().currentStep;
      set({ steps, currentStep: cur === index ? to : cur === to ? index : cur });
    },
    deleteStep: (index) => {
      const steps = get().steps.filter((_, i) => i !== index);
      set({ steps, currentStep: Math.min(get().currentStep, steps.length - 1) });
    },
    goToStep: (index) => {
      const step = get().steps[index];
      if (step === undefined) return;
      const visible = new Set(step.visibleLabels);
      set({
        currentStep: index,
        structures: get().structures.map((s) => ({ ...s, visible: visible.has(s.label) })),
        cutPlanes: step.cutPlanes.map((c) => ({ ...c })),
        selectedCutId: step.cutPlanes[0]?.id ?? null,
        cameraRequest: { pose: step.camera, seq: (get().cameraRequest?.seq ?? 0) + 1 },
        camera: step.camera,
      });
    },
    loadPlan: (planTitle, steps, view) => {
      set({ planTitle, steps, currentStep: -1 });
      if (view !== undefined) {
        const visible = new Set(view.visibleLabels);
        set({
          structures: get().structures.map((s) => ({ ...s, visible: visible.has(s.label) })),
          cutPlanes: view.cutPlanes.map((c) => ({ ...c })),
          selectedCutId: view.cutPlanes[0]?.id ?? null,
          cameraRequest: { pose: view.camera, seq: (get().cameraRequest?.seq ?? 0) + 1 },
          camera: view.camera,
        });
      } else if (steps.length > 0) get().goToStep(0);
    },
    setPlanTitle: (planTitle) => set({ planTitle }),
    setFlrThreshold: (percent) => {
      if (!(percent > 0 && percent < 100)) throw new Error(`the remnant threshold must be between 0 and 100 %, got ${percent}`);
      set({ flrThresholdPercent: percent });
    },
    setCentrelines: (vesselLabels, centrelines, generation, minBranchMm) =>
      set({ territories: { vesselLabels, centrelines, liverLabel: null, map: null, generation, excludedIds: [], names: {}, ...(minBranchMm !== undefined ? { minBranchMm } : {}) } }),
    setTerritoryMap: (liverLabel, map, excludedIds) => {
      const t = get().territories;
      if (t === null) throw new Error('extract the vessel centrelines first');
      // Ids name other branches in another generation: the surgeon's names go with the generation.
      set({ territories: { ...t, liverLabel, map, generation: map.generation, excludedIds, names: map.generation === t.generation ? t.names : {} } });
    },
    renameTerritory: (id, name) => {
      const t = get().territories;
      if (t === null) return;
      const trimmed = name.trim();
      const names = { ...t.names };
      if (trimmed === '') delete names[id];
      else names[id] = trimmed;
      set({ territories: { ...t, names } });
    },
    clearTerritories: () => set({ territories: null }),
    reset: () => set(initial()),
  }));
}

export type AnatomyStore = ReturnType<typeof createAnatomyStore>;

/** The app-wide store; tests create their own or call reset(). */
export const anatomyStore = createAnatomyStore();

export function useAnatomy<T>(selector: (s: AnatomyState) => T): T {
  return useStore(anatomyStore, selector);
}
