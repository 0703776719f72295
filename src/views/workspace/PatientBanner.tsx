// The patient banner: who this is (name, age, sex, identifier) and whether a digital twin may be
// built for them. A denying Consent is stated in words, not only by colour.
import type { ReactNode } from 'react';
import { usePatient, useTwinPermission } from '../../sources/queries';
import { Badge, ErrorNotice } from '../../ui/feedback';
import { formatAge, formatName, formatSex, medicalRecordNumber } from '../patients/patient-summary';

function TwinConsent(props: { patientId: string }): ReactNode {
  const q = useTwinPermission(props.patientId);
  if (q.isPending) return <span className="muted">Digital twin: checking consent…</span>;
  if (q.isError) return <Badge tone="neutral" title={q.error.message}>Digital twin: consent unknown</Badge>;
  if (q.data.allowed) return <Badge tone="ok">Digital twin: allowed</Badge>;
  return (
    <span role="status" className="twin-consent">
      <Badge tone="danger">Digital twin: consent denied</Badge>{' '}
      {q.data.reason && <span className="muted">{q.data.reason}</span>}
    </span>
  );
}

export function PatientBanner(props: { patientId: string }): ReactNode {
  const q = usePatient(props.patientId);
  if (q.isError) return <ErrorNotice error={q.error} title="Cannot open this patient" onRetry={() => void q.refetch()} />;
  const p = q.data;
  const mrn = p ? medicalRecordNumber(p) : undefined;
  return (
    <section className="patient-banner" aria-label="Patient">
      <span className="name">{p ? formatName(p) : 'Loading…'}</span>
      {p && (
        <dl>
          <div>
            <dt>Age</dt>
            <dd>{formatAge(p.birthDate)}</dd>
          </div>
          <div>
            <dt>Sex</dt>
            <dd>{formatSex(p.gender)}</dd>
          </div>
          <div>
            <dt>Born</dt>
            <dd className="mono">{p.birthDate ?? '—'}</dd>
          </div>
          <div>
            <dt>MRN</dt>
            <dd className="mono">{mrn?.value ?? '—'}</dd>
          </div>
        </dl>
      )}
      <TwinConsent patientId={props.patientId} />
    </section>
  );
}
