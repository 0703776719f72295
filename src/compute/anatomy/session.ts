// The Anatomy view's compute session: one per opened patient. It orchestrates: it owns the
// workers (the Anatomy worker for loading / planning / files, the meshing client for segmentation
// and surfaces), the loaded CT and the working label map, and hands surfaces to the anatomy store.
// React calls its methods and shows progress; nothing heavy runs on the UI thread. What it
// composes (issue 15): network I/O in src/sources/anatomyPacs.ts (which CT series, WADO-RS
// downloads, SEG list, STOW-RS of a SEG) and src/sources/anatomyRecord.ts (ImagingStudy, patient
// identifiers, the LV volume transaction); the territory worker in territoryJobs.ts; pure helpers
// in labelMap.ts (masks, grids, layers), segmentParams.ts (panel settings → operations),
// planeGeometry.ts, surfaceCut.ts, lvVolume.ts and core/domain/abort.ts (raceAbort); state in
// src/twin/anatomy.ts and src/twin/imageVolume.ts.
//
// Cancel: a worker computing synchronously cannot be interrupted, so cancelling a load, a meshing
// job or a plan computation terminates that worker and a fresh one starts on next use (each is a
// one-worker WorkerPool, core/workerPool). The
// segmentation worker is the exception: it holds the CT, so a cancelled segmentation returns at
// once and leaves the worker to finish its current step (src/compute/meshing.ts); the CT stays.
import { type ImageVolume, type LabelVolume, type Vec3, layerAsVolume } from '../../../core/domain/imaging';
import { type StructureMesh } from '../../../core/domain/mesh';
import { http } from '../../sources/api';
import { downloadStudySeries, findCtSeries, segmentationSeriesInStudy, storeSegmentation, type SavedSegmentation, type SeriesRef } from '../../sources/anatomyPacs';
import { ctStudyForSeries, imagingStudiesOf, patientIdentifiers, postObservationTransaction, type CtStudyRef } from '../../sources/anatomyRecord';
import { anatomyStore, type CutPlaneState } from '../../twin/anatomy';
import { type SavedCut, savedCutOf } from './planDocument';
import { imageVolumeStore } from '../../twin/imageVolume';
import { createDicomwebClient } from '../imaging/dicomweb';
import { stowFiles } from '../imaging/stow';
import { MeshingClient } from '../meshing';
import { MESHING_VERSION } from '../../../core/contracts/versions';
import { addMask, copyLabelMap, emptyLabelMap, gridOfLabelMap, labelsByLayer, maskOfLabel, mergeLabelVolume, removeLabel } from './labelMap';
import { lvVolumeBundle, lvVolumeOf, type LvVolumeChoice, type SegmentationSource } from './lvVolume';
import { boundsOf, cutPlaneLps, type CutPlaneParams } from './planeGeometry';
import { emptySegmentationMessage, segmentationOps, type SegmentParams } from './segmentParams';
import { type TerritoryMap, type TerritoryRemnantResult, type VesselCentrelines } from '../../../core/contracts/territories';
import { type VolumeGeometry } from '../../../core/domain/imaging';
import { type CutResult, type ImportedSegmentation, type LoadProgress, type AnatomyWorkerApi, type SurfaceCutResult } from '../../../core/contracts/anatomy-worker';
import { surfaceCutRequest, surfaceMapStore, voxelsOfLabel } from './surfaceCut';
import { raceAbort } from '../../../core/domain/abort';
import { transfer, WorkerPool } from '../../../core/workerPool/workerPool';
import { anatomyWorkers, type JobHooks } from './anatomyWorkers';
import { TerritoryJobs } from './territoryJobs';

export type { SavedSegmentation, SeriesRef } from '../../sources/anatomyPacs';
export type { SegmentParams } from './segmentParams';
export type { JobHooks } from './anatomyWorkers';

export interface PublishedLvVolume extends LvVolumeChoice {
  /** False when the same measurement was already in the record (conditional create found it). */
  created: boolean;
  observationId: string | undefined;
}

/** Meshing settings for the view: a triangle budget that SwiftShader and laptops render smoothly (IMAGING.md). */
export const VIEW_BUDGET_TRIANGLES = 60_000;

export class AnatomySession {
  ct: ImageVolume | null = null;
  seriesRef: SeriesRef | null = null;
  labels: LabelVolume | null = null;
  /** Downloads and parses the CT; keeps its Part 10 files for the SEG reference (until the next load or a cancel). */
  private readonly loader = new WorkerPool<AnatomyWorkerApi>({ name: 'anatomy loader', size: 1, create: anatomyWorkers });
  private loaderHoldsSeries = false;
  /** Holds copies of the surfaces for cuts and exports. */
  private readonly planner = new WorkerPool<AnatomyWorkerApi>({ name: 'anatomy planner', size: 1, create: anatomyWorkers });
  private meshing = new MeshingClient();
  /** The CT the segmentation worker holds (or is being given). */
  private segmenterCt: { volume: ImageVolume; loaded: Promise<void> } | null = null;
  /** Where each structure came from (seeded in this session, or the imported file), for provenance. */
  private readonly sourceByLabel = new Map<number, SegmentationSource>();
  private disposed = false;
  /** DICOM-SEG series loaded or saved in this session → (segment number → working label). */
  private readonly segmentationLabels = new Map<string, Map<number, number>>();
  /** The last SEG saved to the PACS and the working map it holds (stale once structures change). */
  private savedSegmentation: SavedSegmentation | null = null;
  /** Vascular territories (issue 17) in their own worker (src/compute/anatomy/territoryJobs.ts). */
  private readonly territories = new TerritoryJobs();
  /** Organ centres by surface, so a slider drag does not rescan the vertices on every event. */
  private readonly centres = new WeakMap<object, Vec3>();
  /** Which surface's voxels the planner worker holds, by label (a re-meshed structure sends them again). */
  private readonly voxelsSent = new Map<number, object>();

  constructor(readonly patientId: string) {
    const published = imageVolumeStore.getState().current;
    // Reuse the CT the Imaging view opened for this patient (no second download).
    if (published?.patientId === patientId && published.volume.unit === 'HU') this.ct = published.volume;
  }

  /** The patient's CT series with the most instances: from the record's ImagingStudy, else the PACS. */
  findCtSeries(signal?: AbortSignal): Promise<SeriesRef> {
    return findCtSeries(this.patientId, createDicomwebClient(http), signal);
  }

  /** Download and build the CT in a worker; publishes it for the other views. */
  async loadCt(hooks: JobHooks = {}): Promise<ImageVolume> {
    const series = await this.findCtSeries(hooks.signal);
    this.loaderHoldsSeries = false;
    // The page downloads (0–0.6 of the progress), the worker splits, parses and builds (0.6–1).
    const { body, boundary } = await downloadStudySeries(series.studyInstanceUid, series.seriesInstanceUid, series.instanceCount, { signal: hooks.signal, onProgress: (f) => hooks.onProgress?.(0.6 * f) });
    const volume = await this.loader.run((api, progress) => api.loadSeries(transfer(body.buffer as ArrayBuffer, [body.buffer as ArrayBuffer]), boundary, progress), {
      signal: hooks.signal,
      onProgress: (p: LoadProgress) => hooks.onProgress?.(p.fraction),
    });
    this.loaderHoldsSeries = true;
    volume.source.description ??= series.description;
    this.ct = volume;
    this.seriesRef = series;
    if (this.labels !== null && !sameDims(this.labels, volume)) this.labels = null;
    imageVolumeStore.getState().publish(volume, this.patientId);
    return volume;
  }

  /** Give the segmentation worker the current CT once (a new CT replaces it); waiting may be cancelled, the copy carries on. */
  private async segmenter(signal: AbortSignal | undefined): Promise<MeshingClient> {
    const ct = this.ct;
    if (ct === null) throw new Error('load the CT first');
    if (this.segmenterCt?.volume !== ct) {
      const loaded = this.meshing.loadImageVolume(ct);
      this.segmenterCt = { volume: ct, loaded };
      loaded.catch(() => {
        // A failed copy must be retried by the next job, not remembered as done.
        if (this.segmenterCt?.loaded === loaded) this.segmenterCt = null;
      });
    }
    await raceAbort(this.segmenterCt.loaded, signal);
    return this.meshing;
  }

  /** Run a segmentation (seeded growth or threshold, then clean-up) and return the mask; nothing is added yet. */
  async segment(p: SegmentParams, hooks: JobHooks = {}): Promise<{ mask: Uint8Array; voxelCount: number }> {
    const ct = this.ct;
    if (ct === null) throw new Error('load the CT first');
    const ops = segmentationOps(p);
    hooks.onProgress?.(0);
    const client = await this.segmenter(hooks.signal);
    const r = await client.segment(new Uint8Array(ct.voxels.length), ops, { signal: hooks.signal, onProgress: hooks.onProgress });
    if (r.voxelCounts[0] === 0) throw new Error(emptySegmentationMessage(p));
    return { mask: r.mask, voxelCount: r.voxelCount };
  }

  private workingMap(): LabelVolume {
    if (this.labels === null) {
      if (this.ct === null) throw new Error('load the CT first');
      this.labels = emptyLabelMap(this.ct, { kind: 'generated', id: `twinscope-segmentation-${this.ct.source.id}` });
    }
    return this.labels;
  }

  /** Add a mask as a structure and mesh it. */
  async addStructure(mask: Uint8Array, name: string, colorRgb: [number, number, number], hooks: JobHooks = {}): Promise<StructureMesh[]> {
    const map = this.workingMap();
    const { label } = addMask(map, mask, { name, colorRgb });
    this.savedSegmentation = null;
    this.sourceByLabel.set(label, { kind: 'generated', id: `${map.source.id}#${label}`, description: 'seeded segmentation in Twinscope' });
    return this.meshLabels(map, [label], hooks);
  }

  /** Import a DICOM-SEG or NIfTI (+ label table), on the CT grid when a CT is loaded, and mesh it. */
  async importSegmentation(files: File[], hooks: JobHooks = {}): Promise<StructureMesh[]> {
    const named = await Promise.all(files.map(async (f) => ({ name: f.name, bytes: await f.arrayBuffer() })));
    hooks.onProgress?.(0.05);
    const ct = this.ct;
    const geometry = ct === null ? null : { dimensions: ct.dimensions, spacingMm: ct.spacingMm, originLps: ct.originLps, directionLps: ct.directionLps };
    const imported = await this.planner.run((api) => api.importSegmentation(named, geometry), { signal: hooks.signal }).catch((e: unknown) => {
      // A cancel replaced the planner worker: the fresh one needs the surfaces again.
      if (hooks.signal?.aborted) this.resendMeshes();
      throw e;
    });
    return (await this.addImported(imported, hooks)).structures;
  }

  /** DICOM-SEG series in the loaded CT's study (newest last), for "Load from PACS". */
  async segmentationsInPacs(signal?: AbortSignal): Promise<Array<{ seriesInstanceUid: string; description?: string }>> {
    const ref = this.seriesRef;
    if (ref === null) throw new Error('load the CT from the PACS first: segmentations are found in its study');
    return segmentationSeriesInStudy(createDicomwebClient(http), ref.studyInstanceUid, signal);
  }

  /**
   * Load a DICOM-SEG series from the PACS onto the loaded CT and mesh it. The worker refuses a SEG
   * drawn on another series or filed under another patient (issue 17: identity on every image).
   */
  async loadSegmentationFromPacs(seriesInstanceUid: string, hooks: JobHooks = {}): Promise<{ structures: StructureMesh[]; labelOf: Map<number, number> }> {
    const known = this.segmentationLabels.get(seriesInstanceUid);
    if (known !== undefined && [...known.values()].every((l) => this.labels?.segments.some((s) => s.label === l))) {
      // Already loaded (or saved from here): the same structures, no second copy.
      const meshes = anatomyStore.getState().meshes;
      return { structures: [...known.values()].flatMap((l) => meshes.get(l) ?? []), labelOf: known };
    }
    const ref = this.seriesRef;
    const ct = this.ct;
    if (ref === null || ct === null) throw new Error('load the CT from the PACS first');
    const patientIds = await patientIdentifiers(this.patientId);
    hooks.onProgress?.(0.05);
    const geometry = { dimensions: ct.dimensions, spacingMm: ct.spacingMm, originLps: ct.originLps, directionLps: ct.directionLps };
    const { body, boundary } = await downloadStudySeries(ref.studyInstanceUid, seriesInstanceUid, 1, { signal: hooks.signal, onProgress: (f) => hooks.onProgress?.(0.05 + 0.05 * f) });
    const imported = await this.planner
      .run((api) => api.loadSegmentationSeries(transfer(body.buffer as ArrayBuffer, [body.buffer as ArrayBuffer]), boundary, geometry, { ctSeriesUid: ref.seriesInstanceUid, patientIds }), {
        signal: hooks.signal,
      })
      .catch((e: unknown) => {
        if (hooks.signal?.aborted) this.resendMeshes();
        throw e;
      });
    const r = await this.addImported(imported, hooks);
    this.segmentationLabels.set(seriesInstanceUid, r.labelOf);
    return r;
  }

  private async addImported(imported: ImportedSegmentation, hooks: JobHooks): Promise<{ structures: StructureMesh[]; labelOf: Map<number, number> }> {
    const ct = this.ct;
    if (imported.segments.length === 0) throw new Error('the segmentation holds no labelled structures');
    if (this.labels === null && ct === null) {
      this.labels = emptyLabelMap(imported, imported.source);
    }
    const map = this.workingMap();
    const remap = mergeLabelVolume(map, imported);
    this.savedSegmentation = null;
    for (const l of remap.values()) this.sourceByLabel.set(l, { kind: imported.source.kind, id: imported.source.id, ...(imported.source.description ? { description: imported.source.description } : {}) });
    const structures = await this.meshLabels(map, [...remap.values()].filter((l) => map.segments.some((s) => s.label === l)), hooks, 0.1);
    return { structures, labelOf: remap };
  }

  private async meshLabels(map: LabelVolume, labels: number[], hooks: JobHooks, start = 0): Promise<StructureMesh[]> {
    if (labels.length === 0) throw new Error('nothing to mesh: the structures are empty');
    // Structures may overlap: each label-map layer is meshed on its own (a layer is a plain label map).
    const byLayer = labelsByLayer(map, labels);
    const structures: StructureMesh[] = [];
    let done = 0;
    for (const [layer, ls] of byLayer) {
      const share = ls.length / labels.length;
      const before = done;
      structures.push(
        ...(await this.meshing.meshLabelVolume(
          layerAsVolume(map, layer),
          { labels: ls, budgetTriangles: VIEW_BUDGET_TRIANGLES },
          {
            signal: hooks.signal,
            onProgress: (p) => hooks.onProgress?.(start + (1 - start) * 0.95 * (before + share * p.fraction)),
          },
        )),
      );
      done += share;
    }
    // The pool was terminated on cancel; the segmenter is separate and keeps its CT.
    const copies = structures.map((s) => ({ ...s, mesh: { ...s.mesh } }));
    await this.planner.run((api) => api.setMeshes(copies));
    anatomyStore.getState().setStructureMeshes(structures);
    hooks.onProgress?.(1);
    return structures;
  }

  removeStructure(label: number): void {
    this.sourceByLabel.delete(label);
    this.savedSegmentation = null;
    if (this.labels !== null) removeLabel(this.labels, label);
    void this.planner.run((api) => api.dropMesh(label));
    anatomyStore.getState().removeStructure(label);
  }

  private resendMeshes(): void {
    this.voxelsSent.clear();
    const meshes = [...anatomyStore.getState().meshes.values()];
    if (meshes.length > 0) void this.planner.run((api) => api.setMeshes(meshes));
  }

  /** Resected / remnant volumes of a cut and its distance to a vessel, computed in the worker. */
  async cut(organLabel: number, params: CutPlaneParams & { centreLps?: Vec3 }, vesselLabel: number | null): Promise<CutResult & { planePointLps: Vec3; planeNormalLps: Vec3; centreLps: Vec3 }> {
    const { plane, centre } = this.planeOf({ ...params, organLabel });
    const r = await this.planner.run((api) => api.cut(organLabel, plane, vesselLabel));
    return { ...r, planePointLps: plane.pointLps, planeNormalLps: plane.normalLps, centreLps: [...centre] };
  }

  /** Send the planner worker the voxels of these structures unless it holds them for their current surfaces. */
  private async ensureVoxels(labels: number[]): Promise<void> {
    const map = this.labels;
    const meshes = anatomyStore.getState().meshes;
    for (const l of labels) {
      const m = meshes.get(l);
      if (m === undefined || this.voxelsSent.get(l) === m.mesh) continue;
      if (map === null || !map.segments.some((s) => s.label === l)) {
        if (l === labels[0]) throw new Error(`the voxels of "${m.name}" are not loaded: a curved surface needs the segmentation, not only the surface`);
        continue;
      }
      const { grid, voxels } = voxelsOfLabel(map, l);
      await this.planner.run((api) => api.setStructureVoxels(l, grid, transfer(voxels, [voxels.buffer as ArrayBuffer])));
      this.voxelsSent.set(l, m.mesh);
    }
  }

  /** The exact plane of a cut (its organ centre fixed once per surface). */
  private planeOf(c: CutPlaneParams & { organLabel: number; centreLps?: Vec3 }): { plane: ReturnType<typeof cutPlaneLps>; centre: Vec3 } {
    const mesh = anatomyStore.getState().meshes.get(c.organLabel);
    if (mesh === undefined) throw new Error(`structure ${c.organLabel} has no surface`);
    let centre = c.centreLps ?? this.centres.get(mesh.mesh);
    if (centre === undefined) {
      centre = boundsOf(mesh.mesh.positionsLps).centreLps;
      this.centres.set(mesh.mesh, centre);
    }
    return { plane: cutPlaneLps(c, centre), centre };
  }

  /**
   * Volumes and the safety-margin map of a cut's curved surface (issue 17), computed in the worker:
   * the plane's mesh split plus the organ's voxels between plane and surface; margins to the cut's
   * margin structures.
   */
  async cutSurface(c: CutPlaneState): Promise<SurfaceCutResult & { planePointLps: Vec3; planeNormalLps: Vec3; centreLps: Vec3 }> {
    const { plane, centre } = this.planeOf(c);
    const req = surfaceCutRequest(c, plane);
    await this.ensureVoxels([c.organLabel, ...req.marginLabels]);
    const r = await this.planner.run((api) => api.cutSurface(req));
    return { ...r, planePointLps: plane.pointLps, planeNormalLps: plane.normalLps, centreLps: [...centre] };
  }

  /** A cut with its exact plane and the numbers it reads, as a plan stores it. */
  async savedCut(c: CutPlaneState): Promise<SavedCut> {
    const r = await this.cut(c.organLabel, c, c.vesselLabel);
    const curved = c.surface === undefined ? null : await this.cutSurface({ ...c, centreLps: r.centreLps });
    return savedCutOf(c, r, curved);
  }

  async exportGlb(): Promise<Blob> {
    const s = anatomyStore.getState().structures;
    if (s.length === 0) throw new Error('there are no structures to export');
    const bytes = await this.planner.run((api) =>
      api.exportGlb(
        s.map((x) => x.label),
        s.map((x) => [x.label, x.opacity]),
      ),
    );
    return new Blob([bytes], { type: 'model/gltf-binary' });
  }

  /** One binary STL per structure (LPS mm), named after it. */
  async exportStl(): Promise<Array<{ name: string; blob: Blob }>> {
    const s = anatomyStore.getState().structures;
    if (s.length === 0) throw new Error('there are no structures to export');
    const out: Array<{ name: string; blob: Blob }> = [];
    for (const x of s) out.push({ name: x.name, blob: new Blob([await this.planner.run((api) => api.exportStl([x.label]))], { type: 'model/stl' }) });
    return out;
  }

  /** Save the working label map to the PACS as DICOM-SEG (STOW-RS), referencing the loaded series. */
  async saveSegmentationToPacs(creator: string, hooks: JobHooks = {}): Promise<SavedSegmentation> {
    const map = this.labels;
    if (map === null || map.segments.length === 0) throw new Error('there is no segmentation to save');
    if (this.ct === null) throw new Error('load the CT series from the PACS before saving a segmentation to it');
    if (!this.loaderHoldsSeries) {
      // The CT came from the Imaging tab: the SEG must reference the PACS instances, so fetch the
      // series headers and pixels once in the loader (same series → same grid; else writeDicomSeg refuses).
      await this.loadCt({ signal: hooks.signal, onProgress: (f) => hooks.onProgress?.(0.4 * f) });
    }
    if (!this.loaderHoldsSeries) throw new Error('the CT series could not be loaded from the PACS');
    hooks.onProgress?.(0.4);
    const copy = copyLabelMap(map);
    const built = await this.loader
      .run((api) => api.buildSegmentationForPacs(copy, { seriesDescription: 'Twinscope anatomy segmentation', creator }), { signal: hooks.signal })
      .catch((e: unknown) => {
        // A cancel replaced the loader worker, and its series with it.
        if (hooks.signal?.aborted) this.loaderHoldsSeries = false;
        throw e;
      });
    hooks.onProgress?.(0.5);
    const saved = await storeSegmentation(built, copy.segments, stowFiles, { signal: hooks.signal, onProgress: (f) => hooks.onProgress?.(0.5 + 0.5 * f) });
    // Its segment numbers are the working labels: reopening it here needs no second copy.
    this.segmentationLabels.set(built.seriesInstanceUid, new Map(copy.segments.map((x) => [x.label, x.label])));
    this.savedSegmentation = saved;
    return this.savedSegmentation;
  }

  /** The structures as a DICOM-SEG in the PACS: the last one saved if nothing changed since, else saved now. */
  async structuresInPacs(creator: string, hooks: JobHooks = {}): Promise<SavedSegmentation> {
    return this.savedSegmentation ?? this.saveSegmentationToPacs(creator, hooks);
  }

  /**
   * Publish a structure's volume as the patient's LV end-diastolic volume (src/compute/anatomy/lvVolume.ts):
   * one transaction (Observation + Provenance, tagged twin-output) through /fhir. The server
   * refuses it (403) when the patient's consent denies the twin; the view checks that first.
   */
  async publishLvVolume(label: number, user: { username: string; displayName: string }): Promise<PublishedLvVolume> {
    const structure = anatomyStore.getState().structures.find((s) => s.label === label);
    if (structure === undefined) throw new Error(`structure ${label} is not loaded`);
    const segmentation = this.sourceByLabel.get(label);
    if (segmentation === undefined) throw new Error(`the source of "${structure.name}" is unknown; segment or import it again`);
    const study = await this.imagingStudyOfCt();
    const bundle = lvVolumeBundle({
      patientId: this.patientId,
      structure,
      imagingStudyId: study.id,
      ...(study.seriesInstanceUid ? { seriesInstanceUid: study.seriesInstanceUid } : {}),
      segmentation,
      ...(study.started ? { acquiredAt: study.started } : {}),
      publishedAt: new Date().toISOString(),
      user,
      meshingVersion: MESHING_VERSION,
    });
    return { ...lvVolumeOf(structure), ...(await postObservationTransaction(bundle)) };
  }

  /** The record's ImagingStudy of the loaded CT (by its series), else the patient's CT study with the most instances. */
  private async imagingStudyOfCt(): Promise<CtStudyRef> {
    const ref = this.seriesRef;
    if (ref?.imagingStudyId) return { id: ref.imagingStudyId, seriesInstanceUid: ref.seriesInstanceUid, ...(ref.started ? { started: ref.started } : {}) };
    const seriesUid = ref?.seriesInstanceUid ?? (this.ct?.source.kind === 'dicom-series' ? this.ct.source.id : undefined);
    const best = ctStudyForSeries(await imagingStudiesOf(this.patientId), seriesUid);
    if (best === null) throw new Error('the record has no ImagingStudy for this CT, so the volume cannot name its source; store the CT through the PACS first');
    return best;
  }

  private maskOf(label: number): Uint8Array {
    return maskOfLabel(this.labels, label);
  }

  private gridOf(): VolumeGeometry {
    const map = this.labels;
    if (map === null) throw new Error('segment the liver and its vessels first');
    return gridOfLabelMap(map);
  }

  /** Territories, step 1: centreline trees of the vessel structures (portal vein, hepatic veins), in the territory worker. */
  extractCentrelines(vessels: Array<{ label: number; name: string }>, options: { minBranchMm?: number }, hooks: JobHooks = {}): Promise<VesselCentrelines> {
    const grid = this.gridOf();
    return this.territories.extractCentrelines(
      vessels.map((v) => ({ ...v, mask: this.maskOf(v.label) })),
      grid,
      options,
      hooks,
    );
  }

  /** Territories, step 1 from a saved plan: the plan's stored centrelines, held in the territory worker (no re-extraction). */
  restoreCentrelines(centrelines: VesselCentrelines): Promise<void> {
    return this.territories.restoreCentrelines(centrelines);
  }

  /** Territories, step 2: nearest-branch territories of the branches of `generation` over the liver structure. */
  computeTerritories(liverLabel: number, generation: number, excludeIds: number[], hooks: JobHooks = {}): Promise<TerritoryMap> {
    return this.territories.computeTerritories(liverLabel, { grid: () => this.gridOf(), mask: () => this.maskOf(liverLabel) }, generation, excludeIds, hooks);
  }

  /**
   * Territories, step 3: the remnant of every territory for the cut as drawn — its plane (same as
   * `cut`) or, when bent, its curved surface (same side function as `cutSurface`).
   */
  territoryRemnants(c: CutPlaneState): Promise<TerritoryRemnantResult> {
    return this.territories.remnants(this.planeOf(c).plane, c.surface);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    surfaceMapStore.getState().reset();
    this.territories.terminate();
    void this.loader.terminate();
    void this.planner.terminate();
    this.meshing.dispose();
  }
}

function sameDims(a: { dimensions: Vec3 }, b: { dimensions: Vec3 }): boolean {
  return a.dimensions.every((d, i) => d === b.dimensions[i]);
}
