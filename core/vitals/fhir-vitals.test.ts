import { readFileSync, readdirSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hasSharedData, sharedDataPath } from '../../test-support/shared-data';
import { EXPECTED_CALIBRATION_INPUTS, VITAL_KINDS, ingestFhirVitals } from './fhir-vitals';

const R4 = ['fhir', 'r4-official-examples'];
const SYNTHEA = ['fhir', 'synthea'];

function readJson(...parts: string[]): unknown {
  return JSON.parse(readFileSync(sharedDataPath(...parts), 'utf8')) as unknown;
}

function obs(code: string, valueQuantity: unknown, extra: Record<string, unknown> = {}) {
  return {
    resourceType: 'Observation',
    id: `o-${code}`,
    status: 'final',
    code: { coding: [{ system: 'http://loinc.org', code }] },
    effectiveDateTime: '2024-01-01T10:00:00Z',
    valueQuantity,
    ...extra,
  };
}

const ucum = (value: number, code: string) => ({ value, code, system: 'http://unitsofmeasure.org' });

describe('ingestFhirVitals on the official R4 examples', () => {
  it.skipIf(!hasSharedData(...R4))('reads the vital-sign examples in canonical units', () => {
    const files = [
      'Observation-heart-rate.json',
      'Observation-blood-pressure.json',
      'Observation-respiratory-rate.json',
      'Observation-satO2.json',
      'Observation-body-temperature.json',
      'Observation-body-height.json',
      'Observation-example.json',
      'Observation-mbp.json',
    ].map((f) => readJson(...R4, f));
    const r = ingestFhirVitals(files);
    expect(r.rejected).toEqual([]);
    expect(r.latest.hrBpm?.value).toBe(44);
    expect(r.latest.sbpMmHg?.value).toBe(107);
    expect(r.latest.dbpMmHg?.value).toBe(60);
    expect(r.latest.mapMmHg?.value).toBe(80);
    expect(r.latest.rrPerMin?.value).toBe(26);
    // 95 % → 0.95, flagged converted.
    expect(r.latest.spo2Fraction?.value).toBeCloseTo(0.95, 12);
    expect(r.latest.spo2Fraction?.converted).toBe(true);
    expect(r.latest.temperatureC?.value).toBe(36.5);
    expect(r.latest.temperatureC?.converted).toBe(false);
    // 66.9 [in_i] = 169.926 cm; 185 [lb_av] = 83.915 kg (exact UCUM factors).
    expect(r.latest.heightCm?.value).toBeCloseTo(169.926, 9);
    expect(r.latest.heightCm?.converted).toBe(true);
    expect(r.latest.weightKg?.value).toBeCloseTo(83.91458845, 6);
    expect(r.converted.map((o) => o.kind).sort()).toEqual(['heightCm', 'spo2Fraction', 'weightKg']);
    expect(r.missing).toEqual(
      expect.arrayContaining(['lvefFraction', 'lvedvMl', 'lvesvMl', 'avAreaCm2', 'avMeanGradientMmHg']),
    );
    expect(r.missing).not.toContain('hrBpm');
  });

  it.skipIf(!hasSharedData(...R4))('rejects cancelled and data-absent readings with reasons', () => {
    const r = ingestFhirVitals([
      readJson(...R4, 'Observation-blood-pressure-cancel.json'),
      readJson(...R4, 'Observation-blood-pressure-dar.json'),
    ]);
    expect(r.rejected.some((x) => /status "cancelled"/.test(x.reason))).toBe(true);
    expect(r.rejected.some((x) => x.kind === 'dbpMmHg' && /data absent: not-performed/.test(x.reason))).toBe(true);
    expect(r.latest.sbpMmHg?.value).toBe(107);
    expect(r.latest.dbpMmHg).toBeUndefined();
  });

  it.skipIf(!hasSharedData(...R4))('never throws on any official example resource', () => {
    const dir = sharedDataPath(...R4);
    let n = 0;
    for (const f of readdirSync(dir)) {
      if (!f.endsWith('.json')) continue;
      const r = ingestFhirVitals(JSON.parse(readFileSync(`${dir}/${f}`, 'utf8')) as unknown);
      for (const o of r.observations) expect(Number.isFinite(o.value)).toBe(true);
      n++;
    }
    expect(n).toBeGreaterThan(600);
  });
});

describe('ingestFhirVitals on the Synthea heart-failure bundles', () => {
  it.skipIf(!hasSharedData(...SYNTHEA))('finds one patient, BP series, LVEF as a fraction, metoprolol and furosemide', () => {
    const dir = sharedDataPath(...SYNTHEA);
    const file = readdirSync(dir).find((f) => f.startsWith('Beatrice'));
    expect(file).toBeDefined();
    const r = ingestFhirVitals(JSON.parse(readFileSync(`${dir}/${file}`, 'utf8')) as unknown);
    expect(r.patients).toHaveLength(1);
    expect(r.patients[0]?.sex).toBe('F');
    // Born 1926-06-06, last observation in 2012–2013 → age 86.
    expect(r.patients[0]?.ageYears).toBeGreaterThanOrEqual(85);
    expect(r.patients[0]?.ageYears).toBeLessThan(88);
    expect(r.observations.filter((o) => o.kind === 'sbpMmHg')).toHaveLength(10);
    expect(r.observations.filter((o) => o.kind === 'dbpMmHg')).toHaveLength(10);
    expect(r.observations.filter((o) => o.kind === 'lvefFraction')).toHaveLength(2);
    const ef = r.latest.lvefFraction;
    expect(ef?.converted).toBe(true);
    expect(ef?.value).toBeGreaterThan(0.05);
    expect(ef?.value).toBeLessThan(0.9);
    expect(r.missing).toContain('hrBpm');
    expect(r.missing).not.toContain('sbpMmHg');
    expect(r.medications.find((m) => m.drug === 'metoprolol')?.drugClass).toBe('beta-blocker');
    expect(r.medications.find((m) => m.drug === 'furosemide')).toBeDefined();
    // Observations are time-ordered.
    const times = r.observations.map((o) => o.timeMs ?? 0);
    expect([...times].sort((a, b) => a - b)).toEqual(times);
  });
});

describe('ingestFhirVitals unit handling and plausibility', () => {
  it('converts kPa, [degF], cm/s, mm2, L and flags each conversion', () => {
    const r = ingestFhirVitals([
      obs('8478-0', ucum(12, 'kPa')),
      obs('8310-5', ucum(98.6, '[degF]')),
      obs('79964-3', ucum(420, 'cm/s')),
      obs('79956-9', ucum(70, 'mm2')),
      obs('79996-5', ucum(0.15, 'L')),
      obs('79962-7', ucum(45, 'mm[Hg]')),
    ]);
    expect(r.rejected).toEqual([]);
    expect(r.latest.mapMmHg?.value).toBeCloseTo(90.0074, 4); // 12 kPa × 760/101.325
    expect(r.latest.temperatureC?.value).toBeCloseTo(37, 9);
    expect(r.latest.avPeakVelocityMPerS?.value).toBeCloseTo(4.2, 12);
    expect(r.latest.avAreaCm2?.value).toBeCloseTo(0.7, 12);
    expect(r.latest.lvedvMl?.value).toBeCloseTo(150, 9);
    expect(r.latest.avMeanGradientMmHg?.converted).toBe(false);
    expect(r.converted).toHaveLength(5);
  });

  it('rejects an unknown unit with a reason naming it, and a value without a unit', () => {
    const r = ingestFhirVitals([obs('8867-4', ucum(70, 'mm[Hg]')), obs('29463-7', { value: 70 })]);
    expect(r.observations).toEqual([]);
    expect(r.rejected[0]?.reason).toMatch(/unknown unit "mm\[Hg\]" for hrBpm/);
    expect(r.rejected[1]?.reason).toMatch(/no unit/);
    expect(r.missing).toContain('hrBpm');
  });

  it('flags HR > 300, SBP below DBP, and EF fraction written as percent', () => {
    const bp = {
      resourceType: 'Observation',
      id: 'bp',
      status: 'final',
      code: { coding: [{ system: 'http://loinc.org', code: '85354-9' }] },
      effectiveDateTime: '2024-01-01T10:00:00Z',
      component: [
        { code: { coding: [{ system: 'http://loinc.org', code: '8480-6' }] }, valueQuantity: ucum(70, 'mm[Hg]') },
        { code: { coding: [{ system: 'http://loinc.org', code: '8462-4' }] }, valueQuantity: ucum(80, 'mm[Hg]') },
      ],
    };
    const r = ingestFhirVitals([obs('8867-4', ucum(320, '/min')), bp, obs('10230-1', ucum(0.55, '%'))]);
    expect(r.implausible.map((o) => o.kind).sort()).toEqual(['dbpMmHg', 'hrBpm', 'lvefFraction', 'sbpMmHg']);
    expect(r.implausible.find((o) => o.kind === 'hrBpm')?.implausible).toMatch(/outside plausible range/);
    expect(r.implausible.find((o) => o.kind === 'sbpMmHg')?.implausible).toMatch(/systolic below diastolic/);
    expect(r.implausible.find((o) => o.kind === 'lvefFraction')?.implausible).toMatch(/fraction recorded with unit %/);
    // Implausible values never become the "latest" input.
    expect(r.latest.hrBpm).toBeUndefined();
    expect(r.missing).toEqual(expect.arrayContaining(['hrBpm', 'sbpMmHg', 'dbpMmHg', 'lvefFraction']));
  });

  it('keeps the most recent plausible value as latest', () => {
    const r = ingestFhirVitals([
      obs('8867-4', ucum(90, '/min'), { id: 'late', effectiveDateTime: '2024-02-01T00:00:00Z' }),
      obs('8867-4', ucum(70, '/min'), { id: 'early', effectiveDateTime: '2024-01-01T00:00:00Z' }),
    ]);
    expect(r.latest.hrBpm?.value).toBe(90);
    expect(r.latest.hrBpm?.source).toBe('Observation/late');
  });

  it('reports every patient in a multi-patient input and ages at a given reference time', () => {
    const r = ingestFhirVitals(
      {
        resourceType: 'Bundle',
        type: 'collection',
        entry: [
          { resource: { resourceType: 'Patient', id: 'a', gender: 'male', birthDate: '1950-01-01' } },
          { resource: { resourceType: 'Patient', id: 'b', gender: 'female', birthDate: '1980-06-01' } },
        ],
      },
      { referenceTime: '2020-01-02T00:00:00Z' },
    );
    expect(r.patients.map((p) => [p.sex, Math.floor(p.ageYears ?? -1)])).toEqual([
      ['M', 70],
      ['F', 39],
    ]);
  });

  it('resolves a MedicationStatement through medicationReference', () => {
    const r = ingestFhirVitals({
      resourceType: 'Bundle',
      type: 'collection',
      entry: [
        { fullUrl: 'urn:uuid:m1', resource: { resourceType: 'Medication', id: 'm1', code: { text: 'Dobutamine 250 mg/20 mL' } } },
        { resource: { resourceType: 'MedicationStatement', id: 's1', status: 'active', medicationReference: { reference: 'urn:uuid:m1' } } },
      ],
    });
    expect(r.medications).toEqual([expect.objectContaining({ drug: 'dobutamine', drugClass: 'inotrope', status: 'active' })]);
  });
});

describe('ingestFhirVitals fuzz', () => {
  const code = fc.constantFrom('8867-4', '85354-9', '55284-4', '8480-6', '10230-1', '29463-7', '8302-2', '59408-5', 'x', '');
  const unit = fc.constantFrom('/min', 'mm[Hg]', '%', 'kg', '[lb_av]', 'cm', '[in_i]', 'Cel', '[degF]', 'kPa', 'furlong', '');
  const quantity = fc.oneof(
    fc.record({ value: fc.oneof(fc.double(), fc.integer(), fc.string()), code: unit, system: fc.constant('http://unitsofmeasure.org') }, { requiredKeys: [] }),
    fc.anything(),
  );
  const coding = fc.record({ system: fc.constantFrom('http://loinc.org', 'other'), code }, { requiredKeys: [] });
  const observation = fc.record(
    {
      resourceType: fc.constant('Observation'),
      id: fc.string(),
      status: fc.constantFrom('final', 'cancelled', 'amended', 'x'),
      code: fc.oneof(fc.record({ coding: fc.array(coding, { maxLength: 3 }) }), fc.anything()),
      effectiveDateTime: fc.oneof(fc.string(), fc.date({ noInvalidDate: true }).map((d) => d.toISOString())),
      valueQuantity: quantity,
      component: fc.oneof(fc.array(fc.record({ code: fc.record({ coding: fc.array(coding, { maxLength: 2 }) }), valueQuantity: quantity })), fc.anything()),
      dataAbsentReason: fc.anything(),
    },
    { requiredKeys: ['resourceType'] },
  );
  const resource = fc.oneof(
    observation,
    fc.record({ resourceType: fc.constantFrom('Patient'), gender: fc.anything(), birthDate: fc.oneof(fc.string(), fc.constant('1950-01-01')) }),
    fc.record({ resourceType: fc.constantFrom('MedicationRequest', 'MedicationStatement'), medicationCodeableConcept: fc.anything(), medicationReference: fc.anything() }),
    fc.anything(),
  );

  it('never throws, and every accepted value is finite, in its canonical unit and of a known kind', () => {
    fc.assert(
      fc.property(fc.oneof(fc.array(resource, { maxLength: 8 }), fc.record({ resourceType: fc.constant('Bundle'), entry: fc.array(fc.record({ resource }), { maxLength: 8 }) }), fc.anything()), (input) => {
        const r = ingestFhirVitals(input);
        for (const o of r.observations) {
          expect(Number.isFinite(o.value)).toBe(true);
          expect(VITAL_KINDS).toContain(o.kind);
        }
        for (const k of r.missing) expect(EXPECTED_CALIBRATION_INPUTS).toContain(k);
        for (const x of r.rejected) expect(x.reason.length).toBeGreaterThan(0);
      }),
      { numRuns: 200, seed: 42 },
    );
  });
});
