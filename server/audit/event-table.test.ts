// The AuditEvent table: what the admin's searches find, in what order, paged; migration of
// AuditEvents an earlier version kept in fhir_versions; idempotent re-sends.
import type { AuditEvent } from '@medplum/fhirtypes';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../storage/database';
import { AuditEventTable, AuditSearchError, dateRangeMs } from './event-table';
import { toAuditEvent } from './record';
import type { AuditRecordInput } from '../../core/contracts';

const surgeon = { id: 'demo-surgeon', username: 'surgeon', role: 'surgeon' as const };
const admin = { id: 'demo-admin', username: 'admin', role: 'admin' as const };

function record(i: number, over: Partial<AuditRecordInput>): AuditEvent {
  const r: AuditRecordInput = {
    at: new Date(Date.UTC(2026, 0, 30, 22, 0, 0) + i * 3_600_000).toISOString(), // hourly from 2026-01-30T22:00Z
    user: surgeon,
    action: 'R',
    method: 'GET',
    path: '/fhir/Observation',
    entities: ['Observation'],
    httpStatus: 200,
    outcome: '0',
    requestId: `r${i}`,
    sourceIp: '127.0.0.1',
    ...over,
  };
  return toAuditEvent(`ev-${i}`, r);
}

const events: AuditEvent[] = [
  record(0, { patientId: 'p1', entities: ['Observation/o1'] }), // 2026-01-30T22:00Z
  record(1, { user: admin, action: 'E' }), // 23:00
  record(2, { patientId: 'p2', action: 'C', httpStatus: 403, outcome: '4' }), // 2026-01-31T00:00Z
  record(3, { user: null, httpStatus: 401, outcome: '4' }), // 01:00
  record(4, { patientId: 'p1', action: 'U' }), // 02:00
];

let dir: string;
let db: Db;
let table: AuditEventTable;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'audit-table-'));
  db = openDatabase(dir);
  table = new AuditEventTable(db);
  // Shuffled arrival: order comes from `recorded`, not from insertion.
  await Promise.all([events[3]!, events[0]!, events[4]!, events[1]!, events[2]!].map((e) => table.put(e)));
});

afterAll(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

const ids = (q: Record<string, string | string[]>): string[] => table.search(q).events.map((e) => e.id!);

describe('AuditEvent table', () => {
  it('stores, reads and ignores re-sends of the same id', async () => {
    expect(await table.has('ev-2')).toBe(true);
    expect(await table.has('nope')).toBe(false);
    await table.put(events[2]!);
    expect(table.count()).toBe(5);
    expect(table.read('ev-2')?.meta?.versionId).toBe('1');
    expect(table.read('ev-2')?.outcome).toBe('4');
  });

  it('searches newest first by default, by agent, altid, patient, entity, action and outcome', () => {
    expect(ids({})).toEqual(['ev-4', 'ev-3', 'ev-2', 'ev-1', 'ev-0']);
    expect(ids({ _sort: 'date' })).toEqual(['ev-0', 'ev-1', 'ev-2', 'ev-3', 'ev-4']);
    expect(ids({ agent: 'Practitioner/demo-admin' })).toEqual(['ev-1']);
    expect(ids({ agent: 'demo-surgeon' })).toEqual(['ev-4', 'ev-2', 'ev-0']);
    expect(ids({ altid: 'SURGEON' })).toEqual(['ev-4', 'ev-2', 'ev-0']);
    // Leaving a user out (the monitor feed's service account) keeps the events without a user.
    expect(ids({ 'altid:not': 'surgeon' })).toEqual(['ev-3', 'ev-1']);
    expect(ids({ 'altid:not': 'surgeon,admin' })).toEqual(['ev-3']);
    expect(ids({ patient: 'Patient/p1' })).toEqual(['ev-4', 'ev-0']);
    expect(ids({ patient: 'p2' })).toEqual(['ev-2']);
    expect(ids({ entity: 'Patient/p1' })).toEqual(['ev-4', 'ev-0']); // what the admin UI sends
    expect(ids({ entity: 'Observation/o1' })).toEqual(['ev-0']);
    expect(ids({ action: 'C,U' })).toEqual(['ev-4', 'ev-2']);
    expect(ids({ outcome: '4', patient: 'p2' })).toEqual(['ev-2']);
  });

  it('date prefixes follow FHIR (ranges at the value precision); repeated date= is AND', () => {
    expect(ids({ date: 'ge2026-01-31' })).toEqual(['ev-4', 'ev-3', 'ev-2']);
    expect(ids({ date: 'lt2026-01-31' })).toEqual(['ev-1', 'ev-0']);
    expect(ids({ date: ['ge2026-01-30', 'lt2026-01-31'] })).toEqual(['ev-1', 'ev-0']);
    expect(ids({ date: '2026-01-31' })).toEqual(['ev-4', 'ev-3', 'ev-2']);
    expect(ids({ date: 'gt2026-01-31T00:00:00Z' })).toEqual(['ev-4', 'ev-3']);
    expect(ids({ date: 'le2026-01-31T00:00:00Z' })).toEqual(['ev-2', 'ev-1', 'ev-0']);
    expect(ids({ date: 'ge2026-01-31T01:00:00+01:00' })).toEqual(['ev-4', 'ev-3', 'ev-2']);
    expect(dateRangeMs('2026-02')).toEqual([Date.UTC(2026, 1, 1), Date.UTC(2026, 2, 1)]);
  });

  it('pages with _count/_offset, counts with _summary=count', () => {
    const page1 = table.search({ _count: '2' });
    expect(page1.total).toBe(5);
    expect(page1.events.map((e) => e.id)).toEqual(['ev-4', 'ev-3']);
    expect(ids({ _count: '2', _offset: '4' })).toEqual(['ev-0']);
    const count = table.search({ _summary: 'count', altid: 'surgeon' });
    expect(count).toEqual({ total: 3, events: [] });
  });

  it('refuses what it does not support, naming it', () => {
    expect(() => table.search({ type: 'rest' })).toThrow(/type is not supported/);
    expect(() => table.search({ _sort: 'action' })).toThrow(AuditSearchError);
    expect(() => table.search({ date: 'ge31/01/2026' })).toThrow(/date must be/);
    expect(() => table.search({ agent: 'Patient/p1' })).toThrow(/agent must be/);
    expect(() => table.search({ _count: 'x' })).toThrow(/_count/);
  });

  it('moves AuditEvents an earlier version kept in fhir_versions, once', () => {
    const moved = record(9, { patientId: 'p9' });
    db.prepare('INSERT INTO fhir_versions (resource_type, id, version_id, last_updated, json) VALUES (?, ?, ?, ?, ?)').run('AuditEvent', moved.id!, '1', moved.recorded!, JSON.stringify(moved));
    const fresh = new AuditEventTable(db);
    expect(fresh.migrateFromFhirVersions()).toBe(1);
    expect(fresh.migrateFromFhirVersions()).toBe(0);
    expect(ids({ patient: 'p9' })).toEqual(['ev-9']);
    expect(db.prepare("SELECT COUNT(*) FROM fhir_versions WHERE resource_type = 'AuditEvent'").pluck().get()).toBe(0);
  });
});
