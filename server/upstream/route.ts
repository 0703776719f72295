// Upstream mode of /fhir: the forward step of the one FHIR pipeline (fhir/pipeline.ts: the same
// classification, validation, consent and audit intent as the embedded store), then the request
// goes to the FHIR upstream and its answer streams back with the upstream's base URL rewritten to
// the proxy's own public /fhir base. This forwarder fills req.audit* with what it learns
// (created ids, patient) for the completion audit record.
import type { Resource } from '@medplum/fhirtypes';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { pipeline } from 'node:stream';
import type { ResourceEvent } from '../../core/contracts';
import type { FhirForwarder, PreparedFhirRequest } from '../fhir/pipeline';
import { patientIdOfResource } from '../fhir/references';
import { bundleAuditFacts } from '../audit/record';
import { isWrite } from '../fhir/validate';
import { FHIR_JSON_CONTENT_TYPE, operationOutcome, sendOutcome } from '../http/operation-outcome';
import type { PatientEventHub } from '../events/hub';
import type { UpstreamFhirClient } from './client';
import { readAll } from './client';
import { UpstreamError } from './errors';
import { baseRewrites, createBaseRewriteStream, rewriteChunk } from './rewrite';

export interface UpstreamFhirDeps {
  client: UpstreamFhirClient;
  /** Writes that pass through are announced at once (the poller would find them a few seconds later). */
  hub?: PatientEventHub;
}

/** Response headers passed back. Length and encoding are not: the body is rewritten while streaming. */
const FORWARDED_RESPONSE_HEADERS = ['etag', 'last-modified', 'location', 'content-location'] as const;
/** Largest write response or error body the proxy buffers (they are single resources or small bundles). */
const MAX_BUFFERED_BYTES = 32 * 1024 * 1024;

/** The forward step for an upstream FHIR server. */
export function upstreamForwarder(deps: UpstreamFhirDeps): FhirForwarder {
  return {
    mode: 'upstream',
    pagesOnBase: true,
    forward: (req, reply, prepared) => forwardUpstream(req, reply, prepared, deps),
    answerError: (req, reply, err) => {
      if (!(err instanceof UpstreamError)) return null;
      req.auditDetail = `upstream: ${err.message}`.slice(0, 120);
      return sendOutcome(reply, err.status, err.code, err.message);
    },
  };
}

async function forwardUpstream(req: FastifyRequest, reply: FastifyReply, prepared: PreparedFhirRequest, deps: UpstreamFhirDeps): Promise<FastifyReply> {
  const { interaction, method, body, base } = prepared;
  const headers: Record<string, string> = { accept: 'application/fhir+json', 'x-request-id': String(req.id), ...prepared.headers };
  let payload: string | undefined;
  if (body !== undefined && method !== 'GET') {
    payload = JSON.stringify(body);
    headers['content-type'] = 'application/fhir+json';
  }

  const res = await deps.client.request({ method, path: prepared.url, headers, ...(payload !== undefined ? { body: payload } : {}) });
  const rewrites = baseRewrites(deps.client.baseUrl, base);
  for (const name of FORWARDED_RESPONSE_HEADERS) {
    const v = res.headers[name];
    if (typeof v === 'string') reply.header(name, rewriteChunk(v, rewrites, true).out);
  }
  const upstreamType = res.headers['content-type'];
  const isJson = typeof upstreamType === 'string' && /json/i.test(upstreamType);

  if (res.status < 300 && !isWrite(interaction) && method === 'GET') {
    // Reads and searches stream straight through, rewritten on the fly: constant memory per request.
    if (interaction.kind === 'read' || interaction.kind === 'vread') {
      req.auditEntities = [`${interaction.resourceType}/${interaction.id}`];
    }
    reply.code(res.status).type(isJson ? FHIR_JSON_CONTENT_TYPE : (upstreamType ?? 'application/octet-stream'));
    const rewritten = createBaseRewriteStream(deps.client.baseUrl, base);
    // pipeline, not pipe: a client that goes away (or a stalled upstream) tears down both sides,
    // so no upstream socket is left paused half-read.
    pipeline(res.body, rewritten, () => undefined);
    return reply.send(rewritten);
  }

  // Writes and errors are small: buffer them to learn ids for the audit and events, and to turn
  // a non-FHIR error page (a gateway's HTML) into an OperationOutcome.
  const text = rewriteChunk(await readAll(res.body, MAX_BUFFERED_BYTES), rewrites, true).out;
  let parsed: unknown;
  try {
    parsed = text === '' ? undefined : (JSON.parse(text) as unknown);
  } catch {
    parsed = undefined;
  }
  if (res.status >= 400) {
    // The upstream refusing the proxy's own credentials is a gateway fault, not the user's: a 401
    // passed through would make the browser think its session ended.
    const status = res.status >= 500 || res.status === 401 ? 502 : res.status;
    if (res.status === 401) {
      req.auditDetail = 'upstream refused the proxy credentials';
      return sendOutcome(reply, 502, 'security', 'the FHIR server refused the proxy\'s credentials; check FHIR_UPSTREAM_TOKEN or the client-credentials settings');
    }
    // A 4xx OperationOutcome explains the client's own mistake and passes through; a 5xx one can
    // carry the upstream's internals (stack traces, SQL) and is replaced by our own text.
    const outcome =
      res.status < 500 && parsed && typeof parsed === 'object' && (parsed as { resourceType?: unknown }).resourceType === 'OperationOutcome'
        ? parsed
        : operationOutcome(res.status >= 500 ? 'transient' : 'processing', `the FHIR server answered HTTP ${res.status}`);
    req.auditDetail = `upstream HTTP ${res.status}`;
    return reply.code(status).type(FHIR_JSON_CONTENT_TYPE).send(outcome);
  }
  if (isWrite(interaction)) noteWrite(req, deps, body, parsed, res.headers, res.status);
  reply.code(res.status);
  if (parsed === undefined) return reply.send(text === '' ? undefined : text);
  return reply.type(FHIR_JSON_CONTENT_TYPE).send(parsed);
}

function lastUpdatedSeq(resource: Resource | undefined, lastModified: unknown): { seq: number; at: string } | null {
  const iso = resource?.meta?.lastUpdated ?? (typeof lastModified === 'string' ? new Date(lastModified).toISOString() : undefined);
  if (!iso) return null;
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? null : { seq: ms, at: new Date(ms).toISOString() };
}

/** Audit entities and live events for a write the upstream accepted. */
function noteWrite(req: FastifyRequest, deps: UpstreamFhirDeps, sent: unknown, answer: unknown, headers: Record<string, unknown>, status: number): void {
  // A conditional create that matched an existing resource (200 to a POST) wrote nothing new.
  const wroteSomething = !(req.method === 'POST' && status === 200 && !(typeof answer === 'object' && answer !== null && (answer as { resourceType?: unknown }).resourceType === 'Bundle'));
  const announce = (e: ResourceEvent): void => {
    if (deps.hub && wroteSomething) deps.hub.publishSequenced(e);
  };
  const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (isObj(answer) && answer.resourceType === 'Bundle' && isObj(sent) && Array.isArray(sent.entry)) {
    // batch/transaction-response: entries are in the order of the request's entries (FHIR R4 3.1.0.11).
    const entities: string[] = [];
    const answers = Array.isArray(answer.entry) ? answer.entry : [];
    answers.forEach((a: unknown, i: number) => {
      const request = (sent.entry as unknown[])[i];
      if (!isObj(a) || !isObj(a.response) || !isObj(request)) return;
      const location = typeof a.response.location === 'string' ? a.response.location : undefined;
      const m = location ? /([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})\/_history\/([A-Za-z0-9\-.]{1,64})/.exec(location) : null;
      if (!m) return;
      const [, type, id, versionId] = m as unknown as [string, string, string, string];
      entities.push(`${type}/${id}`);
      const resource = (isObj(a.resource) ? a.resource : isObj(request.resource) ? request.resource : undefined) as Resource | undefined;
      const pid = resource ? patientIdOfResource(resource as unknown as Record<string, unknown>) : undefined;
      const when = lastUpdatedSeq(isObj(a.resource) ? (a.resource as unknown as Resource) : undefined, a.response.lastModified);
      const status = typeof a.response.status === 'string' ? a.response.status : '';
      if (pid && when && /^20[01]/.test(status)) {
        announce({ ...when, patientId: pid, resourceType: type, id, versionId, action: status.startsWith('201') ? 'create' : 'update' });
      }
    });
    // Attributed like the embedded store's transactions (server/audit/record.ts): every patient the
    // entries touch, named by what the entries did, the located resources listed.
    const facts = bundleAuditFacts(sent, answer);
    req.auditEntities = [...new Set([...entities, ...facts.entities])].slice(0, 50);
    if (facts.patientIds[0]) req.auditPatientId = facts.patientIds[0];
    req.auditAction = facts.action;
    req.auditDetail = facts.summary;
    return;
  }
  const resource = (isObj(answer) && typeof answer.resourceType === 'string' ? answer : isObj(sent) ? sent : undefined) as Resource | undefined;
  const location = typeof headers.location === 'string' ? headers.location : '';
  const m = /([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/([A-Za-z0-9\-.]{1,64}))?/.exec(location);
  const type = resource?.resourceType ?? m?.[1];
  const id = (isObj(answer) && typeof answer.id === 'string' ? answer.id : undefined) ?? m?.[2];
  if (!type || !id) return;
  req.auditEntities = [`${type}/${id}`];
  const pid = resource ? patientIdOfResource(resource as unknown as Record<string, unknown>) : undefined;
  if (pid) req.auditPatientId = pid;
  const versionId = (isObj(answer) ? (answer as unknown as Resource).meta?.versionId : undefined) ?? m?.[3];
  const when = lastUpdatedSeq(isObj(answer) ? (answer as unknown as Resource) : undefined, headers['last-modified']);
  if (pid && when) {
    announce({
      ...when,
      patientId: pid,
      resourceType: type,
      id,
      ...(versionId ? { versionId } : {}),
      action: versionId === '1' || (req.method === 'POST' && versionId === undefined) ? 'create' : 'update',
    });
  }
}
