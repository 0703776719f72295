// Sign-in and role checks on every /fhir, /dicomweb, /events and /api request — registered
// routes and unknown paths alike — as Fastify hooks on the root instance.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { sendOutcome } from '../http/operation-outcome';
import { matchedRouteOf, pathOf } from '../http/paths';
import { decide, type BundleEntryShape } from './rbac';
import { ruleOf } from './route-policy';
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
export function installAccessControl(app: FastifyInstance, resolve: (req: FastifyRequest) => ResolvedAuth | null): void {
  app.addHook('onRequest', async (req, reply) => {
    const path = pathOf(req);
    const rule = ruleOf(matchedRouteOf(req), path);
    if (rule.kind === 'unknown-route') {
      req.auditDetail = 'no access rule for this route';
      return sendOutcome(reply, 403, 'forbidden', 'forbidden: no access rule covers this route');
    }
    if (rule.kind === 'public') return;
    const area = rule.kind === 'protected' ? rule.area : null;
    const auth = resolve(req);
    // Cookies ride along on cross-site requests; SameSite=Strict stops that in modern browsers,
    // and this Origin check stops it in the rest.
    if (auth?.via === 'cookie' && req.method !== 'GET' && req.method !== 'HEAD') {
      const origin = req.headers.origin;
      if (typeof origin === 'string' && origin !== 'null') {
        let originHost = '';
        try {
          originHost = new URL(origin).host;
        } catch {
          originHost = '';
        }
        if (originHost !== req.host) {
          req.auditDetail = 'cross-origin request refused';
          return sendOutcome(reply, 403, 'security', 'cross-origin request refused');
        }
      }
    }
    if (area !== null && !auth) {
      req.auditDetail = 'unauthenticated';
      return sendOutcome(reply, 401, 'login', 'sign in first: no valid session (missing, expired, revoked or tampered token)');
    }
  });
  app.addHook('preHandler', async (req, reply) => {
    const path = pathOf(req);
    if (ruleOf(matchedRouteOf(req), path).kind !== 'protected') return;
    const user = resolve(req)?.user ?? null;
    const isBundlePost = req.method === 'POST' && /^\/fhir\/?$/i.test(path);
    const decision = decide(user?.role ?? null, {
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
