// The HTTP search answer written around the stored JSON text (searchPageJson) is the same Bundle
// as the one shaped from the parsed search (shapeSearchBundle), links and totals included.
import type { Bundle, Observation } from '@medplum/fhirtypes';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../storage/database';
import { searchPageJson, shapeSearchBundle } from './routes';
import { FhirStore } from './store';

let dir: string;
let db: Db;
let store: FhirStore;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fhir-routes-'));
  db = openDatabase(dir);
  store = await FhirStore.open(db);
  const obs = (i: number): Observation => ({
    resourceType: 'Observation',
    id: `json-${i}`,
    status: 'final',
    code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }], text: 'Heart rate "quoted" \u00e9' },
    subject: { reference: 'Patient/json-p' },
    effectiveDateTime: `2026-02-${String(1 + i).padStart(2, '0')}T08:00:00Z`,
    valueQuantity: { value: 60 + i, unit: '/min' },
  });
  await store.putAll(Array.from({ length: 7 }, (_, i) => obs(i)));
});

afterAll(() => {
  store.close();
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('searchPageJson', () => {
  const base = 'https://twin.example/fhir';
  for (const [name, query] of [
    ['first page with a cursor link', { patient: 'Patient/json-p', code: 'http://loinc.org|8867-4', _sort: '-date', _count: '3' }],
    ['offset paging with previous and next', { patient: 'Patient/json-p', _sort: 'date', _count: '2', _offset: '2' }],
    ['no match', { patient: 'Patient/nobody', _count: '5' }],
  ] as const) {
    it(`answers the same Bundle as the parsed path: ${name}`, async () => {
      const url = `Observation?${new URLSearchParams(query).toString()}`;
      const parsed = await store.handle({ method: 'GET', url });
      const raw = await store.handle({ method: 'GET', url, jsonSearch: true });
      expect(raw.status).toBe(200);
      expect(raw.searchPage).toBeDefined();
      const fromJson = JSON.parse(searchPageJson(raw.searchPage!, base, 'Observation', { ...query })) as Bundle;
      expect(fromJson).toEqual(shapeSearchBundle(parsed.resource as Bundle, base, 'Observation', { ...query }));
    });
  }

  it('answers a bad search with the same OperationOutcome as the parsed path', async () => {
    const url = 'Observation?date=notadate';
    const parsed = await store.handle({ method: 'GET', url });
    const raw = await store.handle({ method: 'GET', url, jsonSearch: true });
    expect([raw.status, raw.searchPage]).toEqual([parsed.status, undefined]);
    expect(raw.status).toBe(400);
  });
});
