import { describe, expect, it } from 'vitest';
import type { Condition } from '@medplum/fhirtypes';
import { activeConditionTexts, ageInYears, formatAge, formatName, formatSex, medicalRecordNumber } from './patient-summary';

// Local calendar dates (the age a clinician reads is the one on the wall calendar).
const on = (y: number, m: number, d: number) => new Date(y, m - 1, d, 12);

describe('ageInYears', () => {
  it('counts completed years, turning on the birthday itself', () => {
    expect(ageInYears('1954-03-10', on(2026, 3, 9))).toEqual({ years: 71, approximate: false });
    expect(ageInYears('1954-03-10', on(2026, 3, 10))).toEqual({ years: 72, approximate: false });
    expect(ageInYears('1954-03-10', on(2026, 11, 21))).toEqual({ years: 72, approximate: false });
  });
  it('treats a 29 February birthday as reached on 1 March in common years', () => {
    expect(ageInYears('2000-02-29', on(2023, 2, 28))?.years).toBe(22);
    expect(ageInYears('2000-02-29', on(2023, 3, 1))?.years).toBe(23);
    expect(ageInYears('2000-02-29', on(2024, 2, 29))?.years).toBe(24);
  });
  it('flags partial dates as approximate, assuming the earliest birthday', () => {
    expect(ageInYears('1980', on(2026, 6, 1))).toEqual({ years: 46, approximate: true });
    expect(ageInYears('1980-07', on(2026, 6, 30))).toEqual({ years: 45, approximate: true });
    expect(ageInYears('1980-07', on(2026, 7, 1))).toEqual({ years: 46, approximate: true });
  });
  it('is 0 for a newborn and null for future, missing or malformed dates', () => {
    expect(ageInYears('2026-11-21', on(2026, 11, 21))?.years).toBe(0);
    expect(ageInYears('2026-11-22', on(2026, 11, 21))).toBeNull();
    expect(ageInYears(undefined)).toBeNull();
    expect(ageInYears('21/11/1960')).toBeNull();
    expect(ageInYears('1960-13-01')).toBeNull();
  });
  it('formats with a tilde for approximate ages and a dash when unknown', () => {
    expect(formatAge('1954-03-10', on(2026, 11, 21))).toBe('72 y');
    expect(formatAge('1954', on(2026, 11, 21))).toBe('~72 y');
    expect(formatAge(undefined)).toBe('—');
  });
});

describe('formatName', () => {
  it('prefers the current official name, FAMILY, Given Middle', () => {
    expect(
      formatName({
        name: [
          { use: 'usual', given: ['Meg'], family: 'Hart' },
          { use: 'official', given: ['Margaret', 'Ann'], family: 'Hartley', period: { end: '2001-01-01' } },
          { use: 'official', given: ['Margaret', 'Ann'], family: 'Hart-Lowe' },
        ],
      }),
    ).toBe('HART-LOWE, Margaret Ann');
  });
  it('falls back to usual, then text, then a visible placeholder', () => {
    expect(formatName({ name: [{ use: 'usual', given: ['Sam'] }] })).toBe('Sam');
    expect(formatName({ name: [{ text: 'Baby of Jones' }] })).toBe('Baby of Jones');
    expect(formatName({ name: [] })).toBe('(no name)');
    expect(formatName({})).toBe('(no name)');
  });
});

describe('formatSex and medicalRecordNumber', () => {
  it('abbreviates administrative gender', () => {
    expect(formatSex('female')).toBe('F');
    expect(formatSex('male')).toBe('M');
    expect(formatSex('other')).toBe('Other');
    expect(formatSex(undefined)).toBe('—');
  });
  it('picks the MR-typed identifier over others', () => {
    const mrn = medicalRecordNumber({
      identifier: [
        { system: 'urn:ssn', value: '999' },
        { system: 'urn:mrn', value: 'MRN-001', type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'MR' }] } },
      ],
    });
    expect(mrn?.value).toBe('MRN-001');
    expect(medicalRecordNumber({ identifier: [{ value: 'X1' }] })?.value).toBe('X1');
    expect(medicalRecordNumber({})).toBeUndefined();
  });
});

describe('activeConditionTexts', () => {
  const cond = (text: string, clinical?: string, verification?: string): Condition => ({
    resourceType: 'Condition',
    subject: { reference: 'Patient/p' },
    code: { coding: [{ system: 'http://snomed.info/sct', code: '1', display: text }] },
    clinicalStatus: clinical ? { coding: [{ code: clinical }] } : undefined,
    verificationStatus: verification ? { coding: [{ code: verification }] } : undefined,
  });
  it('leaves social findings and abated conditions out of the key conditions (issue 12)', () => {
    expect(
      activeConditionTexts([
        cond('Has a criminal record (finding)', 'active'),
        cond('Unemployed (finding)', 'active'),
        cond('Full-time employment (finding)', 'active'),
        cond('Body mass index 30+ - obesity (finding)', 'active'),
        { ...cond('Acute bronchitis (disorder)', 'active'), abatementDateTime: '2010-01-01' },
        cond('Chronic congestive heart failure (disorder)', 'active'),
      ]),
    ).toEqual(['Chronic congestive heart failure (disorder)', 'Body mass index 30+ - obesity (finding)']);
  });
  it('lists what the twin reads first: heart failure, valve, rhythm, coronary, hypertension, then the rest in record order', () => {
    expect(
      activeConditionTexts([
        cond('Miscarriage in first trimester', 'active'),
        cond('Hypertension', 'active'),
        cond('Prediabetes', 'active'),
        cond('Atrial Fibrillation', 'active'),
        cond('Stroke', 'active'),
        cond('Chronic congestive heart failure (disorder)', 'active'),
      ]),
    ).toEqual(['Chronic congestive heart failure (disorder)', 'Atrial Fibrillation', 'Hypertension', 'Miscarriage in first trimester', 'Prediabetes', 'Stroke']);
  });
  it('keeps active conditions once each, drops resolved, refuted and entered-in-error', () => {
    expect(
      activeConditionTexts([
        cond('Aortic valve stenosis', 'active', 'confirmed'),
        cond('Essential hypertension', 'active'),
        cond('Aortic valve stenosis', 'active'),
        cond('Pneumonia', 'resolved'),
        cond('Gout', 'active', 'refuted'),
        cond('Typo', 'active', 'entered-in-error'),
        cond('Unspecified status'),
      ]),
    ).toEqual(['Aortic valve stenosis', 'Essential hypertension', 'Unspecified status']);
  });
  it('prefers code.text over coding display', () => {
    const c = cond('x', 'active');
    c.code = { text: 'HFrEF', coding: [{ display: 'Heart failure with reduced ejection fraction' }] };
    expect(activeConditionTexts([c])).toEqual(['HFrEF']);
  });
});
