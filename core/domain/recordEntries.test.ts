import { describe, expect, it } from 'vitest';
import type { Bundle, CarePlan, Flag, Observation, Provenance } from '@medplum/fhirtypes';
import { alertAckBundle, carePlanBundle, forecastBundle } from './twinRecords';
import { recordEntries } from './recordEntries';

const actor = { userId: 'u-card', display: 'Dr Carla Cardio' };
const model = { name: 'engine', version: '1' };

/** What a FHIR server makes of a transaction: ids for the urn:uuid entries, references rewritten. */
function store(bundle: Bundle): { resources: (CarePlan | Flag | Observation)[]; provenances: Provenance[] } {
  const ids = new Map<string, string>();
  bundle.entry!.forEach((e, i) => {
    if (e.fullUrl?.startsWith('urn:uuid:')) ids.set(e.fullUrl, `${e.resource!.resourceType}/id${i}`);
  });
  const resources: (CarePlan | Flag | Observation)[] = [];
  const provenances: Provenance[] = [];
  for (const e of bundle.entry!) {
    const r = structuredClone(e.resource!) as CarePlan | Flag | Observation | Provenance;
    if (r.resourceType === 'Provenance') {
      r.target = r.target.map((t) => ({ reference: ids.get(t.reference!) ?? t.reference }));
      provenances.push(r);
    } else {
      r.id = ids.get(e.fullUrl!)!.split('/')[1];
      resources.push(r);
    }
  }
  return { resources, provenances };
}

describe('recordEntries', () => {
  it('lists a plan with its reason and override, an acknowledged alert with its note, and a saved forecast, each with its Provenance', () => {
    const plan = store(
      carePlanBundle({ patientId: 'p1', planId: 'beta-1', title: 'Metoprolol 25 mg', activities: ['Metoprolol 25 mg oral'], summary: 'HR …', override: true, reason: 'HR too high', createdAt: '2026-12-07T10:00:00Z', actor, model, inputs: ['Observation/a', 'Observation/b'] }),
    );
    const ack = store(
      alertAckBundle({ patientId: 'p1', alertId: 'al-1', text: 'SBP 180 mmHg above the band', observation: 'Observation/x', observedAt: '2026-12-07T09:00:00Z', acknowledgedAt: '2026-12-07T09:05:00Z', actor, model, note: 'cuff re-sited' }),
    );
    const points = [0, 1].map((i) => ({ loinc: '8480-6', display: 'Systolic blood pressure', unit: 'mmHg', ucum: 'mm[Hg]', key: 'sbpMmHg', tMs: Date.parse('2026-12-07T11:00:00Z') + i * 600_000, p05: 100, p50: 120, p95: 140 }));
    const fc = store(forecastBundle({ patientId: 'p1', forecastId: 'fc-1-h1', issuedAt: '2026-12-07T08:00:00Z', points, inputs: ['Observation/a'], actor, model }));
    const all = [plan, ack, fc];
    const entries = recordEntries({
      carePlans: plan.resources as CarePlan[],
      flags: ack.resources as Flag[],
      forecasts: fc.resources as Observation[],
      rehearsals: [],
      provenances: all.flatMap((x) => x.provenances),
    });
    expect(entries.map((e) => e.kind)).toEqual(['plan', 'alert', 'forecast']); // newest first
    expect(entries[0]).toMatchObject({ title: 'Metoprolol 25 mg', override: true, reason: 'HR too high', author: 'Dr Carla Cardio' });
    expect(entries[0]!.provenance[0]).toMatchObject({ activity: 'plan recorded as an override of the twin scenarios', inputCount: 2, reason: 'HR too high' });
    expect(entries[0]!.provenance[0]!.agents).toContain('author: Dr Carla Cardio');
    expect(entries[1]).toMatchObject({ note: 'cuff re-sited', timeIso: '2026-12-07T09:05:00Z' });
    expect(entries[1]!.provenance[0]!.agents[0]).toBe('verifier: Dr Carla Cardio');
    expect(entries[2]!.title).toBe('Forecast fc-1: 2 values (Systolic blood pressure)');
    expect(entries[2]!.provenance).toHaveLength(1);
    expect(entries[2]!.author).toBe('Dr Carla Cardio');
  });

  it('shows an output whose Provenance is missing as such (no silent gap)', () => {
    const plan = store(carePlanBundle({ patientId: 'p1', planId: 'x', title: 'T', activities: [], summary: '', override: false, reason: '', createdAt: '2026-12-07T10:00:00Z', actor, model, inputs: [] }));
    const [e] = recordEntries({ carePlans: plan.resources as CarePlan[], flags: [], forecasts: [], rehearsals: [], provenances: [] });
    expect(e!.provenance).toEqual([]);
    expect(e!.override).toBe(false);
  });
  it('carries the confidence and the explicit confirmation of a plan from a stale twin into its Provenance (issue 12)', () => {
    const plan = store(
      carePlanBundle({
        patientId: 'p1',
        planId: 'y',
        title: 'TAVR',
        activities: ['TAVR'],
        summary: '',
        override: false,
        reason: '',
        createdAt: '2026-12-07T10:00:00Z',
        actor,
        model,
        inputs: [],
        confidence: 'calibration confidence low; missing inputs: LV ejection fraction',
        confirmedDespite: 'the twin is stale: last reading 400 days ago (2025-10-30)',
      }),
    );
    const [e] = recordEntries({ carePlans: plan.resources as CarePlan[], flags: [], forecasts: [], rehearsals: [], provenances: plan.provenances });
    expect(e!.provenance[0]).toMatchObject({
      confidence: 'calibration confidence low; missing inputs: LV ejection fraction',
      confirmedDespite: 'the twin is stale: last reading 400 days ago (2025-10-30)',
    });
  });
});
