import { describe, expect, it } from 'vitest';
import { conversionText, groupConversions, groupImplausible, unitOfFromText } from './provenanceSummary';

describe('provenance for people', () => {
  it('groups 781 SpO₂ conversions into one routine line', () => {
    const converted = Array.from({ length: 781 }, (_, i) => ({ kind: 'spo2Fraction' as const, from: `${95 + (i % 4)} %`, source: `Observation/s${i}` }));
    converted.push({ kind: 'sbpMmHg' as never, from: '16 kPa', source: 'Observation/k1' });
    const groups = groupConversions(converted);
    expect(groups).toHaveLength(2);
    expect(conversionText(groups[0]!)).toBe('SpO₂: 781 readings converted from % to fraction');
    expect(groups[0]!.routine).toBe(true);
    expect(groups[0]!.examples).toEqual(['Observation/s0', 'Observation/s1', 'Observation/s2']);
    // A pressure in kPa is not a routine bedside unit: shown as worth a look.
    expect(groups[1]).toMatchObject({ label: 'Systolic BP', fromUnit: 'kPa', count: 1, routine: false });
  });
  it('reads the unit from the calibration report text', () => {
    expect(unitOfFromText('97 %')).toBe('%');
    expect(unitOfFromText('98.6 [degF]')).toBe('[degF]');
    expect(unitOfFromText('0.97')).toBe('(no unit)');
  });
  it('counts implausible values per vital and reason', () => {
    const g = groupImplausible([
      { kind: 'hrBpm', value: 400, reason: 'outside 20–300 bpm' },
      { kind: 'hrBpm', value: 500, reason: 'outside 20–300 bpm' },
      { kind: 'temperatureC', value: 10, reason: 'outside 25–45 °C' },
    ]);
    expect(g[0]).toEqual({ kind: 'hrBpm', label: 'Heart rate', reason: 'outside 20–300 bpm', count: 2 });
  });
});
