// One error handler: every error leaves as an OperationOutcome with a 4xx/5xx status. Neither the
// audit record nor the console gets request values (URL, query, body text can hold names or birth
// dates): audit details are fixed texts, 5xx console lines carry the sanitised path, the error's
// code and a scrubbed message.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { sanitizePath } from '../audit/record';
import { FHIR_JSON_CONTENT_TYPE, operationOutcome, sendOutcome } from './operation-outcome';
import { applySecurityHeaders } from './security-headers';

type HttpError = Error & { statusCode?: number; code?: string };

/**
 * An error message with anything that may quote a request value removed: quoted text, and what
 * follows a colon ("Invalid format for date search parameter: <value>", "Unexpected token …").
 * Keeps the explanation, which is what an operator needs.
 */
export function scrubErrorMessage(message: string): string {
  return message
    .replace(/"[^"]*"|'[^']*'|`[^`]*`/g, '…')
    .replace(/:\s.*$/s, ': …')
    .slice(0, 200);
}

/** Value-free audit detail and client message for a framework-level 4xx (parsing, limits, URL). */
function describeClientError(err: HttpError, status: number, bodyLimitBytes: number): { audit: string; message: string } {
  if (status === 413) return { audit: 'request body too large', message: `the request body is larger than ${bodyLimitBytes} bytes` };
  if (status === 415) return { audit: 'unsupported content-type', message: 'unsupported Content-Type: send application/fhir+json or application/json' };
  switch (err.code) {
    case 'FST_ERR_BAD_URL':
      return { audit: 'invalid URL encoding', message: 'the URL is not valid: it has an invalid percent-encoding' };
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return { audit: 'URL path segment too long', message: 'a URL path segment is too long' };
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return { audit: 'empty JSON body', message: 'the request body is empty but Content-Type says JSON: send a FHIR resource' };
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return { audit: 'invalid content-length', message: 'the Content-Length header does not match the body' };
    default:
      break;
  }
  if (err instanceof SyntaxError || err.code === 'FST_ERR_CTP_INVALID_JSON_BODY') {
    // The parser's message quotes the body; the client sent it, so it may see it, the audit may not.
    return { audit: 'request body is not valid JSON', message: `the request body is not valid JSON: ${err.message.slice(0, 200)}` };
  }
  return { audit: `request refused (${(err.code ?? 'invalid').slice(0, 40)})`, message: err.message.slice(0, 300) };
}

export function installErrorHandler(app: FastifyInstance, bodyLimitBytes: number): void {
  app.setErrorHandler((err: HttpError, req, reply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500;
    if (status >= 500) {
      // Never the raw URL, query or body (PHI): sanitised path, error code, scrubbed message.
      console.error(`twinscope: internal error on ${req.method} ${sanitizePath(req.url).slice(0, 80)}: ${err.code ?? err.name} ${scrubErrorMessage(err.message)}`);
      req.auditDetail = 'internal error';
      return sendOutcome(reply, 500, 'exception', 'internal server error');
    }
    if (status === 429) {
      // @fastify/rate-limit throws what errorResponseBuilder returned: an OperationOutcome plus statusCode.
      const diagnostics = (err as { issue?: { diagnostics?: string }[] }).issue?.[0]?.diagnostics ?? 'too many requests; try again later';
      req.auditDetail = 'throttled';
      return reply.code(429).type(FHIR_JSON_CONTENT_TYPE).send(operationOutcome('throttled', diagnostics));
    }
    const { audit, message } = describeClientError(err, status, bodyLimitBytes);
    req.auditDetail = audit;
    const code = status === 413 ? 'too-costly' : status === 415 ? 'not-supported' : status === 404 ? 'not-found' : 'invalid';
    return sendOutcome(reply, status, code, message);
  });
}

/**
 * Fastify's `frameworkErrors` option: errors raised before routing (bad percent-encoding in the
 * URL, an over-long path parameter) bypass the error handler and every hook, so this answers them
 * as an OperationOutcome itself, with the security headers, and records the audit line for audited
 * areas (`audit` resolves once the app's audit trail exists).
 */
export function frameworkErrorHandler(
  bodyLimitBytes: number,
  audit: () => ((req: FastifyRequest, httpStatus: number) => Promise<void>) | undefined,
): (err: FastifyError, req: FastifyRequest, reply: FastifyReply) => void {
  return (err, req, reply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 400;
    const { audit: detail, message } = describeClientError(err, status, bodyLimitBytes);
    req.auditDetail = detail;
    applySecurityHeaders(reply);
    const send = (): void => {
      sendOutcome(reply, status, 'invalid', message);
    };
    const record = audit();
    if (!record || !/^\/(fhir|dicomweb|events)(?:[/?%]|$)/.test(req.url)) {
      send();
      return;
    }
    record(req, status).then(send, () => {
      reply.code(503);
      applySecurityHeaders(reply);
      reply.type(FHIR_JSON_CONTENT_TYPE).send(operationOutcome('exception', 'the audit log could not be written; the request was not completed'));
    });
  };
}
