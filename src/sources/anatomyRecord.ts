// The Anatomy session's FHIR I/O (split out of src/compute/anatomy/session.ts, issue 15): the
// patient's identifiers (the PACS may file images under any of them), the record's ImagingStudy
// of a loaded CT, and the LV volume transaction. Reads through the typed FHIR client; the one
// write is a transaction the server checks against the patient's consent.
import type { Bundle, ImagingStudy, Patient } from '@medplum/fhirtypes';
import { fhir, http } from './api';

/** The FHIR id and every identifier value of a patient, deduplicated, the id first. */
export async function patientIdentifiers(patientId: string): Promise<string[]> {
  const patient = await fhir.read<Patient>('Patient', patientId);
  return [...new Set([patientId, ...(patient.identifier ?? []).map((i) => i.value).filter((v): v is string => !!v)])];
}

/** The patient's ImagingStudy resources (first page of 50: a patient has a handful). */
export async function imagingStudiesOf(patientId: string): Promise<ImagingStudy[]> {
  return (await fhir.search<ImagingStudy>('ImagingStudy', { patient: patientId, _count: 50 })).resources;
}

export interface CtStudyRef {
  id: string;
  seriesInstanceUid?: string;
  started?: string;
}

/**
 * Pure: the ImagingStudy whose CT series is `seriesUid`, else the CT study with the most
 * instances; null when no study lists a CT series.
 */
export function ctStudyForSeries(studies: readonly ImagingStudy[], seriesUid: string | undefined): CtStudyRef | null {
  let best: (CtStudyRef & { n: number }) | null = null;
  for (const st of studies) {
    if (!st.id) continue;
    for (const ser of st.series ?? []) {
      if ((ser.modality?.code ?? 'CT') !== 'CT') continue;
      const n = ser.uid === seriesUid ? Number.MAX_SAFE_INTEGER : (ser.numberOfInstances ?? 0);
      if (best === null || n > best.n) best = { id: st.id, seriesInstanceUid: ser.uid, ...(st.started ? { started: st.started } : {}), n };
    }
  }
  if (best === null) return null;
  return { id: best.id, ...(best.seriesInstanceUid ? { seriesInstanceUid: best.seriesInstanceUid } : {}), ...(best.started ? { started: best.started } : {}) };
}

/** POST a transaction Bundle to /fhir; the first entry's outcome: created (201) or found, and its Observation id. */
export async function postObservationTransaction(bundle: Bundle): Promise<{ created: boolean; observationId: string | undefined }> {
  const { body } = await http<Bundle>('/fhir', { method: 'POST', headers: { 'Content-Type': 'application/fhir+json' }, body: JSON.stringify(bundle) });
  const response = body.entry?.[0]?.response;
  const observationId = response?.location?.match(/Observation\/([^/]+)/)?.[1];
  return { created: (response?.status ?? '').startsWith('201'), observationId };
}
