// react-query hooks over the FHIR client and app endpoints. Query keys start with
// ['fhir', resourceType] so that a live event for a resource type can invalidate exactly the
// queries that may show it (events.ts).
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { AuditEvent, Condition, Patient } from '@medplum/fhirtypes';
import type { Role } from '../../core/contracts';
import { fhir, http, type AdminUser, type Health, type SessionUser, type TwinPermission } from './api';
import { createAuthApi } from './auth';
import { searchAllPages, type SearchParams } from './fhir';

export const authApi = createAuthApi(http);

export const queryKeys = {
  me: ['auth', 'me'] as const,
  health: ['healthz'] as const,
  patients: (search: string) => ['fhir', 'Patient', 'search', search] as const,
  patient: (id: string) => ['fhir', 'Patient', 'read', id] as const,
  conditions: (patientId: string) => ['fhir', 'Condition', 'search', { patient: patientId }] as const,
  conditionsOf: (patientIds: readonly string[]) => ['fhir', 'Condition', 'search', { patients: [...patientIds].sort() }] as const,
  twinPermission: (patientId: string) => ['fhir', 'Consent', 'twin-permission', patientId] as const,
  auditEvents: (params: SearchParams) => ['fhir', 'AuditEvent', 'search', params] as const,
  adminUsers: ['admin', 'users'] as const,
};

export function useSession() {
  return useQuery<SessionUser | null>({
    queryKey: queryKeys.me,
    queryFn: () => authApi.me(),
    staleTime: 5 * 60_000,
    retry: false,
  });
}

export function useHealth() {
  return useQuery<Health>({
    queryKey: queryKeys.health,
    queryFn: async () => (await http<Health>('/healthz')).body,
    staleTime: 60_000,
    retry: false,
  });
}

const PATIENT_PAGE = 100;

/**
 * Patients matching `search` by name OR identifier. FHIR has no OR across parameters, so two
 * searches run side by side and merge by id; an empty search lists everyone (first 100).
 */
export function usePatients(search: string) {
  const term = search.trim();
  return useQuery<Patient[]>({
    queryKey: queryKeys.patients(term),
    placeholderData: keepPreviousData,
    queryFn: async () => {
      if (!term) {
        return (await fhir.search<Patient>('Patient', { _count: PATIENT_PAGE, _sort: 'family' })).resources;
      }
      const [byName, byId] = await Promise.all([
        fhir.search<Patient>('Patient', { name: term, _count: PATIENT_PAGE }),
        fhir.search<Patient>('Patient', { identifier: term, _count: PATIENT_PAGE }),
      ]);
      const seen = new Map<string, Patient>();
      for (const p of [...byName.resources, ...byId.resources]) if (p.id && !seen.has(p.id)) seen.set(p.id, p);
      return [...seen.values()];
    },
  });
}

export function usePatient(id: string) {
  return useQuery<Patient>({ queryKey: queryKeys.patient(id), queryFn: () => fhir.read<Patient>('Patient', id) });
}

export function useConditions(patientId: string) {
  return useQuery<Condition[]>({
    queryKey: queryKeys.conditions(patientId),
    queryFn: async () =>
      (await fhir.search<Condition>('Condition', { patient: `Patient/${patientId}`, _count: 50 })).resources,
  });
}

const PATIENTS_PER_SEARCH = 25;
const MAX_PAGES = 10;

/**
 * Conditions of many patients in few requests (`patient=Patient/a,Patient/b,…`, FHIR's OR within
 * one parameter), grouped by patient id. Used by the patient list instead of one search per row.
 */
export function useConditionsOfPatients(patientIds: readonly string[]) {
  return useQuery<Map<string, Condition[]>>({
    queryKey: queryKeys.conditionsOf(patientIds),
    enabled: patientIds.length > 0,
    queryFn: async () => {
      const byPatient = new Map<string, Condition[]>(patientIds.map((id) => [id, []]));
      for (let i = 0; i < patientIds.length; i += PATIENTS_PER_SEARCH) {
        const patient = patientIds
          .slice(i, i + PATIENTS_PER_SEARCH)
          .map((id) => `Patient/${id}`)
          .join(',');
        const r = await searchAllPages<Condition>(fhir, 'Condition', { patient }, { pageSize: 1000, maxPages: MAX_PAGES });
        // A cut list would show a patient without a diagnosis they have: refuse it, by name.
        if (r.truncated) throw new Error(`the diagnoses of these ${PATIENTS_PER_SEARCH} patients fill more than ${MAX_PAGES} pages of 1,000 Conditions; the list shows none rather than some`);
        for (const c of r.resources) {
          const id = c.subject?.reference?.replace(/^Patient\//, '');
          if (id) byPatient.get(id)?.push(c);
        }
      }
      return byPatient;
    },
  });
}

export function useTwinPermission(patientId: string) {
  return useQuery<TwinPermission>({
    queryKey: queryKeys.twinPermission(patientId),
    queryFn: async () =>
      (await http<TwinPermission>(`/api/patients/${encodeURIComponent(patientId)}/twin-permission`)).body,
  });
}

export function useAuditEvents(params: SearchParams) {
  return useQuery({
    queryKey: queryKeys.auditEvents(params),
    queryFn: () => fhir.search<AuditEvent>('AuditEvent', params),
    placeholderData: keepPreviousData,
  });
}

/** How many events match (for "N service-account events hidden"); disabled without params. */
export function useAuditCount(params: SearchParams | undefined) {
  return useQuery({
    queryKey: queryKeys.auditEvents({ ...params, count: 'only' }),
    queryFn: async () => (await fhir.search<AuditEvent>('AuditEvent', params!)).total ?? 0,
    enabled: params !== undefined,
  });
}

/** Every matching AuditEvent, newest first, paged through (for the CSV export), at most `max`. */
export async function fetchAuditEvents(params: SearchParams, max = 10_000): Promise<{ events: AuditEvent[]; truncated: boolean }> {
  const page = 1000;
  const events: AuditEvent[] = [];
  for (let offset = 0; offset < max; offset += page) {
    const r = await fhir.search<AuditEvent>('AuditEvent', { ...params, _count: page, _offset: offset || undefined, _total: undefined });
    events.push(...r.resources);
    if (r.resources.length < page) return { events, truncated: false };
  }
  return { events, truncated: true };
}

export function useAdminUsers() {
  return useQuery<AdminUser[]>({
    queryKey: queryKeys.adminUsers,
    queryFn: async () => {
      const { body } = await http<unknown>('/api/admin/users');
      const list = Array.isArray(body) ? body : (body as { users?: unknown } | null)?.users;
      if (!Array.isArray(list)) throw new Error('The server answered /api/admin/users without a list of users.');
      return list as AdminUser[];
    },
    retry: false,
  });
}

export interface NewUser {
  username: string;
  password: string;
  role: Role;
  displayName?: string;
}

export type UserChange = { id: string } & Partial<Pick<AdminUser, 'role' | 'disabled' | 'displayName'>>;

/** Admin user management (/api/admin/users): create, change role, disable or enable. */
export function useUserMutations() {
  const queryClient = useQueryClient();
  const refresh = () => queryClient.invalidateQueries({ queryKey: queryKeys.adminUsers });
  const create = useMutation({
    mutationFn: async (u: NewUser) =>
      (await http<unknown>('/api/admin/users', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(u) })).body,
    onSuccess: refresh,
  });
  const update = useMutation({
    mutationFn: async ({ id, ...change }: UserChange) =>
      (
        await http<unknown>(`/api/admin/users/${encodeURIComponent(id)}`, {
          method: 'PATCH',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify(change),
        })
      ).body,
    onSuccess: refresh,
  });
  return { create, update };
}
