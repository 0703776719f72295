// Issue 10's reproductions, each as a regression test against one real server (demo record
// seeded): writes validated against FHIR R4, consent keyed on what is written, sign-in throttled
// on the normalised account, account actions audited, CSRF with Origin null / missing, Host not
// echoed into links, bounded batches, authentication before the body, /healthz degraded, files
// owner-only, and the audit intent durable before a write (refused when the log is unwritable).
import type { Bundle, OperationOutcome } from '@medplum/fhirtypes';
import { readFileSync, statSync } from 'node:fs';
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditLog, AuditLogError, type AuditLogLine } from '../audit/log';
import { TWIN_OUTPUT_TAG } from '../../core/contracts';
import { DEMO_PATIENT_AS, DEMO_PATIENT_NO_TWIN } from '../demo/ids';
import { DB_FILE_NAME } from '../storage/database';
import { DEMO_PASSWORD, makeTempDir, startTestServer, type TestServer } from '../testing/harness';

let server: TestServer;
let clinician: string;
let admin: string;

beforeAll(async () => {
  server = await startTestServer();
  [clinician, admin] = await Promise.all([server.login('clinician'), server.login('admin')]);
}, 120_000);

afterAll(async () => {
  await server?.close();
});

async function outcomeOf(res: Response): Promise<OperationOutcome> {
  const body = (await res.json()) as OperationOutcome;
  expect(body.resourceType).toBe('OperationOutcome');
  return body;
}

function auditLines(dir = server.dataDir): AuditLogLine[] {
  return readFileSync(join(dir, 'audit.log'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as AuditLogLine);
}

const obs = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  resourceType: 'Observation',
  status: 'final',
  code: { text: 'heart rate' },
  subject: { reference: `Patient/${DEMO_PATIENT_AS}` },
  ...extra,
});

describe('FHIR writes are validated against R4 (issue 10)', () => {
  it('refuses the reported bodies with 400 naming the element', async () => {
    const { status: _s, ...noStatus } = obs();
    const { code: _c, ...noCode } = obs();
    const cases: [Record<string, unknown>, string, RegExp][] = [
      [obs({ status: 'banana' }), 'Observation.status', /"banana" is not a valid code/],
      [obs({ value: 'seventy' }), 'Observation.value', /Invalid additional property/],
      [obs({ valueQuantity: { value: 'seventy' } }), 'Observation.value[x].value', /expected number/],
      [obs({ effectiveDateTime: '2026-13-45T99:99' }), 'Observation.effective[x]', /Invalid dateTime/],
      [noStatus, 'Observation.status', /Missing required property/],
      [noCode, 'Observation.code', /Missing required property/],
    ];
    for (const [body, element, message] of cases) {
      const res = await server.request('/fhir/Observation', { token: clinician, body });
      expect(res.status, element).toBe(400);
      const oo = await outcomeOf(res);
      expect(oo.issue.map((i) => i.expression?.[0]), element).toContain(element);
      expect(oo.issue.map((i) => i.diagnostics).join(' '), element).toMatch(message);
    }
    // Also inside a transaction, located by entry.
    const bundle = { resourceType: 'Bundle', type: 'transaction', entry: [{ resource: obs({ status: 'banana' }), request: { method: 'POST', url: 'Observation' } }] };
    const res = await server.request('/fhir', { token: clinician, body: bundle });
    expect(res.status).toBe(400);
    expect((await outcomeOf(res)).issue[0]?.expression).toEqual(['Bundle.entry[0].resource.status']);
  });

  it('takes FHIR JSON only: a form-encoded write is 415, nothing stored', async () => {
    const before = (await (await server.request(`/fhir/Observation?subject=Patient/${DEMO_PATIENT_AS}&_summary=count`, { token: clinician })).json()) as Bundle;
    const res = await server.request('/fhir/Observation', {
      token: clinician,
      body: `resourceType=Observation&status=final&subject=Patient%2F${DEMO_PATIENT_AS}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(res.status).toBe(415);
    const after = (await (await server.request(`/fhir/Observation?subject=Patient/${DEMO_PATIENT_AS}&_summary=count`, { token: clinician })).json()) as Bundle;
    expect(after.total).toBe(before.total);
  });

  it('still accepts a valid resource', async () => {
    const res = await server.request('/fhir/Observation', { token: clinician, body: obs({ valueQuantity: { value: 72, unit: '/min', system: 'http://unitsofmeasure.org', code: '/min' }, effectiveDateTime: '2026-01-02T03:04:05Z' }) });
    expect(res.status).toBe(201);
  });
});

function twinTransaction(output: Record<string, unknown>): Record<string, unknown> {
  return {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: [
      { fullUrl: 'urn:uuid:5e0e8b0c-0000-4000-8000-000000000001', resource: output, request: { method: 'POST', url: String(output.resourceType) } },
      {
        resource: { resourceType: 'Provenance', meta: { tag: [TWIN_OUTPUT_TAG] }, target: [{ reference: 'urn:uuid:5e0e8b0c-0000-4000-8000-000000000001' }], recorded: '2026-01-01T00:00:00Z', agent: [{ who: { display: 'twin' } }] },
        request: { method: 'POST', url: 'Provenance' },
      },
    ],
  };
}

describe('consent keys on what is written (issue 10)', () => {
  const forecast = (patient: string, meta: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
    resourceType: 'Observation',
    status: 'final',
    code: { text: 'MAP forecast' },
    meta,
    subject: { reference: `Patient/${patient}` },
    ...extra,
  });

  it('refuses every reported variant for the patient who refused digital-twin', async () => {
    const variants: [string, Record<string, unknown>][] = [
      ['meta.security', forecast(DEMO_PATIENT_NO_TWIN, { security: [TWIN_OUTPUT_TAG] })],
      ['http:// system', forecast(DEMO_PATIENT_NO_TWIN, { tag: [{ system: 'http://twinscope.dev/fhir/CodeSystem/tags', code: 'twin-output' }] })],
      [
        'contained',
        {
          resourceType: 'DiagnosticReport',
          status: 'final',
          code: { text: 'twin report' },
          subject: { reference: `Patient/${DEMO_PATIENT_NO_TWIN}` },
          contained: [{ ...forecast(DEMO_PATIENT_NO_TWIN, { tag: [TWIN_OUTPUT_TAG] }), id: 'f1' }],
          result: [{ reference: '#f1' }],
        },
      ],
      [
        'focus',
        { resourceType: 'Observation', status: 'final', code: { text: 'MAP forecast' }, meta: { tag: [TWIN_OUTPUT_TAG] }, subject: { reference: `Patient/${DEMO_PATIENT_AS}` }, focus: [{ reference: `Patient/${DEMO_PATIENT_NO_TWIN}` }] },
      ],
      ['Task.for', { resourceType: 'Task', status: 'requested', intent: 'plan', meta: { tag: [TWIN_OUTPUT_TAG] }, for: { reference: `Patient/${DEMO_PATIENT_NO_TWIN}` } }],
    ];
    for (const [name, output] of variants) {
      const res = await server.request('/fhir', { token: clinician, body: twinTransaction(output) });
      expect(res.status, name).toBe(403);
      expect((await outcomeOf(res)).issue[0]?.diagnostics, name).toMatch(/consent denies digital-twin/);
    }
  });

  it('accepts a tagged Task for a consenting patient (Task.for is its patient)', async () => {
    const task = { resourceType: 'Task', status: 'requested', intent: 'plan', meta: { tag: [TWIN_OUTPUT_TAG] }, for: { reference: `Patient/${DEMO_PATIENT_AS}` } };
    const res = await server.request('/fhir', { token: clinician, body: twinTransaction(task) });
    expect(res.status).toBe(200);
  });
});

describe('bounded work (issue 10)', () => {
  it('refuses the 200 × _count=1000 batch with a clear 4xx before running it', async () => {
    const entry = Array.from({ length: 200 }, () => ({ request: { method: 'GET', url: 'Observation?_count=1000' } }));
    const res = await server.request('/fhir', { token: clinician, body: { resourceType: 'Bundle', type: 'batch', entry } });
    expect(res.status).toBe(400);
    expect((await outcomeOf(res)).issue[0]).toMatchObject({ code: 'too-costly' });
    // The same without _count: each entry is paged at the default, and the total is still capped.
    const paged = Array.from({ length: 200 }, () => ({ request: { method: 'GET', url: 'Observation' } }));
    const res2 = await server.request('/fhir', { token: clinician, body: { resourceType: 'Bundle', type: 'batch', entry: paged } });
    expect(res2.status).toBe(400);
    expect((await outcomeOf(res2)).issue[0]?.diagnostics).toMatch(/more than 1000 resources/);
    // A small batch passes, each search paged.
    const small = await server.request('/fhir', { token: clinician, body: { resourceType: 'Bundle', type: 'batch', entry: [{ request: { method: 'GET', url: `Observation?subject=Patient/${DEMO_PATIENT_AS}&_count=5` } }] } });
    expect(small.status).toBe(200);
    const answer = (await small.json()) as Bundle;
    expect(((answer.entry?.[0]?.resource as Bundle).entry ?? []).length).toBeLessThanOrEqual(5);
  });

  it('answers 401 to an unauthenticated upload before reading its body', async () => {
    const { port } = new URL(server.url);
    const status = await new Promise<number>((resolve, reject) => {
      // Announce 100 MB and send none of it: the answer must not wait for the body.
      const req = httpRequest({ host: '127.0.0.1', port: Number(port), method: 'POST', path: '/fhir/Observation', headers: { 'content-type': 'application/fhir+json', 'content-length': String(100 * 1024 * 1024) } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
        req.destroy();
      });
      req.on('error', reject);
      req.flushHeaders();
    });
    expect(status).toBe(401);
  });

  it('answers 403 to a STOW-RS upload of a role that may not store instances before reading its body (issue 14)', async () => {
    const { port } = new URL(server.url);
    const status = await new Promise<number>((resolve, reject) => {
      // Signed in, but the admin reads no clinical data: refused before the spool reads a byte.
      const headers = { authorization: `Bearer ${admin}`, 'content-type': 'multipart/related; type="application/dicom"; boundary=b', 'content-length': String(100 * 1024 * 1024) };
      const req = httpRequest({ host: '127.0.0.1', port: Number(port), method: 'POST', path: '/dicomweb/studies', headers }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
        req.destroy();
      });
      req.on('error', reject);
      req.flushHeaders();
    });
    expect(status).toBe(403);
  });
});

describe('sign-in and accounts (issue 10)', () => {
  it('throttles on the normalised account name: " cardiologist" and "cardiologist\\t" are the same account', async () => {
    const s = await startTestServer({ seedFhirDemo: false, overrides: { loginAttemptsPerMinute: 3 } });
    try {
      const statuses: number[] = [];
      for (const username of [' cardiologist', 'cardiologist\t', 'CARDIOLOGIST', 'ｃａｒｄｉｏｌｏｇｉｓｔ']) {
        const res = await s.request('/auth/login', { method: 'POST', body: { username, password: 'wrong-password-here' }, headers: { 'content-type': 'application/json' } });
        statuses.push(res.status);
      }
      expect(statuses).toEqual([401, 401, 401, 429]);
      // Locked: even the right password waits out the back-off.
      const right = await s.request('/auth/login', { method: 'POST', body: { username: 'cardiologist', password: DEMO_PASSWORD }, headers: { 'content-type': 'application/json' } });
      expect(right.status).toBe(429);
      expect(Number(right.headers.get('retry-after'))).toBeGreaterThan(0);
      const lines = auditLines(s.dataDir).filter((l) => l.path === '/auth/login');
      expect(lines.map((l) => l.httpStatus)).toEqual([401, 401, 401, 429, 429]);
      expect(lines[0]?.detail).toBe('sign-in failed for cardiologist');
    } finally {
      await s.close();
    }
  });

  it('audits sign-in success and failure, sign-out, user create, role change and disable', async () => {
    const before = auditLines().length;
    await server.request('/auth/login', { method: 'POST', body: { username: 'nobody-here', password: 'x' }, headers: { 'content-type': 'application/json' } });
    const token = await server.login('surgeon');
    await server.request('/auth/logout', { method: 'POST', token });
    const created = await server.request('/api/admin/users', { method: 'POST', token: admin, body: { username: 'Audited.User', password: 'a sound passphrase 42', role: 'clinician' }, headers: { 'content-type': 'application/json' } });
    expect(created.status).toBe(201);
    const id = ((await created.json()) as { user: { id: string } }).user.id;
    expect((await server.request(`/api/admin/users/${id}`, { method: 'PATCH', token: admin, body: { role: 'surgeon' }, headers: { 'content-type': 'application/json' } })).status).toBe(200);
    expect((await server.request(`/api/admin/users/${id}`, { method: 'PATCH', token: admin, body: { disabled: true }, headers: { 'content-type': 'application/json' } })).status).toBe(200);
    const added = auditLines().slice(before);
    const completions = added.filter((l) => l.phase !== 'intent').map((l) => `${l.httpStatus} ${l.user?.username ?? '-'} ${l.detail ?? ''}`);
    expect(completions).toEqual([
      '401 - sign-in failed (unknown account)',
      '200 surgeon signed in',
      '204 surgeon signed out',
      `201 admin user created: audited.user (${id}) as clinician`,
      `200 admin user changed: user audited.user (${id}): role clinician → surgeon`,
      `200 admin user changed: user audited.user (${id}): disabled`,
    ]);
    // Each account change logged its intent before it was made.
    expect(added.filter((l) => l.phase === 'intent').map((l) => l.detail?.split(':')[0])).toEqual(['user create', 'user change', 'user change']);
  });

  it('enforces the password policy and lets a user change their password', async () => {
    const weak = await server.request('/api/admin/users', { method: 'POST', token: admin, body: { username: 'weak', password: '123456789012', role: 'clinician' }, headers: { 'content-type': 'application/json' } });
    expect(weak.status).toBe(400);
    expect((await outcomeOf(weak)).issue[0]?.diagnostics).toMatch(/consecutive/);
    expect((await server.request('/api/admin/users', { method: 'POST', token: admin, body: { username: 'changer', password: 'first passphrase 1', role: 'clinician' }, headers: { 'content-type': 'application/json' } })).status).toBe(201);
    const token = await server.login('changer', 'first passphrase 1');
    const change = (body: unknown) => server.request('/auth/password', { method: 'POST', token, body, headers: { 'content-type': 'application/json' } });
    expect((await change({ currentPassword: 'wrong', newPassword: 'second passphrase 2' })).status).toBe(403);
    expect((await change({ currentPassword: 'first passphrase 1', newPassword: 'aaaaaaaaaaaaaaaa' })).status).toBe(400);
    expect((await change({ currentPassword: 'first passphrase 1', newPassword: 'second passphrase 2' })).status).toBe(204);
    await expect(server.login('changer', 'first passphrase 1')).rejects.toThrow(/401/);
    expect(await server.login('changer', 'second passphrase 2')).toMatch(/^v1\./);
    const last = auditLines().filter((l) => l.path === '/auth/password' && l.phase !== 'intent');
    expect(last.map((l) => l.detail)).toEqual(['password change refused: wrong current password', 'password change refused: policy', 'password changed']);
    // Demo accounts keep the configured demo password.
    expect((await server.request('/auth/password', { method: 'POST', token: clinician, body: { currentPassword: DEMO_PASSWORD, newPassword: 'another passphrase 3' }, headers: { 'content-type': 'application/json' } })).status).toBe(409);
  });
});

describe('CSRF and links (issue 10)', () => {
  async function cookie(): Promise<string> {
    const res = await server.request('/auth/login', { method: 'POST', body: { username: 'clinician', password: DEMO_PASSWORD }, headers: { 'content-type': 'application/json' } });
    return (res.headers.get('set-cookie') ?? '').split(';')[0]!;
  }

  it('treats Origin null and a missing Origin on a cookie write as cross-site unless Sec-Fetch-Site says same-origin', async () => {
    const c = await cookie();
    const body = JSON.stringify(obs());
    const post = (headers: Record<string, string>) => fetch(`${server.url}/fhir/Observation`, { method: 'POST', headers: { cookie: c, 'content-type': 'application/fhir+json', ...headers }, body });
    expect((await post({ origin: 'null' })).status).toBe(403);
    expect((await post({})).status).toBe(403);
    expect((await post({ 'sec-fetch-site': 'cross-site', origin: server.url })).status).toBe(403);
    expect((await post({ 'sec-fetch-site': 'same-site' })).status).toBe(403);
    expect((await post({ 'sec-fetch-site': 'same-origin' })).status).toBe(201);
    expect((await post({ origin: server.url })).status).toBe(201);
    // Bearer tokens are not sent by browsers on their own: no Origin needed.
    expect((await server.request('/fhir/Observation', { token: clinician, body: obs() })).status).toBe(201);
  });

  it('never echoes the Host header into Location or fullUrl', async () => {
    const { port } = new URL(server.url);
    const answer = await new Promise<{ location: string; body: string }>((resolve, reject) => {
      const payload = JSON.stringify(obs());
      const req = httpRequest(
        { host: '127.0.0.1', port: Number(port), method: 'POST', path: '/fhir/Observation', headers: { host: 'evil.example', authorization: `Bearer ${clinician}`, 'content-type': 'application/fhir+json', 'content-length': Buffer.byteLength(payload) } },
        (res) => {
          let body = '';
          res.on('data', (d: Buffer) => (body += d.toString()));
          res.on('end', () => resolve({ location: String(res.headers.location ?? ''), body }));
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
    expect(answer.location).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${port}/fhir/Observation/`));
    expect(answer.location).not.toContain('evil.example');
  });

  it('uses TWIN_PUBLIC_BASE_URL for links when configured', async () => {
    const s = await startTestServer({ env: { TWIN_PUBLIC_BASE_URL: 'https://twin.example.org' } });
    try {
      const token = await s.login('clinician');
      const res = await s.request('/fhir/Observation', { token, body: obs() });
      expect(res.headers.get('location')).toMatch(/^https:\/\/twin\.example\.org\/fhir\/Observation\//);
      const search = (await (await s.request(`/fhir/Patient?_count=1`, { token, headers: { host: 'evil.example' } })).json()) as Bundle;
      expect(search.entry?.[0]?.fullUrl).toMatch(/^https:\/\/twin\.example\.org\/fhir\/Patient\//);
      expect(search.link?.[0]?.url).toMatch(/^https:\/\/twin\.example\.org\/fhir\//);
    } finally {
      await s.close();
    }
  });
});

describe('files, health and errors (issue 10)', () => {
  it('keeps the data directory 0700 and the database and audit log 0600', () => {
    expect(statSync(server.dataDir).mode & 0o777).toBe(0o700);
    for (const f of [DB_FILE_NAME, `${DB_FILE_NAME}-wal`, 'audit.log']) expect(statSync(join(server.dataDir, f)).mode & 0o777, f).toBe(0o600);
  });

  it('says degraded with 503 when a back end is down', async () => {
    server.app.twin.health.add('probe', async () => ({ status: 'down', detail: 'test back end' }));
    try {
      const res = await fetch(`${server.url}/healthz`);
      expect(res.status).toBe(503);
      expect(await res.json()).toMatchObject({ status: 'degraded', probe: { status: 'down' } });
    } finally {
      server.app.twin.health.add('probe', async () => ({ status: 'ok' }));
    }
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });

  it('keeps internal error texts from the client (deeply nested JSON)', async () => {
    let deep = '{"resourceType":"Observation","status":"final","code":{"text":"x"},"extension":[';
    for (let i = 0; i < 20_000; i++) deep += '{"extension":[';
    const res = await server.request('/fhir/Observation', { token: clinician, body: deep });
    expect(res.status).toBeGreaterThanOrEqual(400);
    const text = await res.text();
    expect(text).not.toMatch(/Maximum call stack|RangeError|SQLITE|at .*\.ts:\d+/);
  });
});

describe('upstream internals stay upstream (issue 10)', () => {
  it('replaces an upstream 5xx OperationOutcome (stack trace, SQL) with its own text', async () => {
    const leaky = createServer((_req, res) => {
      res.writeHead(500, { 'content-type': 'application/fhir+json' });
      res.end(JSON.stringify({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'exception', diagnostics: 'SQLITE_ERROR: no such table: patients\n    at Repo.read (repo.ts:42:7)' }] }));
    });
    await new Promise<void>((r) => leaky.listen(0, '127.0.0.1', r));
    const proxy = await startTestServer({ seedFhirDemo: false, env: { FHIR_UPSTREAM_URL: `http://127.0.0.1:${(leaky.address() as AddressInfo).port}/fhir`, FHIR_UPSTREAM_TOKEN: 'x', FHIR_UPSTREAM_POLL_MS: '3600000' } });
    try {
      await proxy.app.twin.users.create({ username: 'dr-up', password: 'a sound passphrase 7', role: 'clinician', displayName: 'Dr Up' });
      const token = await proxy.login('dr-up', 'a sound passphrase 7');
      const res = await proxy.request('/fhir/Patient/p1/_history', { token });
      expect(res.status).toBe(502);
      const text = await res.text();
      expect(text).not.toMatch(/SQLITE|repo\.ts|no such table/);
      expect(text).toMatch(/the FHIR server answered HTTP 500/);
    } finally {
      await proxy.close();
      leaky.close();
    }
  });
});

describe('audit intent before the write (issue 10)', () => {
  it('refuses a write before it is committed when the audit log cannot be written', async () => {
    const dataDir = makeTempDir();
    class FillingDiskLog extends AuditLog {
      full = false;
      override append(entry: AuditLogLine): Promise<void> {
        return this.full ? Promise.reject(new AuditLogError('audit log write failed: ENOSPC')) : super.append(entry);
      }
    }
    const log = new FillingDiskLog(join(dataDir, 'audit.log'));
    const s = await startTestServer({ dataDir, overrides: { auditLog: log } });
    try {
      const token = await s.login('clinician');
      const marker = `unwritable-${Date.now()}`;
      log.full = true;
      for (let i = 0; i < 5; i++) {
        const res = await s.request('/fhir/Observation', { token, body: obs({ code: { text: marker }, identifier: [{ system: 'urn:twinscope:test', value: marker }] }) });
        expect(res.status).toBe(503);
      }
      const tx = await s.request('/fhir', { token, body: { resourceType: 'Bundle', type: 'transaction', entry: [{ resource: obs({ code: { text: marker }, identifier: [{ system: 'urn:twinscope:test', value: marker }] }), request: { method: 'POST', url: 'Observation' } }] } });
      expect(tx.status).toBe(503);
      // Nothing reached the store.
      expect(await s.app.twin.store.search('Observation', { identifier: `urn:twinscope:test|${marker}` })).toHaveLength(0);
      log.full = false;
      expect((await s.request('/fhir/Observation', { token, body: obs({ code: { text: marker }, identifier: [{ system: 'urn:twinscope:test', value: marker }] }) })).status).toBe(201);
      expect(await s.app.twin.store.search('Observation', { identifier: `urn:twinscope:test|${marker}` })).toHaveLength(1);
    } finally {
      await s.close();
    }
  });
});
