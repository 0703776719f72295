// A real embedded FHIR store (SQLite, WAL, the server's own schema) in a fresh temporary folder, for
// tests that need the store itself rather than a server in front of it. One place for the set-up
// and the tear-down order (store, then connection, then the folder), so no test leaves a temp dir
// or an open SQLite handle behind.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FhirStore } from '../server/fhir/store';
import { openDatabase, type Db } from '../server/storage/database';

export interface TempFhirStore {
  /** The data folder (`TWIN_DATA_DIR` layout): other stores of the test, e.g. a DicomStore, may open it too. */
  dir: string;
  db: Db;
  store: FhirStore;
  /** Closes the store and the connection and deletes the folder; safe to call twice. */
  close(): void;
}

/** Opens an empty store in a new folder under the OS temp dir named `prefix…`. */
export async function openTempFhirStore(prefix: string): Promise<TempFhirStore> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  let db: Db | undefined;
  try {
    db = openDatabase(dir);
    const store = await FhirStore.open(db);
    let closed = false;
    const opened = db;
    return {
      dir,
      db: opened,
      store,
      close() {
        if (closed) return;
        closed = true;
        try {
          store.close();
          opened.close();
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      },
    };
  } catch (e) {
    db?.close();
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}
