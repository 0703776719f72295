import type { Bundle, Observation, Resource } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { isValidFhirId } from '../fhir/references';
import { DEMO_PATIENT_AS, DEMO_PATIENT_HFREF, DEMO_PATIENT_IDS, DEMO_PATIENT_NO_TWIN, DEMO_LIVER_IMAGING_STUDY, MRN_SYSTEM } from './ids';
import { buildDemoResources, MONITOR_INTERVAL_MS, MONITOR_SPAN_MS } from './patients';
import { evaluateTwinPermission } from '../consent/evaluate';

const NOW = Date.parse('2026-11-21T06:02:30.000Z');
const all = buildDemoResources(NOW);
const byType = (t: string): Resource[] => all.filter((r) => r.resourceType === t);
const obsOf = (patient: string, code: string): Observation[] =>
  (byType('Observation') as Observation[])
    .filter((o) => o.subject?.reference === `Patient/${patient}` && o.code?.coding?.[0]?.code === code)
    .sort((a, b) => String(a.effectiveDateTime).localeCompare(String(b.effectiveDateTime)));

/** Age in whole years on a date, by the calendar. */
function ageYears(birthDate: string, atMs: number): number {
  const b = new Date(birthDate + 'T00:00:00Z');
  const now = new Date(atMs);
  let age = now.getUTCFullYear() - b.getUTCFullYear();
  if (now.getUTCMonth() < b.getUTCMonth() || (now.getUTCMonth() === b.getUTCMonth() && now.getUTCDate() < b.getUTCDate())) age--;
  return age;
}

describe('demo record', () => {
  it('is deterministic for a given time and seed, and differs with the seed', () => {
    expect(JSON.stringify(buildDemoResources(NOW))).toBe(JSON.stringify(all));
    expect(JSON.stringify(buildDemoResources(NOW, 7))).not.toBe(JSON.stringify(all));
  });

  it('has unique, valid ids', () => {
    const keys = all.map((r) => `${r.resourceType}/${r.id}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(all.every((r) => r.id && isValidFhirId(r.id))).toBe(true);
  });

  it('has the five patients with the stated ages, sexes and MRNs', () => {
    const patients = byType('Patient') as Extract<Resource, { resourceType: 'Patient' }>[];
    expect(patients.map((p) => p.id).sort()).toEqual([...DEMO_PATIENT_IDS].sort());
    const expected: Record<string, [number, string]> = {
      'demo-as-72f': [72, 'female'],
      'demo-hfref-64m': [64, 'male'],
      'demo-liver-58f': [58, 'female'],
      'demo-healthy-45m': [45, 'male'],
      'demo-noconsent-67m': [67, 'male'],
    };
    for (const p of patients) {
      const [age, gender] = expected[p.id as string]!;
      expect(ageYears(p.birthDate!, NOW)).toBe(age);
      expect(p.gender).toBe(gender);
      expect(p.identifier?.[0]?.system).toBe(MRN_SYSTEM);
    }
  });

  it('codes the conditions in SNOMED CT', () => {
    const codes = (pid: string) =>
      (byType('Condition') as Extract<Resource, { resourceType: 'Condition' }>[])
        .filter((c) => c.subject.reference === `Patient/${pid}`)
        .map((c) => `${c.code?.coding?.[0]?.system}|${c.code?.coding?.[0]?.code}`);
    expect(codes(DEMO_PATIENT_AS).sort()).toEqual(['http://snomed.info/sct|59621000', 'http://snomed.info/sct|60573004']);
    expect(codes(DEMO_PATIENT_HFREF)).toEqual(['http://snomed.info/sct|703272007']);
  });

  it('gives patient (a) 48 h of 5-minute monitor vitals ending within 5 minutes of now', () => {
    const n = MONITOR_SPAN_MS / MONITOR_INTERVAL_MS;
    for (const code of ['8867-4', '85354-9', '8478-0', '59408-5', '9279-1', '8310-5']) {
      const mon = obsOf(DEMO_PATIENT_AS, code).filter((o) => o.id?.includes('-mon-'));
      expect(mon).toHaveLength(n);
      const last = Date.parse(mon.at(-1)!.effectiveDateTime!);
      expect(NOW - last).toBeGreaterThanOrEqual(0);
      expect(NOW - last).toBeLessThan(MONITOR_INTERVAL_MS);
      const first = Date.parse(mon[0]!.effectiveDateTime!);
      expect(last - first).toBe(MONITOR_SPAN_MS - MONITOR_INTERVAL_MS);
    }
  });

  it('keeps vitals in plausible adult ranges with UCUM units', () => {
    const ranges: Record<string, [string, number, number]> = {
      '8867-4': ['/min', 40, 130],
      '8478-0': ['mm[Hg]', 60, 140],
      '59408-5': ['%', 88, 100],
      '9279-1': ['/min', 8, 30],
      '8310-5': ['Cel', 35.5, 38.5],
      '29463-7': ['kg', 40, 150],
      '8302-2': ['cm', 140, 200],
    };
    for (const o of byType('Observation') as Observation[]) {
      const code = o.code?.coding?.[0]?.code as string;
      expect(o.code?.coding?.[0]?.system).toBe('http://loinc.org');
      const r = ranges[code];
      if (!r) continue;
      expect(o.valueQuantity?.system).toBe('http://unitsofmeasure.org');
      expect(o.valueQuantity?.code).toBe(r[0]);
      expect(o.valueQuantity?.value).toBeGreaterThanOrEqual(r[1]);
      expect(o.valueQuantity?.value).toBeLessThanOrEqual(r[2]);
    }
    for (const bp of obsOf(DEMO_PATIENT_AS, '85354-9')) {
      const [sbp, dbp] = bp.component!.map((c) => c.valueQuantity!.value!);
      expect(bp.component!.map((c) => c.code.coding?.[0]?.code)).toEqual(['8480-6', '8462-4']);
      expect(sbp).toBeGreaterThan(90);
      expect(sbp).toBeLessThan(210);
      expect(sbp! - dbp!).toBeGreaterThanOrEqual(25);
    }
  });

  it('gives patient (a) two years of roughly monthly clinic vitals', () => {
    const clinic = obsOf(DEMO_PATIENT_AS, '8867-4').filter((o) => o.id?.includes('-clinic-'));
    expect(clinic.length).toBeGreaterThanOrEqual(20);
    const spanDays = (Date.parse(clinic.at(-1)!.effectiveDateTime!) - Date.parse(clinic[0]!.effectiveDateTime!)) / 86_400_000;
    expect(spanDays).toBeGreaterThan(650);
  });

  it('has severe-AS echo values for (a) and EF about 0.30 for (b)', () => {
    const latest = (pid: string, code: string) => obsOf(pid, code).at(-1)?.valueQuantity;
    expect(latest(DEMO_PATIENT_AS, '79956-9')).toMatchObject({ value: 0.7, code: 'cm2' });
    expect(latest(DEMO_PATIENT_AS, '79962-7')!.value).toBeGreaterThanOrEqual(40);
    expect(latest(DEMO_PATIENT_AS, '79964-3')!.value).toBeGreaterThanOrEqual(4);
    expect(latest(DEMO_PATIENT_HFREF, '10230-1')).toMatchObject({ value: 30, code: '%' });
  });

  it('puts (b) on metoprolol and furosemide coded in RxNorm', () => {
    const meds = (byType('MedicationStatement') as Extract<Resource, { resourceType: 'MedicationStatement' }>[]).map((m) => m.medicationCodeableConcept?.coding?.[0]);
    expect(meds.map((c) => `${c?.system}|${c?.code}`).sort()).toEqual(['http://www.nlm.nih.gov/research/umls/rxnorm|4603', 'http://www.nlm.nih.gov/research/umls/rxnorm|6918']);
  });

  it('has the liver imaging placeholder and a consent denying the twin for (e)', () => {
    expect(all.find((r) => r.resourceType === 'ImagingStudy')?.id).toBe(DEMO_LIVER_IMAGING_STUDY);
    const consents = byType('Consent').filter((c) => (c as { patient?: { reference?: string } }).patient?.reference === `Patient/${DEMO_PATIENT_NO_TWIN}`);
    expect(evaluateTwinPermission(consents as never, NOW).allowed).toBe(false);
    expect(evaluateTwinPermission(byType('Consent').filter((c) => (c as { patient?: { reference?: string } }).patient?.reference === `Patient/${DEMO_PATIENT_AS}`) as never, NOW).allowed).toBe(true);
  });

  it('is small enough to seed in one transaction', () => {
    const bundle: Bundle = { resourceType: 'Bundle', type: 'collection', entry: all.map((resource) => ({ resource })) };
    expect(all.length).toBeGreaterThan(3500);
    expect(JSON.stringify(bundle).length).toBeLessThan(5_000_000);
  });
});
