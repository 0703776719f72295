// Request path helpers shared by the cross-cutting hooks.
import type { FastifyRequest } from 'fastify';

/** The request path without its query string. */
export function pathOf(req: FastifyRequest): string {
  return req.url.split('?')[0] ?? '';
}

/** Paths that belong to the API, never to the SPA's history fallback. */
export const API_PREFIXES = /^\/(fhir|dicomweb|events|api|auth|healthz)(?:\/|$|\?)/;
