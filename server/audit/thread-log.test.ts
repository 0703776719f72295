// The audit writer thread (thread-log.ts + audit.worker.ts) on a real worker thread, a real
// audit.log and a real SQLite store: order, durability before the ack, AuditEvents stored by the
// thread, a busy database not holding up the log, and a thread dying between write and ack.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { nodeThreadFactory } from '../../workers/nodeThread/nodeThread';
import { DB_FILE_NAME, openDatabase, type Db } from '../storage/database';
import { AuditEventTable } from './event-table';
import { AUDIT_LOG_FILE, type AuditLogLine } from './log';
import { EVENT_GROUP } from './groupCommit';
import { ThreadedAuditLog } from './thread-log';
import { AuditTrail } from './trail';

const threads = nodeThreadFactory(new URL('./audit.worker.ts', import.meta.url), 'audit-test');
const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

function setup(eventDelayMs?: number): { dir: string; db: Db; table: AuditEventTable; log: ThreadedAuditLog } {
  const dir = mkdtempSync(join(tmpdir(), 'audit-thread-'));
  const db = openDatabase(dir);
  const table = new AuditEventTable(db);
  const log = new ThreadedAuditLog(join(dir, AUDIT_LOG_FILE), join(dir, DB_FILE_NAME), threads, eventDelayMs);
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  cleanup.push(() => void db.close());
  cleanup.push(() => log.close());
  return { dir, db, table, log };
}

function line(id: string): AuditLogLine {
  return { id, at: '2026-01-01T00:00:00.000Z', user: null, action: 'R', method: 'GET', path: '/fhir/Patient/p1', entities: ['Patient/p1'], httpStatus: 200, outcome: '0', requestId: id, sourceIp: '127.0.0.1' };
}

const idsInFile = (file: string): string[] =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => (JSON.parse(l) as { id: string }).id);

describe('ThreadedAuditLog', () => {
  it('writes every record in call order across batches; each append resolves only once its line is in the file; the AuditEvents are stored by the thread', async () => {
    const { log, table } = setup();
    const inFileAtAck: boolean[] = [];
    const stored: boolean[] = [];
    const appends: Promise<void>[] = [];
    for (let turn = 0; turn < 5; turn++) {
      for (let i = 0; i < 40; i++) {
        const id = `r${turn * 40 + i}`;
        appends.push(log.append(line(id), (ok) => stored.push(ok)).then(() => void inFileAtAck.push(idsInFile(log.file).includes(id))));
      }
      await new Promise((r) => setImmediate(r));
    }
    await Promise.all(appends);
    expect(idsInFile(log.file)).toEqual(Array.from({ length: 200 }, (_, i) => `r${i}`));
    expect(inFileAtAck).toHaveLength(200);
    expect(inFileAtAck.every(Boolean)).toBe(true);
    // The AuditEvents (copies) are inserted in groups after the acks; a flush stores every one
    // acknowledged so far (what an AuditEvent search does first).
    await log.flushEvents();
    expect(stored).toHaveLength(200);
    expect(stored.every(Boolean)).toBe(true);
    expect(table.count()).toBe(200);
    expect(table.read('r17')?.entity?.[0]?.what?.reference).toBe('Patient/p1');
    // Group commit: far fewer write + fsync rounds than records.
    expect(log.syncs).toBeLessThan(200);
    expect(log.syncs).toBeGreaterThanOrEqual(1);
  });

  it('AuditEvents are inserted in groups, not one transaction per fsync batch: a short group waits (until a flush or its delay), a full group goes at once', async () => {
    // A delay far longer than the test: only a full group or a flush inserts.
    const { log, table } = setup(3_600_000);
    const stored: boolean[] = [];
    // One record per event-loop turn: one write + fsync each, their AuditEvents held back.
    for (let i = 0; i < 5; i++) await log.append(line(`g${i}`), (ok) => stored.push(ok));
    expect(log.syncs).toBe(5);
    expect(table.count()).toBe(0);
    await log.flushEvents();
    expect(table.count()).toBe(5);
    expect(stored).toEqual([true, true, true, true, true]);
    // EVENT_GROUP records in one turn: inserted before their ack, no flush needed.
    await Promise.all(Array.from({ length: EVENT_GROUP }, (_, i) => log.append(line(`full${i}`), (ok) => stored.push(ok))));
    expect(table.count()).toBe(5 + EVENT_GROUP);
  });

  it('a short group of AuditEvents is inserted after its delay without anyone asking', async () => {
    const { log, table } = setup();
    await log.append(line('alone'), () => undefined);
    // No fixed sleep: wait (generously) for the thread's own timer.
    const until = Date.now() + 30_000;
    while (!table.read('alone') && Date.now() < until) await new Promise((r) => setTimeout(r, 5));
    expect(table.read('alone')).toBeDefined();
  });

  it('a record without a callback (an intent) is logged but not stored as an AuditEvent', async () => {
    const { log, table } = setup();
    await log.append(line('intent-1'));
    await log.append(line('done-1'), () => undefined);
    expect(idsInFile(log.file)).toEqual(['intent-1', 'done-1']);
    await log.flushEvents();
    expect(table.read('intent-1')).toBeUndefined();
    expect(table.read('done-1')).toBeDefined();
  });

  it('a database held by another connection does not hold up the log: the record is acked, its AuditEvent stored once the lock is free', async () => {
    const { log, db, table } = setup();
    db.exec('BEGIN IMMEDIATE'); // e.g. a FHIR transaction open across awaits
    let stored: boolean | undefined;
    await log.append(line('while-locked'), (ok) => (stored = ok));
    expect(idsInFile(log.file)).toEqual(['while-locked']);
    expect(stored).toBeUndefined();
    db.exec('COMMIT');
    await log.settle();
    expect(stored).toBe(true);
    expect(table.read('while-locked')).toBeDefined();
  });

  it('a thread that dies between the write and the ack: every record of its batch is refused (never acked), its lines are in the log, the next batch gets a fresh thread, and a restart stores the lost AuditEvents', async () => {
    const { log, table } = setup();
    await log.append(line('before'), () => undefined);
    await log.flushEvents();
    await log.exitThreadAfterNextWriteForTest();
    const outcomes = await Promise.allSettled(['k1', 'k2', 'k3'].map((id) => log.append(line(id), () => undefined)));
    for (const o of outcomes) {
      expect(o.status).toBe('rejected');
      expect(String((o as PromiseRejectedResult).reason)).toMatch(/audit log write failed: the audit log worker stopped/);
    }
    // Written and synced before the thread died: the trail keeps them.
    expect(idsInFile(log.file)).toEqual(['before', 'k1', 'k2', 'k3']);
    expect(table.read('k1')).toBeUndefined();
    await log.append(line('after'), () => undefined);
    expect(idsInFile(log.file)).toEqual(['before', 'k1', 'k2', 'k3', 'after']);
    await log.flushEvents();
    expect(table.read('after')).toBeDefined();
    // The next start sends what the log has and the table lacks.
    const trail = new AuditTrail(log, table, 3_600_000);
    expect(await trail.resendMissing()).toBe(3);
    await trail.drain();
    for (const id of ['k1', 'k2', 'k3']) expect(table.read(id)).toBeDefined();
  });
});
