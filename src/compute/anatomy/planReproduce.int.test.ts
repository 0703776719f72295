// Issue 17, "plans that reproduce": a plan saved with its structures as DICOM-SEG and each cut's exact
// geometry, reopened in a fresh session (other labels, fresh surfaces from the SEG, a fresh planner),
// reads identical numbers. The same kernels the browser runs: the working label map, meshing per
// layer, the planner's cut, the SEG writer/reader and the plan document (here in one thread).
import { describe, expect, it } from 'vitest';
import { type ImageVolume, type LabelVolume, type Vec3, type VolumeGeometry, ijkToLps, labelLayer, layerAsVolume, layerCount, segmentVoxelCounts } from '../../../core/domain/imaging';
import { type StructureMesh } from '../../../core/domain/mesh';
import { generatePhantom, PHANTOM_SEGMENTS } from '../../../server/demo/imaging/phantom';
import { createAnatomyWorkerApi } from '../../../workers/anatomy/anatomyWorkerApi';
import { readDicomSeg, writeDicomSeg } from '../../../workers/meshing/dicomSeg';
import { meshLabelVolume } from '../../../workers/meshing/surfaces';
import { addMask, emptyLabelMap, mergeLabelVolume } from './labelMap';
import { planFromDocumentReference, planToDocumentReference, readoutDifferences, remapPlanLabels, savedCutOf, savedTerritoriesOf, territoryDifferences, type RehearsalPlan, type SavedCut } from './planDocument';
import { surfaceCutRequest, voxelsOfLabel } from './surfaceCut';
import { flatPatchOver } from '../../../core/domain/resectionSurface';
import { boundsOf, cutPlaneLps } from './planeGeometry';
import { type CutPlaneState, type TerritoryState } from '../../twin/anatomy';

const phantom = generatePhantom({ dimensions: [64, 64, 32], spacingMm: [6, 6, 8], seed: 11, noiseSdHu: 0, liverLesion: true, aorticValveCalcification: false });
const id = (name: string): number => PHANTOM_SEGMENTS.find((s) => s.name === name)!.label;

function maskOf(labels: LabelVolume, values: number[]): Uint8Array {
  const m = new Uint8Array(labels.labels.length);
  for (let x = 0; x < m.length; x++) if (values.includes(labels.labels[x]!)) m[x] = 1;
  return m;
}

async function meshAll(map: LabelVolume): Promise<StructureMesh[]> {
  const out: StructureMesh[] = [];
  for (let l = 0; l < layerCount(map); l++) out.push(...(await meshLabelVolume(layerAsVolume(map, l), { budgetTriangles: 20_000 })));
  return out;
}

async function savedCut(api: ReturnType<typeof createAnatomyWorkerApi>, meshes: StructureMesh[], c: CutPlaneState): Promise<SavedCut> {
  const organ = meshes.find((m) => m.label === c.organLabel)!;
  const centreLps = c.centreLps ?? boundsOf(organ.mesh.positionsLps).centreLps;
  const plane = cutPlaneLps(c, centreLps);
  const r = api.cut(c.organLabel, plane, c.vesselLabel);
  return {
    ...c,
    centreLps,
    planePointLps: plane.pointLps,
    planeNormalLps: plane.normalLps,
    readout: { ...r.volumes, vesselDistanceMm: r.vesselDistanceMm === null || !Number.isFinite(r.vesselDistanceMm) ? null : r.vesselDistanceMm },
  };
}

/** What the session does for a cut with a curved surface: the plane readout, the organ's and margin structures' voxels, the surface readout. */
function savedCurvedCut(api: ReturnType<typeof createAnatomyWorkerApi>, map: LabelVolume, meshes: StructureMesh[], c: CutPlaneState): SavedCut {
  const organ = meshes.find((m) => m.label === c.organLabel)!;
  const centreLps = c.centreLps ?? boundsOf(organ.mesh.positionsLps).centreLps;
  const plane = cutPlaneLps(c, centreLps);
  const r = api.cut(c.organLabel, plane, c.vesselLabel);
  const req = surfaceCutRequest(c, plane);
  for (const l of [c.organLabel, ...req.marginLabels]) {
    const v = voxelsOfLabel(map, l);
    api.setStructureVoxels(l, v.grid, v.voxels);
  }
  return savedCutOf(c, { ...r, planePointLps: plane.pointLps, planeNormalLps: plane.normalLps, centreLps }, api.cutSurface(req));
}

describe('a saved plan reproduces its numbers (issue 17)', () => {
  it('liver (with its lesion inside), lesion and aorta: save plane + SEG, reopen elsewhere → identical resected/remnant mL and vessel distance', async () => {
    // Session 1: segment (the lesion overlaps the liver: kept in a second layer), mesh, cut.
    const map = emptyLabelMap(phantom.ct, { kind: 'generated', id: 'session-1' });
    const liver = addMask(map, maskOf(phantom.labels, [id('liver'), id('liver_lesion')]), { name: 'liver', colorRgb: [170, 90, 60] });
    const lesion = addMask(map, maskOf(phantom.labels, [id('liver_lesion')]), { name: 'liver tumour', colorRgb: [250, 220, 60] });
    const aorta = addMask(map, maskOf(phantom.labels, [id('aorta')]), { name: 'aorta', colorRgb: [230, 40, 40] });
    expect(lesion.layer).toBe(1);
    const meshes1 = await meshAll(map);
    const api1 = createAnatomyWorkerApi();
    api1.setMeshes(meshes1);
    const onScreen: CutPlaneState = { id: 'c1', organLabel: liver.label, vesselLabel: aorta.label, azimuthDeg: 172, elevationDeg: 8, offsetMm: 13.5 };
    const viewCut = await savedCut(api1, meshes1, onScreen);
    expect(viewCut.readout.resectedMl).toBeGreaterThan(0);
    expect(viewCut.readout.remnantMl).toBeGreaterThan(0);
    const reference = {
      geometry: phantom.ct,
      studyInstanceUid: '2.25.10',
      seriesInstanceUid: '2.25.11',
      frameOfReferenceUid: '2.25.12',
      sopClassUid: '1.2.840.10008.5.1.4.1.1.2',
      sopInstanceUids: Array.from({ length: phantom.ct.dimensions[2] }, (_, k) => `2.25.13.${k}`),
    };
    const segBytes = writeDicomSeg(map, { reference, seriesInstanceUid: '2.25.14', sopInstanceUid: '2.25.15' });
    const plan: RehearsalPlan = {
      format: 'twinscope-rehearsal-plan',
      version: 2,
      id: 'p1',
      title: 'Right posterior sectionectomy',
      patientId: 'demo',
      createdAt: '2026-12-07T08:00:00.000Z',
      author: { username: 'surgeon', displayName: 'Dr S' },
      structures: map.segments.map((s) => ({ label: s.label, name: s.name, colorRgb: s.colorRgb })),
      steps: [],
      view: { camera: { positionLps: [0, -600, 0], targetLps: [0, 0, 0], upLps: [0, 0, 1] }, visibleLabels: [liver.label, aorta.label], cutPlanes: [viewCut] },
      segmentation: { studyInstanceUid: '2.25.10', seriesInstanceUid: '2.25.14', sopInstanceUid: '2.25.15' },
    };
    const stored = JSON.parse(JSON.stringify(planToDocumentReference(plan)));

    // Session 2: another structure already there (labels shift), the SEG read back, fresh surfaces and planner.
    const reopened = planFromDocumentReference(stored);
    const map2 = emptyLabelMap(phantom.ct, { kind: 'generated', id: 'session-2' });
    addMask(map2, maskOf(phantom.labels, [id('spleen')]), { name: 'spleen', colorRgb: [150, 60, 120] });
    const seg = readDicomSeg(segBytes, { referenceGeometry: phantom.ct });
    const labelOf = mergeLabelVolume(map2, seg);
    expect(labelOf.get(liver.label)).not.toBe(liver.label);
    const counts1 = segmentVoxelCounts(map);
    const counts2 = segmentVoxelCounts(map2);
    for (const [saved, now] of labelOf) expect(counts2.get(now)).toBe(counts1.get(saved));
    const meshes2 = await meshAll(map2);
    const api2 = createAnatomyWorkerApi();
    api2.setMeshes(meshes2);
    const { view } = remapPlanLabels(reopened, labelOf);
    const again = await savedCut(api2, meshes2, view!.cutPlanes[0]!);
    expect(again.planePointLps).toEqual(viewCut.planePointLps);
    expect(readoutDifferences(viewCut.readout, again.readout)).toEqual([]);
  });

  it('a curved resection surface with a margin map: save the Bézier patch + SEG, reopen elsewhere → identical volumes and minimum margin', async () => {
    const map = emptyLabelMap(phantom.ct, { kind: 'generated', id: 'session-1' });
    const liver = addMask(map, maskOf(phantom.labels, [id('liver'), id('liver_lesion')]), { name: 'liver', colorRgb: [170, 90, 60] });
    const lesion = addMask(map, maskOf(phantom.labels, [id('liver_lesion')]), { name: 'liver tumour', colorRgb: [250, 220, 60] });
    const aorta = addMask(map, maskOf(phantom.labels, [id('aorta')]), { name: 'aorta', colorRgb: [230, 40, 40] });
    const meshes1 = await meshAll(map);
    const api1 = createAnatomyWorkerApi();
    api1.setMeshes(meshes1);
    const liverMesh = meshes1.find((m) => m.label === liver.label)!;
    const params = { azimuthDeg: 172, elevationDeg: 8, offsetMm: 13.5 };
    const centreLps = boundsOf(liverMesh.mesh.positionsLps).centreLps;
    const patch = flatPatchOver(cutPlaneLps(params, centreLps), liverMesh.mesh.positionsLps);
    const flatCut: CutPlaneState = { id: 'c1', organLabel: liver.label, vesselLabel: aorta.label, ...params, surface: patch, marginLabels: [lesion.label, aorta.label] };
    // A flat surface reads exactly the plane's numbers.
    const asPlane = await savedCut(api1, meshes1, { ...flatCut, surface: undefined });
    const flat = savedCurvedCut(api1, map, meshes1, flatCut);
    expect(readoutDifferences(asPlane.readout, { ...flat.readout, minMarginMm: undefined })).toEqual([]);
    // Bend the middle control points 25 mm along the normal: the resected volume grows.
    const bentCut: CutPlaneState = { ...flatCut, surface: { ...patch, heightsMm: patch.heightsMm.map((h, q) => ([5, 6, 9, 10].includes(q) ? -25 : h)) } };
    const bent = savedCurvedCut(api1, map, meshes1, bentCut);
    expect(bent.readout.resectedMl).toBeGreaterThan(flat.readout.resectedMl + 1);
    expect(bent.readout.minMarginMm).not.toBeNull();
    expect(bent.readout.minMarginMm).toBeGreaterThanOrEqual(0);

    const reference = {
      geometry: phantom.ct,
      studyInstanceUid: '2.25.20',
      seriesInstanceUid: '2.25.21',
      frameOfReferenceUid: '2.25.22',
      sopClassUid: '1.2.840.10008.5.1.4.1.1.2',
      sopInstanceUids: Array.from({ length: phantom.ct.dimensions[2] }, (_, k) => `2.25.23.${k}`),
    };
    const segBytes = writeDicomSeg(map, { reference, seriesInstanceUid: '2.25.24', sopInstanceUid: '2.25.25' });
    const plan: RehearsalPlan = {
      format: 'twinscope-rehearsal-plan',
      version: 3,
      id: 'p2',
      title: 'Curved right hepatectomy',
      patientId: 'demo',
      createdAt: '2026-12-07T09:00:00.000Z',
      author: { username: 'surgeon', displayName: 'Dr S' },
      structures: map.segments.map((s) => ({ label: s.label, name: s.name, colorRgb: s.colorRgb })),
      steps: [],
      view: { camera: { positionLps: [0, -600, 0], targetLps: [0, 0, 0], upLps: [0, 0, 1] }, visibleLabels: [liver.label, lesion.label], cutPlanes: [bent] },
      segmentation: { studyInstanceUid: '2.25.20', seriesInstanceUid: '2.25.24', sopInstanceUid: '2.25.25' },
    };
    const stored = JSON.parse(JSON.stringify(planToDocumentReference(plan)));

    const reopened = planFromDocumentReference(stored);
    const map2 = emptyLabelMap(phantom.ct, { kind: 'generated', id: 'session-2' });
    addMask(map2, maskOf(phantom.labels, [id('spleen')]), { name: 'spleen', colorRgb: [150, 60, 120] });
    const labelOf = mergeLabelVolume(map2, readDicomSeg(segBytes, { referenceGeometry: phantom.ct }));
    const meshes2 = await meshAll(map2);
    const api2 = createAnatomyWorkerApi();
    api2.setMeshes(meshes2);
    const { view } = remapPlanLabels(reopened, labelOf);
    const cut2 = view!.cutPlanes[0]!;
    expect(cut2.surface).toEqual(bentCut.surface);
    expect(cut2.marginLabels).toEqual([labelOf.get(lesion.label), labelOf.get(aorta.label)]);
    const again = savedCurvedCut(api2, map2, meshes2, cut2);
    expect(readoutDifferences(bent.readout, again.readout)).toEqual([]);
    expect(again.readout.minMarginMm).toBe(bent.readout.minMarginMm);
  });

  it('vascular territories with a curved surface: save the centrelines, settings and remnant per territory + SEG, reopen elsewhere → identical territory volumes and remnants', async () => {
    // A block "liver" 60 × 20 × 28 mm (1 mm voxels) fed by a Y-shaped "portal vein" (trunk r 4 mm, branches r 3 mm) — the Territories panel test's case.
    const g: VolumeGeometry = { dimensions: [60, 20, 60], spacingMm: [1, 1, 1], originLps: [-29.5, -9.5, -29.5], directionLps: [1, 0, 0, 0, 1, 0, 0, 0, 1] };
    const n = 60 * 20 * 60;
    const ct: ImageVolume = { ...g, voxels: new Int16Array(n), unit: 'HU', source: { kind: 'generated', id: 'y-liver' } };
    const segDist = (x: Vec3, a: Vec3, b: Vec3): number => {
      const d = [b[0] - a[0], b[1] - a[1], b[2] - a[2]];
      const w = [x[0] - a[0], x[1] - a[1], x[2] - a[2]];
      const t = Math.max(0, Math.min(1, (w[0]! * d[0]! + w[1]! * d[1]! + w[2]! * d[2]!) / (d[0]! ** 2 + d[1]! ** 2 + d[2]! ** 2)));
      return Math.hypot(w[0]! - t * d[0]!, w[1]! - t * d[1]!, w[2]! - t * d[2]!);
    };
    const liverMask = new Uint8Array(n);
    const veinMask = new Uint8Array(n);
    const p: Vec3 = [0, 0, 0];
    for (let x = 0; x < n; x++) {
      ijkToLps(g, x % 60, Math.floor(x / 60) % 20, Math.floor(x / 1200), p);
      if (segDist(p, [0, 0, -28], [0, 0, 0]) <= 4 || segDist(p, [0, 0, 0], [-20, 0, 20]) <= 3 || segDist(p, [0, 0, 0], [20, 0, 20]) <= 3) veinMask[x] = 1;
      else if (p[2] > 2) liverMask[x] = 1;
    }
    /** The mask of one structure, from its own layer (what the session sends the territory worker). */
    const maskOfLabel = (m: LabelVolume, label: number): Uint8Array => {
      const layer = labelLayer(m, m.segments.find((s) => s.label === label)!.layer ?? 0);
      const out = new Uint8Array(layer.length);
      for (let x = 0; x < layer.length; x++) if (layer[x] === label) out[x] = 1;
      return out;
    };

    // Session 1: segment, mesh, extract centrelines, territories, a bent cut on the liver.
    const map = emptyLabelMap(ct, { kind: 'generated', id: 'session-1' });
    const liver = addMask(map, liverMask, { name: 'liver', colorRgb: [170, 90, 60] });
    const vein = addMask(map, veinMask, { name: 'portal vein', colorRgb: [0, 151, 206] });
    const meshes1 = await meshAll(map);
    const api1 = createAnatomyWorkerApi();
    api1.setMeshes(meshes1);
    const centrelines = api1.extractCentrelines([{ label: vein.label, name: 'portal vein', mask: maskOfLabel(map, vein.label) }], g, { minBranchMm: 4 });
    const territoryMap = api1.computeTerritories(maskOfLabel(map, liver.label), g, 1, []);
    expect(territoryMap.branches.length).toBe(2);
    const liverMesh = meshes1.find((m) => m.label === liver.label)!;
    const params = { azimuthDeg: 90, elevationDeg: 10, offsetMm: 6 };
    const centreLps = boundsOf(liverMesh.mesh.positionsLps).centreLps;
    const patch = flatPatchOver(cutPlaneLps(params, centreLps), liverMesh.mesh.positionsLps);
    const bentCut: CutPlaneState = { id: 'c1', organLabel: liver.label, vesselLabel: vein.label, ...params, centreLps, surface: { ...patch, heightsMm: patch.heightsMm.map((h, q) => ([5, 6, 9, 10].includes(q) ? -6 : h)) } };
    const viewCut = savedCurvedCut(api1, map, meshes1, bentCut);
    const remnants1 = api1.territoryRemnants(cutPlaneLps(bentCut, centreLps), bentCut.surface);
    // The cut divides at least one territory (some of it kept, some resected): the remnants are not trivial.
    expect(remnants1.byBranch.some((b) => b.remnantMl > 0 && b.remnantMl < b.totalMl)).toBe(true);
    const state: TerritoryState = { vesselLabels: [vein.label], centrelines, liverLabel: liver.label, map: territoryMap, generation: 1, excludedIds: [], names: { [territoryMap.branches[0]!.id]: 'right lobe' }, minBranchMm: 4 };
    const reference = {
      geometry: ct,
      studyInstanceUid: '2.25.30',
      seriesInstanceUid: '2.25.31',
      frameOfReferenceUid: '2.25.32',
      sopClassUid: '1.2.840.10008.5.1.4.1.1.2',
      sopInstanceUids: Array.from({ length: 60 }, (_, k) => `2.25.33.${k}`),
    };
    const segBytes = writeDicomSeg(map, { reference, seriesInstanceUid: '2.25.34', sopInstanceUid: '2.25.35' });
    const plan: RehearsalPlan = {
      format: 'twinscope-rehearsal-plan',
      version: 4,
      id: 'p3',
      title: 'Territory-guided curved resection',
      patientId: 'demo',
      createdAt: '2026-12-07T10:00:00.000Z',
      author: { username: 'surgeon', displayName: 'Dr S' },
      structures: map.segments.map((s) => ({ label: s.label, name: s.name, colorRgb: s.colorRgb })),
      steps: [],
      view: { camera: { positionLps: [0, -600, 0], targetLps: [0, 0, 0], upLps: [0, 0, 1] }, visibleLabels: [liver.label, vein.label], cutPlanes: [viewCut] },
      segmentation: { studyInstanceUid: '2.25.30', seriesInstanceUid: '2.25.34', sopInstanceUid: '2.25.35' },
      territories: savedTerritoriesOf(state, [{ cutId: 'c1', result: remnants1 }]),
    };
    const stored = JSON.parse(JSON.stringify(planToDocumentReference(plan)));

    // Session 2: another structure first (labels shift), the SEG read back, fresh worker; the stored centrelines, not re-extracted.
    const reopened = planFromDocumentReference(stored);
    const map2 = emptyLabelMap(ct, { kind: 'generated', id: 'session-2' });
    const other = new Uint8Array(n);
    other[0] = 1;
    addMask(map2, other, { name: 'marker', colorRgb: [255, 255, 255] });
    const labelOf = mergeLabelVolume(map2, readDicomSeg(segBytes, { referenceGeometry: ct }));
    expect(labelOf.get(liver.label)).not.toBe(liver.label);
    const meshes2 = await meshAll(map2);
    const api2 = createAnatomyWorkerApi();
    api2.setMeshes(meshes2);
    const { view, territories } = remapPlanLabels(reopened, labelOf);
    expect(territories!.liverLabel).toBe(labelOf.get(liver.label));
    expect(territories!.names).toEqual(state.names);
    const cut2 = view!.cutPlanes[0]!;
    expect(readoutDifferences(viewCut.readout, savedCurvedCut(api2, map2, meshes2, cut2).readout)).toEqual([]);
    api2.restoreCentrelines(territories!.centrelines);
    const map2Territories = api2.computeTerritories(maskOfLabel(map2, territories!.liverLabel), g, territories!.generation, territories!.excludedIds);
    const remnants2 = api2.territoryRemnants(cutPlaneLps(cut2, cut2.centreLps), cut2.surface);
    expect(territoryDifferences(territories!, map2Territories, new Map([['c1', remnants2]]))).toEqual([]);
    expect(map2Territories.branches.map((b) => b.volumeMl)).toEqual(territoryMap.branches.map((b) => b.volumeMl));

    // Not the saved liver (one slab of voxels less): the differences are named, not hidden.
    const trimmed = maskOfLabel(map2, territories!.liverLabel);
    trimmed.fill(0, 0, 1200 * 40);
    const map3 = api2.computeTerritories(trimmed, g, territories!.generation, territories!.excludedIds);
    const diffs = territoryDifferences(territories!, map3, new Map([['c1', api2.territoryRemnants(cutPlaneLps(cut2, cut2.centreLps), cut2.surface)]]));
    expect(diffs.some((d) => d.startsWith('territory right lobe volume '))).toBe(true);
    expect(diffs.some((d) => d.startsWith("territories' liver volume "))).toBe(true);
    expect(diffs.some((d) => d.startsWith('remnant of right lobe '))).toBe(true);
  });
});
