// Calibration, assimilation and forecast as plain-data functions, for the physiology worker
// (physiology.worker.ts spreads `calibrationApi` into its comlink API) and for Node callers.
// Pure: no worker, DOM or Node specifics. Ensembles cross the boundary as TwinEnsemble (two
// Float64Arrays + names), so callers can transfer their buffers.

import type { VitalsIngestResult } from '../../../core/vitals/fhir-vitals';
import { ingestFhirVitals } from '../../../core/vitals/fhir-vitals';
import { assimilate, type AssimilationObservation } from '../ensemble/assimilate';
import { forecastEnsemble } from '../ensemble/forecast';
import type { PhysiologyApi } from '../../../core/contracts/physiology-worker';
import type { TwinEnsemble, AssimilationResult, ForecastOptions, ForecastResult, NewVital } from '../../../core/vitals/twin';
export type { NewVital } from '../../../core/vitals/twin';
import { calibrateFromRecord, clinicalInputsOf, type RecordCalibrationOptions, type RecordCalibrationResult } from './from-record';
import { VITAL_TO_OUTPUT, isBpKey, noiseSd, siteKey, siteNoiseSd, siteOperator } from '../../../core/vitals/observation-model';

export const calibrationApi = {
  /**
   * Normalise a FHIR Bundle (or resources) and calibrate the twin to it. `onProgress` is a
   * top-level argument so a comlink client can pass `proxy(fn)`; to cancel from a browser, terminate
   * the worker (a synchronous fit cannot poll an asynchronous message).
   */
  calibrateFromFhir(bundle: unknown, options: RecordCalibrationOptions = {}, onProgress?: (fraction: number) => void): RecordCalibrationResult {
    return calibrateFromRecord(ingestFhirVitals(bundle), withProgress({ clinical: clinicalInputsOf(bundle), ...options }, onProgress));
  },
  /** Calibrate from an already normalised record (e.g. the UI's cached ingest result). */
  calibrateFromRecord(vitals: VitalsIngestResult, options: RecordCalibrationOptions = {}, onProgress?: (fraction: number) => void): RecordCalibrationResult {
    return calibrateFromRecord(vitals, withProgress(options, onProgress));
  },
  /**
   * Sequential update with newly arrived vitals (canonical units, as ingest produces them); noise
   * SDs come from the documented noise models. A blood pressure with a measurement site is observed
   * through that site's operator and noise (observation-model.ts), under the key `sbpMmHg@cuff`
   * etc. (so its innovation is told apart). Kinds the model does not observe are reported in
   * `ignored`.
   */
  assimilateVitals(ensemble: TwinEnsemble, vitals: readonly NewVital[], seed?: number): AssimilationResult {
    const observations: AssimilationObservation[] = [];
    const skipped: { key: string; reason: string }[] = [];
    for (const v of vitals) {
      const key = VITAL_TO_OUTPUT[v.kind];
      if (key === undefined) skipped.push({ key: v.kind, reason: 'not observed by the haemodynamic model' });
      else if (v.site !== undefined && isBpKey(key)) {
        observations.push({ key: siteKey(key, v.site), value: v.value, sd: siteNoiseSd(v.site, key, v.value), operator: siteOperator(v.site, key) });
      } else observations.push({ key, value: v.value, sd: noiseSd(key, v.value) });
    }
    const r = assimilate(ensemble, observations, seed === undefined ? {} : { seed });
    return { ...r, ignored: [...skipped, ...r.ignored] };
  },
  /** Per-metric percentile bands over the horizon (no intervention: slow physiological drift). */
  forecast(ensemble: TwinEnsemble, options: ForecastOptions): ForecastResult {
    return forecastEnsemble(ensemble, options);
  },
};

export type CalibrationApi = typeof calibrationApi;
/** What a comlink client of physiology.worker.ts sees: the engine API plus calibration. */
export type TwinWorkerApi = PhysiologyApi & CalibrationApi;

function withProgress(options: RecordCalibrationOptions, onProgress?: (fraction: number) => void): RecordCalibrationOptions {
  if (onProgress === undefined) return options;
  return { ...options, fit: { ...options.fit, onProgress: (f: number) => void onProgress(f) } };
}

/** Typed-array buffers of an ensemble, for comlink `transfer`. */
export function ensembleTransferables(e: TwinEnsemble): ArrayBuffer[] {
  return [e.logParameters.buffer as ArrayBuffer, e.outputs.buffer as ArrayBuffer];
}
