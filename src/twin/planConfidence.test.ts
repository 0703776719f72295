// Confidence of a plan accepted from the twin, on real calibrations (the worker's API in-process):
// a live twin with its inputs needs no confirmation; the same record ten days later is stale and
// does; the missing inputs are named clinically.
import { describe, expect, it } from 'vitest';
import { calibrationApi } from '../../workers/physiology/calibration/api';
import { confidenceLine, planConfidence } from './planConfidence';

const T0 = Date.parse('2026-11-21T06:00:00Z');
const obs = (code: string, value: number, ucum: string, id: string, tMs: number) => ({
  resourceType: 'Observation',
  id,
  status: 'final',
  subject: { reference: 'Patient/p1' },
  code: { coding: [{ system: 'http://loinc.org', code }] },
  effectiveDateTime: new Date(tMs).toISOString(),
  valueQuantity: { value, unit: ucum, system: 'http://unitsofmeasure.org', code: ucum },
});
const record = [
  { resourceType: 'Patient', id: 'p1', gender: 'female', birthDate: '1954-03-01' },
  obs('8867-4', 72, '/min', 'hr1', T0 - 60_000),
  obs('8480-6', 128, 'mm[Hg]', 's1', T0 - 60_000),
  obs('8462-4', 78, 'mm[Hg]', 'd1', T0 - 60_000),
  obs('8302-2', 165, 'cm', 'h1', T0 - 86_400_000),
  obs('29463-7', 70, 'kg', 'w1', T0 - 86_400_000),
];
const calibrate = (nowMs: number) => calibrationApi.calibrateFromFhir(record, { now: new Date(nowMs).toISOString(), fit: { ensembleSize: 40 } });

describe('planConfidence', () => {
  it('names the missing inputs clinically and asks no confirmation of a live twin that is not low-confidence', () => {
    const cal = calibrate(T0);
    const p = planConfidence(cal);
    expect(p.asOf).toBeUndefined();
    expect(p.missing.length).toBe(cal.inputs.missing.length);
    // Echo values are absent from this record: named as clinicians read them, not as developer keys.
    expect(p.missing).toContain('LV ejection fraction');
    expect(p.missing.join(' ')).not.toMatch(/Fraction|MmHg/);
    expect(p.confirmReasons.length > 0).toBe(p.level === 'low');
    expect(confidenceLine(p)).toMatch(new RegExp(`^calibration confidence ${p.level}; missing inputs: .*LV ejection fraction`));
  }, 60_000);

  it('asks an explicit confirmation of a stale twin and says since when', () => {
    const p = planConfidence(calibrate(T0 + 10 * 86_400_000));
    expect(p.asOf?.slice(0, 10)).toBe('2026-11-21');
    expect(p.confirmReasons.some((r) => /^the twin is stale: last reading 10 days ago \(2026-11-21\)/.test(r))).toBe(true);
    expect(confidenceLine(p)).toMatch(/calibrated as of 2026-11-21 \(no live data\)$/);
  }, 60_000);
});
