// The Anatomy worker's contract (workers/anatomy/anatomy.worker.ts): series loading, the planner's
// cut-plane volumes and exports, and imported segmentations. Declared here so the browser's
// session (src/compute/anatomy/session.ts) and the worker share one definition; the worker checks
// its implementation against it. Volumes and bytes come back transferred.
import type { ImageVolume, LabelVolume, VolumeGeometry } from '../domain/imaging';
import type { CutVolumes, PlaneLps, StructureMesh } from '../domain/mesh';
import type { TerritoryMap, TerritoryRemnantResult, VesselCentrelines } from './territories';
import type { SurfacePatch } from '../domain/resectionSurface';

export type LoadPhase = 'download' | 'parse' | 'build';

export interface LoadProgress {
  phase: LoadPhase;
  /** 0–1 over the whole load (download 0–0.6, parse 0.6–0.8, build 0.8–1). */
  fraction: number;
}

export interface CutResult {
  volumes: CutVolumes;
  /** Closest distance from the cut outline to the chosen vessel, mm; null without a vessel; Infinity when the plane misses the organ. */
  vesselDistanceMm: number | null;
}

/**
 * What an export carries of the plan (issue 17): the cut surfaces on screen (a plane cut as its flat
 * patch over the organ) and the vascular territories (their labels on the territory grid, with the
 * names, colours and volumes the page shows).
 */
export interface ExportPlan {
  resections: Array<{ name: string; organLabel: number; plane: PlaneLps; patch?: SurfacePatch }>;
  territories?: {
    liverLabel: number;
    grid: VolumeGeometry;
    /** Territory id per voxel of `grid` (TerritoryMap.labels). */
    labels: Uint16Array;
    generation: number;
    liverMl: number;
    items: Array<{ id: number; name: string; colorRgb: [number, number, number]; volumeMl: number }>;
  };
}

/** A curved resection surface to evaluate (issue 17): the plane, its Bézier patch, the margin targets. */
export interface SurfaceCutRequest {
  organLabel: number;
  plane: PlaneLps;
  patch: SurfacePatch;
  /** Structures (tumours, chosen vessels) whose distance to the surface is mapped. */
  marginLabels: number[];
  /** Tessellation of the surface for the margin map and the view (cells a side; default 48). */
  cells?: number;
}

export interface SurfaceCutResult {
  /** Plane mesh split + voxel volume between plane and surface (workers/liver/resectionSurface.ts). */
  volumes: CutVolumes;
  /** The tessellated surface (LPS mm), transferred. */
  positionsLps: Float32Array;
  indices: Uint32Array;
  /** Per vertex: mm to the nearest margin target; NaN outside the organ; Infinity without targets. */
  marginMm: Float32Array;
  /** The smallest margin inside the organ, where and to what (null: no target, or the surface misses the organ). */
  minMargin: { mm: number; label: number; name: string; pointLps: [number, number, number] } | null;
  /** Per target: its smallest margin and the side of the surface it lies on. */
  targets: Array<{ label: number; name: string; minMm: number; side: 'resected' | 'remnant' | 'crossed' }>;
}

export interface BuiltSegmentation {
  bytes: ArrayBuffer;
  studyInstanceUid: string;
  seriesInstanceUid: string;
  sopInstanceUid: string;
}

/** An imported segmentation; `seg` when it came from a DICOM-SEG (its UIDs, references and patient). */
export type ImportedSegmentation = LabelVolume & {
  seg?: {
    sopInstanceUid: string;
    seriesInstanceUid: string;
    studyInstanceUid: string;
    referencedSeriesUids: string[];
    patient: { name: string; id: string; birthDate: string; sex: string };
  };
};

export interface NamedBytes {
  name: string;
  bytes: ArrayBuffer;
}

export interface AnatomyWorkerApi {
  /**
   * Split a WADO-RS series answer (the multipart body the page downloaded, transferred) and build
   * its volume; progress covers parse and build (0.6–1), the page reports the download (0–0.6).
   * Voxels come back transferred.
   */
  loadSeries(multipartBody: ArrayBuffer, boundary: string, onProgress?: (p: LoadProgress) => void): Promise<ImageVolume>;
  /** A DICOM-SEG of `labels` (every layer) that references the loaded series; bytes transferred, with the SEG's UIDs. */
  buildSegmentationForPacs(labels: LabelVolume, options: { seriesDescription: string; creator: string }): BuiltSegmentation;
  /** Read an imported segmentation and put it on `ctGeometry` when given and the grids differ. */
  importSegmentation(files: NamedBytes[], ctGeometry: VolumeGeometry | null): Promise<ImportedSegmentation>;
  /**
   * Split a DICOM-SEG series answer (WADO-RS multipart body the page downloaded) and import it like a file. Refused when it
   * segments another series than `ctSeriesUid` (its ReferencedSeriesSequence), or belongs to another
   * patient than `patientIds` lists (its PatientID), so a SEG is never laid over the wrong images.
   */
  loadSegmentationSeries(multipartBody: ArrayBuffer, boundary: string, ctGeometry: VolumeGeometry | null, expect: { ctSeriesUid?: string; patientIds?: string[] }): Promise<ImportedSegmentation>;
  /** Give the planner (copies of) surfaces; replaces any with the same label. */
  setMeshes(list: StructureMesh[]): void;
  dropMesh(label: number): void;
  cut(organLabel: number, plane: PlaneLps, vesselLabel: number | null): CutResult;
  /** Give the planner a structure's voxels (linear indices into `grid`, transferred) for curved cuts and margins. */
  setStructureVoxels(label: number, grid: VolumeGeometry, voxels: Uint32Array): void;
  /** Volumes and the safety-margin map of a curved resection surface (needs the organ's voxels). */
  cutSurface(request: SurfaceCutRequest): SurfaceCutResult;
  /** GLB of the structures and, when given, the plan (issue 17): each resection surface and territory its own node. */
  exportGlb(labels: number[], opacity: Array<[number, number]>, plan?: ExportPlan): ArrayBuffer;
  exportStl(labels: number[]): ArrayBuffer;
  /** One binary STL (LPS mm) per resection surface and per territory of the plan, named; bytes transferred. */
  exportPlanStl(plan: ExportPlan): Array<{ name: string; bytes: ArrayBuffer }>;
  /**
   * Vascular territories (issue 17), step 1: the centreline trees of vessel structures (binary masks on
   * `geometry`, transferred), kept in the worker for step 2. Progress 0–1.
   */
  extractCentrelines(vessels: Array<{ label: number; name: string; mask: Uint8Array }>, geometry: VolumeGeometry, options: { minBranchMm?: number }, onProgress?: (fraction: number) => void): VesselCentrelines;
  /**
   * Step 1 from a saved plan (issue 17): hold these centrelines (as stored, not re-extracted), so the
   * territories computed next are those of the saved branches; drops the territories held.
   */
  restoreCentrelines(centrelines: VesselCentrelines): number;
  /**
   * Step 2: territories of the branches of `generation` (each with its subtree; `excludeIds` left
   * out) over the liver mask (transferred; null = the one sent last). Kept for territoryRemnants.
   */
  computeTerritories(liverMask: Uint8Array | null, geometry: VolumeGeometry, generation: number, excludeIds: number[], onProgress?: (fraction: number) => void): TerritoryMap;
  /**
   * Step 3: remnant per territory for a cut plane (the side opposite the normal is kept), or for the
   * curved surface `patch` bent from it (core/domain/resectionSurface.ts: side < 0 is kept).
   */
  territoryRemnants(plane: PlaneLps, patch?: SurfacePatch): TerritoryRemnantResult;
}
