// The patient timeline index (timeline.ts): the plan SQLite runs for the record's most frequent
// search is one covering-index range in page order (no per-resource probes, no sort), on the
// demo record and on a scale-fixture patient; and an index built before the timeline existed
// gets, by SQL after open (in batches, resumable), exactly the rows the write path gives.
import { parseSearchRequest } from '@medplum/core';
import { rmSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { generateScalePatient, HEART_RATE_LOINC, scalePatientId } from '../../../scripts/scale-fixture';
import { buildDemoResources } from '../../demo/patients';
import { openDatabase, type Db } from '../../storage/database';
import { makeTempDir } from '../../testing/harness';
import { embeddedBackend } from '../embedded-adapters';
import { FhirStore } from '../store';
import { compileSearch } from './compile';
import type { ParamRegistry } from './params';

const NOW = Date.parse('2026-11-21T06:00:00Z');
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function openStore(dir?: string): Promise<{ dir: string; db: Db; store: FhirStore }> {
  const d = dir ?? makeTempDir('twinscope-timeline-');
  if (!dir) dirs.push(d);
  const db = openDatabase(d);
  return { dir: d, db, store: await FhirStore.open(db) };
}

function registryOf(store: FhirStore): ParamRegistry {
  return (store.repo as unknown as { registry: ParamRegistry }).registry;
}

/** EXPLAIN QUERY PLAN of the page statement searchJson runs (without the JSON join). */
function plan(db: Db, store: FhirStore, query: Record<string, string>): string[] {
  const compiled = compileSearch(registryOf(store), parseSearchRequest('Observation', query));
  const page = `SELECT s.* FROM (${compiled.selectSql}) s ORDER BY ${compiled.orderBy} LIMIT ?`;
  return (db.prepare(`EXPLAIN QUERY PLAN ${page}`).all(...compiled.selectArgs, 21) as { detail: string }[]).map((r) => r.detail);
}

function timelineRows(db: Db): string[] {
  return (db.prepare('SELECT * FROM idx_timeline ORDER BY rid, ref_pid, target, system, value').all() as unknown[]).map((r) => JSON.stringify(r));
}

describe('patient timeline index', () => {
  it('patient + code + _sort=-date is one covering-index range in page order, on the demo record and on a scale-fixture patient', async () => {
    const { db, store } = await openStore();
    await store.putAll(buildDemoResources(NOW));
    await store.putAll(generateScalePatient(7));
    const queries: Record<string, string>[] = [
      { subject: 'Patient/demo-as-72f', code: '8867-4', _sort: '-date', _count: '20' },
      { patient: 'Patient/demo-as-72f', code: 'http://loinc.org|8867-4', _sort: 'date', _count: '20' },
      { patient: `Patient/${scalePatientId(7)}`, code: `http://loinc.org|${HEART_RATE_LOINC}`, _sort: '-date', _count: '20' },
    ];
    for (const query of queries) {
      const steps = plan(db, store, query);
      expect(steps, JSON.stringify(query)).toEqual([expect.stringMatching(/^SEARCH c USING COVERING INDEX idx_timeline_(desc|asc) \(ref_pid=\? AND target=\? AND value=\? AND system=\?\)$/)]);
    }
    // Another shape keeps the general plan (and its probes).
    expect(plan(db, store, { patient: 'Patient/demo-as-72f', code: '|8867-4', _sort: '-date' }).join('\n')).not.toContain('idx_timeline');
    const page = store.repo.searchJson(parseSearchRequest('Observation', { subject: 'Patient/demo-as-72f', code: '8867-4', _sort: '-date', _count: '3' }));
    const dates = page.entries.map((e) => (JSON.parse(e.json) as { effectiveDateTime: string }).effectiveDateTime);
    expect(dates).toEqual([...dates].sort().reverse());
    expect(page.total).toBeGreaterThan(500);
    store.close();
    db.close();
  });

  it('one row set serves subject= and patient=, but patient= matches Patient targets only', async () => {
    const { db, store } = await openStore();
    const obs = (id: string, subject: string, when?: string) => ({
      resourceType: 'Observation' as const,
      id,
      status: 'final' as const,
      code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }, { system: 'urn:local', code: '8867-4' }] },
      subject: { reference: subject },
      ...(when ? { effectiveDateTime: when } : {}),
    });
    await store.putAll([obs('g', 'Group/g1', '2026-01-02T00:00:00Z'), obs('a', 'Patient/p1', '2026-01-01T00:00:00Z'), obs('b', 'Patient/p1'), obs('c', 'Patient/p1', '2026-01-03T00:00:00Z')]);
    const ids = async (q: Record<string, string>) => (await store.search('Observation', { code: '8867-4', _sort: '-date', ...q })).map((r) => r.id);
    expect(await ids({ subject: 'Group/g1' })).toEqual(['g']);
    expect(await ids({ patient: 'Group/g1' })).toEqual([]);
    // Missing date first descending, last ascending; two codings of one code: one match.
    expect(await ids({ patient: 'Patient/p1' })).toEqual(['b', 'c', 'a']);
    expect(await ids({ subject: 'Patient/p1', _sort: 'date' })).toEqual(['a', 'c', 'b']);
    expect(await ids({ subject: 'Patient/p1', code: 'urn:local|8867-4', _count: '2' })).toEqual(['b', 'c']);
    store.close();
    db.close();
  });

  it('a store indexed before the timeline existed is given, after open, in batches, exactly the rows the write path gives; searches meanwhile give the same pages; a restart resumes', async () => {
    const { dir, db, store } = await openStore();
    await store.putAll(buildDemoResources(NOW).slice(0, 400));
    await store.putAll(generateScalePatient(3));
    // Rewrites: the timeline rows follow the current version (its seq and its date).
    const first = (await store.search('Observation', { subject: `Patient/${scalePatientId(3)}`, _count: '5' })) as { id: string; effectiveDateTime?: string }[];
    await store.putAll(first.map((o) => ({ ...o, resourceType: 'Observation', effectiveDateTime: '2020-01-01T00:00:00Z' }) as never));
    const written = timelineRows(db);
    expect(written.length).toBeGreaterThan(100);
    const query = { patient: `Patient/${scalePatientId(3)}`, code: `http://loinc.org|${HEART_RATE_LOINC}`, _sort: '-date', _count: '7' };
    const pageOf = (s: FhirStore) => s.repo.searchJson(parseSearchRequest('Observation', query));
    const expected = pageOf(store);
    expect(expected.entries).toHaveLength(7);
    store.close();
    db.exec("DELETE FROM idx_timeline; DELETE FROM meta WHERE key = 'fhir_timeline_signature'");
    db.close();

    // Opening does not build it: batches of 40 resources run after open, between requests.
    const db2 = openDatabase(dir);
    const s2 = await FhirStore.open(db2, { indexBatchRids: 40 });
    expect(s2.indexState.status).toBe('building');
    expect(await embeddedBackend(s2).health()).toMatchObject({ status: 'ok', detail: expect.stringMatching(/^patient timeline index being built \(\d+ of \d+ resources\)$/) });
    const page = pageOf(s2);
    expect(page.entries.map((e) => e.id)).toEqual(expected.entries.map((e) => e.id));
    expect(page.total).toBe(expected.total);
    expect(page.next).toBe(expected.next); // the cursor does not depend on the plan
    // Stopped part-way (the server closed): the progress is kept.
    while (s2.indexState.done < 120) await new Promise((r) => setImmediate(r));
    s2.close();
    const saved = JSON.parse(db2.prepare("SELECT value FROM meta WHERE key = 'fhir_timeline_build'").pluck().get() as string) as { after: number; last: number };
    expect(saved.after).toBeGreaterThanOrEqual(120);
    expect(saved.after).toBeLessThan(saved.last);
    db2.close();

    // The next start resumes; a write during the build gets its rows at write time, as always.
    const againDb = openDatabase(dir);
    const again = { db: againDb, store: await FhirStore.open(againDb, { indexBatchRids: 40 }) };
    expect(again.store.indexState.status).toBe('building');
    expect(again.store.indexState.done).toBeGreaterThanOrEqual(saved.after);
    expect(again.store.indexState.done).toBeLessThanOrEqual(saved.after + 40); // resumed, not restarted
    await again.store.putAll([{ resourceType: 'Observation', id: 'during-build', status: 'final', code: { coding: [{ system: 'http://loinc.org', code: HEART_RATE_LOINC }] }, subject: { reference: `Patient/${scalePatientId(3)}` }, effectiveDateTime: '2026-11-20T00:00:00Z' }]);
    await again.store.indexReady;
    expect(again.store.indexState.status).toBe('ready');
    expect(await embeddedBackend(again.store).health()).toEqual({ status: 'ok' });
    const rid = again.db.prepare("SELECT rid FROM fhir_current WHERE id = 'during-build'").pluck().get() as number;
    const rows = timelineRows(again.db);
    expect(rows.filter((r) => (JSON.parse(r) as { rid: number }).rid !== rid)).toEqual(written);
    expect(rows.filter((r) => (JSON.parse(r) as { rid: number }).rid === rid)).toHaveLength(2); // any system + LOINC
    expect(again.db.prepare("SELECT value FROM meta WHERE key = 'fhir_timeline_build'").get()).toBeUndefined();
    // Now the timeline plan answers, with the same page; the newest is the one written during the build.
    const after = pageOf(again.store);
    expect(after.entries[0]?.id).toBe('during-build');
    expect(after.entries.slice(1).map((e) => e.id)).toEqual(expected.entries.slice(0, 6).map((e) => e.id));
    again.store.close();
    again.db.close();
  });
});
