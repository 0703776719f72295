// The embedded store's repository: every write lands in SQLite first (table `fhir_versions`,
// every version, the durable record), then in memory maps that answer reads and searches with
// medplum's FHIR search semantics (matchesSearchRequest). At start the maps are rebuilt from
// SQLite, keeping ids, versionIds and lastUpdated exactly.
//
// It implements medplum's FhirRepository itself rather than reusing MemoryRepository's private
// maps, so that a rolled-back request can be undone write by write instead of reloading
// everything, and so that each version is held once.
//
// Ownership: one instance per FhirStore. Writes must only happen inside FhirStore.runWrite(),
// which serialises them and wraps each request in one SQLite transaction.
import {
  OperationOutcomeError,
  badRequest,
  getSearchParameter,
  matchesSearchRequest,
  notFound,
  Operator,
  parseFhirPath,
  toTypedValue,
  preconditionFailed,
  type SearchRequest,
  type WithId,
} from '@medplum/core';
import { FhirRepository, type CreateResourceOptions, type RepositoryMode, type UpdateResourceOptions } from '@medplum/fhir-router';
import type { Bundle, Reference, Resource } from '@medplum/fhirtypes';
import type { Statement } from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import type { Db } from '../storage/database';
import { isValidFhirId, patientIdFromReference, patientIdOfResource } from './references';

/** One committed or pending write, as announced to onWrite listeners after commit. */
export interface ResourceWrite {
  resourceType: string;
  id: string;
  versionId: string;
  lastUpdated: string;
  action: 'create' | 'update';
  patientId?: string;
}

export class DurableRepository extends FhirRepository<undefined> {
  private readonly insertVersion: Statement<[string, string, string, string, string]>;
  /** Every version of each "Type/id", oldest first; the last one is current. Frozen: never mutated. */
  private readonly versions = new Map<string, Resource[]>();
  private lastUpdatedMs = 0;
  /** Current version of each resource, by type then id: the search candidates. */
  private readonly current = new Map<string, Map<string, Resource>>();
  /** "Type|system|code" → ids of current resources whose `code` has that coding (for `code=` searches). */
  private readonly codeIndex = new Map<string, Set<string>>();
  /** "Type|field" → patient id → resource ids whose `field` references that Patient. */
  private readonly patientIndex = new Map<string, Map<string, Set<string>>>();
  /** Writes of the request in progress; drained by the store after commit or undone after rollback. */
  pending: ResourceWrite[] = [];

  constructor(private readonly db: Db) {
    super();
    this.insertVersion = db.prepare(
      'INSERT INTO fhir_versions (resource_type, id, version_id, last_updated, json) VALUES (?, ?, ?, ?, ?)',
    );
  }

  /** Builds the memory maps from SQLite (at start). Returns the number of versions loaded. */
  loadFromDatabase(): number {
    this.clear();
    let n = 0;
    const rows = this.db
      .prepare('SELECT resource_type, id, last_updated, json FROM fhir_versions ORDER BY seq')
      .iterate() as IterableIterator<{ resource_type: string; id: string; last_updated: string; json: string }>;
    for (const row of rows) {
      const resource = Object.freeze(JSON.parse(row.json) as Resource);
      this.remember(resource);
      const t = Date.parse(row.last_updated);
      if (t > this.lastUpdatedMs) this.lastUpdatedMs = t;
      n++;
    }
    return n;
  }

  clear(): void {
    this.versions.clear();
    this.current.clear();
    this.patientIndex.clear();
    this.codeIndex.clear();
    this.pending = [];
  }

  /**
   * Undoes the memory side of the pending writes, newest first, after their SQLite transaction
   * was rolled back. Cost is proportional to the writes undone, not to the store.
   */
  undoPending(): void {
    for (const write of [...this.pending].reverse()) {
      const key = `${write.resourceType}/${write.id}`;
      const list = this.versions.get(key);
      if (!list || list.at(-1)?.meta?.versionId !== write.versionId) continue;
      const undone = list.pop() as Resource;
      const previous = list.at(-1);
      if (previous) this.indexCurrent(previous, undone);
      else {
        this.versions.delete(key);
        this.unindex(undone);
      }
    }
    this.pending = [];
  }

  setMode(_mode: RepositoryMode): void {
    // One in-process store: no reader/writer split.
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
      const latest = this.versions.get(`${resource.resourceType}/${resource.id}`)?.at(-1);
      if (!latest) throw new OperationOutcomeError(notFound);
      if (latest.meta?.versionId !== options.ifMatch) throw new OperationOutcomeError(preconditionFailed);
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

  async readResource<T extends Resource>(resourceType: string, id: string): Promise<WithId<T>> {
    const latest = this.versions.get(`${resourceType}/${id}`)?.at(-1);
    if (!latest) throw new OperationOutcomeError(notFound);
    return structuredClone(latest) as WithId<T>;
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
    const list = this.versions.get(`${resourceType}/${id}`);
    if (!list?.length) throw new OperationOutcomeError(notFound);
    const newestFirst = [...list].reverse();
    const offset = options?.offset ?? 0;
    const page = options?.limit !== undefined ? newestFirst.slice(offset, offset + options.limit) : newestFirst.slice(offset);
    return { resourceType: 'Bundle', type: 'history', total: list.length, entry: page.map((r) => ({ resource: structuredClone(r) as WithId<T> })) };
  }

  async readVersion<T extends Resource>(resourceType: string, id: string, versionId: string): Promise<WithId<T>> {
    const list = this.versions.get(`${resourceType}/${id}`);
    if (!list?.length) throw new OperationOutcomeError(notFound);
    const version = list.find((v) => v.meta?.versionId === versionId);
    if (!version) throw new OperationOutcomeError(notFound);
    return structuredClone(version) as WithId<T>;
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

  private nextLastUpdated(): string {
    // Strictly increasing, so `_lastUpdated=gt…` polling never misses a write made in the same millisecond.
    const now = Date.now();
    this.lastUpdatedMs = now > this.lastUpdatedMs ? now : this.lastUpdatedMs + 1;
    return new Date(this.lastUpdatedMs).toISOString();
  }

  private async writeVersion<T extends Resource>(resource: T): Promise<WithId<T>> {
    const id = resource.id;
    if (!id || !isValidFhirId(id)) {
      throw new OperationOutcomeError(badRequest(`invalid id "${String(id).slice(0, 80)}": ids are 1–64 of A-Z a-z 0-9 - .`));
    }
    const key = `${resource.resourceType}/${id}`;
    const previousCount = this.versions.get(key)?.length ?? 0;
    const versionId = String(previousCount + 1);
    const lastUpdated = this.nextLastUpdated();
    resource.meta = { ...resource.meta, versionId, lastUpdated };
    // Durable record first; if this throws, memory was not touched.
    this.insertVersion.run(resource.resourceType, id, versionId, lastUpdated, JSON.stringify(resource));
    const stored = Object.freeze(resource) as Resource;
    this.remember(stored);
    const patientId = patientIdOfResource(resource as unknown as Record<string, unknown>);
    this.pending.push({
      resourceType: resource.resourceType,
      id,
      versionId,
      lastUpdated,
      action: previousCount === 0 ? 'create' : 'update',
      ...(patientId ? { patientId } : {}),
    });
    return structuredClone(stored) as WithId<T>;
  }

  /** Appends a version and makes it current. */
  private remember(resource: Resource): void {
    const key = `${resource.resourceType}/${resource.id as string}`;
    let list = this.versions.get(key);
    if (!list) {
      list = [];
      this.versions.set(key, list);
    }
    const previous = list.at(-1);
    list.push(resource);
    this.indexCurrent(resource, previous);
  }

  /** True when a current version of Type/id exists. */
  has(resourceType: string, id: string): boolean {
    return (this.versions.get(`${resourceType}/${id}`)?.length ?? 0) > 0;
  }

  override async search<T extends Resource>(searchRequest: SearchRequest<T>): Promise<Bundle<WithId<T>>> {
    const type = searchRequest.resourceType;
    const table = this.current.get(type);
    let filters = searchRequest.filters ?? [];
    let candidates: Iterable<Resource> = table?.values() ?? [];
    const indexed = filters.find((f) => f.operator === Operator.EQUALS && indexedFieldOf(type, f.code) && PATIENT_REF.test(f.value));
    if (indexed && table) {
      const field = indexedFieldOf(type, indexed.code) as string;
      const ids = this.patientIndex.get(`${type}|${field}`)?.get(indexed.value.slice('Patient/'.length));
      candidates = [...(ids ?? [])].flatMap((id) => {
        const r = table.get(id);
        return r ? [r] : [];
      });
      filters = filters.filter((f) => f !== indexed);
    }
    // `code=system|code` (one value, exact): the index holds, lower-cased, exactly the codings
    // medplum's token match compares (system and code, case-insensitive), so it replaces the filter.
    const codeFilter = filters.find((f) => f.code === 'code' && f.operator === Operator.EQUALS && CODE_TOKEN.test(f.value));
    if (codeFilter && getSearchParameter(type, 'code')?.expression === `${type}.code`) {
      const codeIds = this.codeIndex.get(`${type}|${codeFilter.value.toLowerCase()}`) ?? new Set<string>();
      candidates = [...candidates].filter((r) => codeIds.has(r.id as string));
      filters = filters.filter((f) => f !== codeFilter);
    }
    const rest = { ...searchRequest, filters } as SearchRequest<T>;
    let matches: Resource[] = [];
    for (const r of candidates) if (matchesSearchRequest(r, rest)) matches.push(r);
    for (const rule of [...(searchRequest.sortRules ?? [])].reverse()) {
      const expression = getSearchParameter(type, rule.code)?.expression;
      if (!expression) continue;
      const keyed = matches.map((r) => ({ r, key: sortKey(r, expression) }));
      // Stable sort applied from the last rule to the first, so the first rule dominates.
      keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0) * (rule.descending ? -1 : 1));
      matches = keyed.map((k) => k.r);
    }
    const start = searchRequest.offset ?? 0;
    const page = searchRequest.count === undefined ? matches.slice(start) : matches.slice(start, start + searchRequest.count);
    return {
      resourceType: 'Bundle',
      type: 'searchset',
      ...(page.length ? { entry: page.map((resource) => ({ resource: structuredClone(resource) as WithId<T> })) } : {}),
      total: matches.length,
    };
  }

  /** Makes `resource` the current version in the search maps, replacing `previous` (if any). */
  private indexCurrent(resource: Resource, previous: Resource | undefined): void {
    const type = resource.resourceType;
    const id = resource.id as string;
    let table = this.current.get(type);
    if (!table) {
      table = new Map();
      this.current.set(type, table);
    }
    table.set(id, resource);
    for (const key of codingKeys(previous)) this.codeIndex.get(`${type}|${key}`)?.delete(id);
    for (const key of codingKeys(resource)) {
      let ids = this.codeIndex.get(`${type}|${key}`);
      if (!ids) {
        ids = new Set();
        this.codeIndex.set(`${type}|${key}`, ids);
      }
      ids.add(id);
    }
    for (const field of PATIENT_FIELDS) {
      const key = `${type}|${field}`;
      const before = previous ? patientIdFromReference(referenceOf(previous, field)) : undefined;
      const after = patientIdFromReference(referenceOf(resource, field));
      if (before === after) continue;
      let byPatient = this.patientIndex.get(key);
      if (!byPatient) {
        byPatient = new Map();
        this.patientIndex.set(key, byPatient);
      }
      if (before) byPatient.get(before)?.delete(id);
      if (after) {
        let ids = byPatient.get(after);
        if (!ids) {
          ids = new Set();
          byPatient.set(after, ids);
        }
        ids.add(id);
      }
    }
  }

  /** Removes a resource that no longer has any version from the search maps. */
  private unindex(resource: Resource): void {
    const type = resource.resourceType;
    const id = resource.id as string;
    this.current.get(type)?.delete(id);
    for (const key of codingKeys(resource)) this.codeIndex.get(`${type}|${key}`)?.delete(id);
    for (const field of PATIENT_FIELDS) {
      const pid = patientIdFromReference(referenceOf(resource, field));
      if (pid) this.patientIndex.get(`${type}|${field}`)?.get(pid)?.delete(id);
    }
  }
}

const PATIENT_FIELDS = ['subject', 'patient', 'beneficiary'] as const;

const parsedExpressions = new Map<string, ReturnType<typeof parseFhirPath>>();
/** Sort keys per stored version and expression. Stored versions are frozen, so keys never go stale. */
const sortKeys = new WeakMap<Resource, Map<string, string>>();

/** The sort key medplum's MemoryRepository uses: the JSON of the expression's values. */
function sortKey(resource: Resource, expression: string): string {
  let perResource = sortKeys.get(resource);
  const cached = perResource?.get(expression);
  if (cached !== undefined) return cached;
  let atom = parsedExpressions.get(expression);
  if (!atom) {
    atom = parseFhirPath(expression);
    parsedExpressions.set(expression, atom);
  }
  const key = JSON.stringify(atom.eval({ variables: {} }, [toTypedValue(resource)]).map((v) => (v.value as { valueOf(): unknown } | undefined)?.valueOf()));
  if (!perResource) {
    perResource = new Map();
    sortKeys.set(resource, perResource);
  }
  perResource.set(expression, key);
  return key;
}
/** A fully qualified token (system|code) with no commas (OR) or escapes. */
const CODE_TOKEN = /^[^|,\\]+\|[^|,\\]+$/;

/** "system|code" of each coding of a resource's `code` element, lower-cased like medplum's token match. */
function codingKeys(resource: Resource | undefined): string[] {
  const code = resource ? (resource as unknown as { code?: { coding?: { system?: unknown; code?: unknown }[] } }).code : undefined;
  if (!code || !Array.isArray(code.coding)) return [];
  return code.coding.flatMap((c) => (typeof c.system === 'string' && typeof c.code === 'string' ? [`${c.system}|${c.code}`.toLowerCase()] : []));
}
const PATIENT_REF = /^Patient\/[A-Za-z0-9\-.]{1,64}$/;

function referenceOf(resource: Resource, field: string): unknown {
  const value = (resource as unknown as Record<string, unknown>)[field];
  return value && typeof value === 'object' ? (value as { reference?: unknown }).reference : undefined;
}

/**
 * The field a `patient`/`subject`-style parameter reads on this type, when it is a plain
 * reference field the patient index covers (e.g. "Observation.subject.where(resolve() is
 * Patient)" → "subject"); otherwise undefined and the search scans the type.
 */
function indexedFieldOf(resourceType: string, code: string): string | undefined {
  const expression = getSearchParameter(resourceType, code)?.expression;
  if (!expression) return undefined;
  for (const field of PATIENT_FIELDS) {
    const e = expression.replace(/\s+/g, ' ').replace(/\(\(resolve\(\) is Patient\)\)/, '(resolve() is Patient)');
    if (e === `${resourceType}.${field}` || e === `${resourceType}.${field}.where(resolve() is Patient)`) return field;
  }
  return undefined;
}
