// A rehearsal plan in the patient's record: a FHIR DocumentReference whose attachment is the plan
// JSON (base64), with the surgeon as author and the time, plus a Provenance naming who made it.
// A surgical plan is clinician-authored, not a twin output, so it carries no `twin-output` tag
// (PRODUCT.md reserves that for what the twin produced). Pure: builds and reads resources; the
// view sends them through the FHIR client.
import type { DocumentReference, Provenance } from '@medplum/fhirtypes';
import { type Vec3 } from '../../../core/domain/imaging';
import { type CutPlaneState, type PlanStep } from '../../twin/anatomy';

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

/** What is stored, version 1. Frames: LPS mm; angles: degrees. */
export interface RehearsalPlanV1 {
  format: 'twinscope-rehearsal-plan';
  version: 1;
  id: string;
  title: string;
  patientId: string;
  createdAt: string;
  author: { username: string; displayName: string };
  /** The structures the steps refer to, by label (surfaces are not stored: they come from the CT). */
  structures: PlanStructureRef[];
  steps: PlanStep[];
}

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
    content: [{ attachment: { contentType: PLAN_CONTENT_TYPE, title: plan.title, creation: plan.createdAt, data: toBase64(JSON.stringify(plan)) } }],
  };
}

export function planProvenance(plan: RehearsalPlanV1, documentId: string): Provenance {
  return {
    resourceType: 'Provenance',
    target: [{ reference: `DocumentReference/${documentId}` }],
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

function checkCut(c: unknown, where: string): CutPlaneState {
  const o = c as Record<string, unknown>;
  for (const k of ['azimuthDeg', 'elevationDeg', 'offsetMm', 'organLabel']) {
    if (typeof o[k] !== 'number' || !Number.isFinite(o[k])) fail(`${where}: cut plane ${k} is not a number`);
  }
  if (typeof o.id !== 'string') fail(`${where}: cut plane without an id`);
  if (o.vesselLabel !== null && typeof o.vesselLabel !== 'number') fail(`${where}: cut plane vessel is not a label`);
  return {
    id: o.id,
    organLabel: o.organLabel as number,
    vesselLabel: o.vesselLabel as number | null,
    azimuthDeg: o.azimuthDeg as number,
    elevationDeg: o.elevationDeg as number,
    offsetMm: o.offsetMm as number,
  };
}

/** Parse and check a plan's JSON (whatever wrote it), so a bad file fails with what is wrong. */
export function parsePlan(json: unknown): RehearsalPlanV1 {
  const o = json as Record<string, unknown> | null;
  if (o === null || typeof o !== 'object' || o.format !== 'twinscope-rehearsal-plan') fail('it is not a Twinscope rehearsal plan');
  if (o.version !== 1) fail(`format version ${String(o.version)} is not supported (this build reads version 1)`);
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
  return {
    format: 'twinscope-rehearsal-plan',
    version: 1,
    id: o.id,
    title: o.title,
    patientId: o.patientId,
    createdAt: o.createdAt,
    author: { username: String(author?.username ?? ''), displayName: String(author?.displayName ?? '') },
    structures,
    steps,
  };
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
