// The indexed store against medplum's reference implementation (MemoryRepository, which
// evaluates FHIRPath over every resource) on RANDOMISED records and searches: same matches,
// same total, same order. Where the store implements FHIR search that medplum's in-memory matcher
// does not, the oracle is the reference's answer to the equivalent query, filtered by a direct
// JavaScript reading of the FHIR rule (noted at each place):
//  - a reference by bare id ("subject=p1") = the OR of its typed forms (FHIR R4 search 3.1.1.4.9);
//  - string :exact = medplum's substring match, then keep whole-value, case-sensitive equals;
//  - quantity = FHIR prefix rules on valueQuantity (the matcher has none: it matches nothing);
//  - multi-key _sort: MemoryRepository applies the rules one after another so its LAST key
//    dominates; the oracle gets the keys reversed, which makes the first dominate (FHIR).
// Not compared: sorting by an object-valued parameter (a reference, a CodeableConcept): medplum
// orders by the localeCompare of the values' JSON text, so its order follows the JSON's shape
// ("[]" sorts before "[{…" but after "[\"…"; a concept with a text sorts after the same concept
// without). The store sorts by the smallest (ascending) or largest (descending) indexed value,
// missing values last ascending and first descending, for every type.
import { parseSearchRequest } from '@medplum/core';
import { MemoryRepository } from '@medplum/fhir-router';
import type { Bundle, Observation, Patient, Resource, ResourceType } from '@medplum/fhirtypes';
import fc from 'fast-check';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../storage/database';
import { FhirStore } from '../store';

const LOINC = 'http://loinc.org';
const CODES = ['8867-4', '8480-6', '29463-7', '59408-5'];
const PATIENTS = ['p1', 'p2', 'p3'];
// One format (UTC, seconds) so that medplum's sort (localeCompare of the JSON) is chronological.
const INSTANTS = ['2024-01-31T23:59:59Z', '2024-02-01T00:00:00Z', '2024-02-01T12:30:00Z', '2024-06-15T08:00:00Z', '2025-01-01T00:00:00Z', '2025-03-10T17:45:10Z'];
const DATE_QUERIES = ['2024', '2024-02', '2024-02-01', '2024-02-01T12:30:00Z', '2025-01-01T00:00:00Z', '2025'];
const PREFIXES = ['', 'eq', 'ne', 'gt', 'lt', 'ge', 'le', 'sa', 'eb'];
const FAMILIES = ['Hale', 'Hales', 'Whale', 'Moreau', 'Berg'];

const observation = fc.record({
  status: fc.constantFrom('final', 'amended', 'preliminary'),
  code: fc.constantFrom(...CODES),
  withText: fc.boolean(),
  subject: fc.option(fc.constantFrom(...PATIENTS.map((p) => `Patient/${p}`), 'Group/p1'), { nil: undefined }),
  effective: fc.option(fc.constantFrom(...INSTANTS), { nil: undefined }),
  value: fc.option(fc.constantFrom(4.95, 5, 5.04, 5.4, 5.45, 72, 120), { nil: undefined }),
  unit: fc.constantFrom('mm[Hg]', '/min'),
});

const patient = fc.record({
  family: fc.constantFrom(...FAMILIES),
  gender: fc.option(fc.constantFrom('female', 'male', 'other'), { nil: undefined }),
  birthDate: fc.option(fc.constantFrom('1950-03-01', '1961-12-31', '1975-07-04', '1990-01-01'), { nil: undefined }),
});

type Q = Record<string, string>;

/** 0–2 filters of the given ones (more would match almost nothing), then maybe _sort, _count, _offset. */
function queryOf(filters: Record<string, fc.Arbitrary<string>>, control: Record<string, fc.Arbitrary<string>>): fc.Arbitrary<Q> {
  return fc
    .tuple(fc.record(filters), fc.subarray(Object.keys(filters), { maxLength: 2 }), fc.record(control, { requiredKeys: [] }))
    .map(([values, keys, rest]) => {
      const q: Q = {};
      for (const k of keys) q[k] = values[k] as string;
      return { ...q, ...(rest as Q) };
    });
}

const observationQuery = queryOf(
  {
    patient: fc.constantFrom(...PATIENTS.map((p) => `Patient/${p}`), 'Patient/nobody'),
    subject: fc.constantFrom('p1', 'p2', 'Patient/p3'),
    code: fc.constantFrom(`${LOINC}|8867-4`, '8867-4', `${LOINC}|8867-4,${LOINC}|29463-7`, `HTTP://LOINC.ORG|8480-6`, `${LOINC}|`, '|8867-4', 'Heart rate'),
    status: fc.constantFrom('final', 'final,amended'),
    'status:not': fc.constantFrom('final', 'preliminary'),
    date: fc.tuple(fc.constantFrom(...PREFIXES), fc.constantFrom(...DATE_QUERIES)).map(([p, d]) => p + d),
    'date:missing': fc.constantFrom('true', 'false'),
    'value-quantity': fc
      .tuple(fc.constantFrom('', 'eq', 'ne', 'gt', 'lt', 'ge', 'le'), fc.constantFrom('5', '5.0', '5.4', '72', '100'), fc.constantFrom('', '|http://unitsofmeasure.org|mm[Hg]', '||/min'))
      .map(([p, n, u]) => p + n + u),
  },
  {
    _sort: fc.constantFrom('date', '-date', 'status,-date', '-status,date', '_lastUpdated', '-_id', '-status,_id'),
    _count: fc.constantFrom('0', '1', '3', '10'),
    _offset: fc.constantFrom('1', '4'),
  },
);

const patientQuery = queryOf(
  {
    family: fc.constantFrom('hal', 'Hale', 'whale', 'x'),
    'family:exact': fc.constantFrom('Hale', 'hale', 'Hales'),
    'name:contains': fc.constantFrom('ale', 'MOR'),
    gender: fc.constantFrom('female', 'male,other'),
    birthdate: fc.tuple(fc.constantFrom(...PREFIXES), fc.constantFrom('1961', '1961-12-31', '1975-07', '1990-01-01')).map(([p, d]) => p + d),
    'gender:missing': fc.constantFrom('true', 'false'),
  },
  {
    _sort: fc.constantFrom('family', '-family', 'birthdate', '-birthdate,family', 'gender,-_id'),
    _count: fc.constantFrom('2', '5'),
  },
);

function buildObservation(o: typeof observation extends fc.Arbitrary<infer T> ? T : never, i: number): Observation {
  return {
    resourceType: 'Observation',
    id: `o${i}`,
    status: o.status as Observation['status'],
    code: { coding: [{ system: LOINC, code: o.code, ...(o.code === '8867-4' ? { display: 'Heart rate' } : {}) }], ...(o.withText ? { text: `code ${o.code}` } : {}) },
    ...(o.subject ? { subject: { reference: o.subject } } : {}),
    ...(o.effective ? { effectiveDateTime: o.effective } : {}),
    ...(o.value !== undefined ? { valueQuantity: { value: o.value, unit: o.unit, system: 'http://unitsofmeasure.org', code: o.unit } } : {}),
  };
}

function buildPatient(p: { family: string; gender?: string; birthDate?: string }, i: number): Patient {
  return {
    resourceType: 'Patient',
    id: `pt${i}`,
    name: [{ family: p.family, given: ['Ann'] }],
    ...(p.gender ? { gender: p.gender as Patient['gender'] } : {}),
    ...(p.birthDate ? { birthDate: p.birthDate } : {}),
  };
}

/** FHIR quantity rule (eq within the implicit precision), read directly off valueQuantity. */
function quantityMatches(o: Observation, filter: string): boolean {
  const m = /^(eq|ne|gt|lt|ge|le)?([\d.]+)(?:\|([^|]*)\|(.*))?$/.exec(filter);
  if (!m) throw new Error(`test grammar: ${filter}`);
  const [, prefix = 'eq', text = '', system, code] = m;
  const q = o.valueQuantity;
  const unitOk = (v: NonNullable<Observation['valueQuantity']>): boolean =>
    system === undefined || (system ? v.system === system && (!code || v.code === code) : !code || v.code === code || v.unit === code);
  const n = Number(text);
  const half = 0.5 * 10 ** -((text.split('.')[1] ?? '').length);
  const hit = q?.value !== undefined && unitOk(q) && (() => {
    const v = q.value as number;
    switch (prefix) {
      case 'gt':
        return v > n;
      case 'lt':
        return v < n;
      case 'ge':
        return v >= n;
      case 'le':
        return v <= n;
      default:
        return v >= n - half && v < n + half;
    }
  })();
  return prefix === 'ne' ? !hit : hit;
}

async function referenceIds(reference: MemoryRepository, type: ResourceType, query: Q): Promise<{ ids: string[]; total: number }> {
  const q: Q = { ...query };
  const count = q._count !== undefined ? Number(q._count) : undefined;
  const offset = q._offset !== undefined ? Number(q._offset) : 0;
  delete q._count;
  delete q._offset;
  const post: ((r: Resource) => boolean)[] = [];
  if (q.subject && !q.subject.includes('/')) q.subject = `Patient/${q.subject},Group/${q.subject}`;
  if (q['value-quantity'] !== undefined) {
    const f = q['value-quantity'];
    post.push((r) => quantityMatches(r as Observation, f));
    delete q['value-quantity'];
  }
  if (q['family:exact'] !== undefined) {
    const f = q['family:exact'];
    q['family:contains'] = f;
    delete q['family:exact'];
    post.push((r) => ((r as Patient).name ?? []).some((n) => n.family === f));
  }
  if (q._sort?.includes(',')) q._sort = q._sort.split(',').reverse().join(',');
  const bundle = await reference.search(parseSearchRequest(type, q));
  const all = (bundle.entry ?? []).map((e) => e.resource as Resource).filter((r) => post.every((p) => p(r)));
  const page = all.slice(offset, count === undefined ? undefined : offset + count);
  return { ids: page.map((r) => r.id as string), total: all.length };
}

function idsOf(bundle: Bundle): string[] {
  return (bundle.entry ?? []).map((e) => e.resource?.id as string);
}

async function withStore<T>(resources: Resource[], fn: (store: FhirStore, reference: MemoryRepository) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'fhir-xcheck-'));
  const db = openDatabase(dir);
  const store = await FhirStore.open(db);
  const reference = new MemoryRepository();
  try {
    await store.putAll(resources);
    for (const r of resources) await reference.createResource(r);
    return await fn(store, reference);
  } finally {
    store.close();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('indexed search = medplum MemoryRepository on random records and queries', () => {
  it('Observation: filters, modifiers, prefixes, sorts, _count/_offset, totals', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(observation, { minLength: 0, maxLength: 25 }), fc.array(observationQuery, { minLength: 1, maxLength: 12 }), async (obs, queries) => {
        const resources = obs.map((o, i) => buildObservation(o, i));
        await withStore(resources, async (store, reference) => {
          for (const query of queries) {
            const ours = await store.handle({ method: 'GET', url: `Observation?${new URLSearchParams(query).toString()}` });
            expect(ours.status, JSON.stringify(query)).toBe(200);
            const expected = await referenceIds(reference, 'Observation', query);
            expect({ query, ids: idsOf(ours.resource as Bundle), total: (ours.resource as Bundle).total }).toEqual({ query, ...expected });
          }
        });
      }),
      { numRuns: 20 },
    );
  }, 240_000);

  it('Observation timeline plan (patient + code + _sort=±date, search/timeline.ts): same pages, totals and cursor paging, after updates', async () => {
    const timelineQuery = fc.record(
      {
        ref: fc.constantFrom('patient', 'subject'),
        // Group/p1: subject rows hold it; patient=Group/… must still match nothing.
        target: fc.constantFrom(...PATIENTS.map((p) => `Patient/${p}`), 'Patient/nobody', 'Group/p1'),
        code: fc.constantFrom('8867-4', `${LOINC}|8867-4`, `HTTP://LOINC.ORG|8480-6`, 'urn:local|8867-4'),
        sort: fc.constantFrom('date', '-date'),
        extra: fc.option(fc.constantFrom<[string, string]>(['status', 'final'], ['status:not', 'final'], ['date', 'ge2024-06'], ['date:missing', 'true']), { nil: undefined }),
        count: fc.constantFrom('1', '2', '5'),
      },
      { requiredKeys: ['ref', 'target', 'code', 'sort', 'count'] },
    );
    // Some resources carry a second coding (same code, local system: one match, not two) and
    // some are rewritten (new date, code or subject: the index row must follow the current version).
    const timelineObs = fc.record({ base: observation, localCoding: fc.boolean(), rewrite: fc.option(observation, { nil: undefined }) });
    await fc.assert(
      fc.asyncProperty(fc.array(timelineObs, { minLength: 0, maxLength: 30 }), fc.array(timelineQuery, { minLength: 1, maxLength: 8 }), async (obs, queries) => {
        const build = (o: (typeof obs)[number]['base'], local: boolean, i: number): Observation => {
          const r = buildObservation(o, i);
          if (local) r.code.coding?.push({ system: 'urn:local', code: o.code });
          return r;
        };
        const resources = obs.map((o, i) => build(o.base, o.localCoding, i));
        await withStore(resources, async (store, reference) => {
          const rewrites = obs.flatMap((o, i) => (o.rewrite ? [build(o.rewrite, o.localCoding, i)] : []));
          await store.putAll(rewrites);
          for (const r of rewrites) await reference.updateResource(r);
          for (const t of queries) {
            const query: Q = { [t.ref]: t.target, code: t.code, _sort: t.sort, _count: t.count, ...(t.extra ? { [t.extra[0]]: t.extra[1] } : {}) };
            const expected = await referenceIds(reference, 'Observation', { ...query, _count: '1000' });
            // Every page by the next links (keyset cursor), concatenated = the reference's whole answer.
            const seen: string[] = [];
            let url: string | undefined = `Observation?${new URLSearchParams(query).toString()}`;
            let total: number | undefined;
            for (let pages = 0; url && pages < 40; pages++) {
              const ours = await store.handle({ method: 'GET', url });
              expect(ours.status, JSON.stringify(query)).toBe(200);
              const bundle = ours.resource as Bundle;
              if (pages === 0) total = bundle.total;
              seen.push(...idsOf(bundle));
              url = bundle.link?.find((l) => l.relation === 'next')?.url;
            }
            expect({ query, ids: seen, total }).toEqual({ query, ids: expected.ids, total: expected.total });
          }
        });
      }),
      { numRuns: 25 },
    );
  }, 240_000);

  it('Patient: string contains/exact, token, birthdate prefixes, :missing, sorts', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(patient, { minLength: 0, maxLength: 15 }), fc.array(patientQuery, { minLength: 1, maxLength: 10 }), async (pts, queries) => {
        const resources = pts.map((p, i) => buildPatient(p, i));
        await withStore(resources, async (store, reference) => {
          for (const query of queries) {
            const ours = await store.handle({ method: 'GET', url: `Patient?${new URLSearchParams(query).toString()}` });
            expect(ours.status, JSON.stringify(query)).toBe(200);
            const expected = await referenceIds(reference, 'Patient', query);
            expect({ query, ids: idsOf(ours.resource as Bundle), total: (ours.resource as Bundle).total }).toEqual({ query, ...expected });
          }
        });
      }),
      { numRuns: 30 },
    );
  }, 240_000);
});
