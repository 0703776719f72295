// Upstream mode of /fhir: the same validation and consent rules as the embedded store (reusing
// server/fhir/validate.ts and the ConsentService), then the request goes to the FHIR upstream and
// its answer streams back with the upstream's base URL rewritten to the proxy's own /fhir base.
// Sign-in, roles and audit are applied around this route by the app's hooks, exactly as for the
// embedded store; this route fills req.audit* with what it learns (created ids, patient).
import type { Resource } from '@medplum/fhirtypes';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { pipeline } from 'node:stream';
import type { ConsentService } from '../consent/service';
import type { ResourceEvent } from '../../core/contracts';
import { patientIdOfResource } from '../fhir/references';
import {
  FhirInputError,
  classify,
  isWrite,
  queryFromSearchParams,
  queryToString,
  validateBundle,
  validateResourceBody,
  validateSearch,
  type Interaction,
  type Query,
} from '../fhir/validate';
import { FHIR_JSON_CONTENT_TYPE, operationOutcome, sendOutcome } from '../http/operation-outcome';
import type { PatientEventHub } from '../events/hub';
import type { UpstreamFhirClient } from './client';
import { readAll } from './client';
import { UpstreamError } from './errors';
import { baseRewrites, createBaseRewriteStream, rewriteChunk } from './rewrite';
import { canonicalSegments } from '../http/paths';

export interface UpstreamFhirDeps {
  client: UpstreamFhirClient;
  /** Built over the upstream (upstreamConsentSource), so consent is read where the record lives. */
  consent: ConsentService;
  /** Writes that pass through are announced at once (the poller would find them a few seconds later). */
  hub?: PatientEventHub;
}

/** Request headers a FHIR client may send that the upstream needs to see. */
const FORWARDED_REQUEST_HEADERS = ['if-none-exist', 'if-match', 'if-none-match', 'if-modified-since', 'prefer'] as const;
/** Response headers passed back. Length and encoding are not: the body is rewritten while streaming. */
const FORWARDED_RESPONSE_HEADERS = ['etag', 'last-modified', 'location', 'content-location'] as const;
/** Largest write response or error body the proxy buffers (they are single resources or small bundles). */
const MAX_BUFFERED_BYTES = 32 * 1024 * 1024;

function proxyBase(req: FastifyRequest): string {
  return `${req.protocol}://${req.host}/fhir`;
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

/** Paging of servers that page with opaque tokens on the base URL (HAPI: `?_getpages=…`). */
function isPagingContinuation(query: Query): boolean {
  const keys = Object.keys(query);
  return keys.includes('_getpages') && keys.every((k) => /^_(getpages|getpagesoffset|count|pretty|bundletype|format)$/.test(k));
}

function single(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

export async function registerUpstreamFhir(app: FastifyInstance, deps: UpstreamFhirDeps): Promise<void> {
  await app.register(
    async (f) => {
      // application/fhir+json is parsed app-wide (app.ts); form bodies are POST _search queries.
      f.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
        done(null, queryFromSearchParams(new URLSearchParams(typeof body === 'string' ? body : body.toString('utf8'))));
      });
      const handler = async (req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
        try {
          return await handleUpstream(req, reply, deps);
        } catch (err) {
          if (err instanceof FhirInputError) {
            req.auditDetail = err.auditDetail.slice(0, 120);
            return sendOutcome(reply, err.status, err.code, err.message);
          }
          if (err instanceof UpstreamError) {
            req.auditDetail = `upstream: ${err.message}`.slice(0, 120);
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

async function handleUpstream(req: FastifyRequest, reply: FastifyReply, deps: UpstreamFhirDeps): Promise<FastifyReply> {
  const segments = segmentsOf(req.url);
  let query = queryOf(req);
  let interaction: Interaction;
  if (req.method === 'GET' && segments.length === 0 && isPagingContinuation(query)) {
    interaction = { kind: 'search-system' };
  } else {
    interaction = classify(req.method, segments);
    if (interaction.kind === 'search-system') {
      throw new FhirInputError('system-wide search is not supported: search one resource type, e.g. /fhir/Patient?name=…', 400, 'not-supported');
    }
  }
  let body: unknown = req.body;
  let method = req.method.toUpperCase();
  let path = segments.map(encodeURIComponent).join('/');

  switch (interaction.kind) {
    case 'search':
      if (interaction.viaPost) {
        query = { ...query, ...((body && typeof body === 'object' ? body : {}) as Query) };
        body = undefined;
        // Forward as GET: the validated query is the whole request, and GET responses stream.
        method = 'GET';
        path = encodeURIComponent(interaction.resourceType);
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
    case 'capabilities':
    case 'search-system':
    case 'read':
    case 'history':
    case 'vread':
      break;
  }

  const ifNoneExist = single(req.headers['if-none-exist']);
  if (ifNoneExist) {
    if (interaction.kind !== 'create') throw new FhirInputError('If-None-Exist applies to create (POST /fhir/{type}) only');
    validateSearch(interaction.resourceType, queryFromSearchParams(new URLSearchParams(ifNoneExist)));
  }

  if (isWrite(interaction)) {
    const verdict = await deps.consent.checkWrite(body);
    if (!verdict.ok) {
      req.auditDetail = verdict.status === 403 ? 'consent denies digital-twin' : 'twin-output rules';
      if (verdict.patientId) req.auditPatientId = verdict.patientId;
      return sendOutcome(reply, verdict.status, verdict.status === 403 ? 'forbidden' : 'processing', verdict.message);
    }
  }

  const headers: Record<string, string> = { accept: 'application/fhir+json', 'x-request-id': String(req.id) };
  for (const name of FORWARDED_REQUEST_HEADERS) {
    const v = single(req.headers[name]);
    if (v !== undefined) headers[name] = v;
  }
  let payload: string | undefined;
  if (body !== undefined && method !== 'GET') {
    payload = JSON.stringify(body);
    headers['content-type'] = 'application/fhir+json';
  }
  const qs = queryToString(query);
  const upstreamPath = qs ? `${path}?${qs}` : path;

  const res = await deps.client.request({ method, path: upstreamPath, headers, ...(payload !== undefined ? { body: payload } : {}) });
  const base = proxyBase(req);
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
    const outcome =
      parsed && typeof parsed === 'object' && (parsed as { resourceType?: unknown }).resourceType === 'OperationOutcome'
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
    req.auditEntities = entities.slice(0, 50);
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
