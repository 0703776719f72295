// Concurrent writes from every path that shares the SQLite connection, against a real server:
// the demo monitor feed (POST /fhir as its service account), clinicians' creates and
// transaction Bundles (some refused and rolled back), AuditEvent forwarding (every request),
// logouts (session revocations) and an admin's user changes. None may answer 5xx (the reported
// defect: "SQLITE_ERROR cannot start a transaction within a transaction" → 500), and what was
// acknowledged must be there afterwards: no write swallowed by another request's rollback.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_MONITORED_PATIENT, DEMO_PATIENT_HFREF } from '../demo/ids';
import { startMonitorFeed, type MonitorFeed } from '../feed/monitor';
import { startTestServer, type TestServer } from '../testing/harness';

describe('concurrent writes on the shared store connection', () => {
  let server: TestServer;
  let feed: MonitorFeed;

  beforeAll(async () => {
    server = await startTestServer();
    feed = await startMonitorFeed(server.app, { patientId: DEMO_MONITORED_PATIENT, intervalMs: 3_600_000 });
  });

  afterAll(async () => {
    await feed?.stop();
    await server?.close();
  });

  it('feed + clinician writes + failing transactions + logouts + user changes + audit forwarding: no 5xx, nothing lost', async () => {
    const clinician = await server.login('clinician');
    const admin = await server.login('admin');
    const sessions = await Promise.all([1, 2, 3, 4, 5, 6].map(() => server.login('surgeon')));
    const created = await server.request('/api/admin/users', {
      token: admin,
      body: { username: 'dr.concurrent', password: 'a-long-enough-password', role: 'clinician', displayName: 'Concurrent' },
      headers: { 'content-type': 'application/json' },
    });
    expect(created.status).toBe(201);
    const userId = ((await created.json()) as { user: { id: string } }).user.id;

    const statuses: { what: string; status: number }[] = [];
    const note = async (what: string, p: Promise<Response>): Promise<Response> => {
      const res = await p;
      statuses.push({ what, status: res.status });
      return res;
    };
    const observation = (i: number): Record<string, unknown> => ({
      resourceType: 'Observation',
      status: 'final',
      code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }] },
      subject: { reference: `Patient/${DEMO_PATIENT_HFREF}` },
      effectiveDateTime: new Date(Date.now() - i * 1000).toISOString(),
      valueQuantity: { value: 60 + i, unit: '/min', system: 'http://unitsofmeasure.org', code: '/min' },
    });
    // A transaction whose second entry fails (If-Match on a version that does not exist): all of it rolls back.
    const failingTransaction = (i: number): Record<string, unknown> => ({
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { fullUrl: `urn:uuid:00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, resource: observation(100 + i), request: { method: 'POST', url: 'Observation' } },
        { resource: { resourceType: 'Observation', id: `missing-${i}`, status: 'final', code: { text: 'x' } }, request: { method: 'PUT', url: `Observation/missing-${i}`, ifMatch: 'W/"99"' } },
      ],
    });

    const work: Promise<unknown>[] = [];
    let feedCreated = 0;
    for (let round = 0; round < 6; round++) {
      work.push(feed.tick().then((n) => (feedCreated += n)));
      for (let j = 0; j < 3; j++) work.push(note('create', server.request('/fhir/Observation', { token: clinician, body: observation(round * 3 + j) })));
      work.push(note('failing transaction', server.request('/fhir', { token: clinician, body: failingTransaction(round) })));
      work.push(note('logout', server.request('/auth/logout', { method: 'POST', token: sessions[round]! })));
      work.push(
        note(
          'user change',
          server.request(`/api/admin/users/${userId}`, {
            method: 'PATCH',
            token: admin,
            body: { displayName: `Concurrent ${round}` },
            headers: { 'content-type': 'application/json' },
          }),
        ),
      );
      work.push(note('search', server.request(`/fhir/Observation?subject=Patient/${DEMO_PATIENT_HFREF}&_count=5`, { token: clinician })));
    }
    await Promise.all(work);

    expect(statuses.filter((s) => s.status >= 500)).toEqual([]);
    expect(statuses.filter((s) => s.what === 'create').every((s) => s.status === 201)).toBe(true);
    // The rollbacks were real refusals (4xx), and took none of the others' writes with them:
    expect(statuses.filter((s) => s.what === 'failing transaction').every((s) => s.status >= 400 && s.status < 500)).toBe(true);
    expect(feedCreated).toBe(6 * 4);
    for (const token of sessions) expect((await server.request('/auth/me', { token })).status).toBe(401);
    const users = (await (await server.request('/api/admin/users', { token: admin })).json()) as { users: { id: string; displayName: string }[] };
    expect(users.users.find((u) => u.id === userId)?.displayName).toMatch(/^Concurrent \d$/);
    // Audit forwarding kept up: every audited request's AuditEvent reached the store.
    await server.app.twin.audit.drain();
    expect(server.app.twin.audit.pendingCount).toBe(0);
  });
});
