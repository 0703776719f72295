// The embedded mode's AuditEvents, in their own SQLite table instead of the FHIR store's
// in-memory search index (where they piled up without bound and slowed every clinical search).
// They remain copies: audit.log is the source of truth (trail.ts re-sends what is missing), so
// they are committed with synchronous=NORMAL. The admin's /fhir/AuditEvent searches are answered
// here with SQL, newest first, as FHIR search results.
//
// Supported search (what the admin UI and the README use): agent (Practitioner/{id} or id),
// altid (username; altid:not to leave users out), entity and patient (references, Patient/{id} or id), action, outcome, _id
// (comma = OR), date with FHIR prefixes (several = AND), _sort=-date|date, _count, _offset,
// _total, _summary=count. Anything else → 400 naming the parameter.
import type { AuditEvent } from '@medplum/fhirtypes';
import type { Statement, Transaction } from 'better-sqlite3';
import type { Db } from '../storage/database';
import { writeQueueOf } from '../storage/write-queue';
import type { AuditEventStore } from './trail';

export class AuditSearchError extends Error {
  override name = 'AuditSearchError';
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS audit_events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  recorded_ms INTEGER NOT NULL,
  user_id TEXT,
  username TEXT,
  action TEXT,
  outcome TEXT,
  json TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_events_recorded ON audit_events (recorded_ms);
CREATE INDEX IF NOT EXISTS audit_events_user ON audit_events (user_id, recorded_ms);
CREATE INDEX IF NOT EXISTS audit_events_username ON audit_events (username, recorded_ms);
CREATE TABLE IF NOT EXISTS audit_event_refs (
  ref TEXT NOT NULL,
  event_seq INTEGER NOT NULL,
  PRIMARY KEY (ref, event_seq)
) WITHOUT ROWID;
`;

type Query = Record<string, string | string[]>;

const RESULT_PARAMS = new Set(['_count', '_offset', '_sort', '_total', '_summary']);
const MAX_COUNT = 1000;
const DEFAULT_COUNT = 100;

export interface AuditSearchResult {
  total: number;
  events: AuditEvent[];
}

/** [startMs, endMs) of a FHIR date/dateTime value at its own precision. */
export function dateRangeMs(value: string): [number, number] {
  const m = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$/.exec(value);
  if (m) {
    const y = Number(m[1]);
    if (m[3]) {
      const start = Date.UTC(y, Number(m[2]) - 1, Number(m[3]));
      return [start, start + 86_400_000];
    }
    if (m[2]) return [Date.UTC(y, Number(m[2]) - 1, 1), Date.UTC(y, Number(m[2]), 1)];
    return [Date.UTC(y, 0, 1), Date.UTC(y + 1, 0, 1)];
  }
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})?$/.test(value)) {
    throw new AuditSearchError('date must be a FHIR date or dateTime (e.g. ge2026-01-31 or lt2026-01-31T12:00:00Z)');
  }
  const withZone = /(Z|[+-]\d{2}:\d{2})$/.test(value) ? value : `${value}Z`;
  const start = Date.parse(withZone);
  if (Number.isNaN(start)) throw new AuditSearchError('date is not a valid date');
  // Precision of the value: minutes, seconds or milliseconds.
  const precisionMs = /:\d{2}:\d{2}\.\d/.test(value) ? 1 : /T\d{2}:\d{2}:\d{2}/.test(value) ? 1000 : 60_000;
  return [start, start + precisionMs];
}

/** SQL condition for one `date` value (FHIR search prefixes), on recorded_ms (an instant). */
function dateCondition(raw: string): { sql: string; args: number[] } {
  const prefix = /^(eq|ne|gt|lt|ge|le|sa|eb)/.exec(raw)?.[1] ?? 'eq';
  const value = raw.slice(/^(eq|ne|gt|lt|ge|le|sa|eb)/.test(raw) ? 2 : 0);
  const [start, end] = dateRangeMs(value);
  switch (prefix) {
    case 'eq':
      return { sql: 'e.recorded_ms >= ? AND e.recorded_ms < ?', args: [start, end] };
    case 'ne':
      return { sql: '(e.recorded_ms < ? OR e.recorded_ms >= ?)', args: [start, end] };
    case 'gt':
    case 'sa':
      return { sql: 'e.recorded_ms >= ?', args: [end] };
    case 'ge':
      return { sql: 'e.recorded_ms >= ?', args: [start] };
    case 'lt':
    case 'eb':
      return { sql: 'e.recorded_ms < ?', args: [start] };
    case 'le':
      return { sql: 'e.recorded_ms < ?', args: [end] };
    default:
      throw new AuditSearchError(`date prefix ${prefix} is not supported`);
  }
}

function valuesOf(query: Query, key: string): string[] {
  const v = query[key];
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

function single(query: Query, key: string): string | undefined {
  const all = valuesOf(query, key);
  if (all.length > 1) throw new AuditSearchError(`${key} given more than once`);
  return all[0];
}

const ID = /^[A-Za-z0-9\-.]{1,64}$/;

function reference(value: string, defaultType: string | null, param: string): string {
  const v = value.replace(/^.*\/fhir\//, '');
  if (ID.test(v) && defaultType) return `${defaultType}/${v}`;
  if (/^[A-Z][A-Za-z]{1,63}\/[A-Za-z0-9\-.]{1,64}$/.test(v)) return v;
  throw new AuditSearchError(`${param} must be a reference (Type/id)${defaultType ? ' or an id' : ''}`);
}

/** Entity references of an event (what `entity=` and `patient=` match). */
function refsOf(e: AuditEvent): string[] {
  const refs = new Set<string>();
  for (const en of e.entity ?? []) if (en.what?.reference) refs.add(en.what.reference);
  return [...refs];
}

/**
 * The one way AuditEvents are inserted into the table: prepared statements on one connection —
 * the event-loop thread's (AuditEventTable) or the audit worker thread's own (audit.worker.ts).
 */
export class AuditEventInserter {
  private readonly insertEvent: Statement<[string, number, string | null, string | null, string | null, string | null, string]>;
  private readonly insertRef: Statement<[string, number | bigint]>;
  /** Inserts the events in one transaction (`.immediate(events)` takes the write lock first). */
  readonly insertAll: Transaction<(events: readonly AuditEvent[]) => void>;

  constructor(db: Db) {
    this.insertEvent = db.prepare('INSERT OR IGNORE INTO audit_events (id, recorded_ms, user_id, username, action, outcome, json) VALUES (?, ?, ?, ?, ?, ?, ?)');
    this.insertRef = db.prepare('INSERT OR IGNORE INTO audit_event_refs (ref, event_seq) VALUES (?, ?)');
    this.insertAll = db.transaction((events: readonly AuditEvent[]) => {
      for (const e of events) this.insert(e);
    });
  }

  insert(event: AuditEvent): void {
    if (!event.id) throw new Error('an AuditEvent needs an id');
    const recordedMs = Date.parse(event.recorded ?? '');
    if (Number.isNaN(recordedMs)) throw new Error('an AuditEvent needs a recorded time');
    const agent = event.agent?.find((a) => a.requestor) ?? event.agent?.[0];
    const userRef = agent?.who?.reference;
    const userId = userRef?.startsWith('Practitioner/') ? userRef.slice('Practitioner/'.length) : null;
    const stored: AuditEvent = { ...event, meta: { versionId: '1', lastUpdated: new Date(recordedMs).toISOString() } };
    const info = this.insertEvent.run(event.id, recordedMs, userId, agent?.altId ?? null, event.action ?? null, event.outcome ?? null, JSON.stringify(stored));
    if (info.changes === 0) return; // already stored (a re-send): same id, same record
    for (const ref of refsOf(event)) this.insertRef.run(ref, info.lastInsertRowid);
  }
}

/** Creates the AuditEvent tables when absent (before any connection inserts). */
export function ensureAuditEventSchema(db: Db): void {
  db.exec(SCHEMA);
}

export class AuditEventTable implements AuditEventStore {
  private readonly inserter: AuditEventInserter;
  private readonly byId: Statement<[string], { json: string }>;
  private batch: { event: AuditEvent; resolve: () => void; reject: (e: unknown) => void }[] = [];
  private readonly relaxed: Statement;
  private readonly full: Statement;

  constructor(private readonly db: Db) {
    ensureAuditEventSchema(db);
    this.inserter = new AuditEventInserter(db);
    this.byId = db.prepare('SELECT json FROM audit_events WHERE id = ?');
    // Prepared once: flush runs per event-loop turn under load (pragma() prepares on each call).
    this.relaxed = db.prepare('PRAGMA synchronous = NORMAL');
    this.full = db.prepare('PRAGMA synchronous = FULL');
  }

  /**
   * Moves AuditEvents an earlier version kept in the FHIR store's table into this one (once;
   * idempotent), and removes them there so they are never loaded into memory again.
   */
  migrateFromFhirVersions(): number {
    const rows = this.db.prepare("SELECT json FROM fhir_versions WHERE resource_type = 'AuditEvent' ORDER BY seq").all() as { json: string }[];
    if (rows.length === 0) return 0;
    this.db.transaction(() => {
      for (const row of rows) this.inserter.insert(JSON.parse(row.json) as AuditEvent);
      this.db.prepare("DELETE FROM fhir_versions WHERE resource_type = 'AuditEvent'").run();
    }).immediate();
    return rows.length;
  }

  /** AuditEventStore: micro-batched, one relaxed-durability transaction per tick. */
  put(event: AuditEvent): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (this.batch.length === 0) setImmediate(() => this.flush());
      this.batch.push({ event, resolve, reject });
    });
  }

  private flush(): void {
    const current = this.batch;
    this.batch = [];
    writeQueueOf(this.db)
      .run(() => {
        // Copies of the fsync'ed audit.log: NORMAL is enough (survives a process crash).
        this.relaxed.run();
        try {
          this.inserter.insertAll.immediate(current.map((b) => b.event));
        } finally {
          this.full.run();
        }
      })
      .then(
        () => current.forEach((b) => b.resolve()),
        (err: unknown) => current.forEach((b) => b.reject(err)),
      );
  }

  async has(id: string): Promise<boolean> {
    return this.byId.get(id) !== undefined;
  }

  read(id: string): AuditEvent | undefined {
    const row = this.byId.get(id);
    return row ? (JSON.parse(row.json) as AuditEvent) : undefined;
  }

  /** Number of stored AuditEvents. */
  count(): number {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM audit_events').get() as { n: number }).n;
  }

  /** A type search on AuditEvent; throws AuditSearchError (→ 400) for what it does not support. */
  search(query: Query): AuditSearchResult {
    const where: string[] = [];
    const args: (string | number)[] = [];
    const anyOf = (column: string, values: string[]): void => {
      where.push(`${column} IN (${values.map(() => '?').join(', ')})`);
      args.push(...values);
    };
    for (const [key, raw] of Object.entries(query)) {
      if (RESULT_PARAMS.has(key)) continue;
      const values = Array.isArray(raw) ? raw : [raw];
      for (const value of values) {
        const alternatives = value.split(',').filter(Boolean);
        if (alternatives.length === 0) continue;
        switch (key) {
          case '_id':
            anyOf('e.id', alternatives);
            break;
          case 'action':
            anyOf('e.action', alternatives);
            break;
          case 'outcome':
            anyOf('e.outcome', alternatives);
            break;
          case 'altid':
            anyOf('e.username', alternatives.map((a) => a.toLowerCase()));
            break;
          case 'altid:not': {
            // FHIR token :not — e.g. hide the monitor feed's service account; events without a user stay.
            const names = alternatives.map((a) => a.toLowerCase());
            where.push(`(e.username IS NULL OR e.username NOT IN (${names.map(() => '?').join(', ')}))`);
            args.push(...names);
            break;
          }
          case 'agent': {
            const ids = alternatives.map((a) => {
              const ref = reference(a, 'Practitioner', 'agent');
              if (!ref.startsWith('Practitioner/')) throw new AuditSearchError('agent must be Practitioner/{userId} or a user id');
              return ref.slice('Practitioner/'.length);
            });
            anyOf('e.user_id', ids);
            break;
          }
          case 'entity':
          case 'patient': {
            const refs = alternatives.map((a) => reference(a, key === 'patient' ? 'Patient' : null, key));
            if (key === 'patient' && refs.some((r) => !r.startsWith('Patient/'))) throw new AuditSearchError('patient must be Patient/{id} or an id');
            where.push(`e.seq IN (SELECT event_seq FROM audit_event_refs WHERE ref IN (${refs.map(() => '?').join(', ')}))`);
            args.push(...refs);
            break;
          }
          case 'date': {
            if (alternatives.length > 1) throw new AuditSearchError('date takes one value per parameter (repeat date= for a range)');
            const c = dateCondition(alternatives[0]!);
            where.push(c.sql);
            args.push(...c.args);
            break;
          }
          default:
            throw new AuditSearchError(`search parameter ${key.slice(0, 64)} is not supported for AuditEvent by this server (use agent, altid, altid:not, entity, patient, action, outcome, date, _id)`);
        }
      }
    }
    const sort = single(query, '_sort') ?? '-date';
    const order = sort === '-date' || sort === '-_lastUpdated' ? 'DESC' : sort === 'date' || sort === '_lastUpdated' ? 'ASC' : null;
    if (!order) throw new AuditSearchError('_sort must be -date or date for AuditEvent');
    const countRaw = single(query, '_count');
    const offsetRaw = single(query, '_offset');
    const summary = single(query, '_summary');
    if (countRaw !== undefined && !/^\d{1,9}$/.test(countRaw)) throw new AuditSearchError('_count must be a whole number');
    if (offsetRaw !== undefined && !/^\d{1,9}$/.test(offsetRaw)) throw new AuditSearchError('_offset must be a whole number');
    const count = summary === 'count' ? 0 : Math.min(MAX_COUNT, Number(countRaw ?? DEFAULT_COUNT));
    const offset = Number(offsetRaw ?? 0);
    const whereSql = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const total = (this.db.prepare(`SELECT COUNT(*) AS n FROM audit_events e ${whereSql}`).get(...args) as { n: number }).n;
    const rows =
      count > 0
        ? (this.db
            .prepare(`SELECT e.json FROM audit_events e ${whereSql} ORDER BY e.recorded_ms ${order}, e.seq ${order} LIMIT ? OFFSET ?`)
            .all(...args, count, offset) as { json: string }[])
        : [];
    return { total, events: rows.map((r) => JSON.parse(r.json) as AuditEvent) };
  }
}
