// One error handler: every error leaves as an OperationOutcome with a 4xx/5xx status; 5xx
// details go to the console without the request URL or body (PHI).
import type { FastifyInstance } from 'fastify';
import { FHIR_JSON_CONTENT_TYPE, operationOutcome, sendOutcome } from './operation-outcome';
import { pathOf } from './paths';

export function installErrorHandler(app: FastifyInstance, bodyLimitBytes: number): void {
  app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, req, reply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500;
    if (status >= 500) {
      // Message and code only: never the request URL or body (PHI).
      console.error(`twinscope: internal error on ${req.method} ${pathOf(req).slice(0, 80)}: ${err.code ?? ''} ${err.message.slice(0, 300)}`);
      req.auditDetail = 'internal error';
      return sendOutcome(reply, 500, 'exception', 'internal server error');
    }
    if (status === 413) return sendOutcome(reply, 413, 'too-costly', `the request body is larger than ${bodyLimitBytes} bytes`);
    if (status === 415) return sendOutcome(reply, 415, 'not-supported', `unsupported Content-Type: send application/fhir+json or application/json`);
    if (status === 429) {
      // @fastify/rate-limit throws what errorResponseBuilder returned: an OperationOutcome plus statusCode.
      const diagnostics = (err as { issue?: { diagnostics?: string }[] }).issue?.[0]?.diagnostics ?? 'too many requests; try again later';
      return reply.code(429).type(FHIR_JSON_CONTENT_TYPE).send(operationOutcome('throttled', diagnostics));
    }
    req.auditDetail = err.message.slice(0, 120);
    return sendOutcome(reply, status, 'invalid', err.message.slice(0, 300));
  });
}
