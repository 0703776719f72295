// Every sample record and generated edge case gets the archetype a clinician would expect
// (record-cases.ts says which and why), and the prior's rules hold on each: an echo LVEF decides
// the EF type (ESC 2021 bands), AS needs a diagnosis or a valve measurement (ESC/EACTS 2021),
// no diagnosis + no echo does not invent a disease. docs/real-records.md shows the same table.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { loadScaledTimeoutMs } from '../../../test-support/load';
import { assessTwinCapability } from '../../../core/domain/clinical-record';
import { ingestFhirVitals } from '../../../core/vitals/fhir-vitals';
import { calibrateFromRecord, clinicalInputsOf, TwinRefusedError } from './from-record';
import { EDGE_CASES, SYNTHEA_CASES, type RecordCase } from './record-cases';
import { asGrade, lvefBand, normalCdf } from './record-prior';

// Calibrations take seconds on an idle core and up to a minute on the shared 2-core machine.
vi.setConfig({ testTimeout: loadScaledTimeoutMs(60_000), hookTimeout: loadScaledTimeoutMs(120_000) });

const SYNTHEA = join(__dirname, '..', '..', '..', 'test-data', 'fhir', 'synthea');
const NOW = '2026-12-01T12:00:00Z';
const bundleOf = (c: RecordCase): unknown => c.bundle ?? JSON.parse(readFileSync(join(SYNTHEA, c.synthea!), 'utf8'));

describe.each([...SYNTHEA_CASES, ...EDGE_CASES])('$name', (c) => {
  it(`${c.expect.kind === 'archetype' ? `top archetype ${c.expect.top.join(' or ')}` : c.expect.kind}: ${c.expect.why}`, () => {
    const bundle = bundleOf(c);
    const clinical = clinicalInputsOf(bundle);
    const cap = assessTwinCapability(clinical.record, { now: NOW });
    if (c.expect.kind === 'refused') {
      expect(() => calibrateFromRecord(ingestFhirVitals(bundle), { clinical, now: NOW })).toThrow(TwinRefusedError);
      return;
    }
    if (c.expect.kind === 'no-calibration') {
      expect(cap.canCalibrate).toBe(false);
      return;
    }
    const r = calibrateFromRecord(ingestFhirVitals(bundle), { clinical, now: NOW, fit: { ensembleSize: 30, seed: 7 } });
    const w = (label: string) => r.archetypes.find((a) => a.label === label)?.posteriorWeight ?? 0;
    const top = [...r.archetypes].sort((a, b) => b.posteriorWeight - a.posteriorWeight)[0]!;
    expect(c.expect.top).toContain(top.label);

    // Rules of the prior, on every record.
    const used = (kind: string) => r.inputs.used.find((u) => u.kind === kind);
    const asCoded = clinical.record.conditions.some((x) => x.active && x.category === 'aortic-stenosis');
    const valveMeasured = ['avAreaCm2', 'avMeanGradientMmHg', 'avPeakVelocityMPerS'].some((k) => used(k));
    if (!asCoded && !valveMeasured) {
      expect(r.archetypes.map((a) => a.label)).not.toContain('severe-as');
      expect(r.archetypes.map((a) => a.label)).not.toContain('moderate-as');
      expect(r.outputs.avMeanGradientMmHg!.p50).toBeLessThan(10);
      expect(r.parameters.find((p) => p.name === 'aorticValveEoaCm2')!.posterior.p05).toBeGreaterThan(1.5);
    }
    const ef = used('lvefFraction');
    if (ef && ef.sdFactor < 1.5 && ef.value <= 0.36) expect(w('hfref')).toBeGreaterThan(0.6);
    if (ef && ef.sdFactor < 1.5 && ef.value >= 0.55) expect(w('hfref')).toBeLessThan(0.1);
    const hfCoded = clinical.record.conditions.some((x) => x.active && ['heart-failure', 'hfref', 'hfpef'].includes(x.category));
    if (!hfCoded && !ef) {
      // No diagnosis and no echo: BP and HR alone never make heart failure the likely answer.
      expect(w('hfref') + w('hfpef')).toBeLessThan(0.6);
    }
    if (cap.deceased) expect(r.capability?.canForecast).toBe(false);
  });
});

describe('record-prior building blocks', () => {
  it('normalCdf matches tabulated values (Abramowitz & Stegun table 26.1)', () => {
    expect(normalCdf(0)).toBeCloseTo(0.5, 7);
    expect(normalCdf(1.96)).toBeCloseTo(0.9750021, 6);
    expect(normalCdf(-1)).toBeCloseTo(0.1586553, 6);
  });

  it('LVEF bands follow ESC 2021 (≤ 40, 41–49, ≥ 50 %), soft by the echo SD of 0.05', () => {
    expect(lvefBand(0.25).reduced).toBeGreaterThan(0.99);
    expect(lvefBand(0.65).preserved).toBeGreaterThan(0.99);
    const mid = lvefBand(0.45);
    expect(mid.mid).toBeGreaterThan(0.6);
    expect(mid.reduced).toBeCloseTo(mid.preserved, 6);
    expect(lvefBand(0.4).reduced).toBeCloseTo(0.5, 6);
  });

  it('AS grades follow ESC/EACTS 2021 thresholds per measurement', () => {
    expect(asGrade({ kind: 'avAreaCm2', value: 0.7 }).severe).toBeGreaterThan(0.95);
    expect(asGrade({ kind: 'avAreaCm2', value: 1.25 }).moderate).toBeGreaterThan(0.7);
    expect(asGrade({ kind: 'avMeanGradientMmHg', value: 10 })).toMatchObject({ severe: expect.any(Number) });
    expect(asGrade({ kind: 'avMeanGradientMmHg', value: 10 }).severe + asGrade({ kind: 'avMeanGradientMmHg', value: 10 }).moderate).toBeLessThan(0.01);
    expect(asGrade({ kind: 'avPeakVelocityMPerS', value: 4.5 }).severe).toBeGreaterThan(0.9);
    expect(asGrade({ kind: 'avPeakVelocityMPerS', value: 4.0 }).severe).toBeCloseTo(0.5, 6);
  });
});
