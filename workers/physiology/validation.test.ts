// Validation against PHYSIOLOGY.md's tables (sources in each row and in the test name): healthy
// ranges, ACC/AHA stenosis grades, PARTNER TAVR gradients, the HFrEF archetype, the direction of
// every intervention and volume conservation. docs/validation.md is generated from the same rows.
import { describe, expect, it } from 'vitest';
import { runValidation, type ValidationRow } from './validation';

const rows: ValidationRow[] = runValidation();

describe('validation table (PHYSIOLOGY.md)', () => {
  it('covers every group the issue asks for', () => {
    const groups = new Set(rows.map((r) => r.group.split(' (')[0]!.split(',')[0]));
    for (const g of ['Healthy adult at rest', 'Severe AS', 'TAVR to EOA 1.7 cm²', 'HFrEF', 'Metoprolol 0.30 mg/kg IV', 'Nitroprusside 2 µg/kg/min', 'Fluid 500 mL over 15 min', 'Hemorrhage 1000 mL over 10 min', 'Dobutamine 10 µg/kg/min', 'Furosemide 40 mg IV', 'Pacing at 90 bpm', 'Conservation']) {
      expect(groups, g).toContain(g);
    }
    expect(rows.length).toBeGreaterThanOrEqual(38);
  });

  it.each(rows.map((r) => [`${r.group} — ${r.quantity}: ${r.target} [${r.source}]`, r] as const))('%s', (_name, r) => {
    expect(Number.isFinite(r.value), `${r.quantity} is not a number`).toBe(true);
    expect(r.pass, `${r.group} ${r.quantity} = ${r.value} ${r.unit}, target ${r.target}`).toBe(true);
  });
});
