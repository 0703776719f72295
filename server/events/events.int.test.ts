// GET /events over a real HTTP server (buildApp on port 0, own data dir): delivery per patient,
// Last-Event-ID resume from the ring and from the store (also across a restart), auth and audit.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResourceEvent } from '../../core/contracts';
// Own small record instead of the seeded demo (faster, and no background imaging generation).
const DEMO_PATIENT_AS = 'ev-patient-a';
const DEMO_PATIENT_HFREF = 'ev-patient-b';
const DEMO_PATIENT_HEALTHY = 'ev-patient-c';
import { makeTempDir, startTestServer, type TestServer } from '../testing/harness';
import { SseParser } from './sse-parse';

interface Stream {
  events: ResourceEvent[];
  status: number;
  contentType: string | null;
  waitFor(pred: (events: ResourceEvent[]) => boolean, timeoutMs?: number): Promise<void>;
  close(): void;
}

async function openStream(url: string, token: string, headers: Record<string, string> = {}): Promise<Stream> {
  const controller = new AbortController();
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream', ...headers }, signal: controller.signal });
  const events: ResourceEvent[] = [];
  const waiters = new Set<() => void>();
  if (res.ok && res.body) {
    const parser = new SseParser();
    const decoder = new TextDecoder();
    const reader = res.body.getReader();
    void (async () => {
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          for (const f of parser.push(decoder.decode(value, { stream: true }))) {
            const e = JSON.parse(f.data) as ResourceEvent;
            expect(f.id).toBe(String(e.seq));
            events.push(e);
          }
          for (const w of waiters) w();
        }
      } catch {
        // aborted by close()
      }
    })();
  }
  return {
    events,
    status: res.status,
    contentType: res.headers.get('content-type'),
    waitFor: (pred, timeoutMs = 10_000) =>
      new Promise<void>((resolve, reject) => {
        if (pred(events)) return resolve();
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`timed out waiting for events; have ${JSON.stringify(events.map((e) => `${e.resourceType}/${e.id}`))}`));
        }, timeoutMs);
        const check = (): void => {
          if (pred(events)) {
            clearTimeout(timer);
            waiters.delete(check);
            resolve();
          }
        };
        waiters.add(check);
      }),
    close: () => controller.abort(),
  };
}

function heartRate(patientId: string, value: number): Record<string, unknown> {
  return {
    resourceType: 'Observation',
    status: 'final',
    code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }] },
    subject: { reference: `Patient/${patientId}` },
    effectiveDateTime: new Date().toISOString(),
    valueQuantity: { value, unit: '/min', system: 'http://unitsofmeasure.org', code: '/min' },
  };
}

describe('GET /events (embedded store)', () => {
  let server: TestServer;
  let token: string;
  const dataDir = makeTempDir('twinscope-events-');

  beforeAll(async () => {
    server = await startTestServer({ dataDir, env: { TWIN_FEED_INTERVAL_MS: '0' }, seedFhirDemo: false });
    // Patients and some history come from the source record (in-process: clinicians may not write Patient).
    await server.app.twin.store.putAll([
      ...[DEMO_PATIENT_AS, DEMO_PATIENT_HFREF, DEMO_PATIENT_HEALTHY].map((id) => ({ resourceType: 'Patient' as const, id, gender: 'other' as const })),
      { resourceType: 'Condition', id: 'ev-cond-c', subject: { reference: `Patient/${DEMO_PATIENT_HEALTHY}` }, code: { text: 'reference' } },
      { ...heartRate(DEMO_PATIENT_HEALTHY, 64), id: 'ev-hr-c1' } as never,
      { ...heartRate(DEMO_PATIENT_HEALTHY, 66), id: 'ev-hr-c2' } as never,
    ]);
    token = await server.login('clinician');
  });
  afterAll(async () => {
    await server?.close();
  });

  const create = async (patientId: string, value: number): Promise<string> => {
    const res = await server.request('/fhir/Observation', { token, body: heartRate(patientId, value) });
    expect(res.status).toBe(201);
    return ((await res.json()) as { id: string }).id;
  };

  it('refuses anonymous (401), admin (403) and a missing or malformed patient (400), as OperationOutcome', async () => {
    const anon = await fetch(`${server.url}/events?patient=${DEMO_PATIENT_AS}`);
    expect(anon.status).toBe(401);
    expect(((await anon.json()) as { resourceType: string }).resourceType).toBe('OperationOutcome');
    const admin = await server.login('admin');
    const forbidden = await server.request(`/events?patient=${DEMO_PATIENT_AS}`, { token: admin });
    expect(forbidden.status).toBe(403);
    const noPatient = await server.request('/events', { token });
    expect(noPatient.status).toBe(400);
    expect(JSON.stringify(await noPatient.json())).toMatch(/patient.{0,4} is required/);
    expect((await server.request('/events?patient=../etc/passwd', { token })).status).toBe(400);
    expect((await server.request(`/events?patient=${DEMO_PATIENT_AS}`, { token, headers: { 'last-event-id': 'abc' } })).status).toBe(400);
  });

  it('delivers a created Observation to subscribers of its patient only, with the store sequence as id', async () => {
    const mine = await openStream(`${server.url}/events?patient=${DEMO_PATIENT_HFREF}`, token);
    const other = await openStream(`${server.url}/events?patient=${DEMO_PATIENT_HEALTHY}`, token);
    expect(mine.status).toBe(200);
    expect(mine.contentType).toMatch(/^text\/event-stream/);
    const id = await create(DEMO_PATIENT_HFREF, 71);
    await mine.waitFor((es) => es.some((e) => e.id === id));
    const e = mine.events.find((x) => x.id === id);
    expect(e).toMatchObject({ patientId: DEMO_PATIENT_HFREF, resourceType: 'Observation', versionId: '1', action: 'create' });
    const row = server.app.twin.db.prepare("SELECT seq FROM fhir_versions WHERE resource_type = 'Observation' AND id = ?").pluck().get(id);
    expect(e?.seq).toBe(row);
    // An update of the same resource is announced as an update with the next version.
    const put = await server.request(`/fhir/Observation/${id}`, { method: 'PUT', token, body: { ...heartRate(DEMO_PATIENT_HFREF, 72), id } });
    expect(put.status).toBe(200);
    await mine.waitFor((es) => es.some((x) => x.id === id && x.action === 'update' && x.versionId === '2'));
    expect(other.events.filter((x) => x.id === id)).toEqual([]);
    mine.close();
    other.close();
  });

  it('resumes with Last-Event-ID (header or ?lastEventId=) with exactly the missed events, in order', async () => {
    const first = await openStream(`${server.url}/events?patient=${DEMO_PATIENT_HFREF}`, token);
    const a = await create(DEMO_PATIENT_HFREF, 80);
    await first.waitFor((es) => es.some((e) => e.id === a));
    const lastSeen = first.events[first.events.length - 1] as ResourceEvent;
    first.close();
    const missed = [await create(DEMO_PATIENT_HFREF, 81), await create(DEMO_PATIENT_HFREF, 82), await create(DEMO_PATIENT_HFREF, 83)];
    await create(DEMO_PATIENT_HEALTHY, 60); // another patient's: must not appear

    const resumed = await openStream(`${server.url}/events?patient=${DEMO_PATIENT_HFREF}`, token, { 'last-event-id': String(lastSeen.seq) });
    await resumed.waitFor((es) => es.length >= 3);
    const live = await create(DEMO_PATIENT_HFREF, 84);
    await resumed.waitFor((es) => es.some((e) => e.id === live));
    expect(resumed.events.map((e) => e.id)).toEqual([...missed, live]);
    const seqs = resumed.events.map((e) => e.seq);
    expect([...seqs].sort((x, y) => x - y)).toEqual(seqs);
    resumed.close();

    const byQuery = await openStream(`${server.url}/events?patient=${DEMO_PATIENT_HFREF}&lastEventId=${lastSeen.seq}`, token);
    await byQuery.waitFor((es) => es.length >= 4);
    expect(byQuery.events.map((e) => e.id)).toEqual([...missed, live]);
    byQuery.close();
  });

  it('replays from the store when the resume point is older than the ring (the record of a patient)', async () => {
    const db = server.app.twin.db;
    const rows = db
      .prepare("SELECT seq, json FROM fhir_versions WHERE resource_type <> 'AuditEvent' ORDER BY seq")
      .all() as { seq: number; json: string }[];
    const expected = rows
      .filter((r) => {
        const o = JSON.parse(r.json) as { resourceType: string; id: string; subject?: { reference?: string }; patient?: { reference?: string }; beneficiary?: { reference?: string } };
        const ref = o.subject?.reference ?? o.patient?.reference ?? o.beneficiary?.reference;
        return (o.resourceType === 'Patient' && o.id === DEMO_PATIENT_HEALTHY) || ref === `Patient/${DEMO_PATIENT_HEALTHY}`;
      })
      .map((r) => r.seq);
    expect(expected.length).toBeGreaterThan(1);
    const s = await openStream(`${server.url}/events?patient=${DEMO_PATIENT_HEALTHY}`, token, { 'last-event-id': '0' });
    await s.waitFor((es) => es.length >= expected.length);
    expect(s.events.map((e) => e.seq)).toEqual(expected);
    expect(s.events[0]).toMatchObject({ resourceType: 'Patient', id: DEMO_PATIENT_HEALTHY, action: 'create' });
    s.close();
  });

  it('writes one audit record per opened stream, naming the patient and no PHI', async () => {
    const before = readFileSync(join(dataDir, 'audit.log'), 'utf8').split('\n').filter(Boolean).length;
    const s = await openStream(`${server.url}/events?patient=${DEMO_PATIENT_AS}`, token);
    s.close();
    await new Promise((r) => setTimeout(r, 100));
    const lines = readFileSync(join(dataDir, 'audit.log'), 'utf8').split('\n').filter(Boolean);
    const added = lines.slice(before).map((l) => JSON.parse(l) as { path: string; patientId?: string; httpStatus: number; user: { username: string } });
    const mine = added.filter((l) => l.path === '/events');
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ patientId: DEMO_PATIENT_AS, httpStatus: 200, user: { username: 'clinician' } });
  });

  it('survives a restart: ids continue from the store and an old Last-Event-ID is replayed from it', async () => {
    const s = await openStream(`${server.url}/events?patient=${DEMO_PATIENT_HFREF}`, token);
    const before = await create(DEMO_PATIENT_HFREF, 90);
    await s.waitFor((es) => es.some((e) => e.id === before));
    const resumeFrom = (s.events.find((e) => e.id === before) as ResourceEvent).seq;
    s.close();
    await server.close({ keepData: true });

    server = await startTestServer({ dataDir, env: { TWIN_FEED_INTERVAL_MS: '0' }, seedFhirDemo: false });
    token = await server.login('clinician');
    const after = await create(DEMO_PATIENT_HFREF, 91);
    const resumed = await openStream(`${server.url}/events?patient=${DEMO_PATIENT_HFREF}`, token, { 'last-event-id': String(resumeFrom) });
    await resumed.waitFor((es) => es.some((e) => e.id === after));
    expect(resumed.events.map((e) => e.id)).toEqual([after]);
    expect(resumed.events[0]?.seq).toBeGreaterThan(resumeFrom);
    resumed.close();
  });
});
