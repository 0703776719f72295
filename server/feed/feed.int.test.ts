// The feed against a real server (buildApp on port 0): the CLI replays the example CSV over HTTP
// idempotently; the demo monitor posts through the same audited write path and continues from the
// seeded record's last values.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_MONITORED_PATIENT, DEMO_PATIENT_HFREF } from '../demo/ids';
import { DEMO_PASSWORD, startTestServer, type TestServer } from '../testing/harness';
import { runFeedCli, type FeedCliIo } from './cli';
import { lastVitals, MONITOR_USER, startMonitorFeed } from './monitor';
import { FEED_IDENTIFIER_SYSTEM } from './observations';

const exampleCsv = join(import.meta.dirname, 'example-vitals.csv');

function io(): FeedCliIo & { out: string; err: string } {
  const captured = {
    out: '',
    err: '',
    stdout: (s: string) => {
      captured.out += s;
    },
    stderr: (s: string) => {
      captured.err += s;
    },
    env: {},
    now: () => Date.parse('2026-03-01T08:00:00Z'),
    fetchImpl: fetch,
    sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, ms)),
  };
  return captured;
}

describe('vitals feed', () => {
  let server: TestServer;
  let token: string;

  beforeAll(async () => {
    server = await startTestServer({ env: { TWIN_FEED_INTERVAL_MS: '0' }, seedFhirDemo: false });
    // A small record instead of the seeded demo: the two patients and the monitored patient's last
    // recorded HR and BP (what the monitor must continue from).
    const at = new Date(Date.now() - 300_000).toISOString();
    const loinc = (code: string) => ({ coding: [{ system: 'http://loinc.org', code }] });
    const mmHg = (value: number) => ({ value, unit: 'mmHg', system: 'http://unitsofmeasure.org', code: 'mm[Hg]' });
    await server.app.twin.store.putAll([
      { resourceType: 'Patient', id: DEMO_MONITORED_PATIENT },
      { resourceType: 'Patient', id: DEMO_PATIENT_HFREF },
      { resourceType: 'Observation', id: 'feed-hr-last', status: 'final', code: loinc('8867-4'), subject: { reference: `Patient/${DEMO_MONITORED_PATIENT}` }, effectiveDateTime: at, valueQuantity: { value: 91, unit: '/min', system: 'http://unitsofmeasure.org', code: '/min' } },
      { resourceType: 'Observation', id: 'feed-bp-last', status: 'final', code: loinc('85354-9'), subject: { reference: `Patient/${DEMO_MONITORED_PATIENT}` }, effectiveDateTime: at, component: [{ code: loinc('8480-6'), valueQuantity: mmHg(162) }, { code: loinc('8462-4'), valueQuantity: mmHg(84) }] },
    ]);
    token = await server.login('clinician');
  });
  afterAll(async () => {
    await server?.close();
  });

  const countFeedObservations = async (patientId: string): Promise<number> => {
    const res = await server.request(`/fhir/Observation?subject=Patient/${patientId}&identifier=${encodeURIComponent(FEED_IDENTIFIER_SYSTEM)}|&_summary=count`, { token });
    if (res.status === 200) return ((await res.json()) as { total: number }).total;
    // Servers that do not search by system only: count through the store.
    const all = await server.app.twin.store.search('Observation', { subject: `Patient/${patientId}`, _count: '1000' });
    return all.filter((o) => (o as { identifier?: { system?: string }[] }).identifier?.some((i) => i.system === FEED_IDENTIFIER_SYSTEM)).length;
  };

  it('replays the example CSV as Observations over HTTP, and a second replay creates nothing', async () => {
    const args = ['--patient', DEMO_PATIENT_HFREF, '--csv', exampleCsv, '--url', server.url, '--user', 'clinician', '--password', DEMO_PASSWORD, '--rate', '0', '--json'];
    const first = io();
    expect(await runFeedCli(args, first)).toBe(0);
    // 13 rows × (HR, BP panel, SpO2, RR) + 2 temperatures
    expect(JSON.parse(first.out)).toEqual({ rows: 13, observations: 54, created: 54, alreadyPresent: 0 });
    expect(await countFeedObservations(DEMO_PATIENT_HFREF)).toBe(54);

    const second = io();
    expect(await runFeedCli(args, second)).toBe(0);
    expect(JSON.parse(second.out)).toEqual({ rows: 13, observations: 54, created: 0, alreadyPresent: 54 });
    expect(await countFeedObservations(DEMO_PATIENT_HFREF)).toBe(54);

    // Times come from --start (here the injected clock) plus the offsets.
    const hr = await server.app.twin.store.search('Observation', { subject: `Patient/${DEMO_PATIENT_HFREF}`, code: '8867-4', _sort: 'date', _count: '1000' });
    const fromFeed = hr.filter((o) => (o as { identifier?: { system?: string }[] }).identifier?.some((i) => i.system === FEED_IDENTIFIER_SYSTEM));
    expect(fromFeed.map((o) => (o as { effectiveDateTime?: string }).effectiveDateTime).slice(0, 2)).toEqual(['2026-03-01T08:00:00.000Z', '2026-03-01T08:00:05.000Z']);
  });

  it('stops at a bad row with the line and column, before posting anything', async () => {
    const bad = join(server.dataDir, 'bad.csv');
    writeFileSync(bad, 't_offset_sec,hr_bpm,spo2_pct\n0,70,97\n5,71,970\n');
    const out = io();
    const code = await runFeedCli(['--patient', DEMO_PATIENT_HFREF, '--csv', bad, '--url', server.url, '--password', DEMO_PASSWORD], out);
    expect(code).toBe(2);
    expect(out.err).toContain('line 3, column spo2_pct: 970 is outside the plausible range');
  });

  it('refuses bad arguments and a wrong password with a clear message', async () => {
    const usage = io();
    expect(await runFeedCli(['--csv', exampleCsv], usage)).toBe(2);
    expect(usage.err).toMatch(/--patient is required/);
    const wrong = io();
    expect(await runFeedCli(['--patient', DEMO_PATIENT_HFREF, '--csv', exampleCsv, '--url', server.url, '--password', 'not-the-password'], wrong)).toBe(1);
    expect(wrong.err).toMatch(/sign-in as "clinician" failed with HTTP 401/);
  });

  it('the demo monitor posts HR, BP, SpO2 and RR through /fhir as its service account, continuing the record', async () => {
    const start = await lastVitals(server.app.twin.store, DEMO_MONITORED_PATIENT);
    expect(start).toMatchObject({ hrBpm: 91, sbpMmHg: 162, dbpMmHg: 84 }); // from the record, not the fallbacks
    const auditBefore = readFileSync(join(server.dataDir, 'audit.log'), 'utf8').split('\n').filter(Boolean).length;
    const feed = await startMonitorFeed(server.app, { patientId: DEMO_MONITORED_PATIENT, intervalMs: 3_600_000, seed: 5 });
    try {
      expect(await feed.tick()).toBe(4);
    } finally {
      await feed.stop();
    }
    const latest = async (code: string): Promise<Record<string, unknown>> =>
      (await server.app.twin.store.search('Observation', { subject: `Patient/${DEMO_MONITORED_PATIENT}`, code, _sort: '-_lastUpdated', _count: '1' }))[0] as unknown as Record<string, unknown>;
    const hr = (await latest('8867-4')) as { valueQuantity: { value: number }; identifier: { value: string }[] };
    expect(hr.identifier[0]?.value).toMatch(/^monitor:/);
    // Continuous with the seeded history: one 1-s step of the generator moves HR by a few bpm at most.
    expect(Math.abs(hr.valueQuantity.value - start.hrBpm)).toBeLessThanOrEqual(8);

    const added = readFileSync(join(server.dataDir, 'audit.log'), 'utf8').split('\n').filter(Boolean).slice(auditBefore);
    // Completion records (each write's intent, logged before it was forwarded, is left out).
    const writes = added.map((l) => JSON.parse(l) as { method: string; path: string; httpStatus: number; user: { username: string }; phase?: string }).filter((l) => l.method === 'POST' && l.phase !== 'intent');
    expect(writes).toHaveLength(4);
    for (const w of writes) expect(w).toMatchObject({ path: '/fhir/Observation', httpStatus: 201, user: { username: MONITOR_USER.username } });
  });
});
