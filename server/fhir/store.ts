// The embedded FHIR R4 store: medplum's FhirRouter over a DurableRepository (SQLite, indexed
// search). Reads run against committed data on their own connection. Writes are serialised and
// each request is one SQLite transaction: committed when the request succeeded, rolled back when
// it failed, so a transaction bundle is all-or-nothing.
import { allOk, getStatus, isOk, normalizeOperationOutcome, parseSearchRequest, type WithId } from '@medplum/core';
import { FhirRouter, type FhirRequest, type FhirResponse, type HttpMethod } from '@medplum/fhir-router';
import type { Bundle, OperationOutcome, Resource, ResourceType } from '@medplum/fhirtypes';
import type { IncomingHttpHeaders } from 'node:http';
import type { Db } from '../storage/database';
import { writeQueueOf } from '../storage/write-queue';
import { loadFhirDefinitions } from './definitions';
import { DurableRepository, type IndexBuildState, type ResourceWrite, type SearchPage } from './durable-repository';
import { normaliseSearchQuery, type RawQuery } from './search/query';

export type { ResourceWrite } from './durable-repository';
export type WriteListener = (write: ResourceWrite) => void;

export interface StoreRequest {
  method: HttpMethod;
  /** Path relative to the FHIR base with its query, e.g. "Observation?patient=Patient/x". */
  url: string;
  body?: unknown;
  headers?: IncomingHttpHeaders;
  /**
   * A GET type search answers `searchPage` (each resource as its stored JSON text) instead of a
   * parsed Bundle, for an answer written without parse + re-serialise (the HTTP route).
   */
  jsonSearch?: boolean;
  /** A GET read (`Type/id`) also answers `resourceJson`, the stored text, sent as it is (the HTTP route). */
  jsonRead?: boolean;
}

export interface StoreResponse {
  status: number;
  outcome: OperationOutcome;
  resource?: Resource;
  /** With `jsonSearch`: the search page (entries as stored JSON text, total, cursor link). */
  searchPage?: SearchPage;
  /** With `jsonRead`: `resource` as its stored JSON text (the same JSON: answered without re-serialising). */
  resourceJson?: string;
  /** With `resourceJson`: what it is, from the stored row (`resource` is then parsed only when read). */
  stored?: { resourceType: string; id: string; versionId: string; lastUpdated: string };
}

/** `Type/id`, nothing more: a read the store answers from the stored text. */
const PLAIN_READ = /^([A-Z][A-Za-z]{1,63})\/([A-Za-z0-9\-.]{1,64})$/;

const WRITE_METHODS: ReadonlySet<HttpMethod> = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export class FhirStore {
  readonly router = new FhirRouter();
  private readonly listeners = new Set<WriteListener>();

  private constructor(
    private readonly db: Db,
    readonly repo: DurableRepository,
    /** Resources whose search index was built at open (a migration or a new parameter set); 0 normally. */
    readonly indexedAtOpen: number,
    private readonly indexBatchRids?: number,
  ) {
    this.indexReady = repo.indexState.status === 'ready' ? Promise.resolve() : this.buildIndexInBackground();
    // A failing batch (disk full) stops the build; searches keep the general plan, the next start resumes.
    this.indexReady.catch((err: unknown) => process.stderr.write(`twinscope: the timeline index build stopped (${err instanceof Error ? err.message : String(err)}); it resumes at the next start\n`));
  }

  private closed = false;
  /** Resolves once the search index is complete (at once, normally; see indexState). */
  readonly indexReady: Promise<void>;

  /** `indexBatchRids`: resources per background index batch (tests make it small to watch a build). */
  static async open(db: Db, options: { indexBatchRids?: number } = {}): Promise<FhirStore> {
    loadFhirDefinitions();
    const repo = new DurableRepository(db);
    let indexed: number;
    try {
      indexed = repo.open();
    } catch (err) {
      repo.close();
      throw err;
    }
    return new FhirStore(db, repo, indexed, options.indexBatchRids);
  }

  /**
   * Where the search index stands. `building`: a store from before the patient timeline index
   * is given one in the background, one short transaction per batch through the write queue
   * (requests keep being answered — its searches meanwhile take the general plan, same
   * results), with progress on stderr for a large store; resumed after a restart.
   */
  get indexState(): IndexBuildState {
    return this.repo.indexState;
  }

  private async buildIndexInBackground(): Promise<void> {
    const start = this.repo.indexState;
    const loud = start.total > 20_000;
    if (loud) process.stderr.write(`twinscope: building the patient timeline index of ${start.total - start.done} resources in the background (once, after an upgrade); searches meanwhile use the general plan\n`);
    let shown = 0;
    const t0 = performance.now();
    while (!this.closed && this.repo.indexState.status === 'building') {
      await writeQueueOf(this.db).run(() => {
        if (!this.closed) this.repo.timelineStep(this.indexBatchRids);
      });
      const { done, total } = this.repo.indexState;
      if (loud && total > 0 && Math.floor((10 * done) / total) > shown) {
        shown = Math.floor((10 * done) / total);
        process.stderr.write(`twinscope: timeline index ${shown * 10} % (${done} of ${total})\n`);
      }
      // Between batches: the requests that arrived meanwhile run first.
      await new Promise((r) => setImmediate(r));
    }
    if (loud && !this.closed) process.stderr.write(`twinscope: timeline index complete in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
  }

  /** Subscribes to committed creates/updates. Returns an unsubscribe function. */
  onWrite(listener: WriteListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Runs one FHIR REST interaction. Never throws for bad input: errors come back as OperationOutcome. */
  async handle(req: StoreRequest): Promise<StoreResponse> {
    if (req.jsonSearch && req.method === 'GET') {
      const answered = this.searchAsJson(req.url);
      if (answered) return answered;
    }
    let url = req.url;
    try {
      url = normaliseSearchUrl(req.method, url);
    } catch (err) {
      return toStoreResponse([normalizeOperationOutcome(err)]);
    }
    const fhirReq: FhirRequest = {
      method: req.method,
      url,
      pathname: '',
      body: req.body,
      params: {},
      query: {},
      headers: req.headers ?? {},
      config: { transactions: true },
    };
    if (req.jsonRead && req.method === 'GET') {
      const m = PLAIN_READ.exec(url);
      const row = m ? this.repo.readStored(m[1]!, m[2]!) : undefined;
      // Absent (404 and its outcome) and anything not plain goes the router's way.
      if (m && row) {
        const json = row.json;
        let parsed: Resource | undefined;
        return {
          status: 200,
          outcome: allOk,
          resourceJson: json,
          stored: { resourceType: m[1]!, id: m[2]!, versionId: row.versionId, lastUpdated: row.lastUpdated },
          // Parsed only when asked for: the HTTP route answers the text with the row's meta (issue 14).
          get resource(): Resource {
            return (parsed ??= JSON.parse(json) as Resource);
          },
        };
      }
    }
    const run = async (repo: DurableRepository): Promise<StoreResponse> => toStoreResponse(await this.router.handleRequest(fhirReq, repo));
    if (!WRITE_METHODS.has(req.method) || isSearchByPost(req)) return run(this.repo);
    return this.runWrite(run, (res) => res.status < 400);
  }

  /**
   * A GET type search answered as a page of stored JSON texts (StoreRequest.jsonSearch): the
   * query parsed once, normalised (search/query.ts) and searched, with no round trip through a
   * re-serialised URL. Undefined for what goes the router's way: not a type search, or
   * `_summary`/`_elements` (they shape the resources).
   */
  private searchAsJson(url: string): StoreResponse | undefined {
    const m = /^([A-Z][A-Za-z]+)(?:\?(.*))?$/s.exec(url);
    if (!m) return undefined;
    const type = m[1] as string;
    const params = new URLSearchParams(m[2] ?? '');
    if (params.has('_summary') || params.has('_elements')) return undefined;
    try {
      return { status: 200, outcome: allOk, searchPage: this.repo.searchJson(parseSearchRequest(type as ResourceType, normaliseSearchQuery(type, rawQueryOf(params)))) };
    } catch (err) {
      return toStoreResponse([normalizeOperationOutcome(err)]);
    }
  }

  /**
   * Runs `fn` as one serialised SQLite transaction. `fn` gets the repository bound to the write
   * (`repo.forWrite`): its reads through it see the transaction's own writes, reads through
   * `store.repo` meanwhile (other requests) see committed data only, and a write through
   * `store.repo` is refused. `keep` decides from the result whether to commit; a throw or
   * `keep() === false` rolls back.
   * Listeners hear about the writes only after the commit reached the disk.
   */
  runWrite<T>(fn: (repo: DurableRepository) => Promise<T>, keep: (result: T) => boolean = () => true, durability: 'full' | 'relaxed' = 'full'): Promise<T> {
    // The connection's queue, shared with the users/sessions writes (storage/write-queue.ts).
    return writeQueueOf(this.db).run(() => this.runTransaction(fn, keep, durability));
  }

  private async runTransaction<T>(fn: (repo: DurableRepository) => Promise<T>, keep: (result: T) => boolean, durability: 'full' | 'relaxed'): Promise<T> {
    try {
      // The safety level cannot change inside a transaction: set it around the whole of it.
      if (durability === 'relaxed') this.db.pragma('synchronous = NORMAL');
      this.repo.pending = [];
      this.db.exec('BEGIN IMMEDIATE');
      let result: T;
      try {
        result = await this.repo.inWrite(fn);
        if (!keep(result)) {
          await this.rollback();
          return result;
        }
        // relaxed = WAL + NORMAL: survives a crash of this process (kill -9) but is not fsync'ed
        // at once; only for copies whose source of truth is durable elsewhere (AuditEvents).
        this.db.exec('COMMIT');
      } catch (err) {
        await this.rollback();
        throw err;
      }
      this.announce();
      return result;
    } finally {
      if (durability === 'relaxed') this.db.pragma('synchronous = FULL');
    }
  }

  /**
   * Runs `fn` synchronously as one serialised SQLite transaction (full durability): nothing is
   * awaited between BEGIN and COMMIT, so no other request runs while it is open and the write
   * connection is held only for the inserts. For a batch prepared ahead (repo.prepareWrite,
   * repo.writePrepared); its reads (repo.currentVersion) see committed data plus its own writes.
   * A throw rolls everything back.
   */
  runWriteSync<T>(fn: () => T): Promise<T> {
    return writeQueueOf(this.db).run(() => {
      this.repo.pending = [];
      let result: T;
      try {
        result = this.db.transaction(() => this.repo.inWriteSync(fn)).immediate();
      } catch (err) {
        this.repo.undoPending();
        throw err;
      }
      this.announce();
      return result;
    });
  }

  /** Tells the listeners about the writes of the transaction that just committed. */
  private announce(): void {
    const writes = this.repo.pending;
    this.repo.pending = [];
    for (const write of writes) {
      for (const listener of this.listeners) {
        try {
          listener(write);
        } catch {
          // A failing listener (e.g. a closed SSE stream) must not undo or fail a committed write.
        }
      }
    }
  }

  private async rollback(): Promise<void> {
    if (this.db.inTransaction) this.db.exec('ROLLBACK');
    this.repo.undoPending();
  }

  // ---- in-process helpers (seeding, audit, consent); not audited HTTP paths ----

  async read<T extends Resource>(resourceType: T['resourceType'], id: string): Promise<WithId<T> | undefined> {
    if (!this.repo.has(resourceType, id)) return undefined;
    return (await this.repo.readResource<T>(resourceType, id)) as WithId<T>;
  }

  async search<T extends Resource>(resourceType: T['resourceType'], query: Record<string, string | string[]>): Promise<WithId<T>[]> {
    const bundle = (await this.repo.search(parseSearchRequest(resourceType as ResourceType, normaliseSearchQuery(resourceType, query)))) as Bundle<WithId<T>>;
    return (bundle.entry ?? []).flatMap((e) => (e.resource ? [e.resource] : []));
  }

  /**
   * Creates or updates resources with the ids they carry, in one transaction. `relaxed`
   * durability is for copies of records kept durably elsewhere (see runWrite).
   */
  async putAll(resources: readonly Resource[], durability: 'full' | 'relaxed' = 'full'): Promise<void> {
    await this.runWrite(
      async (repo) => {
        for (const r of resources) await repo.updateResource(r);
      },
      () => true,
      durability,
    );
  }

  /** Number of current resources of a type. */
  async count(resourceType: ResourceType): Promise<number> {
    const bundle = await this.repo.search(parseSearchRequest(resourceType, { _count: '0', _total: 'accurate' }));
    return bundle.total ?? 0;
  }

  close(): void {
    this.closed = true;
    this.listeners.clear();
    this.repo.close();
  }
}

/** `Type?query` (a type search by GET) with its query normalised for the parser (search/query.ts). */
function normaliseSearchUrl(method: HttpMethod, url: string): string {
  const m = /^([A-Za-z]+)\?(.*)$/s.exec(url);
  if (method !== 'GET' || !m) return url;
  const [, type, queryText] = m as unknown as [string, string, string];
  const normalised = normaliseSearchQuery(type, rawQueryOf(new URLSearchParams(queryText)));
  const out = new URLSearchParams();
  for (const [k, v] of Object.entries(normalised)) for (const one of Array.isArray(v) ? v : [v]) out.append(k, one);
  return `${type}?${out.toString()}`;
}

/** A query's parameters: one value as a string, several as an array (the parser's input). */
function rawQueryOf(params: URLSearchParams): RawQuery {
  const raw: RawQuery = {};
  for (const [key, value] of params) {
    const prior = raw[key];
    raw[key] = prior === undefined ? value : Array.isArray(prior) ? [...prior, value] : [prior, value];
  }
  return raw;
}

function isSearchByPost(req: StoreRequest): boolean {
  return req.method === 'POST' && /^[A-Za-z]+\/_search(?:\?|$)/.test(req.url);
}

function toStoreResponse(response: FhirResponse): StoreResponse {
  const [outcome, resource] = response;
  const normalized = normalizeOperationOutcome(outcome);
  const status = getStatus(normalized);
  return { status, outcome: normalized, ...(resource && isOk(normalized) ? { resource } : {}) };
}
