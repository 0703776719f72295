// The shared connection's write queue: a FHIR write transaction held open across awaits must not
// swallow (or be broken by) the other writes on the same connection.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UserStore } from '../auth/users';
import { FhirStore } from '../fhir/store';
import { openDatabase } from './database';
import { writeQueueOf } from './write-queue';

const dir = mkdtempSync(join(tmpdir(), 'write-queue-'));
const db = openDatabase(dir);
afterAll(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A promise and the function that resolves it. */
function gate(): { wait: Promise<void>; open: () => void } {
  let open!: () => void;
  const wait = new Promise<void>((r) => {
    open = r;
  });
  return { wait, open };
}

describe('write queue on the shared SQLite connection', () => {
  it('a logout during a FHIR write that rolls back stays revoked; a user change stays made', async () => {
    const store = await FhirStore.open(db);
    const users = new UserStore(db);
    const u = await users.create({ username: 'dr.queue', password: 'a-long-enough-password', role: 'clinician', displayName: 'Q' });
    const g = gate();
    let writeStarted!: () => void;
    const started = new Promise<void>((r) => {
      writeStarted = r;
    });
    // A request's transaction, open across awaits, that ends in failure (rollback).
    const failing = store.runWrite(async (repo) => {
      await repo.updateResource({ resourceType: 'Patient', id: 'queue-p1' });
      writeStarted();
      await g.wait;
      throw new Error('the request failed');
    });
    await started;
    expect(db.inTransaction).toBe(true);
    const revoked = users.revoke('jti-during-write', Math.floor(Date.now() / 1000) + 600);
    const disabled = users.update(u.id, { disabled: true });
    g.open();
    await expect(failing).rejects.toThrow('the request failed');
    await revoked;
    await disabled;
    // Before the queue these two statements ran inside the failed request's transaction and were rolled back.
    expect(users.isRevoked('jti-during-write')).toBe(true);
    expect(users.get(u.id)?.disabled).toBe(true);
    expect(await store.read('Patient', 'queue-p1')).toBeUndefined();
    expect(db.inTransaction).toBe(false);
  });

  it('a synchronous better-sqlite3 transaction queued behind an open FHIR write runs after it, not inside it', async () => {
    const store = await FhirStore.open(db);
    const g = gate();
    const fhirWrite = store.runWrite(async (repo) => {
      await repo.updateResource({ resourceType: 'Patient', id: 'queue-p2' });
      await g.wait;
    });
    await Promise.resolve();
    const insert = db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)');
    // Unqueued, this BEGIN would throw "cannot start a transaction within a transaction".
    const other = writeQueueOf(db).run(() => db.transaction(() => insert.run('queued-tx', '1'))());
    g.open();
    await fhirWrite;
    await other;
    expect(db.prepare('SELECT value FROM meta WHERE key = ?').pluck().get('queued-tx')).toBe('1');
    expect(await store.read('Patient', 'queue-p2')).toBeDefined();
  });

  it('runs writes one at a time in call order; a failing write does not block the next', async () => {
    const q = writeQueueOf(db);
    const order: string[] = [];
    const a = q.run(async () => {
      order.push('a-start');
      await new Promise((r) => setTimeout(r, 5));
      order.push('a-end');
    });
    const b = q.run(() => {
      order.push('b');
      throw new Error('b failed');
    });
    const c = q.run(() => order.push('c'));
    await a;
    await expect(b).rejects.toThrow('b failed');
    await c;
    expect(order).toEqual(['a-start', 'a-end', 'b', 'c']);
  });
});
