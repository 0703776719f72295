// Why a recalibration moved the forecast: which inputs changed, which calibrated parameters moved
// and by how much, and the resulting change of each forecast vital one hour ahead. Pure; the Twin
// tab shows it whenever a recalibration replaces an earlier calibration.
import type { RecordCalibrationResult } from '../../core/vitals/twin';
import { bandAt, type IssuedForecast } from '../../core/vitals/forecastCoverage';
import { outputName, parameterName, VITAL_NAME, type ClinicalName } from './clinicalNames';

export interface InputChange {
  kind: string;
  name: ClinicalName;
  before?: number;
  after?: number;
}

export interface ParameterChange {
  parameter: string;
  name: ClinicalName;
  before: number;
  after: number;
  /** (after − before) / before × 100. */
  changePercent: number;
}

export interface ForecastChange {
  key: string;
  name: ClinicalName;
  before: number;
  after: number;
}

export interface RecalibrationChange {
  atMs: number;
  /** Horizon of the compared forecast values, ms after the new forecast's issue time. */
  horizonMs: number;
  inputs: InputChange[];
  parameters: ParameterChange[];
  forecast: ForecastChange[];
  /** Live readings assimilated into the previous twin (folded into the new fit as record values). */
  assimilatedBefore: number;
}

/** Parameter moves smaller than this are sampling noise of the ensemble fit, not a change. */
export const PARAMETER_CHANGE_MIN_PERCENT = 2;

export function explainRecalibration(
  prev: { calibration: RecordCalibrationResult; forecast: IssuedForecast | undefined; assimilated: number },
  next: { calibration: RecordCalibrationResult; forecast: IssuedForecast },
  horizonMs = 3_600_000,
): RecalibrationChange {
  const before = new Map(prev.calibration.inputs.used.map((u) => [u.kind, u]));
  const after = new Map(next.calibration.inputs.used.map((u) => [u.kind, u]));
  const inputs: InputChange[] = [];
  for (const kind of new Set([...before.keys(), ...after.keys()])) {
    const b = before.get(kind);
    const a = after.get(kind);
    if (b && a && b.value === a.value && b.source === a.source) continue;
    inputs.push({ kind, name: VITAL_NAME[kind] ?? outputName(kind), ...(b ? { before: b.value } : {}), ...(a ? { after: a.value } : {}) });
  }
  const prevParams = new Map(prev.calibration.parameters.map((p) => [p.name, p]));
  const parameters: ParameterChange[] = [];
  for (const p of next.calibration.parameters) {
    const q = prevParams.get(p.name);
    if (!q || q.posterior.p50 === 0) continue;
    const changePercent = ((p.posterior.p50 - q.posterior.p50) / q.posterior.p50) * 100;
    if (Math.abs(changePercent) < PARAMETER_CHANGE_MIN_PERCENT) continue;
    parameters.push({ parameter: p.name, name: parameterName(p.name, p.unit), before: q.posterior.p50, after: p.posterior.p50, changePercent });
  }
  parameters.sort((x, y) => Math.abs(y.changePercent) - Math.abs(x.changePercent));
  const forecast: ForecastChange[] = [];
  const tMs = next.forecast.issuedAtMs + horizonMs;
  if (prev.forecast) {
    for (const key of Object.keys(next.forecast.bands)) {
      const a = bandAt(next.forecast, key, tMs);
      const b = bandAt(prev.forecast, key, tMs);
      if (a && b) forecast.push({ key, name: outputName(key), before: b.p50, after: a.p50 });
    }
  }
  return { atMs: next.forecast.issuedAtMs, horizonMs, inputs, parameters, forecast, assimilatedBefore: prev.assimilated };
}
