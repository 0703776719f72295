// Import into a real embedded store (SQLite in a temp dir): the Synthea sample bundles, idempotency,
// reference rewriting, per-resource refusals with their cascade, duplicates, NDJSON, cancel, and
// a failed write that leaves the store as it was.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Observation, Patient } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTempFhirStore, type TempFhirStore } from '../../test-support/fhirStore';
import { type Db } from '../storage/database';
import { type FhirStore } from '../fhir/store';
import { ImportCancelledError, importRecords } from './importer';
import { ImportFileError } from './parse';

const SYNTHEA = join(__dirname, '..', '..', 'test-data', 'fhir', 'synthea');
const bundleText = (name: string) => readFileSync(join(SYNTHEA, `${name}.json`), 'utf8');
const NOW = '2026-12-01T00:00:00Z';

let temp: TempFhirStore;
let db: Db;
let store: FhirStore;

beforeAll(async () => {
  temp = await openTempFhirStore('fhir-import-');
  ({ db, store } = temp);
});

afterAll(() => temp?.close());

async function total(): Promise<number> {
  let n = 0;
  for (const t of ['Patient', 'Observation', 'Condition', 'Encounter', 'MedicationRequest', 'Practitioner', 'Organization'] as const) n += await store.count(t);
  return n;
}

describe('importRecords on a Synthea transaction bundle', () => {
  it('imports every resource with references rewritten to server ids, then importing again creates nothing', async () => {
    const text = bundleText('Oda_Gerlach');
    const entries = (JSON.parse(text) as { entry: unknown[] }).entry.length;
    const first = await importRecords(store, text, 'Oda_Gerlach.json', { now: NOW });
    expect(first.status).toBe('imported');
    expect(first.counts.received).toBe(entries);
    expect(first.counts.refused).toBe(0);
    expect(first.counts.created).toBe(entries);
    expect(first.patients).toHaveLength(1);
    const patient = first.patients[0]!;
    expect(patient.name).toMatch(/Oda/);
    // Deceased in 2008 with vitals up to 2008: the twin can say why there is no forecast.
    expect(patient.twin).toMatch(/deceased/);

    const obs = await store.search<Observation>('Observation', { subject: `Patient/${patient.id}`, _count: '1000' });
    expect(obs.length).toBe(first.byType.Observation!.created);
    for (const o of obs) {
      expect(o.subject?.reference).toBe(`Patient/${patient.id}`);
      expect(o.encounter?.reference ?? 'Encounter/x').toMatch(/^Encounter\/imp-[0-9a-f]{32}$|^Encounter\/x$/);
    }
    const before = await total();
    const second = await importRecords(store, text, 'Oda_Gerlach.json', { now: NOW });
    expect(second.counts.created).toBe(0);
    expect(second.counts.updated).toBe(0);
    expect(second.counts.unchanged).toBe(entries);
    expect(await total()).toBe(before);
    expect(second.patients[0]!.id).toBe(patient.id);
  }, 120_000);
});

describe('importRecords: refusals, duplicates and edge cases', () => {
  const patient = (id: string, extra: Record<string, unknown> = {}) => ({
    resourceType: 'Patient',
    id,
    identifier: [{ system: 'urn:test:mrn', value: `MRN-${id}` }],
    name: [{ family: 'Test', given: [id] }],
    gender: 'female',
    birthDate: '1950-01-01',
    ...extra,
  });
  const bp = (subject: string, sbp: number, date = '2026-11-30T22:00:00Z') => ({
    resourceType: 'Observation',
    status: 'final',
    code: { coding: [{ system: 'http://loinc.org', code: '85354-9' }] },
    subject: { reference: subject },
    effectiveDateTime: date,
    component: [
      { code: { coding: [{ system: 'http://loinc.org', code: '8480-6' }] }, valueQuantity: { value: sbp, unit: 'mmHg', system: 'http://unitsofmeasure.org', code: 'mm[Hg]' } },
      { code: { coding: [{ system: 'http://loinc.org', code: '8462-4' }] }, valueQuantity: { value: 80, unit: 'mmHg', system: 'http://unitsofmeasure.org', code: 'mm[Hg]' } },
    ],
  });
  const collection = (entries: { fullUrl?: string; resource: unknown }[]) => ({ resourceType: 'Bundle', type: 'collection', entry: entries });

  it('refuses an invalid resource with the R4 reason, and the resources that refer to it', async () => {
    const report = await importRecords(
      store,
      collection([
        { fullUrl: 'urn:uuid:p-bad', resource: patient('bad', { active: 'yes' }) },
        { fullUrl: 'urn:uuid:o-bad', resource: bp('urn:uuid:p-bad', 130) },
        { fullUrl: 'urn:uuid:p-ok', resource: patient('ok') },
        { fullUrl: 'urn:uuid:o-ok', resource: bp('urn:uuid:p-ok', 130) },
      ]),
      'mixed.json',
      { now: NOW },
    );
    expect(report.counts).toMatchObject({ received: 4, created: 2, refused: 2 });
    const byWhere = Object.fromEntries(report.refused.map((r) => [r.where, r.reason]));
    expect(byWhere['entry[0]']).toMatch(/not valid FHIR R4: Patient\.active/);
    expect(byWhere['entry[1]']).toMatch(/refers to entry\[0\] \(Patient\), which was refused/);
    expect(report.patients.map((p) => p.name)).toEqual(['ok Test']);
    expect(report.patients[0]!.twin).toBe('');
  });

  it('imports a duplicate identifier once and refuses a conflicting one', async () => {
    const report = await importRecords(
      store,
      collection([
        { fullUrl: 'urn:uuid:d1', resource: patient('dup') },
        { fullUrl: 'urn:uuid:d2', resource: patient('dup') },
        { fullUrl: 'urn:uuid:c1', resource: patient('conf') },
        { fullUrl: 'urn:uuid:c2', resource: patient('conf', { birthDate: '1960-01-01' }) },
      ]),
      'dups.json',
    );
    expect(report.counts.created).toBe(1);
    const reasons = report.refused.map((r) => `${r.where}: ${r.reason}`);
    expect(reasons.find((r) => r.startsWith('entry[1]'))).toMatch(/duplicate of entry\[0\].*urn:test:mrn\|MRN-dup.*imported once/);
    expect(reasons.find((r) => r.startsWith('entry[3]'))).toMatch(/conflicts with entry\[2\]/);
    expect(reasons.find((r) => r.startsWith('entry[2]'))).toMatch(/conflicts with entry\[3\]/);
  });

  it('matches a Patient already stored under another id by its identifier (no duplicate patient)', async () => {
    await store.putAll([patient('pre-existing') as never]);
    const report = await importRecords(store, collection([{ fullUrl: 'urn:uuid:x', resource: patient('pre-existing') }, { resource: bp('urn:uuid:x', 120) }]), 'again.json');
    expect(report.patients[0]!.id).toBe('pre-existing');
    expect(report.counts.refused).toBe(0);
    const obs = await store.search('Observation', { subject: 'Patient/pre-existing' });
    expect(obs).toHaveLength(1);
  });

  it('refuses a dangling urn:uuid reference, AuditEvent and Consent', async () => {
    const report = await importRecords(
      store,
      [bp('urn:uuid:nowhere', 120), { resourceType: 'AuditEvent', type: { code: 'x' } }, { resourceType: 'Consent', status: 'active' }],
      'bad.json',
    );
    expect(report.status).toBe('nothing-imported');
    expect(report.refused.map((r) => r.reason)).toEqual([
      expect.stringMatching(/urn:uuid:nowhere points to no entry of this file/),
      expect.stringMatching(/AuditEvent is written by the server only/),
      expect.stringMatching(/consent decisions are recorded by an administrator/),
    ]);
  });

  it('reads NDJSON line by line and names bad lines', async () => {
    const lines = [JSON.stringify(patient('nd')), '{not json', JSON.stringify({ foo: 1 }), JSON.stringify(bp('Patient/nd', 125))].join('\n');
    const report = await importRecords(store, lines, 'export.ndjson');
    expect(report.file).toMatch(/NDJSON/);
    expect(report.refused.map((r) => r.where)).toEqual(['line 2', 'line 3']);
    // The NDJSON Observation refers to the Patient by its id in the file: rewritten to the server id.
    expect(report.counts.created).toBe(2);
  });

  it('rejects an unusable file as a whole', async () => {
    await expect(importRecords(store, '', 'empty.json')).rejects.toThrow(ImportFileError);
    await expect(importRecords(store, '<xml/>', 'x.xml')).rejects.toThrow(/neither JSON nor NDJSON/);
    await expect(importRecords(store, { resourceType: 'Bundle', type: 'history', entry: [] }, 'h.json')).rejects.toThrow(/Bundle type "history" cannot be imported/);
  });

  it('a cancelled import writes nothing', async () => {
    const before = await total();
    const controller = new AbortController();
    const run = importRecords(store, bundleText('Beatrice_Aufderhar'), 'b.json', {
      signal: controller.signal,
      onProgress: (done) => {
        if (done === 60) controller.abort();
      },
      sliceMs: 1,
    });
    await expect(run).rejects.toThrow(ImportCancelledError);
    expect(await total()).toBe(before);
  }, 60_000);

  it('runs nothing else while its rows are uncommitted: the write is one synchronous transaction', async () => {
    const whenRun: boolean[] = [];
    let writing = 0;
    const report = await importRecords(store, bundleText('Parker_Casper'), 'p.json', {
      now: NOW,
      sliceMs: 1,
      onProgress: (_done, _n, phase) => {
        if (phase !== 'writing') return;
        writing += 1;
        expect(db.inTransaction).toBe(true);
        // Anything another request could schedule (I/O callbacks, timers, promise jobs) runs after the commit.
        setImmediate(() => whenRun.push(db.inTransaction));
        queueMicrotask(() => whenRun.push(db.inTransaction));
      },
    });
    expect(report.counts.created).toBeGreaterThan(100);
    expect(writing).toBe(report.counts.created);
    await new Promise((r) => setImmediate(r));
    expect(whenRun).toHaveLength(2 * writing);
    expect(whenRun.every((inTx) => !inTx)).toBe(true);
  }, 60_000);

  it('a write that fails half way alters nothing already stored', async () => {
    const before = await total();
    const stored = await store.read<Patient>('Patient', 'pre-existing');
    const original = store.repo.writePrepared.bind(store.repo);
    let calls = 0;
    store.repo.writePrepared = ((r: never) => {
      calls += 1;
      if (calls === 3) throw new Error('disk full');
      return original(r);
    }) as typeof store.repo.writePrepared;
    try {
      await expect(
        importRecords(store, collection([{ resource: patient('pre-existing', { birthDate: '1951-02-02' }) }, { resource: patient('w1') }, { resource: patient('w2') }]), 'fail.json'),
      ).rejects.toThrow(/disk full/);
    } finally {
      store.repo.writePrepared = original;
    }
    expect(await total()).toBe(before);
    expect((await store.read<Patient>('Patient', 'pre-existing'))?.birthDate).toBe(stored?.birthDate);
  });

  it('a Bundle whose write fails half way on a real SQLite error (disk full) stores nothing and alters nothing', async () => {
    // Oda is stored (again: idempotent); this Bundle updates her Patient (a changed birth date) and
    // adds Beatrice's record, until SQLite runs out of pages part-way through the write.
    await importRecords(store, bundleText('Oda_Gerlach'), 'Oda_Gerlach.json', { now: NOW });
    const before = await total();
    const oda = JSON.parse(bundleText('Oda_Gerlach')) as { entry: { resource: Record<string, unknown> }[] };
    const odaPatient = oda.entry.find((e) => e.resource.resourceType === 'Patient')!.resource;
    const storedOda = (await store.search<Patient>('Patient', { identifier: `${(odaPatient.identifier as { system: string; value: string }[])[0]!.system}|${(odaPatient.identifier as { system: string; value: string }[])[0]!.value}` }))[0]!;
    const beatrice = JSON.parse(bundleText('Beatrice_Aufderhar')) as { entry: unknown[] };
    const bundle = { resourceType: 'Bundle', type: 'transaction', entry: [{ ...oda.entry.find((e) => e.resource.resourceType === 'Patient')!, resource: { ...odaPatient, birthDate: '1937-01-01' } }, ...beatrice.entry] };
    const pages = (db.pragma('page_count', { simple: true }) as number) + 0;
    db.pragma(`max_page_count = ${pages + 8}`);
    let written = 0;
    let toWrite = 0;
    const onProgress = (done: number, n: number, phase: string) => {
      if (phase === 'writing') [written, toWrite] = [done, n];
    };
    try {
      await expect(importRecords(store, bundle, 'half.json', { now: NOW, onProgress })).rejects.toThrow(/full/i);
    } finally {
      db.pragma('max_page_count = 1073741823');
    }
    // It failed part-way through the write, not before it.
    expect(written).toBeGreaterThan(1);
    expect(written).toBeLessThan(toWrite);
    expect(await total()).toBe(before);
    expect((await store.read<Patient>('Patient', storedOda.id))?.birthDate).toBe(storedOda.birthDate);
    expect(await store.search<Patient>('Patient', { name: 'Aufderhar' })).toHaveLength(0);
    // The store still works after the failure: the same Bundle goes in once there is room.
    const ok = await importRecords(store, bundle, 'half.json', { now: NOW });
    expect(ok.counts.updated).toBe(1);
    expect(await store.search<Patient>('Patient', { name: 'Aufderhar' })).toHaveLength(1);
  });
});
