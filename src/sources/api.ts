// Composition of the browser's I/O: one HTTP function (reporting connectivity to the UI store)
// shared by the FHIR client, auth and the admin/app endpoints.
import type { Role } from '../../core/contracts';
import { connectivityStore } from './connectivity-store';
import { createFhirClient } from './fhir';
import { createHttp, type Http } from './http';

export const http: Http = createHttp({
  onConnectivity: (signal, error) => {
    const s = connectivityStore.getState();
    if (signal === 'reachable') s.markReachable();
    else s.markUnreachable(error?.kind === 'upstream-down' ? 'upstream-down' : 'server-unreachable');
  },
});

export const fhir = createFhirClient(http);

export interface SessionUser {
  id: string;
  username: string;
  role: Role;
  displayName: string;
}

export interface Health {
  status: string;
  demo?: boolean;
  fhir?: { mode?: string; status?: string };
  [k: string]: unknown;
}

/**
 * Whether the server runs the embedded demo (demo sign-ins exist). `demo: true` when /healthz
 * says so; otherwise the embedded FHIR store implies it (server/config.ts: demo mode is exactly
 * "no FHIR_UPSTREAM_URL").
 */
export function isDemoServer(h: Health | undefined): boolean {
  if (!h) return false;
  if (typeof h.demo === 'boolean') return h.demo;
  return h.fhir?.mode === 'embedded';
}

export interface TwinPermission {
  allowed: boolean;
  reason?: string;
}

export interface AdminUser {
  id: string;
  username: string;
  role: Role;
  displayName?: string;
  disabled?: boolean;
  demo?: boolean;
  [k: string]: unknown;
}
