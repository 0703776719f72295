// Calibration of the physiology twin to one patient: observations in, posterior out.
//
// Pipeline: observations (from src/ingest/fhir-vitals or a twin experiment) → priors around the
// engine's parameters for this patient → fitPosterior (global LHS, Levenberg–Marquardt, Laplace
// ensemble, each member run through the engine) → a report with the posterior summary, per-
// observation residuals, the inputs used / missing / implausible / converted, and the ensemble.

import type { ModelParameters, ParameterName, Percentiles } from '../../../core/domain/physiology';
import type { VitalKind, VitalsIngestResult } from '../../../core/vitals/fhir-vitals';
import { EXPECTED_CALIBRATION_INPUTS } from '../../../core/vitals/fhir-vitals';
import { percentilesOfColumn } from '../../../core/domain/percentiles';
import { PARAMETER_SPECS } from '../../../core/domain/parameters';
import { fitPosterior, type FitObservation } from './fit';
import type { TwinEnsemble, FitOptions, CalibrationObservation, Identifiability, ParameterSummary, Residual, CalibrationResult, InputReport } from '../../../core/vitals/twin';
export type { CalibrationObservation, Identifiability, ParameterSummary, Residual, CalibrationResult, InputReport } from '../../../core/vitals/twin';
import {
  NOISE_MODELS,
  NOT_FITTED_REASON,
  OUTPUT_KEYS,
  VITAL_TO_OUTPUT,
  isOutputKey,
  noiseSd,
  type OutputKey,
} from '../../../core/vitals/observation-model';
import { CALIBRATED_PARAMETERS, buildPriors, type CalibratedParameter } from './priors';
import { createTwinModel, toEngineParameters, type TwinModelOptions } from './twin-model';
import { CALIBRATION_METHOD_VERSION, PHYSIOLOGY_MODEL } from '../../../core/contracts/versions';

export { CALIBRATION_METHOD_VERSION } from '../../../core/contracts/versions';

export interface PriorArchetype {
  label: string;
  /** Prior probability of the archetype. */
  weight: number;
  /** The engine's parameters for this archetype and patient: the component's prior medians. */
  params: ModelParameters;
}

export interface CalibrationRequest {
  /** The engine's parameters for this patient: non-calibrated values, and the prior if no archetypes. */
  base: ModelParameters;
  /** Mixture prior over archetypes; default one component centred on `base`. */
  archetypes?: readonly PriorArchetype[];
  observations: readonly CalibrationObservation[];
  calibrated?: readonly CalibratedParameter[];
  fit?: FitOptions;
  model?: TwinModelOptions;
}

const Z90 = 1.6448536269514722;

function identifiabilityOf(ratio: number): Identifiability {
  if (ratio < 0.5) return 'identified';
  if (ratio < 0.85) return 'weakly identified';
  return 'not identified (prior-dominated)';
}

export function calibrateTwin(req: CalibrationRequest): CalibrationResult {
  const t0 = performance.now();
  const calibrated = req.calibrated ?? CALIBRATED_PARAMETERS;
  const names = calibrated.map((c) => c.name);
  const archetypes = req.archetypes ?? [{ label: 'base', weight: 1, params: req.base }];
  // Each archetype is its own forward model: its non-calibrated physiology (e.g. the HFrEF
  // preset's functional mitral regurgitation, RV function and reflexes) is part of the archetype,
  // not only its prior medians; otherwise a member drawn from the HFrEF component would be a
  // healthy circulation with a weak LV, biased against the archetype's own outputs, and the twin
  // built from it would carry the healthy reflexes into scenarios.
  const models = archetypes.map((a) => createTwinModel(a.params, names, req.model));
  const components = archetypes.map((a, i) => ({ label: a.label, weight: a.weight, priors: buildPriors(a.params, calibrated), forward: models[i]!.forward }));
  const priors = components[0]!.priors;
  const observations: FitObservation[] = [];
  for (const o of req.observations) {
    if (!isOutputKey(o.key)) throw new Error(`calibration: unknown observation "${String(o.key)}"`);
    if (!Number.isFinite(o.value)) throw new Error(`calibration: observation ${o.key} is not a finite number`);
    const sd = o.sd ?? noiseSd(o.key, o.value);
    observations.push({ key: o.key, outputIndex: OUTPUT_KEYS.indexOf(o.key), value: o.value, sd });
  }
  const fit = fitPosterior({ components, observations, nOutputs: OUTPUT_KEYS.length, forward: models[0]!.forward }, req.fit);
  const n = names.length;
  const m = fit.ensembleSize;
  const scratch = new Float64Array(m);

  const parameters: ParameterSummary[] = calibrated.map((c, a) => {
    const pr = priors[a]!;
    const post = percentilesOfColumn(fit.ensembleLog, m, n, a, scratch, Math.exp);
    const ratio = Math.sqrt(fit.covLog[a * n + a]! / fit.priorVarLog[a]!);
    // Prior band of the mixture: the envelope of the components' central 90 % ranges.
    const lows = components.map((comp) => comp.priors[a]!.meanLog - Z90 * comp.priors[a]!.sdLog);
    const highs = components.map((comp) => comp.priors[a]!.meanLog + Z90 * comp.priors[a]!.sdLog);
    return {
      name: c.name,
      unit: PARAMETER_SPECS[c.name].unit,
      prior: {
        median: Math.exp(pr.meanLog),
        p05: Math.exp(Math.max(pr.lowerLog, Math.min(...lows))),
        p95: Math.exp(Math.min(pr.upperLog, Math.max(...highs))),
      },
      posterior: { map: Math.exp(fit.mapLog[a]!), ...post },
      sdRatio: ratio,
      identifiability: identifiabilityOf(ratio),
    };
  });

  const nOut = OUTPUT_KEYS.length;
  const outputs: Record<string, Percentiles> = {};
  OUTPUT_KEYS.forEach((k, b) => {
    outputs[k] = percentilesOfColumn(fit.ensembleOutputs, m, nOut, b, scratch);
  });

  const residuals: Residual[] = req.observations.map((o, i) => {
    const fo = observations[i]!;
    const predicted = fit.outputsAtMap[fo.outputIndex]!;
    const r: Residual = { key: o.key, observed: o.value, predicted, sd: fo.sd, z: (o.value - predicted) / fo.sd };
    if (o.source !== undefined) r.source = o.source;
    return r;
  });

  const ensemble: TwinEnsemble = {
    parameterNames: [...names],
    lowerLog: Float64Array.from(priors.map((p) => p.lowerLog)),
    upperLog: Float64Array.from(priors.map((p) => p.upperLog)),
    outputKeys: [...OUTPUT_KEYS],
    size: m,
    logParameters: fit.ensembleLog,
    outputs: fit.ensembleOutputs,
  };
  const mapMmHg = fit.outputsAtMap[OUTPUT_KEYS.indexOf('mapMmHg')]!;
  const cvpMmHg = fit.outputsAtMap[OUTPUT_KEYS.indexOf('cvpMmHg')];
  // fit.mapLog is the MAP of the most probable component (the first of equals): its archetype
  // supplies the non-calibrated parameters and the reflex gains of the twin.
  let best = 0;
  fit.components.forEach((c, i) => {
    if (c.posteriorWeight > fit.components[best]!.posteriorWeight) best = i;
  });
  const mapBase = archetypes[best]!.params;
  return {
    model: PHYSIOLOGY_MODEL,
    method: CALIBRATION_METHOD_VERSION,
    parameters,
    outputs,
    residuals,
    ensemble,
    mapParameters: toEngineParameters(mapBase, names, fit.mapLog, mapMmHg, mapBase.baroGain, cvpMmHg),
    archetypes: fit.components.map((c) => ({ label: c.label, priorWeight: c.priorWeight, posteriorWeight: c.posteriorWeight, members: c.members })),
    diagnostics: {
      modelRuns: models.reduce((a, m) => a + m.runs(), 0),
      evaluations: fit.evaluations,
      failedDraws: fit.failedDraws,
      elapsedMs: performance.now() - t0,
    },
  };
}

/**
 * The archetype parameter set each ensemble member was drawn from: members are stored component by
 * component, in the order of `archetypes` (as `CalibrationResult.archetypes[].members` counts them).
 */
export function memberBases(archetypes: readonly PriorArchetype[], result: Pick<CalibrationResult, 'archetypes' | 'ensemble'>): ModelParameters[] {
  const out: ModelParameters[] = [];
  result.archetypes.forEach((a, i) => {
    const params = archetypes[i]?.params;
    if (!params || archetypes[i]!.label !== a.label) throw new Error(`memberBases: archetype ${i} is ${archetypes[i]?.label ?? 'missing'}, the calibration's is ${a.label}`);
    for (let k = 0; k < a.members; k++) out.push(params);
  });
  if (out.length !== result.ensemble.size) throw new Error(`memberBases: ${out.length} members counted, the ensemble has ${result.ensemble.size}`);
  return out;
}

/**
 * Engine parameter sets for every ensemble member: the member's archetype (one base for all, or
 * one per member from `memberBases`) with its calibrated values, its reflexes closed at the
 * member's MAP and CVP with the archetype's own gains.
 */
export function ensembleEngineParameters(base: ModelParameters | readonly ModelParameters[], e: TwinEnsemble): ModelParameters[] {
  const n = e.parameterNames.length;
  const nOut = e.outputKeys.length;
  const iMap = e.outputKeys.indexOf('mapMmHg');
  const iCvp = e.outputKeys.indexOf('cvpMmHg');
  const names = e.parameterNames as ParameterName[];
  const bases = Array.isArray(base) ? (base as readonly ModelParameters[]) : undefined;
  if (bases && bases.length !== e.size) throw new Error(`ensembleEngineParameters: ${bases.length} bases for ${e.size} members`);
  const out: ModelParameters[] = [];
  for (let k = 0; k < e.size; k++) {
    const b = bases ? bases[k]! : (base as ModelParameters);
    out.push(toEngineParameters(b, names, e.logParameters.subarray(k * n, (k + 1) * n), e.outputs[k * nOut + iMap]!, b.baroGain, iCvp >= 0 ? e.outputs[k * nOut + iCvp] : undefined));
  }
  return out;
}

// ------------------------------------------------------------------ from a FHIR record

const DAY_MS = 86_400_000;
/** Inputs older than this (days, before the newest fitted value) are named as aged in the report. */
export const AGED_AFTER_DAYS = 30;

/**
 * Noise SD factor of an input `ageDays` older than the calibration's reference time: the variance
 * grows by one measurement variance per year, σ_eff = σ·√(1 + Δt / 1 y). Assumption: a reading a
 * year old is as uncertain about today's value as two independent readings' disagreement
 * (visit-to-visit BP variability is of the order of the cuff error; Rothwell 2010, Lancet 375:895);
 * no published drift rate covers all echo and vital quantities, so one rate is used for all.
 */
export function ageInflation(ageDays: number): number {
  return Math.sqrt(1 + Math.max(0, ageDays) / 365.25);
}

function formatAge(days: number): string {
  return days < 365.25 ? `${Math.round(days)} d` : `${(days / 365.25).toFixed(1)} y`;
}

/**
 * Chooses the observations to fit from an ingested record: the latest plausible value per kind.
 * MAP is used only when SBP or DBP is absent (a cuff's MAP is not independent of its SBP/DBP).
 */
export function observationsFromVitals(v: VitalsIngestResult): { observations: CalibrationObservation[]; inputs: InputReport } {
  const observations: CalibrationObservation[] = [];
  const used: InputReport['used'] = [];
  const aged: string[] = [];
  const notUsed: InputReport['notUsedByModel'] = [];
  const haveBoth = v.latest.sbpMmHg !== undefined && v.latest.dbpMmHg !== undefined;
  const fitted = (Object.entries(v.latest) as [VitalKind, NonNullable<VitalsIngestResult['latest'][VitalKind]>][]).filter(([kind]) => VITAL_TO_OUTPUT[kind] !== undefined);
  let refMs: number | undefined;
  let asOf: string | undefined;
  for (const [, o] of fitted) {
    if (o.timeMs !== undefined && (refMs === undefined || o.timeMs > refMs)) {
      refMs = o.timeMs;
      asOf = o.effective;
    }
  }
  for (const [kind, o] of Object.entries(v.latest) as [VitalKind, NonNullable<VitalsIngestResult['latest'][VitalKind]>][]) {
    const output = VITAL_TO_OUTPUT[kind];
    if (output === undefined) {
      notUsed.push({ kind, reason: NOT_FITTED_REASON[kind] ?? 'not part of the haemodynamic model' });
      continue;
    }
    if (kind === 'mapMmHg' && haveBoth) {
      notUsed.push({ kind, reason: 'SBP and DBP from the record are fitted; MAP from the same cuff adds no independent information' });
      continue;
    }
    const ageDays = refMs !== undefined && o.timeMs !== undefined ? (refMs - o.timeMs) / DAY_MS : undefined;
    const sdFactor = ageDays !== undefined ? ageInflation(ageDays) : 1;
    if (ageDays !== undefined && ageDays > AGED_AFTER_DAYS) aged.push(`${kind} ${formatAge(ageDays)} older than the newest input (weight ×${(1 / sdFactor ** 2).toFixed(2)})`);
    const obs: CalibrationObservation = { key: output, value: o.value, source: o.source };
    if (sdFactor !== 1) obs.sd = noiseSd(output, o.value) * sdFactor;
    observations.push(obs);
    used.push({
      kind,
      output,
      value: o.value,
      source: o.source,
      converted: o.converted,
      sdFactor,
      ...(o.effective !== undefined ? { effective: o.effective } : {}),
      ...(ageDays !== undefined ? { ageDays } : {}),
    });
  }
  const expected = EXPECTED_CALIBRATION_INPUTS;
  return {
    observations,
    inputs: {
      used,
      aged,
      asOf,
      missing: v.missing,
      implausible: v.implausible.map((o) => ({ kind: o.kind, value: o.value, reason: o.implausible ?? '', source: o.source })),
      converted: v.converted.map((o) => ({ kind: o.kind, from: `${o.original.value} ${o.original.unit}`, source: o.source })),
      rejected: v.rejected.map((r) => ({ source: r.source, reason: r.reason, ...(r.kind !== undefined ? { kind: r.kind } : {}) })),
      notUsedByModel: notUsed,
      missingFraction: v.missing.filter((k) => expected.includes(k)).length / expected.length,
    },
  };
}

/** Noise model table for documentation and the UI's provenance panel. */
export function noiseModelTable(): { key: string; absSd: number; relSd: number; source: string }[] {
  return (Object.keys(NOISE_MODELS) as OutputKey[]).map((k) => ({ key: k, ...NOISE_MODELS[k] }));
}
