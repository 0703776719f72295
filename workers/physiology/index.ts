// Public API of the physiology engine (stable: the calibration/ensemble helpers, the worker, the
// Node pool, the CLI and the UI's compute client build on exactly these names).
//
//   resolveParameters({ preset?, patient?, parameters? }) → ModelParameters
//   simulateSteadyState(params, { beats?, warmupBeats? }) → SteadyStateResult
//   runScenario(scenario, { signal?, onProgress? }) → ScenarioResult
//   validateScenario(json) → Scenario (throws ScenarioError naming the key)
export { resolveParameters, PRESETS, nadlerBloodVolumeMl, bodySurfaceAreaM2, applyPatient, REFERENCE_PATIENT } from './presets';
export type { PresetSpec, ResolveInput } from './presets';
export { simulateSteadyState, Simulator, settle, measure, metricsFromStats, DEFAULT_STEPS_PER_BEAT } from './simulator';
export type { SteadyStateOptions } from './simulator';
export { runScenario, runEnsembleMembers, scenarioHorizonSec } from './runScenario';
export type { RunOptions } from './runScenario';
export { validateScenario } from './scenario';
export { runMultiScale, runBeatResolved } from './longHorizon';
export { interventionSources, InputSchedule } from './interventions';
export { DRUGS } from './pkpd';
export {
  PARAMETER_TABLE,
  PARAMETER_SPECS,
  LOG_PARAMETER_NAMES,
  defaultParameters,
  toLogVector,
  fromLogVector,
  isParameterName,
} from './parameters';
export type { ParameterSpec } from './parameters';
export { memberParameters, summarise, ENSEMBLE_SPREAD } from './spread';
export { IDX, STATE_SIZE } from './model';
export { ScenarioError } from '../../core/domain/physiology';
export type {
  EngineMetrics,
  ModelParameters,
  ParameterOverrides,
  PatientTraits,
  PresetName,
  Scenario,
  ScenarioResult,
  SteadyStateResult,
  Intervention,
} from '../../core/domain/physiology';
