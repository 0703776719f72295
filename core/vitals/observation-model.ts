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

// ── Where a blood pressure was measured ────────────────────────────────────────────────────────
//
// The engine's pressures are aortic (ascending aorta). A bedside reading is not: an arterial line
// (radial, usually) sees the pulse amplified on its way to the periphery, and an oscillometric cuff
// measures the mean pressure at maximal oscillation and derives systolic and diastolic pressure by
// its own algorithm. Where the mean sits in the pulse, the form factor FF = (MAP − DBP)/(SBP − DBP),
// is 0.45 in the ascending aorta (Chemla et al. 2002, Clin Sci 103:7–13, 73 adults, range
// 0.35–0.53) — what the engine produces — but 0.34 at the brachioradial site (0.44 central vs 0.34
// radial by SphygmoCor tonometry in the same 376 people: "Impact of arterial location, pressure wave
// indicators, and measurement devices on arterial form factor and mean and central arterial
// pressure", SUNY Upstate, 2022). Mean and diastolic pressure change little along the large arteries; the
// systolic peak rises. So the twin compares a reading with the model through a linear transfer per
// measurement site (the observation operator), used alike in assimilation and in the forecast bands:
//
//   DBP_site = DBP_ao + dDbp
//   MAP_site = MAP_ao + dMap
//   SBP_site = DBP_ao + A · (SBP_ao − DBP_ao) + dSbp
//
// A is the pulse-pressure amplification implied by the two form factors at unchanged mean and
// diastolic pressure (A = 0.44 / 0.34). Offsets and noise are from the studies cited per site. None
// of these constants was fitted to the MIMIC-III records the replay scores (docs/real-forecasts.md).

/** A blood-pressure measurement site the observation model distinguishes. */
export type MeasurementSite = 'arterial' | 'cuff';
export const MEASUREMENT_SITES: readonly MeasurementSite[] = ['arterial', 'cuff'];
export type BpKey = 'sbpMmHg' | 'dbpMmHg' | 'mapMmHg';
export const BP_KEYS: readonly BpKey[] = ['sbpMmHg', 'dbpMmHg', 'mapMmHg'];

export interface SiteTransfer {
  /** Pulse-pressure amplification from the ascending aorta to the site (dimensionless). */
  ppAmplification: number;
  dSbpMmHg: number;
  dDbpMmHg: number;
  dMapMmHg: number;
  /** Measurement error of one charted reading at the site, per pressure (SD in mmHg). */
  noise: Readonly<Record<BpKey, NoiseModel>>;
  source: string;
}

/** Aortic → radial pulse-pressure amplification from the central and brachioradial form factors. */
export const RADIAL_PP_AMPLIFICATION = 0.44 / 0.34;

export const SITE_TRANSFER: Readonly<Record<MeasurementSite, SiteTransfer>> = {
  arterial: {
    ppAmplification: RADIAL_PP_AMPLIFICATION,
    // Intra-arterial brachial DBP is 1.0 mmHg below aortic (Picone et al. 2017, JACC 70:572–86,
    // meta-analysis of 3073 people); the mean pressure is taken to fall by the same amount (it falls
    // by a few mmHg at most along the conduit arteries; Nichols & O'Rourke, McDonald's Blood Flow
    // in Arteries, 6th ed., ch. 12). The systolic offset follows from DBP (SBP = DBP + A·PP).
    dSbpMmHg: -1,
    dDbpMmHg: -1,
    dMapMmHg: -1,
    noise: {
      sbpMmHg: { absSd: 8, relSd: 0, source: 'fluid-filled line: 31 % of ICU lines resonate and overstate SBP (Romagnoli et al. 2014, Crit Care 18:644); SD as a validated cuff (8 mmHg)' },
      dbpMmHg: { absSd: 5, relSd: 0, source: 'well-damped lines agree with the cuff within SD 5.8 mmHg (Romagnoli 2014), which bounds the line’s own error; 5 mmHg' },
      mapMmHg: { absSd: 5, relSd: 0, source: 'mean pressure is least affected by damping; well-damped lines vs cuff SD 6.4 mmHg (Romagnoli 2014) bounds it; 5 mmHg' },
    },
    source: 'radial arterial line: form factors 0.44 central vs 0.34 brachioradial (SphygmoCor, n = 376); DBP −1 mmHg (Picone et al. 2017)',
  },
  cuff: {
    ppAmplification: RADIAL_PP_AMPLIFICATION,
    // Brachial oscillometric cuff vs the radial catheter in 736 ICU patients (Kaufmann et al. 2020,
    // J Crit Care 57:118–23): mean differences SBP +0.8, DBP −2.9, MAP −1.0 mmHg, added to the
    // arterial site's transfer.
    dSbpMmHg: -1 + 0.8,
    dDbpMmHg: -1 - 2.9,
    dMapMmHg: -1 - 1.0,
    noise: {
      sbpMmHg: { absSd: 8, relSd: 0, source: 'AAMI/ESH/ISO 81060-2: validated cuffs have error SD ≤ 8 mmHg' },
      dbpMmHg: { absSd: 8, relSd: 0, source: 'AAMI/ESH/ISO 81060-2: validated cuffs have error SD ≤ 8 mmHg' },
      mapMmHg: { absSd: 8, relSd: 0, source: 'ISO 81060-2 limit applied to the measured oscillometric MAP; ICU cuff vs line SD 7.1–10.2 mmHg (Ribezzo et al. 2014; Kaufmann et al. 2020)' },
    },
    source: 'oscillometric brachial cuff: the arterial transfer plus cuff − line differences in ICU patients (Kaufmann et al. 2020)',
  },
};

export function isBpKey(k: string): k is BpKey {
  return k === 'sbpMmHg' || k === 'dbpMmHg' || k === 'mapMmHg';
}

/** A model observable as a linear combination of outputs: Σ weights[k]·output[k] + offset. */
export interface LinearObservation {
  weights: Readonly<Record<string, number>>;
  offset: number;
}

/** The observation operator of one pressure at one site (aortic outputs → the site's reading). */
export function siteOperator(site: MeasurementSite, key: BpKey): LinearObservation {
  const t = SITE_TRANSFER[site];
  if (key === 'dbpMmHg') return { weights: { dbpMmHg: 1 }, offset: t.dDbpMmHg };
  if (key === 'mapMmHg') return { weights: { mapMmHg: 1 }, offset: t.dMapMmHg };
  return { weights: { sbpMmHg: t.ppAmplification, dbpMmHg: 1 - t.ppAmplification }, offset: t.dSbpMmHg };
}

/** Applies an operator to one member's outputs (`get` returns an output by key). */
export function applyOperator(op: LinearObservation, get: (key: string) => number): number {
  let y = op.offset;
  for (const [k, w] of Object.entries(op.weights)) y += w * get(k);
  return y;
}

/** Measurement SD of one reading of `key` at `site` (mmHg). */
export function siteNoiseSd(site: MeasurementSite, key: BpKey, value: number): number {
  const n = SITE_TRANSFER[site].noise[key];
  return Math.sqrt(n.absSd ** 2 + (n.relSd * value) ** 2);
}

/** The forecast/band key of a pressure at a site: `mapMmHg@cuff`; other vitals keep their key. */
export function siteKey(key: string, site: MeasurementSite | 'none' | undefined): string {
  return site === undefined || site === 'none' || !isBpKey(key) ? key : `${key}@${site}`;
}

/** Splits a site key back into the output key and the site (undefined for the model's own value). */
export function parseSiteKey(k: string): { key: string; site: MeasurementSite | undefined } {
  const at = k.indexOf('@');
  if (at < 0) return { key: k, site: undefined };
  const site = k.slice(at + 1);
  return { key: k.slice(0, at), site: site === 'arterial' || site === 'cuff' ? site : undefined };
}

/** LOINC codes of invasive (arterial line) and non-invasive (cuff) pressures (core/vitals/mimic3.ts, FHIR vital signs). */
const ARTERIAL_LOINC = new Set(['76215-3', '76213-8', '76214-6']);
const CUFF_LOINC = new Set(['76534-7', '76535-4', '76536-2']);

/**
 * Which line a blood pressure came from, by its LOINC code: 'none' when the code does not say
 * (e.g. the generic 8480-6); such readings are compared with the model's own (aortic) pressure.
 */
export function siteOfLoinc(loinc: string): MeasurementSite | 'none' {
  if (ARTERIAL_LOINC.has(loinc)) return 'arterial';
  if (CUFF_LOINC.has(loinc)) return 'cuff';
  return 'none';
}
