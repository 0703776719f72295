// /patients: search by name or identifier; one row per patient with age, sex, MRN, active
// conditions and twin-consent status. Conditions of all listed patients come in one search; the
// consent status is one small request per row (the server's twin-permission endpoint), cached
// by react-query and shared with the workspace banner.
import { useMemo, useState, type ReactNode } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import type { Condition, Patient } from '@medplum/fhirtypes';
import { IMPORT_ROLES } from '../../../core/contracts';
import { useConditionsOfPatients, usePatients, useSession, useTwinPermission } from '../../sources/queries';
import { Badge, ErrorNotice, Loading } from '../../ui/feedback';
import { useDebouncedValue } from '../../ui/useDebouncedValue';
import { ImportRecordPanel } from './ImportRecord';
import { activeConditionTexts, formatAge, formatName, formatSex, medicalRecordNumber } from './patient-summary';

export function ConsentBadge(props: { patientId: string }): ReactNode {
  const q = useTwinPermission(props.patientId);
  if (q.isPending) return <span className="muted">…</span>;
  if (q.isError) return <Badge tone="neutral" title={q.error.message}>Unknown</Badge>;
  return q.data.allowed ? (
    <Badge tone="ok">Twin allowed</Badge>
  ) : (
    <Badge tone="danger" title={q.data.reason}>
      Consent denied
    </Badge>
  );
}

type ConditionsState = { status: 'pending' } | { status: 'error'; message: string } | { status: 'ok'; conditions: Condition[] };

function ConditionsCell(props: { state: ConditionsState }): ReactNode {
  const { state } = props;
  if (state.status === 'pending') return <span className="muted">…</span>;
  if (state.status === 'error') return <span className="muted" title={state.message}>unavailable</span>;
  const texts = activeConditionTexts(state.conditions);
  if (texts.length === 0) return <span className="muted">None recorded</span>;
  return (
    <span className="conditions">
      {texts.map((t) => (
        <span key={t} className="condition">
          {t}
        </span>
      ))}
    </span>
  );
}

function PatientRow(props: { patient: Patient; conditions: ConditionsState }): ReactNode {
  const p = props.patient;
  const id = p.id ?? '';
  const mrn = medicalRecordNumber(p);
  return (
    <tr>
      <td>
        <Link to={`/patients/${encodeURIComponent(id)}`}>{formatName(p)}</Link>
      </td>
      <td className="num" style={{ whiteSpace: 'nowrap' }}>
        {formatAge(p.birthDate, p.deceasedDateTime ? new Date(p.deceasedDateTime) : undefined)}
        {(p.deceasedBoolean === true || p.deceasedDateTime !== undefined) && (
          <>
            {' '}
            <Badge tone="neutral" title={p.deceasedDateTime ? `died ${p.deceasedDateTime.slice(0, 10)}: age at death` : 'deceased'}>
              Deceased
            </Badge>
          </>
        )}
      </td>
      <td>{formatSex(p.gender)}</td>
      <td className="mono">{mrn?.value ?? '—'}</td>
      <td>
        <ConditionsCell state={props.conditions} />
      </td>
      <td>
        <ConsentBadge patientId={id} />
      </td>
    </tr>
  );
}

export function PatientListPage(): ReactNode {
  // The search lives in the URL so that reload and back keep it.
  const [params, setParams] = useSearchParams();
  const [text, setText] = useState(params.get('q') ?? '');
  const term = useDebouncedValue(text, 250);
  const patients = usePatients(term);
  const ids = useMemo(() => (patients.data ?? []).flatMap((p) => (p.id ? [p.id] : [])), [patients.data]);
  const conditions = useConditionsOfPatients(ids);
  const conditionsOf = (id: string): ConditionsState => {
    if (conditions.isError) return { status: 'error', message: conditions.error.message };
    const list = conditions.data?.get(id);
    return list ? { status: 'ok', conditions: list } : { status: 'pending' };
  };

  const session = useSession();
  const mayImport = session.data ? IMPORT_ROLES.includes(session.data.role) : false;
  const [importing, setImporting] = useState(false);

  const onChange = (value: string) => {
    setText(value);
    setParams(value ? { q: value } : {}, { replace: true });
  };

  return (
    <div className="page">
      <div className="page-header">
        <h1>
          Patients{' '}
          {patients.data && (
            <span className="muted" aria-live="polite">
              ({patients.data.length})
            </span>
          )}
        </h1>
        <div className="field">
          <label htmlFor="patient-search" className="visually-hidden">
            Search patients
          </label>
          <input
            id="patient-search"
            className="input"
            type="search"
            placeholder="Search patients by name or MRN"
            value={text}
            onChange={(e) => onChange(e.target.value)}
            style={{ width: 300 }}
          />
        </div>
        {mayImport && (
          <button type="button" className="btn" onClick={() => setImporting(true)} disabled={importing}>
            Import record
          </button>
        )}
      </div>
      {importing && <ImportRecordPanel onClose={() => setImporting(false)} />}
      {patients.isError && <ErrorNotice error={patients.error} onRetry={() => void patients.refetch()} />}
      {patients.isPending && <Loading label="Loading patients…" />}
      {patients.data && (
        <div className="table-wrap">
          <table className="data" aria-label="Patients" aria-busy={patients.isFetching}>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col" className="num">
                  Age
                </th>
                <th scope="col">Sex</th>
                <th scope="col">MRN</th>
                <th scope="col">Key conditions</th>
                <th scope="col">Digital twin</th>
              </tr>
            </thead>
            <tbody>
              {patients.data.map((p) => (
                <PatientRow key={p.id} patient={p} conditions={conditionsOf(p.id ?? '')} />
              ))}
              {patients.data.length === 0 && (
                <tr>
                  <td colSpan={6} className="muted">
                    {term ? `No patient matches “${term}”.` : 'No patients in the record.'}
                  </td>
                </tr>
              )}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
