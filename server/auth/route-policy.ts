// Which rule governs a request, decided on what the server actually serves: the route pattern
// the router matched and the canonical (decoded) path — never a raw URL prefix. Deny by default:
// a matched route that no rule names is refused, so a route added without a rule fails closed.
import { protectedAreaOf, type ProtectedArea } from './rbac';

export type RouteRule =
  | { kind: 'public' }
  /** Sign-out and "who am I": no role needed, the session (if any) is resolved. */
  | { kind: 'session' }
  | { kind: 'protected'; area: ProtectedArea }
  | { kind: 'unknown-route' };

/** Routes anyone may reach: the SPA and its static files, health, sign-in. */
const PUBLIC_ROUTES: ReadonlySet<string> = new Set(['/', '/*', '/healthz', '/auth/login']);
const SESSION_ROUTES: ReadonlySet<string> = new Set(['/auth/logout', '/auth/me', '/auth/password']);

/**
 * The rule for a request. `route` is the matched pattern (undefined when nothing matched and the
 * not-found handler answers); `canonicalPath` the decoded path ('' when undecodable). Either one
 * naming a protected area makes the request protected.
 */
export function ruleOf(route: string | undefined, canonicalPath: string): RouteRule {
  const byRoute = route === undefined ? null : protectedAreaOf(route);
  const byPath = protectedAreaOf(canonicalPath);
  const area = byRoute ?? byPath;
  if (area !== null) return { kind: 'protected', area };
  if (route === undefined) return { kind: 'public' }; // not found: the 404 / SPA fallback answers, no data
  if (SESSION_ROUTES.has(route)) return { kind: 'session' };
  if (PUBLIC_ROUTES.has(route)) return { kind: 'public' };
  return { kind: 'unknown-route' };
}
