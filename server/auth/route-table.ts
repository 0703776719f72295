// The one route × role table: for every route the server registers (the pattern the router
// matches, and the methods), who may call it. Pure data + pure lookups, no Fastify: the access
// hooks (auth/hooks.ts) decide with it, the README's matrix is generated from it
// (renderRouteMatrix, checked by route-table.test.ts), and app.int.test.ts enumerates the
// registered routes (Fastify onRoute) and requires a row for each. Deny by default: a route or
// method without a row is refused.
import { CLINICAL_ROLES, IMPORT_ROLES, type Role } from '../../core/contracts';

export const ALL_ROLES: readonly Role[] = ['surgeon', 'cardiologist', 'clinician', 'admin'];

export type RouteAccess =
  /** Anyone, no session needed (SPA, health, sign-in). */
  | { kind: 'public' }
  /** The session is read if present, no role needed (sign-out, who-am-I). */
  | { kind: 'session' }
  /** Signed in with one of these roles. */
  | { kind: 'roles'; roles: readonly Role[] }
  /** Signed in; then the per-resource-type FHIR matrix (rbac.decideFhirType) decides. */
  | { kind: 'fhir' };

export interface RouteRow {
  /** The route pattern exactly as registered (Fastify `routeOptions.url`). */
  route: string;
  /** Methods this row covers (HEAD follows GET). */
  methods: readonly string[];
  access: RouteAccess;
  /** What the route is, for the README matrix. */
  what: string;
}

const CLINICAL = CLINICAL_ROLES;
const ADMIN: readonly Role[] = ['admin'];
const FHIR_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

export const ROUTE_TABLE: readonly RouteRow[] = [
  { route: '/', methods: ['GET'], access: { kind: 'public' }, what: 'the web app' },
  { route: '/*', methods: ['GET'], access: { kind: 'public' }, what: 'the web app\'s static files' },
  { route: '/healthz', methods: ['GET'], access: { kind: 'public' }, what: 'health of the back ends' },
  { route: '/auth/login', methods: ['POST'], access: { kind: 'public' }, what: 'sign-in' },
  { route: '/auth/logout', methods: ['POST'], access: { kind: 'session' }, what: 'sign-out' },
  { route: '/auth/me', methods: ['GET'], access: { kind: 'session' }, what: 'the signed-in user' },
  { route: '/auth/password', methods: ['POST'], access: { kind: 'roles', roles: ALL_ROLES }, what: 'change one\'s own password' },
  { route: '/api/admin/users', methods: ['GET', 'POST'], access: { kind: 'roles', roles: ADMIN }, what: 'list / create users' },
  { route: '/api/admin/users/:id', methods: ['PATCH'], access: { kind: 'roles', roles: ADMIN }, what: 'change a user\'s role, name, disabled' },
  { route: '/api/import', methods: ['POST'], access: { kind: 'roles', roles: IMPORT_ROLES }, what: 'import a FHIR record (Bundle / NDJSON); see server/import/' },
  { route: '/api/patients/:id/twin-permission', methods: ['GET'], access: { kind: 'roles', roles: CLINICAL }, what: 'consent for the digital twin' },
  { route: '/fhir', methods: FHIR_METHODS, access: { kind: 'fhir' }, what: 'FHIR batch/transaction' },
  { route: '/fhir/*', methods: FHIR_METHODS, access: { kind: 'fhir' }, what: 'FHIR REST (per resource type, below)' },
  { route: '/events', methods: ['GET'], access: { kind: 'roles', roles: CLINICAL }, what: 'live patient events (SSE)' },
  { route: '/dicomweb/studies', methods: ['GET', 'POST'], access: { kind: 'roles', roles: CLINICAL }, what: 'QIDO studies / STOW' },
  { route: '/dicomweb/studies/:study', methods: ['GET', 'POST'], access: { kind: 'roles', roles: CLINICAL }, what: 'WADO study / STOW into a study' },
  { route: '/dicomweb/studies/:study/metadata', methods: ['GET'], access: { kind: 'roles', roles: CLINICAL }, what: 'study metadata' },
  { route: '/dicomweb/studies/:study/instances', methods: ['GET'], access: { kind: 'roles', roles: CLINICAL }, what: 'QIDO instances of a study' },
  { route: '/dicomweb/studies/:study/series', methods: ['GET'], access: { kind: 'roles', roles: CLINICAL }, what: 'QIDO series of a study' },
  { route: '/dicomweb/studies/:study/series/:series', methods: ['GET'], access: { kind: 'roles', roles: CLINICAL }, what: 'WADO series' },
  { route: '/dicomweb/studies/:study/series/:series/metadata', methods: ['GET'], access: { kind: 'roles', roles: CLINICAL }, what: 'series metadata' },
  { route: '/dicomweb/studies/:study/series/:series/pixeldata', methods: ['GET'], access: { kind: 'roles', roles: CLINICAL }, what: 'every frame of a series in one answer (WADO-RS series pixel data)' },
  { route: '/dicomweb/studies/:study/series/:series/instances', methods: ['GET'], access: { kind: 'roles', roles: CLINICAL }, what: 'QIDO instances of a series' },
  { route: '/dicomweb/studies/:study/series/:series/instances/:instance', methods: ['GET'], access: { kind: 'roles', roles: CLINICAL }, what: 'WADO instance' },
  { route: '/dicomweb/studies/:study/series/:series/instances/:instance/metadata', methods: ['GET'], access: { kind: 'roles', roles: CLINICAL }, what: 'instance metadata' },
  { route: '/dicomweb/studies/:study/series/:series/instances/:instance/frames/:frames', methods: ['GET'], access: { kind: 'roles', roles: CLINICAL }, what: 'pixel frames' },
  { route: '/dicomweb/studies/:study/series/:series/instances/:instance/bulk/:tag', methods: ['GET'], access: { kind: 'roles', roles: CLINICAL }, what: 'bulk data' },
  { route: '/dicomweb/*', methods: ['GET', 'POST'], access: { kind: 'roles', roles: CLINICAL }, what: 'upstream PACS mode: QIDO / WADO / STOW forwarded to DICOMWEB_UPSTREAM_URL' },
  { route: '/dicomweb/series', methods: ['GET'], access: { kind: 'roles', roles: CLINICAL }, what: 'QIDO all series' },
  { route: '/dicomweb/instances', methods: ['GET'], access: { kind: 'roles', roles: CLINICAL }, what: 'QIDO all instances' },
];

const byRoute = new Map<string, RouteRow[]>();
for (const row of ROUTE_TABLE) {
  const list = byRoute.get(row.route) ?? [];
  list.push(row);
  byRoute.set(row.route, list);
}

/** The row governing `method` on the matched `route`, or undefined (deny). HEAD is judged as GET. */
export function rowOf(route: string, method: string): RouteRow | undefined {
  const m = method.toUpperCase() === 'HEAD' ? 'GET' : method.toUpperCase();
  return byRoute.get(route)?.find((r) => r.methods.includes(m));
}

/** Route prefixes that are never public: an unmatched path under one needs a session (401, not 404). */
export function isGuardedPrefix(canonicalPath: string): boolean {
  return /^\/(fhir|dicomweb|events|api)(?:\/|$)/i.test(canonicalPath);
}

/** May `role` (null: no session) call this row? 'fhir' rows need the per-type check afterwards. */
export function rowAllows(row: RouteRow, role: Role | null): boolean {
  switch (row.access.kind) {
    case 'public':
    case 'session':
      return true;
    case 'fhir':
      return role !== null;
    case 'roles':
      return role !== null && row.access.roles.includes(role);
  }
}

function cell(row: RouteRow, role: Role | null): string {
  if (row.access.kind === 'fhir') return role === null ? '—' : 'per type';
  return rowAllows(row, role) ? 'yes' : '—';
}

/** The README's route × role matrix (markdown), generated from ROUTE_TABLE. */
export function renderRouteMatrix(): string {
  const roles: (Role | null)[] = [...ALL_ROLES, null];
  const head = `| Route | Methods | What | ${roles.map((r) => r ?? 'no session').join(' | ')} |`;
  const rule = `|${' --- |'.repeat(3 + roles.length)}`;
  const rows = ROUTE_TABLE.map((row) => `| \`${row.route}\` | ${row.methods.join(', ')} | ${row.what} | ${roles.map((r) => cell(row, r)).join(' | ')} |`);
  return [head, rule, ...rows].join('\n');
}
