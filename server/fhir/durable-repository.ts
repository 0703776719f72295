// A medplum MemoryRepository whose every write lands in SQLite first. The memory maps are the
// search index (medplum's FHIR search semantics); the SQLite table `fhir_versions` is the
// durable record holding every version. At start the index is rebuilt from SQLite, keeping ids,
// versionIds and lastUpdated exactly.
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
import { MemoryRepository, type CreateResourceOptions, type UpdateResourceOptions } from '@medplum/fhir-router';
import type { Bundle, Resource } from '@medplum/fhirtypes';
import type { Statement } from 'better-sqlite3';
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

export class DurableRepository extends MemoryRepository {
  private readonly insertVersion: Statement<[string, string, string, string, string]>;
  /** Number of versions per "Type/id", so versionIds are 1, 2, 3… like most FHIR servers. */
  private readonly versionCounts = new Map<string, number>();
  private lastUpdatedMs = 0;
  /** Current version of each resource, by type then id: the search candidates. */
  private readonly current = new Map<string, Map<string, Resource>>();
  /** "Type|field" → patient id → resource ids whose `field` references that Patient. */
  private readonly patientIndex = new Map<string, Map<string, Set<string>>>();
  /** Writes of the request in progress; drained by the store after commit or rollback. */
  pending: ResourceWrite[] = [];

  constructor(private readonly db: Db) {
    super();
    this.insertVersion = db.prepare(
      'INSERT INTO fhir_versions (resource_type, id, version_id, last_updated, json) VALUES (?, ?, ?, ?, ?)',
    );
  }

  /** Rebuilds the memory index from SQLite (start, and after a rolled-back request). Returns the version count. */
  async reloadFromDatabase(): Promise<number> {
    this.clear();
    this.versionCounts.clear();
    this.pending = [];
    let n = 0;
    const rows = this.db
      .prepare('SELECT resource_type, id, last_updated, json FROM fhir_versions ORDER BY seq')
      .iterate() as IterableIterator<{ resource_type: string; id: string; last_updated: string; json: string }>;
    for (const row of rows) {
      const resource = JSON.parse(row.json) as Resource;
      // MemoryRepository.createResource keeps a given id/versionId/lastUpdated: exactly what was stored.
      await super.createResource(resource);
      this.indexCurrent(resource);
      const key = `${row.resource_type}/${row.id}`;
      this.versionCounts.set(key, (this.versionCounts.get(key) ?? 0) + 1);
      const t = Date.parse(row.last_updated);
      if (t > this.lastUpdatedMs) this.lastUpdatedMs = t;
      n++;
    }
    return n;
  }

  override async createResource<T extends Resource>(resource: T, options?: CreateResourceOptions): Promise<WithId<T>> {
    const copy = structuredClone(resource);
    // A plain create gets a server-assigned id (FHIR http create); batch processing pre-assigns
    // ids to resolve urn:uuid references and says so with assignedId.
    if (!options?.assignedId || !copy.id) copy.id = this.generateId();
    return this.writeVersion(copy);
  }

  override async updateResource<T extends Resource>(resource: T, options?: UpdateResourceOptions): Promise<WithId<T>> {
    if (!resource.id) throw new OperationOutcomeError(badRequest('Missing id'));
    if (options?.ifMatch) {
      const count = this.versionCounts.get(`${resource.resourceType}/${resource.id}`);
      if (!count) throw new OperationOutcomeError(notFound);
      const current = await this.readResource(resource.resourceType, resource.id);
      if (current.meta?.versionId !== options.ifMatch) throw new OperationOutcomeError(preconditionFailed);
    }
    return this.writeVersion(structuredClone(resource));
  }

  override clear(): void {
    super.clear();
    this.current.clear();
    this.patientIndex.clear();
  }

  override async deleteResource(): Promise<void> {
    // Clinical records are versioned, never deleted through the API.
    throw new OperationOutcomeError(badRequest('delete is not supported: clinical records are kept; write a new version instead'));
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
    const previous = this.versionCounts.get(key) ?? 0;
    const versionId = String(previous + 1);
    const lastUpdated = this.nextLastUpdated();
    resource.meta = { ...resource.meta, versionId, lastUpdated };
    // Durable record first; if this throws, the memory index was not touched.
    this.insertVersion.run(resource.resourceType, id, versionId, lastUpdated, JSON.stringify(resource));
    const saved = await super.createResource(resource);
    this.indexCurrent(resource);
    this.versionCounts.set(key, previous + 1);
    const patientId = patientIdOfResource(resource as unknown as Record<string, unknown>);
    this.pending.push({
      resourceType: resource.resourceType,
      id,
      versionId,
      lastUpdated,
      action: previous === 0 ? 'create' : 'update',
      ...(patientId ? { patientId } : {}),
    });
    return saved as WithId<T>;
  }

  /**
   * FHIR search with medplum's matching semantics (matchesSearchRequest), plus two things
   * MemoryRepository lacks and a patient's vitals search needs:
   *  - a patient index: `patient=Patient/x` / `subject=Patient/x` only tests that patient's
   *    resources instead of every resource of the type;
   *  - sort keys computed once per match (MemoryRepository re-evaluates FHIRPath in its
   *    comparator), and only the requested page is cloned.
   */
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
    const rest = { ...searchRequest, filters } as SearchRequest<T>;
    let matches: Resource[] = [];
    for (const r of candidates) if (matchesSearchRequest(r, rest)) matches.push(r);
    for (const rule of [...(searchRequest.sortRules ?? [])].reverse()) {
      const expression = getSearchParameter(type, rule.code)?.expression;
      if (!expression) continue;
      const atom = parseFhirPath(expression); // parsed once, not once per resource
      const keyed = matches.map((r) => ({ r, key: JSON.stringify(atom.eval({ variables: {} }, [toTypedValue(r)]).map((v) => (v.value as { valueOf(): unknown } | undefined)?.valueOf())) }));
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

  private indexCurrent(resource: Resource): void {
    const type = resource.resourceType;
    const id = resource.id as string;
    let table = this.current.get(type);
    if (!table) {
      table = new Map();
      this.current.set(type, table);
    }
    const previous = table.get(id);
    table.set(id, resource);
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

  /** True when a current version of Type/id exists. */
  has(resourceType: string, id: string): boolean {
    return (this.versionCounts.get(`${resourceType}/${id}`) ?? 0) > 0;
  }
}

const PATIENT_FIELDS = ['subject', 'patient', 'beneficiary'] as const;
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
