// The drug list records import (issue 11 contract): every DRUG_NAMES entry has a reference dose
// the scenario validator accepts, and chronic classes act at steady state from the dose.
import { describe, expect, it } from 'vitest';
import { CHRONIC_DRUG_CLASSES, MODELLED_DRUGS, modelledDrug } from './drugs';
import { InputSchedule } from './interventions';
import { validateScenario } from './scenario';

describe('modelled drugs (records contract)', () => {
  it('lists every drug with a reference dose that a scenario accepts', () => {
    expect(MODELLED_DRUGS.map((d) => d.name)).toEqual(expect.arrayContaining(['metoprolol', 'furosemide', ...CHRONIC_DRUG_CLASSES]));
    for (const d of MODELLED_DRUGS) {
      const iv = { type: 'drug', atSec: 0, drug: d.name, ...d.referenceDose };
      expect(() => validateScenario({ preset: 'healthy', interventions: [iv] }), d.name).not.toThrow();
    }
  });

  it('chronic classes are oral maintenance regimens at steady state from the time given', () => {
    for (const name of CHRONIC_DRUG_CLASSES) {
      const d = modelledDrug(name);
      expect(d.maintenance).toBe(true);
      expect(d.routes).toEqual(['oral']);
      const s = new InputSchedule([{ type: 'drug', atSec: 0, drug: name, doseMg: (d.referenceDose as { doseMg: number }).doseMg, route: 'oral' }], 75, 3.5);
      const c0 = s.concentrationNgPerMl(name);
      expect(c0).toBeGreaterThan(0);
      s.advanceTo(48 * 3600);
      // Held at its average steady-state level (a maintained regimen), within round-off.
      expect(s.concentrationNgPerMl(name)).toBeCloseTo(c0, 6);
    }
  });
});
