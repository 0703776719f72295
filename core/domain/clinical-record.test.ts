import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { assessTwinCapability, deathCertainFromMs, categoryOfConcept, isSocialFinding, keyProblems, readClinicalRecord } from './clinical-record';

const SYNTHEA = join(__dirname, '..', '..', 'test-data', 'fhir', 'synthea');
const load = (name: string): unknown => JSON.parse(readFileSync(join(SYNTHEA, `${name}.json`), 'utf8'));
const NOW = '2026-12-01T12:00:00Z';

const sct = (code: string, display: string) => ({ coding: [{ system: 'http://snomed.info/sct', code, display }], text: display });
const icd = (code: string) => ({ coding: [{ system: 'http://hl7.org/fhir/sid/icd-10-cm', code }] });

function record(opts: { birthDate?: string; deceased?: string; conditions?: unknown[]; vitalsAt?: string[]; extra?: unknown[] }) {
  return {
    resourceType: 'Bundle',
    type: 'collection',
    entry: [
      { resource: { resourceType: 'Patient', id: 'p', gender: 'female', birthDate: opts.birthDate ?? '1950-05-05', ...(opts.deceased ? { deceasedDateTime: opts.deceased } : {}) } },
      ...(opts.conditions ?? []).map((code, i) => ({ resource: { resourceType: 'Condition', id: `c${i}`, clinicalStatus: { coding: [{ code: 'active' }] }, code } })),
      ...(opts.vitalsAt ?? []).map((t, i) => ({
        resource: { resourceType: 'Observation', id: `o${i}`, status: 'final', code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }] }, effectiveDateTime: t, valueQuantity: { value: 70, code: '/min' } },
      })),
      ...(opts.extra ?? []).map((resource) => ({ resource })),
    ],
  };
}

describe('categoryOfConcept', () => {
  it('reads SNOMED CT and ICD-10 codes, and text when no code is known', () => {
    expect(categoryOfConcept(sct('88805009', 'Chronic congestive heart failure (disorder)'))).toBe('heart-failure');
    expect(categoryOfConcept(sct('703272007', 'Heart failure with reduced ejection fraction'))).toBe('hfref');
    expect(categoryOfConcept(icd('I50.32'))).toBe('hfpef');
    expect(categoryOfConcept(icd('I50.22'))).toBe('hfref');
    expect(categoryOfConcept(icd('I35.0'))).toBe('aortic-stenosis');
    expect(categoryOfConcept(icd('N18.4'))).toBe('ckd');
    expect(categoryOfConcept(icd('E11.9'))).toBe('diabetes');
    expect(categoryOfConcept(sct('15777000', 'Prediabetes'))).toBe('other');
    expect(categoryOfConcept({ text: 'Severe aortic valve stenosis' })).toBe('aortic-stenosis');
  });

  it('separates social findings from clinical findings', () => {
    expect(isSocialFinding(sct('266948004', 'Has a criminal record (finding)'))).toBe(true);
    expect(isSocialFinding(sct('73438004', 'Unemployed (finding)'))).toBe(true);
    expect(isSocialFinding(icd('Z59.0'))).toBe(true);
    expect(isSocialFinding(sct('162864005', 'Body mass index 30+ - obesity (finding)'))).toBe(false);
    expect(isSocialFinding(sct('59621000', 'Hypertension'))).toBe(false);
  });
});

describe('assessTwinCapability', () => {
  it('refuses a child with the reason, at the age of the data', () => {
    const cap = assessTwinCapability(readClinicalRecord(record({ birthDate: '2017-03-01', vitalsAt: ['2026-12-01T11:00:00Z'] })), { now: NOW });
    expect(cap.canCalibrate).toBe(false);
    expect(cap.ageYears).toBe(9);
    expect(cap.headline).toMatch(/patient is 9 y: the physiology model is adult-only/);
    // Now an adult, but the only readings are from age 13: still refused.
    const old = assessTwinCapability(readClinicalRecord(record({ birthDate: '2000-01-01', vitalsAt: ['2013-06-01T10:00:00Z'] })), { now: NOW });
    expect(old.canCalibrate).toBe(false);
    expect(old.headline).toMatch(/patient is 13 y at the newest reading \(2013-06-01\)/);
  });

  it('marks a deceased patient: calibration as of the last reading, no forecast', () => {
    const cap = assessTwinCapability(readClinicalRecord(load('Oda_Gerlach')), { now: NOW });
    expect(cap.deceased).toBe(true);
    expect(cap.canCalibrate).toBe(true);
    expect(cap.canForecast).toBe(false);
    expect(cap.notes.map((n) => n.code)).toEqual(expect.arrayContaining(['deceased', 'stale-vitals']));
    expect(cap.asOf?.slice(0, 4)).toBe('2008');
    expect(cap.ageYears).toBe(70);
  });

  it('says "last reading N days ago" for old vitals and offers the as-of date', () => {
    const cap = assessTwinCapability(readClinicalRecord(record({ vitalsAt: ['2021-12-01T12:00:00Z', '2020-01-01T00:00:00Z'] })), { now: NOW });
    expect(cap.canCalibrate).toBe(true);
    expect(cap.canForecast).toBe(false);
    expect(cap.lastVital?.daysAgo).toBeCloseTo(1826, 0);
    expect(cap.headline).toMatch(/^last reading 1826 days ago \(2021-12-01\)/);
    expect(cap.asOf).toBe('2021-12-01T12:00:00Z');
  });

  it('forecasts from fresh vitals and names nothing for a plain adult', () => {
    const cap = assessTwinCapability(readClinicalRecord(record({ vitalsAt: ['2026-12-01T10:00:00Z'] })), { now: NOW });
    expect(cap).toMatchObject({ canCalibrate: true, canForecast: true, headline: '', notes: [] });
  });

  it('no vitals: no calibration, and says so', () => {
    const cap = assessTwinCapability(readClinicalRecord(record({})), { now: NOW });
    expect(cap.canCalibrate).toBe(false);
    expect(cap.headline).toMatch(/no heart rate or blood pressure/);
  });

  it('names pregnancy, cardiac devices and AF as limitations', () => {
    const cap = assessTwinCapability(
      readClinicalRecord(
        record({
          vitalsAt: ['2026-12-01T10:00:00Z'],
          conditions: [sct('72892002', 'Normal pregnancy'), sct('49436004', 'Atrial fibrillation')],
          extra: [{ resourceType: 'Device', id: 'd', status: 'active', type: sct('14106009', 'Cardiac pacemaker') }],
        }),
      ),
      { now: NOW },
    );
    expect(cap.canForecast).toBe(true);
    expect(cap.notes.map((n) => n.code)).toEqual(['pregnancy', 'cardiac-device', 'atrial-fibrillation']);
    expect(cap.notes[0]!.message).toMatch(/no pregnancy physiology/);
  });

  it('an abated pregnancy (a past miscarriage) is not current', () => {
    const rec = readClinicalRecord(record({ vitalsAt: ['2026-12-01T10:00:00Z'], extra: [{ resourceType: 'Condition', id: 'x', code: sct('72892002', 'Normal pregnancy'), abatementDateTime: '1980-01-01' }] }));
    expect(assessTwinCapability(rec, { now: NOW }).notes).toEqual([]);
  });
});

describe('keyProblems', () => {
  it('lists active clinical problems of a Synthea record without social findings', () => {
    const problems = keyProblems(readClinicalRecord(load('Parker_Casper')).conditions);
    expect(problems).toContain('Chronic congestive heart failure (disorder)');
    expect(problems).toContain('Hypertension');
    for (const p of problems) expect(p).not.toMatch(/criminal|unemploy|employment|housing/i);
  });
});

describe('deathCertainFromMs', () => {
  it('reads a partial date of death as certain only at the end of its period', () => {
    expect(new Date(deathCertainFromMs('2150-03-04')!).toISOString()).toBe('2150-03-04T23:59:59.999Z');
    expect(new Date(deathCertainFromMs('2150-02')!).toISOString()).toBe('2150-02-28T23:59:59.999Z');
    expect(new Date(deathCertainFromMs('2024')!).toISOString()).toBe('2024-12-31T23:59:59.999Z');
  });
  it('takes a full dateTime as its instant, and nothing from a non-date', () => {
    expect(deathCertainFromMs('2150-03-04T10:15:00Z')).toBe(Date.UTC(2150, 2, 4, 10, 15));
    expect(deathCertainFromMs('yesterday')).toBeUndefined();
  });
});
