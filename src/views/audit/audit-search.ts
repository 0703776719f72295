// Pure mapping between the Audit view's filters and FHIR AuditEvent search parameters, and from
// an AuditEvent to one table row. No React, no I/O.
import type { AuditEvent } from '@medplum/fhirtypes';
import type { SearchParams } from '../../sources/fhir';

export const AUDIT_PAGE_SIZE = 50;

export type AuditAction = 'C' | 'R' | 'U' | 'D' | 'E';
export const AUDIT_ACTION_LABEL: Record<AuditAction, string> = {
  C: 'Create',
  R: 'Read',
  U: 'Update',
  D: 'Delete',
  // The proxy records searches and batches as "execute" (server/audit/record.ts).
  E: 'Search / execute',
};

export interface AuditFilters {
  /** Username, as the proxy records it in agent.altId (server/audit/record.ts). */
  user: string;
  patientId: string;
  action: AuditAction | '';
  /** Inclusive local calendar dates, YYYY-MM-DD, or ''. */
  fromDate: string;
  toDate: string;
}

export const EMPTY_AUDIT_FILTERS: AuditFilters = { user: '', patientId: '', action: '', fromDate: '', toDate: '' };

const DATE = /^\d{4}-\d{2}-\d{2}$/;

function nextDay(date: string): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

export class AuditFilterError extends Error {
  override readonly name = 'AuditFilterError';
}

/**
 * FHIR search parameters for one page, newest first. The date range is inclusive of both days:
 * `date=ge<from>` and `date=lt<to + 1 day>` (a plain `le<to>` would, by FHIR's precision rules,
 * be read differently by different servers).
 */
export function auditSearchParams(f: AuditFilters, page: number): SearchParams {
  if (f.fromDate && !DATE.test(f.fromDate)) throw new AuditFilterError(`"From" must be a date (YYYY-MM-DD), not "${f.fromDate}".`);
  if (f.toDate && !DATE.test(f.toDate)) throw new AuditFilterError(`"To" must be a date (YYYY-MM-DD), not "${f.toDate}".`);
  if (f.fromDate && f.toDate && f.fromDate > f.toDate) throw new AuditFilterError('"From" is after "To": swap the dates.');
  const patient = f.patientId.trim().replace(/^Patient\//, '');
  if (patient && !/^[A-Za-z0-9\-.]{1,64}$/.test(patient)) throw new AuditFilterError(`"${patient}" is not a patient id.`);
  const dates: string[] = [];
  if (f.fromDate) dates.push(`ge${f.fromDate}`);
  if (f.toDate) dates.push(`lt${nextDay(f.toDate)}`);
  return {
    _sort: '-date',
    _count: AUDIT_PAGE_SIZE,
    _offset: page > 0 ? page * AUDIT_PAGE_SIZE : undefined,
    _total: 'accurate',
    altid: f.user.trim().toLowerCase() || undefined,
    entity: patient ? `Patient/${patient}` : undefined,
    action: f.action || undefined,
    date: dates.length > 0 ? dates : undefined,
  };
}

export interface AuditRow {
  id: string;
  timeIso: string;
  user: string;
  role: string;
  action: string;
  entities: string[];
  outcome: { text: string; ok: boolean };
  detail: string;
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
  return {
    id: e.id ?? '',
    timeIso: e.recorded ?? e.period?.start ?? '',
    user,
    role,
    action,
    entities: entitiesOf(e),
    outcome: { text: OUTCOME_TEXT[code] ?? (code || '—'), ok: code === '0' },
    detail: [e.outcomeDesc, requestSummary(e)].filter(Boolean).join(' · '),
  };
}

/** Entity references, without the request entity and without a bare type ("Observation") that a "Observation/id" already names. */
function entitiesOf(e: AuditEvent): string[] {
  const all = (e.entity ?? [])
    .filter((x) => !isRequestEntity(x))
    .map((x) => x.what?.reference ?? x.what?.display ?? x.name ?? '')
    .filter(Boolean);
  return all.filter((x) => x.includes('/') || !all.some((y) => y.startsWith(`${x}/`)));
}

/** "GET /fhir/Patient → 403" from the subtype (HTTP method) and the request entity. */
function requestSummary(e: AuditEvent): string {
  const req = e.entity?.find(isRequestEntity);
  if (!req) return '';
  const method = e.subtype?.find((s) => s.system === 'urn:twinscope:http-method')?.code ?? '';
  const status = req.detail?.find((d) => d.type === 'http-status')?.valueString;
  return `${method} ${req.what?.display ?? ''}${status ? ` → ${status}` : ''}`.trim();
}

/** "2026-11-21 06:06:48" in the browser's time zone: sortable, unambiguous across locales. */
export function formatLocalTimestamp(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso || '—';
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}
