// Request path helpers shared by the cross-cutting hooks. Every decision (sign-in, role,
// consent, audit, SPA fallback) is made on the path the router actually serves, never on the
// raw request target: find-my-way percent-decodes the path before matching, so `/%64icomweb`
// is served by the `/dicomweb` routes and must be judged as `/dicomweb`.
import type { FastifyRequest } from 'fastify';

/** The raw request target's path, without query string or fragment (as sent, still encoded). */
export function rawPathOf(url: string): string {
  const q = url.search(/[?#]/);
  return q >= 0 ? url.slice(0, q) : url;
}

/**
 * The canonical path: each segment fully percent-decoded (so `%41uditEvent` is `AuditEvent`
 * and `%2F` inside a segment stays inside it, as the router keeps it), joined with `/`.
 * Returns null when the path cannot be decoded (malformed escapes): callers refuse such a
 * request, they never fall back to the raw form.
 */
export function canonicalPath(url: string): string | null {
  const raw = rawPathOf(url);
  if (!raw.includes('%')) return raw;
  const parts = raw.split('/');
  for (let i = 0; i < parts.length; i++) {
    const seg = parts[i] ?? '';
    if (!seg.includes('%')) continue;
    try {
      parts[i] = decodeURIComponent(seg);
    } catch {
      return null;
    }
  }
  return parts.join('/');
}

/** Canonical path segments (decoded), empty segments dropped. Null when undecodable. */
export function canonicalSegments(url: string): string[] | null {
  const raw = rawPathOf(url);
  const out: string[] = [];
  for (const seg of raw.split('/')) {
    if (seg === '') continue;
    try {
      out.push(seg.includes('%') ? decodeURIComponent(seg) : seg);
    } catch {
      return null;
    }
  }
  return out;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** pathOf's answer, worked out once per request (the hooks and routes each ask for it). */
    twinPath?: string;
  }
}

/** The canonical path of a request ('' when undecodable: matches no protected or public rule). */
export function pathOf(req: FastifyRequest): string {
  // req.url never changes after routing (Fastify's rewriteUrl runs before the request object exists).
  return (req.twinPath ??= canonicalPath(req.url) ?? '');
}

/** The route pattern the router matched (e.g. `/dicomweb/studies/:study`), or undefined (404). */
export function matchedRouteOf(req: FastifyRequest): string | undefined {
  const url = req.routeOptions?.url;
  return typeof url === 'string' ? url : undefined;
}

/** Paths that belong to the API, never to the SPA's history fallback. */
export const API_PREFIXES = /^\/(fhir|dicomweb|events|api|auth|healthz)(?:\/|$|\?)/i;
