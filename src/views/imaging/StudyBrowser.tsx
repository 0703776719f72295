// The patient's studies (FHIR ImagingStudy + QIDO-RS, merged by Study Instance UID) and the
// series of the selected study. Server data lives in react-query; nothing is copied to a store.
import { useQuery } from '@tanstack/react-query';
import type { ImagingStudy } from '@medplum/fhirtypes';
import { useState, type ReactNode } from 'react';
import {
  mergeStudies,
  studyFromFhir,
  type FhirImagingStudy,
  type SeriesSummary,
  type StudySummary,
} from '../../../core/dicom/dicomJson';
import type { DicomwebClient } from '../../compute/imaging/dicomweb';
import { fhir } from '../../sources/api';
import { usePatient } from '../../sources/queries';
import { ErrorNotice, Loading } from '../../ui/feedback';
import { medicalRecordNumber } from '../patients/patient-summary';

function formatDicomDate(d: string | undefined): string {
  if (!d || !/^\d{8}$/.test(d)) return 'undated';
  return `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}`;
}

export function useStudies(patientId: string, dicomweb: DicomwebClient) {
  const patient = usePatient(patientId);
  const mrn = patient.data ? medicalRecordNumber(patient.data)?.value : undefined;
  const fhirStudies = useQuery({
    queryKey: ['fhir', 'ImagingStudy', 'search', { patient: patientId }],
    queryFn: async () => {
      const r = await fhir.search<ImagingStudy>('ImagingStudy', { patient: patientId, _count: 100 });
      return r.resources as unknown as FhirImagingStudy[];
    },
  });
  // The PACS may file the patient under the FHIR id or the MRN: ask for both, merge by UID.
  const qido = useQuery({
    queryKey: ['dicomweb', 'studies', { patientId, mrn }],
    enabled: !patient.isPending,
    queryFn: async ({ signal }) => {
      const ids = [...new Set([patientId, mrn].filter((x): x is string => !!x))];
      const lists = await Promise.all(ids.map((id) => dicomweb.studiesForPatient(id, signal)));
      return lists.flat();
    },
  });
  const studies = mergeStudies(
    (fhirStudies.data ?? []).map(studyFromFhir).filter((s): s is StudySummary => s !== null),
    qido.data ?? [],
  );
  return { studies, fhirStudies, qido };
}

export function StudyBrowser(props: {
  patientId: string;
  dicomweb: DicomwebClient;
  onOpenSeries: (s: SeriesSummary, study: StudySummary) => void;
  openSeriesUid: string | null;
  disabled: boolean;
}): ReactNode {
  const { studies, fhirStudies, qido } = useStudies(props.patientId, props.dicomweb);
  const [selected, setSelected] = useState<string | null>(null);
  const current = studies.find((s) => s.studyInstanceUid === selected) ?? studies[0];
  const series = useQuery({
    queryKey: ['dicomweb', 'series', current?.studyInstanceUid],
    enabled: !!current,
    queryFn: ({ signal }) => props.dicomweb.seriesOfStudy(current!.studyInstanceUid, signal),
  });
  const pending = fhirStudies.isPending || qido.isPending;
  return (
    <section className="imaging-studies" aria-label="Studies">
      <h2>Studies</h2>
      {fhirStudies.isError && <ErrorNotice error={fhirStudies.error} title="Record studies unavailable" onRetry={() => void fhirStudies.refetch()} />}
      {qido.isError && <ErrorNotice error={qido.error} title="PACS unavailable" onRetry={() => void qido.refetch()} />}
      {pending && studies.length === 0 && <Loading label="Finding studies…" />}
      {!pending && studies.length === 0 && !fhirStudies.isError && !qido.isError && (
        <p className="muted">No imaging studies for this patient. Use Open DICOM files to view files from disk.</p>
      )}
      {studies.length > 0 && (
        <ul className="study-list">
          {studies.map((s) => (
            <li key={s.studyInstanceUid}>
              <button
                type="button"
                className="study-item"
                aria-pressed={s.studyInstanceUid === current?.studyInstanceUid}
                onClick={() => setSelected(s.studyInstanceUid)}
              >
                <span className="study-title">{s.description || 'Untitled study'}</span>
                <span className="muted">
                  {formatDicomDate(s.date)} · {s.modalities.join('/') || '—'}
                  {s.instanceCount !== undefined ? ` · ${s.instanceCount} images` : ''}
                </span>
                {s.foundIn.length === 1 && (
                  <span className="muted small">{s.foundIn[0] === 'fhir' ? 'in the record, not found in the PACS' : 'in the PACS, not linked in the record'}</span>
                )}
              </button>
            </li>
          ))}
        </ul>
      )}
      {current && (
        <>
          <h3>Series</h3>
          {series.isPending && <Loading label="Listing series…" />}
          {series.isError && <ErrorNotice error={series.error} title="Could not list series" onRetry={() => void series.refetch()} />}
          {series.data && series.data.length === 0 && <p className="muted">The PACS holds no series for this study.</p>}
          {series.data && series.data.length > 0 && (
            <ul className="series-list">
              {series.data.map((r) => (
                <li key={r.seriesInstanceUid}>
                  <button
                    type="button"
                    className="btn series-item"
                    disabled={props.disabled}
                    aria-current={r.seriesInstanceUid === props.openSeriesUid ? 'true' : undefined}
                    onClick={() => props.onOpenSeries(r, current)}
                  >
                    Open {r.modality ?? ''} {r.number !== undefined ? `#${r.number}` : ''} {r.description ?? 'series'}
                    {r.instanceCount !== undefined ? ` (${r.instanceCount})` : ''}
                  </button>
                </li>
              ))}
            </ul>
          )}
        </>
      )}
    </section>
  );
}
