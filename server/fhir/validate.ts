// Pure request validation for the FHIR REST surface: every problem becomes a 4xx with a message
// naming it, before anything reaches the store. Needs loadFhirDefinitions() for search params.
import { getSearchParameter, isResourceType, parseSearchRequest, validateResource } from '@medplum/core';
import type { Resource, ResourceType } from '@medplum/fhirtypes';
import { requiredBindingIssues } from './bindings';
import { FHIR_ID_PATTERN, RESOURCE_TYPE_PATTERN } from './references';

export const MAX_COUNT = 1000;
export const DEFAULT_COUNT = 100;
/** Entries in one batch/transaction Bundle. */
export const MAX_BUNDLE_ENTRIES = 500;
/** `_count` of a search inside a batch (page the rest with ordinary searches). */
export const MAX_BATCH_ENTRY_COUNT = 100;
/**
 * Resources one batch may return in all: every search entry counts its `_count` (default
 * DEFAULT_COUNT), every other entry one. Issue 10: 200 × `GET Observation?_count=1000` in a 13 KB
 * batch produced 132 MB and 1.15 GB RSS.
 */
export const MAX_BATCH_RESULTS = 1000;

/**
 * A 4xx naming the problem. `message` goes to the client and may quote what it sent; the audit
 * record gets `auditDetail`, which must carry no request value (ids, search values, body text can
 * hold names or birth dates): parameter names and fixed texts only. It defaults to the message,
 * so a message that quotes a value must pass a value-free `auditDetail`.
 */
export class FhirInputError extends Error {
  readonly auditDetail: string;
  constructor(
    message: string,
    readonly status: 400 | 404 | 405 | 409 | 412 | 413 | 415 | 422 = 400,
    readonly code: 'invalid' | 'structure' | 'required' | 'value' | 'not-supported' | 'not-found' | 'too-costly' = 'invalid',
    auditDetail?: string,
    /** One entry per problem, each naming its element (OperationOutcome.issue.expression). */
    readonly issues?: readonly { expression: string; message: string; code: 'structure' | 'required' | 'value' | 'invalid' }[],
  ) {
    super(message);
    this.auditDetail = auditDetail ?? message;
  }
}

/** `Observation.status` inside a Bundle entry: `Bundle.entry[0].resource.status`. */
function locate(at: string, resourceType: string, expression: string): string {
  if (!at) return expression;
  return expression === resourceType ? at : expression.startsWith(`${resourceType}.`) ? `${at}.${expression.slice(resourceType.length + 1)}` : `${at}.${expression}`;
}

/**
 * Validates a resource against the FHIR R4 definitions: structure, cardinality (missing required
 * elements), primitive formats (dates, numbers), unknown properties — medplum's validateResource —
 * and the required code bindings (bindings.ts). Throws one FhirInputError listing every problem
 * with its element. `at` prefixes the element paths for Bundle entries.
 */
export function validateAgainstDefinitions(resource: Resource, at = ''): void {
  const issues: { expression: string; message: string; code: 'structure' | 'required' | 'value' | 'invalid' }[] = [];
  let structural: { expression?: string[]; details?: { text?: string }; diagnostics?: string; code?: string }[] = [];
  try {
    structural = validateResource(resource);
  } catch (err) {
    // medplum throws an OperationOutcomeError carrying the issues.
    const outcome = (err as { outcome?: { issue?: typeof structural } }).outcome;
    if (!outcome?.issue) throw err;
    structural = outcome.issue;
  }
  for (const issue of structural) {
    if ((issue as { severity?: string }).severity && (issue as { severity?: string }).severity !== 'error') continue;
    const expression = locate(at, resource.resourceType, issue.expression?.[0] ?? resource.resourceType);
    const text = issue.details?.text ?? issue.diagnostics ?? 'invalid';
    issues.push({ expression, message: `${expression}: ${text}`, code: /missing required/i.test(text) ? 'required' : 'structure' });
  }
  for (const b of requiredBindingIssues(resource)) {
    const expression = locate(at, resource.resourceType, b.expression);
    issues.push({ expression, message: expression + b.message.slice(b.expression.length), code: 'value' });
  }
  if (issues.length === 0) return;
  const shown = issues.slice(0, 20);
  throw new FhirInputError(
    `the ${resource.resourceType} is not valid FHIR R4: ${shown.map((i) => i.message).join('; ')}`.slice(0, 2000),
    400,
    shown[0]!.code,
    // Element names only: the messages can quote values the client sent.
    `invalid ${resource.resourceType}: ${[...new Set(shown.map((i) => i.expression))].join(', ')}`.slice(0, 120),
    shown,
  );
}

export type Interaction =
  | { kind: 'capabilities' }
  | { kind: 'search-system' }
  | { kind: 'batch' }
  | { kind: 'search'; resourceType: string; viaPost: boolean }
  | { kind: 'create'; resourceType: string }
  | { kind: 'conditional-update'; resourceType: string }
  | { kind: 'read'; resourceType: string; id: string }
  | { kind: 'update'; resourceType: string; id: string }
  | { kind: 'history'; resourceType: string; id: string }
  | { kind: 'vread'; resourceType: string; id: string; versionId: string };

/** Interactions that change the record (consent and twin-output rules apply to them). */
export function isWrite(i: Interaction): boolean {
  return i.kind === 'create' || i.kind === 'update' || i.kind === 'conditional-update' || i.kind === 'batch';
}

function checkType(type: string): void {
  if (!RESOURCE_TYPE_PATTERN.test(type) || !isResourceType(type)) {
    throw new FhirInputError(`unknown resource type "${type.slice(0, 64)}"`, 404, 'not-found', 'unknown resource type');
  }
}

function checkId(id: string, what = 'id'): void {
  if (!FHIR_ID_PATTERN.test(id)) throw new FhirInputError(`invalid ${what} "${id.slice(0, 64)}": use 1–64 of A-Z a-z 0-9 - .`, 400, 'invalid', `invalid ${what}`);
}

/** Classifies a FHIR request from its method and the path segments after /fhir. */
export function classify(method: string, segments: readonly string[]): Interaction {
  const m = method.toUpperCase();
  const [a, b, c, d] = segments;
  if (segments.some((s) => s.startsWith('$'))) throw new FhirInputError('FHIR operations ($…) are not supported', 400, 'not-supported');
  if (m === 'DELETE') throw new FhirInputError('delete is not supported: clinical records are kept; write a new version instead', 405, 'not-supported');
  if (a === undefined) {
    if (m === 'GET') return { kind: 'search-system' };
    if (m === 'POST') return { kind: 'batch' };
  } else if (a === 'metadata' && segments.length === 1) {
    if (m === 'GET') return { kind: 'capabilities' };
  } else {
    checkType(a);
    if (segments.length === 1) {
      if (m === 'GET') return { kind: 'search', resourceType: a, viaPost: false };
      if (m === 'POST') return { kind: 'create', resourceType: a };
      if (m === 'PUT') return { kind: 'conditional-update', resourceType: a };
    } else if (b === '_search' && segments.length === 2) {
      if (m === 'POST') return { kind: 'search', resourceType: a, viaPost: true };
    } else if (b !== undefined) {
      checkId(b);
      if (segments.length === 2) {
        if (m === 'GET') return { kind: 'read', resourceType: a, id: b };
        if (m === 'PUT') return { kind: 'update', resourceType: a, id: b };
        if (m === 'PATCH') throw new FhirInputError('PATCH is not supported: PUT the whole resource (so consent and twin-output rules see it)', 405, 'not-supported');
      } else if (c === '_history' && segments.length === 3 && m === 'GET') {
        return { kind: 'history', resourceType: a, id: b };
      } else if (c === '_history' && d !== undefined && segments.length === 4 && m === 'GET') {
        checkId(d, 'version id');
        return { kind: 'vread', resourceType: a, id: b, versionId: d };
      }
    }
  }
  throw new FhirInputError(`${m} /fhir/${segments.join('/').slice(0, 200)} is not a supported FHIR interaction`, 404, 'not-found', `${m.slice(0, 10)}: not a supported FHIR interaction`);
}

/** Search result control parameters handled by the store, not filters. */
const RESULT_PARAMS = new Set(['_count', '_offset', '_cursor', '_sort', '_total', '_summary', '_elements', '_format', '_pretty']);
const UNSUPPORTED_PARAMS = new Set(['_include', '_revinclude', '_contained', '_containedType', '_filter', '_query', '_text', '_content', '_list', '_has']);

export type Query = Record<string, string | string[]>;

/**
 * Validates search parameters of a type search and normalises paging. Returns the query to pass
 * on (with `_count` defaulted and capped). Unknown parameters are an error, not silently ignored:
 * a typo must not widen a clinical search to every record.
 */
export function validateSearch(resourceType: string, query: Query): Query {
  const out: Query = { ...query };
  for (const [key, value] of Object.entries(query)) {
    const base = key.split(':')[0] ?? key;
    if (UNSUPPORTED_PARAMS.has(base) || key.startsWith('_has')) {
      throw new FhirInputError(`search parameter ${base} is not supported by this server`, 400, 'not-supported');
    }
    if (RESULT_PARAMS.has(base)) continue;
    if (key.includes('.')) throw new FhirInputError(`chained search (${key.slice(0, 64)}) is not supported by this server`, 400, 'not-supported');
    if (!getSearchParameter(resourceType, base)) {
      throw new FhirInputError(`unknown search parameter "${key.slice(0, 64)}" for ${resourceType}`);
    }
    const values = Array.isArray(value) ? value : [value];
    if (values.some((v) => v.length > 512)) throw new FhirInputError(`search value of ${base} is longer than 512 characters`);
    // `patient=123` means Patient/123 (FHIR search, reference parameters): say so for the matcher.
    if (key === 'patient') {
      const normalised = values.map((v) => (FHIR_ID_PATTERN.test(v) ? `Patient/${v}` : v));
      out[key] = Array.isArray(value) ? normalised : (normalised[0] as string);
    }
  }
  const count = single(query._count, '_count');
  if (count !== undefined) {
    if (!/^\d+$/.test(count)) throw new FhirInputError('_count must be a whole number');
    if (Number(count) > MAX_COUNT) throw new FhirInputError(`_count must be at most ${MAX_COUNT}; page with the next link`, 400, 'too-costly');
  } else if (single(query._summary, '_summary') !== 'count') {
    out._count = String(DEFAULT_COUNT);
  }
  const offset = single(query._offset, '_offset');
  if (offset !== undefined && !/^\d{1,9}$/.test(offset)) throw new FhirInputError('_offset must be a whole number');
  // Keyset paging (stable under writes): an opaque token from a next link, checked by the store.
  const cursor = single(query._cursor, '_cursor');
  if (cursor !== undefined) {
    if (!/^[A-Za-z0-9_-]{1,512}$/.test(cursor)) throw new FhirInputError('_cursor is not a cursor this server issued: follow the next link of the previous page');
    if (offset !== undefined) throw new FhirInputError('_cursor and _offset cannot be combined: follow the next link');
  }
  try {
    parseSearchRequest(resourceType as ResourceType, out);
  } catch (err) {
    // medplum's message quotes the offending value; the audit record keeps only parameter names.
    const names = Object.keys(query).filter((k) => !RESULT_PARAMS.has(k)).join(', ').slice(0, 100);
    throw new FhirInputError(`invalid search: ${err instanceof Error ? err.message.slice(0, 200) : 'unparseable'}`, 400, 'invalid', `invalid search value (parameters: ${names})`);
  }
  return out;
}

function single(value: string | string[] | undefined, name: string): string | undefined {
  if (Array.isArray(value)) {
    if (value.length > 1) throw new FhirInputError(`${name} given more than once`);
    return value[0];
  }
  return value;
}

/** Checks a resource body for create/update: its type and id against the URL, then against the R4 definitions. */
export function validateResourceBody(body: unknown, expectedType: string, expectedId?: string, at = ''): void {
  if (body === undefined || body === null || body === '') throw new FhirInputError('request body is empty: send a FHIR resource as JSON', 400, 'required');
  if (typeof body !== 'object' || Array.isArray(body)) throw new FhirInputError('request body must be a JSON object (a FHIR resource)', 400, 'structure');
  const r = body as { resourceType?: unknown; id?: unknown };
  if (r.resourceType !== expectedType) {
    throw new FhirInputError(`resourceType "${String(r.resourceType ?? '').slice(0, 64)}" does not match the URL (${expectedType})`, 400, 'invalid', `resourceType does not match the URL (${expectedType})`);
  }
  if (expectedId !== undefined) {
    if (r.id !== expectedId) throw new FhirInputError(`resource id "${String(r.id ?? '').slice(0, 64)}" does not match the URL id "${expectedId}"`, 400, 'invalid', 'resource id does not match the URL id');
  } else if (r.id !== undefined && (typeof r.id !== 'string' || !FHIR_ID_PATTERN.test(r.id))) {
    throw new FhirInputError('resource id must be 1–64 of A-Z a-z 0-9 - .');
  }
  if (expectedType !== 'Bundle') validateAgainstDefinitions(body as Resource, at);
}

export interface BundleEntrySummary {
  method: string;
  resourceType: string | undefined;
}

/** Checks a batch/transaction Bundle and returns each entry's method and target type. */
export function validateBundle(body: unknown): BundleEntrySummary[] {
  validateResourceBody(body, 'Bundle');
  const bundle = body as { type?: unknown; entry?: unknown };
  if (bundle.type !== 'batch' && bundle.type !== 'transaction') {
    throw new FhirInputError('POST /fhir takes a Bundle of type batch or transaction');
  }
  if (!Array.isArray(bundle.entry) || bundle.entry.length === 0) throw new FhirInputError('the Bundle has no entries', 400, 'required');
  if (bundle.entry.length > MAX_BUNDLE_ENTRIES) throw new FhirInputError(`a Bundle may hold at most ${MAX_BUNDLE_ENTRIES} entries`, 400, 'too-costly');
  let expected = 0;
  return bundle.entry.map((raw: unknown, i: number) => {
    const e = raw as { request?: { method?: unknown; url?: unknown }; resource?: unknown } | null;
    const method = e?.request?.method;
    const url = e?.request?.url;
    if (typeof method !== 'string' || typeof url !== 'string') {
      throw new FhirInputError(`Bundle.entry[${i}].request needs a method and a url`, 400, 'required');
    }
    const path = url.split('?')[0] ?? '';
    const segments = path.replace(/^\/+/, '').split('/').filter(Boolean);
    let interaction: Interaction;
    try {
      interaction = classify(method, segments);
    } catch (err) {
      if (err instanceof FhirInputError) throw new FhirInputError(`Bundle.entry[${i}]: ${err.message}`, err.status === 404 ? 400 : err.status, err.code, `Bundle.entry[${i}]: ${err.auditDetail}`);
      throw err;
    }
    if (interaction.kind === 'batch' || interaction.kind === 'search-system') {
      throw new FhirInputError(`Bundle.entry[${i}]: nested batches and system searches are not supported`, 400, 'not-supported');
    }
    const resourceType = 'resourceType' in interaction ? interaction.resourceType : undefined;
    switch (interaction.kind) {
      case 'create':
      case 'conditional-update':
        validateResourceBody(e?.resource, interaction.resourceType, undefined, `Bundle.entry[${i}].resource`);
        break;
      case 'update':
        validateResourceBody(e?.resource, interaction.resourceType, interaction.id, `Bundle.entry[${i}].resource`);
        break;
      case 'search': {
        const q = url.includes('?') ? url.slice(url.indexOf('?') + 1) : '';
        const normalised = validateSearch(interaction.resourceType, queryFromSearchParams(new URLSearchParams(q)));
        const count = Number(single(normalised._count, '_count') ?? 0);
        if (count > MAX_BATCH_ENTRY_COUNT) {
          throw new FhirInputError(`Bundle.entry[${i}]: _count in a batch must be at most ${MAX_BATCH_ENTRY_COUNT}; page larger results with ordinary searches`, 400, 'too-costly');
        }
        expected += single(normalised._summary, '_summary') === 'count' ? 0 : count;
        // The defaulted, capped query is what the store runs (paging enforced inside batches too).
        (e as { request: { url: string } }).request.url = `${path}?${queryToString(normalised)}`;
        break;
      }
      default:
        expected += 1;
        break;
    }
    if (expected > MAX_BATCH_RESULTS) {
      throw new FhirInputError(
        `the Bundle could return more than ${MAX_BATCH_RESULTS} resources (up to entry ${i}): lower _count or split it into several requests`,
        400,
        'too-costly',
      );
    }
    return { method: method.toUpperCase(), resourceType };
  });
}

export function queryFromSearchParams(params: URLSearchParams): Query {
  const out: Query = {};
  for (const key of new Set(params.keys())) {
    const all = params.getAll(key);
    out[key] = all.length === 1 ? (all[0] as string) : all;
  }
  return out;
}

export function queryToString(query: Query): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) for (const one of Array.isArray(v) ? v : [v]) p.append(k, one);
  return p.toString();
}
