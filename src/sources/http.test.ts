import { describe, expect, it } from 'vitest';
import { ApiError, createHttp, errorFromResponse, kindForStatus, outcomeText, parseRetryAfterSec, type ConnectivitySignal } from './http';
import { createFhirClient } from './fhir';

const outcome = (text: string, diagnostics?: string) => ({
  resourceType: 'OperationOutcome' as const,
  issue: [{ severity: 'error' as const, code: 'invalid' as const, details: { text }, diagnostics }],
});

describe('error mapping', () => {
  it('classifies statuses', () => {
    expect(kindForStatus(400)).toBe('invalid');
    expect(kindForStatus(401)).toBe('unauthenticated');
    expect(kindForStatus(403)).toBe('forbidden');
    expect(kindForStatus(404)).toBe('not-found');
    expect(kindForStatus(412)).toBe('invalid');
    expect(kindForStatus(429)).toBe('rate-limited');
    expect(kindForStatus(500)).toBe('server');
    expect(kindForStatus(502)).toBe('upstream-down');
    expect(kindForStatus(504)).toBe('upstream-down');
  });
  it('surfaces the OperationOutcome text of a refusal', () => {
    const e = errorFromResponse(403, outcome('Consent denies digital-twin for this patient'));
    expect(e.kind).toBe('forbidden');
    expect(e.message).toBe('Consent denies digital-twin for this patient');
    expect(e.outcome?.resourceType).toBe('OperationOutcome');
  });
  it('joins distinct issues and falls back to diagnostics, then code', () => {
    expect(
      outcomeText({
        resourceType: 'OperationOutcome',
        issue: [
          { severity: 'error', code: 'invalid', diagnostics: 'Unknown search parameter "foo"' },
          { severity: 'error', code: 'invalid', details: { text: 'Bad date' } },
          { severity: 'error', code: 'invalid', details: { text: 'Bad date' } },
          { severity: 'error', code: 'processing' },
        ],
      }),
    ).toBe('Unknown search parameter "foo"; Bad date; processing');
  });
  it('keeps product wording for upstream outages and a default for bodies without an outcome', () => {
    expect(errorFromResponse(502, outcome('ECONNREFUSED 10.0.0.1:8080')).message).toMatch(/not answering/);
    expect(errorFromResponse(500, '<html>oops</html>').message).toBe('The server failed to answer this request.');
    expect(errorFromResponse(401, null).message).toMatch(/Sign in again/);
  });
  it('parses Retry-After as seconds or an HTTP date', () => {
    expect(parseRetryAfterSec('30')).toBe(30);
    expect(parseRetryAfterSec('1.2')).toBe(2);
    expect(parseRetryAfterSec('Sat, 21 Nov 2026 06:01:00 GMT', Date.parse('2026-11-21T06:00:00Z'))).toBe(60);
    expect(parseRetryAfterSec(null)).toBeUndefined();
    expect(parseRetryAfterSec('soon')).toBeUndefined();
    expect(errorFromResponse(429, null, '12').retryAfterSec).toBe(12);
  });
});

/** A fetch that answers from a table of canned Responses, recording each request. */
function fetchFrom(answer: (url: string, init: RequestInit) => Response | Error) {
  const calls: { url: string; init: RequestInit }[] = [];
  const f = (input: RequestInfo | URL, init: RequestInit = {}) => {
    const url = String(input);
    calls.push({ url, init });
    const a = answer(url, init);
    return a instanceof Error ? Promise.reject(a) : Promise.resolve(a);
  };
  return { fetch: f as typeof fetch, calls };
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/fhir+json', ...headers } });

describe('createHttp', () => {
  it('reports connectivity: network failure and 502 unreachable, 4xx reachable', async () => {
    const signals: ConnectivitySignal[] = [];
    const responses: (Response | Error)[] = [new TypeError('Failed to fetch'), json(502, outcome('x')), json(404, outcome('gone')), json(200, {})];
    const { fetch } = fetchFrom(() => responses.shift() ?? new Error('no more'));
    const http = createHttp({ fetch, onConnectivity: (s) => signals.push(s) });
    await expect(http('/a')).rejects.toMatchObject({ kind: 'network', status: 0 });
    await expect(http('/a')).rejects.toMatchObject({ kind: 'upstream-down', status: 502, isConnectivity: true });
    await expect(http('/a')).rejects.toMatchObject({ kind: 'not-found', message: 'gone' });
    await http('/a');
    expect(signals).toEqual(['unreachable', 'unreachable', 'reachable', 'reachable']);
  });
  it('sends same-origin credentials and a FHIR Accept header', async () => {
    const { fetch, calls } = fetchFrom(() => json(200, { ok: true }));
    await createHttp({ fetch })('/x');
    expect(calls[0]?.init.credentials).toBe('same-origin');
    expect(new Headers(calls[0]?.init.headers).get('Accept')).toContain('application/fhir+json');
  });
});

describe('FHIR client', () => {
  it('searches with repeated parameters and returns only matches', async () => {
    const { fetch, calls } = fetchFrom(() =>
      json(200, {
        resourceType: 'Bundle',
        type: 'searchset',
        total: 2,
        link: [{ relation: 'next', url: 'http://h/fhir/AuditEvent?_offset=50' }],
        entry: [
          { resource: { resourceType: 'AuditEvent', id: 'a1' }, search: { mode: 'match' } },
          { resource: { resourceType: 'Patient', id: 'p1' }, search: { mode: 'include' } },
        ],
      }),
    );
    const client = createFhirClient(createHttp({ fetch }));
    const r = await client.search('AuditEvent', { date: ['ge2026-01-01', 'lt2026-02-01'], action: 'R', user: undefined, empty: '' });
    expect(calls[0]?.url).toBe('/fhir/AuditEvent?date=ge2026-01-01&date=lt2026-02-01&action=R');
    expect(r.resources.map((x) => x.id)).toEqual(['a1']);
    expect(r.hasNext).toBe(true);
    expect(r.total).toBe(2);
  });
  it('sends If-None-Exist on conditional create', async () => {
    const { fetch, calls } = fetchFrom(() => json(200, { resourceType: 'Observation', id: 'o1', status: 'final', code: {} }));
    const client = createFhirClient(createHttp({ fetch }));
    await client.create({ resourceType: 'Observation', status: 'final', code: {} }, { ifNoneExist: 'identifier=urn:x|1' });
    expect(calls[0]?.init.method).toBe('POST');
    expect(new Headers(calls[0]?.init.headers).get('If-None-Exist')).toBe('identifier=urn:x|1');
  });
  it('refuses ids that would address another resource, before any request', async () => {
    const { fetch, calls } = fetchFrom(() => json(200, {}));
    const client = createFhirClient(createHttp({ fetch }));
    await expect(client.read('Patient', '../AuditEvent')).rejects.toThrow(/Invalid FHIR id/);
    expect(calls).toHaveLength(0);
  });
  it('turns an OperationOutcome 400 into an ApiError with its text', async () => {
    const { fetch } = fetchFrom(() => json(400, outcome('Unknown search parameter: colour')));
    const client = createFhirClient(createHttp({ fetch }));
    const err = await client.search('Patient', { colour: 'red' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).message).toBe('Unknown search parameter: colour');
    expect((err as ApiError).isConnectivity).toBe(false);
  });
});

describe('a PACS that is down is named as the PACS (issue 17)', () => {
  it('a 502 from /dicomweb says "PACS", not "clinical record system", and does not flip the record banner', async () => {
    const signals: ConnectivitySignal[] = [];
    const fetch = (async () => new Response('', { status: 502 })) as typeof globalThis.fetch;
    const http = createHttp({ fetch, onConnectivity: (s) => signals.push(s) });
    const err = await http('/dicomweb/studies?PatientID=x').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).message).toMatch(/^The PACS \(image archive\) is not answering/);
    expect((err as ApiError).isConnectivity).toBe(true);
    expect(signals).toEqual([]);
    const fhirErr = await http('/fhir/Patient').catch((e: unknown) => e);
    expect((fhirErr as ApiError).message).toMatch(/clinical record system/);
    expect(signals).toEqual(['unreachable']);
  });
});
