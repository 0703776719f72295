// Sign-in and role checks on every /fhir, /dicomweb, /events and /api request — registered
// routes and unknown paths alike — as Fastify hooks on the root instance.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { sendOutcome } from '../http/operation-outcome';
import { matchedRouteOf, pathOf } from '../http/paths';
import type { BundleEntryShape } from './rbac';
import { decideProtected, ruleOf, type RouteRule } from './route-policy';
import type { ResolvedAuth } from './session';

/** Extracts (method, type) of each entry of a POST /fhir Bundle, for the role check. */
function bundleEntriesOf(body: unknown): BundleEntryShape[] {
  const entries = body && typeof body === 'object' ? (body as { entry?: unknown }).entry : undefined;
  if (!Array.isArray(entries)) return [];
  return entries.map((e: unknown) => {
    const req = e && typeof e === 'object' ? (e as { request?: { method?: unknown; url?: unknown } }).request : undefined;
    const url = typeof req?.url === 'string' ? req.url : '';
    const type = url.replace(/^\/+/, '').split(/[/?]/)[0];
    return { method: typeof req?.method === 'string' ? req.method : 'GET', resourceType: type || undefined };
  });
}

/**
 * onRequest: resolve the session (401 when missing on a protected path; cross-origin cookie
 * writes refused). preHandler (body parsed, so Bundle entries can be checked): the role matrix.
 */
function header(req: FastifyRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/**
 * Why a cookie-authenticated unsafe request counts as cross-site, or null when it is same-origin.
 * Fetch Metadata first (`Sec-Fetch-Site`, sent by every current browser): only `same-origin`
 * passes. Without it, the `Origin` must be one of ours; `Origin: null` (sandboxed frames,
 * redirects, file: pages) and a missing Origin are cross-site.
 */
export function crossSiteReason(req: FastifyRequest, allowed: readonly string[]): string | null {
  const site = header(req, 'sec-fetch-site');
  if (site !== undefined) return site === 'same-origin' ? null : `Sec-Fetch-Site is ${site.slice(0, 20)}`;
  const origin = header(req, 'origin');
  if (origin === undefined) return 'no Origin header';
  if (origin === 'null') return 'Origin is null';
  let normalised = '';
  try {
    normalised = new URL(origin).origin;
  } catch {
    return 'unparseable Origin';
  }
  return allowed.includes(normalised) ? null : 'Origin is another site';
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The access rule of the matched route and canonical path, looked up once (onRequest) for both hooks. */
    twinRule?: RouteRule;
  }
}

/** The rule governing a request: the matched route and the canonical path (both fixed once routed). */
function ruleOfRequest(req: FastifyRequest): RouteRule {
  return (req.twinRule ??= ruleOf(matchedRouteOf(req), pathOf(req), req.method));
}

export function installAccessControl(app: FastifyInstance, resolve: (req: FastifyRequest) => ResolvedAuth | null, publicBaseUrl: string | null = null): void {
  /** Our own origins: the configured public one, and the one this request was addressed to. */
  const allowedOrigins = (req: FastifyRequest): string[] => {
    const out: string[] = [];
    if (publicBaseUrl) out.push(new URL(publicBaseUrl).origin);
    out.push(`${req.protocol}://${req.host}`);
    return out;
  };
  app.addHook('onRequest', async (req, reply) => {
    const rule = ruleOfRequest(req);
    if (rule.kind === 'unknown-route') {
      req.auditDetail = 'no access rule for this route';
      return sendOutcome(reply, 403, 'forbidden', 'forbidden: no access rule covers this route');
    }
    if (rule.kind === 'public') return;
    const auth = resolve(req);
    // Cookies ride along on cross-site requests; SameSite=Strict stops that in modern browsers,
    // and this check stops it in the rest (issue 10: `Origin: null` was accepted).
    if (auth?.via === 'cookie' && req.method !== 'GET' && req.method !== 'HEAD') {
      const why = crossSiteReason(req, allowedOrigins(req));
      if (why) {
        req.auditDetail = `cross-site request refused (${why})`;
        return sendOutcome(reply, 403, 'security', `cross-site request refused: ${why}`);
      }
    }
    if (rule.kind === 'protected' && !auth) {
      req.auditDetail = 'unauthenticated';
      return sendOutcome(reply, 401, 'login', 'sign in first: no valid session (missing, expired, revoked or tampered token)');
    }
  });
  app.addHook('preHandler', async (req, reply) => {
    const rule = ruleOfRequest(req);
    const path = pathOf(req);
    if (rule.kind !== 'protected') return;
    const user = resolve(req)?.user ?? null;
    const isBundlePost = req.method === 'POST' && /^\/fhir\/?$/i.test(path);
    const decision = decideProtected(user?.role ?? null, rule.row, {
      method: req.method,
      pathname: path,
      ...(isBundlePost ? { bundleEntries: bundleEntriesOf(req.body) } : {}),
    });
    if (!decision.allow) {
      req.auditDetail = decision.reason;
      return sendOutcome(reply, decision.status, decision.status === 401 ? 'login' : decision.status === 405 ? 'not-supported' : 'forbidden', decision.reason);
    }
  });
}
