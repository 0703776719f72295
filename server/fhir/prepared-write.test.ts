// The store's prepared write path (repo.prepareWrite → FhirStore.runWriteSync → repo.writePrepared),
// used by the importer: the index rows are those of an ordinary REST write (it is the same insert
// code), the server-assigned _lastUpdated is indexed at write time, a throw rolls everything
// back, listeners hear only of committed writes, and nothing else runs while the transaction is open.
import { parseSearchRequest } from '@medplum/core';
import type { Observation } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTempFhirStore, type TempFhirStore } from '../../test-support/fhirStore';
import { type Db } from '../storage/database';
import { type FhirStore, type ResourceWrite } from './store';
import { INDEX_TABLES } from './search/schema';

let temp: TempFhirStore;
let db: Db;
let store: FhirStore;

beforeAll(async () => {
  temp = await openTempFhirStore('fhir-prepared-');
  ({ db, store } = temp);
});

afterAll(() => temp?.close());

const obs = (id: string): Observation => ({
  resourceType: 'Observation',
  id,
  status: 'final',
  meta: { tag: [{ system: 'urn:test', code: 'prepared' }] },
  code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }] },
  subject: { reference: 'Patient/p1' },
  effectiveDateTime: '2026-11-30T08:00:00Z',
  valueQuantity: { value: 71, unit: '/min', system: 'http://unitsofmeasure.org', code: '/min' },
});

/** Index rows of a resource, without rid and the per-resource ordinal n, sorted. */
function indexRows(id: string): string[] {
  const rid = db.prepare("SELECT rid FROM fhir_current WHERE resource_type = 'Observation' AND id = ?").pluck().get(id) as number;
  const out: string[] = [];
  for (const t of INDEX_TABLES) {
    for (const row of db.prepare(`SELECT * FROM ${t} WHERE rid = ?`).all(rid) as Record<string, unknown>[]) {
      const { rid: _rid, n: _n, ...rest } = row;
      out.push(`${t} ${JSON.stringify(rest)}`);
    }
  }
  return out.sort();
}

describe('prepared writes', () => {
  it('index exactly what a REST write indexes, _lastUpdated included', async () => {
    await store.putAll([obs('by-rest')]);
    const prepared = store.repo.prepareWrite(obs('by-prepare'));
    const written = await store.runWriteSync(() => store.repo.writePrepared(prepared));
    expect(written.meta?.versionId).toBe('1');
    const rest = (await store.read<Observation>('Observation', 'by-rest'))!;
    // Same rows but for the id and the lastUpdated instant, which differ between the two writes.
    const strip = (rows: string[], id: string, lastUpdated: string) => rows.map((r) => r.replaceAll(lastUpdated, 'LAST_UPDATED').replaceAll(`"${id}"`, '"ID"'));
    expect(strip(indexRows('by-prepare'), 'by-prepare', written.meta!.lastUpdated!)).toEqual(strip(indexRows('by-rest'), 'by-rest', rest.meta!.lastUpdated!));
    expect(indexRows('by-prepare').some((r) => r.includes(written.meta!.lastUpdated!))).toBe(true);
    const found = await store.repo.search(parseSearchRequest('Observation', { _lastUpdated: `ge${written.meta!.lastUpdated!}`, _tag: 'urn:test|prepared' }));
    expect(found.entry?.map((e) => e.resource?.id)).toEqual(['by-prepare']);
  });

  it('a throw inside the transaction stores nothing and announces nothing', async () => {
    const heard: ResourceWrite[] = [];
    const off = store.onWrite((w) => heard.push(w));
    try {
      await expect(
        store.runWriteSync(() => {
          store.repo.writePrepared(store.repo.prepareWrite(obs('rolled-back-1')));
          store.repo.writePrepared(store.repo.prepareWrite(obs('rolled-back-2')));
          // Inside the transaction its own writes are visible.
          expect(store.repo.currentVersion('Observation', 'rolled-back-1')?.versionId).toBe(1);
          throw new Error('refused half way');
        }),
      ).rejects.toThrow(/refused half way/);
      expect(store.repo.currentVersion('Observation', 'rolled-back-1')).toBeUndefined();
      expect(store.repo.has('Observation', 'rolled-back-2')).toBe(false);
      expect(heard).toEqual([]);
      await store.runWriteSync(() => store.repo.writePrepared(store.repo.prepareWrite(obs('kept'))));
      expect(heard.map((w) => `${w.action} ${w.id}`)).toEqual(['create kept']);
      expect(store.repo.currentVersion('Observation', 'kept')?.versionId).toBe(1);
    } finally {
      off();
    }
  });

  it('runs nothing else while its transaction is open', async () => {
    const inTransactionWhenRun: boolean[] = [];
    await store.runWriteSync(() => {
      expect(db.inTransaction).toBe(true);
      setImmediate(() => inTransactionWhenRun.push(db.inTransaction));
      queueMicrotask(() => inTransactionWhenRun.push(db.inTransaction));
      store.repo.writePrepared(store.repo.prepareWrite(obs('alone')));
    });
    await new Promise((r) => setImmediate(r));
    expect(inTransactionWhenRun).toEqual([false, false]);
  });

  it('refuses an invalid id before anything is written', () => {
    expect(() => store.repo.prepareWrite(obs('not valid!'))).toThrow(/invalid id/);
  });
});
