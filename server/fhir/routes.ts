// The /fhir REST surface: validation → consent → backend (embedded store or upstream) → FHIR
// response shaping (fullUrl, paging links, Location, ETag). Sign-in and role checks happened
// before (auth hooks in app.ts); the audit hook records the outcome after.
import type { Bundle, CapabilityStatement, OperationOutcome, Resource } from '@medplum/fhirtypes';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { HttpMethod } from '@medplum/fhir-router';
import { AuditSearchError, type AuditEventTable } from '../audit/event-table';
import { bundleAuditFacts } from '../audit/record';
import type { AuditAction } from '../../core/contracts';
import type { ConsentService } from '../consent/service';
import { FHIR_JSON_CONTENT_TYPE, operationOutcome, sendOutcome } from '../http/operation-outcome';
import { canonicalSegments } from '../http/paths';
import { patientIdOfResource } from './references';
import type { StoreRequest, StoreResponse } from './store';
import {
  DEFAULT_COUNT,
  FhirInputError,
  queryFromSearchParams,
  queryToString,
  validateBundle,
  validateResourceBody,
  validateSearch,
  classify,
  isWrite,
  type Interaction,
  type Query,
} from './validate';

/** What /fhir talks to: the embedded store, or (registerUpstream) a remote FHIR server. */
export interface FhirBackend {
  readonly mode: 'embedded' | 'upstream';
  handle(req: StoreRequest): Promise<StoreResponse>;
  health(): Promise<{ status: 'ok' | 'degraded' | 'down'; detail?: string }>;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Entities and patient learned while handling, for the audit record. */
    auditEntities?: string[];
    auditPatientId?: string;
    auditDetail?: string;
    /** Set when the method and path do not say what the request did (batch/transaction). */
    auditAction?: AuditAction;
  }
}

export interface FhirRouteDeps {
  backend: FhirBackend;
  consent: ConsentService;
  /** Embedded mode: AuditEvent reads and searches are answered from their own table. */
  auditEvents?: AuditEventTable;
}

function baseUrl(req: FastifyRequest): string {
  return `${req.protocol}://${req.host}/fhir`;
}

function capabilityStatement(mode: 'embedded' | 'upstream'): CapabilityStatement {
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: new Date().toISOString(),
    kind: 'instance',
    fhirVersion: '4.0.1',
    format: ['json'],
    software: { name: 'Twinscope FHIR proxy', version: '0.1.0' },
    implementation: { description: mode === 'embedded' ? 'Twinscope embedded FHIR R4 store' : 'Twinscope proxy to an upstream FHIR R4 server' },
    rest: [
      {
        mode: 'server',
        security: { description: 'Session cookie or Bearer token from POST /auth/login; role-based access; every request audited.' },
        interaction: [{ code: 'batch' }, { code: 'transaction' }, { code: 'search-system' }],
        resource: [
          'Patient', 'Observation', 'Condition', 'MedicationStatement', 'Procedure', 'ServiceRequest', 'ImagingStudy',
          'CarePlan', 'Task', 'Provenance', 'DocumentReference', 'RiskAssessment', 'DiagnosticReport', 'Consent', 'AuditEvent',
        ].map((type): NonNullable<NonNullable<CapabilityStatement['rest']>[number]['resource']>[number] => ({
          type: type as never,
          versioning: 'versioned' as const,
          readHistory: true,
          updateCreate: true,
          conditionalCreate: true,
          conditionalUpdate: true,
          interaction: (['read', 'vread', 'update', 'history-instance', 'create', 'search-type'] as const).map((code) => ({ code })),
        })),
      },
    ],
  };
}

/** Decoded path segments after `/fhir` (the router matched the decoded first segment). */
function segmentsOf(url: string): string[] {
  const segments = canonicalSegments(url);
  if (segments === null) throw new FhirInputError('the URL has an invalid percent-encoding');
  return segments.slice(1);
}

function queryOf(req: FastifyRequest): Query {
  const i = req.url.indexOf('?');
  return queryFromSearchParams(new URLSearchParams(i >= 0 ? req.url.slice(i + 1) : ''));
}

function singleHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function sendResource(reply: FastifyReply, status: number, resource: Resource, base: string): FastifyReply {
  const versionId = resource.meta?.versionId;
  if (versionId) reply.header('etag', `W/"${versionId}"`);
  if (resource.meta?.lastUpdated) reply.header('last-modified', new Date(resource.meta.lastUpdated).toUTCString());
  if (status === 201 && resource.id) {
    reply.header('location', `${base}/${resource.resourceType}/${resource.id}${versionId ? `/_history/${versionId}` : ''}`);
  }
  return reply.code(status).type(FHIR_JSON_CONTENT_TYPE).send(resource);
}

function shapeSearchBundle(bundle: Bundle, req: FastifyRequest, resourceType: string, query: Query): Bundle {
  const base = baseUrl(req);
  const entry = (bundle.entry ?? []).map((e) => ({
    ...(e.resource?.id ? { fullUrl: `${base}/${e.resource.resourceType}/${e.resource.id}` } : {}),
    ...e,
    search: { mode: 'match' as const },
  }));
  const count = Number(Array.isArray(query._count) ? query._count[0] : (query._count ?? DEFAULT_COUNT));
  const offset = Number(Array.isArray(query._offset) ? query._offset[0] : (query._offset ?? 0));
  const link: NonNullable<Bundle['link']> = [{ relation: 'self', url: `${base}/${resourceType}?${queryToString(query)}` }];
  const total = bundle.total;
  if (total !== undefined && count > 0 && offset + count < total) {
    link.push({ relation: 'next', url: `${base}/${resourceType}?${queryToString({ ...query, _offset: String(offset + count) })}` });
  }
  if (offset > 0) {
    link.push({ relation: 'previous', url: `${base}/${resourceType}?${queryToString({ ...query, _offset: String(Math.max(0, offset - count)) })}` });
  }
  return { resourceType: 'Bundle', type: 'searchset', ...(total !== undefined ? { total } : {}), link, ...(entry.length ? { entry } : {}) };
}

export async function registerFhirRoutes(app: FastifyInstance, deps: FhirRouteDeps): Promise<void> {
  await app.register(
    async (f) => {
      f.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
        done(null, queryFromSearchParams(new URLSearchParams(typeof body === 'string' ? body : body.toString('utf8'))));
      });

      const handler = async (req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
        try {
          return await handleFhir(req, reply, deps);
        } catch (err) {
          if (err instanceof FhirInputError) {
            req.auditDetail = err.auditDetail.slice(0, 120);
            return sendOutcome(reply, err.status, err.code, err.message);
          }
          throw err;
        }
      };
      f.route({ method: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'], url: '', handler });
      f.route({ method: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'], url: '/*', handler });
    },
    { prefix: '/fhir' },
  );
}

async function handleFhir(req: FastifyRequest, reply: FastifyReply, deps: FhirRouteDeps): Promise<FastifyReply> {
  const interaction = classify(req.method, segmentsOf(req.url));
  const base = baseUrl(req);
  let query = queryOf(req);
  let body: unknown = req.body;

  switch (interaction.kind) {
    case 'capabilities':
      return reply.type(FHIR_JSON_CONTENT_TYPE).send(capabilityStatement(deps.backend.mode));
    case 'search-system':
      throw new FhirInputError('system-wide search is not supported: search one resource type, e.g. /fhir/Patient?name=…', 400, 'not-supported');
    case 'search':
      if (interaction.viaPost) {
        query = { ...query, ...((body && typeof body === 'object' ? body : {}) as Query) };
        body = undefined;
      }
      query = validateSearch(interaction.resourceType, query);
      break;
    case 'create':
    case 'conditional-update':
      validateResourceBody(body, interaction.resourceType);
      if (interaction.kind === 'conditional-update') query = validateSearch(interaction.resourceType, query);
      break;
    case 'update':
      validateResourceBody(body, interaction.resourceType, interaction.id);
      break;
    case 'batch':
      validateBundle(body);
      break;
    case 'read':
    case 'history':
    case 'vread':
      break;
  }

  if (deps.auditEvents && 'resourceType' in interaction && interaction.resourceType === 'AuditEvent' && !isWrite(interaction)) {
    return answerAuditEvent(req, reply, deps.auditEvents, interaction, query);
  }

  if (isWrite(interaction)) {
    const verdict = await deps.consent.checkWrite(body);
    if (!verdict.ok) {
      req.auditDetail = verdict.status === 403 ? 'consent denies digital-twin' : 'twin-output rules';
      if (verdict.patientId) req.auditPatientId = verdict.patientId;
      return sendOutcome(reply, verdict.status, verdict.status === 403 ? 'forbidden' : 'business-rule', verdict.message);
    }
  }

  const path = interaction.kind === 'batch' ? '' : segmentsOf(req.url).map(encodeURIComponent).join('/');
  const url = interaction.kind === 'search' ? `${interaction.resourceType}?${queryToString(query)}` : path + (Object.keys(query).length ? `?${queryToString(query)}` : '');
  const headers: Record<string, string> = {};
  const ifNoneExist = singleHeader(req.headers['if-none-exist']);
  if (ifNoneExist) {
    if (interaction.kind !== 'create') throw new FhirInputError('If-None-Exist applies to create (POST /fhir/{type}) only');
    validateSearch(interaction.resourceType, queryFromSearchParams(new URLSearchParams(ifNoneExist)));
    headers['if-none-exist'] = ifNoneExist;
  }
  const ifMatch = singleHeader(req.headers['if-match']);
  if (ifMatch) headers['if-match'] = ifMatch;

  // A POST _search reaches the backend as the equivalent GET: the query was merged and validated above.
  const method = (interaction.kind === 'search' ? 'GET' : req.method.toUpperCase()) as HttpMethod;
  const result = await deps.backend.handle({ method, url, body, headers });
  if (result.status >= 400 || !result.resource) {
    const outcome = withDiagnostics(result.outcome.issue?.length ? result.outcome : (operationOutcome('processing', 'the request failed') as OperationOutcome));
    // The store's own text can quote request values (medplum: "Invalid format for date search
    // parameter: <value>"); the audit record gets the issue code and the parameter names only.
    req.auditDetail = storeRefusalDetail(result.status, outcome.issue?.[0]?.code, interaction.kind === 'search' ? query : undefined);
    return reply.code(result.status >= 400 ? result.status : 500).type(FHIR_JSON_CONTENT_TYPE).send(outcome);
  }
  const resource = result.resource;
  if (interaction.kind === 'search') {
    return reply.type(FHIR_JSON_CONTENT_TYPE).send(shapeSearchBundle(resource as Bundle, req, interaction.resourceType, query));
  }
  if (resource.resourceType !== 'Bundle' && resource.id) {
    req.auditEntities = [`${resource.resourceType}/${resource.id}`];
    const pid = patientIdOfResource(resource as unknown as Record<string, unknown>);
    if (pid) req.auditPatientId = pid;
  } else if (interaction.kind === 'batch') {
    // Attributed to every patient its entries touch, and named by what it did (server/audit/record.ts).
    const facts = bundleAuditFacts(body, resource);
    req.auditEntities = facts.entities;
    if (facts.patientIds[0]) req.auditPatientId = facts.patientIds[0];
    req.auditAction = facts.action;
    req.auditDetail = facts.summary;
  }
  return sendResource(reply, result.status, resource, base);
}

/** AuditEvent read/search from the audit table (writes never get here: the role matrix refuses them). */
function answerAuditEvent(req: FastifyRequest, reply: FastifyReply, table: AuditEventTable, interaction: Interaction, query: Query): FastifyReply {
  const base = baseUrl(req);
  switch (interaction.kind) {
    case 'search': {
      let result;
      try {
        result = table.search(query);
      } catch (err) {
        if (err instanceof AuditSearchError) throw new FhirInputError(err.message, 400, 'invalid', `invalid AuditEvent search (parameters: ${Object.keys(query).join(', ').slice(0, 80)})`);
        throw err;
      }
      const bundle: Bundle = { resourceType: 'Bundle', type: 'searchset', total: result.total, entry: result.events.map((resource) => ({ resource })) };
      return reply.type(FHIR_JSON_CONTENT_TYPE).send(shapeSearchBundle(bundle, req, 'AuditEvent', query));
    }
    case 'read':
    case 'vread':
    case 'history': {
      const event = table.read(interaction.id);
      if (!event || (interaction.kind === 'vread' && interaction.versionId !== event.meta?.versionId)) {
        return sendOutcome(reply, 404, 'not-found', `AuditEvent/${interaction.id}${interaction.kind === 'vread' ? `/_history/${interaction.versionId}` : ''} not found`);
      }
      req.auditEntities = [`AuditEvent/${interaction.id}`];
      if (interaction.kind === 'history') {
        return reply.type(FHIR_JSON_CONTENT_TYPE).send({ resourceType: 'Bundle', type: 'history', total: 1, entry: [{ fullUrl: `${base}/AuditEvent/${interaction.id}`, resource: event }] });
      }
      return sendResource(reply, 200, event, base);
    }
    default:
      throw new FhirInputError('AuditEvents are written by the server only', 405, 'not-supported');
  }
}

/** A value-free audit detail for a refusal by the backend: status, issue code, search parameter names. */
export function storeRefusalDetail(status: number, issueCode: string | undefined, query?: Query): string {
  const names = query ? Object.keys(query).filter((k) => !k.startsWith('_')) : [];
  return `store refused: ${status} ${issueCode ?? 'error'}${names.length ? ` (parameters: ${names.join(', ')})` : ''}`.slice(0, 120);
}

/** medplum puts messages in details.text; copy them to diagnostics so every error reads the same. */
function withDiagnostics(outcome: OperationOutcome): OperationOutcome {
  return {
    resourceType: 'OperationOutcome',
    issue: (outcome.issue ?? []).map((i) => ({ ...i, ...(i.diagnostics || !i.details?.text ? {} : { diagnostics: i.details.text }) })),
  };
}
