// Decisions are made on what the server serves, not on how the client spelled the URL.
// Generated variants of every guarded route (percent-encoding of any character, double
// encoding, case, doubled and trailing slashes, dot segments) × every role × no session are
// sent as raw request targets (node:http, no client-side normalisation). Invariants:
// - a variant is never served (2xx with data) unless the canonical path is served for that role;
// - a variant the router serves the same way (only unreserved characters encoded) gets exactly
//   the canonical decision;
// - every guarded request that is answered leaves an audit record.
// Regression for issue 10: `/%64icomweb/studies` without a session answered 200 with patients.
import fc from 'fast-check';
import { request as httpRequest } from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PATIENT_AS } from '../demo/ids';
import { startTestServer, type TestServer } from '../testing/harness';

let server: TestServer;
const tokens: Record<string, string | null> = { none: null };

beforeAll(async () => {
  server = await startTestServer();
  for (const role of ['clinician', 'cardiologist', 'surgeon', 'admin']) tokens[role] = await server.login(role);
}, 120_000);

afterAll(async () => {
  await server?.close();
});

interface Answer {
  status: number;
  contentType: string;
}

/** Sends the request target exactly as given (no URL normalisation by the client). */
function rawGet(target: string, token: string | null): Promise<Answer> {
  const { port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port: Number(port), method: 'GET', path: target, headers: token ? { authorization: `Bearer ${token}` } : {} }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type'] ?? '') }));
    });
    req.on('error', reject);
    req.end();
  });
}

function served(a: Answer): boolean {
  return a.status >= 200 && a.status < 300 && !/text\/html/.test(a.contentType);
}

const CANONICAL = [
  '/dicomweb/studies',
  '/dicomweb/series',
  `/fhir/Patient/${DEMO_PATIENT_AS}`,
  `/fhir/Observation?patient=${DEMO_PATIENT_AS}&_count=1`,
  '/fhir/AuditEvent?_count=1',
  '/fhir/Consent?_count=1',
  '/api/admin/users',
  `/api/patients/${DEMO_PATIENT_AS}/twin-permission`,
];

const UNRESERVED = /[A-Za-z0-9\-._~]/;

function pct(ch: string): string {
  return `%${ch.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`;
}

type Variant = { kind: 'same-route' | 'other'; target: string };

/** A variant of the path part; the query stays as it is. */
function variantOf(canonical: string, choice: { op: number; positions: number[] }): Variant {
  const q = canonical.indexOf('?');
  const path = q >= 0 ? canonical.slice(0, q) : canonical;
  const query = q >= 0 ? canonical.slice(q) : '';
  const chars = [...path];
  switch (choice.op % 6) {
    case 0: {
      // percent-encode unreserved characters (the router decodes them: same route)
      const picked = new Set(choice.positions.map((p) => p % chars.length));
      const out = chars.map((c, i) => (picked.has(i) && UNRESERVED.test(c) ? pct(c) : c)).join('');
      return { kind: 'same-route', target: out + query };
    }
    case 1: {
      // double-encode one character
      const i = (choice.positions[0] ?? 1) % chars.length;
      const c = chars[i] === '/' ? chars[1]! : chars[i]!;
      const idx = chars[i] === '/' ? 1 : i;
      chars[idx] = `%25${c.charCodeAt(0).toString(16).padStart(2, '0')}`;
      return { kind: 'other', target: chars.join('') + query };
    }
    case 2: {
      // change the case of the first segment
      const parts = path.split('/');
      parts[1] = parts[1]!.toUpperCase();
      return { kind: 'other', target: parts.join('/') + query };
    }
    case 3:
      // doubled slashes
      return { kind: 'other', target: path.replace(/\//g, (m, i: number) => (choice.positions.includes(i) || i === 0 ? '//' : m)) + query };
    case 4:
      return { kind: 'other', target: `${path}/${query}` };
    default:
      // dot segments and an encoded slash
      return { kind: 'other', target: choice.positions[0]! % 2 ? `/x/..${path}${query}` : path.replace('/', '/%2e/') + query };
  }
}

describe('decisions on the served route (issue 10)', () => {
  it('the reported bypasses are closed', async () => {
    for (const target of ['/%64icomweb/studies', '/%64icomweb/series', '/%61pi/admin/users', `/%66hir/Patient/${DEMO_PATIENT_AS}`]) {
      const a = await rawGet(target, null);
      expect(a.status, target).toBe(401);
    }
    const clinician = tokens.clinician!;
    expect((await rawGet('/fhir/%41uditEvent', clinician)).status).toBe(403);
    expect((await rawGet('/fhir/AuditEvent', clinician)).status).toBe(403);
    expect((await rawGet('/%64icomweb/studies', clinician)).status).toBe(200);
  });

  it('generated path variants × roles never widen access', async () => {
    const canonicalAnswers = new Map<string, Answer>();
    for (const role of Object.keys(tokens)) {
      for (const path of CANONICAL) canonicalAnswers.set(`${role} ${path}`, await rawGet(path, tokens[role]!));
    }
    // The table itself must discriminate, or the property proves nothing.
    expect(served(canonicalAnswers.get(`none /dicomweb/studies`)!)).toBe(false);
    expect(served(canonicalAnswers.get(`clinician /dicomweb/studies`)!)).toBe(true);
    expect(served(canonicalAnswers.get(`admin /fhir/AuditEvent?_count=1`)!)).toBe(true);
    expect(served(canonicalAnswers.get(`clinician /fhir/AuditEvent?_count=1`)!)).toBe(false);

    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...CANONICAL),
        fc.constantFrom(...Object.keys(tokens)),
        fc.record({ op: fc.nat(), positions: fc.array(fc.nat({ max: 64 }), { minLength: 1, maxLength: 6 }) }),
        async (canonical, role, choice) => {
          const variant = variantOf(canonical, choice);
          const expected = canonicalAnswers.get(`${role} ${canonical}`)!;
          const got = await rawGet(variant.target, tokens[role]!);
          if (served(got)) expect(served(expected), `${role} ${variant.target} served but ${canonical} is not`).toBe(true);
          if (variant.kind === 'same-route') expect(got.status, `${role} ${variant.target}`).toBe(expected.status);
        },
      ),
      { numRuns: 300 },
    );
  }, 120_000);

  it('an encoded guarded path is audited under its canonical name', async () => {
    await rawGet('/%64icomweb/studies?PatientID=x', null);
    const lines = readFileSync(join(server.dataDir, 'audit.log'), 'utf8').trim().split('\n');
    const last = JSON.parse(lines[lines.length - 1]!) as { path: string; httpStatus: number };
    expect(last.path).toBe('/dicomweb/studies');
    expect(last.httpStatus).toBe(401);
  });
});
