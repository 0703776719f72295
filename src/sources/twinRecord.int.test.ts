// The twin's record load against the real server (embedded store, demo record): complete when
// the pages suffice; a search cut at its page limit named as a limitation of the twin, never
// passed off as the whole record; a failed medication search an error naming MedicationRequest,
// never an empty therapy list (calibration would then fit as if the patient took nothing).
import type { Resource } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PATIENT_AS, DEMO_PATIENT_HFREF } from '../../server/demo/ids';
import { startTestServer, type TestServer } from '../../server/testing/harness';
import { createFhirClient, searchAllPages, type FhirClient } from './fhir';
import { createHttp } from './http';
import { loadTwinRecord, TwinRecordError } from './twinRecord';

let server: TestServer;
let token: string;

/** The browser's own client, pointed at the test server with a bearer token; `fail` cuts requests whose URL matches. */
function clientFor(fail?: RegExp): FhirClient {
  const http = createHttp({
    fetch: (input, init) => {
      const url = String(input);
      if (fail?.test(url)) return Promise.reject(new TypeError('fetch failed: connection reset'));
      const headers = new Headers(init?.headers);
      headers.set('authorization', `Bearer ${token}`);
      return fetch(server.url + url, { ...init, headers });
    },
  });
  return createFhirClient(http);
}

const count = (rs: Resource[], type: string) => rs.filter((r) => r.resourceType === type).length;

beforeAll(async () => {
  server = await startTestServer();
  token = await server.login('clinician');
}, 120_000);

afterAll(async () => {
  await server?.close();
});

describe('searchAllPages', () => {
  it('reads every page, and says when it stopped at the page limit', async () => {
    const client = clientFor();
    const params = { patient: `Patient/${DEMO_PATIENT_AS}` };
    // Years of vitals: more than one page of 1,000.
    const whole = await searchAllPages(client, 'Observation', params, { pageSize: 1000, maxPages: 50 });
    expect(whole.truncated).toBe(false);
    expect(whole.resources.length).toBeGreaterThan(1000);
    expect(new Set(whole.resources.map((r) => r.id)).size).toBe(whole.resources.length);
    const cut = await searchAllPages(client, 'Observation', params, { pageSize: 3, maxPages: 2 });
    expect(cut.truncated).toBe(true);
    expect(cut.resources).toHaveLength(6);
    // Exactly enough pages is complete, not cut.
    const conditions = await searchAllPages(client, 'Condition', params);
    expect(conditions.resources.length).toBeGreaterThan(0);
    const exact = await searchAllPages(client, 'Condition', params, { pageSize: conditions.resources.length, maxPages: 1 });
    expect(exact).toMatchObject({ truncated: false });
    expect(exact.resources).toHaveLength(conditions.resources.length);
  });
});

describe('loadTwinRecord', () => {
  it('loads the whole demo record, medications included, with no incompleteness note', async () => {
    const record = await loadTwinRecord(DEMO_PATIENT_HFREF, { client: clientFor() });
    expect(count(record.resources, 'Patient')).toBe(1);
    expect(count(record.resources, 'Observation')).toBeGreaterThan(10);
    expect(count(record.resources, 'MedicationStatement')).toBeGreaterThan(0); // metoprolol, furosemide
    expect(record.capability.notes.filter((n) => n.code === 'record-incomplete')).toEqual([]);
  });

  it('names a record cut at the page limit as a limitation of the twin', async () => {
    const record = await loadTwinRecord(DEMO_PATIENT_AS, { client: clientFor(), pages: { pageSize: 5, maxPages: 1 } });
    const notes = record.capability.notes.filter((n) => n.code === 'record-incomplete');
    expect(notes.map((n) => n.source)).toContain('Observation');
    const obs = notes.find((n) => n.source === 'Observation')!;
    expect(obs.effect).toBe('limitation');
    expect(obs.message).toMatch(/more Observation resources than the 5 read \(1 pages of 5\)/);
  });

  it('fails, naming MedicationRequest, when the medication search fails — no silent empty therapy', async () => {
    const load = loadTwinRecord(DEMO_PATIENT_AS, { client: clientFor(/\/fhir\/MedicationRequest\?/) });
    await expect(load).rejects.toBeInstanceOf(TwinRecordError);
    await expect(load).rejects.toThrow(/MedicationRequest resources could not be read/);
  });

  it('fails, naming Device, when the device search fails for another reason than the type not being served', async () => {
    await expect(loadTwinRecord(DEMO_PATIENT_AS, { client: clientFor(/\/fhir\/Device\?/) })).rejects.toThrow(/Device resources could not be read/);
  });
});
