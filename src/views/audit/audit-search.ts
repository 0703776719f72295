// Pure mapping between the Audit view's filters and FHIR AuditEvent search parameters, from an
// AuditEvent to one table row, and rows to CSV. No React, no I/O.
import type { AuditEvent } from '@medplum/fhirtypes';
import type { SearchParams } from '../../sources/fhir';
import { formatDateTime } from '../../ui/time-format';

export const AUDIT_PAGE_SIZE = 50;

export type AuditAction = 'C' | 'R' | 'U' | 'D' | 'E';
/** What the request did. A batch/transaction is recorded by what its entries did (server/audit/record.ts). */
export const AUDIT_ACTION_LABEL: Record<AuditAction, string> = {
  C: 'Create',
  R: 'Read',
  U: 'Update',
  D: 'Delete',
  E: 'Search',
};

/**
 * Service accounts (machines, not people): the in-process bedside monitor feed signs in as
 * `monitor-feed` (server/feed/monitor.ts MONITOR_USER). Their traffic (several requests every few
 * seconds per monitored patient) is hidden unless asked for, so that people's actions are visible.
 */
export const SERVICE_ACCOUNTS: readonly string[] = ['monitor-feed'];

export interface AuditFilters {
  /** Username, as the proxy records it in agent.altId (server/audit/record.ts). */
  user: string;
  patientId: string;
  action: AuditAction | '';
  /** Local date "YYYY-MM-DD" (inclusive, whole day) or date and time "YYYY-MM-DD HH:MM", or ''. */
  fromDate: string;
  toDate: string;
  /** Show service-account (monitor feed) traffic. */
  includeService: boolean;
}

export const EMPTY_AUDIT_FILTERS: AuditFilters = { user: '', patientId: '', action: '', fromDate: '', toDate: '', includeService: false };

const DATE_OR_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2}))?$/;

export class AuditFilterError extends Error {
  override readonly name = 'AuditFilterError';
}

/** A local date or date-time as an instant; `endOfDay` moves a plain date to the next midnight. */
function localInstant(label: string, value: string, endOfDay: boolean): Date {
  const m = DATE_OR_TIME.exec(value.trim());
  if (!m) throw new AuditFilterError(`"${label}" must be a date (YYYY-MM-DD) or a date and 24-hour time (YYYY-MM-DD HH:MM), not "${value}".`);
  const [, y, mo, d, h, mi] = m;
  const date = new Date(Number(y), Number(mo) - 1, Number(d), h ? Number(h) : 0, mi ? Number(mi) : 0);
  if (date.getMonth() !== Number(mo) - 1 || date.getDate() !== Number(d) || (h && Number(h) > 23) || (mi && Number(mi) > 59)) {
    throw new AuditFilterError(`"${label}" is not a real date or time: "${value}".`);
  }
  if (endOfDay && !h) date.setDate(date.getDate() + 1);
  else if (endOfDay) date.setMinutes(date.getMinutes() + 1);
  return date;
}

/** FHIR dateTime at seconds precision in UTC ("2026-12-07T13:00:00Z"). */
const fhirInstant = (d: Date) => `${d.toISOString().slice(0, 19)}Z`;

/**
 * FHIR search parameters for one page, newest first. Times are the browser's local times turned
 * into instants: "From 2026-12-07" means from local midnight, "To 2026-12-07" up to the next
 * local midnight, "To 2026-12-07 14:30" up to the end of that minute.
 */
export function auditSearchParams(f: AuditFilters, page: number): SearchParams {
  const from = f.fromDate.trim() ? localInstant('From', f.fromDate, false) : undefined;
  const to = f.toDate.trim() ? localInstant('To', f.toDate, true) : undefined;
  if (from && to && from >= to) throw new AuditFilterError('"From" is after "To": swap them.');
  const patient = f.patientId.trim().replace(/^Patient\//, '');
  if (patient && !/^[A-Za-z0-9\-.]{1,64}$/.test(patient)) throw new AuditFilterError(`"${patient}" is not a patient id.`);
  const dates: string[] = [];
  if (from) dates.push(`ge${fhirInstant(from)}`);
  if (to) dates.push(`lt${fhirInstant(to)}`);
  const user = f.user.trim().toLowerCase();
  return {
    _sort: '-date',
    _count: AUDIT_PAGE_SIZE,
    _offset: page > 0 ? page * AUDIT_PAGE_SIZE : undefined,
    _total: 'accurate',
    altid: user || undefined,
    // Asking for a user by name shows that user, service account or not.
    'altid:not': !user && !f.includeService ? SERVICE_ACCOUNTS.join(',') : undefined,
    patient: patient ? `Patient/${patient}` : undefined,
    action: f.action || undefined,
    date: dates.length > 0 ? dates : undefined,
  };
}

/** The same filters counting only service-account events (for "N hidden"). */
export function serviceCountParams(f: AuditFilters): SearchParams | undefined {
  if (f.includeService || f.user.trim()) return undefined;
  const p = auditSearchParams(f, 0);
  return { ...p, 'altid:not': undefined, altid: SERVICE_ACCOUNTS.join(','), _summary: 'count', _count: undefined, _offset: undefined, _sort: undefined };
}

export interface AuditRow {
  id: string;
  timeIso: string;
  user: string;
  role: string;
  service: boolean;
  action: string;
  /** Patients the event is attributed to (ids). */
  patients: string[];
  /** Other entities (Type/id). */
  entities: string[];
  outcome: { text: string; ok: boolean };
  detail: string;
  request: string;
}

const OUTCOME_TEXT: Record<string, string> = { '0': 'Success', '4': 'Minor failure', '8': 'Serious failure', '12': 'Major failure' };

/** The proxy adds one entity describing the HTTP request itself (path, status). */
const isRequestEntity = (x: NonNullable<AuditEvent['entity']>[number]) => x.type?.code === 'request';

export function auditRow(e: AuditEvent): AuditRow {
  const agent = e.agent?.find((a) => a.requestor) ?? e.agent?.[0];
  const user = agent?.altId ?? agent?.name ?? agent?.who?.display ?? agent?.who?.reference ?? '—';
  const role =
    agent?.role?.map((r) => r.text ?? r.coding?.[0]?.display ?? r.coding?.[0]?.code).find(Boolean) ??
    agent?.type?.text ??
    agent?.type?.coding?.[0]?.code ??
    '—';
  const code = e.outcome ?? '';
  const action = e.action ? (AUDIT_ACTION_LABEL[e.action as AuditAction] ?? e.action) : '—';
  const all = entitiesOf(e);
  return {
    id: e.id ?? '',
    timeIso: e.recorded ?? e.period?.start ?? '',
    user,
    role,
    service: SERVICE_ACCOUNTS.includes(user),
    action,
    patients: all.filter((x) => x.startsWith('Patient/')).map((x) => x.slice('Patient/'.length)),
    entities: all.filter((x) => !x.startsWith('Patient/')),
    outcome: { text: OUTCOME_TEXT[code] ?? (code || '—'), ok: code === '0' },
    detail: e.outcomeDesc ?? '',
    request: requestSummary(e),
  };
}

/** Entity references, without the request entity and without a bare type ("Observation") that a "Observation/id" already names. */
function entitiesOf(e: AuditEvent): string[] {
  const all = (e.entity ?? [])
    .filter((x) => !isRequestEntity(x))
    .map((x) => x.what?.reference ?? x.what?.display ?? x.name ?? '')
    .filter(Boolean);
  return [...new Set(all.filter((x) => x.includes('/') || !all.some((y) => y.startsWith(`${x}/`))))];
}

/** "GET /fhir/Patient → 403" from the subtype (HTTP method) and the request entity. */
function requestSummary(e: AuditEvent): string {
  const req = e.entity?.find(isRequestEntity);
  if (!req) return '';
  const method = e.subtype?.find((s) => s.system === 'urn:twinscope:http-method')?.code ?? '';
  const status = req.detail?.find((d) => d.type === 'http-status')?.valueString;
  return `${method} ${req.what?.display ?? ''}${status ? ` → ${status}` : ''}`.trim();
}

/** "2026-11-21 06:06:48 UTC+01:00": the app's one time format, to the second. */
export function formatAuditTime(iso: string): string {
  return iso ? formatDateTime(iso, { seconds: true }) : '—';
}

/** CSV of audit rows (RFC 4180 quoting); times as ISO instants, one patient list per row. */
export function auditCsv(rows: readonly AuditRow[]): string {
  const esc = (s: string) => (/[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  const lines = ['time_iso,user,role,service_account,action,patients,entities,outcome,detail,request,audit_event_id'];
  for (const r of rows) {
    lines.push(
      [r.timeIso, r.user, r.role, String(r.service), r.action, r.patients.join(' '), r.entities.join(' '), r.outcome.text, r.detail, r.request, r.id].map(esc).join(','),
    );
  }
  return `${lines.join('\n')}\n`;
}
