import { describe, expect, it } from 'vitest';
import { PLAN_DOC_CODE, parsePlan, planFromDocumentReference, planProvenance, planToDocumentReference, summaryOf, type RehearsalPlanV1 } from './planDocument';

const plan: RehearsalPlanV1 = {
  format: 'twinscope-rehearsal-plan',
  version: 1,
  id: 'plan-1',
  title: 'Right hepatectomy — Ünal', // non-ASCII survives base64
  patientId: 'demo-liver-58f',
  createdAt: '2026-11-21T07:00:00.000Z',
  author: { username: 'surgeon', displayName: 'Dr Surgeon' },
  structures: [{ label: 1, name: 'liver', colorRgb: [170, 90, 60] }],
  steps: [
    {
      id: 's1',
      note: 'Anterior overview',
      camera: { positionLps: [0, -500, 0], targetLps: [0, 0, 0], upLps: [0, 0, 1] },
      visibleLabels: [1],
      cutPlanes: [{ id: 'c1', organLabel: 1, vesselLabel: null, azimuthDeg: 180, elevationDeg: 0, offsetMm: 5.5 }],
    },
    { id: 's2', note: '', camera: { positionLps: [500, 0, 0], targetLps: [0, 0, 0], upLps: [0, 0, 1] }, visibleLabels: [], cutPlanes: [] },
  ],
};

describe('rehearsal plan in FHIR', () => {
  it('round-trips exactly through a DocumentReference', () => {
    const doc = planToDocumentReference(plan);
    expect(doc.type?.coding?.[0]?.code).toBe(PLAN_DOC_CODE);
    expect(doc.subject?.reference).toBe('Patient/demo-liver-58f');
    expect(doc.author?.[0]?.display).toBe('Dr Surgeon');
    expect(doc.date).toBe(plan.createdAt);
    expect(doc.meta?.tag).toBeUndefined(); // clinician-authored: not a twin output
    expect(planFromDocumentReference(JSON.parse(JSON.stringify(doc)))).toEqual(plan);
    expect(summaryOf({ ...doc, id: 'd1' })).toEqual({ documentId: 'd1', planId: 'plan-1', title: plan.title, date: plan.createdAt, author: 'Dr Surgeon', stepCount: 2 });
  });
  it('names the author and the document in the Provenance', () => {
    const p = planProvenance(plan, 'd1');
    expect(p.target[0]?.reference).toBe('DocumentReference/d1');
    expect(p.agent[0]?.who?.identifier?.value).toBe('surgeon');
    expect(p.recorded).toBe(plan.createdAt);
  });
  it('refuses what is not a plan, saying why', () => {
    expect(() => parsePlan({ format: 'x' })).toThrow(/not a Twinscope rehearsal plan/);
    expect(() => parsePlan({ ...plan, version: 2 })).toThrow(/version 2/);
    const bad = JSON.parse(JSON.stringify(plan)) as RehearsalPlanV1;
    (bad.steps[0]!.camera as unknown as Record<string, unknown>).positionLps = [0, 'a', 0];
    expect(() => parsePlan(bad)).toThrow(/step 1: camera/);
    expect(summaryOf({ resourceType: 'DocumentReference', status: 'current', content: [] })).toBeNull();
  });
});
