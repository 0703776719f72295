// The `Record` tab: the twin's outputs and the decisions made on them for this patient — plans
// (reason, override), acknowledged alerts (note), saved forecasts, rehearsal plans — each with its
// Provenance (activity, who, when, inputs), newest first, linked to the screen that made it.
import { useMemo, useState, type ReactNode } from 'react';
import { Link } from 'react-router-dom';
import type { WorkspaceViewProps } from '../workspace/view-props';
import { TAB_LABEL, workspacePath } from '../routing';
import { usePatientRecord } from '../../sources/record';
import { RECORD_KIND_LABEL, RECORD_KIND_TAB, type RecordEntryKind } from '../../../core/domain/recordEntries';
import { Badge, ErrorNotice, Loading } from '../../ui/feedback';
import { formatDateTime } from '../../ui/time-format';
import './record.css';

const KINDS = Object.keys(RECORD_KIND_LABEL) as RecordEntryKind[];

export default function RecordView({ patientId }: WorkspaceViewProps): ReactNode {
  const q = usePatientRecord(patientId);
  const [shown, setShown] = useState<ReadonlySet<RecordEntryKind>>(new Set(KINDS));
  const entries = useMemo(() => (q.data ?? []).filter((e) => shown.has(e.kind)), [q.data, shown]);
  const counts = useMemo(() => {
    const c: Partial<Record<RecordEntryKind, number>> = {};
    for (const e of q.data ?? []) c[e.kind] = (c[e.kind] ?? 0) + 1;
    return c;
  }, [q.data]);

  if (q.isPending) return <Loading label="Loading the record of decisions…" />;
  if (q.isError) return <ErrorNotice error={q.error} title="Could not load the record" onRetry={() => void q.refetch()} />;

  return (
    <div className="record-view">
      <div className="toolbar" role="group" aria-label="Show in the record">
        {KINDS.map((k) => (
          <label key={k} className="checkbox small">
            <input
              type="checkbox"
              checked={shown.has(k)}
              onChange={(e) =>
                setShown((s) => {
                  const n = new Set(s);
                  if (e.target.checked) n.add(k);
                  else n.delete(k);
                  return n;
                })
              }
            />{' '}
            {RECORD_KIND_LABEL[k]} ({counts[k] ?? 0})
          </label>
        ))}
        <span className="topbar-spacer" />
        <button type="button" className="btn btn-small" onClick={() => void q.refetch()} disabled={q.isFetching}>
          Refresh
        </button>
      </div>
      {entries.length === 0 ? (
        <p className="muted">
          Nothing recorded yet. Plans are accepted on Scenarios, alerts acknowledged and forecasts saved on Twin, rehearsal plans saved on Anatomy; each appears here with its
          Provenance.
        </p>
      ) : (
        <div className="table-wrap">
          <table className="data record-table" aria-label="Decisions and twin outputs">
            <thead>
              <tr>
                <th scope="col">Time</th>
                <th scope="col">What</th>
                <th scope="col">Details</th>
                <th scope="col">By</th>
                <th scope="col">Provenance</th>
                <th scope="col">Made on</th>
              </tr>
            </thead>
            <tbody>
              {entries.map((e) => (
                <tr key={e.ref} data-kind={e.kind} data-ref={e.ref}>
                  <td className="nowrap mono">{e.timeIso ? formatDateTime(e.timeIso) : '—'}</td>
                  <td>
                    <Badge tone={e.kind === 'alert' ? 'warn' : 'neutral'}>{RECORD_KIND_LABEL[e.kind]}</Badge>
                    {e.override && <Badge tone="warn">override</Badge>}
                    <div className="record-title">{e.title}</div>
                  </td>
                  <td>
                    {e.reason && (
                      <div>
                        <strong>Reason:</strong> {e.reason}
                      </div>
                    )}
                    {e.note && (
                      <div>
                        <strong>Note:</strong> {e.note}
                      </div>
                    )}
                    {e.details.length > 0 && (
                      <details>
                        <summary>{e.kind === 'plan' ? 'Activities and the comparison it rests on' : 'Details'}</summary>
                        <ul className="compact-list">
                          {e.details.flatMap((d) => d.split('\n')).map((d, i) => (
                            <li key={i}>{d}</li>
                          ))}
                        </ul>
                      </details>
                    )}
                  </td>
                  <td className="nowrap">{e.author}</td>
                  <td className="record-provenance">
                    {e.provenance.length === 0 ? (
                      <Badge tone="danger">no Provenance found</Badge>
                    ) : (
                      e.provenance.slice(0, 2).map((p) => (
                        <div key={p.ref} className="prov-item">
                          <div>
                            {p.activity}
                            {p.recordedIso && <span className="muted"> · {formatDateTime(p.recordedIso)}</span>}
                          </div>
                          <div className="muted">{p.agents.join(' · ')}</div>
                          {p.inputCount > 0 && <div className="muted">{p.inputCount} record inputs</div>}
                          {p.confidence && <div className="muted">{p.confidence}</div>}
                          {p.confirmedDespite && (
                            <div data-testid="confirmed-despite">
                              <Badge tone="warn">confirmed</Badge> {p.confirmedDespite}
                            </div>
                          )}
                          <div className="muted mono">{p.ref}</div>
                        </div>
                      ))
                    )}
                    {e.provenance.length > 2 && <div className="muted">+{e.provenance.length - 2} more (one per saved hour)</div>}
                  </td>
                  <td className="nowrap">
                    <Link to={workspacePath(patientId, RECORD_KIND_TAB[e.kind])}>{TAB_LABEL[RECORD_KIND_TAB[e.kind]]}</Link>
                    <div className="muted mono small">{e.ref}</div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
