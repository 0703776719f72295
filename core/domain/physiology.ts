// Physiology engine vocabulary shared by the UI, the compute clients and the workers: metric names
// and units (the JSON keys PRODUCT.md fixes for `twin simulate`), scenario files, interventions,
// patient traits and the named, unit-suffixed model parameters. Framework-free, no logic beyond
// constants: the engine lives in workers/physiology.

/** Documented patient archetypes (PRODUCT.md "Presets"). */
export const PRESET_NAMES = ['healthy', 'hfref', 'severe-as'] as const;
export type PresetName = (typeof PRESET_NAMES)[number];

export type Sex = 'F' | 'M';

export interface PatientTraits {
  sex: Sex;
  ageYears: number;
  heightCm: number;
  weightKg: number;
}

/** Engine outputs, exact JSON keys of PRODUCT.md, in this order. */
export const METRIC_KEYS = [
  'hrBpm',
  'sbpMmHg',
  'dbpMmHg',
  'mapMmHg',
  'coLPerMin',
  'svMl',
  'ef',
  'lvedvMl',
  'lvesvMl',
  'cvpMmHg',
  'pcwpMmHg',
  'paSysMmHg',
  'paDiaMmHg',
  'paMeanMmHg',
  'avMeanGradientMmHg',
  'avPeakVelocityMPerS',
] as const;
export type MetricKey = (typeof METRIC_KEYS)[number];
export type EngineMetrics = Record<MetricKey, number>;

/** Display unit and plain label of each metric (the UI shows these; ef is a fraction 0–1). */
export const METRIC_INFO: Record<MetricKey, { unit: string; label: string }> = {
  hrBpm: { unit: 'bpm', label: 'Heart rate' },
  sbpMmHg: { unit: 'mmHg', label: 'Systolic BP' },
  dbpMmHg: { unit: 'mmHg', label: 'Diastolic BP' },
  mapMmHg: { unit: 'mmHg', label: 'Mean arterial pressure' },
  coLPerMin: { unit: 'L/min', label: 'Cardiac output' },
  svMl: { unit: 'mL', label: 'Stroke volume' },
  ef: { unit: '1', label: 'LV ejection fraction' },
  lvedvMl: { unit: 'mL', label: 'LV end-diastolic volume' },
  lvesvMl: { unit: 'mL', label: 'LV end-systolic volume' },
  cvpMmHg: { unit: 'mmHg', label: 'Central venous pressure' },
  pcwpMmHg: { unit: 'mmHg', label: 'Wedge pressure (mean LA)' },
  paSysMmHg: { unit: 'mmHg', label: 'PA systolic' },
  paDiaMmHg: { unit: 'mmHg', label: 'PA diastolic' },
  paMeanMmHg: { unit: 'mmHg', label: 'PA mean' },
  avMeanGradientMmHg: { unit: 'mmHg', label: 'Aortic valve mean gradient' },
  avPeakVelocityMPerS: { unit: 'm/s', label: 'Aortic valve peak velocity' },
};

/**
 * Every model parameter, named with its unit. Defaults, bounds and sources live in
 * workers/physiology/parameters.ts (PARAMETER_TABLE); this list lets the UI and the scenario
 * validator know the names without loading the engine.
 */
export const PARAMETER_NAMES = [
  'heartRateBpm',
  'avDelaySec',
  'lvEaMmHgPerMl',
  'lvEbMmHgPerMl',
  'lvV0Ml',
  'rvEaMmHgPerMl',
  'rvEbMmHgPerMl',
  'rvV0Ml',
  'laEaMmHgPerMl',
  'laEbMmHgPerMl',
  'laV0Ml',
  'raEaMmHgPerMl',
  'raEbMmHgPerMl',
  'raV0Ml',
  'ventricularContractionSec',
  'ventricularRelaxationSec',
  'atrialContractionSec',
  'atrialRelaxationSec',
  'sysArtResistanceMmHgSPerMl',
  'sysArtComplianceMlPerMmHg',
  'sysArtInertanceMmHgS2PerMl',
  'sysVenResistanceMmHgSPerMl',
  'sysVenComplianceMlPerMmHg',
  'pulArtResistanceMmHgSPerMl',
  'pulArtComplianceMlPerMmHg',
  'pulArtInertanceMmHgS2PerMl',
  'pulVenResistanceMmHgSPerMl',
  'pulVenComplianceMlPerMmHg',
  'valveOpenResistanceMmHgSPerMl',
  'valveClosedResistanceMmHgSPerMl',
  'aorticValveEoaCm2',
  'aorticCharacteristicImpedanceMmHgSPerMl',
  'aorticJetInertanceFraction',
  'mitralRegurgitantOrificeSlopeCm2PerMl',
  'mitralTetheringVolumeMl',
  'pericardialP0MmHg',
  'pericardialStiffnessPerMl',
  'pericardialV0Ml',
  'bloodVolumeMl',
  'stressedVolumeFraction',
  'baroSetPointMmHg',
  'baroGain',
  'baroSteepness',
  'baroHrMinBpm',
  'baroHrMaxBpm',
  'baroResistanceMinFraction',
  'baroResistanceMaxFraction',
  'baroElastanceMinFraction',
  'baroElastanceMaxFraction',
  'baroVenousUnstressedRangeMl',
  'baroTauHrSec',
  'baroTauElastanceSec',
  'baroTauResistanceSec',
  'baroTauVenousSec',
  'cpSetPointMmHg',
  'cpWidthMmHg',
  'cpGain',
  'cpCardiacFraction',
  'cpVascularFraction',
  'lvEdpvrBetaPerMl',
  'rvEdpvrBetaPerMl',
] as const;
export type ParameterName = (typeof PARAMETER_NAMES)[number];
/** A complete, resolved parameter set (what the engine runs). */
export type ModelParameters = Record<ParameterName, number>;
/** Named overrides with units, as in a scenario file's `parameters`. */
export type ParameterOverrides = Record<ParameterName, number>;

// ---------------------------------------------------------------- interventions and scenarios

export const DRUG_NAMES = [
  'metoprolol',
  'nitroprusside',
  'dobutamine',
  'furosemide',
  // Chronic oral classes (maintenance regimens at steady state; doseMg is the daily dose).
  'ace-inhibitor',
  'arb',
  'calcium-channel-blocker',
  'thiazide',
  'nitrate',
] as const;
export type DrugName = (typeof DRUG_NAMES)[number];
export type DrugRoute = 'oral' | 'iv';

/** A bolus or oral dose (`doseMg` + `route`) or a continuous infusion (`rateMcgPerKgPerMin`). */
export type DrugIntervention =
  | { type: 'drug'; atSec: number; drug: DrugName; doseMg: number; route: DrugRoute }
  | { type: 'drug'; atSec: number; drug: DrugName; rateMcgPerKgPerMin: number; overSec?: number };

export type Intervention =
  | DrugIntervention
  | { type: 'fluid'; atSec: number; volumeMl: number; overSec: number }
  | { type: 'hemorrhage'; atSec: number; volumeMl: number; overSec: number }
  | { type: 'tavr'; atSec: number; eoaCm2: number }
  | { type: 'pacing'; atSec: number; hrBpm: number; avDelayMs?: number };
export type InterventionType = Intervention['type'];

export interface Scenario {
  preset?: PresetName;
  patient?: PatientTraits;
  parameters?: Partial<ParameterOverrides>;
  interventions?: Intervention[];
  /** Simulated horizon; when present the result carries a `trajectory`. */
  durationSec?: number;
  /** Ensemble members (0 = none); when > 0 the result carries `ensemble` percentiles. */
  ensemble?: number;
  seed?: number;
}

/** A scenario file was wrong; `key` is the JSON path of the offending entry (e.g. `interventions[2].doseMg`). */
export class ScenarioError extends Error {
  readonly key: string;
  constructor(key: string, message: string) {
    super(`${key}: ${message}`);
    this.name = 'ScenarioError';
    this.key = key;
  }
}

// ---------------------------------------------------------------- results

/** One beat's waveforms, sampled at every integrator step (tSec from the beat's start). */
export interface BeatWaveforms {
  tSec: Float64Array;
  lvPressureMmHg: Float64Array;
  lvVolumeMl: Float64Array;
  laPressureMmHg: Float64Array;
  rvPressureMmHg: Float64Array;
  rvVolumeMl: Float64Array;
  raPressureMmHg: Float64Array;
  aorticPressureMmHg: Float64Array;
  pulmonaryArteryPressureMmHg: Float64Array;
  aorticFlowMlPerS: Float64Array;
}

/** Values that the validation table needs beyond the PRODUCT.md metric set. */
export interface SteadyStateDiagnostics {
  lvedpMmHg: number;
  totalBloodVolumeMl: number;
  beatsSimulated: number;
  /** Largest beat-to-beat change of MAP (mmHg) at the end: how close to periodic it got. */
  periodicityResidualMmHg: number;
}

export interface SteadyStateResult {
  metrics: EngineMetrics;
  waveforms: BeatWaveforms;
  diagnostics: SteadyStateDiagnostics;
}

export interface TrajectoryPoint extends EngineMetrics {
  tSec: number;
  bloodVolumeMl: number;
}

export type Percentiles = { p05: number; p25: number; p50: number; p75: number; p95: number };
export type EnsembleSummary = Record<MetricKey, Percentiles>;

export interface ScenarioResult {
  metrics: EngineMetrics;
  waveforms: BeatWaveforms;
  trajectory?: TrajectoryPoint[];
  ensemble?: EnsembleSummary;
  /** Which parameters the run used (after preset, patient and overrides). */
  parameters: ModelParameters;
}

/** Where an intervention's effect size comes from; shown in the UI's provenance panel. */
export interface InterventionSource {
  intervention: InterventionType;
  drug?: DrugName;
  effect: string;
  value: string;
  source: string;
  assumption: boolean;
  /** Why an assumption was needed (present when assumption is true). */
  reason?: string;
}

export interface ResolveInput {
  preset?: PresetName;
  patient?: PatientTraits;
  parameters?: Partial<ParameterOverrides>;
}

export interface SteadyStateOptions {
  /** Beats averaged for the metrics (default 1: a settled beat repeats itself). */
  beats?: number;
  /** Most beats spent reaching steady state (default 120; stops early when periodic). */
  warmupBeats?: number;
  stepsPerBeat?: number;
  /** Start from a previous state (warm start) instead of the built-in guess. */
  state?: Float64Array;
}
