// The embedded store against medplum's own MemoryRepository: same matches, same totals, same
// order — the indexes and sort are only speed-ups. Plus transactions, rollback and reload.
import { parseSearchRequest } from '@medplum/core';
import { MemoryRepository } from '@medplum/fhir-router';
import type { Bundle, Observation, Patient, Resource, ResourceType } from '@medplum/fhirtypes';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDemoResources } from '../demo/patients';
import { openDatabase, type Db } from '../storage/database';
import { FhirStore, type ResourceWrite } from './store';

const NOW = Date.parse('2026-11-21T06:00:00Z');
// A slice of the demo record keeps medplum's reference repository fast enough to compare against.
const resources = buildDemoResources(NOW).filter((r) => !/-mon-(0[2-9]\d|[1-5]\d\d)-/.test(r.id ?? ''));
let dir: string;
let db: Db;
let store: FhirStore;
const reference = new MemoryRepository();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fhir-store-'));
  db = openDatabase(dir);
  store = await FhirStore.open(db);
  await store.putAll(resources);
  for (const r of resources) await reference.createResource(r);
});

afterAll(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

async function ids(repoSearch: Promise<Bundle>): Promise<string[]> {
  return ((await repoSearch).entry ?? []).map((e) => e.resource?.id as string);
}

describe('embedded FHIR store search', () => {
  const queries: [ResourceType, Record<string, string>][] = [
    ['Observation', { patient: 'Patient/demo-as-72f' }],
    ['Observation', { subject: 'Patient/demo-as-72f', code: 'http://loinc.org|8867-4' }],
    ['Observation', { patient: 'Patient/demo-as-72f', code: 'HTTP://LOINC.ORG|8867-4' }],
    ['Observation', { patient: 'Patient/demo-as-72f', code: '8867-4' }],
    ['Observation', { patient: 'Patient/demo-as-72f', code: 'http://loinc.org|8867-4,http://loinc.org|85354-9' }],
    ['Observation', { code: 'http://loinc.org|10230-1' }],
    ['Observation', { patient: 'Patient/demo-hfref-64m', date: 'ge2026-06-01' }],
    ['Observation', { patient: 'Patient/nobody' }],
    ['Condition', { patient: 'Patient/demo-as-72f' }],
    ['Condition', { code: 'http://snomed.info/sct|59621000' }],
    ['Patient', { name: 'hale' }],
    ['Patient', { gender: 'male' }],
    ['Consent', { patient: 'Patient/demo-noconsent-67m', status: 'active' }],
    ['MedicationStatement', { subject: 'Patient/demo-hfref-64m' }],
  ];

  it.each(queries)('%s %j matches exactly what medplum MemoryRepository matches', async (type, query) => {
    const ours = await ids(store.repo.search(parseSearchRequest(type, query)));
    const theirs = await ids(reference.search(parseSearchRequest(type, query)));
    expect(ours.sort()).toEqual(theirs.sort());
    expect((await store.repo.search(parseSearchRequest(type, query))).total).toBe(theirs.length);
  });

  it('sorts like medplum (newest first) and pages with _count/_offset', async () => {
    const q = { patient: 'Patient/demo-as-72f', code: 'http://loinc.org|8867-4', _sort: '-date' };
    const all = ((await store.repo.search(parseSearchRequest('Observation', q))).entry ?? []).map((e) => (e.resource as Observation).effectiveDateTime as string);
    const ref = ((await reference.search(parseSearchRequest('Observation', q))).entry ?? []).map((e) => (e.resource as Observation).effectiveDateTime as string);
    expect(all).toEqual(ref);
    expect([...all].sort().reverse()).toEqual(all);
    const page = await store.repo.search(parseSearchRequest('Observation', { ...q, _count: '3', _offset: '2' }));
    expect(page.entry?.map((e) => (e.resource as Observation).effectiveDateTime)).toEqual(all.slice(2, 5));
    expect(page.total).toBe(all.length);
  });

  it('answers a plain read (jsonRead) with the stored text: the same JSON the router returns and medplum holds; anything else goes the router way', async () => {
    for (const r of resources.slice(0, 40)) {
      const url = `${r.resourceType}/${r.id}`;
      const fast = await store.handle({ method: 'GET', url, jsonRead: true });
      const routed = await store.handle({ method: 'GET', url });
      expect(fast.status).toBe(200);
      expect(fast.resourceJson).toBeDefined();
      expect(JSON.parse(fast.resourceJson!)).toEqual(routed.resource);
      expect(fast.resource).toEqual(routed.resource);
      // The row's meta, which the HTTP route answers with unparsed, is the text's own.
      expect(fast.stored).toEqual({ resourceType: r.resourceType, id: r.id, versionId: routed.resource?.meta?.versionId, lastUpdated: routed.resource?.meta?.lastUpdated });
      const theirs = await reference.readResource(r.resourceType, r.id!);
      const strip = (x: Resource): unknown => ({ ...x, meta: undefined });
      expect(strip(JSON.parse(fast.resourceJson!) as Resource)).toEqual(strip(theirs));
    }
    const missing = await store.handle({ method: 'GET', url: 'Patient/nobody-here', jsonRead: true });
    expect(missing.status).toBe(404);
    expect(missing.resourceJson).toBeUndefined();
    const shaped = await store.handle({ method: 'GET', url: 'Patient/demo-as-72f?_elements=gender', jsonRead: true });
    expect(shaped.resourceJson).toBeUndefined();
  });

  it('returns copies: editing a search result does not change the store', async () => {
    const [first] = await store.search('Patient', { _id: 'demo-as-72f' });
    (first as { gender?: string }).gender = 'other';
    expect((await store.read<Patient>('Patient', 'demo-as-72f'))?.gender).toBe('female');
  });
});

describe('embedded FHIR store writes', () => {
  it('numbers versions 1, 2, … with strictly increasing lastUpdated, and announces commits', async () => {
    const heard: ResourceWrite[] = [];
    const off = store.onWrite((w) => heard.push(w));
    const a = await store.handle({ method: 'POST', url: 'Observation', body: { resourceType: 'Observation', status: 'final', code: { text: 'x' }, subject: { reference: 'Patient/p-w' } } });
    const created = a.resource as Observation;
    const b = await store.handle({ method: 'PUT', url: `Observation/${created.id}`, body: { ...created, status: 'amended' } });
    off();
    const updated = b.resource as Observation;
    expect([a.status, b.status]).toEqual([201, 200]);
    expect([created.meta?.versionId, updated.meta?.versionId]).toEqual(['1', '2']);
    expect(Date.parse(updated.meta!.lastUpdated!)).toBeGreaterThan(Date.parse(created.meta!.lastUpdated!));
    expect(heard).toEqual([
      { resourceType: 'Observation', id: created.id, versionId: '1', lastUpdated: created.meta?.lastUpdated, action: 'create', patientId: 'p-w' },
      { resourceType: 'Observation', id: created.id, versionId: '2', lastUpdated: updated.meta?.lastUpdated, action: 'update', patientId: 'p-w' },
    ]);
  });

  it('rolls a failed transaction back completely, in memory and on disk, and announces nothing', async () => {
    const rowsBefore = (db.prepare('SELECT COUNT(*) AS n FROM fhir_versions').get() as { n: number }).n;
    const countBefore = await store.count('Observation');
    const heard: ResourceWrite[] = [];
    const off = store.onWrite((w) => heard.push(w));
    const res = await store.handle({
      method: 'POST',
      url: '',
      body: {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [
          { request: { method: 'POST', url: 'Observation' }, resource: { resourceType: 'Observation', status: 'final', code: { text: 'a' } } },
          { request: { method: 'PUT', url: 'Observation/demo-as-72f-height', ifMatch: 'W/"42"' }, resource: { resourceType: 'Observation', id: 'demo-as-72f-height', status: 'final', code: { text: 'b' } } },
        ],
      },
    });
    off();
    expect(res.status).toBe(412);
    expect(heard).toEqual([]);
    expect(await store.count('Observation')).toBe(countBefore);
    expect((db.prepare('SELECT COUNT(*) AS n FROM fhir_versions').get() as { n: number }).n).toBe(rowsBefore);
  });

  it('a write reads its own uncommitted rows through the repository it is handed; every other read sees committed data only; a write outside runWrite is refused', async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let ownRead: unknown;
    const writing = store.runWrite(async (repo) => {
      await repo.updateResource({ resourceType: 'Patient', id: 'isolation-p', gender: 'female' } as Patient);
      ownRead = (await repo.readResource<Patient>('Patient', 'isolation-p')).gender;
      await held;
    });
    await new Promise((r) => setImmediate(r));
    expect(ownRead).toBe('female');
    // Another request's read while the write is open (across its awaits): not there yet.
    expect(await store.handle({ method: 'GET', url: 'Patient/isolation-p' })).toMatchObject({ status: 404 });
    expect(await store.handle({ method: 'GET', url: 'Patient/isolation-p', jsonRead: true })).toMatchObject({ status: 404 });
    release();
    await writing;
    expect((await store.handle({ method: 'GET', url: 'Patient/isolation-p', jsonRead: true })).stored?.versionId).toBe('1');
    await expect(store.repo.updateResource({ resourceType: 'Patient', id: 'isolation-q' } as Patient)).rejects.toThrow(/inside FhirStore.runWrite/);
  });

  it('undoes an update of an existing resource in a failed transaction (current version and indexes)', async () => {
    const before = await store.read<Observation>('Observation', 'demo-hfref-64m-echo-latest-lvef');
    const res = await store.handle({
      method: 'POST',
      url: '',
      body: {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [
          { request: { method: 'PUT', url: 'Observation/demo-hfref-64m-echo-latest-lvef' }, resource: { ...before, code: { coding: [{ system: 'http://loinc.org', code: '0000-0' }] }, subject: { reference: 'Patient/someone-else' } } },
          { request: { method: 'PUT', url: 'Observation/demo-as-72f-height', ifMatch: 'W/"42"' }, resource: { resourceType: 'Observation', id: 'demo-as-72f-height', status: 'final', code: { text: 'b' } } },
        ],
      },
    });
    expect(res.status).toBe(412);
    expect(await store.read('Observation', 'demo-hfref-64m-echo-latest-lvef')).toEqual(before);
    expect((await store.search('Observation', { code: 'http://loinc.org|0000-0' })).length).toBe(0);
    expect((await store.search('Observation', { patient: 'Patient/someone-else' })).length).toBe(0);
    expect((await store.search('Observation', { patient: 'Patient/demo-hfref-64m', code: 'http://loinc.org|10230-1' })).map((o) => o.id)).toEqual(['demo-hfref-64m-echo-latest-lvef']);
    const history = await store.repo.readHistory('Observation', 'demo-hfref-64m-echo-latest-lvef');
    expect(history.entry).toHaveLength(1);
  });

  it('writes relaxed-durability copies (AuditEvents) and goes back to synchronous=FULL', async () => {
    await store.putAll([{ resourceType: 'AuditEvent', id: 'relaxed-1', type: { code: 'rest' }, recorded: '2026-01-01T00:00:00Z', agent: [{ requestor: true }], source: { observer: { display: 'x' } } } as Resource], 'relaxed');
    expect(await store.read('AuditEvent', 'relaxed-1')).toBeDefined();
    expect(db.pragma('synchronous', { simple: true })).toBe(2); // FULL
    const after = await store.handle({ method: 'POST', url: 'Observation', body: { resourceType: 'Observation', status: 'final', code: { text: 'after' } } });
    expect(after.status).toBe(201);
    expect(db.inTransaction).toBe(false);
  });

  it('rebuilds the same index from SQLite: ids, versionIds and lastUpdated exactly', async () => {
    const before = await store.search<Resource>('Observation', { patient: 'Patient/demo-as-72f', _sort: '-date' });
    const db2 = openDatabase(dir);
    try {
      const reopened = await FhirStore.open(db2);
      const after = await reopened.search<Resource>('Observation', { patient: 'Patient/demo-as-72f', _sort: '-date' });
      expect(after).toEqual(before);
      const history = await reopened.repo.readHistory('Patient', 'demo-as-72f');
      expect(history.entry).toHaveLength(1);
    } finally {
      db2.close();
    }
  });

  it('refuses invalid ids and deletes with an OperationOutcome, not an exception', async () => {
    const bad = await store.handle({ method: 'PUT', url: 'Observation/bad id', body: { resourceType: 'Observation', id: 'bad id', status: 'final', code: {} } });
    expect(bad.status).toBe(400);
    const del = await store.handle({ method: 'DELETE', url: 'Observation/demo-as-72f-height' });
    expect(del.status).toBe(400);
    expect(await store.read('Observation', 'demo-as-72f-height')).toBeDefined();
  });
});

describe('embedded FHIR store paging and refusals', () => {
  const obs = (id: string, day: number): Observation => ({
    resourceType: 'Observation',
    id,
    status: 'final',
    code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }] },
    subject: { reference: 'Patient/paging-p' },
    effectiveDateTime: `2026-03-${String(day).padStart(2, '0')}T08:00:00Z`,
  });

  it('pages by _cursor without repeating or skipping a resource while others are written between pages', async () => {
    await store.putAll(Array.from({ length: 12 }, (_, i) => obs(`paging-${i}`, 1 + i)));
    const seen: string[] = [];
    let url: string | undefined = 'Observation?patient=Patient/paging-p&_sort=-date&_count=5';
    let pages = 0;
    while (url) {
      const res = await store.handle({ method: 'GET', url });
      expect(res.status).toBe(200);
      const bundle = res.resource as Bundle;
      seen.push(...(bundle.entry ?? []).map((e) => e.resource?.id as string));
      // A newer result (it sorts first) and a change of an unseen one land between the pages.
      await store.putAll([obs(`paging-new-${pages}`, 28)]);
      url = bundle.link?.find((l) => l.relation === 'next')?.url;
      pages++;
    }
    expect(seen).toEqual(Array.from({ length: 12 }, (_, i) => `paging-${11 - i}`));
    expect(pages).toBe(3);
  });

  it('refuses a cursor of another search, unsupported modifiers and composite parameters with a 400 naming them', async () => {
    await store.putAll([obs('cursor-a', 1), obs('cursor-b', 2), obs('cursor-c', 3)].map((o) => ({ ...o, subject: { reference: 'Patient/cursor-p' } })));
    const first = await store.handle({ method: 'GET', url: 'Observation?patient=Patient/cursor-p&_sort=-date&_count=2' });
    const next = (first.resource as Bundle).link?.find((l) => l.relation === 'next')?.url as string;
    const cursor = new URL(`http://x/${next}`).searchParams.get('_cursor') as string;
    const wrong = await store.handle({ method: 'GET', url: `Observation?patient=Patient/cursor-p&_sort=date&_count=2&_cursor=${cursor}` });
    expect(wrong.status).toBe(400);
    expect(JSON.stringify(wrong.outcome)).toMatch(/different search/);
    const text = await store.handle({ method: 'GET', url: 'Observation?code:text=heart' });
    expect([text.status, JSON.stringify(text.outcome)]).toEqual([400, expect.stringMatching(/modifier :text on code is not supported/)]);
    const composite = await store.handle({ method: 'GET', url: 'Observation?code-value-quantity=http://loinc.org|8867-4$gt60' });
    expect([composite.status, JSON.stringify(composite.outcome)]).toEqual([400, expect.stringMatching(/code-value-quantity.*not supported/)]);
    const sort = await store.handle({ method: 'GET', url: 'Observation?_sort=nonsense' });
    expect([sort.status, JSON.stringify(sort.outcome)]).toEqual([400, expect.stringMatching(/cannot sort Observation by .*nonsense/)]);
  });

  it('reads a type modifier on a reference (subject:Patient=id) as Patient/id, and a bare id as any type', async () => {
    await store.putAll([obs('typed-a', 1), obs('typed-b', 2)].map((o) => ({ ...o, subject: { reference: 'Patient/typed-p' } })));
    const typed = await store.search('Observation', { 'subject:Patient': 'typed-p', _count: '100' });
    expect(typed.map((o) => o.id).sort()).toEqual(['typed-a', 'typed-b']);
    const bare = await store.search('Observation', { subject: 'typed-p', _count: '100' });
    expect(bare.map((o) => o.id).sort()).toEqual(['typed-a', 'typed-b']);
    expect(await store.search('Observation', { 'subject:Group': 'typed-p' })).toEqual([]);
  });
});

describe('embedded FHIR store migration from the previous version (fhir_versions only)', () => {
  it('builds the index once at the first open, loses nothing, and opens without rebuilding after', async () => {
    const oldDir = mkdtempSync(join(tmpdir(), 'fhir-store-old-'));
    try {
      // The previous store wrote only fhir_versions (and kept its index in memory).
      const old = openDatabase(oldDir);
      const insert = old.prepare('INSERT INTO fhir_versions (resource_type, id, version_id, last_updated, json) VALUES (?, ?, ?, ?, ?)');
      const versions: Resource[] = [
        { resourceType: 'Patient', id: 'mig-p', meta: { versionId: '1', lastUpdated: '2025-01-01T00:00:00.000Z' }, name: [{ family: 'Hale' }], gender: 'female' },
        { resourceType: 'Observation', id: 'mig-o', meta: { versionId: '1', lastUpdated: '2025-01-01T00:00:00.001Z' }, status: 'preliminary', code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }] }, subject: { reference: 'Patient/mig-p' }, effectiveDateTime: '2025-01-01T00:00:00Z' } as Observation,
        { resourceType: 'Observation', id: 'mig-o', meta: { versionId: '2', lastUpdated: '2025-01-02T00:00:00.000Z' }, status: 'final', code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }] }, subject: { reference: 'Patient/mig-p' }, effectiveDateTime: '2025-01-01T00:00:00Z' } as Observation,
      ];
      for (const v of versions) insert.run(v.resourceType, v.id as string, v.meta?.versionId as string, v.meta?.lastUpdated as string, JSON.stringify(v));
      old.close();

      const db1 = openDatabase(oldDir);
      const first = await FhirStore.open(db1);
      expect(first.indexedAtOpen).toBe(2);
      expect((await first.search<Observation>('Observation', { patient: 'Patient/mig-p', status: 'final' })).map((o) => o.meta?.versionId)).toEqual(['2']);
      expect(await first.search('Observation', { status: 'preliminary' })).toEqual([]);
      expect((await first.repo.readHistory('Observation', 'mig-o')).entry?.map((e) => e.resource?.meta?.versionId)).toEqual(['2', '1']);
      // The next write continues the version numbers and the lastUpdated clock.
      const next = await first.handle({ method: 'PUT', url: 'Observation/mig-o', body: { ...versions[2], status: 'amended' } });
      expect((next.resource as Observation).meta?.versionId).toBe('3');
      expect(Date.parse((next.resource as Observation).meta?.lastUpdated as string)).toBeGreaterThan(Date.parse('2025-01-02T00:00:00.000Z'));
      first.close();
      db1.close();

      const db2 = openDatabase(oldDir);
      const second = await FhirStore.open(db2);
      expect(second.indexedAtOpen).toBe(0);
      expect((await second.search('Patient', { name: 'hal' })).map((p) => p.id)).toEqual(['mig-p']);
      expect((db2.prepare('SELECT COUNT(*) FROM fhir_versions').pluck().get() as number)).toBe(4);
      second.close();
      db2.close();
    } finally {
      rmSync(oldDir, { recursive: true, force: true });
    }
  });
});
