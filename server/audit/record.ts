// Pure audit record building: from a request's method, path and outcome to an AuditRecordInput
// and to a FHIR AuditEvent. Only resource types and ids leave here: query values (which can hold
// names or birth dates) are dropped, except a patient id taken from `patient`/`subject` when it
// has FHIR id syntax.
import type { AuditEvent } from '@medplum/fhirtypes';
import type { AuditAction, AuditOutcome, AuditRecordInput } from '../../core/contracts';
import { FHIR_ID_PATTERN, RESOURCE_TYPE_PATTERN, patientIdFromReference } from '../fhir/references';

/** Areas whose every request is audited. */
export function isAuditedPath(pathname: string): boolean {
  return /^\/(fhir|dicomweb|events)(?:\/|$)/i.test(pathname);
}

const SAFE_SEGMENT = /^[A-Za-z0-9\-._$]{1,64}$/;
const DICOM_UID = /^[0-9.]{1,64}$/;

/** The path with no query and any segment that is not id-like replaced, so free text never lands in the log. */
export function sanitizePath(url: string): string {
  const pathname = url.split('?')[0] ?? '';
  return pathname
    .split('/')
    .map((seg, i) => {
      if (i === 0 || seg === '') return seg;
      let decoded: string;
      try {
        decoded = decodeURIComponent(seg);
      } catch {
        return ':invalid';
      }
      return SAFE_SEGMENT.test(decoded) ? decoded : ':invalid';
    })
    .join('/');
}

export function outcomeOf(httpStatus: number): AuditOutcome {
  if (httpStatus < 400) return '0';
  if (httpStatus < 500) return '4';
  return '8';
}

/** FHIR audit-event-action of a request: C create, R read, U update, D delete, E execute (search, batch). */
export function actionOf(method: string, pathname: string): AuditAction {
  const m = method.toUpperCase();
  const segments = pathname.split('/').filter(Boolean);
  const area = segments[0];
  if (m === 'GET' || m === 'HEAD') {
    if (area === 'fhir' && segments.length === 2 && segments[1] !== 'metadata') return 'E'; // type search
    if (area === 'fhir' && segments.length === 1) return 'E'; // system search
    return 'R';
  }
  if (m === 'DELETE') return 'D';
  if (m === 'PUT' || m === 'PATCH') return 'U';
  if (area === 'fhir' && (segments.length === 1 || segments[2] === '_search')) return 'E';
  return 'C';
}

function patientFromQuery(query: URLSearchParams): string | undefined {
  for (const key of ['patient', 'subject', 'subject:Patient']) {
    for (const value of query.getAll(key)) {
      const id = patientIdFromReference(value) ?? (FHIR_ID_PATTERN.test(value) ? value : undefined);
      if (id) return id;
    }
  }
  return undefined;
}

/** Entities named by the path: "Type/id" for FHIR instances, "Type" for type-level, "Study/uid" for DICOMweb. */
export function entitiesOfPath(pathname: string): string[] {
  const s = pathname.split('/').filter(Boolean);
  if (s[0] === 'fhir') {
    const type = s[1];
    if (!type || !RESOURCE_TYPE_PATTERN.test(type)) return [];
    const id = s[2];
    if (id && id !== '_search' && FHIR_ID_PATTERN.test(id)) return [`${type}/${id}`];
    return [type];
  }
  if (s[0] === 'dicomweb') {
    const i = s.indexOf('studies');
    const uid = i >= 0 ? s[i + 1] : undefined;
    return uid && DICOM_UID.test(uid) ? [`Study/${uid}`] : [];
  }
  return [];
}

export interface AuditRequestFacts {
  at: string;
  method: string;
  /** Raw URL (path + query) as received. */
  url: string;
  user: AuditRecordInput['user'];
  httpStatus: number;
  requestId: string;
  sourceIp: string;
  detail?: string;
  /** Entities the handler learned (e.g. the id of a created resource); added to those of the path. */
  entities?: string[];
  patientId?: string;
}

/**
 * Second line of defence: details are meant to be fixed texts, but should one ever quote a query
 * value or a non-id path segment of this request, that text is cut out here. (Values shorter than
 * 3 characters cannot identify anyone and would match ordinary words.)
 */
export function redactRequestValues(detail: string, url: string): string {
  const queryIndex = url.indexOf('?');
  const values = new Set<string>();
  if (queryIndex >= 0) {
    try {
      for (const [, v] of new URLSearchParams(url.slice(queryIndex + 1))) values.add(v);
    } catch {
      // unparseable query: nothing to match against
    }
  }
  for (const seg of (queryIndex >= 0 ? url.slice(0, queryIndex) : url).split('/')) {
    let decoded = seg;
    try {
      decoded = decodeURIComponent(seg);
    } catch {
      // keep the raw segment
    }
    // Id-like segments (types, ids) are what the record is made of; anything else is free text.
    if (!SAFE_SEGMENT.test(decoded)) {
      values.add(decoded);
      values.add(seg);
    }
  }
  let out = detail;
  for (const v of [...values].sort((a, b) => b.length - a.length)) {
    if (v.length >= 3 && out.includes(v)) out = out.split(v).join('…');
  }
  return out;
}

/** The PHI-free audit record of one request. */
export function buildAuditRecord(f: AuditRequestFacts): AuditRecordInput {
  const queryIndex = f.url.indexOf('?');
  const query = new URLSearchParams(queryIndex >= 0 ? f.url.slice(queryIndex + 1) : '');
  const path = sanitizePath(f.url);
  const entities = [...new Set([...entitiesOfPath(path), ...(f.entities ?? [])])].filter((e) => /^[A-Za-z]+(\/[A-Za-z0-9\-.]{1,64})?$/.test(e));
  const pathPatient = /^\/fhir\/Patient\/([A-Za-z0-9\-.]{1,64})(?:\/|$)/.exec(path)?.[1];
  const patientId = f.patientId ?? pathPatient ?? patientFromQuery(query);
  return {
    at: f.at,
    user: f.user ? { id: f.user.id, username: f.user.username, role: f.user.role } : null,
    action: actionOf(f.method, path),
    method: f.method.toUpperCase(),
    path,
    entities,
    ...(patientId ? { patientId } : {}),
    httpStatus: f.httpStatus,
    outcome: outcomeOf(f.httpStatus),
    ...(f.detail ? { detail: redactRequestValues(f.detail, f.url).slice(0, 200) } : {}),
    requestId: f.requestId,
    sourceIp: f.sourceIp,
  };
}

export const AUDIT_USER_SYSTEM = 'urn:twinscope:user';

/** The FHIR AuditEvent of a record. `id` is the record's id in the audit log. */
export function toAuditEvent(id: string, r: AuditRecordInput): AuditEvent {
  const entities = [...r.entities];
  if (r.patientId && !entities.includes(`Patient/${r.patientId}`)) entities.unshift(`Patient/${r.patientId}`);
  return {
    resourceType: 'AuditEvent',
    id,
    type: { system: 'http://terminology.hl7.org/CodeSystem/audit-event-type', code: 'rest', display: 'RESTful Operation' },
    subtype: [{ system: 'urn:twinscope:http-method', code: r.method }],
    action: r.action,
    recorded: r.at,
    outcome: r.outcome,
    ...(r.detail ? { outcomeDesc: r.detail } : {}),
    agent: [
      r.user
        ? {
            who: { reference: `Practitioner/${r.user.id}`, identifier: { system: AUDIT_USER_SYSTEM, value: r.user.id }, display: r.user.username },
            altId: r.user.username,
            role: [{ coding: [{ system: 'urn:twinscope:role', code: r.user.role }] }],
            requestor: true,
            network: { address: r.sourceIp, type: '2' },
          }
        : { who: { display: 'anonymous' }, requestor: true, network: { address: r.sourceIp, type: '2' } },
    ],
    source: {
      observer: { display: 'twinscope-proxy' },
      type: [{ system: 'http://terminology.hl7.org/CodeSystem/security-source-type', code: '3', display: 'Web Server' }],
    },
    entity: [
      ...entities.map((e) => ({
        what: e.includes('/') ? { reference: e } : { display: e },
        ...(e.startsWith('Patient/') ? { role: { system: 'http://terminology.hl7.org/CodeSystem/object-role', code: '1', display: 'Patient' } } : {}),
      })),
      { what: { display: r.path }, type: { system: 'urn:twinscope:audit-entity', code: 'request' }, detail: [{ type: 'http-status', valueString: String(r.httpStatus) }, { type: 'request-id', valueString: r.requestId }] },
    ],
  };
}
