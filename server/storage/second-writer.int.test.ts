// Two SQLite writers on one file (issue 14): the event-loop connection (FHIR store writes, the
// background timeline index build, users) and the audit writer thread's own connection
// (audit.worker.ts, AuditEvents). A transaction that starts DEFERRED and reads before it writes
// holds a read snapshot; when the other connection commits in between, its first write fails with
// SQLITE_BUSY_SNAPSHOT, which busy_timeout does not retry (SQLite cannot move an open read
// snapshot forward). Every write transaction on the shared connection therefore begins IMMEDIATE.
// Real SQLite file, real audit thread, real store.
import Database from 'better-sqlite3';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { generateScalePatient, scalePatientId } from '../../scripts/scale-fixture';
import { nodeThreadFactory } from '../../workers/nodeThread/nodeThread';
import { AuditEventTable } from '../audit/event-table';
import { AUDIT_LOG_FILE, type AuditLogLine } from '../audit/log';
import { ThreadedAuditLog } from '../audit/thread-log';
import { FhirStore } from '../fhir/store';
import { UserStore } from '../auth/users';
import { DB_FILE_NAME, openDatabase, type Db } from './database';

const threads = nodeThreadFactory(new URL('../audit/audit.worker.ts', import.meta.url), 'second-writer-test');
const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'second-writer-'));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function auditLine(id: string, patient: string): AuditLogLine {
  return { id, at: '2026-01-01T00:00:00.000Z', user: null, action: 'R', method: 'GET', path: `/fhir/${patient}`, entities: [patient], httpStatus: 200, outcome: '0', requestId: id, sourceIp: '127.0.0.1' };
}

/** A store of `patients` scale patients whose timeline index is gone: the next open builds it in the background. */
async function storeNeedingTimelineBuild(dir: string, patients: number): Promise<void> {
  const db = openDatabase(dir);
  new AuditEventTable(db); // the audit thread inserts into an existing table
  const store = await FhirStore.open(db);
  for (let p = 0; p < patients; p++) await store.putAll(generateScalePatient(p));
  store.close();
  db.exec("DELETE FROM idx_timeline; DELETE FROM meta WHERE key = 'fhir_timeline_signature'");
  db.close();
}

const count = (db: Db, sql: string): number => db.prepare(sql).pluck().get() as number;

describe('a second SQLite writer (the audit thread) next to the store', () => {
  it('a connection that commits between the background index build reading and writing does not fail the build; both writes are kept', async () => {
    const dir = tempDir();
    await storeNeedingTimelineBuild(dir, 2);
    const db = openDatabase(dir);
    cleanup.push(() => void db.close());
    // The other writer, as the audit thread has it: its own connection, never waiting in SQLite.
    const other = new Database(join(dir, DB_FILE_NAME), { fileMustExist: true });
    other.pragma('busy_timeout = 0');
    cleanup.push(() => void other.close());
    const insert = other.prepare("INSERT INTO meta (key, value) VALUES (?, 'x')");
    const held: string[] = [];
    let tries = 0;
    let refusedWhileHeld = 0;
    // Deterministic interleaving: right after the build's first read of each batch, the other
    // connection tries to commit. Old code (deferred BEGIN): it commits, and the build's first
    // write then fails with SQLITE_BUSY_SNAPSHOT. IMMEDIATE: the build holds the write lock, the
    // other writer is told busy at once and writes after (what audit.worker.ts does).
    const prepare = db.prepare.bind(db);
    (db as { prepare: Db['prepare'] }).prepare = ((sql: string) => {
      const stmt = prepare(sql);
      if (!sql.startsWith('SELECT DISTINCT resource_type FROM fhir_current')) return stmt;
      const all = stmt.all.bind(stmt);
      (stmt as { all: typeof stmt.all }).all = ((...args: unknown[]) => {
        const rows = all(...(args as []));
        const key = `other-${tries++}`;
        try {
          insert.run(key);
        } catch (err) {
          expect((err as { code?: string }).code).toBe('SQLITE_BUSY');
          refusedWhileHeld++;
          held.push(key);
        }
        return rows;
      }) as typeof stmt.all;
      return stmt;
    }) as Db['prepare'];
    const store = await FhirStore.open(db, { indexBatchRids: 200 });
    cleanup.push(() => store.close());
    expect(store.indexState.status).toBe('building');
    await store.indexReady; // rejects on the old code (SQLITE_BUSY_SNAPSHOT)
    expect(store.indexState.status).toBe('ready');
    for (const key of held) insert.run(key); // the other writer's retry, lock free now
    expect(tries).toBeGreaterThan(3);
    expect(refusedWhileHeld).toBe(tries); // every try came while the build held the write lock
    expect(count(db, "SELECT COUNT(*) FROM meta WHERE key LIKE 'other-%'")).toBe(tries);
    expect(count(db, 'SELECT COUNT(*) FROM idx_timeline')).toBeGreaterThan(0);
  });

  it('store writes, user changes and the background index build run while the audit thread stores AuditEvents: no error, nothing lost', async () => {
    const dir = tempDir();
    await storeNeedingTimelineBuild(dir, 3);
    const db = openDatabase(dir);
    cleanup.push(() => void db.close());
    new AuditEventTable(db);
    const log = new ThreadedAuditLog(join(dir, AUDIT_LOG_FILE), join(dir, DB_FILE_NAME), threads);
    cleanup.push(() => log.close());
    const users = new UserStore(db);
    const admin = await users.create({ username: 'second-writer-admin', password: 'Kx9-long-enough-pw', role: 'admin', displayName: 'A' });
    const store = await FhirStore.open(db, { indexBatchRids: 50 });
    cleanup.push(() => store.close());

    const N = 600;
    const stored: boolean[] = [];
    const audits: Promise<void>[] = [];
    const writes: Promise<unknown>[] = [];
    for (let i = 0; i < N; i++) {
      audits.push(log.append(auditLine(`a${i}`, `Patient/${scalePatientId(i % 3)}`), (ok) => stored.push(ok)));
      if (i % 20 === 0) {
        writes.push(
          store.putAll([{ resourceType: 'Observation', id: `w${i}`, status: 'final', code: { text: 'concurrent' }, subject: { reference: `Patient/${scalePatientId(0)}` }, effectiveDateTime: '2026-01-01T00:00:00Z' }]),
        );
        writes.push(users.update(admin.id, { displayName: `A${i}`, role: i % 40 === 0 ? 'clinician' : 'admin' }));
      }
      if (i % 10 === 0) await new Promise((r) => setImmediate(r));
    }
    await Promise.all([...audits, ...writes, store.indexReady]);
    await log.settle();

    expect(store.indexState.status).toBe('ready');
    expect(readFileSync(log.file, 'utf8').trim().split('\n')).toHaveLength(N);
    expect(stored).toHaveLength(N);
    expect(stored.every(Boolean)).toBe(true);
    expect(count(db, "SELECT COUNT(*) FROM audit_events WHERE id LIKE 'a%'")).toBe(N);
    expect(count(db, "SELECT COUNT(*) FROM fhir_current WHERE resource_type = 'Observation' AND id LIKE 'w%'")).toBe(N / 20);
    expect(users.get(admin.id)?.displayName).toBe(`A${N - 20}`);
  });
});
