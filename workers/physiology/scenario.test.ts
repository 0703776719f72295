// Scenario files and parameter resolution: every rejection names its key (PRODUCT.md), and the
// patient-trait refinements match their formulas.
import { describe, expect, it } from 'vitest';
import { ScenarioError } from '../../core/domain/physiology';
import { PARAMETER_TABLE, fromLogVector, toLogVector, defaultParameters, LOG_PARAMETER_NAMES } from './parameters';
import { bodySurfaceAreaM2, nadlerBloodVolumeMl, resolveParameters } from './presets';
import { validateScenario } from './scenario';

const PRODUCT_EXAMPLE = {
  preset: 'severe-as',
  patient: { sex: 'F', ageYears: 72, heightCm: 165, weightKg: 70 },
  parameters: { aorticValveEoaCm2: 0.7 },
  interventions: [
    { atSec: 60, type: 'tavr', eoaCm2: 1.7 },
    { atSec: 0, type: 'drug', drug: 'metoprolol', doseMg: 50, route: 'oral' },
    { atSec: 0, type: 'drug', drug: 'dobutamine', rateMcgPerKgPerMin: 10 },
    { atSec: 0, type: 'fluid', volumeMl: 500, overSec: 900 },
    { atSec: 0, type: 'hemorrhage', volumeMl: 1000, overSec: 600 },
    { atSec: 0, type: 'pacing', hrBpm: 90 },
  ],
  durationSec: 3600,
  ensemble: 200,
  seed: 1,
};

function keyOf(json: unknown): string {
  try {
    validateScenario(json);
  } catch (err) {
    expect(err).toBeInstanceOf(ScenarioError);
    return (err as ScenarioError).key;
  }
  throw new Error('expected a ScenarioError');
}

describe('validateScenario', () => {
  it('accepts the PRODUCT.md example unchanged', () => {
    const s = validateScenario(structuredClone(PRODUCT_EXAMPLE));
    expect(s.preset).toBe('severe-as');
    expect(s.interventions).toHaveLength(6);
    expect(s.interventions?.[1]).toEqual({ type: 'drug', atSec: 0, drug: 'metoprolol', doseMg: 50, route: 'oral' });
    expect(s.ensemble).toBe(200);
  });

  it.each([
    [{ presett: 'healthy' }, 'presett'],
    [{ duration: 60 }, 'duration'],
    [{ preset: 'athlete' }, 'preset'],
    [{ patient: { sex: 'F', ageYears: 72, height: 165, weightKg: 70 } }, 'patient.height'],
    [{ patient: { sex: 'X', ageYears: 72, heightCm: 165, weightKg: 70 } }, 'patient.sex'],
    [{ patient: { sex: 'F', ageYears: 72, heightCm: 1.65, weightKg: 70 } }, 'patient.heightCm'],
    [{ patient: { sex: 'F', ageYears: 72, heightCm: 165 } }, 'patient.weightKg'],
    [{ parameters: { aorticValveEoa: 0.7 } }, 'parameters.aorticValveEoa'],
    [{ parameters: { aorticValveEoaCm2: 0 } }, 'parameters.aorticValveEoaCm2'],
    [{ parameters: { heartRateBpm: '70' } }, 'parameters.heartRateBpm'],
    [{ interventions: {} }, 'interventions'],
    [{ interventions: [{ atSec: 0, type: 'surgery' }] }, 'interventions[0].type'],
    [{ interventions: [{ type: 'tavr', eoaCm2: 1.7 }] }, 'interventions[0].atSec'],
    [{ interventions: [{ atSec: -5, type: 'tavr', eoaCm2: 1.7 }] }, 'interventions[0].atSec'],
    [{ interventions: [{ atSec: 0, type: 'tavr', eoa: 1.7 }] }, 'interventions[0].eoa'],
    [{ interventions: [{ atSec: 0, type: 'drug', drug: 'metoprolol', dose: 50, route: 'oral' }] }, 'interventions[0].dose'],
    [{ interventions: [{ atSec: 0, type: 'drug', drug: 'metoprolol', doseMg: -50, route: 'oral' }] }, 'interventions[0].doseMg'],
    [{ interventions: [{ atSec: 0, type: 'drug', drug: 'metoprolol', doseMg: 5000, route: 'oral' }] }, 'interventions[0].doseMg'],
    [{ interventions: [{ atSec: 0, type: 'drug', drug: 'metoprolol', doseMg: 50, route: 'im' }] }, 'interventions[0].route'],
    [{ interventions: [{ atSec: 0, type: 'drug', drug: 'metoprolol', rateMcgPerKgPerMin: 1 }] }, 'interventions[0].rateMcgPerKgPerMin'],
    [{ interventions: [{ atSec: 0, type: 'drug', drug: 'dobutamine', doseMg: 5, route: 'iv' }] }, 'interventions[0].rateMcgPerKgPerMin'],
    [{ interventions: [{ atSec: 0, type: 'drug', drug: 'aspirin', doseMg: 5, route: 'oral' }] }, 'interventions[0].drug'],
    [{ interventions: [{ atSec: 0, type: 'fluid', volumeMl: 500 }] }, 'interventions[0].overSec'],
    [{ interventions: [{ atSec: 0, type: 'hemorrhage', volumeMl: 9000, overSec: 60 }] }, 'interventions[0].volumeMl'],
    [{ interventions: [{ atSec: 0, type: 'pacing', hrBpm: 400 }] }, 'interventions[0].hrBpm'],
    [{ durationSec: 60, interventions: [{ atSec: 120, type: 'pacing', hrBpm: 80 }] }, 'interventions[0].atSec'],
    [{ ensemble: 2.5 }, 'ensemble'],
    [{ durationSec: 0 }, 'durationSec'],
  ])('rejects %j naming %s', (json, key) => {
    expect(keyOf(json)).toBe(key);
  });

  it('tells the user the unit-suffixed name when the unit is missing', () => {
    expect(() => validateScenario({ parameters: { aorticValveEoa: 1 } })).toThrow(/aorticValveEoaCm2/);
    expect(() => validateScenario({ interventions: [{ atSec: 0, type: 'fluid', volume: 500, overSec: 60 }] })).toThrow(/volumeMl/);
  });

  it('rejects non-objects', () => {
    expect(keyOf(null)).toBe('scenario');
    expect(keyOf([1, 2])).toBe('scenario');
  });
});

describe('resolveParameters', () => {
  it('Nadler blood volume (reference values from the formula)', () => {
    // Male 175 cm, 75 kg: 0.3669·1.75³ + 0.03219·75 + 0.6041 = 4.98470 L.
    expect(nadlerBloodVolumeMl({ sex: 'M', heightCm: 175, weightKg: 75 })).toBeCloseTo(4984.70, 1);
    // Female 165 cm, 70 kg: 0.3561·1.65³ + 0.03308·70 + 0.1833 = 4.09854 L.
    expect(nadlerBloodVolumeMl({ sex: 'F', heightCm: 165, weightKg: 70 })).toBeCloseTo(4098.54, 1);
    expect(bodySurfaceAreaM2({ heightCm: 180, weightKg: 80 })).toBeCloseTo(2, 10);
  });

  it('scales blood volume and resistance to the patient, then applies overrides', () => {
    const ref = resolveParameters({});
    const small = resolveParameters({ preset: 'healthy', patient: { sex: 'F', ageYears: 45, heightCm: 160, weightKg: 55 } });
    expect(small.bloodVolumeMl).toBeLessThan(ref.bloodVolumeMl * 0.8);
    expect(small.sysArtResistanceMmHgSPerMl).toBeGreaterThan(ref.sysArtResistanceMmHgSPerMl);
    const over = resolveParameters({ preset: 'severe-as', parameters: { aorticValveEoaCm2: 0.9 } });
    expect(over.aorticValveEoaCm2).toBe(0.9);
    expect(resolveParameters({ preset: 'severe-as' }).aorticValveEoaCm2).toBe(0.7);
    expect(resolveParameters({ preset: 'hfref' }).lvEaMmHgPerMl).toBeLessThan(ref.lvEaMmHgPerMl / 2);
  });

  it('rejects unknown and out-of-range overrides with the key', () => {
    expect(() => resolveParameters({ parameters: { lvEa: 2 } as never })).toThrow(ScenarioError);
    expect(() => resolveParameters({ parameters: { lvEaMmHgPerMl: 100 } })).toThrow(/parameters\.lvEaMmHgPerMl/);
  });
});

describe('parameter table', () => {
  it('every entry has a unit, a source, a default inside its bounds, and positive bounds when log-scaled', () => {
    for (const s of PARAMETER_TABLE) {
      expect(s.unit.length, s.name).toBeGreaterThan(0);
      expect(s.source.length, s.name).toBeGreaterThan(3);
      expect(s.defaultValue, s.name).toBeGreaterThanOrEqual(s.min);
      expect(s.defaultValue, s.name).toBeLessThanOrEqual(s.max);
      if (s.logScale) expect(s.min, s.name).toBeGreaterThan(0);
    }
  });

  it('log vectors round-trip and clamp to bounds', () => {
    const p = defaultParameters();
    const v = toLogVector(p);
    const back = fromLogVector(p, v);
    for (const n of LOG_PARAMETER_NAMES) expect(back[n], n).toBeCloseTo(p[n], 9);
    const i = LOG_PARAMETER_NAMES.indexOf('lvEaMmHgPerMl');
    v[i] = Math.log(1e6);
    expect(fromLogVector(p, v).lvEaMmHgPerMl).toBe(12);
  });
});
