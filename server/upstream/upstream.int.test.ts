// Upstream mode against a second, independently started Twinscope process (embedded store, own
// data dir) on loopback: streaming + link rewriting, conditional-create idempotency, consent,
// live events (proxy writes and upstream polling), outage (kill -9 → 502), slowness (SIGSTOP → 504)
// and recovery, /healthz.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import type { ResourceEvent } from '../../core/contracts';
import { CONSENT_ACTION_DIGITAL_TWIN, CONSENT_ACTION_SYSTEM, TWIN_OUTPUT_TAG } from '../../core/contracts';
import { makeTempDir, startTestServer, type TestServer } from '../testing/harness';
import { SseParser } from '../events/sse-parse';
import { freePort, startChildServer, type ChildServer } from './child-server';

const UPSTREAM_PASSWORD = 'upstream-demo-pass';
/** The proxy's upstream timeout: generous, because this machine may be shared by many test runs. */
const TIMEOUT_MS = 5000;
/** Patients of the upstream's record, which the test writes itself (no demo seeding: faster start). */
const PATIENT = 'up-patient-a';
const PATIENT_NO_TWIN = 'up-patient-no-twin';
const UPSTREAM_ENV = { TWIN_SEED_DEMO: '0' };

async function loginTo(url: string, username: string, password: string): Promise<string> {
  const res = await fetch(`${url}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });
  if (res.status !== 200) throw new Error(`login to ${url} failed: ${res.status}`);
  return ((await res.json()) as { token: string }).token;
}

function observation(patientId: string, value: number, identifier?: string): Record<string, unknown> {
  return {
    resourceType: 'Observation',
    status: 'final',
    code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }] },
    subject: { reference: `Patient/${patientId}` },
    effectiveDateTime: new Date().toISOString(),
    valueQuantity: { value, unit: '/min', system: 'http://unitsofmeasure.org', code: '/min' },
    ...(identifier ? { identifier: [{ system: 'urn:test:reading', value: identifier }] } : {}),
  };
}

describe('upstream mode (proxy → second Twinscope process)', () => {
  let upstream: ChildServer;
  let upstreamPort: number;
  const upstreamDir = makeTempDir('twinscope-upstream-');
  let proxy: TestServer;
  let token: string;
  let upstreamToken: string;

  beforeAll(async () => {
    upstreamPort = await freePort();
    upstream = await startChildServer(upstreamPort, { TWIN_DATA_DIR: upstreamDir, TWIN_DEMO_PASSWORD: UPSTREAM_PASSWORD, ...UPSTREAM_ENV });
    upstreamToken = await loginTo(upstream.url, 'clinician', UPSTREAM_PASSWORD);
    // The upstream's record: observations of one patient (as a clinician), a consent denying the
    // digital twin for another (as the admin, who records consents).
    const upstreamAdmin = await loginTo(upstream.url, 'admin', UPSTREAM_PASSWORD);
    for (let i = 0; i < 5; i++) {
      const r = await fetch(`${upstream.url}/fhir/Observation`, {
        method: 'POST',
        headers: { authorization: `Bearer ${upstreamToken}`, 'content-type': 'application/fhir+json' },
        body: JSON.stringify(observation(PATIENT, 70 + i)),
      });
      if (r.status !== 201) throw new Error(`seeding the upstream failed: ${r.status}`);
    }
    const consent = await fetch(`${upstream.url}/fhir/Consent`, {
      method: 'POST',
      headers: { authorization: `Bearer ${upstreamAdmin}`, 'content-type': 'application/fhir+json' },
      body: JSON.stringify({
        resourceType: 'Consent',
        status: 'active',
        scope: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'treatment' }] },
        category: [{ coding: [{ system: 'http://loinc.org', code: '59284-0' }] }],
        // R4 ppc-1: a Consent names a policy or policy rule (writes are validated against R4).
        policyRule: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'OPTIN' }] },
        patient: { reference: `Patient/${PATIENT_NO_TWIN}` },
        provision: { type: 'permit', provision: [{ type: 'deny', action: [{ coding: [{ system: CONSENT_ACTION_SYSTEM, code: CONSENT_ACTION_DIGITAL_TWIN }] }] }] },
      }),
    });
    if (consent.status !== 201) throw new Error(`recording the upstream consent failed: ${consent.status} ${await consent.text()}`);
    proxy = await startTestServer({
      env: {
        FHIR_UPSTREAM_URL: `${upstream.url}/fhir`,
        FHIR_UPSTREAM_TOKEN: upstreamToken,
        FHIR_UPSTREAM_TIMEOUT_MS: String(TIMEOUT_MS),
        FHIR_UPSTREAM_POLL_MS: '300',
      },
    });
    // Upstream mode has no demo sign-ins: create a real account on the proxy.
    await proxy.app.twin.users.create({ username: 'dr-test', password: 'a-long-test-password', role: 'cardiologist', displayName: 'Dr Test' });
    token = await proxy.login('dr-test', 'a-long-test-password');
  }, 180_000);

  afterAll(async () => {
    await proxy?.close();
    if (upstream) {
      upstream.proc.kill('SIGCONT');
      await upstream.stop('SIGKILL');
    }
    rmSync(upstreamDir, { recursive: true, force: true });
  });

  it('reads through the proxy and rewrites paging links and fullUrls to the proxy base', async () => {

    const res = await proxy.request(`/fhir/Observation?subject=Patient/${PATIENT}&code=8867-4&_count=2`, { token });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).not.toContain(`:${upstreamPort}`);
    const page1 = JSON.parse(text) as { link: { relation: string; url: string }[]; entry: { fullUrl: string; resource: { id: string } }[] };
    expect(page1.entry).toHaveLength(2);
    for (const e of page1.entry) expect(e.fullUrl).toBe(`${proxy.url}/fhir/Observation/${e.resource.id}`);
    const next = page1.link.find((l) => l.relation === 'next');
    expect(next?.url.startsWith(`${proxy.url}/fhir/Observation?`)).toBe(true);

    // Following the rewritten link goes through the proxy (auth, audit) to the next page.
    const page2 = (await (await fetch(next?.url ?? '', { headers: { authorization: `Bearer ${token}` } })).json()) as typeof page1;
    expect(page2.entry).toHaveLength(2);
    expect(page2.entry.map((e) => e.resource.id)).not.toContain(page1.entry[0]?.resource.id);

    // A read streams through too.
    const firstId = page1.entry[0]?.resource.id ?? '';
    const read = await proxy.request(`/fhir/Observation/${firstId}`, { token });
    expect(read.status).toBe(200);
    expect(((await read.json()) as { id: string }).id).toBe(firstId);

    // Without a session the proxy never reaches the upstream.
    expect((await fetch(`${proxy.url}/fhir/Observation?subject=Patient/${PATIENT}`)).status).toBe(401);
  });

  it('gives the same refusal, as the same OperationOutcome, in upstream and embedded mode (one pipeline, issue 10)', async () => {
    const twin = (patient: string, withProvenance: boolean) => ({
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { fullUrl: 'urn:uuid:0f3c4d5e-0000-4000-8000-0000000000aa', resource: { ...observation(patient, 70), meta: { tag: [{ ...TWIN_OUTPUT_TAG }] } }, request: { method: 'POST', url: 'Observation' } },
        ...(withProvenance
          ? [{ resource: { resourceType: 'Provenance', target: [{ reference: 'urn:uuid:0f3c4d5e-0000-4000-8000-0000000000aa' }], recorded: '2026-01-01T00:00:00Z', agent: [{ who: { display: 'twin' } }] }, request: { method: 'POST', url: 'Provenance' } }]
          : []),
      ],
    });
    const cases: { name: string; path: string; method?: string; body?: unknown; contentType?: string }[] = [
      { name: 'invalid status', path: '/fhir/Observation', body: { ...observation(PATIENT, 70), status: 'banana' } },
      { name: 'missing code', path: '/fhir/Observation', body: { resourceType: 'Observation', status: 'final', subject: { reference: `Patient/${PATIENT}` } } },
      { name: 'form-encoded write', path: '/fhir/Observation', body: 'resourceType=Observation', contentType: 'application/x-www-form-urlencoded' },
      { name: 'consent', path: '/fhir', body: twin(PATIENT_NO_TWIN, true) },
      { name: 'twin output without Provenance', path: '/fhir', body: twin(PATIENT, false) },
      { name: 'unknown search parameter', path: '/fhir/Observation?nmae=x' },
      { name: 'batch too costly', path: '/fhir', body: { resourceType: 'Bundle', type: 'batch', entry: Array.from({ length: 20 }, () => ({ request: { method: 'GET', url: 'Observation?_count=100' } })) } },
      { name: 'delete', path: `/fhir/Observation/x1`, method: 'DELETE' },
    ];
    for (const c of cases) {
      const send = (url: string, bearer: string) =>
        fetch(url + c.path, {
          method: c.method ?? (c.body !== undefined ? 'POST' : 'GET'),
          headers: { authorization: `Bearer ${bearer}`, ...(c.body !== undefined ? { 'content-type': c.contentType ?? 'application/fhir+json' } : {}) },
          ...(c.body !== undefined ? { body: typeof c.body === 'string' ? c.body : JSON.stringify(c.body) } : {}),
        });
      const viaProxy = await send(proxy.url, token);
      const embedded = await send(upstream.url, upstreamToken);
      expect(viaProxy.status, c.name).toBeGreaterThanOrEqual(400);
      expect(viaProxy.status, c.name).toBe(embedded.status);
      expect(await viaProxy.json(), c.name).toEqual(await embedded.json());
    }
  });

  it('makes conditional create idempotent through the proxy (retry never duplicates)', async () => {
    const body = observation(PATIENT, 77, 'idem-1');
    const headers = { 'if-none-exist': 'identifier=urn:test:reading|idem-1' };
    const first = await proxy.request('/fhir/Observation', { token, body, headers });
    expect(first.status).toBe(201);
    expect(first.headers.get('location')).toMatch(new RegExp(`^${proxy.url}/fhir/Observation/`));
    const second = await proxy.request('/fhir/Observation', { token, body, headers });
    expect(second.status).toBe(200);
    const direct = (await (
      await fetch(`${upstream.url}/fhir/Observation?identifier=urn:test:reading|idem-1`, { headers: { authorization: `Bearer ${upstreamToken}` } })
    ).json()) as { entry?: unknown[] };
    expect(direct.entry ?? []).toHaveLength(1);
  });

  it('applies consent in front of the upstream: twin outputs for a patient who denies digital-twin → 403', async () => {
    const bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        {
          fullUrl: 'urn:uuid:0f3c4d5e-0000-4000-8000-000000000001',
          resource: { ...observation(PATIENT_NO_TWIN, 70), meta: { tag: [{ ...TWIN_OUTPUT_TAG }] } },
          request: { method: 'POST', url: 'Observation' },
        },
        {
          resource: {
            resourceType: 'Provenance',
            recorded: new Date().toISOString(),
            target: [{ reference: 'urn:uuid:0f3c4d5e-0000-4000-8000-000000000001' }],
            agent: [{ who: { display: 'twin' } }],
            meta: { tag: [{ ...TWIN_OUTPUT_TAG }] },
          },
          request: { method: 'POST', url: 'Provenance' },
        },
      ],
    };
    const res = await proxy.request('/fhir', { token, body: bundle });
    expect(res.status).toBe(403);
    expect(JSON.stringify(await res.json())).toMatch(/consent denies digital-twin/);
  });

  it('announces writes through the proxy at once and writes made directly on the upstream by polling', async () => {
    const controller = new AbortController();
    const res = await fetch(`${proxy.url}/events?patient=${PATIENT}`, { headers: { authorization: `Bearer ${token}` }, signal: controller.signal });
    expect(res.status).toBe(200);
    const events: ResourceEvent[] = [];
    const parser = new SseParser();
    const decoder = new TextDecoder();
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const pump = (async () => {
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) return;
          for (const f of parser.push(decoder.decode(value, { stream: true }))) events.push(JSON.parse(f.data) as ResourceEvent);
        }
      } catch {
        // aborted
      }
    })();
    const waitFor = async (id: string): Promise<ResourceEvent> => {
      const deadline = Date.now() + 15_000;
      while (Date.now() < deadline) {
        const e = events.find((x) => x.id === id);
        if (e) return e;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`no event for ${id}; got ${JSON.stringify(events)}`);
    };

    const viaProxy = await proxy.request('/fhir/Observation', { token, body: observation(PATIENT, 88) });
    expect(viaProxy.status).toBe(201);
    const proxied = (await viaProxy.json()) as { id: string; meta: { lastUpdated: string } };
    const e1 = await waitFor(proxied.id);
    expect(e1.seq).toBe(Date.parse(proxied.meta.lastUpdated));

    const direct = await fetch(`${upstream.url}/fhir/Observation`, {
      method: 'POST',
      headers: { authorization: `Bearer ${upstreamToken}`, 'content-type': 'application/fhir+json' },
      body: JSON.stringify(observation(PATIENT, 89)),
    });
    expect(direct.status).toBe(201);
    const directId = ((await direct.json()) as { id: string }).id;
    const e2 = await waitFor(directId);
    expect(e2).toMatchObject({ patientId: PATIENT, resourceType: 'Observation', action: 'create' });
    // Each version is announced once, even though the poller also sees the proxied write.
    await new Promise((r) => setTimeout(r, 800));
    expect(events.filter((e) => e.id === proxied.id)).toHaveLength(1);
    controller.abort();
    await pump;
  });

  it('answers 504 within the timeout when the upstream hangs, 502 when it is down, and recovers', async () => {
    // Hang: the process is stopped, its socket accepts but never answers.
    upstream.proc.kill('SIGSTOP');
    try {
      const t0 = Date.now();
      const slow = await proxy.request(`/fhir/Observation?subject=Patient/${PATIENT}&_count=1`, { token });
      const waitedMs = Date.now() - t0;
      expect(slow.status).toBe(504);
      expect(((await slow.json()) as { resourceType: string }).resourceType).toBe('OperationOutcome');
      expect(waitedMs).toBeGreaterThanOrEqual(TIMEOUT_MS - 50);
      expect(waitedMs).toBeLessThan(TIMEOUT_MS + 4000); // bounded: the timeout plus scheduling slack on a loaded machine
    } finally {
      upstream.proc.kill('SIGCONT');
    }

    // Down: killed outright.
    await upstream.stop('SIGKILL');
    const down = await proxy.request(`/fhir/Observation?subject=Patient/${PATIENT}&_count=1`, { token });
    expect(down.status).toBe(502);
    const outcome = (await down.json()) as { issue: { diagnostics: string }[] };
    expect(outcome.issue[0]?.diagnostics).toMatch(/cannot be reached/);
    expect(JSON.stringify(outcome)).not.toContain(String(upstreamPort));
    const health = (await (await fetch(`${proxy.url}/healthz`)).json()) as { demo: boolean; fhir: { mode: string; status: string } };
    expect(health.fhir).toMatchObject({ mode: 'upstream', status: 'down' });
    expect(health.demo).toBe(false); // upstream mode: no demo sign-ins

    // Back on the same port and data: the proxy recovers without a restart.
    upstream = await startChildServer(upstreamPort, { TWIN_DATA_DIR: upstreamDir, TWIN_DEMO_PASSWORD: UPSTREAM_PASSWORD, ...UPSTREAM_ENV });
    const back = await proxy.request(`/fhir/Observation?subject=Patient/${PATIENT}&_count=1`, { token });
    expect(back.status).toBe(200);
    const healthAfter = (await (await fetch(`${proxy.url}/healthz`)).json()) as { fhir: { status: string } };
    expect(healthAfter.fhir.status).toBe('ok');
  }, 120_000);
});
