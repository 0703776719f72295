import { describe, expect, it } from 'vitest';
import { analyseTwinWrite } from '../../server/consent/twin-writes';
import { alertAckBundle, carePlanBundle, forecastBundle, isTwinOutputResource, stableId } from './twinRecords';

const actor = { userId: 'u1', display: 'Clinician' };
const model = { name: 'twinscope-twin', version: '1' };

describe('twin write-back bundles', () => {
  it('a forecast is a transaction of tagged Observations with conditional creates and one Provenance that the server accepts', () => {
    const b = forecastBundle({
      patientId: 'p1',
      forecastId: 'f1',
      issuedAt: '2026-11-21T06:00:00Z',
      points: [{ loinc: '8478-0', display: 'MAP', unit: 'mmHg', ucum: 'mm[Hg]', key: 'mapMmHg', tMs: 0, p05: 80, p50: 90, p95: 100 }],
      inputs: ['Observation/a'],
      actor,
      model,
    });
    expect(b.type).toBe('transaction');
    const [obs, prov] = b.entry!;
    expect(obs!.request).toMatchObject({ method: 'POST', url: 'Observation' });
    expect(obs!.request!.ifNoneExist).toMatch(/^identifier=https:\/\/twinscope\.dev\/fhir\/identifier\/twin-forecast\|p1:f1:mapMmHg:0$/);
    expect(isTwinOutputResource(obs!.resource as never)).toBe(true);
    expect(prov!.request).toMatchObject({ method: 'PUT' });
    expect((prov!.resource as { target: { reference: string }[] }).target[0]!.reference).toBe(obs!.fullUrl);
    // The server's own rule check (consent/twin-writes.ts) finds nothing wrong.
    expect(analyseTwinWrite(b).problems).toEqual([]);
    expect([...analyseTwinWrite(b).patientIds]).toEqual(['p1']);
  });

  it('refuses a forecast too large for one strictly isolated transaction', () => {
    const pt = { loinc: '8478-0', display: 'MAP', unit: 'mmHg', ucum: 'mm[Hg]', key: 'mapMmHg', p05: 80, p50: 90, p95: 100 };
    const points = Array.from({ length: 8 }, (_, i) => ({ ...pt, tMs: i }));
    expect(() => forecastBundle({ patientId: 'p1', forecastId: 'f', issuedAt: 'x', points, inputs: [], actor, model })).toThrow(/1–7 points/);
  });

  it('is idempotent: the same inputs give the same identifiers and Provenance id', () => {
    const args = { patientId: 'p1', alertId: 'a1', text: 't', observation: 'Observation/x', observedAt: 'x', acknowledgedAt: 'y', actor, model };
    expect(alertAckBundle(args)).toEqual(alertAckBundle(args));
    expect(stableId('twin-ack', 'a')).toMatch(/^[A-Za-z0-9\-.]{1,64}$/);
    expect(stableId('twin-ack', 'a')).not.toBe(stableId('twin-ack', 'b'));
  });

  it('an acknowledged alert and an accepted plan pass the twin-output rules and say who and why', () => {
    const ack = alertAckBundle({ patientId: 'p1', alertId: 'a1', text: 'MAP above band', observation: 'Observation/x', observedAt: '2026-01-01T00:00:00Z', acknowledgedAt: '2026-01-01T00:01:00Z', actor, model });
    expect(analyseTwinWrite(ack).problems).toEqual([]);
    expect(ack.entry![0]!.resource).toMatchObject({ resourceType: 'Flag', status: 'inactive', author: { reference: 'Practitioner/u1' } });
    const plan = carePlanBundle({
      patientId: 'p1',
      planId: 'plan1',
      title: 'TAVR',
      activities: ['TAVR, EOA 1.7 cm²'],
      summary: 'MAP 98 vs 90',
      override: true,
      reason: 'frailty',
      createdAt: '2026-01-01T00:00:00Z',
      actor,
      model,
      inputs: ['Observation/a'],
    });
    expect(analyseTwinWrite(plan).problems).toEqual([]);
    expect(plan.entry![0]!.resource).toMatchObject({ resourceType: 'CarePlan', intent: 'plan', status: 'active' });
    expect(JSON.stringify(plan.entry![1]!.resource)).toContain('frailty');
  });
});
