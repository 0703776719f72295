// The embedded store's repository: SQLite is the only home of the data. Every version lands in
// `fhir_versions` (the durable record, unchanged since the first version of the store); the
// current version of each resource and its search parameter values land, in the same SQLite
// transaction, in `fhir_current` and the index tables (search/schema.ts). Reads and searches are
// SQL (search/compile.ts); nothing but small caches (parameter ids, prepared statements) is held
// in memory, so memory and start-up do not grow with the record.
//
// Connections: writes, and the reads a write request makes (a transaction bundle reading what it
// wrote, If-Match, conditional create), use the store's connection inside FhirStore.runWrite's
// transaction: runWrite hands its function `forWrite`, this repository bound to that connection
// (runWriteSync: while its synchronous function runs). Every other read uses a second, query-only
// connection, so it sees committed data only (WAL snapshot) and never a write in progress. (Not an
// AsyncLocalStorage, issue 14: on Node 20 its first run() turns on promise hooks for the whole
// process, 3–5 % of every later request's event-loop time.)
//
// Ownership: one instance per FhirStore. Writes must only happen inside FhirStore.runWrite() or
// runWriteSync(), which serialise them and wrap each request in one SQLite transaction.
import { OperationOutcomeError, badRequest, formatSearchQuery, notFound, Operator, preconditionFailed, type SearchRequest, type WithId } from '@medplum/core';
import { FhirRepository, type CreateResourceOptions, type RepositoryMode, type UpdateResourceOptions } from '@medplum/fhir-router';
import type { Bundle, Reference, Resource } from '@medplum/fhirtypes';
import Database, { type Statement } from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import type { Db } from '../storage/database';
import { isValidFhirId, patientIdOfResource } from './references';
import { afterCursor, compileSearch, decodeCursor, encodeCursor, type SqlArg } from './search/compile';
import { emptyRows, extractRows, type ExtractedRows } from './search/extract';
import { rebuildIndexIfStale } from './search/index-build';
import { ParamRegistry, type IndexedParam } from './search/params';
import { ensureIndexSchema, INDEX_TABLES } from './search/schema';
import { buildTimelineRange, TIMELINE_TABLE, timelineRows, timelineSpec, type TimelineRow } from './search/timeline';

/** Bump when timeline.ts changes what it derives: an index without it is given one after open (by SQL, no re-extraction). */
const TIMELINE_VERSION = 2;
/** meta: the signature of the complete timeline index. */
const TIMELINE_KEY = 'fhir_timeline_signature';
/** meta: `{signature, after, last}` while the timeline is being built (resumed after a restart). */
const TIMELINE_BUILD_KEY = 'fhir_timeline_build';
/** Resources per timelineStep transaction: requests queued behind one wait for its CPU, ≈ 130 ms at 1,000 patients (9.3 s CPU over 73 batches, measured at load ≈ 20). */
export const TIMELINE_BATCH_RIDS = 4000;

/** Where the search index stands: `building` while an older store's timeline index is filled after open. */
export interface IndexBuildState {
  status: 'ready' | 'building';
  /** Resources (rids) covered so far and in all, while building. */
  done: number;
  total: number;
}

/** One committed or pending write, as announced to onWrite listeners after commit. */
export interface ResourceWrite {
  resourceType: string;
  id: string;
  versionId: string;
  lastUpdated: string;
  action: 'create' | 'update';
  patientId?: string;
}

/** A resource ready to store: its index rows extracted ahead of the write (DurableRepository.prepareWrite). */
export interface PreparedWrite<T extends Resource = Resource> {
  resource: T;
  rows: ExtractedRows;
}

function clearRows(rows: ExtractedRows): void {
  rows.token.length = rows.ref.length = rows.date.length = rows.string.length = rows.uri.length = rows.quantity.length = 0;
}

/** A search page as stored JSON text (DurableRepository.searchJson). */
export interface SearchPage {
  entries: { resourceType: string; id: string; json: string }[];
  total?: number;
  next?: string;
}

/** Columns of a search page's rows (searchJson, raw mode): then the sort keys k0… from PAGE_KEYS. */
const PAGE_TYPE = 0;
const PAGE_ID = 1;
const PAGE_JSON = 2;
const PAGE_RID = 3;
const PAGE_TOTAL = 4;
const PAGE_KEYS = 5;

/** Read through DurableRepository.forWrite only: marks a call as part of the write in progress. */
const WRITE_BOUND = Symbol('write-bound');

/** The current version of a resource as stored: its JSON text and its row's meta (the same values as the text's meta). */
export interface StoredCurrent {
  json: string;
  versionId: string;
  lastUpdated: string;
}

/** Prepared statements of one connection, plus its cache of compiled search statements. */
class Connection {
  readonly current: Statement<[string, string], { rid: number; seq: number; version_id: number }>;
  readonly json: Statement<[string, string], string>;
  readonly stored: Statement<[string, string], StoredCurrent>;
  readonly jsonBySeq: Statement<[number], string>;
  readonly history: Statement<[string, string], string>;
  readonly version: Statement<[string, string, string], string>;
  private readonly cache = new Map<string, Statement>();

  constructor(readonly db: Db) {
    this.current = db.prepare('SELECT rid, seq, version_id FROM fhir_current WHERE resource_type = ? AND id = ?');
    this.json = db.prepare('SELECT v.json FROM fhir_current c JOIN fhir_versions v ON v.seq = c.seq WHERE c.resource_type = ? AND c.id = ?').pluck() as Statement<[string, string], string>;
    this.stored = db.prepare('SELECT v.json AS json, v.version_id AS versionId, v.last_updated AS lastUpdated FROM fhir_current c JOIN fhir_versions v ON v.seq = c.seq WHERE c.resource_type = ? AND c.id = ?') as Statement<[string, string], StoredCurrent>;
    this.jsonBySeq = db.prepare('SELECT json FROM fhir_versions WHERE seq = ?').pluck() as Statement<[number], string>;
    this.history = db.prepare('SELECT json FROM fhir_versions WHERE resource_type = ? AND id = ? ORDER BY seq DESC').pluck() as Statement<[string, string], string>;
    this.version = db.prepare('SELECT json FROM fhir_versions WHERE resource_type = ? AND id = ? AND version_id = ?').pluck() as Statement<[string, string, string], string>;
  }

  /** A prepared statement for generated SQL; bounded cache (queries differ in shape, not values). */
  prepare(sql: string): Statement {
    return this.cached(sql, false);
  }

  /** prepare() for a statement whose rows come back as arrays of column values (raw mode). */
  prepareRaw(sql: string): Statement {
    return this.cached(sql, true);
  }

  private cached(sql: string, raw: boolean): Statement {
    const key = raw ? `raw:${sql}` : sql;
    let s = this.cache.get(key);
    if (!s) {
      if (this.cache.size >= 512) this.cache.clear();
      s = this.db.prepare(sql);
      if (raw) s.raw(true);
      this.cache.set(key, s);
    }
    return s;
  }
}

export class DurableRepository extends FhirRepository<undefined> {
  private readonly registry = new ParamRegistry();
  private readonly writer: Connection;
  private readonly reader: Connection;
  private readonly readerDb: Db;
  /** This repository with its reads on the write connection: what runWrite's function gets (see top). */
  readonly forWrite: this;
  /** Set while runWriteSync's synchronous function runs (nothing else can run meanwhile). */
  private syncWrites = 0;
  private readonly insertVersion: Statement<[string, string, string, string, string]>;
  private readonly insertCurrent: Statement<[string, string, number, number, string]>;
  private readonly updateCurrent: Statement<[number, number, string, number]>;
  private readonly deleteRows: Statement<[number]>[];
  private readonly insertToken: Statement;
  private readonly insertRef: Statement;
  private readonly insertDate: Statement;
  private readonly insertString: Statement;
  private readonly insertUri: Statement;
  private readonly insertQuantity: Statement;
  private readonly insertTimeline: Statement;
  private readonly timelineScratch: TimelineRow[] = [];
  private readonly scratch: ExtractedRows = emptyRows();
  private readonly metaRows: ExtractedRows = emptyRows();
  private readonly paramSplit = new Map<string, { before: readonly IndexedParam[]; atWrite: readonly IndexedParam[] }>();
  private lastUpdatedMs = 0;
  /**
   * The timeline index's build, while a store from before it (or from another version of it) is
   * given one: rids in (after, last] still to do. Searches use the timeline plan only once it is
   * complete (undefined); until then they take the general plan, which gives the same results.
   */
  private timelineBuild: { signature: string; after: number; last: number } | undefined;
  /** Writes of the request in progress; drained by the store after commit, dropped after rollback. */
  pending: ResourceWrite[] = [];

  constructor(private readonly db: Db) {
    super();
    ensureIndexSchema(db);
    this.insertVersion = db.prepare('INSERT INTO fhir_versions (resource_type, id, version_id, last_updated, json) VALUES (?, ?, ?, ?, ?)');
    this.insertCurrent = db.prepare('INSERT INTO fhir_current (resource_type, id, seq, version_id, last_updated) VALUES (?, ?, ?, ?, ?)');
    this.updateCurrent = db.prepare('UPDATE fhir_current SET seq = ?, version_id = ?, last_updated = ? WHERE rid = ?');
    this.deleteRows = [...INDEX_TABLES, TIMELINE_TABLE].map((t) => db.prepare(`DELETE FROM ${t} WHERE rid = ?`));
    this.insertToken = db.prepare('INSERT INTO idx_token (rid, pid, n, system, value) VALUES (?, ?, ?, ?, ?)');
    this.insertRef = db.prepare('INSERT INTO idx_ref (rid, pid, n, target, target_id) VALUES (?, ?, ?, ?, ?)');
    this.insertDate = db.prepare('INSERT INTO idx_date (rid, pid, n, lo, hi) VALUES (?, ?, ?, ?, ?)');
    this.insertString = db.prepare('INSERT INTO idx_string (rid, pid, n, value, norm) VALUES (?, ?, ?, ?, ?)');
    this.insertUri = db.prepare('INSERT INTO idx_uri (rid, pid, n, value) VALUES (?, ?, ?, ?)');
    this.insertQuantity = db.prepare('INSERT INTO idx_quantity (rid, pid, n, value, system, code, unit) VALUES (?, ?, ?, ?, ?, ?, ?)');
    // OR IGNORE: two codings with the same system and code give one row.
    this.insertTimeline = db.prepare('INSERT OR IGNORE INTO idx_timeline (rid, ref_pid, target, system, value, kdesc, kasc, seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
    this.writer = new Connection(db);
    // A view, not a copy: state written through it (the lastUpdated clock, pending writes) lands here.
    this.forWrite = new Proxy(this, { get: (target, prop, receiver) => (prop === WRITE_BOUND ? true : Reflect.get(target, prop, receiver)) });
    this.readerDb = new Database(db.name, { fileMustExist: true });
    this.readerDb.pragma('query_only = ON');
    this.readerDb.pragma('busy_timeout = 5000');
    // No memory map (mmap_size): in WAL mode SQLite drops a connection's whole map — and its page
    // cache — whenever another connection committed since its last read, and the audit thread
    // commits AuditEvents to this file all the time. Measured (round 8, in-process, the timeline
    // page at 1,000 patients): mapped 94 µs warm without writes, but 729 µs with a small commit
    // every 4 reads, against 254/283 µs with plain reads.
    this.reader = new Connection(this.readerDb);
  }

  /**
   * Makes the index current (building it from fhir_versions when it was built by another version
   * or never: the migration of an existing store) and restores the lastUpdated clock. Returns the
   * number of resources indexed by a rebuild (0 when the index was current).
   */
  open(): number {
    const rebuilt = rebuildIndexIfStale(this.db, this.registry, (rid, resource) => this.indexRows(rid, resource));
    this.registry.loadPids(this.db);
    const signature = `${TIMELINE_VERSION} ${this.registry.signature}`;
    const meta = this.db.prepare('SELECT value FROM meta WHERE key = ?').pluck();
    // A full rebuild wrote every resource's timeline rows with its other rows (indexRows).
    if (rebuilt > 0) this.setMeta(TIMELINE_KEY, signature);
    if (meta.get(TIMELINE_KEY) !== signature) {
      // Not built, or built by another version: filled after open, in rid batches
      // (timelineStep), never here — opening a large store must not wait for it. Write-time
      // rows (every write from now on) and batch rows are the same rows (INSERT OR IGNORE).
      const saved = meta.get(TIMELINE_BUILD_KEY) as string | undefined;
      const resumed = saved ? (JSON.parse(saved) as { signature: string; after: number; last: number }) : undefined;
      if (resumed?.signature === signature) {
        this.timelineBuild = resumed;
      } else {
        const last = (this.db.prepare('SELECT MAX(rid) FROM fhir_current').pluck().get() as number | null) ?? 0;
        this.timelineBuild = { signature, after: 0, last };
        this.db.transaction(() => {
          this.db.exec(`DELETE FROM ${TIMELINE_TABLE}`);
          this.setMeta(TIMELINE_BUILD_KEY, JSON.stringify(this.timelineBuild));
        }).immediate();
      }
      if (this.timelineBuild.after >= this.timelineBuild.last) this.timelineStep();
    }
    // fhir_versions.seq and lastUpdated grow together (nextLastUpdated), so the last row holds the latest.
    const last = this.db.prepare('SELECT last_updated FROM fhir_versions ORDER BY seq DESC LIMIT 1').pluck().get() as string | undefined;
    this.lastUpdatedMs = last ? Date.parse(last) : 0;
    return rebuilt;
  }

  /** Whether the search index is complete, and how far the timeline build has come. */
  get indexState(): IndexBuildState {
    const b = this.timelineBuild;
    return b ? { status: 'building', done: b.after, total: b.last } : { status: 'ready', done: 0, total: 0 };
  }

  /**
   * One batch of the timeline build (at most `batchRids` resources, one transaction on the write
   * connection: call it through the store's write queue, FhirStore does). The progress is saved
   * in the same transaction, so a restart resumes where it stopped. Returns true once complete.
   */
  timelineStep(batchRids = TIMELINE_BATCH_RIDS): boolean {
    const b = this.timelineBuild;
    if (!b) return true;
    const to = Math.min(b.last, b.after + batchRids);
    // The page cache holds the secondary indexes' pages the batch inserts into (random order).
    const cacheSize = this.db.pragma('cache_size', { simple: true }) as number;
    this.db.pragma('cache_size = -65536');
    try {
      this.db.transaction(() => {
        if (to > b.after) buildTimelineRange(this.db, this.registry, b.after, to);
        if (to >= b.last) {
          this.setMeta(TIMELINE_KEY, b.signature);
          this.db.prepare('DELETE FROM meta WHERE key = ?').run(TIMELINE_BUILD_KEY);
        } else {
          this.setMeta(TIMELINE_BUILD_KEY, JSON.stringify({ ...b, after: to }));
        }
        // IMMEDIATE: the batch reads before it writes; begun deferred, a commit of the audit
        // thread's connection in between fails its first write with SQLITE_BUSY_SNAPSHOT, which
        // busy_timeout does not retry (storage/second-writer.int.test.ts).
      }).immediate();
    } finally {
      this.db.pragma(`cache_size = ${cacheSize}`);
    }
    b.after = to;
    if (to >= b.last) this.timelineBuild = undefined;
    return this.timelineBuild === undefined;
  }

  private setMeta(key: string, value: string): void {
    this.db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(key, value);
  }

  close(): void {
    if (this.readerDb.open) this.readerDb.close();
  }

  /** Runs `fn` as part of the write transaction with `forWrite`: its reads through it see its own writes. */
  inWrite<T>(fn: (repo: this) => Promise<T>): Promise<T> {
    return fn(this.forWrite);
  }

  /** inWrite for a synchronous `fn` (FhirStore.runWriteSync): every read meanwhile is the write's. */
  inWriteSync<T>(fn: () => T): T {
    this.syncWrites++;
    try {
      return fn();
    } finally {
      this.syncWrites--;
    }
  }

  /** True inside a write: called through forWrite, or during runWriteSync's function. */
  private get writing(): boolean {
    return (this as unknown as Record<symbol, unknown>)[WRITE_BOUND] === true || this.syncWrites > 0;
  }

  private conn(): Connection {
    return this.writing ? this.writer : this.reader;
  }

  /** After a rollback: SQLite undid the rows; only the announcements of the request are dropped. */
  undoPending(): void {
    this.pending = [];
  }

  setMode(_mode: RepositoryMode): void {
    // One in-process store: no reader/writer split at this level.
  }

  generateId(): string {
    return randomUUID();
  }

  async withTransaction<TResult>(callback: (client: undefined) => Promise<TResult>): Promise<TResult> {
    // Atomicity comes from FhirStore.runWrite: the whole request is one SQLite transaction.
    return callback(undefined);
  }

  async createResource<T extends Resource>(resource: T, options?: CreateResourceOptions): Promise<WithId<T>> {
    const copy = structuredClone(resource);
    // A plain create gets a server-assigned id (FHIR http create); batch processing pre-assigns
    // ids to resolve urn:uuid references and says so with assignedId.
    if (!options?.assignedId || !copy.id) copy.id = this.generateId();
    return this.writeVersion(copy);
  }

  async updateResource<T extends Resource>(resource: T, options?: UpdateResourceOptions): Promise<WithId<T>> {
    if (!resource.id) throw new OperationOutcomeError(badRequest('Missing id'));
    if (options?.ifMatch) {
      const latest = this.writer.current.get(resource.resourceType, resource.id);
      if (!latest) throw new OperationOutcomeError(notFound);
      if (String(latest.version_id) !== options.ifMatch) throw new OperationOutcomeError(preconditionFailed);
    }
    return this.writeVersion(structuredClone(resource));
  }

  async patchResource<T extends Resource>(): Promise<WithId<T>> {
    throw new OperationOutcomeError(badRequest('PATCH is not supported: PUT the whole resource'));
  }

  async deleteResource(): Promise<void> {
    // Clinical records are versioned, never deleted through the API.
    throw new OperationOutcomeError(badRequest('delete is not supported: clinical records are kept; write a new version instead'));
  }

  /** The current version of a resource as its stored JSON text (undefined when absent). */
  readJson(resourceType: string, id: string): string | undefined {
    return this.conn().json.get(resourceType, id);
  }

  /** The current version as its stored text with versionId and lastUpdated from the row (undefined when absent): a read answered without parsing. */
  readStored(resourceType: string, id: string): StoredCurrent | undefined {
    return this.conn().stored.get(resourceType, id);
  }

  async readResource<T extends Resource>(resourceType: string, id: string): Promise<WithId<T>> {
    const json = this.conn().json.get(resourceType, id);
    if (json === undefined) throw new OperationOutcomeError(notFound);
    return JSON.parse(json) as WithId<T>;
  }

  async readReference<T extends Resource>(reference: Reference<T>): Promise<WithId<T>> {
    const parts = reference.reference?.split('/');
    if (parts?.length !== 2 || !parts[0] || !parts[1]) throw new OperationOutcomeError(badRequest('Invalid reference'));
    return this.readResource<T>(parts[0], parts[1]);
  }

  async readReferences<T extends Resource>(references: readonly Reference<T>[]): Promise<(T | Error)[]> {
    return Promise.all(references.map((r) => this.readReference<T>(r).catch((err: unknown) => (err instanceof Error ? err : new Error(String(err))))));
  }

  async readHistory<T extends Resource>(resourceType: string, id: string, options?: { offset?: number; limit?: number }): Promise<Bundle<WithId<T>>> {
    const newestFirst = this.conn().history.all(resourceType, id);
    if (newestFirst.length === 0) throw new OperationOutcomeError(notFound);
    const offset = options?.offset ?? 0;
    const page = options?.limit !== undefined ? newestFirst.slice(offset, offset + options.limit) : newestFirst.slice(offset);
    return { resourceType: 'Bundle', type: 'history', total: newestFirst.length, entry: page.map((json) => ({ resource: JSON.parse(json) as WithId<T> })) };
  }

  async readVersion<T extends Resource>(resourceType: string, id: string, versionId: string): Promise<WithId<T>> {
    const json = this.conn().version.get(resourceType, id, versionId);
    if (json === undefined) throw new OperationOutcomeError(notFound);
    return JSON.parse(json) as WithId<T>;
  }

  async searchByReference<T extends Resource>(searchRequest: SearchRequest<T>, referenceField: string, references: string[]): Promise<Record<string, WithId<T>[]>> {
    const out: Record<string, WithId<T>[]> = {};
    for (const reference of references) {
      const filters = [...(searchRequest.filters ?? []), { code: referenceField, operator: Operator.EQUALS, value: reference }];
      const bundle = await this.search<T>({ ...searchRequest, filters });
      out[reference] = (bundle.entry ?? []).flatMap((e) => (e.resource ? [e.resource] : []));
    }
    return out;
  }

  /** True when a current version of Type/id exists. */
  has(resourceType: string, id: string): boolean {
    return this.conn().current.get(resourceType, id) !== undefined;
  }

  override async search<T extends Resource>(searchRequest: SearchRequest<T>): Promise<Bundle<WithId<T>>> {
    const page = this.searchJson(searchRequest);
    const entry = page.entries.map((e) => ({ resource: JSON.parse(e.json) as WithId<T> }));
    const bundle: Bundle<WithId<T>> = { resourceType: 'Bundle', type: 'searchset', ...(entry.length ? { entry } : {}), ...(page.total !== undefined ? { total: page.total } : {}) };
    if (page.next) bundle.link = [{ relation: 'next', url: page.next }];
    return bundle;
  }

  /**
   * A search page with each resource as the JSON text stored (no parse): what the HTTP search
   * answer is built from without parsing and re-serialising (fhir/routes.ts). `next` is the
   * keyset-cursor link relative to the FHIR base (`Type?…&_cursor=…`).
   */
  searchJson(searchRequest: SearchRequest): SearchPage {
    const compiled = compileSearch(this.registry, searchRequest, { timeline: this.timelineBuild === undefined });
    const conn = this.conn();
    const count = searchRequest.count;
    const offset = searchRequest.offset ?? 0;
    const cursor = searchRequest.cursor !== undefined ? decodeCursor(compiled, searchRequest.cursor) : undefined;
    if (cursor && offset > 0) throw new OperationOutcomeError(badRequest('_cursor and _offset cannot be combined: follow the next link'));
    const wantTotal = searchRequest.total !== 'none';
    const run = (): { rows: SqlArg[][]; total: number | undefined } => {
      let rows: SqlArg[][] = [];
      let total: number | undefined;
      if (count !== 0) {
        const after = cursor ? afterCursor(compiled, cursor) : undefined;
        // The total comes with the page except after a cursor, where the page's rows are only
        // those after it: the general plan counts with a window over every match (computed
        // before LIMIT); the timeline plan, whose page reads only its own rows from the index,
        // with the same COUNT as countSql as an uncorrelated scalar subquery (SQLite evaluates it
        // once per statement). Either way one statement: one snapshot, no read transaction.
        const pageTotal = wantTotal && !after;
        const totalColumn = !pageTotal ? '' : compiled.pageInIndexOrder ? `, (${compiled.countSql}) AS total` : ', COUNT(*) OVER () AS total';
        const page =
          `SELECT s.*${totalColumn} FROM (${compiled.selectSql}) s${after ? ` WHERE ${after.sql}` : ''} ORDER BY ${compiled.orderBy}` +
          `${count !== undefined ? ' LIMIT ?' : ' LIMIT -1'}${offset > 0 ? ' OFFSET ?' : ''}`;
        // Rows as arrays (no object per row), columns at the PAGE_* positions, then the sort keys k0….
        const keys = Array.from({ length: compiled.sortCount }, (_, i) => `, p.k${i}`).join('');
        const sql = `SELECT v.resource_type, v.id, v.json, p.rid, ${pageTotal ? 'p.total' : 'NULL'}${keys} FROM (${page}) p JOIN fhir_versions v ON v.seq = p.seq ORDER BY ${compiled.orderBy.replaceAll('s.', 'p.')}`;
        // Parameters in the order of their `?` in the text: the scalar count's come first.
        const args: SqlArg[] = [...(pageTotal && compiled.pageInIndexOrder ? compiled.countArgs : []), ...compiled.selectArgs, ...(after?.args ?? [])];
        // One row more than asked: whether a next page exists, without counting.
        if (count !== undefined) args.push(count + 1);
        if (offset > 0) args.push(offset);
        rows = conn.prepareRaw(sql).all(...args) as SqlArg[][];
        if (pageTotal) total = rows.length > 0 ? (rows[0]?.[PAGE_TOTAL] as number) : undefined;
      }
      if (wantTotal && total === undefined) total = conn.prepare(compiled.countSql).pluck().get(...compiled.countArgs) as number;
      if (count !== undefined && rows.length > count) rows = rows.slice(0, count);
      return { rows, total };
    };
    // One snapshot for the page and its total (the write connection is already in its transaction).
    // When the page's own statement carries the total it is its own snapshot: no BEGIN/COMMIT
    // around it; only a second statement (the separate count: an empty page, a cursor page)
    // needs the explicit read transaction.
    const oneStatement = count !== 0 && !cursor;
    let result = conn === this.reader && oneStatement ? run() : undefined;
    if (result && wantTotal && result.rows.length === 0) result = undefined; // the count ran apart: redo in one snapshot
    const { rows, total } = result ?? (conn === this.reader ? this.readerDb.transaction(run)() : run());
    const entries = rows.map((r) => ({ resourceType: r[PAGE_TYPE] as string, id: r[PAGE_ID] as string, json: r[PAGE_JSON] as string }));
    const page: SearchPage = { entries, ...(total !== undefined ? { total } : {}) };
    const last = rows.at(-1);
    if (last && count !== undefined && count > 0 && rows.length === count && (total === undefined || cursor !== undefined || offset + count < total)) {
      const keys = Array.from({ length: compiled.sortCount }, (_, i) => last[PAGE_KEYS + i] ?? null);
      const next = encodeCursor(compiled, { keys, rid: last[PAGE_RID] as number });
      page.next = `${searchRequest.resourceType}${formatSearchQuery({ ...searchRequest, offset: undefined, cursor: next })}`;
    }
    return page;
  }

  private nextLastUpdated(): string {
    // Strictly increasing, so `_lastUpdated=gt…` polling never misses a write made in the same millisecond.
    const now = Date.now();
    this.lastUpdatedMs = now > this.lastUpdatedMs ? now : this.lastUpdatedMs + 1;
    return new Date(this.lastUpdatedMs).toISOString();
  }

  private async writeVersion<T extends Resource>(resource: T): Promise<WithId<T>> {
    return this.writePrepared({ resource, rows: this.prepareRows(resource, this.scratch) });
  }

  /**
   * The search index rows of `resource` (a copy to be stored), extracted now — outside any
   * transaction — except those of the parameters on server-assigned meta (`_lastUpdated`), which
   * writePrepared adds. Reads nothing from SQLite: an importer prepares a whole file this way while
   * yielding to the event loop, then writes it in one synchronous transaction.
   */
  prepareWrite<T extends Resource>(resource: T): PreparedWrite<T> {
    if (!resource.id || !isValidFhirId(resource.id)) {
      throw new OperationOutcomeError(badRequest(`invalid id "${String(resource.id).slice(0, 80)}": ids are 1–64 of A-Z a-z 0-9 - .`));
    }
    return { resource, rows: this.prepareRows(resource, emptyRows()) };
  }

  /**
   * The current version number and JSON of Type/id, or undefined. Synchronous; inside a write
   * (runWrite / runWriteSync) it reads the write connection, so it sees what is committed plus
   * this transaction's own writes.
   */
  currentVersion(resourceType: string, id: string): { versionId: number; json: () => string } | undefined {
    const conn = this.conn();
    const row = conn.current.get(resourceType, id);
    if (!row) return undefined;
    return { versionId: row.version_id, json: () => conn.jsonBySeq.get(row.seq) as string };
  }

  /**
   * Stores a prepared resource as its next version (create or update): the version row, the
   * current pointer and the index rows. Synchronous: only inside FhirStore.runWrite/runWriteSync.
   * Takes ownership of `prepared.resource` (its meta gets versionId and lastUpdated).
   */
  writePrepared<T extends Resource>(prepared: PreparedWrite<T>): WithId<T> {
    // A write outside runWrite's forWrite / runWriteSync would read the query-only connection's snapshot.
    if (!this.writing) throw new Error('a store write must run inside FhirStore.runWrite (through the repository it hands over) or runWriteSync');
    const resource = prepared.resource;
    const id = resource.id;
    if (!id || !isValidFhirId(id)) {
      throw new OperationOutcomeError(badRequest(`invalid id "${String(id).slice(0, 80)}": ids are 1–64 of A-Z a-z 0-9 - .`));
    }
    const type = resource.resourceType;
    const previous = this.writer.current.get(type, id);
    const versionNumber = (previous?.version_id ?? 0) + 1;
    const versionId = String(versionNumber);
    const lastUpdated = this.nextLastUpdated();
    resource.meta = { ...resource.meta, versionId, lastUpdated };
    // All in the caller's SQLite transaction: the version, the current pointer, the index rows.
    const seq = Number(this.insertVersion.run(type, id, versionId, lastUpdated, JSON.stringify(resource)).lastInsertRowid);
    let rid: number;
    if (previous) {
      rid = previous.rid;
      this.updateCurrent.run(seq, versionNumber, lastUpdated, rid);
      for (const del of this.deleteRows) del.run(rid);
    } else {
      rid = Number(this.insertCurrent.run(type, id, seq, versionNumber, lastUpdated).lastInsertRowid);
    }
    this.insertRows(rid, prepared.rows);
    this.insertTimelineRows(rid, seq, type, prepared.rows);
    // The rows of the parameters on server-assigned meta, now that it is assigned.
    this.insertRows(rid, extractRows(resource, this.writeTimeParams(type).atWrite, this.metaScratch()));
    const patientId = patientIdOfResource(resource as unknown as Record<string, unknown>);
    this.pending.push({ resourceType: type, id, versionId, lastUpdated, action: previous ? 'update' : 'create', ...(patientId ? { patientId } : {}) });
    return resource as WithId<T>;
  }

  /** Parameters of a type split by whether their value is server-assigned meta (set at write time). */
  private writeTimeParams(resourceType: string): { before: readonly IndexedParam[]; atWrite: readonly IndexedParam[] } {
    let split = this.paramSplit.get(resourceType);
    if (!split) {
      const all = this.registry.paramsOf(resourceType);
      const atWrite = (p: IndexedParam) => /\.meta\.(lastUpdated|versionId)\b/.test(p.expression);
      split = { before: all.filter((p) => !atWrite(p)), atWrite: all.filter(atWrite) };
      this.paramSplit.set(resourceType, split);
    }
    return split;
  }

  /** `out` emptied and filled with the rows of every parameter not on server-assigned meta. */
  private prepareRows(resource: Resource, out: ExtractedRows): ExtractedRows {
    clearRows(out);
    return extractRows(resource, this.writeTimeParams(resource.resourceType).before, out);
  }

  private metaScratch(): ExtractedRows {
    clearRows(this.metaRows);
    return this.metaRows;
  }

  /** Extracts and inserts the search index rows of the current version `resource` of `rid` (index rebuild). */
  private indexRows(rid: number, resource: Resource): void {
    const rows = this.scratch;
    clearRows(rows);
    extractRows(resource, this.registry.paramsOf(resource.resourceType), rows);
    this.insertRows(rid, rows);
    const seq = this.writer.current.get(resource.resourceType, resource.id ?? '')?.seq;
    if (seq !== undefined) this.insertTimelineRows(rid, seq, resource.resourceType, rows);
  }

  /** The resource's rows of the patient timeline index (search/timeline.ts), from its extracted rows. */
  private insertTimelineRows(rid: number, seq: number, resourceType: string, rows: ExtractedRows): void {
    const spec = timelineSpec(this.registry, resourceType);
    if (!spec) return;
    for (const r of timelineRows(spec, rows, this.timelineScratch)) this.insertTimeline.run(rid, r[0], r[1], r[2], r[3], r[4], r[5], seq);
  }

  private insertRows(rid: number, rows: ExtractedRows): void {
    for (const r of rows.token) this.insertToken.run(rid, ...r);
    for (const r of rows.ref) this.insertRef.run(rid, ...r);
    for (const r of rows.date) this.insertDate.run(rid, ...r);
    for (const r of rows.string) this.insertString.run(rid, ...r);
    for (const r of rows.uri) this.insertUri.run(rid, ...r);
    for (const r of rows.quantity) this.insertQuantity.run(rid, ...r);
  }
}
