import { describe, expect, it } from 'vitest';
import { FEED_IDENTIFIER_SYSTEM, ifNoneExistFor, vitalsToObservations } from './observations';

describe('vitalsToObservations', () => {
  const sample = { effectiveIso: '2026-03-01T08:00:00.000Z', hrBpm: 72, sbpMmHg: 150, dbpMmHg: 80, spo2Pct: 96, rrPerMin: 18 };

  it('builds one LOINC/UCUM vital-sign Observation per vital, BP as a panel with components', () => {
    const obs = vitalsToObservations('demo-as-72f', sample, 'demo-as-72f:2026-03-01T08:00:00.000Z', 'Bedside monitor');
    const byCode = new Map(obs.map((o) => [o.resource.code?.coding?.[0]?.code, o.resource]));
    expect([...byCode.keys()].sort()).toEqual(['59408-5', '85354-9', '8867-4', '9279-1']);
    const hr = byCode.get('8867-4');
    expect(hr?.valueQuantity).toEqual({ value: 72, unit: 'beats/minute', system: 'http://unitsofmeasure.org', code: '/min' });
    expect(hr?.subject?.reference).toBe('Patient/demo-as-72f');
    expect(hr?.effectiveDateTime).toBe(sample.effectiveIso);
    expect(hr?.category?.[0]?.coding?.[0]?.code).toBe('vital-signs');
    const bp = byCode.get('85354-9');
    expect(bp?.valueQuantity).toBeUndefined();
    expect(bp?.component?.map((c) => [c.code.coding?.[0]?.code, c.valueQuantity?.value, c.valueQuantity?.code])).toEqual([
      ['8480-6', 150, 'mm[Hg]'],
      ['8462-4', 80, 'mm[Hg]'],
    ]);
    expect(byCode.get('59408-5')?.code?.coding?.map((c) => c.code)).toEqual(['59408-5', '2708-6']);
  });

  it('gives every vital of a reading its own stable identifier', () => {
    const a = vitalsToObservations('p', sample, 'k1', 'd');
    const b = vitalsToObservations('p', sample, 'k1', 'd');
    expect(a.map((o) => o.identifierValue)).toEqual(b.map((o) => o.identifierValue));
    expect(new Set(a.map((o) => o.identifierValue)).size).toBe(a.length);
    for (const o of a) expect(o.resource.identifier).toEqual([{ system: FEED_IDENTIFIER_SYSTEM, value: o.identifierValue }]);
  });

  it('leaves out vitals that were not measured', () => {
    const obs = vitalsToObservations('p', { effectiveIso: sample.effectiveIso, tempC: 36.9 }, 'k', 'd');
    expect(obs).toHaveLength(1);
    expect(obs[0]?.resource.valueQuantity).toMatchObject({ value: 36.9, code: 'Cel' });
  });

  it('formats the conditional-create header', () => {
    expect(ifNoneExistFor('a b&c')).toBe(`identifier=${FEED_IDENTIFIER_SYSTEM}|a%20b%26c`);
  });
});
