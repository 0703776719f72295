// One real server (port 0, temp data dir, demo record seeded) exercised over HTTP: sign-in,
// roles, the FHIR REST surface, consent, audit completeness, static SPA and headers.
import type { AuditEvent, Bundle, Observation, OperationOutcome } from '@medplum/fhirtypes';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signToken } from './auth/tokens';
import { TWIN_OUTPUT_TAG } from '../core/contracts';
import { DEMO_PATIENT_AS, DEMO_PATIENT_IDS, DEMO_PATIENT_NO_TWIN } from './demo/ids';
import { CONTENT_SECURITY_POLICY } from './http/security-headers';
import { makeTempDir, startTestServer, type TestServer } from './testing/harness';

let server: TestServer;
let clinician: string;
let admin: string;
let surgeon: string;

beforeAll(async () => {
  const dataDir = makeTempDir();
  const staticDir = join(dataDir, 'static');
  mkdirSync(join(staticDir, 'assets'), { recursive: true });
  writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>Twinscope</title><div id="root"></div>');
  writeFileSync(join(staticDir, 'assets', 'index-AbC123.js'), `console.log(${JSON.stringify('x'.repeat(5000))});`);
  server = await startTestServer({ dataDir, env: { TWIN_STATIC_DIR: staticDir, TWIN_BODY_LIMIT_BYTES: '200000' } });
  [clinician, admin, surgeon] = await Promise.all([server.login('clinician'), server.login('admin'), server.login('surgeon')]);
});

afterAll(async () => {
  await server?.close();
});

async function outcome(res: Response): Promise<string> {
  const body = (await res.json()) as OperationOutcome;
  expect(body.resourceType).toBe('OperationOutcome');
  return body.issue?.[0]?.diagnostics ?? '';
}

/** The completion records (intents, logged before a write is forwarded, are left out). */
function auditLines(): { id: string; path: string; httpStatus: number; requestId: string; user: { username: string } | null; detail?: string }[] {
  return readFileSync(join(server.dataDir, 'audit.log'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { phase?: string })
    .filter((l) => l.phase !== 'intent') as never;
}

describe('sign-in', () => {
  it('sets an HttpOnly SameSite=Strict session cookie and returns the user and a token', async () => {
    const res = await server.request('/auth/login', { method: 'POST', body: { username: 'cardiologist', password: 'twinscope-demo-test' }, headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(200);
    const cookie = res.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^twin_session=v1\./);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect(cookie).toMatch(/Path=\//);
    expect(cookie).not.toMatch(/Secure/); // plain http on loopback
    const body = (await res.json()) as { user: { username: string; role: string }; token: string };
    expect(body.user).toMatchObject({ id: 'demo-cardiologist', username: 'cardiologist', role: 'cardiologist' });
    const me = await fetch(`${server.url}/auth/me`, { headers: { cookie: cookie.split(';')[0]! } });
    expect(await me.json()).toEqual({ user: { id: 'demo-cardiologist', username: 'cardiologist', role: 'cardiologist', displayName: 'Dr. Demo Cardiologist' } });
  });

  it('refuses cookie-authenticated writes from another origin', async () => {
    const res = await server.request('/auth/login', { method: 'POST', body: { username: 'clinician', password: 'twinscope-demo-test' }, headers: { 'content-type': 'application/json' } });
    const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0]!;
    const body = JSON.stringify({ resourceType: 'Observation', status: 'final', code: { text: 'csrf' }, subject: { reference: `Patient/${DEMO_PATIENT_AS}` } });
    const evil = await fetch(`${server.url}/fhir/Observation`, { method: 'POST', headers: { cookie, origin: 'https://evil.example', 'content-type': 'application/fhir+json' }, body });
    expect(evil.status).toBe(403);
    expect(await outcome(evil)).toMatch(/cross-site request refused: Origin is another site/);
    const same = await fetch(`${server.url}/fhir/Observation`, { method: 'POST', headers: { cookie, origin: server.url, 'content-type': 'application/fhir+json' }, body });
    expect(same.status).toBe(201);
  });

  it('marks the cookie Secure behind a trusted TLS proxy', async () => {
    const proxied = await startTestServer({ seedFhirDemo: false, env: { TWIN_TRUST_PROXY: '1' } });
    try {
      const res = await proxied.request('/auth/login', { method: 'POST', body: { username: 'clinician', password: 'twinscope-demo-test' }, headers: { 'content-type': 'application/json', 'x-forwarded-proto': 'https' } });
      expect(res.headers.get('set-cookie')).toMatch(/; Secure/);
    } finally {
      await proxied.close();
    }
  });

  it('refuses a wrong password and an unknown user alike', async () => {
    for (const body of [{ username: 'clinician', password: 'nope-nope' }, { username: 'nobody', password: 'twinscope-demo-test' }]) {
      const res = await server.request('/auth/login', { method: 'POST', body, headers: { 'content-type': 'application/json' } });
      expect(res.status).toBe(401);
      expect(await outcome(res)).toBe('wrong username or password');
    }
    const bad = await server.request('/auth/login', { method: 'POST', body: { username: 3 }, headers: { 'content-type': 'application/json' } });
    expect(bad.status).toBe(400);
  });

  it('rejects tampered, foreign and expired tokens with 401', async () => {
    const tampered = clinician.slice(0, -3) + (clinician.endsWith('AAA') ? 'BBB' : 'AAA');
    const now = Math.floor(Date.now() / 1000);
    const expired = signToken({ sub: 'demo-clinician', role: 'clinician', iat: now - 7200, exp: now - 1, jti: 'old' }, server.config.sessionSecret);
    const foreign = signToken({ sub: 'demo-clinician', role: 'clinician', iat: now, exp: now + 60, jti: 'f' }, 'z'.repeat(43));
    for (const token of [tampered, expired, foreign, 'garbage']) {
      const res = await server.request('/fhir/Patient', { token });
      expect(res.status).toBe(401);
      expect(await outcome(res)).toMatch(/sign in first/);
      expect((await server.request('/auth/me', { token })).status).toBe(401);
    }
  });

  it('revokes the token on logout', async () => {
    const token = await server.login('surgeon');
    expect((await server.request('/auth/me', { token })).status).toBe(200);
    const out = await server.request('/auth/logout', { method: 'POST', token });
    expect(out.status).toBe(204);
    expect(out.headers.get('set-cookie')).toMatch(/twin_session=;/);
    expect((await server.request('/auth/me', { token })).status).toBe(401);
    expect((await server.request('/fhir/Patient', { token })).status).toBe(401);
  });

  it('rate-limits sign-in per client and username with 429', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) {
      const res = await server.request('/auth/login', { method: 'POST', body: { username: 'brute', password: `guess-${i}` }, headers: { 'content-type': 'application/json' } });
      statuses.push(res.status);
      if (res.status === 429) expect(await outcome(res)).toMatch(/too many sign-in attempts/);
    }
    expect(statuses.slice(0, 10).every((s) => s === 401)).toBe(true);
    expect(statuses[10]).toBe(429);
    // Another username from the same client is not locked out.
    expect((await server.request('/auth/login', { method: 'POST', body: { username: 'clinician', password: 'twinscope-demo-test' }, headers: { 'content-type': 'application/json' } })).status).toBe(200);
  });
});

describe('roles on routes', () => {
  it('answers 401 OperationOutcome without a session on every protected route', async () => {
    for (const path of ['/fhir/Patient', '/fhir/metadata', '/fhir/Nope', '/events?patient=x', '/dicomweb/studies', '/api/admin/users', `/api/patients/${DEMO_PATIENT_AS}/twin-permission`]) {
      const res = await server.request(path);
      expect(res.status, path).toBe(401);
      expect(res.headers.get('content-type')).toMatch(/application\/fhir\+json/);
    }
  });

  it('keeps admin out of clinical data and clinicians out of the audit trail and user admin', async () => {
    const cases: [string, string, string, number][] = [
      ['admin', 'GET', '/fhir/Patient', 403],
      ['admin', 'GET', `/fhir/Observation?patient=${DEMO_PATIENT_AS}`, 403],
      ['admin', 'GET', '/events?patient=x', 403],
      ['admin', 'GET', '/dicomweb/studies', 403],
      ['admin', 'GET', '/fhir/AuditEvent', 200],
      ['admin', 'GET', '/fhir/Consent', 200],
      ['admin', 'GET', '/api/admin/users', 200],
      ['clinician', 'GET', '/fhir/AuditEvent', 403],
      ['clinician', 'GET', '/api/admin/users', 403],
      ['surgeon', 'GET', '/fhir/Patient', 200],
      ['surgeon', 'GET', `/api/patients/${DEMO_PATIENT_AS}/twin-permission`, 200],
    ];
    const tokens: Record<string, string> = { admin, clinician, surgeon };
    for (const [who, method, path, status] of cases) {
      const res = await server.request(path, { method, token: tokens[who] });
      expect(res.status, `${who} ${method} ${path}`).toBe(status);
      if (status === 403) expect(await outcome(res)).toMatch(new RegExp(`forbidden: role ${who}`));
    }
    const write = await server.request('/fhir/Patient', { token: clinician, body: { resourceType: 'Patient' } });
    expect(write.status).toBe(403);
    const audit = await server.request('/fhir/AuditEvent', { token: admin, body: { resourceType: 'AuditEvent' } });
    expect(audit.status).toBe(403);
  });
});

describe('FHIR REST', () => {
  it('serves a CapabilityStatement and the seeded demo patients', async () => {
    const meta = await server.request('/fhir/metadata', { token: clinician });
    expect(((await meta.json()) as { resourceType: string; fhirVersion: string }).fhirVersion).toBe('4.0.1');
    const res = await server.request('/fhir/Patient?_count=50', { token: clinician });
    const bundle = (await res.json()) as Bundle;
    expect(bundle.total).toBe(DEMO_PATIENT_IDS.length);
    expect(bundle.entry?.every((e) => e.fullUrl?.startsWith(`${server.url}/fhir/Patient/`))).toBe(true);
    const byName = (await (await server.request('/fhir/Patient?name=hale', { token: clinician })).json()) as Bundle;
    expect(byName.entry?.map((e) => e.resource?.id)).toEqual([DEMO_PATIENT_AS]);
  });

  it('searches by POST _search with a form body, like GET', async () => {
    const res = await fetch(`${server.url}/fhir/Patient/_search`, {
      method: 'POST',
      headers: { authorization: `Bearer ${clinician}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'name=hale',
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as Bundle).entry?.map((e) => e.resource?.id)).toEqual([DEMO_PATIENT_AS]);
    const bad = await fetch(`${server.url}/fhir/Patient/_search`, { method: 'POST', headers: { authorization: `Bearer ${clinician}`, 'content-type': 'application/x-www-form-urlencoded' }, body: 'nmae=hale' });
    expect(bad.status).toBe(400);
  });

  it('pages a patient\'s vitals newest first with a next link', async () => {
    const res = await server.request(`/fhir/Observation?patient=${DEMO_PATIENT_AS}&code=http://loinc.org|8867-4&_sort=-date&_count=3`, { token: clinician });
    const bundle = (await res.json()) as Bundle<Observation>;
    expect(bundle.total).toBeGreaterThan(576);
    const times = bundle.entry!.map((e) => e.resource!.effectiveDateTime!);
    expect([...times].sort().reverse()).toEqual(times);
    const next = bundle.link?.find((l) => l.relation === 'next')?.url;
    expect(next).toMatch(/_cursor=/);
    const page2 = (await (await fetch(next!, { headers: { authorization: `Bearer ${clinician}` } })).json()) as Bundle<Observation>;
    expect(page2.entry![0]!.resource!.effectiveDateTime! <= times[2]!).toBe(true);
  });

  it('pages by _cursor over HTTP without repeating or skipping while Observations are written between pages (issue 14)', async () => {
    const patient = `Patient/${DEMO_PATIENT_AS}`;
    const code = 'urn:test:cursor|paged'; // a code of this test only
    const post = (i: number, day: number) =>
      server.request('/fhir/Observation', {
        token: clinician,
        body: { resourceType: 'Observation', status: 'final', identifier: [{ system: 'urn:test:cursor', value: `c-${i}` }], code: { coding: [{ system: 'urn:test:cursor', code: 'paged' }] }, subject: { reference: patient }, effectiveDateTime: `2025-01-${String(day).padStart(2, '0')}T08:00:00Z`, valueQuantity: { value: 37, unit: 'Cel', system: 'http://unitsofmeasure.org', code: 'Cel' } },
      });
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) ids.push(((await (await post(i, 2 + i)).json()) as Observation).id!);
    const seen: string[] = [];
    let url: string | undefined = `${server.url}/fhir/Observation?patient=${patient}&code=${code}&_sort=-date&_count=3`;
    for (let page = 0; url; page++) {
      const res = await fetch(url, { headers: { authorization: `Bearer ${clinician}` } });
      expect(res.status).toBe(200);
      const bundle = (await res.json()) as Bundle<Observation>;
      seen.push(...(bundle.entry ?? []).map((e) => e.resource!.id!));
      // Newer results (they sort first) land between the pages; the cursor goes on after the last one seen.
      expect((await post(100 + page, 28)).status).toBe(201);
      url = bundle.link?.find((l) => l.relation === 'next')?.url;
      if (url) expect(url.startsWith(`${server.url}/fhir/Observation?`)).toBe(true);
    }
    expect(seen).toEqual([...ids].reverse());
    const tampered = await server.request(`/fhir/Observation?patient=${patient}&_cursor=not*a*cursor`, { token: clinician });
    expect(tampered.status).toBe(400);
    const both = await server.request(`/fhir/Observation?patient=${patient}&_cursor=abc&_offset=3`, { token: clinician });
    expect([both.status, JSON.stringify(await both.json())]).toEqual([400, expect.stringMatching(/cannot be combined/)]);
  });

  it('creates, reads, updates, vreads and lists history with versions and ETags', async () => {
    const obs: Observation = { resourceType: 'Observation', status: 'final', code: { text: 'Heart rate' }, subject: { reference: `Patient/${DEMO_PATIENT_AS}` }, valueQuantity: { value: 71, unit: '/min', system: 'http://unitsofmeasure.org', code: '/min' } };
    const created = await server.request('/fhir/Observation', { token: clinician, body: { ...obs, id: 'client-chosen' } });
    expect(created.status).toBe(201);
    const c = (await created.json()) as Observation;
    expect(c.id).not.toBe('client-chosen');
    expect(c.meta?.versionId).toBe('1');
    expect(created.headers.get('location')).toBe(`${server.url}/fhir/Observation/${c.id}/_history/1`);
    expect(created.headers.get('etag')).toBe('W/"1"');

    const read = (await (await server.request(`/fhir/Observation/${c.id}`, { token: clinician })).json()) as Observation;
    expect(read).toEqual(c);
    const updated = await server.request(`/fhir/Observation/${c.id}`, { method: 'PUT', token: clinician, body: { ...read, valueQuantity: { ...obs.valueQuantity, value: 75 } } });
    expect(updated.status).toBe(200);
    const u = (await updated.json()) as Observation;
    expect(u.meta?.versionId).toBe('2');
    // A read answers the stored text with the version's ETag and Last-Modified.
    const reread = await server.request(`/fhir/Observation/${c.id}`, { token: clinician });
    expect([reread.headers.get('etag'), reread.headers.get('last-modified')]).toEqual(['W/"2"', new Date(u.meta!.lastUpdated!).toUTCString()]);
    expect((await reread.json()) as Observation).toEqual(u);
    const v1 = (await (await server.request(`/fhir/Observation/${c.id}/_history/1`, { token: clinician })).json()) as Observation;
    expect(v1.valueQuantity?.value).toBe(71);
    const history = (await (await server.request(`/fhir/Observation/${c.id}/_history`, { token: clinician })).json()) as Bundle<Observation>;
    expect(history.type).toBe('history');
    expect(history.entry?.map((e) => e.resource?.meta?.versionId)).toEqual(['2', '1']);
    const stale = await server.request(`/fhir/Observation/${c.id}`, { method: 'PUT', token: clinician, body: read, headers: { 'if-match': 'W/"1"', 'content-type': 'application/fhir+json' } });
    expect(stale.status).toBe(412);
  });

  it('makes conditional create idempotent on an identifier', async () => {
    const body = { resourceType: 'Observation', status: 'final', identifier: [{ system: 'urn:test', value: 'once' }], code: { text: 'x' }, subject: { reference: `Patient/${DEMO_PATIENT_AS}` } };
    const headers = { 'if-none-exist': 'identifier=urn:test|once', 'content-type': 'application/fhir+json' };
    const first = await server.request('/fhir/Observation', { token: clinician, body, headers });
    const second = await server.request('/fhir/Observation', { token: clinician, body, headers });
    expect(first.status).toBe(201);
    expect(second.status).toBe(200);
    expect(((await second.json()) as Observation).id).toBe(((await first.json()) as Observation).id);
    const found = (await (await server.request('/fhir/Observation?identifier=urn:test|once', { token: clinician })).json()) as Bundle;
    expect(found.total).toBe(1);
  });

  it('writes a twin output with its Provenance in one transaction', async () => {
    const res = await server.request('/fhir', { token: surgeon, body: twinTransaction(DEMO_PATIENT_AS) });
    expect(res.status).toBe(200);
    const bundle = (await res.json()) as Bundle;
    expect(bundle.type).toBe('transaction-response');
    const [obsLoc, provLoc] = bundle.entry!.map((e) => e.response!.location!);
    expect(obsLoc).toMatch(/^Observation\//);
    const prov = (await (await server.request(`/fhir/${provLoc}`, { token: surgeon })).json()) as { target: { reference: string }[] };
    expect(prov.target[0]!.reference).toBe(obsLoc);
  });

  it('rolls back a whole transaction when one entry fails', async () => {
    const before = ((await (await server.request(`/fhir/Observation?patient=${DEMO_PATIENT_AS}&_summary=count`, { token: clinician })).json()) as Bundle).total;
    const bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { request: { method: 'POST', url: 'Observation' }, resource: { resourceType: 'Observation', status: 'final', code: { text: 'a' }, subject: { reference: `Patient/${DEMO_PATIENT_AS}` } } },
        { request: { method: 'PUT', url: `Observation/${'demo-as-72f-height'}`, ifMatch: 'W/"99"' }, resource: { resourceType: 'Observation', id: 'demo-as-72f-height', status: 'final', code: { text: 'b' } } },
      ],
    };
    const res = await server.request('/fhir', { token: clinician, body: bundle });
    expect(res.status).toBe(412);
    const after = ((await (await server.request(`/fhir/Observation?patient=${DEMO_PATIENT_AS}&_summary=count`, { token: clinician })).json()) as Bundle).total;
    expect(after).toBe(before);
  });

  it('answers bad input with a 4xx OperationOutcome naming the problem', async () => {
    const cases: [string, { method?: string; body?: unknown; headers?: Record<string, string> }, number, RegExp][] = [
      ['/fhir/Observation', { body: '{"resourceType": "Observation",' }, 400, /not valid JSON/],
      ['/fhir/Observation', { body: { resourceType: 'Patient' } }, 400, /does not match the URL/],
      ['/fhir/Observation', { body: { resourceType: 'Observation', note: 'x'.repeat(300_000) } }, 413, /larger than 200000 bytes/],
      ['/fhir/Patient?nmae=x', {}, 400, /unknown search parameter "nmae"/],
      ['/fhir/Patient?_count=100000', {}, 400, /_count must be at most 1000/],
      ['/fhir/Patient/a%20b', {}, 400, /invalid id/],
      ['/fhir/Patient/..%2F..%2Fetc%2Fpasswd', {}, 400, /invalid id/],
      ['/fhir/Nope', {}, 404, /unknown resource type "Nope"/],
      ['/fhir/Observation/demo-as-72f-height', { method: 'DELETE' }, 405, /delete is not supported/],
      ['/fhir/Observation/does-not-exist', {}, 404, /Not found|not found/i],
      ['/fhir', { body: { resourceType: 'Bundle', type: 'collection' } }, 400, /batch or transaction/],
      ['/fhir/Observation', { body: 'x=1', headers: { 'content-type': 'text/plain' } }, 415, /writes take FHIR JSON/],
      ['/fhir/Observation', { body: 'resourceType=Observation&status=final', headers: { 'content-type': 'application/x-www-form-urlencoded' } }, 415, /writes take FHIR JSON/],
      ['/fhir/Observation', { body: '<Observation/>', headers: { 'content-type': 'application/xml' } }, 415, /Content-Type/],
    ];
    for (const [path, init, status, message] of cases) {
      const res = await server.request(path, { token: clinician, ...init });
      expect(res.status, path).toBe(status);
      const text = await outcome(res);
      expect(text, path).toMatch(message);
    }
  });
});

function twinTransaction(patientId: string): Bundle {
  return {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: [
      {
        fullUrl: 'urn:uuid:6f0b4f0e-7c7e-4a8e-9a43-0a0a0a0a0a01',
        request: { method: 'POST', url: 'Observation' },
        resource: { resourceType: 'Observation', status: 'final', meta: { tag: [TWIN_OUTPUT_TAG] }, code: { text: 'MAP forecast' }, subject: { reference: `Patient/${patientId}` } },
      },
      {
        request: { method: 'POST', url: 'Provenance' },
        resource: { resourceType: 'Provenance', recorded: new Date().toISOString(), target: [{ reference: 'urn:uuid:6f0b4f0e-7c7e-4a8e-9a43-0a0a0a0a0a01' }], agent: [{ who: { display: 'twinscope model 0.1' } }] },
      },
    ],
  };
}

describe('consent', () => {
  it('refuses twin outputs for a patient whose consent denies digital-twin, and says why', async () => {
    const res = await server.request('/fhir', { token: clinician, body: twinTransaction(DEMO_PATIENT_NO_TWIN) });
    expect(res.status).toBe(403);
    expect(await outcome(res)).toBe('consent denies digital-twin for this patient');
    const permission = await server.request(`/api/patients/${DEMO_PATIENT_NO_TWIN}/twin-permission`, { token: clinician });
    expect(await permission.json()).toEqual({ allowed: false, reason: 'consent denies digital-twin for this patient' });
    expect(await (await server.request(`/api/patients/${DEMO_PATIENT_AS}/twin-permission`, { token: clinician })).json()).toEqual({ allowed: true });
    // The record itself stays viewable.
    expect((await server.request(`/fhir/Patient/${DEMO_PATIENT_NO_TWIN}`, { token: clinician })).status).toBe(200);
    // Ordinary (non-twin) observations are still accepted for that patient.
    const plain = await server.request('/fhir/Observation', { token: clinician, body: { resourceType: 'Observation', status: 'final', code: { text: 'HR' }, subject: { reference: `Patient/${DEMO_PATIENT_NO_TWIN}` } } });
    expect(plain.status).toBe(201);
  });

  it('refuses a twin output written without its Provenance', async () => {
    const res = await server.request('/fhir/Observation', {
      token: clinician,
      body: { resourceType: 'Observation', status: 'final', meta: { tag: [TWIN_OUTPUT_TAG] }, code: { text: 'forecast' }, subject: { reference: `Patient/${DEMO_PATIENT_AS}` } },
    });
    expect(res.status).toBe(422);
    expect(await outcome(res)).toMatch(/transaction Bundle together with a Provenance/);
  });
});

describe('audit', () => {
  it('records exactly one PHI-free line per /fhir, /events, /dicomweb request, allowed or refused', async () => {
    await server.app.twin.audit.drain();
    const before = auditLines().length;
    const requests: [string, { method?: string; token?: string; body?: unknown }][] = [
      ['/fhir/Patient?name=hale&birthdate=1954-01-01', { token: clinician }],
      ['/fhir/Patient', {}],
      ['/fhir/Patient', { token: admin }],
      [`/fhir/Patient/${DEMO_PATIENT_AS}`, { token: surgeon }],
      ['/fhir/Nope', { token: clinician }],
      ['/fhir/Patient?bogus=Smith', { token: clinician }],
      ['/fhir/Observation', { token: clinician, body: { resourceType: 'Observation', status: 'final', code: { text: 'x' }, subject: { reference: `Patient/${DEMO_PATIENT_AS}` } } }],
      ['/fhir', { token: clinician, body: twinTransaction(DEMO_PATIENT_NO_TWIN) }],
      ['/events?patient=x', {}],
      ['/dicomweb/studies', { token: admin }],
      ['/auth/me', { token: clinician }], // not audited
      ['/healthz', {}], // not audited
    ];
    for (const [path, init] of requests) await server.request(path, init);
    await server.app.twin.audit.drain();
    const lines = auditLines();
    const added = lines.slice(before);
    expect(added).toHaveLength(requests.length - 2);
    expect(new Set(added.map((l) => l.requestId)).size).toBe(added.length);
    expect(added.map((l) => l.httpStatus)).toEqual([200, 401, 403, 200, 404, 400, 201, 403, 401, 403]);
    expect(added[7]!.detail).toBe('consent denies digital-twin');
    const text = JSON.stringify(added);
    // The patient's name, full birth date and the search value: a bare "1954" would also match
    // the random hex of UUIDs now and then, so match the date as written in the record.
    expect(text).not.toMatch(/hale|1954-01-01|Smith/i);

    // Every line becomes an AuditEvent the admin can search by agent, patient and action.
    const byAgent = (await (await server.request(`/fhir/AuditEvent?agent=Practitioner/demo-surgeon&_count=1000`, { token: admin })).json()) as Bundle<AuditEvent>;
    expect(byAgent.entry?.some((e) => e.resource?.id === added[3]!.id)).toBe(true);
    const byPatient = (await (await server.request(`/fhir/AuditEvent?patient=Patient/${DEMO_PATIENT_NO_TWIN}&outcome=4&_count=1000`, { token: admin })).json()) as Bundle<AuditEvent>;
    expect(byPatient.entry?.some((e) => e.resource?.id === added[7]!.id)).toBe(true);
    const total = (await (await server.request('/fhir/AuditEvent?_summary=count', { token: admin })).json()) as Bundle;
    // Admin's own searches are audited too: at least every line seen so far is in the store.
    expect(total.total).toBeGreaterThanOrEqual(lines.length);

    // Exactly what the admin UI sends (src/views/audit/audit-search.ts), paged newest first.
    const today = new Date().toISOString().slice(0, 10);
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    const ui = `/fhir/AuditEvent?_sort=-date&_count=2&_total=accurate&altid=clinician&entity=Patient/${DEMO_PATIENT_NO_TWIN}&date=ge${today}&date=lt${tomorrow}`;
    const page1 = (await (await server.request(ui, { token: admin })).json()) as Bundle<AuditEvent>;
    expect(page1.total).toBeGreaterThanOrEqual(1);
    const times = (page1.entry ?? []).map((e) => e.resource?.recorded ?? '');
    expect(times).toEqual([...times].sort().reverse());
    expect((page1.entry ?? []).every((e) => e.resource?.agent?.[0]?.altId === 'clinician')).toBe(true);
    expect(page1.entry?.some((e) => e.resource?.id === added[7]!.id)).toBe(true);
    if ((page1.total ?? 0) > 2) expect(page1.link?.find((l) => l.relation === 'next')?.url).toContain('_offset=2');
    const one = page1.entry![0]!.resource!;
    const read = await server.request(`/fhir/AuditEvent/${one.id}`, { token: admin });
    expect(read.status).toBe(200);
    expect(((await read.json()) as AuditEvent).id).toBe(one.id);
    expect((await server.request(`/fhir/AuditEvent/${one.id}`, { token: surgeon })).status).toBe(403);
    expect((await server.request('/fhir/AuditEvent?type=rest', { token: admin })).status).toBe(400);
    // They are kept in their own table, not in the FHIR store's memory index.
    expect(await server.app.twin.store.count('AuditEvent')).toBe(0);
  });
});

describe('static SPA, headers, health', () => {
  it('serves index.html for deep links with no-cache and strict security headers', async () => {
    for (const path of ['/', '/patients/demo-as-72f/anatomy', '/login']) {
      const res = await fetch(server.url + path);
      expect(res.status, path).toBe(200);
      expect(await res.text()).toContain('<div id="root">');
      expect(res.headers.get('cache-control')).toBe('no-cache');
      expect(res.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      expect(res.headers.get('x-frame-options')).toBe('DENY');
    }
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-inline'[^;]*script|script-src[^;]*unsafe-inline/);
    expect(CONTENT_SECURITY_POLICY).toMatch(/frame-ancestors 'none'/);
  });

  it('caches hashed assets immutably, compresses them, and 404s missing ones and unknown API paths', async () => {
    const asset = await fetch(`${server.url}/assets/index-AbC123.js`, { headers: { 'accept-encoding': 'gzip' } });
    expect(asset.status).toBe(200);
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(asset.headers.get('content-encoding')).toBe('gzip');
    expect((await fetch(`${server.url}/assets/missing.js`)).status).toBe(404);
    const api = await server.request('/api/nothing-here', { token: clinician });
    expect(api.status).toBe(404);
    expect(await outcome(api)).toMatch(/no route/);
  });

  it('reports health of the FHIR back end', async () => {
    const res = await fetch(`${server.url}/healthz`);
    expect(await res.json()).toMatchObject({ status: 'ok', demo: true, fhir: { mode: 'embedded', status: 'ok' }, dicom: { status: expect.any(String) } });
  });
});

describe('admin user management', () => {
  it('creates a user who can sign in, changes the role live and disables the account', async () => {
    const created = await server.request('/api/admin/users', { token: admin, body: { username: 'dr.new', password: 'a-long-password-1', role: 'clinician', displayName: 'Dr New' }, });
    expect(created.status).toBe(201);
    const { user } = (await created.json()) as { user: { id: string; role: string } };
    const token = await server.login('dr.new', 'a-long-password-1');
    expect((await server.request('/fhir/Patient', { token })).status).toBe(200);

    const patched = await server.request(`/api/admin/users/${user.id}`, { method: 'PATCH', token: admin, body: { role: 'admin' }, headers: { 'content-type': 'application/json' } });
    expect(patched.status).toBe(200);
    expect((await server.request('/fhir/Patient', { token })).status).toBe(403); // same token, new role applies at once
    await server.request(`/api/admin/users/${user.id}`, { method: 'PATCH', token: admin, body: { disabled: true }, headers: { 'content-type': 'application/json' } });
    expect((await server.request('/auth/me', { token })).status).toBe(401);

    const list = (await (await server.request('/api/admin/users', { token: admin })).json()) as { users: { username: string; disabled: boolean }[] };
    expect(list.users.find((u) => u.username === 'dr.new')?.disabled).toBe(true);
    expect(JSON.stringify(list)).not.toMatch(/scrypt/);
  });

  it('validates input and refuses duplicates and non-admins', async () => {
    const dup = await server.request('/api/admin/users', { token: admin, body: { username: 'clinician', password: 'a-long-password-1', role: 'clinician' } });
    expect(dup.status).toBe(409);
    const badRole = await server.request('/api/admin/users', { token: admin, body: { username: 'x1', password: 'a-long-password-1', role: 'root' } });
    expect(badRole.status).toBe(400);
    const weak = await server.request('/api/admin/users', { token: admin, body: { username: 'x2', password: 'short', role: 'clinician' } });
    expect(await outcome(weak)).toMatch(/at least 12 characters/);
    const self = await server.request('/api/admin/users/demo-admin', { method: 'PATCH', token: admin, body: { disabled: true }, headers: { 'content-type': 'application/json' } });
    expect(self.status).toBe(409);
    expect((await server.request('/api/admin/users', { token: clinician, body: { username: 'x3', password: 'a-long-password-1', role: 'admin' } })).status).toBe(403);
  });
});
