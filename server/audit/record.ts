// Pure audit record building: from a request's method, path and outcome to an AuditRecordInput
// and to a FHIR AuditEvent. Only resource types and ids leave here: query values (which can hold
// names or birth dates) are dropped, except a patient id taken from `patient`/`subject` when it
// has FHIR id syntax.
import type { AuditEvent } from '@medplum/fhirtypes';
import type { AuditAction, AuditOutcome, AuditRecordInput } from '../../core/contracts';
import { FHIR_ID_PATTERN, RESOURCE_TYPE_PATTERN, patientIdFromReference, patientIdOfResource } from '../fhir/references';

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
      let decoded = seg;
      // Without '%' there is nothing to decode (decodeURIComponent would return it unchanged).
      if (seg.includes('%')) {
        try {
          decoded = decodeURIComponent(seg);
        } catch {
          return ':invalid';
        }
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

/**
 * FHIR audit-event-action of a request: C create, R read, U update, D delete, E execute (search).
 * A batch/transaction is E here; its handler then names what it did (bundleAuditFacts).
 */
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

/** What a batch or transaction did, for its audit record (types, ids and counts only: no PHI). */
export interface BundleAuditFacts {
  /** The strongest thing it did: create > update > delete > read > search. */
  action: AuditAction;
  /** `Type/id` of every resource the response names, then `Patient/{id}` of every patient touched. */
  entities: string[];
  patientIds: string[];
  /** "transaction: create CarePlan, update Provenance" (per-entry interactions, counted). */
  summary: string;
}

type Interaction = 'create' | 'update' | 'delete' | 'read' | 'search';
const ACTION_OF: Record<Interaction, AuditAction> = { create: 'C', update: 'U', delete: 'D', read: 'R', search: 'E' };
const ACTION_RANK: AuditAction[] = ['C', 'U', 'D', 'R', 'E'];

function interactionOf(method: unknown, url: unknown): Interaction {
  const m = typeof method === 'string' ? method.toUpperCase() : '';
  const u = typeof url === 'string' ? url : '';
  if (m === 'POST') return u.includes('_search') ? 'search' : 'create';
  if (m === 'PUT' || m === 'PATCH') return 'update';
  if (m === 'DELETE') return 'delete';
  return /^[A-Za-z]+\/[A-Za-z0-9\-.]{1,64}(\/_history\/[^/?]+)?$/.test(u.split('?')[0] ?? '') && !u.includes('?') ? 'read' : 'search';
}

function referenceOf(v: unknown): string | undefined {
  return v && typeof v === 'object' && typeof (v as { reference?: unknown }).reference === 'string' ? (v as { reference: string }).reference : undefined;
}

/**
 * Attribution of a batch/transaction: each entry's interaction (from its request), the resources
 * the response names, and every patient the entries touch — the Patient itself, the subject /
 * patient / beneficiary of a resource, and Patient references among a Provenance's targets — so
 * that "what was written to this patient" finds a CarePlan written inside a transaction.
 */
export function bundleAuditFacts(request: unknown, response: unknown): BundleAuditFacts {
  const req = (request && typeof request === 'object' ? request : {}) as { type?: unknown; entry?: unknown };
  const res = (response && typeof response === 'object' ? response : {}) as { entry?: unknown };
  const entries = Array.isArray(req.entry) ? (req.entry as Record<string, unknown>[]) : [];
  const responses = Array.isArray(res.entry) ? (res.entry as Record<string, unknown>[]) : [];
  const patients = new Set<string>();
  const counts = new Map<string, number>();
  let action: AuditAction | undefined;
  entries.forEach((e) => {
    const r = (e?.request ?? {}) as { method?: unknown; url?: unknown };
    const interaction = interactionOf(r.method, r.url);
    const resource = (e?.resource && typeof e.resource === 'object' ? e.resource : undefined) as (Record<string, unknown> & { resourceType?: unknown }) | undefined;
    const urlType = typeof r.url === 'string' ? /^([A-Z][A-Za-z]{1,63})/.exec(r.url)?.[1] : undefined;
    const type = typeof resource?.resourceType === 'string' && RESOURCE_TYPE_PATTERN.test(resource.resourceType) ? resource.resourceType : (urlType ?? 'resource');
    const key = `${interaction} ${type}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
    const a = ACTION_OF[interaction];
    if (!action || ACTION_RANK.indexOf(a) < ACTION_RANK.indexOf(action)) action = a;
    if (resource) {
      const pid = patientIdOfResource(resource);
      if (pid) patients.add(pid);
      for (const field of ['target', 'entity']) {
        const list = resource[field];
        if (!Array.isArray(list)) continue;
        for (const t of list) {
          const id = patientIdFromReference(referenceOf(t) ?? referenceOf((t as { what?: unknown })?.what));
          if (id) patients.add(id);
        }
      }
    }
    // A search or read inside the bundle names its patient in the query or path.
    if (typeof r.url === 'string') {
      const id = patientIdFromReference(r.url.split('?')[0]) ?? patientFromQuery(new URLSearchParams(r.url.split('?')[1] ?? ''));
      if (id) patients.add(id);
    }
  });
  const located = responses.flatMap((e) => {
    const loc = (e?.response as { location?: unknown } | undefined)?.location;
    if (typeof loc !== 'string') return [];
    const m = /(?:^|\/)([A-Z][A-Za-z]{1,63})\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[^/]+)?$/.exec(loc);
    return m ? [`${m[1]}/${m[2]}`] : [];
  });
  const patientIds = [...patients].filter((p) => FHIR_ID_PATTERN.test(p));
  const kind = req.type === 'transaction' ? 'transaction' : 'batch';
  const parts = [...counts].map(([k, n]) => (n > 1 ? `${k} ×${n}` : k));
  return {
    action: action ?? 'E',
    entities: [...new Set([...located.slice(0, 50), ...patientIds.map((p) => `Patient/${p}`)])],
    patientIds,
    summary: `${kind}: ${parts.join(', ') || 'no entries'}`.slice(0, 200),
  };
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
  /** What the request did when the method and path cannot tell (a batch/transaction: bundleAuditFacts). */
  action?: AuditAction;
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
    action: f.action ?? actionOf(f.method, path),
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
