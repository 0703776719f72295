// The contract every part shares: roles, users, audit records, resource events, tags and
// identifier systems. Plain data types and constants only (no framework types), so the browser,
// the workers and the server import the same definitions. Fastify-typed guards live in
// server/auth/guards.ts.

export type Role = 'surgeon' | 'cardiologist' | 'clinician' | 'admin';
export const CLINICAL_ROLES: readonly Role[] = ['surgeon', 'cardiologist', 'clinician'];
/**
 * Roles that may import patient records (POST /api/import, server/import/): the clinician (who
 * keeps the ward's record) and the cardiologist (who owns the physiology twin the record feeds).
 * Not the surgeon (reviews anatomy and plans, does not curate records) and never the admin, who
 * governs access and audit and reads no clinical data.
 */
export const IMPORT_ROLES: readonly Role[] = ['clinician', 'cardiologist'];

export interface AuthUser {
  /** Stable id; used as the AuditEvent agent and Provenance agent (Practitioner/{id} style). */
  id: string;
  username: string;
  role: Role;
  displayName: string;
}

export type AuditAction = 'C' | 'R' | 'U' | 'D' | 'E';
export type AuditOutcome = '0' | '4' | '8' | '12'; // FHIR audit-event-outcome: success, minor, serious, major failure

/** One audited request. Carries resource types and ids only: never names or other PHI. */
export interface AuditRecordInput {
  at: string; // ISO instant
  user: Pick<AuthUser, 'id' | 'username' | 'role'> | null;
  action: AuditAction;
  method: string;
  /** Path without query values that could hold PHI, e.g. "/fhir/Observation" or "/fhir/Patient/123". */
  path: string;
  /** e.g. "Patient/123", "Observation/abc", "ImagingStudy/…", "Study/1.2.3" */
  entities: string[];
  patientId?: string;
  httpStatus: number;
  outcome: AuditOutcome;
  /** Short, PHI-free reason for refusals ("unauthenticated", "forbidden: role admin", "consent denies digital-twin"). */
  detail?: string;
  requestId: string;
  sourceIp: string;
}

export interface AuditSink {
  /** Durable before it resolves (append-only log, fsync), then forwarded to the FHIR store best-effort. */
  record(entry: AuditRecordInput): Promise<void>;
}

/** A resource created or updated for a patient, as announced on /events. */
export interface ResourceEvent {
  /** Monotonic sequence, the SSE event id; resumable with Last-Event-ID. */
  seq: number;
  patientId: string;
  resourceType: string;
  id: string;
  versionId?: string;
  action: 'create' | 'update';
  at: string;
}

export interface EventHub {
  publish(event: Omit<ResourceEvent, 'seq'>): ResourceEvent;
  /** Replays events after `afterSeq` (if still known), then streams live ones. Returns an unsubscribe. */
  subscribe(patientId: string, afterSeq: number | null, onEvent: (e: ResourceEvent) => void): () => void;
}

export { TWIN_TAG as TWIN_OUTPUT_TAG } from '../domain/twinRecords';
export const CONSENT_ACTION_SYSTEM = 'https://twinscope.dev/fhir/CodeSystem/consent-action';
export const CONSENT_ACTION_DIGITAL_TWIN = 'digital-twin';
