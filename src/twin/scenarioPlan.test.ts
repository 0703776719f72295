// Accepting a plan: a real calibration (the worker's API in-process) and real scenario runs; the
// recorder port captures what would be written and the CarePlan + Provenance are built from it.
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { calibrationApi } from '../../workers/physiology/calibration/api';
import { runScenario } from '../../workers/physiology';
import { CALIBRATION_METHOD_ID, PHYSIOLOGY_ENGINE_NAME, PHYSIOLOGY_ENGINE_VERSION } from '../../core/contracts/versions';
import { carePlanBundle } from '../../core/domain/twinRecords';
import type { RecordCalibrationResult } from '../../core/vitals/twin';
import { addScenario, runScenarios, scenariosStore, selectScenarioPatient } from './scenarios';
import {
  acceptPlan,
  choosePlan,
  OVERRIDE_CHOICE,
  requestAcceptPlan,
  scenarioPlanStore,
  setOverrideText,
  setPlanReason,
  type AcceptPlanContext,
  type PlanRecordArgs,
  type PlanRecorder,
  type PlanRecordOutcome,
} from './scenarioPlan';

const T0 = Date.parse('2026-11-21T06:00:00Z');
const obs = (id: string, code: string, value: number, unit: string) => ({
  resourceType: 'Observation',
  id,
  status: 'final',
  subject: { reference: 'Patient/p1' },
  code: { coding: [{ system: 'http://loinc.org', code }] },
  effectiveDateTime: new Date(T0 - 60_000).toISOString(),
  valueQuantity: { value, unit, system: 'http://unitsofmeasure.org', code: unit },
});
const record = [
  { resourceType: 'Patient', id: 'p1', gender: 'female', birthDate: '1954-03-01' },
  obs('hr', '8867-4', 72, '/min'),
  obs('sbp', '8480-6', 128, 'mm[Hg]'),
  obs('dbp', '8462-4', 78, 'mm[Hg]'),
  obs('ht', '8302-2', 165, 'cm'),
  obs('wt', '29463-7', 70, 'kg'),
  // With an EF the twin's confidence is moderate: no confirmation needed (planConfidence.ts).
  obs('ef', '10230-1', 55, '%'),
];

function recorder(outcome: PlanRecordOutcome = { status: 'recorded', carePlanRef: 'CarePlan/cp1' }): PlanRecorder & { calls: PlanRecordArgs[] } {
  const calls: PlanRecordArgs[] = [];
  return Object.assign((args: PlanRecordArgs) => (calls.push(args), Promise.resolve(outcome)), { calls });
}

let live: RecordCalibrationResult;
let stale: RecordCalibrationResult;
beforeAll(() => {
  live = calibrationApi.calibrateFromFhir(record, { now: new Date(T0).toISOString(), fit: { ensembleSize: 20 } });
  // The same record read 400 days later: calibrated "as of" its newest vital, no live forecast.
  stale = calibrationApi.calibrateFromFhir(record, { now: new Date(T0 + 400 * 86_400_000).toISOString(), fit: { ensembleSize: 20 } });
}, 120_000);

const ctx = (calibration: RecordCalibrationResult): AcceptPlanContext => ({
  patientId: 'p1',
  actor: { userId: 'u1', display: 'Dr One' },
  calibration,
  calibratedAtMs: T0,
  summary: 'MAP: 80 mmHg',
  createdAt: new Date(T0).toISOString(),
});

describe('accepting a plan', () => {
  let tavr = '';
  beforeEach(async () => {
    selectScenarioPatient('x');
    selectScenarioPatient('p1');
    scenariosStore.setState({ settings: { durationSec: 900, ensemble: 2, seed: 1 } });
    tavr = addScenario('tavr', { eoaCm2: 1.8, startMin: 5 });
    await runScenarios({ runScenario: (s, o) => Promise.resolve(runScenario(s, o)) }, { patient: live.patient, parameters: live.mapParameters });
    expect(scenariosStore.getState().status).toBe('done');
  }, 120_000);

  it('records the chosen scenario once, its Provenance naming the model the engine reported', async () => {
    const rec = recorder();
    choosePlan(tavr);
    setPlanReason('  heart team agrees ');
    await requestAcceptPlan(rec, ctx(live));
    expect(scenarioPlanStore.getState().confirming).toBe(false);
    expect(rec.calls).toHaveLength(1);
    const args = rec.calls[0]!;
    expect(args).toMatchObject({ title: 'TAVR (1.8 cm²)', activities: ['TAVR, prosthesis EOA 1.8 cm² at 5 min'], reason: 'heart team agrees', override: false, summary: 'MAP: 80 mmHg' });
    expect(args.inputs.length).toBeGreaterThan(0);
    expect(args.inputs.every((s) => s.startsWith('Observation/'))).toBe(true);
    expect(args.confidence).toBe('calibration confidence moderate; missing inputs: LV end-diastolic volume, LV end-systolic volume, Aortic valve area, Aortic valve mean gradient, Aortic valve peak velocity');
    expect(args.model).toEqual(live.model);
    const prov = carePlanBundle(args).entry!.map((e) => e.resource).find((r) => r?.resourceType === 'Provenance') as { agent: { type: { text: string }; who: { display: string } }[] };
    expect(prov.agent.find((a) => a.type.text === 'assembler')!.who.display).toBe(`${PHYSIOLOGY_ENGINE_NAME} engine ${PHYSIOLOGY_ENGINE_VERSION}; ${CALIBRATION_METHOD_ID}`);
    const s = scenarioPlanStore.getState();
    expect(s.message).toBe('Plan “TAVR (1.8 cm²)” recorded with its Provenance by Dr One (CarePlan/cp1).');
    expect(s.accepted[args.planId]).toBe('TAVR (1.8 cm²)');
    expect(s.busy).toBe(false);
  }, 60_000);

  it('says when the plan waits in the outbox, and names a failure', async () => {
    choosePlan(tavr);
    await acceptPlan(recorder({ status: 'queued' }), ctx(live));
    expect(scenarioPlanStore.getState().message).toMatch(/waits in the outbox/);
    await acceptPlan(() => Promise.reject(new Error('HTTP 422: invalid CarePlan')), ctx(live));
    expect(scenarioPlanStore.getState()).toMatchObject({ busy: false, error: 'The plan was not recorded: HTTP 422: invalid CarePlan', message: undefined });
  });

  it('refuses an override without its words or its reason, and nothing chosen', async () => {
    const rec = recorder();
    choosePlan(OVERRIDE_CHOICE);
    setOverrideText('Balloon valvuloplasty');
    await acceptPlan(rec, ctx(live));
    expect(scenarioPlanStore.getState().error).toBe('An override needs the plan and the reason.');
    choosePlan('');
    await acceptPlan(rec, ctx(live));
    expect(scenarioPlanStore.getState().error).toBe('Choose a scenario that has results, or an override.');
    expect(rec.calls).toHaveLength(0);
    choosePlan(OVERRIDE_CHOICE);
    setPlanReason('frail; TAVR declined');
    await acceptPlan(rec, ctx(live));
    expect(rec.calls[0]).toMatchObject({ title: 'Balloon valvuloplasty', activities: ['Balloon valvuloplasty'], override: true, reason: 'frail; TAVR declined' });
  });

  it('asks for an explicit confirmation from a stale twin and records what was confirmed (issue 12)', async () => {
    const rec = recorder();
    choosePlan(tavr);
    await requestAcceptPlan(rec, ctx(stale));
    expect(scenarioPlanStore.getState().confirming).toBe(true);
    expect(rec.calls).toHaveLength(0);
    await acceptPlan(rec, ctx(stale), 'accepted after explicit confirmation despite: the twin is stale');
    expect(scenarioPlanStore.getState().confirming).toBe(false);
    expect(rec.calls[0]!.confirmedDespite).toBe('accepted after explicit confirmation despite: the twin is stale');
    expect(rec.calls[0]!.confidence).toMatch(/calibrated as of 2026-11-21 \(no live data\)/);
  });
});
