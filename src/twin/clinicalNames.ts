// What clinicians call the twin's inputs, outputs and calibrated parameters, with the unit they
// read them in. Developer names (`sysArtResistanceMmHgSPerMl`) stay available on demand; the UI
// shows these. Values are converted for display only (fractions → %, mmHg·s/mL → Wood units).
import { METRIC_INFO, type MetricKey } from '../../core/domain/physiology';
import type { VitalKind } from '../../core/vitals/fhir-vitals';

export interface ClinicalName {
  label: string;
  unit: string;
  /** Display value from the stored (canonical) value. */
  toDisplay: (v: number) => number;
  decimals: number;
}

const same = (v: number) => v;
const percent = (v: number) => v * 100;
/** 1 Wood unit = 1 mmHg·min/L = 0.06 mmHg·s/mL, so mmHg·s/mL × 1000/60 = Wood units. */
const woodUnits = (v: number) => (v * 1000) / 60;

export const VITAL_NAME: Readonly<Record<VitalKind, ClinicalName>> = {
  hrBpm: { label: 'Heart rate', unit: 'bpm', toDisplay: same, decimals: 0 },
  sbpMmHg: { label: 'Systolic BP', unit: 'mmHg', toDisplay: same, decimals: 0 },
  dbpMmHg: { label: 'Diastolic BP', unit: 'mmHg', toDisplay: same, decimals: 0 },
  mapMmHg: { label: 'Mean arterial pressure', unit: 'mmHg', toDisplay: same, decimals: 0 },
  spo2Fraction: { label: 'SpO₂', unit: '%', toDisplay: percent, decimals: 0 },
  rrPerMin: { label: 'Respiratory rate', unit: '/min', toDisplay: same, decimals: 0 },
  temperatureC: { label: 'Temperature', unit: '°C', toDisplay: same, decimals: 1 },
  weightKg: { label: 'Weight', unit: 'kg', toDisplay: same, decimals: 1 },
  heightCm: { label: 'Height', unit: 'cm', toDisplay: same, decimals: 0 },
  lvefFraction: { label: 'LV ejection fraction', unit: '%', toDisplay: percent, decimals: 0 },
  avAreaCm2: { label: 'Aortic valve area', unit: 'cm²', toDisplay: same, decimals: 2 },
  avMeanGradientMmHg: { label: 'Aortic valve mean gradient', unit: 'mmHg', toDisplay: same, decimals: 0 },
  avPeakVelocityMPerS: { label: 'Aortic valve peak velocity', unit: 'm/s', toDisplay: same, decimals: 1 },
  lvedvMl: { label: 'LV end-diastolic volume', unit: 'mL', toDisplay: same, decimals: 0 },
  lvesvMl: { label: 'LV end-systolic volume', unit: 'mL', toDisplay: same, decimals: 0 },
};

/** The calibrated parameters (workers/physiology/calibration/priors.ts), in clinical terms. */
export const PARAMETER_NAME: Readonly<Record<string, ClinicalName>> = {
  heartRateBpm: { label: 'Intrinsic heart rate', unit: 'bpm', toDisplay: same, decimals: 0 },
  sysArtResistanceMmHgSPerMl: { label: 'Systemic vascular resistance', unit: 'Wood units', toDisplay: woodUnits, decimals: 1 },
  sysArtComplianceMlPerMmHg: { label: 'Arterial compliance', unit: 'mL/mmHg', toDisplay: same, decimals: 2 },
  lvEaMmHgPerMl: { label: 'LV contractility (active elastance)', unit: 'mmHg/mL', toDisplay: same, decimals: 2 },
  lvEbMmHgPerMl: { label: 'LV diastolic stiffness (passive elastance)', unit: 'mmHg/mL', toDisplay: same, decimals: 3 },
  lvV0Ml: { label: 'LV unstressed volume', unit: 'mL', toDisplay: same, decimals: 0 },
  stressedVolumeFraction: { label: 'Stressed blood volume', unit: '% of blood volume', toDisplay: percent, decimals: 0 },
  aorticValveEoaCm2: { label: 'Aortic valve area (effective orifice)', unit: 'cm²', toDisplay: same, decimals: 2 },
};

/** Model outputs (residuals): the engine metrics plus the valve area. */
export function outputName(key: string): ClinicalName {
  if (key === 'avAreaCm2') return VITAL_NAME.avAreaCm2;
  if (key === 'ef') return { label: METRIC_INFO.ef.label, unit: '%', toDisplay: percent, decimals: 0 };
  const info = (METRIC_INFO as Record<string, { unit: string; label: string } | undefined>)[key];
  return info ? { label: info.label, unit: info.unit, toDisplay: same, decimals: info.unit === 'L/min' || info.unit === 'm/s' ? 1 : 0 } : { label: key, unit: '', toDisplay: same, decimals: 2 };
}

export function parameterName(name: string, unit: string): ClinicalName {
  return PARAMETER_NAME[name] ?? { label: name, unit, toDisplay: same, decimals: 2 };
}

/** "12.3 mmHg" with the name's display conversion and precision. */
export function formatClinical(n: ClinicalName, v: number): string {
  return `${n.toDisplay(v).toFixed(n.decimals)}${n.unit ? ` ${n.unit}` : ''}`;
}

export type { MetricKey };
