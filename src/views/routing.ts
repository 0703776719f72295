// Pure routing rules: where each role lands, which workspace tabs exist, how URLs parse, and
// which "return to" targets are safe after sign-in.
import type { Role } from '../../core/contracts';

export const WORKSPACE_TABS = ['imaging', 'anatomy', 'twin', 'scenarios', 'record'] as const;
export type WorkspaceTab = (typeof WORKSPACE_TABS)[number];

export const TAB_LABEL: Record<WorkspaceTab, string> = {
  imaging: 'Imaging',
  anatomy: 'Anatomy',
  twin: 'Twin',
  scenarios: 'Scenarios',
  record: 'Record',
};

export function isWorkspaceTab(s: string | undefined): s is WorkspaceTab {
  return (WORKSPACE_TABS as readonly string[]).includes(s ?? '');
}

/** PRODUCT.md: surgeon → Anatomy, cardiologist → Scenarios, clinician → Twin. */
export function defaultTabForRole(role: Role): WorkspaceTab | null {
  switch (role) {
    case 'surgeon':
      return 'anatomy';
    case 'cardiologist':
      return 'scenarios';
    case 'clinician':
      return 'twin';
    case 'admin':
      return null; // admin reads no clinical data, so has no workspace
  }
}

/** Where a role lands after signing in. */
export function landingPathForRole(role: Role): string {
  return role === 'admin' ? '/admin/audit' : '/patients';
}

export type ParsedRoute =
  | { kind: 'sign-in' }
  | { kind: 'patients' }
  | { kind: 'workspace'; patientId: string; tab: WorkspaceTab | null }
  | { kind: 'admin'; section: 'audit' | 'users' }
  | { kind: 'unknown' };

const FHIR_ID = /^[A-Za-z0-9\-.]{1,64}$/;

export function parseRoute(pathname: string): ParsedRoute {
  const parts = pathname.split('/').filter(Boolean);
  const [a, b, c, ...rest] = parts;
  if (parts.length === 0) return { kind: 'patients' };
  if (a === 'sign-in' && parts.length === 1) return { kind: 'sign-in' };
  if (a === 'patients') {
    if (b === undefined) return { kind: 'patients' };
    if (!FHIR_ID.test(decodeURIComponent(b)) || rest.length > 0) return { kind: 'unknown' };
    if (c === undefined) return { kind: 'workspace', patientId: decodeURIComponent(b), tab: null };
    return isWorkspaceTab(c) ? { kind: 'workspace', patientId: decodeURIComponent(b), tab: c } : { kind: 'unknown' };
  }
  if (a === 'admin' && (b === 'audit' || b === 'users') && c === undefined) return { kind: 'admin', section: b };
  return { kind: 'unknown' };
}

export function workspacePath(patientId: string, tab: WorkspaceTab): string {
  return `/patients/${encodeURIComponent(patientId)}/${tab}`;
}

/**
 * The path to return to after sign-in, from the `next` query parameter. Only same-origin app
 * paths are accepted ("/x", not "//evil.example" or "https://…"), so a crafted sign-in link
 * cannot send the user elsewhere. The sign-in page itself is never a target.
 */
export function safeNextPath(next: string | null | undefined): string | null {
  if (!next || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return null;
  // Control characters (tab, newline) are dropped by URL parsers and can smuggle "//host".
  for (let i = 0; i < next.length; i++) if (next.charCodeAt(i) < 0x20) return null;
  let url: URL;
  try {
    url = new URL(next, 'http://twinscope.invalid');
  } catch {
    return null;
  }
  if (url.origin !== 'http://twinscope.invalid' || url.pathname === '/sign-in') return null;
  return `${url.pathname}${url.search}${url.hash}`;
}

/** Whether a role may open a parsed route; the landing path is used otherwise. */
export function roleMayOpen(role: Role, route: ParsedRoute): boolean {
  switch (route.kind) {
    case 'patients':
    case 'workspace':
      return role !== 'admin';
    case 'admin':
      return role === 'admin';
    case 'sign-in':
    case 'unknown':
      return true;
  }
}
