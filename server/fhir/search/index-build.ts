// Builds the search index from the durable record (fhir_versions) when it is missing or was
// built from other definitions: this is how a data folder from the previous version of the store
// (which kept only fhir_versions and indexed in memory) migrates, once, at its first open.
// fhir_versions is only read, so nothing stored can be lost; the build is one transaction, so a
// crash during it leaves the old state and the next open builds again.
import type { Resource } from '@medplum/fhirtypes';
import type { Db } from '../../storage/database';
import type { ParamRegistry } from './params';
import { INDEX_TABLES } from './schema';
import { TIMELINE_TABLE } from './timeline';

const SIGNATURE_KEY = 'fhir_index_signature';

/**
 * Rebuilds the index when its signature differs from the registry's; returns the number of
 * resources indexed (0 when the index was current). Also drops current rows whose version row
 * is gone (AuditEvents moved to their own table by audit/event-table.ts).
 */
export function rebuildIndexIfStale(db: Db, registry: ParamRegistry, index: (rid: number, resource: Resource) => void): number {
  const stored = db.prepare('SELECT value FROM meta WHERE key = ?').pluck().get(SIGNATURE_KEY) as string | undefined;
  if (stored === registry.signature) {
    dropOrphans(db);
    return 0;
  }
  let n = 0;
  db.transaction(() => {
    db.exec(`DELETE FROM fhir_current; ${[...INDEX_TABLES, TIMELINE_TABLE].map((t) => `DELETE FROM ${t};`).join(' ')}`);
    registry.writePids(db);
    registry.loadPids(db);
    // Current = the latest version of each resource; rids in order of first creation, the order
    // the store has always returned unsorted results in.
    db.exec(`
      INSERT INTO fhir_current (resource_type, id, seq, version_id, last_updated)
      SELECT v.resource_type, v.id, v.seq, CAST(v.version_id AS INTEGER), v.last_updated
      FROM (SELECT resource_type, id, MIN(seq) AS first, MAX(seq) AS last FROM fhir_versions GROUP BY resource_type, id) g
      JOIN fhir_versions v ON v.seq = g.last
      ORDER BY g.first`);
    const total = db.prepare('SELECT COUNT(*) FROM fhir_current').pluck().get() as number;
    if (total > 10_000) process.stderr.write(`twinscope: building the FHIR search index of ${total} resources (once, after an upgrade)…\n`);
    // In batches: better-sqlite3 runs no other statement while an iterator is open.
    const batch = db.prepare('SELECT c.rid, v.json FROM fhir_current c JOIN fhir_versions v ON v.seq = c.seq WHERE c.rid > ? ORDER BY c.rid LIMIT 2000');
    let after = 0;
    for (;;) {
      const rows = batch.all(after) as { rid: number; json: string }[];
      if (rows.length === 0) break;
      for (const row of rows) {
        index(row.rid, JSON.parse(row.json) as Resource);
        n++;
      }
      after = (rows.at(-1) as { rid: number }).rid;
    }
    db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(SIGNATURE_KEY, registry.signature);
  }).immediate();
  return n;
}

function dropOrphans(db: Db): void {
  const orphans = db
    .prepare("SELECT rid FROM fhir_current c WHERE c.resource_type = 'AuditEvent' AND NOT EXISTS (SELECT 1 FROM fhir_versions v WHERE v.seq = c.seq)")
    .pluck()
    .all() as number[];
  if (orphans.length === 0) return;
  const deletes = ['fhir_current', ...INDEX_TABLES, TIMELINE_TABLE].map((t) => db.prepare(`DELETE FROM ${t} WHERE rid = ?`));
  db.transaction(() => {
    for (const rid of orphans) for (const d of deletes) d.run(rid);
  }).immediate();
}
