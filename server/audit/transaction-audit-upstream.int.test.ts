// Issue 13 in upstream FHIR mode: a plan written as one transaction through the proxy to a second,
// independently started Twinscope process is attributed to the patients its entries touch and
// named by what it did, exactly as in embedded mode (transaction-audit.int.test.ts). Checked on the
// proxy's durable audit log and on the AuditEvent it forwards upstream (toAuditEvent).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { AuditLog, AUDIT_LOG_FILE } from './log';
import { toAuditEvent } from './record';
import { join } from 'node:path';
import { TWIN_OUTPUT_TAG } from '../../core/contracts';
import { makeTempDir, startTestServer, type TestServer } from '../testing/harness';
import { freePort, startChildServer, type ChildServer } from '../upstream/child-server';

const UPSTREAM_PASSWORD = 'upstream-demo-pass';
const PATIENT = 'up-audit-patient';
const OTHER = 'up-audit-other';

async function loginTo(url: string, username: string, password: string): Promise<string> {
  const res = await fetch(`${url}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });
  if (res.status !== 200) throw new Error(`login to ${url} failed: ${res.status}`);
  return ((await res.json()) as { token: string }).token;
}

describe('audit attribution of transactions in upstream FHIR mode', () => {
  let upstream: ChildServer;
  const upstreamDir = makeTempDir('twinscope-upstream-audit-');
  let proxy: TestServer;
  let token: string;

  beforeAll(async () => {
    upstream = await startChildServer(await freePort(), { TWIN_DATA_DIR: upstreamDir, TWIN_DEMO_PASSWORD: UPSTREAM_PASSWORD, TWIN_SEED_DEMO: '0' });
    const upstreamToken = await loginTo(upstream.url, 'clinician', UPSTREAM_PASSWORD);
    proxy = await startTestServer({
      env: { FHIR_UPSTREAM_URL: `${upstream.url}/fhir`, FHIR_UPSTREAM_TOKEN: upstreamToken, FHIR_UPSTREAM_TIMEOUT_MS: '10000', FHIR_UPSTREAM_POLL_MS: '1000' },
    });
    await proxy.app.twin.users.create({ username: 'dr-audit', password: 'a-long-test-password', role: 'cardiologist', displayName: 'Dr Audit' });
    token = await proxy.login('dr-audit', 'a-long-test-password');
  }, 180_000);

  afterAll(async () => {
    await proxy?.close();
    if (upstream) await upstream.stop('SIGKILL');
    rmSync(upstreamDir, { recursive: true, force: true });
  });

  it('names the entries, lists the created resources and every patient they touch', async () => {
    const identifier = { system: 'https://twinscope.dev/fhir/identifier/twin-plan', value: `${PATIENT}:upstream-audit-1` };
    const bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        {
          fullUrl: 'urn:uuid:6f1d2c1e-0000-4000-8000-0000000000b1',
          resource: {
            resourceType: 'CarePlan',
            meta: { tag: [{ ...TWIN_OUTPUT_TAG }] },
            identifier: [identifier],
            status: 'active',
            intent: 'plan',
            title: 'Metoprolol 25 mg',
            subject: { reference: `Patient/${PATIENT}` },
          },
          request: { method: 'POST', url: 'CarePlan', ifNoneExist: `identifier=${identifier.system}|${identifier.value}` },
        },
        {
          fullUrl: 'Provenance/twin-plan-upstream-audit-1',
          resource: {
            resourceType: 'Provenance',
            id: 'twin-plan-upstream-audit-1',
            meta: { tag: [{ ...TWIN_OUTPUT_TAG }] },
            // A second patient named among the targets: attributed to both.
            target: [{ reference: 'urn:uuid:6f1d2c1e-0000-4000-8000-0000000000b1' }, { reference: `Patient/${OTHER}` }],
            recorded: new Date().toISOString(),
            agent: [{ type: { text: 'author' }, who: { display: 'Dr Audit' } }],
          },
          request: { method: 'PUT', url: 'Provenance/twin-plan-upstream-audit-1' },
        },
      ],
    };
    const res = await proxy.request('/fhir', { token, body: bundle });
    expect(res.status, await res.clone().text()).toBe(200);
    const answer = (await res.json()) as { entry: { response: { location: string } }[] };
    const carePlan = /CarePlan\/[^/]+/.exec(answer.entry[0]!.response.location)![0];

    // The completion record is durable before the response ends: it is in the proxy's log now.
    const lines = new AuditLog(join(proxy.dataDir, AUDIT_LOG_FILE)).readAll().filter((l) => l.method === 'POST' && l.path === '/fhir' && l.httpStatus === 200);
    expect(lines).toHaveLength(1);
    const line = lines[0]!;
    expect(line.action).toBe('C');
    expect(line.detail).toBe('transaction: create CarePlan, update Provenance');
    expect(line.patientId).toBe(PATIENT);
    expect(line.entities).toEqual(expect.arrayContaining([carePlan, 'Provenance/twin-plan-upstream-audit-1', `Patient/${PATIENT}`, `Patient/${OTHER}`]));
    expect(line.user?.username).toBe('dr-audit');

    // The AuditEvent that goes upstream names both patients as entities (what an upstream audit tool searches by).
    const event = toAuditEvent(line.id, line);
    const refs = (event.entity ?? []).map((e) => e.what?.reference);
    expect(refs).toEqual(expect.arrayContaining([`Patient/${PATIENT}`, `Patient/${OTHER}`, carePlan]));
    expect(event.action).toBe('C');
  }, 60_000);
});
