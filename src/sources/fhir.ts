// A small typed FHIR R4 client over the proxy's /fhir base. It knows REST, not React: hooks live
// in queries.ts. Errors arrive as ApiError whose message is the OperationOutcome's text.
import type { Bundle, Resource, ResourceType } from '@medplum/fhirtypes';
import { type Http } from './http';

export type SearchParams = Record<string, string | number | readonly string[] | undefined>;

/** Builds a query string; array values repeat the parameter (`date=ge…&date=le…`), undefined/empty drop out. */
export function toQuery(params: SearchParams): string {
  const q = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined) continue;
    const values = Array.isArray(value) ? (value as readonly string[]) : [String(value)];
    for (const v of values) if (v !== '') q.append(key, v);
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}

export interface SearchResult<T extends Resource> {
  /** Matches only (search mode "match"), not _include'd resources. */
  resources: T[];
  total?: number;
  hasNext: boolean;
  bundle: Bundle;
}

export interface CreateOptions {
  /** Conditional create: `identifier=system|value`; the server answers 200 with the existing one. */
  ifNoneExist?: string;
}

export interface FhirClient {
  read<T extends Resource>(resourceType: T['resourceType'], id: string): Promise<T>;
  search<T extends Resource>(resourceType: T['resourceType'], params?: SearchParams): Promise<SearchResult<T>>;
  create<T extends Resource>(resource: T, options?: CreateOptions): Promise<T>;
  update<T extends Resource>(resource: T & { id: string }): Promise<T>;
  /** A `transaction` Bundle: all entries or none (FHIR R4 §3.1.0.11). */
  transaction(bundle: Bundle): Promise<Bundle>;
}

const FHIR_JSON = 'application/fhir+json';
const ID_RE = /^[A-Za-z0-9\-.]{1,64}$/;

function checkId(id: string): string {
  // Refuse before sending: an id with "/" or "?" would address a different resource.
  if (!ID_RE.test(id)) throw new Error(`Invalid FHIR id "${id}": ids are 1–64 letters, digits, "-" or ".".`);
  return id;
}

export function createFhirClient(http: Http, base = '/fhir'): FhirClient {
  return {
    async read<T extends Resource>(resourceType: ResourceType, id: string) {
      const { body } = await http<T>(`${base}/${resourceType}/${checkId(id)}`);
      return body;
    },
    async search<T extends Resource>(resourceType: ResourceType, params: SearchParams = {}) {
      const { body } = await http<Bundle>(`${base}/${resourceType}${toQuery(params)}`);
      const resources = (body.entry ?? [])
        .filter((e) => e.resource?.resourceType === resourceType && (e.search?.mode ?? 'match') === 'match')
        .map((e) => e.resource as T);
      return {
        resources,
        total: body.total,
        hasNext: (body.link ?? []).some((l) => l.relation === 'next'),
        bundle: body,
      };
    },
    async create<T extends Resource>(resource: T, options: CreateOptions = {}) {
      const headers: Record<string, string> = { 'Content-Type': FHIR_JSON };
      if (options.ifNoneExist) headers['If-None-Exist'] = options.ifNoneExist;
      const { body } = await http<T>(`${base}/${resource.resourceType}`, {
        method: 'POST',
        headers,
        body: JSON.stringify(resource),
      });
      return body;
    },
    async update<T extends Resource>(resource: T & { id: string }) {
      const { body } = await http<T>(`${base}/${resource.resourceType}/${checkId(resource.id)}`, {
        method: 'PUT',
        headers: { 'Content-Type': FHIR_JSON },
        body: JSON.stringify(resource),
      });
      return body;
    },
    async transaction(bundle: Bundle) {
      if (bundle.type !== 'transaction') throw new Error(`Expected a transaction Bundle, got type "${bundle.type ?? 'none'}".`);
      const { body } = await http<Bundle>(base, { method: 'POST', headers: { 'Content-Type': FHIR_JSON }, body: JSON.stringify(bundle) });
      return body;
    },
  };
}

export interface PagedSearchOptions {
  /** `_count` of each page. */
  pageSize?: number;
  /** Pages read at most; a search with more is cut there and says so (`truncated`). */
  maxPages?: number;
}

export interface PagedSearchResult<T extends Resource> {
  resources: T[];
  /** The server had more matches than `maxPages` pages held: `resources` is not the whole answer. */
  truncated: boolean;
  pageSize: number;
  maxPages: number;
}

/**
 * Every match of a search, page by page (`_count` + `_offset`), up to `maxPages` pages. A search
 * still going at the limit is returned with `truncated: true`, never silently as if complete: the
 * caller decides how the user is told (the twin names it as a limitation of its record).
 */
export async function searchAllPages<T extends Resource>(client: FhirClient, resourceType: T['resourceType'], params: SearchParams, options: PagedSearchOptions = {}): Promise<PagedSearchResult<T>> {
  const pageSize = options.pageSize ?? 1000;
  const maxPages = options.maxPages ?? 50;
  const resources: T[] = [];
  for (let page = 0; page < maxPages; page++) {
    const r = await client.search<T>(resourceType, { ...params, _count: pageSize, _offset: page > 0 ? page * pageSize : undefined });
    resources.push(...r.resources);
    if (!r.hasNext) return { resources, truncated: false, pageSize, maxPages };
  }
  return { resources, truncated: true, pageSize, maxPages };
}
