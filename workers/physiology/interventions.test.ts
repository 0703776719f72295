// Haemodilution (issue 11): haematocrit from the fluid kinetics and blood viscosity from Pries
// 1992's tube-flow law.
import { describe, expect, it } from 'vitest';
import { InputSchedule, relativeBloodViscosity, viscosityResistanceRatio } from './interventions';
import { ModelContext } from './model';
import { defaultParameters } from '../../core/domain/parameters';

describe('blood viscosity (Pries AR et al. Am J Physiol 1992;263:H1770–8, large-tube limit)', () => {
  it('is 3.2 at a haematocrit of 0.45, 1 for plasma, and rises with haematocrit', () => {
    expect(relativeBloodViscosity(0.45)).toBeCloseTo(3.2, 10);
    expect(relativeBloodViscosity(0)).toBeCloseTo(1, 10);
    expect(relativeBloodViscosity(0.3)).toBeLessThan(relativeBloodViscosity(0.4));
    expect(viscosityResistanceRatio(0.4, 0.4)).toBe(1);
  });
});

describe('haematocrit and resistance under fluids and bleeding', () => {
  it('3 L of saline over 3 h dilutes the blood and lowers systemic resistance by ≈ 10 %', () => {
    const s = new InputSchedule([{ type: 'fluid', atSec: 0, volumeMl: 3000, overSec: 3 * 3600 }], 75, 3.5, 5000);
    s.advanceTo(3 * 3600);
    // Red cells unchanged, plasma expanded by what stays in the vessels (Hahn kinetics ≈ 0.6 L).
    expect(s.haematocrit()).toBeCloseTo((0.4 * 5000) / (5000 + s.externalVolumeMl()), 10);
    expect(s.haematocrit()).toBeLessThan(0.37);
    const ctx = new ModelContext(defaultParameters());
    s.applyTo(ctx);
    expect(ctx.resistanceMultiplier).toBeGreaterThan(0.85);
    expect(ctx.resistanceMultiplier).toBeLessThan(0.95);
  });

  it('a bleed removes red cells with the blood (haematocrit unchanged at first) and refill then dilutes', () => {
    const s = new InputSchedule([{ type: 'hemorrhage', atSec: 0, volumeMl: 1000, overSec: 600 }], 75, 3.5, 5000);
    s.advanceTo(600);
    expect(s.redCellLossMl).toBeGreaterThan(390);
    expect(s.redCellLossMl).toBeLessThan(400);
    const early = s.haematocrit();
    s.advanceTo(600 + 3600);
    expect(s.haematocrit()).toBeLessThan(early - 0.02);
  });
});
