import { describe, expect, it } from 'vitest';
import { expectedPatient, identityMismatch, imagePatientFromJson } from './patientIdentity';

const patient = expectedPatient(
  'p-liver',
  { identifier: [{ system: 'urn:mrn', value: 'MRN-100' }], name: [{ family: 'Novák', given: ['Elena'] }], birthDate: '1961-04-02' },
  'MRN-100',
);

describe('identityMismatch (issue 17: wrong-patient images never pass silently)', () => {
  it("accepts the patient's own images by MRN or FHIR id, with matching name and birth date (accents and case ignored)", () => {
    expect(identityMismatch(patient, { patientId: 'MRN-100', patientName: 'NOVAK^ELENA', birthDate: '19610402' })).toBeNull();
    expect(identityMismatch(patient, { patientId: 'p-liver' })).toBeNull();
  });

  it('names another PatientID, another birth date and another family name', () => {
    expect(identityMismatch(patient, { patientId: 'CRLM-CT-1006', patientName: 'Other^Person', birthDate: '19700101' })).toBe(
      'the images belong to another patient: PatientID CRLM-CT-1006 (this patient is MRN-100), birth date 1970-01-01 (this patient: 1961-04-02), family name Other (this patient: Novák)',
    );
    // Same PatientID, different person (a reused ID): still refused.
    expect(identityMismatch(patient, { patientId: 'MRN-100', birthDate: '19990101' })).toMatch(/birth date 1999-01-01/);
  });

  it('an image with no identity at all is not silently this patient', () => {
    expect(identityMismatch(patient, {})).toMatch(/no patient identity/);
  });

  it('reads the identity from DICOM JSON (PN as object or string)', () => {
    expect(imagePatientFromJson({ '00100020': { vr: 'LO', Value: ['X'] }, '00100010': { vr: 'PN', Value: [{ Alphabetic: 'Doe^J' }] }, '00100030': { vr: 'DA', Value: ['20000101'] } })).toEqual({
      patientId: 'X',
      patientName: 'Doe^J',
      birthDate: '20000101',
    });
  });
});
