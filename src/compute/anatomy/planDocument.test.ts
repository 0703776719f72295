import { describe, expect, it } from 'vitest';
import { type TerritoryMap } from '../../../core/contracts/territories';
import { PLAN_DOC_CODE, PLAN_ID_SYSTEM, parsePlan, planBundle, planFromDocumentReference, planProvenance, planToDocumentReference, readoutDifferences, remapPlanLabels, summaryOf, territoryDifferences, type RehearsalPlan, type RehearsalPlanV1, type SavedCut, type SavedTerritories } from './planDocument';

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
    expect(() => parsePlan({ ...plan, version: 5 })).toThrow(/version 5 is not supported \(this build reads versions 1 to 4\)/);
    expect(() => parsePlan({ ...plan, version: 3, steps: [{ camera: { positionLps: [0, 0, 1], targetLps: [0, 0, 0], upLps: [0, 1, 0] }, visibleLabels: [], cutPlanes: [{ id: 'c', organLabel: 1, vesselLabel: null, azimuthDeg: 0, elevationDeg: 0, offsetMm: 0, surface: { uRangeMm: [0, 10], vRangeMm: [0, 10], heightsMm: [1, 2] } }] }] })).toThrow(/step 1: a resection surface needs 16 control heights/);
    const bad = JSON.parse(JSON.stringify(plan)) as RehearsalPlanV1;
    (bad.steps[0]!.camera as unknown as Record<string, unknown>).positionLps = [0, 'a', 0];
    expect(() => parsePlan(bad)).toThrow(/step 1: camera/);
    expect(summaryOf({ resourceType: 'DocumentReference', status: 'current', content: [] })).toBeNull();
  });

  it('version 2: the view on screen, each cut\'s exact plane and numbers, and the SEG reference round-trip; one transaction', () => {
    const cut: SavedCut = {
      id: 'c9',
      organLabel: 1,
      vesselLabel: 2,
      azimuthDeg: 170,
      elevationDeg: 5,
      offsetMm: -7.25,
      centreLps: [10.5, -20.25, 300.125],
      planePointLps: [1.1, 2.2, 3.3],
      planeNormalLps: [-0.98, 0.17, 0.087],
      readout: { resectedMl: 612.3456789, remnantMl: 1100.1234567, remnantPercent: 64.24, totalMl: 1712.4691356, vesselDistanceMm: null },
    };
    const v2: RehearsalPlan = {
      ...plan,
      version: 2,
      structures: [...plan.structures, { label: 2, name: 'portal vein', colorRgb: [0, 151, 206] }],
      view: { camera: plan.steps[0]!.camera, visibleLabels: [1, 2], cutPlanes: [cut] },
      segmentation: { studyInstanceUid: '2.25.1', seriesInstanceUid: '2.25.2', sopInstanceUid: '2.25.3' },
    };
    const doc = planToDocumentReference(v2);
    expect(doc.content?.[1]?.attachment?.url).toBe('/dicomweb/studies/2.25.1/series/2.25.2/instances/2.25.3');
    const back = planFromDocumentReference(JSON.parse(JSON.stringify(doc)));
    expect(back).toEqual(v2);
    expect(readoutDifferences(cut.readout, back.view!.cutPlanes[0]!.readout)).toEqual([]);
    expect(readoutDifferences(cut.readout, { ...cut.readout, remnantMl: 1100.1234568 })).toEqual(['remnantMl 1100.1234567 → 1100.1234568']);
    // Labels of the reloaded SEG: 1 → 7, 2 → 8.
    const mapped = remapPlanLabels(back, new Map([[1, 7], [2, 8]]));
    expect(mapped.view!.cutPlanes[0]).toMatchObject({ organLabel: 7, vesselLabel: 8, centreLps: cut.centreLps });
    expect(mapped.view!.visibleLabels).toEqual([7, 8]);
    expect(mapped.steps[0]!.cutPlanes[0]!.organLabel).toBe(7);

    const bundle = planBundle(v2);
    expect(bundle.type).toBe('transaction');
    expect(bundle.identifier).toEqual({ system: PLAN_ID_SYSTEM, value: 'plan-1' });
    const [d, p] = bundle.entry!;
    expect(d!.request).toEqual({ method: 'POST', url: 'DocumentReference', ifNoneExist: `identifier=${PLAN_ID_SYSTEM}|plan-1` });
    expect((p!.resource as { target: Array<{ reference: string }> }).target[0]!.reference).toBe(d!.fullUrl);
    expect(p!.request?.method).toBe('PUT');
    expect(JSON.stringify(p!.resource)).toContain('urn:oid:2.25.3');
    expect(planBundle(v2)).toEqual(bundle); // deterministic: a replay is the same write
    expect(() => parsePlan({ ...v2, view: { ...v2.view, cutPlanes: [{ ...cut, planeNormalLps: [1, 2] }] } })).toThrow(/saved view: cut plane geometry/);
  });

  it('version 4: the territories (centrelines as extracted, settings, names, volumes, remnants per territory) round-trip exactly; a bad section is refused', () => {
    const territories: SavedTerritories = {
      vesselLabels: [2],
      liverLabel: 1,
      minBranchMm: 4.5,
      generation: 1,
      excludedIds: [3],
      names: { 1: 'right posterior (S6/7)' },
      centrelines: {
        ignoredPieces: 1,
        trees: [
          {
            structureLabel: 2,
            structureName: 'portal vein',
            rootLps: [0.1, -0.2, -28.3],
            voxelCount: 1234,
            bifurcationsLps: [[0.015625, 0, 0.3333333333333333]],
            segments: [
              { id: 1, parent: null, children: [2, 3], generation: 0, pointsLps: [[0, 0, -28], [0, 0, 0.3333333333333333]], radiiMm: [4, 3.9], lengthMm: 28.333333333333332, meanRadiusMm: 3.95 },
              { id: 2, parent: 1, children: [], generation: 1, pointsLps: [[0, 0, 0.3], [-20.1, 0, 20.7]], radiiMm: [3, 2.5], lengthMm: 28.9, meanRadiusMm: 2.75 },
              { id: 3, parent: 1, children: [], generation: 1, pointsLps: [[0, 0, 0.3], [20.1, 0, 20.7]], radiiMm: [3, 2.5], lengthMm: 28.9, meanRadiusMm: 2.75 },
            ],
          },
        ],
      },
      branches: [
        { id: 1, name: 'portal vein 1.1 · R', volumeMl: 17.123 },
        { id: 2, name: 'portal vein 1.2 · L', volumeMl: 16.877 },
      ],
      liverMl: 34,
      remnants: [{ cutId: 'c9', liverMl: 34, remnantMl: 20.25, byBranch: [{ branchId: 1, totalMl: 17.123, remnantMl: 3.373, remnantPercentOfLiver: 9.920588235294119 }, { branchId: 2, totalMl: 16.877, remnantMl: 16.877, remnantPercentOfLiver: 49.63823529411765 }] }],
    };
    const v4: RehearsalPlan = { ...plan, version: 4, structures: [...plan.structures, { label: 2, name: 'portal vein', colorRgb: [0, 151, 206] }], territories };
    const back = planFromDocumentReference(JSON.parse(JSON.stringify(planToDocumentReference(v4))));
    expect(back).toEqual(v4);
    // The same numbers recomputed → no difference; one territory's remnant off by 0.001 mL → named.
    const map: TerritoryMap = {
      grid: { dimensions: [1, 1, 1], spacingMm: [1, 1, 1], originLps: [0, 0, 0], directionLps: [1, 0, 0, 0, 1, 0, 0, 0, 1] },
      offsetIjk: [0, 0, 0],
      labels: new Uint16Array(1),
      liverMl: 34,
      generation: 1,
      branches: territories.branches.map((b) => ({ ...b, structureLabel: 2, tree: 0, segment: b.id + 1, generation: 1 })),
    };
    const same = new Map([['c9', { liverMl: 34, remnantMl: 20.25, byBranch: territories.remnants[0]!.byBranch }]]);
    expect(territoryDifferences(back.territories!, map, same)).toEqual([]);
    const off = new Map([['c9', { ...same.get('c9')!, byBranch: [{ ...territories.remnants[0]!.byBranch[0]!, remnantMl: 3.374 }, territories.remnants[0]!.byBranch[1]!] }]]);
    expect(territoryDifferences(back.territories!, map, off)).toEqual(['remnant of right posterior (S6/7) 3.373 of 17.123 → 3.374 of 17.123 mL']);
    expect(territoryDifferences(back.territories!, { ...map, branches: [{ ...map.branches[0]!, volumeMl: 17.2 }, map.branches[1]!] }, same)).toEqual(['territory right posterior (S6/7) volume 17.123 → 17.2 mL']);
    expect(territoryDifferences(back.territories!, map, new Map())).toEqual(['the remnant per territory for cut c9 was not recomputed']);
    // Labels of the reloaded SEG: 1 → 7, 2 → 8, in the vessel list, the liver and the trees.
    const mapped = remapPlanLabels(back, new Map([[1, 7], [2, 8]])).territories!;
    expect(mapped).toMatchObject({ vesselLabels: [8], liverLabel: 7 });
    expect(mapped.centrelines.trees[0]!.structureLabel).toBe(8);
    expect(mapped.centrelines.trees[0]!.segments).toEqual(territories.centrelines.trees[0]!.segments);

    // A bad territory section refuses the whole plan, naming what is wrong.
    const bad = (t: Record<string, unknown>): unknown => ({ ...v4, territories: { ...territories, ...t } });
    expect(() => parsePlan(bad({ generation: 0 }))).toThrow(/this saved plan cannot be opened: the territories: the branch generation is not a whole number ≥ 1/);
    expect(() => parsePlan(bad({ minBranchMm: -1 }))).toThrow(/minimum branch length is not a positive number/);
    expect(() => parsePlan(bad({ centrelines: { trees: [] } }))).toThrow(/no vessel centrelines are stored/);
    const seg = territories.centrelines.trees[0]!.segments[1]!;
    expect(() => parsePlan(bad({ centrelines: { trees: [{ ...territories.centrelines.trees[0]!, segments: [{ ...seg, radiiMm: [3] }] }] } }))).toThrow(/vessel tree 1: segment 2 has not one radius per point/);
    expect(() => parsePlan(bad({ centrelines: { trees: [{ ...territories.centrelines.trees[0]!, segments: [{ ...seg, pointsLps: [[0, 0, null]] }] }] } }))).toThrow(/segment 2 points are not LPS points/);
    expect(() => parsePlan(bad({ branches: [{ id: 1, name: 'x', volumeMl: 'a' }] }))).toThrow(/a territory lacks its id, name or volume/);
    expect(() => parsePlan(bad({ remnants: [{ cutId: 'c9', liverMl: 34, remnantMl: 20, byBranch: [{ branchId: 1, totalMl: 1, remnantMl: null, remnantPercentOfLiver: 1 }] }] }))).toThrow(/a territory remnant is not numbers/);
    expect(() => parsePlan(bad({ names: { 1: 5 } }))).toThrow(/territory names are not text/);
  });
});
