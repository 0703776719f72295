// The one /fhir request pipeline, for the embedded store and the upstream server alike:
//   classify → authorise → validate → consent → audit intent → forward → audit completion.
// Authorisation (sign-in, route × role table, per-type matrix) ran before, in the access hooks
// (auth/hooks.ts), on the same canonical path; the completion audit record is written by the
// audit hook (audit/hooks.ts) from what this pipeline notes on the request. Only `forward`
// differs between the modes (fhir/routes.ts: embedded store; upstream/route.ts: HTTP upstream),
// so a refusal is the same OperationOutcome in both.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AuditAction } from '../../core/contracts';
import type { ConsentService } from '../consent/service';
import { FHIR_JSON_CONTENT_TYPE, sendOutcome } from '../http/operation-outcome';
import { canonicalSegments } from '../http/paths';
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
} from './validate';

/** A request that passed every check, ready for a back end. */
export interface PreparedFhirRequest {
  interaction: Interaction;
  /** Method to forward (a POST _search goes on as GET). */
  method: string;
  /** Path relative to the FHIR base, percent-encoded, without query ('' for batch/system). */
  path: string;
  /** The validated query (search paging defaulted and capped). */
  query: Query;
  /** `path?query`. */
  url: string;
  /** The resource or Bundle to write (undefined for reads). */
  body: unknown;
  /** Conditional-request headers the client sent (if-none-exist, if-match, …). */
  headers: Record<string, string>;
  /** This server's public /fhir base (http/public-base.ts), for links in answers. */
  base: string;
}

/** Forwards a prepared request to a back end and answers the client. Throws FhirInputError or a mode-specific error. */
export interface FhirForwarder {
  readonly mode: 'embedded' | 'upstream';
  forward(req: FastifyRequest, reply: FastifyReply, prepared: PreparedFhirRequest): Promise<FastifyReply>;
  /** Mode-specific errors (e.g. the upstream being unreachable) as an OperationOutcome answer; null when not its own. */
  answerError?(req: FastifyRequest, reply: FastifyReply, err: unknown): FastifyReply | null;
  /** Server-side paging continuations (HAPI `?_getpages=`) on the base URL are passed on (upstream only). */
  readonly pagesOnBase?: boolean;
}

export interface FhirPipelineDeps {
  forwarder: FhirForwarder;
  consent: ConsentService;
  /** Durable audit intent before a write is forwarded (app.twin.auditIntent). */
  auditIntent: (req: FastifyRequest) => Promise<void>;
  /** The public base URL of this server (/fhir is appended). */
  base: (req: FastifyRequest) => string;
}

/** Request headers a FHIR client may send that the back end needs to see. */
export const FORWARDED_REQUEST_HEADERS = ['if-none-exist', 'if-match', 'if-none-match', 'if-modified-since', 'prefer'] as const;

/** Writes carry FHIR JSON only (issue 10: a form-encoded body was stored). */
const JSON_MEDIA_TYPE = /^application\/(fhir\+)?json\s*(;|$)/i;

declare module 'fastify' {
  interface FastifyRequest {
    /** Entities and patient learned while handling, for the audit record. */
    auditEntities?: string[];
    auditPatientId?: string;
    auditDetail?: string;
    /** Set when the method and path do not say what the request did (batch/transaction: audit/record.ts bundleAuditFacts). */
    auditAction?: AuditAction;
  }
}

function single(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
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

/** classify → validate → consent: everything decided before anything is forwarded. */
export async function prepareFhirRequest(req: FastifyRequest, deps: Pick<FhirPipelineDeps, 'consent' | 'base'> & { pagesOnBase?: boolean }): Promise<PreparedFhirRequest | { refused: { status: number; code: 'forbidden' | 'business-rule'; message: string } }> {
  const segments = segmentsOf(req.url);
  let query = queryOf(req);
  let interaction: Interaction;
  if (deps.pagesOnBase && req.method === 'GET' && segments.length === 0 && isPagingContinuation(query)) {
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

  if (isWrite(interaction)) {
    const type = single(req.headers['content-type']) ?? '';
    if (!JSON_MEDIA_TYPE.test(type)) {
      throw new FhirInputError(`writes take FHIR JSON: send Content-Type application/fhir+json (got ${type.split(';')[0]?.slice(0, 60) || 'none'})`, 415, 'not-supported', 'write with a non-JSON media type');
    }
  }

  switch (interaction.kind) {
    case 'search':
      if (interaction.viaPost) {
        // POST _search takes form parameters (FHIR R4 3.1.0.8.1); the merged query is the whole request.
        query = { ...query, ...((body && typeof body === 'object' ? body : {}) as Query) };
        body = undefined;
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

  const headers: Record<string, string> = {};
  for (const name of FORWARDED_REQUEST_HEADERS) {
    const v = single(req.headers[name]);
    if (v !== undefined) headers[name] = v;
  }
  if (headers['if-none-exist'] !== undefined) {
    if (interaction.kind !== 'create') throw new FhirInputError('If-None-Exist applies to create (POST /fhir/{type}) only');
    validateSearch(interaction.resourceType, queryFromSearchParams(new URLSearchParams(headers['if-none-exist'])));
  }

  if (isWrite(interaction)) {
    const verdict = await deps.consent.checkWrite(body);
    if (!verdict.ok) {
      req.auditDetail = verdict.status === 403 ? 'consent denies digital-twin' : 'twin-output rules';
      if (verdict.patientId) req.auditPatientId = verdict.patientId;
      return { refused: { status: verdict.status, code: verdict.status === 403 ? 'forbidden' : 'business-rule', message: verdict.message } };
    }
  }

  const qs = queryToString(query);
  return { interaction, method, path, query, url: qs ? `${path}?${qs}` : path, body, headers, base: deps.base(req) };
}

/** Registers `/fhir` and `/fhir/*` with the pipeline in front of `deps.forwarder`. */
export async function registerFhirPipeline(app: FastifyInstance, deps: FhirPipelineDeps): Promise<void> {
  const handler = async (req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
    try {
      const prepared = await prepareFhirRequest(req, { consent: deps.consent, base: deps.base, pagesOnBase: deps.forwarder.pagesOnBase === true });
      if ('refused' in prepared) return sendOutcome(reply, prepared.refused.status, prepared.refused.code, prepared.refused.message);
      if (isWrite(prepared.interaction)) {
        // The audit record is durable before the data: with the log unwritable nothing is forwarded.
        try {
          await deps.auditIntent(req);
        } catch {
          req.auditDetail = 'audit log unwritable: write refused before it was forwarded';
          return sendOutcome(reply, 503, 'exception', 'the audit log could not be written; the write was not made');
        }
      }
      return await deps.forwarder.forward(req, reply, prepared);
    } catch (err) {
      if (err instanceof FhirInputError) {
        req.auditDetail = err.auditDetail.slice(0, 120);
        if (!err.issues?.length) return sendOutcome(reply, err.status, err.code, err.message);
        // One issue per problem, each naming its element.
        return reply.code(err.status).type(FHIR_JSON_CONTENT_TYPE).send({
          resourceType: 'OperationOutcome',
          issue: err.issues.map((i) => ({ severity: 'error', code: i.code, diagnostics: i.message, expression: [i.expression] })),
        });
      }
      const answered = deps.forwarder.answerError?.(req, reply, err);
      if (answered) return answered;
      throw err;
    }
  };
  await app.register(
    async (f) => {
      // Form bodies are POST _search parameters; anything else is refused for writes above.
      f.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
        done(null, queryFromSearchParams(new URLSearchParams(typeof body === 'string' ? body : body.toString('utf8'))));
      });
      f.route({ method: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'], url: '', handler });
      f.route({ method: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'], url: '/*', handler });
    },
    { prefix: '/fhir' },
  );
}
