// A rehearsal plan in the patient's record: a FHIR DocumentReference whose attachment is the plan
// JSON (base64), with the surgeon as author and the time, plus a Provenance naming who made it,
// written as ONE transaction (planBundle). Version 2 (issue 17: plans that reproduce) stores what was
// on screen when saved (`view`, not the last step), each cut's exact geometry (the organ centre it is
// relative to, the plane point and normal in LPS mm) with the numbers shown for it, and a reference
// to the structures as a DICOM-SEG in the PACS (segment number = the plan's structure label), so a
// reopened plan recomputes the same numbers from the same surfaces; version 1 is still read.
// Version 3 adds a cut's curved resection surface (its Bézier patch: extent and 16 control heights,
// exactly as on screen), the structures its safety margin is measured to, and the minimum margin
// it read; an older build refuses a version-3 plan rather than open it as flat planes.
// Version 4 adds the vascular territories: the vessel structures and liver, the extraction settings
// (minimum branch length, generation, branches left out, the surgeon's names), the centrelines
// exactly as extracted (so reopening does not depend on re-extraction), and the territory volumes
// and per-territory remnants shown for each cut on the liver; an older build refuses it.
// A surgical plan is clinician-authored, not a twin output, so it carries no `twin-output` tag
// (PRODUCT.md reserves that for what the twin produced). Pure: builds and reads resources; the
// view sends them through the FHIR client.
import type { Bundle, DocumentReference, Provenance } from '@medplum/fhirtypes';
import { type Vec3 } from '../../../core/domain/imaging';
import { type SurfacePatch, validatePatch } from '../../../core/domain/resectionSurface';
import { type CutResult, type SurfaceCutResult } from '../../../core/contracts/anatomy-worker';
import { stableId } from '../../../core/domain/twinRecords';
import { type CentrelineSegment, type TerritoryMap, type TerritoryRemnantResult, type VesselCentrelines } from '../../../core/contracts/territories';
import { type CutPlaneState, type PlanStep, type TerritoryState } from '../../twin/anatomy';

// The identifier system and document type are contracts, defined once in core/domain/twinRecords.ts.
import { REHEARSAL_PLAN_DOC_CODE as PLAN_DOC_CODE, REHEARSAL_PLAN_DOC_SYSTEM as PLAN_DOC_SYSTEM, REHEARSAL_PLAN_ID_SYSTEM as PLAN_ID_SYSTEM } from '../../../core/domain/twinRecords';
export { PLAN_DOC_CODE, PLAN_DOC_SYSTEM, PLAN_ID_SYSTEM };
export const PLAN_CONTENT_TYPE = 'application/vnd.twinscope.rehearsal-plan+json';
export const USER_SYSTEM = 'urn:twinscope:user';

export interface PlanStructureRef {
  label: number;
  name: string;
  colorRgb: [number, number, number];
}

/** The numbers a cut showed when the plan was saved (the worker's readout). */
export interface CutReadoutNumbers {
  resectedMl: number;
  remnantMl: number;
  remnantPercent: number;
  totalMl: number;
  vesselDistanceMm: number | null;
  /** v3, a curved surface with margin structures: its smallest safety margin, mm (null: none inside the organ). */
  minMarginMm?: number | null;
  /** v3: the structure that margin is to. */
  minMarginLabel?: number | null;
}

/** A cut as saved: the surgeon's parameters, the exact plane (LPS mm) and what it read. */
export interface SavedCut extends CutPlaneState {
  centreLps: Vec3;
  planePointLps: Vec3;
  planeNormalLps: Vec3;
  readout: CutReadoutNumbers;
}

/** The structures as a DICOM-SEG in the PACS (its segment numbers are the plan's structure labels). */
export interface PlanSegmentationRef {
  studyInstanceUid: string;
  seriesInstanceUid: string;
  sopInstanceUid: string;
}

export interface SavedView {
  camera: PlanStep['camera'];
  visibleLabels: number[];
  cutPlanes: SavedCut[];
}

/** v4: the vascular territories as saved (labels are the plan's structure labels; volumes mL). */
export interface SavedTerritories {
  vesselLabels: number[];
  liverLabel: number;
  /** Minimum branch length of the extraction, mm (null: the extractor's default). */
  minBranchMm: number | null;
  generation: number;
  excludedIds: number[];
  /** The surgeon's territory names, by territory id. */
  names: Record<number, string>;
  /** The centrelines exactly as extracted (LPS mm): reopening recomputes territories from these. */
  centrelines: VesselCentrelines;
  /** The territories shown: id, default name, volume (mL). */
  branches: Array<{ id: number; name: string; volumeMl: number }>;
  liverMl: number;
  /** The remnant per territory shown for each cut on the liver (by cut id). */
  remnants: Array<{ cutId: string } & TerritoryRemnantResult>;
}

/** What is stored. Frames: LPS mm; angles: degrees. Version 2 adds `view`, `segmentation` and cut geometry. */
export interface RehearsalPlanV1 {
  format: 'twinscope-rehearsal-plan';
  version: 1 | 2 | 3 | 4;
  id: string;
  title: string;
  patientId: string;
  createdAt: string;
  author: { username: string; displayName: string };
  /** The structures the steps refer to, by label (surfaces are not stored: they come from the CT). */
  structures: PlanStructureRef[];
  steps: PlanStep[];
  /** v2: what was on screen at `Save plan` (restored on open). */
  view?: SavedView;
  /** v2: where the structures are stored. */
  segmentation?: PlanSegmentationRef;
  /** v4: the vascular territories on screen at `Save plan`. */
  territories?: SavedTerritories;
}

export type RehearsalPlan = RehearsalPlanV1;

export interface SavedPlanSummary {
  documentId: string;
  planId: string;
  title: string;
  date: string;
  author: string;
  stepCount: number;
}

function toBase64(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin);
}

function fromBase64(b64: string): string {
  const bin = atob(b64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return new TextDecoder().decode(bytes);
}

export function planToDocumentReference(plan: RehearsalPlanV1): DocumentReference {
  return {
    resourceType: 'DocumentReference',
    status: 'current',
    docStatus: 'final',
    identifier: [{ system: PLAN_ID_SYSTEM, value: plan.id }],
    type: { coding: [{ system: PLAN_DOC_SYSTEM, code: PLAN_DOC_CODE, display: 'Surgical rehearsal plan' }], text: 'Surgical rehearsal plan' },
    category: [{ coding: [{ system: 'http://loinc.org', code: '34874-1', display: 'Surgical operation note' }] }],
    subject: { reference: `Patient/${plan.patientId}` },
    date: plan.createdAt,
    author: [{ identifier: { system: USER_SYSTEM, value: plan.author.username }, display: plan.author.displayName }],
    description: plan.title,
    content: [
      { attachment: { contentType: PLAN_CONTENT_TYPE, title: plan.title, creation: plan.createdAt, data: toBase64(JSON.stringify(plan)) } },
      ...(plan.segmentation
        ? [
            {
              attachment: {
                contentType: 'application/dicom',
                title: 'Structures (DICOM-SEG)',
                url: `/dicomweb/studies/${plan.segmentation.studyInstanceUid}/series/${plan.segmentation.seriesInstanceUid}/instances/${plan.segmentation.sopInstanceUid}`,
              },
            },
          ]
        : []),
    ],
  };
}

/** A deterministic RFC 4122-shaped id for the DocumentReference's urn:uuid inside the Bundle. */
function uuidFrom(seed: string): string {
  const h = [0, 1, 2, 3].map((i) => stableId('x', `${seed}:${i}`).slice(2, 10)).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/**
 * The plan and its Provenance as one transaction (all or nothing): the DocumentReference is a
 * conditional create on the plan id, the Provenance a PUT to an id derived from it, so sending the
 * same plan twice (an outbox replay) creates nothing new. The Bundle's identifier is the outbox key.
 */
export function planBundle(plan: RehearsalPlan): Bundle {
  const fullUrl = `urn:uuid:${uuidFrom(plan.id)}`;
  const prov = planProvenance(plan, fullUrl);
  const provId = stableId('plan-prov', plan.id);
  return {
    resourceType: 'Bundle',
    type: 'transaction',
    identifier: { system: PLAN_ID_SYSTEM, value: plan.id },
    entry: [
      { fullUrl, resource: planToDocumentReference(plan), request: { method: 'POST', url: 'DocumentReference', ifNoneExist: `identifier=${PLAN_ID_SYSTEM}|${plan.id}` } },
      { fullUrl: `Provenance/${provId}`, resource: { ...prov, id: provId }, request: { method: 'PUT', url: `Provenance/${provId}` } },
    ],
  };
}

/** `target`: a DocumentReference id, or the urn:uuid of the DocumentReference in the same transaction. */
export function planProvenance(plan: RehearsalPlanV1, target: string): Provenance {
  const seg = plan.segmentation;
  return {
    resourceType: 'Provenance',
    target: [{ reference: target.startsWith('urn:') ? target : `DocumentReference/${target}` }],
    ...(seg
      ? { entity: [{ role: 'source' as const, what: { identifier: { system: 'urn:dicom:uid', value: `urn:oid:${seg.sopInstanceUid}` }, display: 'structures (DICOM-SEG)' } }] }
      : {}),
    recorded: plan.createdAt,
    activity: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-DataOperation', code: 'CREATE' }] },
    agent: [
      {
        type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/provenance-participant-type', code: 'author' }] },
        who: { identifier: { system: USER_SYSTEM, value: plan.author.username }, display: plan.author.displayName },
      },
    ],
  };
}

function fail(what: string): never {
  throw new Error(`this saved plan cannot be opened: ${what}`);
}

function isVec3(x: unknown): x is Vec3 {
  return Array.isArray(x) && x.length === 3 && x.every((v) => typeof v === 'number' && Number.isFinite(v));
}

function checkSurface(x: unknown, where: string): SurfacePatch {
  const o = x as Record<string, unknown> | null;
  if (o === null || typeof o !== 'object') fail(`${where}: the curved surface is not an object`);
  const patch = { uRangeMm: o.uRangeMm, vRangeMm: o.vRangeMm, heightsMm: o.heightsMm } as SurfacePatch;
  try {
    validatePatch(patch);
  } catch (e) {
    fail(`${where}: ${e instanceof Error ? e.message : String(e)}`);
  }
  return { uRangeMm: [patch.uRangeMm[0], patch.uRangeMm[1]], vRangeMm: [patch.vRangeMm[0], patch.vRangeMm[1]], heightsMm: [...patch.heightsMm] };
}

function checkCut(c: unknown, where: string): CutPlaneState {
  const o = c as Record<string, unknown>;
  for (const k of ['azimuthDeg', 'elevationDeg', 'offsetMm', 'organLabel']) {
    if (typeof o[k] !== 'number' || !Number.isFinite(o[k])) fail(`${where}: cut plane ${k} is not a number`);
  }
  if (typeof o.id !== 'string') fail(`${where}: cut plane without an id`);
  if (o.vesselLabel !== null && typeof o.vesselLabel !== 'number') fail(`${where}: cut plane vessel is not a label`);
  if (o.marginLabels !== undefined && !(Array.isArray(o.marginLabels) && o.marginLabels.every((l) => typeof l === 'number'))) fail(`${where}: margin structures are not labels`);
  return {
    ...(isVec3(o.centreLps) ? { centreLps: o.centreLps } : {}),
    ...(o.surface !== undefined ? { surface: checkSurface(o.surface, where) } : {}),
    ...(o.marginLabels !== undefined ? { marginLabels: [...(o.marginLabels as number[])] } : {}),
    id: o.id,
    organLabel: o.organLabel as number,
    vesselLabel: o.vesselLabel as number | null,
    azimuthDeg: o.azimuthDeg as number,
    elevationDeg: o.elevationDeg as number,
    offsetMm: o.offsetMm as number,
  };
}

function checkSavedCut(c: unknown, where: string): SavedCut {
  const base = checkCut(c, where);
  const o = c as Record<string, unknown>;
  if (!isVec3(o.centreLps) || !isVec3(o.planePointLps) || !isVec3(o.planeNormalLps)) fail(`${where}: cut plane geometry is not three LPS vectors`);
  const r = o.readout as Record<string, unknown> | undefined;
  for (const k of ['resectedMl', 'remnantMl', 'remnantPercent', 'totalMl'] as const) {
    if (typeof r?.[k] !== 'number' || !Number.isFinite(r[k])) fail(`${where}: cut readout ${k} is not a number`);
  }
  const vd = r!.vesselDistanceMm;
  if (vd !== null && typeof vd !== 'number') fail(`${where}: cut readout vessel distance is not a number`);
  for (const k of ['minMarginMm', 'minMarginLabel'] as const) {
    if (r![k] !== undefined && r![k] !== null && typeof r![k] !== 'number') fail(`${where}: cut readout ${k} is not a number`);
  }
  return {
    ...base,
    centreLps: o.centreLps,
    planePointLps: o.planePointLps,
    planeNormalLps: o.planeNormalLps,
    readout: {
      resectedMl: r!.resectedMl as number,
      remnantMl: r!.remnantMl as number,
      remnantPercent: r!.remnantPercent as number,
      totalMl: r!.totalMl as number,
      // JSON has no Infinity: a plane that missed the organ was stored as null → read back as such.
      vesselDistanceMm: vd as number | null,
      ...(r!.minMarginMm !== undefined ? { minMarginMm: r!.minMarginMm as number | null } : {}),
      ...(r!.minMarginLabel !== undefined ? { minMarginLabel: r!.minMarginLabel as number | null } : {}),
    },
  };
}

/**
 * A cut as a plan stores it: the state on screen, its exact plane (from the plane readout `r`) and
 * the numbers shown — the curved surface's (`curved`) when the cut has one, with its minimum margin.
 */
export function savedCutOf(c: CutPlaneState, r: CutResult & { planePointLps: Vec3; planeNormalLps: Vec3; centreLps: Vec3 }, curved: SurfaceCutResult | null): SavedCut {
  const v = curved?.volumes ?? r.volumes;
  const finite = (x: number | null | undefined): number | null => (x === null || x === undefined || !Number.isFinite(x) ? null : x);
  return {
    ...c,
    centreLps: r.centreLps,
    planePointLps: r.planePointLps,
    planeNormalLps: r.planeNormalLps,
    readout: {
      resectedMl: v.resectedMl,
      remnantMl: v.remnantMl,
      remnantPercent: v.remnantPercent,
      totalMl: v.totalMl,
      vesselDistanceMm: finite(r.vesselDistanceMm),
      ...(curved !== null && (c.marginLabels ?? []).length > 0
        ? { minMarginMm: finite(curved.minMargin?.mm), minMarginLabel: curved.minMargin?.label ?? null }
        : {}),
    },
  };
}

/** Parse and check a plan's JSON (whatever wrote it), so a bad file fails with what is wrong. */
export function parsePlan(json: unknown): RehearsalPlanV1 {
  const o = json as Record<string, unknown> | null;
  if (o === null || typeof o !== 'object' || o.format !== 'twinscope-rehearsal-plan') fail('it is not a Twinscope rehearsal plan');
  if (o.version !== 1 && o.version !== 2 && o.version !== 3 && o.version !== 4) fail(`format version ${String(o.version)} is not supported (this build reads versions 1 to 4)`);
  if (typeof o.id !== 'string' || typeof o.title !== 'string' || typeof o.patientId !== 'string' || typeof o.createdAt !== 'string') fail('id, title, patient or date missing');
  if (!Array.isArray(o.steps)) fail('it has no steps');
  const author = o.author as { username?: unknown; displayName?: unknown } | undefined;
  const steps = o.steps.map((s: unknown, i): PlanStep => {
    const st = s as Record<string, unknown>;
    const where = `step ${i + 1}`;
    const cam = st.camera as Record<string, unknown> | undefined;
    if (!cam || !isVec3(cam.positionLps) || !isVec3(cam.targetLps) || !isVec3(cam.upLps)) fail(`${where}: camera is not three LPS points`);
    if (!Array.isArray(st.visibleLabels) || !st.visibleLabels.every((l) => typeof l === 'number')) fail(`${where}: visible structures are not labels`);
    if (!Array.isArray(st.cutPlanes)) fail(`${where}: cut planes missing`);
    return {
      id: typeof st.id === 'string' ? st.id : `step-${i + 1}`,
      note: typeof st.note === 'string' ? st.note : '',
      camera: { positionLps: cam.positionLps, targetLps: cam.targetLps, upLps: cam.upLps },
      visibleLabels: st.visibleLabels as number[],
      cutPlanes: st.cutPlanes.map((c) => checkCut(c, where)),
    };
  });
  const structures = Array.isArray(o.structures) ? (o.structures as PlanStructureRef[]) : [];
  let view: SavedView | undefined;
  if (o.view !== undefined) {
    const v = o.view as Record<string, unknown>;
    const cam = v.camera as Record<string, unknown> | undefined;
    if (!cam || !isVec3(cam.positionLps) || !isVec3(cam.targetLps) || !isVec3(cam.upLps)) fail('the saved view: camera is not three LPS points');
    if (!Array.isArray(v.visibleLabels) || !v.visibleLabels.every((l) => typeof l === 'number')) fail('the saved view: visible structures are not labels');
    if (!Array.isArray(v.cutPlanes)) fail('the saved view: cut planes missing');
    view = {
      camera: { positionLps: cam.positionLps, targetLps: cam.targetLps, upLps: cam.upLps },
      visibleLabels: v.visibleLabels as number[],
      cutPlanes: v.cutPlanes.map((c) => checkSavedCut(c, 'the saved view')),
    };
  }
  let segmentation: PlanSegmentationRef | undefined;
  if (o.segmentation !== undefined) {
    const g = o.segmentation as Record<string, unknown>;
    if (typeof g.studyInstanceUid !== 'string' || typeof g.seriesInstanceUid !== 'string' || typeof g.sopInstanceUid !== 'string') fail('the structures reference lacks its DICOM UIDs');
    segmentation = { studyInstanceUid: g.studyInstanceUid, seriesInstanceUid: g.seriesInstanceUid, sopInstanceUid: g.sopInstanceUid };
  }
  const territories = o.territories === undefined ? undefined : checkTerritories(o.territories);
  return {
    format: 'twinscope-rehearsal-plan',
    version: o.version,
    id: o.id,
    title: o.title,
    patientId: o.patientId,
    createdAt: o.createdAt,
    author: { username: String(author?.username ?? ''), displayName: String(author?.displayName ?? '') },
    structures,
    steps,
    ...(view ? { view } : {}),
    ...(segmentation ? { segmentation } : {}),
    ...(territories ? { territories } : {}),
  };
}

const isNum = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
const isNums = (x: unknown): x is number[] => Array.isArray(x) && x.every(isNum);

function checkSegment(x: unknown, where: string): CentrelineSegment {
  const s = x as Record<string, unknown> | null;
  if (s === null || typeof s !== 'object' || !isNum(s.id) || !isNum(s.generation) || !isNum(s.lengthMm) || !isNum(s.meanRadiusMm)) fail(`${where}: a centreline segment lacks its id, generation or length`);
  if (s.parent !== null && !isNum(s.parent)) fail(`${where}: segment ${s.id} has a parent that is not a segment id`);
  if (!isNums(s.children)) fail(`${where}: segment ${s.id} children are not segment ids`);
  if (!Array.isArray(s.pointsLps) || s.pointsLps.length === 0 || !s.pointsLps.every(isVec3)) fail(`${where}: segment ${s.id} points are not LPS points`);
  if (!isNums(s.radiiMm) || s.radiiMm.length !== s.pointsLps.length) fail(`${where}: segment ${s.id} has not one radius per point`);
  return { id: s.id, parent: s.parent as number | null, children: [...s.children], generation: s.generation, pointsLps: s.pointsLps as Vec3[], radiiMm: [...s.radiiMm], lengthMm: s.lengthMm, meanRadiusMm: s.meanRadiusMm };
}

function checkRemnant(x: unknown, where: string): { cutId: string } & TerritoryRemnantResult {
  const r = x as Record<string, unknown> | null;
  if (r === null || typeof r !== 'object' || typeof r.cutId !== 'string' || !isNum(r.liverMl) || !isNum(r.remnantMl) || !Array.isArray(r.byBranch)) fail(`${where}: a remnant lacks its cut, liver or remnant volume`);
  const byBranch = r.byBranch.map((b: unknown) => {
    const e = b as Record<string, unknown> | null;
    if (e === null || typeof e !== 'object' || !isNum(e.branchId) || !isNum(e.totalMl) || !isNum(e.remnantMl) || !isNum(e.remnantPercentOfLiver)) fail(`${where}: a territory remnant is not numbers`);
    return { branchId: e.branchId, totalMl: e.totalMl, remnantMl: e.remnantMl, remnantPercentOfLiver: e.remnantPercentOfLiver };
  });
  return { cutId: r.cutId, liverMl: r.liverMl, remnantMl: r.remnantMl, byBranch };
}

/** The territory section of a v4 plan, checked whole: a bad one is refused, naming what is wrong. */
function checkTerritories(x: unknown): SavedTerritories {
  const where = 'the territories';
  const t = x as Record<string, unknown> | null;
  if (t === null || typeof t !== 'object') fail(`${where} are not an object`);
  if (!isNums(t.vesselLabels) || t.vesselLabels.length === 0) fail(`${where}: the vessel structures are not labels`);
  if (!isNum(t.liverLabel)) fail(`${where}: the liver structure is not a label`);
  if (t.minBranchMm !== null && !(isNum(t.minBranchMm) && t.minBranchMm > 0)) fail(`${where}: the minimum branch length is not a positive number of mm`);
  if (!isNum(t.generation) || !Number.isInteger(t.generation) || t.generation < 1) fail(`${where}: the branch generation is not a whole number ≥ 1`);
  if (!isNums(t.excludedIds)) fail(`${where}: the branches left out are not ids`);
  const names = t.names as Record<string, unknown> | null;
  if (names === null || typeof names !== 'object' || !Object.values(names).every((v) => typeof v === 'string')) fail(`${where}: the territory names are not text`);
  const c = t.centrelines as Record<string, unknown> | null;
  if (c === null || typeof c !== 'object' || !Array.isArray(c.trees) || c.trees.length === 0) fail(`${where}: no vessel centrelines are stored`);
  const trees = c.trees.map((tr: unknown, k) => {
    const e = tr as Record<string, unknown> | null;
    const w = `${where}, vessel tree ${k + 1}`;
    if (e === null || typeof e !== 'object' || !isNum(e.structureLabel) || typeof e.structureName !== 'string' || !isVec3(e.rootLps) || !isNum(e.voxelCount)) fail(`${w}: structure, root or voxel count missing`);
    if (!Array.isArray(e.segments) || e.segments.length === 0) fail(`${w}: it has no segments`);
    if (!Array.isArray(e.bifurcationsLps) || !e.bifurcationsLps.every(isVec3)) fail(`${w}: bifurcations are not LPS points`);
    return { structureLabel: e.structureLabel, structureName: e.structureName, rootLps: e.rootLps, voxelCount: e.voxelCount, bifurcationsLps: e.bifurcationsLps as Vec3[], segments: e.segments.map((s: unknown) => checkSegment(s, w)) };
  });
  if (!Array.isArray(t.branches) || t.branches.length === 0) fail(`${where}: no territory is stored`);
  const branches = t.branches.map((b: unknown) => {
    const e = b as Record<string, unknown> | null;
    if (e === null || typeof e !== 'object' || !isNum(e.id) || typeof e.name !== 'string' || !isNum(e.volumeMl)) fail(`${where}: a territory lacks its id, name or volume`);
    return { id: e.id, name: e.name, volumeMl: e.volumeMl };
  });
  if (!isNum(t.liverMl)) fail(`${where}: the liver volume is not a number`);
  if (!Array.isArray(t.remnants)) fail(`${where}: the remnants per territory are missing`);
  return {
    vesselLabels: [...t.vesselLabels],
    liverLabel: t.liverLabel,
    minBranchMm: t.minBranchMm as number | null,
    generation: t.generation,
    excludedIds: [...t.excludedIds],
    names: Object.fromEntries(Object.entries(names as Record<string, string>).map(([k, v]) => [Number(k), v])),
    centrelines: { trees, ignoredPieces: isNum(c.ignoredPieces) ? c.ignoredPieces : 0 },
    branches,
    liverMl: t.liverMl,
    remnants: t.remnants.map((r: unknown) => checkRemnant(r, where)),
  };
}

/** The territory set-up on screen as a plan stores it, with the remnants shown for the cuts on the liver (by cut id). */
export function savedTerritoriesOf(t: TerritoryState, remnants: ReadonlyArray<{ cutId: string; result: TerritoryRemnantResult }>): SavedTerritories {
  if (t.map === null || t.liverLabel === null) throw new Error('the territories are not computed yet');
  return {
    vesselLabels: [...t.vesselLabels],
    liverLabel: t.liverLabel,
    minBranchMm: t.minBranchMm ?? null,
    generation: t.map.generation,
    excludedIds: [...t.excludedIds],
    names: { ...t.names },
    centrelines: t.centrelines,
    branches: t.map.branches.map((b) => ({ id: b.id, name: b.name, volumeMl: b.volumeMl })),
    liverMl: t.map.liverMl,
    remnants: remnants.map((r) => ({ cutId: r.cutId, liverMl: r.result.liverMl, remnantMl: r.result.remnantMl, byBranch: r.result.byBranch.map((b) => ({ ...b })) })),
  };
}

/**
 * Differences between the territories a plan saved and those recomputed on reopening (empty =
 * identical): the branches, their volumes and, per saved cut, the remnant of each territory. Exact,
 * like readoutDifferences. `remnantsNow`: by cut id (a saved cut without an answer is named).
 */
export function territoryDifferences(saved: SavedTerritories, map: TerritoryMap, remnantsNow: ReadonlyMap<string, TerritoryRemnantResult>): string[] {
  const out: string[] = [];
  const now = new Map(map.branches.map((b) => [b.id, b]));
  for (const b of saved.branches) {
    const n = now.get(b.id);
    const name = saved.names[b.id] ?? b.name;
    if (n === undefined) out.push(`territory ${name} is missing`);
    else if (n.volumeMl !== b.volumeMl) out.push(`territory ${name} volume ${b.volumeMl} → ${n.volumeMl} mL`);
  }
  for (const b of map.branches) if (!saved.branches.some((s) => s.id === b.id)) out.push(`territory ${b.name} is new`);
  if (map.liverMl !== saved.liverMl) out.push(`territories' liver volume ${saved.liverMl} → ${map.liverMl} mL`);
  for (const r of saved.remnants) {
    const n = remnantsNow.get(r.cutId);
    if (n === undefined) {
      out.push(`the remnant per territory for cut ${r.cutId} was not recomputed`);
      continue;
    }
    if (n.remnantMl !== r.remnantMl) out.push(`territory remnant (liver) ${r.remnantMl} → ${n.remnantMl} mL`);
    const byId = new Map(n.byBranch.map((b) => [b.branchId, b]));
    for (const b of r.byBranch) {
      const m = byId.get(b.branchId);
      const name = saved.names[b.branchId] ?? saved.branches.find((x) => x.id === b.branchId)?.name ?? `territory ${b.branchId}`;
      if (m === undefined) out.push(`remnant of ${name} missing`);
      else if (m.remnantMl !== b.remnantMl || m.totalMl !== b.totalMl) out.push(`remnant of ${name} ${b.remnantMl} of ${b.totalMl} → ${m.remnantMl} of ${m.totalMl} mL`);
    }
  }
  return out;
}

export function planFromDocumentReference(doc: DocumentReference): RehearsalPlanV1 {
  const att = doc.content?.find((c) => c.attachment?.contentType === PLAN_CONTENT_TYPE)?.attachment;
  if (!att?.data) fail(`DocumentReference/${doc.id ?? '?'} holds no plan attachment`);
  let json: unknown;
  try {
    json = JSON.parse(fromBase64(att.data));
  } catch {
    fail('its attachment is not JSON');
  }
  return parsePlan(json);
}

export function summaryOf(doc: DocumentReference): SavedPlanSummary | null {
  try {
    const plan = planFromDocumentReference(doc);
    return {
      documentId: doc.id ?? '',
      planId: plan.id,
      title: plan.title,
      date: doc.date ?? plan.createdAt,
      author: doc.author?.[0]?.display ?? plan.author.displayName,
      stepCount: plan.steps.length,
    };
  } catch {
    return null;
  }
}

/** Put a saved plan's labels onto the structures loaded now (`labelOf`: saved label → label now); unknown labels stay. */
export function remapPlanLabels(plan: RehearsalPlan, labelOf: ReadonlyMap<number, number>): { steps: PlanStep[]; view?: SavedView; territories?: SavedTerritories } {
  const m = (l: number): number => labelOf.get(l) ?? l;
  const cut = <C extends CutPlaneState>(c: C): C => ({
    ...c,
    organLabel: m(c.organLabel),
    vesselLabel: c.vesselLabel === null ? null : m(c.vesselLabel),
    ...(c.marginLabels ? { marginLabels: c.marginLabels.map(m) } : {}),
  });
  const steps = plan.steps.map((st) => ({ ...st, visibleLabels: st.visibleLabels.map(m), cutPlanes: st.cutPlanes.map(cut) }));
  return {
    steps,
    ...(plan.view ? { view: { ...plan.view, visibleLabels: plan.view.visibleLabels.map(m), cutPlanes: plan.view.cutPlanes.map(cut) } } : {}),
    ...(plan.territories
      ? {
          territories: {
            ...plan.territories,
            vesselLabels: plan.territories.vesselLabels.map(m),
            liverLabel: m(plan.territories.liverLabel),
            centrelines: { ...plan.territories.centrelines, trees: plan.territories.centrelines.trees.map((t) => ({ ...t, structureLabel: m(t.structureLabel) })) },
          },
        }
      : {}),
  };
}

/**
 * Differences between the numbers a plan saved and those computed on reopening (empty = identical).
 * Exact comparison on purpose: the same surfaces and plane give the same floating-point sums, so
 * any difference means the structures or the geometry are not the saved ones.
 */
export function readoutDifferences(saved: CutReadoutNumbers, now: CutReadoutNumbers): string[] {
  const out: string[] = [];
  for (const k of ['resectedMl', 'remnantMl', 'remnantPercent', 'totalMl'] as const) {
    if (saved[k] !== now[k]) out.push(`${k} ${saved[k]} → ${now[k]}`);
  }
  if (saved.vesselDistanceMm !== now.vesselDistanceMm) out.push(`vesselDistanceMm ${String(saved.vesselDistanceMm)} → ${String(now.vesselDistanceMm)}`);
  if (saved.minMarginMm !== undefined && saved.minMarginMm !== now.minMarginMm) out.push(`minMarginMm ${String(saved.minMarginMm)} → ${String(now.minMarginMm)}`);
  return out;
}
