// The whole record informs the twin: diagnoses and therapy set the prior, children are refused,
// no diagnosis + normal vitals does not invent a disease, aged inputs weigh less.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { loadScaledTimeoutMs } from '../../../test-support/load';
import { ingestFhirVitals } from '../../../core/vitals/fhir-vitals';
import { ageInflation } from './calibrate';
import { doseMgOf, mapMedication } from './drug-classes';
import { calibrateFromRecord, clinicalInputsOf, TwinRefusedError } from './from-record';
import { priorFromRecord, undiagnosedPrevalence } from './record-prior';

// Calibrations take seconds on an idle core and up to a minute on the shared 2-core machine.
vi.setConfig({ testTimeout: loadScaledTimeoutMs(60_000), hookTimeout: loadScaledTimeoutMs(120_000) });

const SYNTHEA = join(__dirname, '..', '..', '..', 'test-data', 'fhir', 'synthea');
const load = (name: string): unknown => JSON.parse(readFileSync(join(SYNTHEA, `${name}.json`), 'utf8'));
const FIT = { fit: { ensembleSize: 30, seed: 3 } };
const NOW = '2026-12-01T12:00:00Z';

const q = (code: string, value: number, unit: string) => ({ code: { coding: [{ system: 'http://loinc.org', code }] }, valueQuantity: { value, unit, system: 'http://unitsofmeasure.org', code: unit } });
function person(birthDate: string, readings: { at: string; sbp: number; dbp: number; hr: number }[], conditions: unknown[] = [], meds: unknown[] = []) {
  const entry: unknown[] = [{ resource: { resourceType: 'Patient', id: 'p', gender: 'male', birthDate } }];
  readings.forEach((r, i) => {
    entry.push({ resource: { resourceType: 'Observation', id: `bp${i}`, status: 'final', effectiveDateTime: r.at, code: { coding: [{ system: 'http://loinc.org', code: '85354-9' }] }, component: [q('8480-6', r.sbp, 'mm[Hg]'), q('8462-4', r.dbp, 'mm[Hg]')] } });
    entry.push({ resource: { resourceType: 'Observation', id: `hr${i}`, status: 'final', effectiveDateTime: r.at, ...q('8867-4', r.hr, '/min') } });
  });
  conditions.forEach((code, i) => entry.push({ resource: { resourceType: 'Condition', id: `c${i}`, clinicalStatus: { coding: [{ code: 'active' }] }, code } }));
  meds.forEach((m, i) => entry.push({ resource: { resourceType: 'MedicationRequest', id: `m${i}`, status: 'active', medicationCodeableConcept: m } }));
  return { resourceType: 'Bundle', type: 'collection', entry };
}
const calibrate = (bundle: unknown) => calibrateFromRecord(ingestFhirVitals(bundle), { ...FIT, clinical: clinicalInputsOf(bundle), now: NOW });
const weight = (r: ReturnType<typeof calibrate>, label: string) => r.archetypes.find((a) => a.label === label)?.posteriorWeight ?? 0;
const param = (r: ReturnType<typeof calibrate>, name: string) => r.parameters.find((p) => p.name === name)!;

describe('calibrateFromRecord with the whole record', () => {
  it('refuses a 13-year-old with the reason (no silent "18 y")', () => {
    const child = person('2013-02-01', [{ at: '2026-12-01T10:00:00Z', sbp: 105, dbp: 65, hr: 85 }]);
    expect(() => calibrate(child)).toThrow(TwinRefusedError);
    expect(() => calibrate(child)).toThrow(/patient is 13 y: the physiology model is adult-only/);
  });

  it('a 19-year-old with no diagnosis and a narrow pulse pressure is not given aortic stenosis', () => {
    const r = calibrate(person('2007-06-01', [{ at: '2026-12-01T10:00:00Z', sbp: 104, dbp: 80, hr: 72 }]));
    expect(weight(r, 'severe-as')).toBeLessThan(0.05);
    expect(param(r, 'aorticValveEoaCm2').posterior.p50).toBeGreaterThan(2);
    expect(r.capability?.canForecast).toBe(true);
  });

  it('a 25-year-old with HR 95 and no diagnosis keeps a normal EF', () => {
    const r = calibrate(person('2001-03-01', [{ at: '2026-12-01T10:00:00Z', sbp: 122, dbp: 76, hr: 95 }]));
    expect(weight(r, 'hfref')).toBeLessThan(0.05);
    expect(r.outputs.ef!.p50).toBeGreaterThan(0.5);
  });

  // KNOWN REGRESSION (it.fails: this test is expected to fail until fixed, and will say so when it
  // passes): after the physiology model revision merged from main (bf7b2f2, issue 11), EF 0.84 is
  // again explained best by the severe-AS archetype (posterior 0.88, gradient p50 82 mmHg) — the
  // healthy/HFpEF components' EA priors must be retuned against the revised engine. It passed
  // before that merge (HFpEF 0.74, severe AS 0.14, gradient p50 6 mmHg).
  it('heart failure on record with an LVEF of 84 %: HFpEF on top, not severe AS, median gradient normal', () => {
    const b = load('Beatrice_Aufderhar') as { entry: { resource: Record<string, unknown> }[] };
    // Beatrice's record (chronic CHF coded) with its LVEF replaced by 84 % (the case in issue 12).
    const lvef = b.entry.map((e) => e.resource).filter((r) => r.resourceType === 'Observation' && JSON.stringify(r.code).includes('10230-1'));
    // (Synthea writes two LVEF values at the same time; both become 84 %.)
    for (const o of lvef) (o.valueQuantity as { value: number }).value = 84;
    const r = calibrate(b);
    expect(r.prior?.reasons.join('\n')).toMatch(/heart failure without EF type/);
    const top = [...r.archetypes].sort((a, b) => b.posteriorWeight - a.posteriorWeight)[0]!;
    expect(top.label).toBe('hfpef');
    expect(weight(r, 'hfref')).toBeLessThan(0.1);
    // Without an echo gradient the valve is not identified: a hyperdynamic LV keeps some AS weight
    // (was labelled severe AS in issue 12), but the median gradient is normal.
    expect(weight(r, 'severe-as')).toBeLessThan(0.2);
    expect(r.outputs.avMeanGradientMmHg!.p50).toBeLessThan(10);
    expect(r.parameters.find((p) => p.name === 'aorticValveEoaCm2')!.identifiability).toBe('not identified (prior-dominated)');
    expect(r.capability?.deceased).toBe(true);
    expect(r.capability?.canForecast).toBe(false);
  });

  it('uses therapy: beta-blocker lowers the HR prior; lisinopril, amlodipine, HCTZ are engine classes, not "other"', () => {
    const meds = ['Lisinopril 10 MG Oral Tablet', 'Amlodipine 5 MG Oral Tablet', 'Hydrochlorothiazide 25 MG', '24 HR metoprolol succinate 100 MG Extended Release Oral Tablet [Toprol]'].map((text) => ({ text }));
    const bundle = person('1950-01-01', [{ at: '2026-12-01T10:00:00Z', sbp: 138, dbp: 84, hr: 64 }], [{ coding: [{ system: 'http://snomed.info/sct', code: '59621000' }], text: 'Hypertension' }], meds);
    const r = calibrate(bundle);
    expect(r.therapy?.map((m) => [m.drug, m.doseMg, m.route]).sort()).toEqual([
      ['ace-inhibitor', 10, 'oral'],
      ['calcium-channel-blocker', 5, 'oral'],
      ['metoprolol', 100, 'oral'],
      ['thiazide', 25, 'oral'],
    ]);
    expect(r.prior?.reasons.join('\n')).toMatch(/HR prior ×0.88/);
    expect(r.archetypes.map((a) => a.label)).toContain('hypertensive');
    expect(r.archetypes.map((a) => a.label)).not.toContain('healthy');
  });

  it('names aged inputs and weighs them less', () => {
    const r = calibrate(
      person('1950-01-01', [
        { at: '2022-11-30T20:00:00Z', sbp: 150, dbp: 90, hr: 80 },
        { at: '2026-12-01T10:00:00Z', sbp: 120, dbp: 75, hr: 66 },
      ]),
    );
    // The latest of each kind is fitted: all fresh, nothing aged.
    expect(r.inputs.aged).toEqual([]);
    const echo = person('1950-01-01', [{ at: '2026-12-01T10:00:00Z', sbp: 120, dbp: 75, hr: 66 }]);
    (echo.entry as unknown[]).push({ resource: { resourceType: 'Observation', id: 'ef', status: 'final', effectiveDateTime: '2022-11-30T20:00:00Z', ...q('10230-1', 55, '%') } });
    const r2 = calibrate(echo);
    expect(r2.inputs.aged).toEqual([expect.stringMatching(/^lvefFraction 4\.0 y older than the newest input \(weight ×0\.20\)$/)]);
    const ef = r2.inputs.used.find((u) => u.kind === 'lvefFraction')!;
    expect(ef.sdFactor).toBeCloseTo(ageInflation(4 * 365.25), 2);
  });
});

describe('priorFromRecord and the drug table', () => {
  it('uses age prevalence for undiagnosed disease (Bleumink 2004; Osnabrugge 2013)', () => {
    expect(undiagnosedPrevalence(80)).toEqual({ hf: 0.097, severeAs: 0.034 });
    expect(undiagnosedPrevalence(30)).toEqual({ hf: 0.005, severeAs: 0.002 });
    const p = priorFromRecord({ sex: 'M', ageYears: 30, heightCm: 178, weightKg: 80 }, [], []);
    expect(p.archetypes.find((a) => a.label === 'healthy')!.weight).toBeGreaterThan(0.99);
  });

  it('coded HFrEF and AS dominate the prior', () => {
    const cond = (category: 'hfref' | 'aortic-stenosis') => ({ category, text: category, code: undefined, system: undefined, active: true, onset: undefined, abatement: undefined, source: `Condition/${category}` });
    const p = priorFromRecord({ sex: 'F', ageYears: 80, heightCm: 160, weightKg: 60 }, [cond('hfref'), cond('aortic-stenosis')], []);
    const w = Object.fromEntries(p.archetypes.map((a) => [a.label, a.weight]));
    expect(w.hfref! + w['severe-as']! + w['moderate-as']!).toBeGreaterThan(0.9);
  });

  it('parses doses and routes from RxNorm product texts', () => {
    expect(doseMgOf('Lasix 40mg')).toBe(40);
    expect(doseMgOf('10 ML Furosemide 10 MG/ML Injection')).toBeUndefined();
    expect(mapMedication({ resourceType: 'MedicationRequest', id: 'x', status: 'active', medicationCodeableConcept: { text: '10 ML Furosemide 10 MG/ML Injection' } })).toMatchObject({ drug: 'furosemide', route: 'iv' });
    expect(mapMedication({ resourceType: 'MedicationRequest', id: 'y', status: 'stopped', medicationCodeableConcept: { coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '29046' }] } })).toMatchObject({
      drug: 'ace-inhibitor',
      current: false,
    });
    expect(mapMedication({ resourceType: 'MedicationRequest', id: 'z', medicationCodeableConcept: { text: 'Digoxin 0.125 MG Oral Tablet' } })?.drug).toBeUndefined();
  });
});
