// Is this image the open patient's? Checked on every image shown or used under a patient
// (issue 17: another patient's local files displayed under the open patient's banner; a PACS
// study filed under another PatientID was only "not found in the PACS"). Pure: the caller gives
// the record's patient and the DICOM attributes; the answer is the mismatch in words, or null.
import type { Patient } from '@medplum/fhirtypes';
import type { DicomJson } from '../../../core/dicom/dicomJson';

/** The open patient as the record knows them. */
export interface ExpectedPatient {
  /** FHIR id and every identifier value (MRN…): a PACS may file the patient under any of them. */
  ids: string[];
  /** Shown in messages: the MRN (or the FHIR id). */
  label: string;
  family?: string;
  /** YYYY-MM-DD. */
  birthDate?: string;
}

/** The identity an image carries. */
export interface ImagePatient {
  patientId?: string;
  /** DICOM PN "Family^Given^…". */
  patientName?: string;
  /** DICOM DA YYYYMMDD. */
  birthDate?: string;
}

export function expectedPatient(fhirId: string, patient: Pick<Patient, 'identifier' | 'name' | 'birthDate'> | undefined, mrn?: string): ExpectedPatient {
  const ids = [...new Set([fhirId, ...(patient?.identifier ?? []).map((i) => i.value).filter((v): v is string => !!v)])];
  const family = patient?.name?.[0]?.family;
  return { ids, label: mrn ?? fhirId, ...(family ? { family } : {}), ...(patient?.birthDate ? { birthDate: patient.birthDate } : {}) };
}

function norm(s: string): string {
  return s.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').trim().toUpperCase();
}

/**
 * Why the image is not the expected patient's, or null when it is. A PatientID that is none of
 * the record's identifiers is a mismatch; so is a birth date or family name that differs where
 * both sides have one. An image with no identity at all (anonymised) is a mismatch too: nothing
 * ties it to this patient.
 */
export function identityMismatch(expected: ExpectedPatient, image: ImagePatient): string | null {
  const reasons: string[] = [];
  const pid = image.patientId?.trim() ?? '';
  if (pid !== '' && !expected.ids.includes(pid)) reasons.push(`PatientID ${pid} (this patient is ${expected.label})`);
  const da = image.birthDate?.trim() ?? '';
  const birth = expected.birthDate?.replace(/-/g, '') ?? '';
  if (da !== '' && birth !== '' && da !== birth) reasons.push(`birth date ${da.slice(0, 4)}-${da.slice(4, 6)}-${da.slice(6, 8)} (this patient: ${expected.birthDate})`);
  const family = image.patientName?.split('^')[0] ?? '';
  if (family.trim() !== '' && expected.family && norm(family) !== norm(expected.family)) reasons.push(`family name ${family.trim()} (this patient: ${expected.family})`);
  if (reasons.length === 0 && pid === '' && da === '' && family.trim() === '') return 'the images carry no patient identity (no PatientID, name or birth date)';
  return reasons.length === 0 ? null : `the images belong to another patient: ${reasons.join(', ')}`;
}

/** The identity in a WADO-RS metadata / QIDO entry. */
export function imagePatientFromJson(ds: DicomJson): ImagePatient {
  const first = (tag: string): unknown => ds[tag]?.Value?.[0];
  const pid = first('00100020');
  const pn = first('00100010');
  const dob = first('00100030');
  const name = typeof pn === 'string' ? pn : pn && typeof pn === 'object' && 'Alphabetic' in pn ? String((pn as { Alphabetic?: unknown }).Alphabetic ?? '') : undefined;
  return {
    ...(typeof pid === 'string' ? { patientId: pid } : {}),
    ...(name ? { patientName: name } : {}),
    ...(typeof dob === 'string' ? { birthDate: dob } : {}),
  };
}
