// The audit thread holds short groups of AuditEvent copies before inserting them (audit.worker.ts,
// EVENT_DELAY_MS). The durable record is the fsynced audit.log line, written before the response;
// the AuditEvent copy may come later, so a search or read of AuditEvents must first have the
// thread insert what it holds (AuditTrail.flushEvents, wired in fhir/routes.ts). Here the hold is
// made far longer than the test, so the copies are there only if that flush ran: through HTTP, as
// the admin's Audit view asks.
import type { AuditEvent, Bundle } from '@medplum/fhirtypes';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PATIENT_IDS } from '../demo/ids';
import { startTestServer, type TestServer } from '../testing/harness';

let server: TestServer;
let clinician: string;
let admin: string;

beforeAll(async () => {
  server = await startTestServer({ env: { TWIN_AUDIT_THREAD: '1' }, overrides: { auditEventDelayMs: 10 * 60_000 } });
  [clinician, admin] = await Promise.all([server.login('clinician'), server.login('admin')]);
});

afterAll(async () => {
  await server?.close();
});

function lastLogLineId(): string {
  const lines = readFileSync(join(server.dataDir, 'audit.log'), 'utf8').trim().split('\n');
  return (JSON.parse(lines[lines.length - 1]!) as { id: string }).id;
}

describe('AuditEvents held by the audit thread', () => {
  it('are inserted before an AuditEvent read or search answers, so the admin sees every acknowledged access', async () => {
    const patient = DEMO_PATIENT_IDS[0]!;
    for (let i = 0; i < 3; i++) {
      const res = await server.request(`/fhir/Patient/${patient}`, { token: clinician });
      expect(res.status).toBe(200);
      // The durable record is on disk before the response (the log line), whatever the copy does.
      const id = lastLogLineId();
      const read = await server.request(`/fhir/AuditEvent/${id}`, { token: admin });
      expect(read.status).toBe(200);
      expect(((await read.json()) as AuditEvent).id).toBe(id);
    }
    await server.request(`/fhir/Observation?patient=Patient/${patient}&_count=1`, { token: clinician });
    const searched = lastLogLineId();
    const found = (await (await server.request(`/fhir/AuditEvent?entity=Patient/${patient}&_count=1000`, { token: admin })).json()) as Bundle<AuditEvent>;
    expect(found.entry?.some((e) => e.resource?.id === searched)).toBe(true);
  });
});
