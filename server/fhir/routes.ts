// The embedded store as the /fhir back end: the forward step of the one FHIR pipeline
// (fhir/pipeline.ts: classify → authorise → validate → consent → audit intent → forward), and
// the FHIR response shaping (fullUrl, paging links, Location, ETag). AuditEvent reads and
// searches are answered from the audit table.
import type { Bundle, CapabilityStatement, OperationOutcome, Resource } from '@medplum/fhirtypes';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { HttpMethod } from '@medplum/fhir-router';
import { AuditSearchError, type AuditEventTable } from '../audit/event-table';
import { bundleAuditFacts } from '../audit/record';
import { FHIR_JSON_CONTENT_TYPE, operationOutcome, sendOutcome } from '../http/operation-outcome';
import type { FhirForwarder, PreparedFhirRequest } from './pipeline';
import { patientIdOfResource } from './references';
import type { SearchPage } from './durable-repository';
import type { StoreRequest, StoreResponse } from './store';
import { DEFAULT_COUNT, FhirInputError, queryToString, isWrite, type Interaction, type Query } from './validate';

/** A /fhir back end's health, for /healthz (embedded store or upstream server). */
export interface FhirBackendHealth {
  readonly mode: 'embedded' | 'upstream';
  health(): Promise<{ status: 'ok' | 'degraded' | 'down'; detail?: string }>;
}

/** The embedded store behind /fhir (fhir/embedded-adapters.ts). */
export interface FhirBackend extends FhirBackendHealth {
  handle(req: StoreRequest): Promise<StoreResponse>;
}

export interface FhirRouteDeps {
  backend: FhirBackend;
  /** Embedded mode: AuditEvent reads and searches are answered from their own table. */
  auditEvents?: AuditEventTable;
  /** Stores the AuditEvents the audit writer holds back (AuditTrail.flushEvents), before they are read. */
  flushAuditEvents?: () => Promise<void>;
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

/** What a response's headers and audit attribution need of a resource: from the resource, or from its stored row. */
interface ResourceHead {
  resourceType: string;
  id?: string;
  versionId?: string;
  lastUpdated?: string;
}

function headOf(resource: Resource): ResourceHead {
  return { resourceType: resource.resourceType, id: resource.id, versionId: resource.meta?.versionId, lastUpdated: resource.meta?.lastUpdated };
}

/** Sends one resource (`body`: the object, or its JSON text as stored) with its ETag, Last-Modified and, on 201, Location. */
function sendResource(reply: FastifyReply, status: number, head: ResourceHead, base: string, body: Resource | string): FastifyReply {
  const { versionId, lastUpdated } = head;
  if (versionId) reply.header('etag', `W/"${versionId}"`);
  if (lastUpdated) reply.header('last-modified', new Date(lastUpdated).toUTCString());
  if (status === 201 && head.id) {
    reply.header('location', `${base}/${head.resourceType}/${head.id}${versionId ? `/_history/${versionId}` : ''}`);
  }
  return reply.code(status).type(FHIR_JSON_CONTENT_TYPE).send(body);
}

/** The audit record's entity and patient for a request that answered one resource. */
function attributeTo(req: FastifyRequest, head: ResourceHead, patientId: string | undefined): void {
  req.auditEntities = [`${head.resourceType}/${head.id}`];
  if (patientId) req.auditPatientId = patientId;
}

export function shapeSearchBundle(bundle: Bundle, base: string, resourceType: string, query: Query): Bundle {
  const entry = (bundle.entry ?? []).map((e) => ({
    ...(e.resource?.id ? { fullUrl: `${base}/${e.resource.resourceType}/${e.resource.id}` } : {}),
    ...e,
    search: { mode: 'match' as const },
  }));
  const link = searchLinks(bundle.total, bundle.link?.find((l) => l.relation === 'next')?.url, base, resourceType, query);
  const total = bundle.total;
  return { resourceType: 'Bundle', type: 'searchset', ...(total !== undefined ? { total } : {}), link, ...(entry.length ? { entry } : {}) };
}

/**
 * The same searchset Bundle as shapeSearchBundle, written around the resources' stored JSON
 * text: nothing parsed, nothing re-serialised but the envelope (issue 14).
 */
export function searchPageJson(page: SearchPage, base: string, resourceType: string, query: Query): string {
  const link = searchLinks(page.total, page.next, base, resourceType, query);
  let out = `{"resourceType":"Bundle","type":"searchset"${page.total !== undefined ? `,"total":${page.total}` : ''},"link":${JSON.stringify(link)}`;
  if (page.entries.length > 0) {
    out += ',"entry":[';
    page.entries.forEach((e, i) => {
      out += `${i > 0 ? ',' : ''}{"fullUrl":${JSON.stringify(`${base}/${e.resourceType}/${e.id}`)},"resource":${e.json},"search":{"mode":"match"}}`;
    });
    out += ']';
  }
  return `${out}}`;
}

function searchLinks(total: number | undefined, storeNext: string | undefined, base: string, resourceType: string, query: Query): NonNullable<Bundle['link']> {
  const count = Number(Array.isArray(query._count) ? query._count[0] : (query._count ?? DEFAULT_COUNT));
  const offset = Number(Array.isArray(query._offset) ? query._offset[0] : (query._offset ?? 0));
  const link: NonNullable<Bundle['link']> = [{ relation: 'self', url: `${base}/${resourceType}?${queryToString(query)}` }];
  // The next page: by keyset cursor (stable while others write: nothing repeated or skipped),
  // as the store issued it, unless the client pages by _offset itself.
  if (query._offset === undefined && storeNext?.startsWith(`${resourceType}?`)) {
    link.push({ relation: 'next', url: `${base}/${storeNext}` });
  } else if (query._cursor === undefined && total !== undefined && count > 0 && offset + count < total) {
    link.push({ relation: 'next', url: `${base}/${resourceType}?${queryToString({ ...query, _offset: String(offset + count) })}` });
  }
  if (offset > 0) {
    link.push({ relation: 'previous', url: `${base}/${resourceType}?${queryToString({ ...query, _offset: String(Math.max(0, offset - count)) })}` });
  }
  return link;
}

/** The forward step for the embedded store. */
export function embeddedForwarder(deps: FhirRouteDeps): FhirForwarder {
  return { mode: 'embedded', forward: (req, reply, prepared) => forwardToStore(req, reply, prepared, deps) };
}

async function forwardToStore(req: FastifyRequest, reply: FastifyReply, prepared: PreparedFhirRequest, deps: FhirRouteDeps): Promise<FastifyReply> {
  const { interaction, query, base } = prepared;
  if (interaction.kind === 'capabilities') return reply.type(FHIR_JSON_CONTENT_TYPE).send(capabilityStatement(deps.backend.mode));
  if (deps.auditEvents && 'resourceType' in interaction && interaction.resourceType === 'AuditEvent' && !isWrite(interaction)) {
    // Every record acknowledged before this request is searchable (the audit thread inserts in groups).
    await deps.flushAuditEvents?.();
    return answerAuditEvent(req, reply, deps.auditEvents, interaction, query, base);
  }
  const headers: Record<string, string> = {};
  for (const name of ['if-none-exist', 'if-match'] as const) if (prepared.headers[name] !== undefined) headers[name] = prepared.headers[name];
  const result = await deps.backend.handle({ method: prepared.method as HttpMethod, url: prepared.url, body: prepared.body, headers, jsonSearch: interaction.kind === 'search', jsonRead: interaction.kind === 'read' });
  if (result.searchPage && result.status < 400 && interaction.kind === 'search') {
    return reply.type(FHIR_JSON_CONTENT_TYPE).send(searchPageJson(result.searchPage, base, interaction.resourceType, query));
  }
  if (result.stored && result.resourceJson !== undefined && result.status === 200 && interaction.kind === 'read') {
    // A plain read: the stored text with its row's meta, parsed only to find a non-Patient's
    // patient for the audit record (a Patient is its own).
    const head = result.stored;
    attributeTo(req, head, head.resourceType === 'Patient' ? head.id : patientIdOfResource(result.resource as unknown as Record<string, unknown>));
    return sendResource(reply, 200, head, base, result.resourceJson);
  }
  if (result.status >= 400 || !result.resource) {
    const outcome = withDiagnostics(result.outcome.issue?.length ? result.outcome : (operationOutcome('processing', 'the request failed') as OperationOutcome));
    // The store's own text can quote request values (medplum: "Invalid format for date search
    // parameter: <value>"); the audit record gets the issue code and the parameter names only.
    req.auditDetail = storeRefusalDetail(result.status, outcome.issue?.[0]?.code, interaction.kind === 'search' ? query : undefined);
    return reply.code(result.status >= 400 ? result.status : 500).type(FHIR_JSON_CONTENT_TYPE).send(outcome);
  }
  const resource = result.resource;
  if (interaction.kind === 'search') {
    return reply.type(FHIR_JSON_CONTENT_TYPE).send(shapeSearchBundle(resource as Bundle, base, interaction.resourceType, query));
  }
  if (resource.resourceType !== 'Bundle' && resource.id) {
    attributeTo(req, resource, patientIdOfResource(resource as unknown as Record<string, unknown>));
  } else if (interaction.kind === 'batch') {
    // Attributed to every patient its entries touch, and named by what it did (server/audit/record.ts).
    const facts = bundleAuditFacts(prepared.body, resource);
    req.auditEntities = facts.entities;
    if (facts.patientIds[0]) req.auditPatientId = facts.patientIds[0];
    req.auditAction = facts.action;
    req.auditDetail = facts.summary;
  }
  return sendResource(reply, result.status, headOf(resource), base, result.resourceJson ?? resource);
}

/** AuditEvent read/search from the audit table (writes never get here: the role matrix refuses them). */
function answerAuditEvent(req: FastifyRequest, reply: FastifyReply, table: AuditEventTable, interaction: Interaction, query: Query, base: string): FastifyReply {
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
      return reply.type(FHIR_JSON_CONTENT_TYPE).send(shapeSearchBundle(bundle, base, 'AuditEvent', query));
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
      return sendResource(reply, 200, headOf(event), base, event);
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
