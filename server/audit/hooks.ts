// Exactly one durable audit record per /fhir, /dicomweb and /events request, written before the
// response goes out (onSend), or when the client gives up (onRequestAbort). Streamed replies
// that bypass onSend record themselves through app.twin.auditRequest.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { FHIR_JSON_CONTENT_TYPE, operationOutcome } from '../http/operation-outcome';
import { matchedRouteOf, pathOf } from '../http/paths';
import { isAuditedPath } from './record';

/** Audited when the served route or the canonical path is under /fhir, /dicomweb or /events. */
function isAudited(req: FastifyRequest): boolean {
  const route = matchedRouteOf(req);
  return isAuditedPath(pathOf(req)) || (route !== undefined && isAuditedPath(route));
}

export type AuditRequest = (req: FastifyRequest, httpStatus: number, extra?: { detail?: string }) => Promise<void>;

export function installAuditHooks(app: FastifyInstance, auditRequest: AuditRequest): void {
  app.addHook('onSend', async (req, reply, payload) => {
    if (req.twinAudited || !isAudited(req)) return payload;
    try {
      await auditRequest(req, reply.statusCode);
      return payload;
    } catch {
      // Without its audit record the response must not go out as if nothing happened.
      reply.code(503).type(FHIR_JSON_CONTENT_TYPE);
      return JSON.stringify(operationOutcome('exception', 'the audit log could not be written; the request was not completed'));
    }
  });
  app.addHook('onRequestAbort', async (req) => {
    if (!req.twinAudited && isAudited(req)) {
      await auditRequest(req, 499, { detail: 'client closed the request' }).catch(() => undefined);
    }
  });
}
