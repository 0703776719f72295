// The audit trail: AuditEvents newest first, filtered by user, patient, action and time, paged;
// every event attributed to the patients it touched (transactions included); the monitor feed's
// service-account traffic hidden unless asked for; CSV export of everything the filters match.
// Filters and page live in the URL, so a found event can be shared as a link.
import { useMemo, useState, type FormEvent, type ReactNode } from 'react';
import { useSearchParams } from 'react-router-dom';
import { fetchAuditEvents, useAdminUsers, useAuditCount, useAuditEvents } from '../../sources/queries';
import { downloadBlob } from '../../ui/download';
import { Badge, ErrorNotice, errorMessage, Loading } from '../../ui/feedback';
import { utcOffsetLabel } from '../../ui/time-format';
import {
  AUDIT_ACTION_LABEL,
  AUDIT_PAGE_SIZE,
  auditCsv,
  auditRow,
  auditSearchParams,
  EMPTY_AUDIT_FILTERS,
  formatAuditTime,
  serviceCountParams,
  SERVICE_ACCOUNTS,
  type AuditAction,
  type AuditFilters,
} from './audit-search';

const ACTIONS = Object.keys(AUDIT_ACTION_LABEL) as AuditAction[];

function filtersFromUrl(p: URLSearchParams): AuditFilters {
  const action = p.get('action') ?? '';
  return {
    user: p.get('user') ?? '',
    patientId: p.get('patient') ?? '',
    action: (ACTIONS as string[]).includes(action) ? (action as AuditAction) : '',
    fromDate: p.get('from') ?? '',
    toDate: p.get('to') ?? '',
    includeService: p.get('service') === '1',
  };
}

function filtersToUrl(f: AuditFilters, page: number): Record<string, string> {
  const out: Record<string, string> = {};
  if (f.user) out.user = f.user;
  if (f.patientId) out.patient = f.patientId;
  if (f.action) out.action = f.action;
  if (f.fromDate) out.from = f.fromDate;
  if (f.toDate) out.to = f.toDate;
  if (f.includeService) out.service = '1';
  if (page > 0) out.page = String(page + 1);
  return out;
}

export function AuditView(): ReactNode {
  const [params, setParams] = useSearchParams();
  const applied = useMemo(() => filtersFromUrl(params), [params]);
  const page = Math.max(0, (Number(params.get('page')) || 1) - 1);
  const [draft, setDraft] = useState<AuditFilters>(applied);

  let searchError: Error | null = null;
  let search = {};
  try {
    search = auditSearchParams(applied, page);
  } catch (err) {
    searchError = err as Error;
  }
  const q = useAuditEvents(search);
  let hiddenParams;
  try {
    hiddenParams = searchError ? undefined : serviceCountParams(applied);
  } catch {
    hiddenParams = undefined;
  }
  const hidden = useAuditCount(hiddenParams);
  const [exporting, setExporting] = useState<{ busy: boolean; error?: string; note?: string }>({ busy: false });
  const exportCsv = async () => {
    setExporting({ busy: true });
    try {
      const { events, truncated } = await fetchAuditEvents(search);
      downloadBlob(new Blob([auditCsv(events.map(auditRow))], { type: 'text/csv;charset=utf-8' }), `audit-${new Date().toISOString().slice(0, 19).replace(/:/g, '')}.csv`);
      setExporting({ busy: false, note: `${events.length} events exported${truncated ? ' (the first 10,000: narrow the filters for the rest)' : ''}.` });
    } catch (err) {
      setExporting({ busy: false, error: `The audit export failed: ${errorMessage(err)}` });
    }
  };
  // Usernames to pick from; the filter still accepts any text (e.g. a since-deleted user).
  const users = useAdminUsers();
  const set = (patch: Partial<AuditFilters>) => setDraft((d) => ({ ...d, ...patch }));

  const apply = (e: FormEvent) => {
    e.preventDefault();
    setParams(filtersToUrl(draft, 0));
  };
  const goTo = (p: number) => setParams(filtersToUrl(applied, p));

  const total = q.data?.total;
  const rows = q.data?.resources.map(auditRow) ?? [];
  const hasNext = q.data ? q.data.hasNext || (total !== undefined && (page + 1) * AUDIT_PAGE_SIZE < total) : false;

  return (
    <div className="page">
      <form className="toolbar" onSubmit={apply} aria-label="Audit filters">
        <div className="field">
          <label htmlFor="audit-user">User</label>
          <input
            id="audit-user"
            className="input"
            list="audit-user-options"
            value={draft.user}
            onChange={(e) => set({ user: e.target.value })}
            placeholder="username"
          />
          <datalist id="audit-user-options">
            {users.data?.map((u) => (
              <option key={u.id} value={u.username}>
                {u.role}
              </option>
            ))}
          </datalist>
        </div>
        <div className="field">
          <label htmlFor="audit-patient">Patient</label>
          <input id="audit-patient" className="input mono" value={draft.patientId} onChange={(e) => set({ patientId: e.target.value })} />
        </div>
        <div className="field">
          <label htmlFor="audit-action">Action</label>
          <select id="audit-action" className="input" value={draft.action} onChange={(e) => set({ action: e.target.value as AuditAction | '' })}>
            <option value="">Any</option>
            {ACTIONS.map((a) => (
              <option key={a} value={a}>
                {AUDIT_ACTION_LABEL[a]}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="audit-from">From</label>
          <input
            id="audit-from"
            className="input mono"
            placeholder="YYYY-MM-DD [HH:MM]"
            aria-describedby="audit-time-hint"
            value={draft.fromDate}
            onChange={(e) => set({ fromDate: e.target.value })}
          />
        </div>
        <div className="field">
          <label htmlFor="audit-to">To</label>
          <input
            id="audit-to"
            className="input mono"
            placeholder="YYYY-MM-DD [HH:MM]"
            aria-describedby="audit-time-hint"
            value={draft.toDate}
            onChange={(e) => set({ toDate: e.target.value })}
          />
          <span id="audit-time-hint" className="sr-only">
            Local time, {utcOffsetLabel(Date.now())}; a date alone covers the whole day.
          </span>
        </div>
        <label className="checkbox small">
          <input type="checkbox" checked={draft.includeService} onChange={(e) => set({ includeService: e.target.checked })} /> Show service accounts (monitor feed)
        </label>
        <button type="submit" className="btn btn-primary">
          Apply filters
        </button>
        <button
          type="button"
          className="btn"
          onClick={() => {
            setDraft(EMPTY_AUDIT_FILTERS);
            setParams({});
          }}
        >
          Clear
        </button>
        <span className="topbar-spacer" />
        <button type="button" className="btn" onClick={() => void q.refetch()} disabled={q.isFetching}>
          Refresh
        </button>
        <button type="button" className="btn" onClick={() => void exportCsv()} disabled={exporting.busy || searchError !== null}>
          {exporting.busy ? 'Exporting…' : 'Export CSV'}
        </button>
      </form>
      {exporting.error && <ErrorNotice error={new Error(exporting.error)} title="Not exported" />}
      {exporting.note && (
        <div className="notice notice-info" role="status">
          {exporting.note}
        </div>
      )}
      {hidden.data !== undefined && hidden.data > 0 && (
        <p className="muted" data-testid="service-hidden">
          {hidden.data.toLocaleString('en')} service-account events ({SERVICE_ACCOUNTS.join(', ')}) hidden by these filters.{' '}
          <button type="button" className="btn btn-small btn-ghost" onClick={() => setParams(filtersToUrl({ ...applied, includeService: true }, 0))}>
            Show them
          </button>
        </p>
      )}

      {searchError && <ErrorNotice error={searchError} title="Check the filters" />}
      {!searchError && q.isError && <ErrorNotice error={q.error} onRetry={() => void q.refetch()} />}
      {!searchError && q.isPending && <Loading label="Loading audit trail…" />}
      {!searchError && q.data && (
        <>
          <div className="table-wrap">
            <table className="data" aria-label="Audit events" aria-busy={q.isFetching}>
              <thead>
                <tr>
                  <th scope="col">Time</th>
                  <th scope="col">User</th>
                  <th scope="col">Role</th>
                  <th scope="col">Action</th>
                  <th scope="col">Patient</th>
                  <th scope="col">Resources</th>
                  <th scope="col">Outcome</th>
                  <th scope="col">Detail</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((r) => (
                  <tr key={r.id} className={r.service ? 'audit-service' : undefined}>
                    <td className="mono nowrap">{formatAuditTime(r.timeIso)}</td>
                    <td className="nowrap">
                      {r.user}
                      {r.service && <span className="muted"> (service)</span>}
                    </td>
                    <td className="nowrap">{r.role}</td>
                    <td className="nowrap">{r.action}</td>
                    <td className="mono">{r.patients.join(', ') || '—'}</td>
                    <td className="mono audit-entities">{r.entities.join(', ') || '—'}</td>
                    <td>
                      <Badge tone={r.outcome.ok ? 'ok' : 'danger'}>{r.outcome.text}</Badge>
                    </td>
                    <td>
                      {r.detail}
                      {r.request && <div className="muted mono small">{r.request}</div>}
                    </td>
                  </tr>
                ))}
                {rows.length === 0 && (
                  <tr>
                    <td colSpan={8} className="muted">
                      No audit events match these filters.
                    </td>
                  </tr>
                )}
              </tbody>
            </table>
          </div>
          <nav className="pager" aria-label="Audit pages">
            <span className="muted">
              {total !== undefined ? `${total} events · ` : ''}page {page + 1}
              {total !== undefined ? ` of ${Math.max(1, Math.ceil(total / AUDIT_PAGE_SIZE))}` : ''}
            </span>
            <button type="button" className="btn btn-small" disabled={page === 0} onClick={() => goTo(page - 1)}>
              Previous page
            </button>
            <button type="button" className="btn btn-small" disabled={!hasNext} onClick={() => goTo(page + 1)}>
              Next page
            </button>
          </nav>
        </>
      )}
    </div>
  );
}
