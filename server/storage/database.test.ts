// Open-time integrity: bounded checks refuse a file that is not SQLite, truncated or with a
// damaged header before anything is written; damage elsewhere is found by the background check.
import { closeSync, openSync, readFileSync, rmSync, statSync, truncateSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeTempDir } from '../testing/harness';
import { DB_FILE_NAME, openDatabase, startFullIntegrityCheck, StoreError, type IntegrityState } from './database';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A closed store file of a few hundred pages (checkpointed: everything in the main file). */
function storeWithData(): { dir: string; file: string } {
  const dir = makeTempDir('twinscope-db-');
  dirs.push(dir);
  const db = openDatabase(dir);
  const insert = db.prepare("INSERT INTO fhir_versions (resource_type, id, version_id, last_updated, json) VALUES ('Observation', ?, '1', '2026-01-01T00:00:00Z', ?)");
  db.transaction(() => {
    for (let i = 0; i < 2000; i++) insert.run(`o${i}`, JSON.stringify({ resourceType: 'Observation', id: `o${i}`, note: 'x'.repeat(400) }));
  })();
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  return { dir, file: join(dir, DB_FILE_NAME) };
}

function finished(state: IntegrityState): Promise<IntegrityState> {
  return new Promise((resolve) => {
    const poll = (): void => {
      if (state.status !== 'running') resolve(state);
      else setTimeout(poll, 20);
    };
    poll();
  });
}

describe('openDatabase integrity', () => {
  it('opens a healthy store, and the background check finds it healthy', async () => {
    const { dir } = storeWithData();
    const db = openDatabase(dir);
    const state = await finished(startFullIntegrityCheck(db));
    db.close();
    expect(state.status).toBe('ok');
  });

  it('refuses a truncated file before writing anything, naming the truncation', () => {
    const { dir, file } = storeWithData();
    const size = statSync(file).size;
    truncateSync(file, Math.floor(size / 2));
    const before = readFileSync(file);
    expect(() => openDatabase(dir)).toThrow(StoreError);
    expect(() => openDatabase(dir)).toThrow(/truncated/);
    expect(readFileSync(file).equals(before)).toBe(true);
  });

  it('refuses a file whose header was overwritten', () => {
    const { dir, file } = storeWithData();
    const fd = openSync(file, 'r+');
    writeSync(fd, Buffer.from('not a database header'), 0, 21, 0);
    closeSync(fd);
    expect(() => openDatabase(dir)).toThrow(/no SQLite header/);
  });

  it('opens a file damaged in the middle, and the background check reports the damage', async () => {
    const { dir, file } = storeWithData();
    const pages = statSync(file).size / 4096;
    const fd = openSync(file, 'r+');
    // Garbage over pages of fhir_versions' tree (the small tables sit in the first pages).
    writeSync(fd, Buffer.alloc(4096 * 3, 0x5a), 0, 4096 * 3, 4096 * Math.floor(pages / 2));
    closeSync(fd);
    const db = openDatabase(dir);
    const state = await finished(startFullIntegrityCheck(db));
    db.close();
    expect(state.status).toBe('failed');
    expect(state.detail).toBeTruthy();
  });
});

describe('background integrity check', () => {
  it('stop() ends the child before the caller closes and removes the store, and reports no failure', async () => {
    const { dir } = storeWithData();
    const db = openDatabase(dir);
    const heard: IntegrityState[] = [];
    const check = startFullIntegrityCheck(db, (s) => heard.push({ ...s }));
    await check.stop();
    expect(['stopped', 'ok']).toContain(check.status);
    db.close();
    rmSync(dir, { recursive: true, force: true });
    // The child has exited (stop() waited for it): nothing it could say about the vanished file reaches onDone.
    expect(heard.filter((s) => s.status === 'failed')).toEqual([]);
    expect(JSON.parse(JSON.stringify(check))).not.toHaveProperty('stop');
  });
});
