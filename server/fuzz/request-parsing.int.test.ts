// Fuzz and property tests of request parsing against a real server (buildApp on port 0, own data
// dir): whatever arrives — malformed JSON, wrong resourceType, oversized bodies, unknown search
// parameters, injection strings, path traversal, huge _count, invalid ids, random bytes — the
// answer is a 4xx OperationOutcome naming the problem: never a 5xx, never a crash, never a file
// from disk, never a search value in the audit log. Seeded, bounded runs (reproducible).
import http from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { startTestServer, type TestServer } from '../testing/harness';

interface Answer {
  status: number;
  contentType: string;
  body: string;
}

const BODY_LIMIT = 64 * 1024;

describe('request parsing under fuzzing', () => {
  let server: TestServer;
  let token: string;
  let port: number;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });

  /** Raw HTTP (node:http), so paths reach the server exactly as written — fetch would normalise "..". */
  const send = (method: string, path: string, body?: Buffer | string, headers: Record<string, string> = {}): Promise<Answer> =>
    new Promise((resolve, reject) => {
      const req = http.request(
        { host: '127.0.0.1', port, method, path, agent, headers: { authorization: `Bearer ${token}`, ...headers } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type'] ?? ''), body: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        },
      );
      req.setTimeout(30_000, () => req.destroy(new Error(`timeout on ${method} ${path}`)));
      req.on('error', reject);
      req.end(body);
    });

  const expectClientError = (a: Answer, context: string): void => {
    if (a.status < 400 || a.status >= 500) throw new Error(`${context} → HTTP ${a.status}: ${a.body.slice(0, 300)}`);
    let parsed: { resourceType?: string; issue?: { diagnostics?: string }[] };
    try {
      parsed = JSON.parse(a.body) as typeof parsed;
    } catch {
      throw new Error(`${context} → HTTP ${a.status} without a JSON body: ${a.body.slice(0, 200)}`);
    }
    if (parsed.resourceType !== 'OperationOutcome' || !parsed.issue?.[0]?.diagnostics) {
      throw new Error(`${context} → HTTP ${a.status} is not an OperationOutcome naming the problem: ${a.body.slice(0, 200)}`);
    }
  };
  const expectNo5xx = (a: Answer, context: string): void => {
    if (a.status >= 500 || a.status === 0) throw new Error(`${context} → HTTP ${a.status}: ${a.body.slice(0, 300)}`);
  };

  beforeAll(async () => {
    server = await startTestServer({ env: { TWIN_FEED_INTERVAL_MS: '0', TWIN_BODY_LIMIT_BYTES: String(BODY_LIMIT) }, seedFhirDemo: false });
    port = Number(new URL(server.url).port);
    token = await server.login('clinician');
  });

  afterAll(async () => {
    agent.destroy();
    await server?.close();
  });

  it('random bytes and malformed JSON as a resource body → 4xx OperationOutcome', async () => {
    const junk = fc.oneof(
      fc.uint8Array({ maxLength: 512 }).map((b) => Buffer.from(b)),
      fc.string({ maxLength: 300 }).map((s) => Buffer.from(s)),
      fc.json().map((j) => Buffer.from(j.slice(0, Math.max(0, j.length - 1)))), // truncated JSON
      fc.constantFrom('{', '[]', 'null', '"x"', '{"resourceType":', '{"resourceType":"Observation",}', '\u0000', '{"a":1}{"b":2}').map((s) => Buffer.from(s)),
    );
    await fc.assert(
      fc.asyncProperty(junk, fc.constantFrom('Observation', 'Patient', 'CarePlan'), fc.constantFrom('application/fhir+json', 'application/json'), async (body, type, ct) => {
        const a = await send('POST', `/fhir/${type}`, body, { 'content-type': ct });
        // A random value can in principle be a valid resource; everything else must be refused cleanly.
        if (a.status === 201) return;
        expectClientError(a, `POST /fhir/${type} ${JSON.stringify(body.toString('utf8').slice(0, 60))}`);
      }),
      { numRuns: 150, seed: 101 },
    );
  });

  it('a resourceType that does not match the URL (or no resourceType) → 400 naming it', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.constantFrom('Patient', 'Bundle', 'observation', 'OBSERVATION', '', 'Observation ', '../Observation'), fc.string({ maxLength: 40 }), fc.constant(undefined)),
        async (resourceType) => {
          fc.pre(resourceType !== 'Observation');
          const body = JSON.stringify({ ...(resourceType !== undefined ? { resourceType } : {}), status: 'final', code: { text: 'x' } });
          const a = await send('POST', '/fhir/Observation', body, { 'content-type': 'application/fhir+json' });
          expectClientError(a, `resourceType ${JSON.stringify(resourceType)}`);
          expect(a.status).toBe(400);
        },
      ),
      { numRuns: 100, seed: 102 },
    );
  });

  it('bodies over the size limit → 413 OperationOutcome', async () => {
    for (const size of [BODY_LIMIT + 1, BODY_LIMIT * 4]) {
      const big = JSON.stringify({ resourceType: 'Observation', status: 'final', code: { text: 'x'.repeat(size) } });
      const a = await send('POST', '/fhir/Observation', big, { 'content-type': 'application/fhir+json' });
      expectClientError(a, `body of ${big.length} bytes`);
      expect(a.status).toBe(413);
    }
  });

  it('unknown search parameters, huge or malformed _count → 400; injection strings in values never cause a 5xx or reach the audit log', async () => {
    const marker = 'PHIMARKER';
    const injection = fc.constantFrom(
      `' OR '1'='1`,
      `1; DROP TABLE fhir_versions; --`,
      `<script>alert(1)</script>`,
      '${process.exit()}',
      '{"$gt":""}',
      '\u0000\u0001',
      '../../../../etc/passwd',
      '%00',
      'a'.repeat(600),
      '😀é€',
      'gt2020-01-01',
      'Patient/../../x',
    );
    const value = fc.oneof(injection, fc.string({ maxLength: 80 }));
    const knownParam = fc.constantFrom('code', 'subject', 'patient', 'date', 'identifier', 'status', 'value-quantity', '_id', '_lastUpdated', 'code:text');
    await fc.assert(
      fc.asyncProperty(knownParam, value, async (param, raw) => {
        // A patient/subject value with id syntax is recorded as the audited patient, by design;
        // every other search value is free text that may hold PHI and must never be logged.
        const v = param === 'patient' || param === 'subject' ? raw : `${marker}${raw}`;
        const a = await send('GET', `/fhir/Observation?${encodeURIComponent(param)}=${encodeURIComponent(v)}`);
        expectNo5xx(a, `?${param}=${v.slice(0, 40)}`);
        if (a.status >= 400) expectClientError(a, `?${param}=${v.slice(0, 40)}`);
        else expect((JSON.parse(a.body) as { resourceType: string }).resourceType).toBe('Bundle');
      }),
      { numRuns: 80, seed: 103 },
    );
    await fc.assert(
      fc.asyncProperty(fc.stringMatching(/^[a-z][a-z0-9-]{2,20}$/), async (param) => {
        fc.pre(!['code', 'subject', 'patient', 'date', 'identifier', 'status', 'category', 'encounter', 'performer', 'focus', 'device', 'method', 'specimen', 'based-on', 'part-of', 'derived-from', 'has-member', 'value-string', 'value-concept', 'value-date', 'value-quantity', 'combo-code', 'component-code', 'data-absent-reason', 'combo-data-absent-reason', 'component-data-absent-reason', 'code-value-concept', 'code-value-date', 'code-value-quantity', 'code-value-string', 'combo-code-value-concept', 'combo-code-value-quantity', 'combo-value-concept', 'combo-value-quantity', 'component-code-value-concept', 'component-code-value-quantity', 'component-value-concept', 'component-value-quantity'].includes(param));
        const a = await send('GET', `/fhir/Observation?${param}=x`);
        expectClientError(a, `unknown param ${param}`);
        expect(a.status).toBe(400);
      }),
      { numRuns: 60, seed: 104 },
    );
    for (const count of ['1000000', '99999999999999999999', '-1', '1e9', 'abc', '']) {
      const a = await send('GET', `/fhir/Observation?_count=${encodeURIComponent(count)}`);
      if (count === '') {
        expectNo5xx(a, '_count=');
        continue;
      }
      expectClientError(a, `_count=${count}`);
    }
    const lines = readFileSync(join(server.dataDir, 'audit.log'), 'utf8').split('\n').filter(Boolean);
    // Path, entities, patient and the detail of refusals never carry a search value.
    expect(lines.length).toBeGreaterThan(100);
    expect(lines.filter((l) => l.includes(marker))).toEqual([]);
  });

  it('path traversal, invalid ids and random paths under /fhir and /events → 4xx, never a file, never a 5xx', async () => {
    const traversal = fc.constantFrom(
      '/fhir/Patient/..%2F..%2F..%2Fetc%2Fpasswd',
      '/fhir/../../../../etc/passwd',
      '/fhir/Patient/%2e%2e/%2e%2e/etc/passwd',
      '/fhir/Patient/..',
      '/fhir/..%5c..%5cwindows',
      '/fhir/Patient/%00',
      '/fhir/Patient/' + 'a'.repeat(65),
      '/fhir/Observation/x/_history/..%2F1',
      '/fhir/Patient/x/$everything',
      '/fhir//Patient',
      '/events?patient=..%2F..%2Fetc%2Fpasswd',
      '/events?patient=' + 'p'.repeat(65),
      '/events?patient=a%00b',
    );
    const segment = fc.string({ minLength: 1, maxLength: 30 }).map((s) => encodeURIComponent(s).replace(/%2E/gi, '.'));
    const randomPath = fc.array(segment, { minLength: 1, maxLength: 4 }).map((segs) => `/fhir/${segs.join('/')}`);
    await fc.assert(
      fc.asyncProperty(fc.oneof(traversal, randomPath), fc.constantFrom('GET', 'PUT', 'POST', 'DELETE', 'PATCH'), async (path, method) => {
        const body = method === 'GET' || method === 'DELETE' ? undefined : JSON.stringify({ resourceType: 'Patient' });
        const a = await send(method, path, body, body ? { 'content-type': 'application/fhir+json' } : {});
        expect(a.body).not.toMatch(/root:.*:0:0:/);
        // A random path can happen to name a real search (200) or create (201); nothing may fail server-side.
        if (a.status < 400) return;
        expectClientError(a, `${method} ${path}`);
      }),
      { numRuns: 150, seed: 105 },
    );
    // Still alive and answering.
    expect((await send('GET', '/fhir/metadata')).status).toBe(200);
  });

  // Formerly known defects (fixed; these pinned them with it.fails).
  it('a rejected search value is not copied into the audit record; the parameter name is', async () => {
    const a = await send('GET', `/fhir/Observation?date=${encodeURIComponent('Smith-PHIMARKER-1957')}`);
    expectClientError(a, 'bad date');
    // The client is told what was wrong with its own value…
    expect(a.body).toContain('date');
    const lines = readFileSync(join(server.dataDir, 'audit.log'), 'utf8').split('\n').filter(Boolean);
    expect(lines.filter((l) => l.includes('Smith-PHIMARKER-1957'))).toEqual([]);
    // …and the audit record keeps the parameter name.
    const last = JSON.parse(lines[lines.length - 1]!) as { detail?: string; httpStatus: number };
    expect(last.httpStatus).toBe(400);
    expect(last.detail).toContain('date');
  });

  it('an invalid percent-encoding in the path → 400 OperationOutcome with security headers, audited without the path', async () => {
    for (const path of ['/fhir/Patient/%E0%A4%A', '/fhir/Observation/%zz?code=PHIMARKER-enc', '/dicomweb/studies/%', '/auth/%E0']) {
      const a = await send('GET', path);
      expect(a.status, path).toBe(400);
      expectClientError(a, `bad percent-encoding ${path}`);
      expect(a.contentType).toContain('application/fhir+json');
    }
    const raw = await new Promise<http.IncomingMessage>((resolve, reject) => {
      http.get({ host: '127.0.0.1', port, path: '/fhir/Patient/%E0%A4%A', agent }, resolve).on('error', reject);
    });
    raw.resume();
    expect(raw.headers['x-content-type-options']).toBe('nosniff');
    expect(raw.headers['content-security-policy']).toContain("default-src 'self'");
    const lines = readFileSync(join(server.dataDir, 'audit.log'), 'utf8').split('\n').filter(Boolean);
    const bad = lines.map((l) => JSON.parse(l) as { path: string; detail?: string; httpStatus: number }).filter((r) => r.detail === 'invalid URL encoding');
    // /fhir and /dicomweb are audited areas (twice /fhir/Patient: once with the token, once without); /auth is not.
    expect(bad.map((r) => r.path).sort()).toEqual(['/dicomweb/studies/:invalid', '/fhir/Observation/:invalid', '/fhir/Patient/:invalid', '/fhir/Patient/:invalid']);
    expect(bad.every((r) => r.httpStatus === 400)).toBe(true);
    expect(lines.filter((l) => l.includes('PHIMARKER-enc'))).toEqual([]);
  });

  it('framework-level errors (content-type, JSON, empty body, size) are OperationOutcomes whose audit detail quotes nothing', async () => {
    const cases: { body: string; ct: string; status: number }[] = [
      { body: '{"resourceType":"Observation","note":"PHIMARKER-fw1', ct: 'application/fhir+json', status: 400 },
      { body: '<Observation>PHIMARKER-fw2</Observation>', ct: 'application/xml', status: 415 },
      { body: '', ct: 'application/json', status: 400 },
      { body: JSON.stringify({ resourceType: 'Observation', note: 'PHIMARKER-fw3'.repeat(BODY_LIMIT / 8) }), ct: 'application/fhir+json', status: 413 },
    ];
    for (const c of cases) {
      const a = await send('POST', '/fhir/Observation', c.body, { 'content-type': c.ct });
      expect(a.status, c.ct).toBe(c.status);
      expectClientError(a, `${c.ct} ${c.body.slice(0, 30)}`);
    }
    const audit = readFileSync(join(server.dataDir, 'audit.log'), 'utf8');
    expect(audit).not.toContain('PHIMARKER-fw');
    expect(audit).toContain('request body is not valid JSON');
  });
});
