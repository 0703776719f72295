// The per-resource-type FHIR matrix, as pure functions of (role, request shape). Which roles may
// call which route is in route-table.ts; for /fhir rows route-policy.ts then asks this file.
// Documented in server/README.md and tested in rbac.test.ts.
import { CLINICAL_ROLES, type Role } from '../../core/contracts';

export type Decision = { allow: true } | { allow: false; status: 401 | 403 | 405; reason: string };

/**
 * What clinical roles may write: twin outputs and plans, and the documents and imaging they
 * attach. Demographics, conditions, medications and consents come from the source record
 * (EHR) and are read-only through Twinscope.
 */
export const CLINICAL_WRITE_TYPES: ReadonlySet<string> = new Set([
  'Observation',
  'RiskAssessment',
  'DiagnosticReport',
  'CarePlan',
  'Task',
  'Provenance',
  'DocumentReference',
  'Media',
  'ImagingStudy',
  'Communication',
  'Flag',
]);

/** Admin governs: the audit trail and consent status, never clinical content. */
export const ADMIN_READ_TYPES: ReadonlySet<string> = new Set(['AuditEvent', 'Consent']);
/** Admin records patients' consent decisions. */
export const ADMIN_WRITE_TYPES: ReadonlySet<string> = new Set(['Consent']);
/** Written only by the server itself (audit); refused for every role over HTTP. */
export const SERVER_ONLY_TYPES: ReadonlySet<string> = new Set(['AuditEvent']);
/** Resource types clinical roles may not read (the staff access trail is the admin's). */
export const CLINICAL_READ_DENY: ReadonlySet<string> = new Set(['AuditEvent']);

const ALLOW: Decision = { allow: true };

function forbidden(role: Role, what: string): Decision {
  return { allow: false, status: 403, reason: `forbidden: role ${role} may not ${what}` };
}

function isClinical(role: Role): boolean {
  return CLINICAL_ROLES.includes(role);
}

export type FhirAccess = 'read' | 'write' | 'delete';

/** May `role` read/write resources of `resourceType` (undefined: several or unknown types)? */
export function decideFhirType(role: Role, access: FhirAccess, resourceType: string | undefined): Decision {
  if (access === 'delete') return { allow: false, status: 405, reason: 'delete is not supported: clinical records are kept' };
  if (resourceType === undefined) {
    // System-wide search can return any type: only roles that may read everything clinical.
    return isClinical(role) && access === 'read' ? ALLOW : forbidden(role, `${access} across resource types`);
  }
  if (access === 'write' && SERVER_ONLY_TYPES.has(resourceType)) {
    return { allow: false, status: 403, reason: `forbidden: ${resourceType} is written by the server only` };
  }
  if (role === 'admin') {
    const allowed = access === 'read' ? ADMIN_READ_TYPES : ADMIN_WRITE_TYPES;
    return allowed.has(resourceType) ? ALLOW : forbidden(role, `${access} ${resourceType}`);
  }
  if (access === 'read') return CLINICAL_READ_DENY.has(resourceType) ? forbidden(role, `read ${resourceType}`) : ALLOW;
  return CLINICAL_WRITE_TYPES.has(resourceType) ? ALLOW : forbidden(role, `write ${resourceType}`);
}

export interface BundleEntryShape {
  method: string;
  /** First path segment of the entry's request url (its resource type), if any. */
  resourceType: string | undefined;
}

export interface FhirRequestShape {
  method: string;
  /** Canonical path without query (starts with /fhir). */
  pathname: string;
  /** For POST /fhir (batch/transaction): the entries' methods and types. */
  bundleEntries?: readonly BundleEntryShape[];
}

function accessOfMethod(method: string): FhirAccess {
  switch (method.toUpperCase()) {
    case 'GET':
    case 'HEAD':
      return 'read';
    case 'DELETE':
      return 'delete';
    default:
      return 'write';
  }
}

/** The per-resource-type decision on a /fhir request (after sign-in; route-policy.ts calls it). */
export function decideFhirRequest(role: Role, req: FhirRequestShape): Decision {
  const segments = req.pathname.replace(/^\/fhir\/?/i, '').split('/').filter(Boolean);
  const method = req.method.toUpperCase();
  const first = segments[0];
  if (first === undefined) {
    if (method !== 'POST') return decideFhirType(role, accessOfMethod(method), undefined);
    // Batch/transaction: every entry must be allowed on its own.
    for (const entry of req.bundleEntries ?? []) {
      const d = decideFhirType(role, accessOfMethod(entry.method), entry.resourceType);
      if (!d.allow) return d;
    }
    return ALLOW;
  }
  if (first === 'metadata') return ALLOW;
  const isSearchByPost = method === 'POST' && segments[1] === '_search';
  return decideFhirType(role, isSearchByPost ? 'read' : accessOfMethod(method), first);
}
