// Embedded mode: the durable source of event ids and of replays older than the hub's ring.
// Each row of the store's `fhir_versions` table is one resource version; its AUTOINCREMENT `seq`
// is the SSE event id. It is assigned in the same SQLite transaction as the write, so it is
// monotonic, survives restarts, and is never reused (AUTOINCREMENT never hands out a number twice).
import type { ResourceEvent } from '../../core/contracts';
import { patientIdOfResource } from '../fhir/references';
import type { Db } from '../storage/database';
import type { EventBackfill } from './hub';

interface VersionRow {
  seq: number;
  resource_type: string;
  id: string;
  version_id: string;
  last_updated: string;
  json: string;
  has_earlier: number;
}

/** Highest seq in the store (0 when empty): every event above it will be published live. */
export function storeMaxSeq(db: Db): number {
  const row = db.prepare('SELECT COALESCE(MAX(seq), 0) AS maxSeq FROM fhir_versions').get() as { maxSeq: number };
  return row.maxSeq;
}

/** Reads replays from the store. Scans in pages so that one resume never loads the whole history. */
export class StoreEventBackfill implements EventBackfill {
  private readonly page;

  constructor(db: Db, private readonly pageSize = 500) {
    // The instr() prefilter keeps most unrelated rows in SQLite; the exact patient test is done on
    // the parsed resource (references may be relative, absolute or versioned).
    this.page = db.prepare(
      `SELECT v.seq, v.resource_type, v.id, v.version_id, v.last_updated, v.json,
              EXISTS (SELECT 1 FROM fhir_versions p WHERE p.resource_type = v.resource_type AND p.id = v.id AND p.seq < v.seq) AS has_earlier
         FROM fhir_versions v
        WHERE v.seq > ? AND v.seq <= ?
          AND ((v.resource_type = 'Patient' AND v.id = ?) OR instr(v.json, ?) > 0)
        ORDER BY v.seq
        LIMIT ?`,
    );
  }

  eventsBetween(patientId: string, afterSeq: number, upToSeq: number, limit: number): Promise<ResourceEvent[]> {
    const out: ResourceEvent[] = [];
    let cursor = afterSeq;
    const needle = `Patient/${patientId}`;
    while (out.length < limit && cursor < upToSeq) {
      const rows = this.page.all(cursor, upToSeq, patientId, needle, this.pageSize) as VersionRow[];
      if (rows.length === 0) break;
      for (const r of rows) {
        cursor = r.seq;
        if (r.resource_type === 'AuditEvent') continue; // the audit trail is not clinical news
        let resource: Record<string, unknown>;
        try {
          resource = JSON.parse(r.json) as Record<string, unknown>;
        } catch {
          continue;
        }
        if (patientIdOfResource(resource) !== patientId) continue;
        out.push({
          seq: r.seq,
          patientId,
          resourceType: r.resource_type,
          id: r.id,
          versionId: r.version_id,
          action: r.has_earlier ? 'update' : 'create',
          at: r.last_updated,
        });
        if (out.length >= limit) break;
      }
      if (rows.length < this.pageSize) break;
    }
    return Promise.resolve(out);
  }
}
