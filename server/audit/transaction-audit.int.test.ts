// Issue 13: "what was written to this patient" — a plan accepted as one transaction (CarePlan +
// Provenance) is found by the admin's AuditEvent search filtered by that patient, named by what it
// did (create), and the monitor feed's service account can be left out with altid:not.
import type { AuditEvent, Bundle } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PATIENT_AS } from '../demo/ids';
import { makeTempDir, startTestServer, type TestServer } from '../testing/harness';

let server: TestServer;
let cardiologist: string;
let admin: string;

beforeAll(async () => {
  server = await startTestServer({ dataDir: makeTempDir() });
  [cardiologist, admin] = await Promise.all([server.login('cardiologist'), server.login('admin')]);
}, 120_000);

afterAll(async () => {
  await server?.close();
});

async function auditSearch(query: string): Promise<AuditEvent[]> {
  // The audit copy is written after the response: wait until the search sees it (no fixed sleep).
  for (let i = 0; i < 100; i++) {
    const res = await server.request(`/fhir/AuditEvent?${query}`, { token: admin });
    expect(res.status).toBe(200);
    const events = ((await res.json()) as Bundle).entry?.map((e) => e.resource as AuditEvent) ?? [];
    if (events.length > 0) return events;
    await new Promise((r) => setTimeout(r, 50));
  }
  return [];
}

describe('audit of a plan written as one transaction', () => {
  it('attributes it to the patient, names it a create and lists the CarePlan', async () => {
    // The shape the Scenarios tab sends (src/domain/twinRecords.ts carePlanBundle), written out here
    // because server code does not import the browser app.
    const tag = { system: 'https://twinscope.dev/fhir/CodeSystem/tags', code: 'twin-output' };
    const identifier = { system: 'https://twinscope.dev/fhir/identifier/twin-plan', value: `${DEMO_PATIENT_AS}:audit-int-1` };
    const bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        {
          fullUrl: 'urn:uuid:6f1d2c1e-0000-4000-8000-000000000001',
          resource: {
            resourceType: 'CarePlan',
            meta: { tag: [tag] },
            identifier: [identifier],
            status: 'active',
            intent: 'plan',
            title: 'Metoprolol 25 mg',
            subject: { reference: `Patient/${DEMO_PATIENT_AS}` },
            author: { reference: 'Practitioner/demo-cardiologist', display: 'Dr. Demo Cardiologist' },
          },
          request: { method: 'POST', url: 'CarePlan', ifNoneExist: `identifier=${identifier.system}|${identifier.value}` },
        },
        {
          fullUrl: 'Provenance/twin-plan-audit-int-1',
          resource: {
            resourceType: 'Provenance',
            id: 'twin-plan-audit-int-1',
            meta: { tag: [tag] },
            target: [{ reference: 'urn:uuid:6f1d2c1e-0000-4000-8000-000000000001' }],
            recorded: new Date().toISOString(),
            agent: [{ type: { text: 'author' }, who: { reference: 'Practitioner/demo-cardiologist', display: 'Dr. Demo Cardiologist' } }],
          },
          request: { method: 'PUT', url: 'Provenance/twin-plan-audit-int-1' },
        },
      ],
    };
    const res = await server.request('/fhir', { token: cardiologist, body: bundle });
    expect(res.status).toBe(200);
    const carePlan = ((await res.json()) as Bundle).entry![0]!.response!.location!.split('/_history')[0]!;
    const events = await auditSearch(`patient=${DEMO_PATIENT_AS}&entity=${carePlan}`);
    expect(events).toHaveLength(1);
    const ev = events[0]!;
    expect(ev.action).toBe('C');
    expect(ev.outcomeDesc).toBe('transaction: create CarePlan, update Provenance');
    expect(ev.agent?.[0]?.altId).toBe('cardiologist');
    expect(ev.entity?.some((e) => e.what?.reference === `Patient/${DEMO_PATIENT_AS}`)).toBe(true);
    // Leaving the cardiologist out hides it; the search still answers.
    const others = await server.request(`/fhir/AuditEvent?entity=${carePlan}&altid:not=cardiologist`, { token: admin });
    expect(((await others.json()) as Bundle).entry ?? []).toHaveLength(0);
  }, 60_000);
});
