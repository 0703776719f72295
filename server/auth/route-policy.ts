// Which rule governs a request, decided on what the server actually serves: the route pattern
// the router matched (looked up in the one route × role table, route-table.ts) and the
// canonical (decoded) path — never a raw URL prefix. Deny by default: a matched route or method
// that no row names is refused, so a route added without a rule fails closed.
import type { Role } from '../../core/contracts';
import { decideFhirRequest, type BundleEntryShape, type Decision } from './rbac';
import { isGuardedPrefix, rowAllows, rowOf, type RouteRow } from './route-table';

export type RouteRule =
  | { kind: 'public' }
  /** Sign-out and "who am I": no role needed, the session (if any) is resolved. */
  | { kind: 'session' }
  /** Signed in; `row` null for an unmatched path under a guarded prefix (404 for the signed-in). */
  | { kind: 'protected'; row: RouteRow | null }
  | { kind: 'unknown-route' };

/**
 * The rule for a request. `route` is the matched pattern (undefined when nothing matched and the
 * not-found handler answers); `canonicalPath` the decoded path ('' when undecodable). A public
 * row never makes a guarded path public (e.g. `/FHIR/…` reaching the SPA's `/*`).
 */
export function ruleOf(route: string | undefined, canonicalPath: string, method: string): RouteRule {
  if (route === undefined) return isGuardedPrefix(canonicalPath) ? { kind: 'protected', row: null } : { kind: 'public' };
  const row = rowOf(route, method);
  if (!row) return { kind: 'unknown-route' };
  if (row.access.kind === 'public' || row.access.kind === 'session') {
    if (isGuardedPrefix(canonicalPath) || isGuardedPrefix(route)) return { kind: 'protected', row: null };
    return { kind: row.access.kind };
  }
  return { kind: 'protected', row };
}

export interface DecisionInput {
  method: string;
  /** Canonical path without query. */
  pathname: string;
  /** For POST /fhir (batch/transaction): the entries' methods and types. */
  bundleEntries?: readonly BundleEntryShape[];
}

/** The role decision on a protected rule, for a signed-in role or no session (null). */
export function decideProtected(role: Role | null, row: RouteRow | null, req: DecisionInput): Decision {
  if (role === null) return { allow: false, status: 401, reason: 'unauthenticated' };
  if (row === null) return { allow: true }; // nothing is served there but the 404
  if (!rowAllows(row, role)) return { allow: false, status: 403, reason: `forbidden: role ${role} may not ${req.method.toUpperCase()} ${row.route} (${row.what})` };
  if (row.access.kind === 'fhir') return decideFhirRequest(role, req);
  return { allow: true };
}
