import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FhirStore } from '../fhir/store';
import { openDatabase } from '../storage/database';
import { DEMO_PATIENT_IDS } from './ids';
import { seedDemoData } from './seed';

const dir = mkdtempSync(join(tmpdir(), 'demo-seed-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('demo seeding', () => {
  it('seeds an empty store once; a restart does not duplicate anything', async () => {
    const db = openDatabase(dir);
    const store = await FhirStore.open(db);
    const first = await seedDemoData(store, Date.parse('2026-11-21T06:00:00Z'));
    expect(first.seeded).toBe(true);
    const rows = () => (db.prepare('SELECT COUNT(*) AS n FROM fhir_versions').get() as { n: number }).n;
    expect(rows()).toBe(first.resourceCount);
    db.close();

    const db2 = openDatabase(dir);
    const reopened = await FhirStore.open(db2);
    expect(await seedDemoData(reopened)).toEqual({ seeded: false, resourceCount: 0 });
    expect((db2.prepare('SELECT COUNT(*) AS n FROM fhir_versions').get() as { n: number }).n).toBe(first.resourceCount);
    expect(await reopened.count('Patient')).toBe(DEMO_PATIENT_IDS.length);
    db2.close();
  });

  it('leaves a store that already holds other patients alone', async () => {
    const other = mkdtempSync(join(tmpdir(), 'demo-seed-other-'));
    const db = openDatabase(other);
    try {
      const store = await FhirStore.open(db);
      await store.putAll([{ resourceType: 'Patient', id: 'real-1' }]);
      expect((await seedDemoData(store)).seeded).toBe(false);
      expect(await store.count('Patient')).toBe(1);
    } finally {
      db.close();
      rmSync(other, { recursive: true, force: true });
    }
  });
});
