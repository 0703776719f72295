import { describe, expect, it } from 'vitest';
import { ingestFhirVitals } from './fhir-vitals';
import { buildVitalSeries, FLAG_CONVERTED, FLAG_IMPLAUSIBLE, seriesSpan } from './vitalSeries';

const o = (id: string, code: string, value: number, unit: string, t: string) => ({
  resourceType: 'Observation',
  id,
  status: 'final',
  code: { coding: [{ system: 'http://loinc.org', code }] },
  effectiveDateTime: t,
  valueQuantity: { value, unit, system: 'http://unitsofmeasure.org', code: unit },
});

describe('buildVitalSeries', () => {
  it('sorts by time and keeps implausible and converted flags with their points', () => {
    const v = ingestFhirVitals([
      o('b', '8867-4', 80, '/min', '2026-01-01T01:00:00Z'),
      o('a', '8867-4', 400, '/min', '2026-01-01T00:00:00Z'),
      o('t', '8310-5', 98.6, '[degF]', '2026-01-01T00:30:00Z'),
      o('w', '29463-7', 70, 'kg', '2026-01-01T00:30:00Z'),
    ]);
    const s = buildVitalSeries(v.observations);
    const hr = s.get('hrBpm')!;
    expect([...hr.values]).toEqual([400, 80]);
    expect(hr.flags[0]! & FLAG_IMPLAUSIBLE).toBe(FLAG_IMPLAUSIBLE);
    expect(hr.flags[1]).toBe(0);
    expect(hr.sources).toEqual(['Observation/a', 'Observation/b']);
    const temp = s.get('temperatureC')!;
    expect(temp.values[0]).toBeCloseTo(37, 6);
    expect(temp.flags[0]! & FLAG_CONVERTED).toBe(FLAG_CONVERTED);
    expect(s.has('weightKg' as never)).toBe(false); // weight is not on the vitals timeline
    expect(seriesSpan(s)).toEqual({ startMs: Date.parse('2026-01-01T00:00:00Z'), endMs: Date.parse('2026-01-01T01:00:00Z') });
  });
});
