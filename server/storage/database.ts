// The one SQLite file under TWIN_DATA_DIR: FHIR resource versions, users, revoked sessions.
// WAL + synchronous=FULL so that a commit that returned has reached the disk (survives kill -9
// and power loss of the process). A file that is not a healthy SQLite database is refused,
// never rewritten.
import Database from 'better-sqlite3';
import { chmodSync, existsSync } from 'node:fs';
import { join } from 'node:path';

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

/** Opens (creating when absent) the store database in `dataDir`. Throws StoreError with a clear message. */
export function openDatabase(dataDir: string): Db {
  const file = join(dataDir, DB_FILE_NAME);
  const existed = existsSync(file);
  let db: Db | undefined;
  try {
    db = new Database(file, { fileMustExist: false });
    // quick_check reads every page header: a truncated or overwritten file fails here, before any write.
    if (existed) {
      const rows = db.pragma('quick_check') as { quick_check: string }[];
      const first = rows[0]?.quick_check;
      if (first !== 'ok') throw new StoreError(`integrity check failed: ${String(first).slice(0, 200)}`);
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
