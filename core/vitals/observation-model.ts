// Which record values the twin is fitted to, which model output each one observes, and how noisy
// each measurement is. Noise SDs combine an absolute and a relative part in quadrature:
// sd = √(abs² + (rel·value)²). They describe measurement error plus short-term physiological
// variability of a single reading, i.e. how far one reading may be from the patient's true
// resting state.

import { METRIC_KEYS, type MetricKey } from '../domain/physiology';
import type { VitalKind } from './fhir-vitals';

/** Model outputs kept per ensemble member: the engine metrics plus the valve area (a parameter). */
export const OUTPUT_KEYS: readonly string[] = [...METRIC_KEYS, 'avAreaCm2'];
export type OutputKey = MetricKey | 'avAreaCm2';

export interface NoiseModel {
  absSd: number;
  relSd: number;
  source: string;
}

export const NOISE_MODELS: Readonly<Record<OutputKey, NoiseModel>> = {
  hrBpm: { absSd: 3, relSd: 0.05, source: 'assumption: spot HR vs resting mean, ±3 bpm device + 5 % short-term variability' },
  sbpMmHg: { absSd: 8, relSd: 0, source: 'AAMI/ESH/ISO 81060-2: validated cuffs have error SD ≤ 8 mmHg' },
  dbpMmHg: { absSd: 8, relSd: 0, source: 'AAMI/ESH/ISO 81060-2: validated cuffs have error SD ≤ 8 mmHg' },
  mapMmHg: { absSd: 6, relSd: 0, source: 'assumption: oscillometric MAP is measured, not derived; smaller error than SBP' },
  coLPerMin: { absSd: 0, relSd: 0.12, source: 'thermodilution ±10–15 % (Stetz et al. 1982)' },
  svMl: { absSd: 0, relSd: 0.15, source: 'assumption: Doppler SV ±15 %' },
  ef: { absSd: 0.05, relSd: 0, source: 'echo LVEF inter-observer SD about 0.05 (brief; Otterstad 1997)' },
  lvedvMl: { absSd: 5, relSd: 0.12, source: '2D biplane echo volumes, test–retest ±12 % (Otterstad 1997)' },
  lvesvMl: { absSd: 5, relSd: 0.15, source: '2D biplane echo volumes, test–retest ±15 % (Otterstad 1997)' },
  cvpMmHg: { absSd: 2, relSd: 0, source: 'assumption: transduced CVP ±2 mmHg' },
  pcwpMmHg: { absSd: 3, relSd: 0, source: 'assumption: wedge pressure ±3 mmHg' },
  paSysMmHg: { absSd: 3, relSd: 0.05, source: 'assumption: catheter PA pressure' },
  paDiaMmHg: { absSd: 3, relSd: 0.05, source: 'assumption: catheter PA pressure' },
  paMeanMmHg: { absSd: 3, relSd: 0.05, source: 'assumption: catheter PA pressure' },
  avMeanGradientMmHg: { absSd: 2, relSd: 0.1, source: 'Doppler mean gradient ±10 % + 2 mmHg (Baumgartner 2017 EACVI/ASE)' },
  avPeakVelocityMPerS: { absSd: 0.1, relSd: 0.07, source: 'Doppler Vmax ±7 % + 0.1 m/s (Baumgartner 2017 EACVI/ASE)' },
  avAreaCm2: { absSd: 0.1, relSd: 0.15, source: 'continuity-equation AVA ±15 % + 0.1 cm² (Baumgartner 2017 EACVI/ASE)' },
};

export function noiseSd(key: OutputKey, value: number): number {
  const n = NOISE_MODELS[key];
  return Math.sqrt(n.absSd ** 2 + (n.relSd * value) ** 2);
}

/** Record kinds the haemodynamic model observes, and the output each one is compared with. */
export const VITAL_TO_OUTPUT: Readonly<Partial<Record<VitalKind, OutputKey>>> = {
  hrBpm: 'hrBpm',
  sbpMmHg: 'sbpMmHg',
  dbpMmHg: 'dbpMmHg',
  mapMmHg: 'mapMmHg',
  lvefFraction: 'ef',
  lvedvMl: 'lvedvMl',
  lvesvMl: 'lvesvMl',
  avAreaCm2: 'avAreaCm2',
  avMeanGradientMmHg: 'avMeanGradientMmHg',
  avPeakVelocityMPerS: 'avPeakVelocityMPerS',
};

/** Why a kind read from the record is not fitted (shown as "not used by the model"). */
export const NOT_FITTED_REASON: Readonly<Partial<Record<VitalKind, string>>> = {
  spo2Fraction: 'the haemodynamic model has no oxygen transport',
  rrPerMin: 'the haemodynamic model has no respiration',
  temperatureC: 'the haemodynamic model has no thermoregulation',
  heightCm: 'used as a covariate (blood volume, body size), not fitted',
  weightKg: 'used as a covariate (blood volume, body size), not fitted',
};

export function isOutputKey(k: string): k is OutputKey {
  return (OUTPUT_KEYS as readonly string[]).includes(k);
}
