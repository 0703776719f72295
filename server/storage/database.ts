// The one SQLite file under TWIN_DATA_DIR: FHIR resource versions, users, revoked sessions.
// WAL + synchronous=FULL so that a commit that returned has reached the disk (survives kill -9
// and power loss of the process). A file that is not a healthy SQLite database is refused,
// never rewritten.
//
// Integrity at open is checked in two steps, so that start-up does not grow with the record
// (issue 14: a full `quick_check` reads every page — 13.7 s of the start at 1,000 patients):
//  1. before anything is written, bounded checks: the 100-byte header (magic, page size, a file
//     not shorter than the page count it declares: truncation), the schema (page 1 parsed), and
//     `quick_check` of the small tables (users, sessions, meta). A file that is not SQLite, is
//     truncated or has an overwritten header/schema is refused here, untouched;
//  2. the full `quick_check` runs afterwards on its own read-only connection in a child process
//     (startFullIntegrityCheck: a one-shot check, not work for the WorkerPool), while the server
//     answers; damage found there is reported on
//     /healthz (`fhir.status: degraded`, 503) and on stderr, for an operator to restore.
import Database from 'better-sqlite3';
import { chmodSync, closeSync, existsSync, fstatSync, openSync, readSync } from 'node:fs';
import { createRequire } from 'node:module';
import { setPriority } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';

export type Db = Database.Database;

export class StoreError extends Error {
  override name = 'StoreError';
}

export const DB_FILE_NAME = 'twinscope.sqlite';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS fhir_versions (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  resource_type TEXT NOT NULL,
  id TEXT NOT NULL,
  version_id TEXT NOT NULL,
  last_updated TEXT NOT NULL,
  json TEXT NOT NULL,
  UNIQUE (resource_type, id, version_id)
);
CREATE TABLE IF NOT EXISTS users (
  id TEXT PRIMARY KEY,
  username TEXT NOT NULL UNIQUE,
  display_name TEXT NOT NULL,
  role TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  disabled INTEGER NOT NULL DEFAULT 0,
  demo INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS revoked_tokens (
  jti TEXT PRIMARY KEY,
  expires_at_sec INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
`;

/**
 * The database and its WAL/shared-memory files hold PHI: readable and writable by the server's
 * user only (0600), whatever the umask made them. (main.ts also sets umask 077 for everything
 * else written under the data directory.)
 */
function restrictToOwner(file: string): void {
  for (const f of [file, `${file}-wal`, `${file}-shm`]) {
    if (existsSync(f)) chmodSync(f, 0o600);
  }
}

/** Tables small whatever the record's size, checked in full before the store is used. */
const SMALL_TABLES = ['users', 'revoked_tokens', 'meta', 'fhir_search_params'] as const;

/** The SQLite header: "SQLite format 3", a valid page size, and no fewer pages than it declares. */
function checkHeader(file: string): void {
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    if (size === 0) return; // an empty file is a new database to SQLite
    const header = Buffer.alloc(100);
    const got = readSync(fd, header, 0, 100, 0);
    if (got < 100 || header.toString('latin1', 0, 16) !== 'SQLite format 3\0') throw new StoreError('file is not a database (no SQLite header)');
    const raw = header.readUInt16BE(16);
    const pageSize = raw === 1 ? 65536 : raw;
    if (pageSize < 512 || pageSize > 65536 || (pageSize & (pageSize - 1)) !== 0) throw new StoreError(`invalid page size ${raw} in the header`);
    // Bytes 28-31: pages in the file, valid when the change counter (24) equals 92-95 (SQLite ≥ 3.7).
    const pages = header.readUInt32BE(28);
    if (pages > 0 && header.readUInt32BE(24) === header.readUInt32BE(92) && size < pages * pageSize) {
      throw new StoreError(`file is truncated: the header declares ${pages} pages of ${pageSize} bytes, the file holds ${size} bytes`);
    }
  } finally {
    closeSync(fd);
  }
}

export interface IntegrityState {
  /** 'stopped': ended by stop() before it finished (the server closing); says nothing about the file. */
  status: 'running' | 'ok' | 'failed' | 'stopped';
  detail?: string;
  /** Wall time of the check, once finished. */
  ms?: number;
}

/** The running background check: its state, and stop() to end it (app.close(): it must not outlive the server). */
export interface IntegrityCheck extends IntegrityState {
  /** Kills the check's child process if it still runs and resolves once it has exited; onDone is not called. */
  stop(): Promise<void>;
}

/** The background check as a plain-JS script (no TypeScript loader needed): one JSON line on stdout. */
const INTEGRITY_SCRIPT = `
const Database = require(process.argv[1]);
let db;
let out;
try {
  db = new Database(process.argv[2], { readonly: true, fileMustExist: true });
  db.pragma('busy_timeout = 5000');
  const problems = db.pragma('quick_check(20)').map((r) => r.quick_check).filter((t) => t !== 'ok');
  out = problems.length === 0 ? { ok: true } : { ok: false, detail: problems.join('; ').slice(0, 500) };
} catch (err) {
  out = { ok: false, detail: String(err && err.message ? err.message : err).slice(0, 500) };
} finally {
  if (db) db.close();
}
process.stdout.write(JSON.stringify(out) + '\\n');
`;

/**
 * Runs SQLite's full \`quick_check\` of the store file on a read-only connection in a child
 * process (niced: it reads the whole file). The returned state object is updated when it
 * finishes; \`onDone\` hears the result. The child does not keep the server alive (unref).
 */
export function startFullIntegrityCheck(db: Db, onDone?: (state: IntegrityState) => void): IntegrityCheck {
  let exited: Promise<void> = Promise.resolve();
  const running: { kill?: () => void } = {};
  const state: IntegrityCheck = {
    status: 'running',
    stop: async () => {
      if (state.status === 'running') {
        state.status = 'stopped';
        running.kill?.();
      }
      await exited;
    },
  };
  // Not part of the state as data (health reports and JSON copies of it).
  Object.defineProperty(state, 'stop', { enumerable: false });
  const t0 = performance.now();
  const finish = (ok: boolean, detail?: string): void => {
    if (state.status !== 'running') return;
    state.status = ok ? 'ok' : 'failed';
    state.ms = Math.round(performance.now() - t0);
    if (detail) state.detail = detail;
    onDone?.(state);
  };
  if (db.memory) {
    finish(true);
    return state;
  }
  const proc = spawn(process.execPath, ['-e', INTEGRITY_SCRIPT, createRequire(import.meta.url).resolve('better-sqlite3'), db.name], { stdio: ['ignore', 'pipe', 'ignore'] });
  proc.unref();
  exited = new Promise<void>((resolve) => {
    if (proc.exitCode !== null || proc.signalCode !== null) resolve();
    else {
      proc.once('close', () => resolve());
      proc.once('error', () => resolve());
    }
  });
  // The check reads the file the caller is about to close (and perhaps delete): end it first.
  running.kill = () => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
  };
  try {
    if (proc.pid !== undefined) setPriority(proc.pid, 10); // behind the server's own work
  } catch {
    // not permitted here: it runs at normal priority
  }
  (proc.stdout as NodeJS.ReadableStream & { unref?: () => void }).unref?.();
  let out = '';
  proc.stdout.setEncoding('utf8');
  proc.stdout.on('data', (d: string) => (out += d));
  proc.once('error', (err) => finish(false, `the integrity check could not run: ${err.message}`));
  proc.once('close', (code) => {
    try {
      const m = JSON.parse(out) as { ok: boolean; detail?: string };
      finish(m.ok, m.detail);
    } catch {
      finish(false, `the integrity check stopped (exit ${code})`);
    }
  });
  return state;
}

/** Opens (creating when absent) the store database in `dataDir`. Throws StoreError with a clear message. */
export function openDatabase(dataDir: string): Db {
  const file = join(dataDir, DB_FILE_NAME);
  const existed = existsSync(file);
  let db: Db | undefined;
  try {
    if (existed) checkHeader(file);
    db = new Database(file, { fileMustExist: false });
    // Bounded checks before any write (the full check runs in the background: see the top).
    if (existed) {
      db.prepare('SELECT COUNT(*) FROM sqlite_schema').pluck().get(); // parses page 1 and the schema
      for (const table of SMALL_TABLES) {
        const exists = db.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?").get(table);
        if (!exists) continue;
        const first = (db.pragma(`quick_check(${table})`) as { quick_check: string }[])[0]?.quick_check;
        if (first !== 'ok') throw new StoreError(`integrity check failed: ${String(first).slice(0, 200)}`);
      }
    }
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    db.exec(SCHEMA);
    restrictToOwner(file);
    return db;
  } catch (err) {
    try {
      db?.close();
    } catch {
      // closing a handle on a corrupt file can fail too; the message below is what matters
    }
    const detail = err instanceof Error ? err.message : String(err);
    throw new StoreError(
      `the store file ${file} cannot be used (${detail}). It was left untouched: restore it from a backup, or set TWIN_DATA_DIR to another folder to start with a fresh store.`,
    );
  }
}
