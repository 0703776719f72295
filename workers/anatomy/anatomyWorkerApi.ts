// What the Anatomy worker does off the UI thread, besides segmentation and meshing (those run in
// the meshing workers, src/compute/meshing.ts):
// - loader: split a CT series downloaded from DICOMweb (WADO-RS multipart, fetched by the page:
//   src/sources/dicomwebSeries.ts — a worker does no network I/O), parse it with the DICOM ingest
//   (core/dicom) and build the HU volume; keep the Part 10 files, so a DICOM-SEG saved later
//   references this exact series (UIDs, slice order);
// - planner: hold copies of the surfaces and answer cut-plane volumes, the cut-to-vessel
//   distance and GLB/STL exports; read imported segmentations (DICOM-SEG, NIfTI + label table)
//   and put them on the CT grid.
// The functions are plain; anatomy.worker.ts only exposes `createAnatomyWorkerApi()` to the WorkerPool.
// Tests call them directly in Node.
import { transfer } from '../../core/workerPool/workerPool';
import { type ImageVolume, type LabelVolume, type VolumeGeometry, sameGrid } from '../../core/domain/imaging';
import { type PlaneLps, type StructureMesh } from '../../core/domain/mesh';
import { importDicomFiles } from '../../core/dicom/import';
import { buildVolume } from '../../core/dicom/volume';
import { newUid, readDicomSeg, writeDicomSeg } from '../meshing/dicomSeg';
import { structuresToGlb, structuresToStl } from '../meshing/exportFormats';
import { parseLabelTable } from '../meshing/labelTable';
import { gunzip, isGzip, readNiftiLabelMap } from '../meshing/nifti';
import { cutMeshVolumes, cutToVesselDistanceMm } from '../meshing/planning';
import { SurfaceDistance, VoxelMask, surfaceMarginMap } from '../liver/margins';
import { SurfaceSideOnGrid, curvedCutVolumes, surfaceCutCounts, tessellateSurface } from '../liver/resectionSurface';
import { referenceFromInstances } from '../meshing/referenceSeries';
import { resampleLabelsNearest } from '../meshing/resample';
import { splitMultipart } from '../../core/dicom/multipart';
import type { TerritoryMap, VesselCentrelines } from '../../core/contracts/territories';
import { branchDirection, branchesAtGeneration, extractCentrelines, territoryBranches } from '../liver/centrelines';
import { territoryRemnants, vascularTerritories, type Territories } from '../liver/territories';
import { planExportSurfaces } from '../liver/planExport';
import {
  type AnatomyWorkerApi,
  type ExportPlan,
  type BuiltSegmentation,
  type ImportedSegmentation,
  type LoadProgress,
  type CutResult,
  type NamedBytes,
  type SurfaceCutRequest,
  type SurfaceCutResult,
} from '../../core/contracts/anatomy-worker';

/** Parse WADO-RS series bytes (already downloaded) into the volume of its largest series. */
export async function volumeFromPart10(files: NamedBytes[], onProgress?: (p: LoadProgress) => void): Promise<ImageVolume> {
  const imported = await importDicomFiles(
    files.map((f) => ({ name: f.name, bytes: new Uint8Array(f.bytes) })),
    { onProgress: (p) => onProgress?.({ phase: 'parse', fraction: 0.6 + (0.2 * p.filesDone) / Math.max(1, p.filesTotal) }) },
  );
  const plans = imported.studies.flatMap((s) => s.series);
  if (plans.length === 0) {
    const why = imported.rejected[0]?.reason ?? 'no image instances';
    throw new Error(`the series holds no CT volume (${why})`);
  }
  const plan = plans.reduce((a, b) => (b.slices.length > a.slices.length ? b : a));
  if (plan.slices.length < 2) throw new Error('the series has a single slice: no volume to segment');
  return buildVolume(plan, imported.instances, {
    onProgress: (done, total) => onProgress?.({ phase: 'build', fraction: 0.8 + (0.2 * done) / total }),
  });
}

export function createAnatomyWorkerApi(): AnatomyWorkerApi {
  /** The Part 10 files of the loaded series (for the SEG reference). Lifetime: until the next load. */
  let seriesFiles: NamedBytes[] = [];
  /** Copies of the surfaces, by label (the page keeps its own for rendering). */
  const meshes = new Map<number, StructureMesh>();

  /** Vascular territories (issue 17): the centrelines, the liver mask and the territories last computed. */
  let vessels: VesselCentrelines | null = null;
  let liver: { mask: Uint8Array; geometry: VolumeGeometry } | null = null;
  let territories: Territories | null = null;
  const remnantScratch = new Float64Array(2 * 65536);
  /** Structures' voxels (for curved cuts and margins), by label; the mask and distance index built on first use. */
  const voxelsByLabel = new Map<number, { grid: VolumeGeometry; voxels: Uint32Array; mask?: VoxelMask }>();
  const distanceByMesh = new WeakMap<object, SurfaceDistance>();

  /** A structure's voxels as a mask (built on first use), or null when the planner has no voxels for it. */
  const maskOf = (label: number): VoxelMask | null => {
    const v = voxelsByLabel.get(label);
    if (v === undefined) return null;
    v.mask ??= new VoxelMask(v.grid, v.voxels);
    return v.mask;
  };

  const meshOf = (label: number): StructureMesh => {
    const m = meshes.get(label);
    if (m === undefined) throw new Error(`structure ${label} has no surface in the planner`);
    return m;
  };

  /** The Part 10 instances of a WADO-RS multipart answer. */
  const split = (multipartBody: ArrayBuffer, boundary: string): NamedBytes[] =>
    splitMultipart(new Uint8Array(multipartBody), boundary).map((p, i) => ({ name: `instance-${i + 1}.dcm`, bytes: p.slice().buffer }));

  const importFiles = async (files: NamedBytes[], ctGeometry: VolumeGeometry | null): Promise<ImportedSegmentation> => {
    const table = files.find((f) => /\.(json|txt)$/i.test(f.name));
    const data = files.filter((f) => f !== table);
    if (data.length !== 1) throw new Error('choose one segmentation file (DICOM-SEG .dcm or NIfTI .nii/.nii.gz), plus an optional label table .json');
    const file = data[0]!;
    let labels: ImportedSegmentation;
    if (/\.nii(\.gz)?$/i.test(file.name) || isGzip(file.bytes)) {
      const raw = isGzip(file.bytes) ? await gunzip(file.bytes) : file.bytes;
      let labelTable;
      if (table !== undefined) {
        try {
          labelTable = parseLabelTable(JSON.parse(new TextDecoder().decode(table.bytes)));
        } catch (e) {
          throw new Error(`the label table ${table.name} is not readable: ${e instanceof Error ? e.message : String(e)}`);
        }
      }
      labels = readNiftiLabelMap(raw, { labelTable });
    } else {
      labels = readDicomSeg(file.bytes, { ...(ctGeometry ? { referenceGeometry: ctGeometry } : {}), sourceId: file.name });
    }
    if (ctGeometry !== null && !sameGrid(labels, ctGeometry)) labels = { ...resampleLabelsNearest(labels, ctGeometry), ...(labels.seg ? { seg: labels.seg } : {}) };
    return transfer(labels, [labels.labels, ...(labels.overlapLayers ?? [])].map((a) => a.buffer as ArrayBuffer));
  };

  return {
    /** Split a downloaded WADO-RS series (multipart body, transferred) and build its volume; voxels come back transferred. */
    async loadSeries(multipartBody: ArrayBuffer, boundary: string, onProgress?: (p: LoadProgress) => void): Promise<ImageVolume> {
      seriesFiles = split(multipartBody, boundary);
      const volume = await volumeFromPart10(seriesFiles, onProgress);
      return transfer(volume, [volume.voxels.buffer as ArrayBuffer]);
    },

    /** A DICOM-SEG of `labels` that references the loaded series; bytes transferred. */
    buildSegmentationForPacs(labels: LabelVolume, options: { seriesDescription: string; creator: string }): BuiltSegmentation {
      if (seriesFiles.length === 0) throw new Error('load the CT series before saving a segmentation to the PACS');
      const reference = referenceFromInstances(seriesFiles);
      const uids = { seriesInstanceUid: newUid(), sopInstanceUid: newUid() };
      const bytes = writeDicomSeg(labels, { reference, seriesDescription: options.seriesDescription, creator: options.creator, algorithmType: 'SEMIAUTOMATIC', ...uids });
      return transfer({ bytes, studyInstanceUid: reference.studyInstanceUid, ...uids }, [bytes]);
    },

    async loadSegmentationSeries(multipartBody: ArrayBuffer, boundary: string, ctGeometry: VolumeGeometry | null, expect: { ctSeriesUid?: string; patientIds?: string[] }): Promise<ImportedSegmentation> {
      const files = split(multipartBody, boundary);
      if (files.length !== 1) throw new Error(`the segmentation series holds ${files.length} instances; expected one DICOM-SEG`);
      const seg = await importFiles(files, ctGeometry);
      const refs = seg.seg?.referencedSeriesUids ?? [];
      if (expect.ctSeriesUid !== undefined && refs.length > 0 && !refs.includes(expect.ctSeriesUid)) {
        throw new Error(`this segmentation was drawn on series ${refs.join(', ')}, not on the loaded CT (${expect.ctSeriesUid}); load that CT first`);
      }
      const pid = seg.seg?.patient.id ?? '';
      if (expect.patientIds !== undefined && pid !== '' && !expect.patientIds.includes(pid)) {
        throw new Error(`this segmentation belongs to patient ID ${pid}, not to the open patient (${expect.patientIds.join(', ')}): not loaded`);
      }
      return seg;
    },

    /** Read an imported segmentation and put it on `ctGeometry` when given and the grids differ. */
    importSegmentation(files: NamedBytes[], ctGeometry: VolumeGeometry | null): Promise<ImportedSegmentation> {
      return importFiles(files, ctGeometry);
    },

    /** Give the planner (copies of) surfaces; replaces any with the same label. */
    setMeshes(list: StructureMesh[]): void {
      for (const s of list) meshes.set(s.label, s);
    },
    dropMesh(label: number): void {
      meshes.delete(label);
      voxelsByLabel.delete(label);
    },
    setStructureVoxels(label: number, grid: VolumeGeometry, voxels: Uint32Array): void {
      const [nI, nJ, nK] = grid.dimensions;
      if (voxels.length > 0 && voxels[voxels.length - 1]! >= nI * nJ * nK) throw new Error(`structure ${label}: voxel index outside the ${nI}×${nJ}×${nK} grid`);
      voxelsByLabel.set(label, { grid, voxels });
    },
    cutSurface(req: SurfaceCutRequest): SurfaceCutResult {
      const organ = meshOf(req.organLabel);
      const vox = voxelsByLabel.get(req.organLabel);
      if (vox === undefined) throw new Error(`structure "${organ.name}" has no voxels in the planner: the curved surface needs them`);
      const surface = { ...req.patch, pointLps: req.plane.pointLps, normalLps: req.plane.normalLps };
      const planeCut = cutMeshVolumes(organ.mesh, req.plane);
      const volumes = curvedCutVolumes(planeCut, surfaceCutCounts(new SurfaceSideOnGrid(surface, vox.grid), vox.voxels), vox.grid);
      const mesh = tessellateSurface(surface, req.cells ?? 48);
      vox.mask ??= new VoxelMask(vox.grid, vox.voxels);
      const targets = req.marginLabels.map((l) => {
        const m = meshOf(l);
        let distance = distanceByMesh.get(m.mesh);
        if (distance === undefined) {
          distance = new SurfaceDistance(m.mesh);
          distanceByMesh.set(m.mesh, distance);
        }
        const tv = voxelsByLabel.get(l);
        if (tv !== undefined) tv.mask ??= new VoxelMask(tv.grid, tv.voxels);
        return { label: l, name: m.name, mesh: m.mesh, distance, ...(tv?.mask ? { mask: tv.mask } : {}) };
      });
      const map = surfaceMarginMap(surface, mesh, vox.mask, targets);
      const min = map.min === null ? null : { ...map.min, pointLps: [map.min.pointLps[0], map.min.pointLps[1], map.min.pointLps[2]] as [number, number, number] };
      const out: SurfaceCutResult = { volumes, positionsLps: mesh.positionsLps, indices: mesh.indices, marginMm: map.marginMm, minMargin: min, targets: map.targets };
      return transfer(out, [mesh.positionsLps.buffer as ArrayBuffer, mesh.indices.buffer as ArrayBuffer, map.marginMm.buffer as ArrayBuffer]);
    },
    cut(organLabel: number, plane: PlaneLps, vesselLabel: number | null): CutResult {
      const organ = meshOf(organLabel).mesh;
      const volumes = cutMeshVolumes(organ, plane);
      const vesselDistanceMm = vesselLabel === null ? null : cutToVesselDistanceMm(organ, plane, meshOf(vesselLabel).mesh);
      return { volumes, vesselDistanceMm };
    },
    exportGlb(labels: number[], opacity: Array<[number, number]>, plan?: ExportPlan): ArrayBuffer {
      const surfaces = plan === undefined ? [] : planExportSurfaces(plan, meshOf, maskOf);
      const bytes = structuresToGlb(labels.map(meshOf), { opacityByLabel: new Map(opacity), surfaces });
      return transfer(bytes, [bytes]);
    },
    exportPlanStl(plan: ExportPlan): Array<{ name: string; bytes: ArrayBuffer }> {
      const out = planExportSurfaces(plan, meshOf, maskOf)
        .filter((s) => s.mesh.indices.length > 0)
        .map((s) => ({ name: s.name, bytes: structuresToStl([s], `Twinscope ${s.name}, patient LPS mm`) }));
      return transfer(out, out.map((f) => f.bytes));
    },
    extractCentrelines(list, geometry, options, onProgress): VesselCentrelines {
      if (list.length === 0) throw new Error('choose at least one vessel structure (portal vein, hepatic veins)');
      const out: VesselCentrelines = { trees: [], ignoredPieces: 0 };
      list.forEach((v, n) => {
        const r = extractCentrelines(geometry, v.mask, {
          ...(options.minBranchMm !== undefined ? { minBranchMm: options.minBranchMm } : {}),
          onProgress: (f) => onProgress?.((n + f) / list.length),
        });
        out.ignoredPieces += r.ignoredPieces;
        for (const t of r.trees) out.trees.push({ ...t, structureLabel: v.label, structureName: v.name });
      });
      vessels = out;
      territories = null;
      return out;
    },
    restoreCentrelines(centrelines): number {
      if (!Array.isArray(centrelines?.trees) || centrelines.trees.length === 0) throw new Error('the saved centrelines hold no vessel tree');
      vessels = centrelines;
      territories = null;
      return centrelines.trees.length;
    },
    computeTerritories(liverMask, geometry, generation, excludeIds, onProgress): TerritoryMap {
      if (vessels === null) throw new Error('extract the vessel centrelines first');
      if (liverMask !== null) liver = { mask: liverMask, geometry };
      if (liver === null) throw new Error('choose the liver structure');
      if (!sameGrid(liver.geometry, geometry)) throw new Error('the liver mask is on another grid than the CT: choose the liver again');
      const trees = vessels.trees;
      const perTree = new Map<number, number>();
      const excluded = new Set(excludeIds);
      const choices = branchesAtGeneration(trees, generation).map((c) => {
        const tree = trees[c.tree]!;
        const k = (perTree.get(c.tree) ?? 0) + 1;
        perTree.set(c.tree, k);
        const seg = tree.segments[c.segment - 1]!;
        const several = trees.filter((t) => t.structureLabel === tree.structureLabel).length > 1;
        const name = `${tree.structureName}${several ? ` piece ${c.tree + 1}` : ''} ${seg.generation}.${k} · ${branchDirection(tree, c.segment)}`;
        return { ...c, name, structureLabel: tree.structureLabel, generation: seg.generation };
      });
      const used = choices.filter((c) => !excluded.has(c.id));
      if (used.length === 0) throw new Error(`no vessel branch of generation ${generation} is left to give territories`);
      onProgress?.(0.1);
      territories = vascularTerritories(liver.geometry, liver.mask, territoryBranches(trees, used));
      onProgress?.(0.9);
      const t = territories;
      const labels = t.labels.slice();
      const branches = used.map((c) => ({ id: c.id, name: c.name, structureLabel: c.structureLabel, tree: c.tree, segment: c.segment, generation: c.generation, volumeMl: t.volumeMl.get(c.id) ?? 0 }));
      const map: TerritoryMap = { grid: t.grid, offsetIjk: t.offsetIjk, labels, branches, liverMl: branches.reduce((a, b) => a + b.volumeMl, 0), generation };
      return transfer(map, [labels.buffer as ArrayBuffer]);
    },
    territoryRemnants(plane, patch) {
      if (territories === null) throw new Error('compute the vascular territories first');
      const side = patch === undefined ? undefined : new SurfaceSideOnGrid({ ...patch, pointLps: plane.pointLps, normalLps: plane.normalLps }, territories.grid);
      return territoryRemnants(territories, plane, remnantScratch, side);
    },
    exportStl(labels: number[]): ArrayBuffer {
      const list = labels.map(meshOf);
      const bytes = structuresToStl(list, list.length === 1 ? `Twinscope ${list[0]!.name}, patient LPS mm` : undefined);
      return transfer(bytes, [bytes]);
    },
  };
}

