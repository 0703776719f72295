import { describe, expect, it } from 'vitest';
import type { RecordCalibrationResult } from '../../core/vitals/twin';
import type { IssuedForecast } from '../../core/vitals/forecastCoverage';
import { explainRecalibration } from './recalibration';

const H = 3_600_000;

function cal(sbp: number, svr: number, hr = 1): RecordCalibrationResult {
  return {
    inputs: {
      used: [
        { kind: 'sbpMmHg', output: 'sbpMmHg', value: sbp, source: `Observation/sbp-${sbp}`, converted: false },
        { kind: 'hrBpm', output: 'hrBpm', value: 70, source: 'Observation/hr', converted: false },
      ],
    },
    parameters: [
      { name: 'sysArtResistanceMmHgSPerMl', unit: 'mmHg·s/mL', posterior: { p50: svr } },
      { name: 'heartRateBpm', unit: 'bpm', posterior: { p50: 70 * hr } },
    ],
  } as unknown as RecordCalibrationResult;
}

function forecast(issuedAtMs: number, sbp: number): IssuedForecast {
  const band = (v: number) => ({ p05: v - 10, p25: v - 4, p50: v, p75: v + 4, p95: v + 10 });
  return { id: `f${issuedAtMs}`, issuedAtMs, tSec: [0, 3600, 7200], bands: { sbpMmHg: [band(sbp), band(sbp), band(sbp)] } };
}

describe('explainRecalibration', () => {
  it('names the changed input, the moved parameter in clinical units and the forecast change at 1 h', () => {
    const t0 = 1_800_000_000_000;
    const change = explainRecalibration(
      { calibration: cal(150, 1.2), forecast: forecast(t0 - 0.5 * H, 147.7), assimilated: 12 },
      { calibration: cal(135, 1.08, 1.01), forecast: forecast(t0, 137.2) },
    );
    expect(change.inputs).toEqual([expect.objectContaining({ kind: 'sbpMmHg', before: 150, after: 135 })]);
    expect(change.inputs[0]!.name.label).toBe('Systolic BP');
    // SVR −10 %; HR +1 % is below the 2 % noise threshold and left out.
    expect(change.parameters).toHaveLength(1);
    expect(change.parameters[0]!.name.label).toBe('Systemic vascular resistance');
    expect(change.parameters[0]!.changePercent).toBeCloseTo(-10, 9);
    expect(change.parameters[0]!.name.toDisplay(1.2)).toBeCloseTo(20, 9); // 1.2 mmHg·s/mL = 20 Wood units
    expect(change.forecast).toEqual([expect.objectContaining({ key: 'sbpMmHg', before: 147.7, after: 137.2 })]);
    expect(change.assimilatedBefore).toBe(12);
  });
});
