// The joint-refit objective of scripts/fit-physiology.ts (issue 11): it sums every response row of
// the chosen population (capped squared relative errors), leaves the explained TAVR rows out and
// penalises out-of-range rows; a candidate naming a non-parameter or a foreign group is refused.
import { describe, expect, it } from 'vitest';
import { checkCandidate, drugEffect, score } from './fit-physiology';
import { DRUGS } from '../core/domain/drugs';
import { type ValidationRow } from '../workers/physiology/validation';

const row = (group: string, kind: 'response' | 'range', extra: Partial<ValidationRow>): ValidationRow => ({
  group,
  quantity: 'Δ SV',
  target: '',
  source: '',
  value: 0,
  unit: '%',
  grade: 'good',
  kind,
  pass: true,
  ...extra,
});

const rows: ValidationRow[] = [
  row('3 L saline over 3 h (healthy volunteers)', 'response', { relativeError: 0.35, grade: 'fail', pass: false }),
  row('Blood removal 1000 mL over 10 min (healthy men)', 'response', { relativeError: 5, grade: 'fail', pass: false }),
  row('Nitroprusside titrated, 30 min (HFrEF)', 'response', { relativeError: 0.5, grade: 'fail', pass: false }),
  row('TAVR to EOA 1.7 cm², severe AS', 'response', { relativeError: 2, grade: 'fail', pass: false }),
  row('HFrEF (decompensated) at rest', 'range', { grade: 'out of range', pass: false }),
  row('Healthy adult at rest', 'range', { grade: 'in range', pass: true }),
];

describe('fit-physiology objective', () => {
  it('sums capped squared relative errors by population, skips TAVR rows, adds 4 per out-of-range row', () => {
    // healthy: 0.35² + min(5, 3)² = 0.1225 + 9
    expect(score(rows, 'healthy')).toBeCloseTo(9.1225, 12);
    // hfref: 0.5² + 4 (its out-of-range row)
    expect(score(rows, 'hfref')).toBeCloseTo(4.25, 12);
    expect(score(rows, 'all')).toBeCloseTo(13.3725, 12);
  });

  it('refuses a candidate with a foreign group, an unknown parameter or a bad value, naming it', () => {
    expect(checkCandidate({ healthy: { sysVenComplianceMlPerMmHg: 120 } })).toEqual({ healthy: { sysVenComplianceMlPerMmHg: 120 } });
    expect(() => checkCandidate({ split: { reflex: 0.8 } })).toThrow(/"split"/);
    expect(() => checkCandidate({ hfref: { nope: 1 } })).toThrow(/"hfref\.nope" is not a model parameter/);
    expect(() => checkCandidate({ healthy: { sysVenComplianceMlPerMmHg: -1 } })).toThrow(/sysVenComplianceMlPerMmHg/);
    expect(() => checkCandidate([1])).toThrow(/JSON object/);
  });

  it('names a drug effect size as "<drug>.<target>" and keeps its published sign (round 9)', () => {
    const dobu = DRUGS.dobutamine.effects.find((e) => e.target === 'elastance')!;
    expect(drugEffect('dobutamine.elastance')).toBe(dobu);
    expect(checkCandidate({ drugs: { 'dobutamine.elastance': 0.5, 'nitroprusside.resistance': -0.9 } })).toEqual({ drugs: { 'dobutamine.elastance': 0.5, 'nitroprusside.resistance': -0.9 } });
    expect(() => checkCandidate({ drugs: { 'nitroprusside.resistance': 0.9 } })).toThrow(/published sign/);
    expect(() => checkCandidate({ drugs: { 'dobutamine.elastance': 0 } })).toThrow(/non-zero/);
    expect(() => drugEffect('aspirin.elastance')).toThrow(/"drugs\.aspirin\.elastance" is not/);
    expect(() => drugEffect('dobutamine.diuresisMlPerS')).toThrow(/no effect on "diuresisMlPerS"/);
    expect(() => drugEffect('dobutamine')).toThrow(/<drug>\.<target>/);
  });
});
