// SQLite tables of the embedded store's search index (issue 14). The durable record stays
// `fhir_versions` (every version, as written); these tables are derived from it and can always be
// rebuilt from it (see index-build.ts), which is how a store from the previous version migrates.
//
// fhir_current   one row per resource: its current version (`seq` into fhir_versions). `rid` is
//                assigned at first creation, so ordering by rid is creation order: the tie-break
//                of every sort, the same order medplum's MemoryRepository keeps.
// fhir_search_params  integer ids (`pid`) for (resource type, search parameter code).
// idx_*          search parameter values extracted at write time, one table per value kind, each
//                clustered by (rid, pid, n) so a resource's rows sit together (cheap delete and
//                per-resource probes), with one secondary index by (pid, value) for lookups.
//                A parameter whose FHIRPath yields values that convert to nothing searchable gets
//                one row with NULL values, so that `:missing` stays exact.
import type { Db } from '../../storage/database';
import { TIMELINE_SCHEMA } from './timeline';

// The table names live with the parameter-type → table map (params.ts), so that nothing here is
// imported back by the extraction modules (no import cycle).
export { INDEX_TABLES, type IndexTable } from './params';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS fhir_current (
  rid INTEGER PRIMARY KEY,
  resource_type TEXT NOT NULL,
  id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  version_id INTEGER NOT NULL,
  last_updated TEXT NOT NULL,
  UNIQUE (resource_type, id)
);
CREATE INDEX IF NOT EXISTS fhir_current_by_type ON fhir_current (resource_type);
CREATE TABLE IF NOT EXISTS fhir_search_params (
  pid INTEGER PRIMARY KEY,
  resource_type TEXT NOT NULL,
  code TEXT NOT NULL,
  type TEXT NOT NULL,
  UNIQUE (resource_type, code)
);
CREATE TABLE IF NOT EXISTS idx_token (
  rid INTEGER NOT NULL, pid INTEGER NOT NULL, n INTEGER NOT NULL,
  system TEXT, value TEXT,
  PRIMARY KEY (rid, pid, n)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS idx_token_lookup ON idx_token (pid, value, system);
CREATE TABLE IF NOT EXISTS idx_ref (
  rid INTEGER NOT NULL, pid INTEGER NOT NULL, n INTEGER NOT NULL,
  target TEXT, target_id TEXT,
  PRIMARY KEY (rid, pid, n)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS idx_ref_lookup ON idx_ref (pid, target);
CREATE INDEX IF NOT EXISTS idx_ref_lookup_id ON idx_ref (pid, target_id);
CREATE TABLE IF NOT EXISTS idx_date (
  rid INTEGER NOT NULL, pid INTEGER NOT NULL, n INTEGER NOT NULL,
  lo TEXT, hi TEXT,
  PRIMARY KEY (rid, pid, n)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS idx_date_lookup ON idx_date (pid, hi, lo);
CREATE TABLE IF NOT EXISTS idx_string (
  rid INTEGER NOT NULL, pid INTEGER NOT NULL, n INTEGER NOT NULL,
  value TEXT, norm TEXT,
  PRIMARY KEY (rid, pid, n)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS idx_string_lookup ON idx_string (pid, norm);
CREATE TABLE IF NOT EXISTS idx_uri (
  rid INTEGER NOT NULL, pid INTEGER NOT NULL, n INTEGER NOT NULL,
  value TEXT,
  PRIMARY KEY (rid, pid, n)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS idx_uri_lookup ON idx_uri (pid, value);
CREATE TABLE IF NOT EXISTS idx_quantity (
  rid INTEGER NOT NULL, pid INTEGER NOT NULL, n INTEGER NOT NULL,
  value REAL, system TEXT, code TEXT, unit TEXT,
  PRIMARY KEY (rid, pid, n)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS idx_quantity_lookup ON idx_quantity (pid, value);
`;

/** Creates the index tables when absent (idempotent). The caller decides whether to (re)build them. */
export function ensureIndexSchema(db: Db): void {
  db.exec(SCHEMA);
  db.exec(TIMELINE_SCHEMA);
}
