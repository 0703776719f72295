import { describe, expect, it } from 'vitest';
import { ingestFhirVitals } from '../../../core/vitals/fhir-vitals';
import { observationsFromVitals } from './calibrate';
import { NOISE_MODELS, OUTPUT_KEYS, noiseSd } from '../../../core/vitals/observation-model';

const ucum = (value: number, code: string) => ({ value, code, system: 'http://unitsofmeasure.org' });
const obs = (id: string, code: string, valueQuantity: unknown) => ({
  resourceType: 'Observation',
  id,
  status: 'final',
  code: { coding: [{ system: 'http://loinc.org', code }] },
  effectiveDateTime: '2024-03-01T08:00:00Z',
  valueQuantity,
});
const bp = (id: string, sbp: number, dbp: number) => ({
  resourceType: 'Observation',
  id,
  status: 'final',
  code: { coding: [{ system: 'http://loinc.org', code: '85354-9' }] },
  effectiveDateTime: '2024-03-01T08:00:00Z',
  component: [
    { code: { coding: [{ system: 'http://loinc.org', code: '8480-6' }] }, valueQuantity: ucum(sbp, 'mm[Hg]') },
    { code: { coding: [{ system: 'http://loinc.org', code: '8462-4' }] }, valueQuantity: ucum(dbp, 'mm[Hg]') },
  ],
});

describe('observationsFromVitals', () => {
  it('maps record kinds to model outputs and explains what it does not fit', () => {
    const v = ingestFhirVitals([
      { resourceType: 'Patient', id: 'p', gender: 'female', birthDate: '1950-01-01' },
      obs('hr', '8867-4', ucum(72, '/min')),
      bp('bp', 130, 80),
      obs('map', '8478-0', ucum(97, 'mm[Hg]')),
      obs('ef', '10230-1', ucum(55, '%')),
      obs('spo2', '59408-5', ucum(97, '%')),
      obs('wt', '29463-7', ucum(154, '[lb_av]')),
      obs('bad', '8867-4', ucum(70, 'kg')),
    ]);
    const { observations, inputs } = observationsFromVitals(v);
    expect(observations.map((o) => o.key).sort()).toEqual(['dbpMmHg', 'ef', 'hrBpm', 'sbpMmHg']);
    expect(observations.find((o) => o.key === 'ef')!.value).toBeCloseTo(0.55, 12);
    expect(inputs.notUsedByModel.map((n) => n.kind).sort()).toEqual(['mapMmHg', 'spo2Fraction', 'weightKg']);
    expect(inputs.notUsedByModel.find((n) => n.kind === 'mapMmHg')!.reason).toMatch(/no independent information/);
    expect(inputs.converted.map((c) => c.kind).sort()).toEqual(['lvefFraction', 'spo2Fraction', 'weightKg']);
    expect(inputs.rejected[0]!.reason).toMatch(/unknown unit "kg" for hrBpm/);
    // 11 expected inputs; present: HR, SBP, DBP, EF, weight → 6 missing.
    expect(inputs.missing).toHaveLength(6);
    expect(inputs.missingFraction).toBeCloseTo(6 / 11, 12);
  });

  it('fits MAP when the cuff reading lacks SBP or DBP', () => {
    const v = ingestFhirVitals([obs('map', '8478-0', ucum(97, 'mm[Hg]')), obs('hr', '8867-4', ucum(72, '/min'))]);
    expect(observationsFromVitals(v).observations.map((o) => o.key).sort()).toEqual(['hrBpm', 'mapMmHg']);
  });
});

describe('noise models', () => {
  it('cover every model output and combine absolute and relative parts in quadrature', () => {
    for (const k of OUTPUT_KEYS) expect(NOISE_MODELS[k as keyof typeof NOISE_MODELS]).toBeDefined();
    expect(noiseSd('sbpMmHg', 120)).toBe(8); // AAMI/ISO 81060-2 limit
    expect(noiseSd('ef', 0.3)).toBe(0.05);
    expect(noiseSd('hrBpm', 80)).toBeCloseTo(Math.sqrt(9 + 16), 12); // 3 bpm ⊕ 5 % of 80
  });
});
