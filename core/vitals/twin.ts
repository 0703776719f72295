// The calibrated twin as plain data: its posterior ensemble, calibration report, sequential
// updates (assimilation) and forecast bands. What the physiology worker returns and the browser
// stores and shows; typed arrays inside so results cross a worker boundary by transfer. The
// algorithms live in workers/physiology/calibration and workers/physiology/ensemble.
import type { ModelParameters, ParameterName, PatientTraits, Percentiles, PresetName } from '../domain/physiology';
import type { ClinicalRecord, TwinCapability } from '../domain/clinical-record';
import type { ModelInfo } from '../domain/twinRecords';
import type { MedicationInput, VitalKind } from './fhir-vitals';
import type { LinearObservation, MeasurementSite, OutputKey } from './observation-model';
import type { ModelErrorGrowth } from './forecastCoverage';

// assimilation and forecasting. Plain data (names + typed arrays) so it crosses a worker boundary
// by structured clone or transfer, and so the UI can store it without knowing the engine.

export interface TwinEnsemble {
  /** Calibrated parameters (engine names, e.g. `lvEaMmHgPerMl`), estimated in ln space. */
  parameterNames: string[];
  /** Hard bounds of ln θ per parameter (the engine's valid range). */
  lowerLog: Float64Array;
  upperLog: Float64Array;
  /** Model outputs kept per member (engine metric keys, plus pass-through keys such as `avAreaCm2`). */
  outputKeys: string[];
  size: number;
  /** size × parameterNames.length, row-major: member k's ln θ. */
  logParameters: Float64Array;
  /** size × outputKeys.length, row-major: member k's model outputs. */
  outputs: Float64Array;
}

export interface Innovation {
  key: string;
  value: number;
  /** Ensemble mean and SD of the prediction before the update. */
  predictedMean: number;
  predictedSd: number;
  /** (value − predictedMean) / √(predictedSd² + sd²): beyond ±2 the observation left the band. */
  z: number;
}

export interface AssimilationResult {
  ensemble: TwinEnsemble;
  innovations: Innovation[];
  ignored: { key: string; reason: string }[];
}

export interface ForecastOptions {
  horizonSec: number;
  stepSec: number;
  seed?: number;
  /** Stationary drift SD of ln θ per parameter name (overrides DEFAULT_DRIFT_SD_LOG). */
  driftSdLog?: Readonly<Record<string, number>>;
  defaultStationarySdLog?: number;
  /** Ornstein–Uhlenbeck time constant (s): how fast drift decorrelates. Assumption: 4 h. */
  driftTauSec?: number;
  /** Output keys to forecast; default all outputs. */
  keys?: readonly string[];
  /** Per output key, a measurement SD to add so that bands compare with raw observations. */
  observationSd?: Readonly<Record<string, number>>;
  /**
   * Keys that are not outputs but linear combinations of them (a pressure at a measurement site,
   * `mapMmHg@cuff`: core/vitals/observation-model.ts `siteOperator`).
   */
  operators?: Readonly<Record<string, LinearObservation>>;
  /**
   * Per key, model-error variance that grows with lead time, v0 + perHour·(t in h), added to the
   * bands (core/vitals/modelError.ts learns it from the patient's own past forecast errors).
   */
  modelError?: Readonly<Record<string, ModelErrorGrowth>>;
}

export interface ForecastResult {
  tSec: number[];
  /** Per output key, one Percentiles per time point (t = 0 is the current ensemble). */
  bands: Record<string, Percentiles[]>;
}

export interface FitOptions {
  seed?: number;
  /** Latin-hypercube samples of the global stage, per component. */
  globalSamples?: number;
  maxIterations?: number;
  /** Forward-difference step in ln θ (1 % by default: larger than the steady-state solver's noise). */
  fdStepLog?: number;
  ensembleSize?: number;
  /** Called with a fraction 0–1 as work proceeds. */
  onProgress?: (fraction: number) => void;
  /** Polled between model runs; returning true aborts with a CalibrationCancelled error. */
  isCancelled?: () => boolean;
}

export interface CalibrationObservation {
  key: OutputKey;
  value: number;
  /** Noise SD; default from NOISE_MODELS. */
  sd?: number;
  /** Where the value came from (e.g. `Observation/123`), for the residual table. */
  source?: string;
}

export type Identifiability = 'identified' | 'weakly identified' | 'not identified (prior-dominated)';

export interface ParameterSummary {
  name: ParameterName;
  unit: string;
  /** median: the first archetype's (healthy) prior median; p05–p95: envelope of the archetypes' 90 % ranges. */
  prior: { median: number; p05: number; p95: number };
  posterior: { map: number } & Percentiles;
  /** Posterior SD / prior SD of ln θ: near 1 means the data said little about it. */
  sdRatio: number;
  identifiability: Identifiability;
}

export interface Residual {
  key: OutputKey;
  observed: number;
  /** Model output at the MAP estimate. */
  predicted: number;
  sd: number;
  /** (observed − predicted) / sd. */
  z: number;
  source?: string;
}

export interface CalibrationResult {
  /** The model that produced this twin, as its outputs' Provenance records it (core/contracts/versions.ts `PHYSIOLOGY_MODEL`). */
  model: ModelInfo;
  method: string;
  parameters: ParameterSummary[];
  /** Posterior predictive percentiles of every model output (over the ensemble). */
  outputs: Record<string, Percentiles>;
  residuals: Residual[];
  ensemble: TwinEnsemble;
  /** A full engine parameter set at the MAP, baroreflex closed at the calibrated MAP. */
  mapParameters: ModelParameters;
  /** Posterior probability of each prior archetype (Bayesian model averaging). */
  archetypes: { label: string; priorWeight: number; posteriorWeight: number; members: number }[];
  diagnostics: { modelRuns: number; evaluations: number; failedDraws: number; elapsedMs: number };
}

// ------------------------------------------------------------------ from a FHIR record

export interface InputReport {
  /**
   * `ageDays`: age of the value at the calibration's reference time (its newest fitted value);
   * `sdFactor`: how much its noise SD was inflated for age (1 = current).
   */
  used: { kind: VitalKind; output: OutputKey; value: number; effective?: string; source: string; converted: boolean; ageDays?: number; sdFactor: number }[];
  /** Used inputs older than AGED_AFTER_DAYS at the reference time, named with their age ("LVEF 3.2 y old"). */
  aged: string[];
  /** The reference time (ISO) ages are counted from: the newest fitted value's date. */
  asOf: string | undefined;
  missing: VitalKind[];
  implausible: { kind: VitalKind; value: number; reason: string; source: string }[];
  converted: { kind: VitalKind; from: string; source: string }[];
  rejected: { source: string; kind?: VitalKind; reason: string }[];
  notUsedByModel: { kind: VitalKind; reason: string }[];
  /** Fraction of the expected inputs that were missing. */
  missingFraction: number;
}

/** Route of a medication as the record states it. */
export type MedicationRoute = 'oral' | 'iv' | 'sublingual' | 'transdermal' | 'unknown';

/** The engine's drug classes a record's medications map to (CONTRACT with workers/physiology/drugs.ts). */
export type ModelledDrug = 'metoprolol' | 'ace-inhibitor' | 'arb' | 'calcium-channel-blocker' | 'thiazide' | 'furosemide' | 'nitrate';

export interface MappedMedication {
  /** The engine drug (class) this maps to, or undefined when the engine does not model it. */
  drug: ModelledDrug | undefined;
  ingredient: string | undefined;
  /** Dose of the ingredient per unit (tablet/dose) in mg, parsed from the product text. */
  doseMg: number | undefined;
  route: MedicationRoute;
  rateLowering: boolean;
  text: string;
  rxnorm: string | undefined;
  /** Current therapy: status active (or on-hold); stopped, completed, cancelled are history. */
  current: boolean;
  status: string | undefined;
  authoredOn: string | undefined;
  source: string;
}

/** The whole record beyond vitals: diagnoses, devices, pregnancy, medications mapped to engine classes. */
export interface ClinicalInputs {
  record: ClinicalRecord;
  medications: MappedMedication[];
}

export interface RecordCalibrationOptions {
  fit?: FitOptions;
  /**
   * Prior weight per archetype; default equal thirds (assumption: a cardiology population in
   * which healthy hearts, HFrEF and severe AS are all plausible before the data are seen).
   */
  archetypeWeights?: Partial<Record<PresetName, number>>;
  /**
   * Observations from outside the FHIR record, fitted alongside it: e.g. the LV end-diastolic
   * volume measured on the patient's segmented CT by the Anatomy work
   * (`{ key: 'lvedvMl', value, source: 'anatomy:<segmentation id>' }`). Noise defaults to the
   * output's noise model.
   */
  extraObservations?: readonly CalibrationObservation[];
  /** The rest of the record (clinicalInputsOf): diagnoses and therapy set the prior. */
  clinical?: ClinicalInputs;
  /** "Now" for the capability assessment (ISO; default the wall clock). */
  now?: string;
}

export interface RecordCalibrationResult extends CalibrationResult {
  patient: PatientTraits;
  /** Traits not in the record, filled from the reference adult. */
  patientDefaults: (keyof PatientTraits)[];
  inputs: InputReport;
  /** Current medications; their effect is already in the calibrated parameters (fitted on-drug). */
  medications: Pick<MedicationInput, 'drug' | 'drugClass' | 'text' | 'status'>[];
  /** What this twin can do (forecast or not, limitations named); present when `clinical` was given. */
  capability?: TwinCapability;
  /** The prior chosen from the record and why (present when `clinical` was given). */
  prior?: { reasons: string[]; diagnoses: string[] };
  /** Current therapy mapped to the engine's drug classes. */
  therapy?: MappedMedication[];
}

export interface NewVital {
  kind: VitalKind;
  value: number;
  /** Where a blood pressure was measured (core/vitals/observation-model.ts); absent: the model's own (aortic) value. */
  site?: MeasurementSite;
}
