// The patient's twin as the UI holds it (zustand, vanilla store usable outside React): the
// calibration result, the current ensemble after sequential updates, the forecast issued from
// it, the forecasts issued before (for the Validation view), band alerts and the calibrated
// twin's waveforms. Server data (the record) stays in react-query; this holds only what the twin
// computed. Actions take a `TwinCompute` (the worker client in the browser, the same pure
// functions in Node tests), so the store never reaches a worker by itself.
import { createStore, useStore } from 'zustand';
import type { ModelParameters, SteadyStateResult } from '../../core/domain/physiology';
import { applyOperator, BP_KEYS, MEASUREMENT_SITES, noiseSd, siteKey, siteNoiseSd, siteOfLoinc, siteOperator, type LinearObservation, type OutputKey } from '../../core/vitals/observation-model';
import { backgroundZ, forecastInForce, GROSS_ERROR_Z, judgeObservation, mergeAlert, readingBandKey, type BandAlert, type CoverageRecord, type IssuedForecast } from '../../core/vitals/forecastCoverage';
import { applySpreadFloor } from '../../core/domain/ensembleSpread';
import type { NormalisedObservation, VitalKind } from '../../core/vitals/fhir-vitals';
import type { AssimilationResult, ForecastOptions, ForecastResult, NewVital, RecordCalibrationOptions, RecordCalibrationResult, TwinEnsemble } from '../../core/vitals/twin';
import { explainRecalibration, type RecalibrationChange } from './recalibration';
import type { ModelErrorGrowth } from '../../core/vitals/forecastCoverage';
import { modelErrorGrowth, recordForecastErrors, type ForecastErrorHistory } from '../../core/vitals/modelError';

/** Cancel and progress of one compute job. */
export interface TwinJobOptions {
  signal?: AbortSignal;
  onProgress?: (fraction: number) => void;
}

/**
 * What the twin store needs from a compute back end: the port its actions are given. The browser
 * passes the worker client (`src/compute/twinCalibration.ts` implements it); Node tests pass the
 * same pure functions in-process. Declared here, beside its user, so the store imports no compute code.
 */
export interface TwinCompute {
  calibrateFromFhir(resources: unknown, options: RecordCalibrationOptions, job?: TwinJobOptions): Promise<RecordCalibrationResult>;
  assimilateVitals(ensemble: TwinEnsemble, vitals: readonly NewVital[], seed?: number): Promise<AssimilationResult>;
  forecast(ensemble: TwinEnsemble, options: ForecastOptions): Promise<ForecastResult>;
  simulateSteadyState(params: ModelParameters): Promise<SteadyStateResult>;
}

/** Vitals the twin forecasts (model outputs observed at the bedside). */
export const FORECAST_KEYS = ['hrBpm', 'sbpMmHg', 'dbpMmHg', 'mapMmHg'] as const;
export type ForecastKey = (typeof FORECAST_KEYS)[number];
export const FORECAST_HORIZON_SEC = 6 * 3600;
export const FORECAST_STEP_SEC = 600;
/** Spread floor after each live update, as a fraction of the calibration's spread (ensembleSpread.ts). */
export const SPREAD_FLOOR = 0.5;
/** Past forecasts kept for the Validation view (a forecast a reading, a shift of 5-min readings). */
const HISTORY_LIMIT = 200;

export type TwinStatus = 'idle' | 'calibrating' | 'ready' | 'error' | 'cancelled';

export interface AcknowledgedAlert {
  alert: BandAlert;
  by: string;
  atMs: number;
  note?: string;
}

export interface TwinState {
  patientId: string | undefined;
  status: TwinStatus;
  /** 0–1 while calibrating. */
  progress: number;
  error: string | undefined;
  calibration: RecordCalibrationResult | undefined;
  calibratedAtMs: number | undefined;
  /** Current ensemble: the calibration's, then updated by every assimilated reading. */
  ensemble: TwinEnsemble | undefined;
  forecast: IssuedForecast | undefined;
  /** Every forecast issued since calibration, oldest first (the current one last). */
  history: IssuedForecast[];
  /** Each live reading judged against the forecast in force when it arrived. */
  coverage: CoverageRecord[];
  alerts: BandAlert[];
  acknowledged: AcknowledgedAlert[];
  assimilated: number;
  /** Live readings held back by the background check (sources, latest 50). */
  notAssimilated: string[];
  /** Readings that arrived live (after the record was loaded), oldest first. */
  live: NormalisedObservation[];
  steadyState: SteadyStateResult | undefined;
  /** What the latest recalibration changed compared with the twin it replaced (none after the first). */
  recalibration: RecalibrationChange | undefined;
  /** Past forecasts' errors since calibration, for the bands' model-error term (core/vitals/modelError.ts). */
  forecastErrors: ForecastErrorHistory;
}

const initial = (patientId: string | undefined): TwinState => ({
  patientId,
  status: 'idle',
  progress: 0,
  error: undefined,
  calibration: undefined,
  calibratedAtMs: undefined,
  ensemble: undefined,
  forecast: undefined,
  history: [],
  coverage: [],
  alerts: [],
  acknowledged: [],
  assimilated: 0,
  notAssimilated: [],
  live: [],
  steadyState: undefined,
  recalibration: undefined,
  forecastErrors: {},
});

export const twinStore = createStore<TwinState>(() => initial(undefined));

export function useTwin<T>(selector: (s: TwinState) => T): T {
  return useStore(twinStore, selector);
}

/** Switch to a patient (clears the previous patient's twin; same patient keeps it). */
export function selectTwinPatient(patientId: string): void {
  if (twinStore.getState().patientId !== patientId) twinStore.setState(initial(patientId), true);
}

/** Ensemble mean of one output (the noise model's value argument). */
function outputMean(e: TwinEnsemble, key: string): number | undefined {
  const j = e.outputKeys.indexOf(key);
  if (j < 0) return undefined;
  let s = 0;
  for (let k = 0; k < e.size; k++) s += e.outputs[k * e.outputKeys.length + j]!;
  return s / e.size;
}

let forecastSeq = 0;

/**
 * Forecast bands widened by each vital's measurement noise (observation-model.ts), so that they
 * can be compared with raw readings: "outside the 90 % band" then means outside what the model
 * and the device together make likely — plus the model error, growing with lead time, that this
 * patient's past forecast errors show (core/vitals/modelError.ts; none until enough readings were
 * scored). Blood pressures are forecast as the model's own (aortic) value and, for each measurement
 * site, through that site's observation operator (`mapMmHg@arterial`, `mapMmHg@cuff`): a reading is
 * judged against its site's band.
 */
async function issueForecast(compute: TwinCompute, e: TwinEnsemble, issuedAtMs: number, errors: ForecastErrorHistory = {}): Promise<IssuedForecast> {
  const base = FORECAST_KEYS.filter((k) => e.outputKeys.includes(k));
  const keys: string[] = [...base];
  const operators: Record<string, LinearObservation> = {};
  const observationSd: Record<string, number> = {};
  const modelError: Record<string, ModelErrorGrowth> = {};
  const means: Record<string, number> = {};
  for (const k of base) {
    const m = outputMean(e, k);
    if (m === undefined) continue;
    means[k] = m;
    observationSd[k] = noiseSd(k as OutputKey, m);
  }
  for (const k of BP_KEYS) {
    if (!base.includes(k) || !base.includes('sbpMmHg') || !base.includes('dbpMmHg')) continue;
    for (const site of MEASUREMENT_SITES) {
      const sk = siteKey(k, site);
      const op = siteOperator(site, k);
      keys.push(sk);
      operators[sk] = op;
      observationSd[sk] = siteNoiseSd(site, k, applyOperator(op, (o) => means[o] ?? 0));
    }
  }
  for (const k of keys) {
    const g = modelErrorGrowth(errors, k);
    if (g) modelError[k] = g;
  }
  forecastSeq++;
  const r = await compute.forecast(e, { horizonSec: FORECAST_HORIZON_SEC, stepSec: FORECAST_STEP_SEC, keys, observationSd, operators, modelError, seed: 11 + forecastSeq });
  return { id: `fc-${issuedAtMs.toString(36)}-${forecastSeq}`, issuedAtMs, tSec: r.tSec, bands: r.bands, modelError };
}

function pushHistory(history: IssuedForecast[], f: IssuedForecast): IssuedForecast[] {
  const next = [...history, f];
  return next.length > HISTORY_LIMIT ? next.slice(next.length - HISTORY_LIMIT) : next;
}

function isAbort(err: unknown): boolean {
  return err instanceof Error && err.name === 'AbortError';
}

/**
 * Calibrate the twin to the patient's record (resources: Patient, Observations, medications), then
 * issue the first forecast and compute the calibrated twin's beat (waveforms, PV loop).
 */
export async function calibrateTwin(compute: TwinCompute, patientId: string, resources: unknown[], opts: { signal?: AbortSignal; nowMs?: number } = {}): Promise<void> {
  selectTwinPatient(patientId);
  twinStore.setState({ status: 'calibrating', progress: 0, error: undefined });
  try {
    // "Now" for the capability assessment (stale vitals, age) is the caller's clock when given.
    const cal = await compute.calibrateFromFhir(resources, opts.nowMs !== undefined ? { now: new Date(opts.nowMs).toISOString() } : {}, {
      signal: opts.signal,
      onProgress: (f) => {
        // Per whole percent only: each update re-renders the view.
        if (f - twinStore.getState().progress < 0.01 || twinStore.getState().patientId !== patientId) return;
        twinStore.setState({ progress: f });
      },
    });
    if (twinStore.getState().patientId !== patientId) return;
    const now = opts.nowMs ?? Date.now();
    // No live forecast from a twin whose newest vital is older than the horizon, or for a patient
    // who has died (capability, issue 12): the calibration stands "as of" its newest data only.
    const forecast = cal.capability?.canForecast === false ? undefined : await issueForecast(compute, cal.ensemble, now);
    const previous = twinStore.getState();
    const recalibration =
      previous.calibration && forecast
        ? explainRecalibration({ calibration: previous.calibration, forecast: previous.forecast, assimilated: previous.assimilated }, { calibration: cal, forecast })
        : undefined;
    twinStore.setState({
      recalibration,
      status: 'ready',
      progress: 1,
      calibration: cal,
      calibratedAtMs: now,
      ensemble: cal.ensemble,
      forecast,
      history: forecast ? pushHistory([], forecast) : [],
      coverage: [],
      assimilated: 0,
      notAssimilated: [],
      steadyState: undefined,
      forecastErrors: {},
    });
    const beat = await compute.simulateSteadyState(cal.mapParameters);
    if (twinStore.getState().calibration === cal) twinStore.setState({ steadyState: beat });
  } catch (err) {
    if (twinStore.getState().patientId !== patientId) return;
    if (isAbort(err)) twinStore.setState({ status: twinStore.getState().calibration ? 'ready' : 'cancelled', progress: 0 });
    else twinStore.setState({ status: 'error', error: err instanceof Error ? err.message : String(err) });
  }
}

let chain: Promise<unknown> = Promise.resolve();

/**
 * Live readings: each is first judged against the forecast in force (coverage, alert when outside
 * the 90 % band), then all are assimilated in one EnKF update (no refit) and a new forecast is
 * issued from the updated ensemble. Calls are serialised so updates apply in arrival order.
 */
export function assimilateLive(compute: TwinCompute, patientId: string, readings: readonly NormalisedObservation[], opts: { nowMs?: number } = {}): Promise<void> {
  const run = async () => {
    const s = twinStore.getState();
    if (s.patientId !== patientId) return;
    const known = new Set(s.live.map((o) => `${o.source}:${o.kind}`));
    const fresh = readings.filter((o) => !known.has(`${o.source}:${o.kind}`));
    if (fresh.length === 0) return;
    const live = [...s.live, ...fresh].sort((a, b) => (a.timeMs ?? 0) - (b.timeMs ?? 0));
    if (s.status !== 'ready' || !s.ensemble || !s.calibration || !s.forecast) {
      twinStore.setState({ live });
      return;
    }
    const coverage = [...s.coverage];
    let alerts = s.alerts;
    const grossErrors = new Set<NormalisedObservation>();
    const scored: { key: string; value: number; tMs: number }[] = [];
    for (const o of fresh) {
      if (o.implausible || o.timeMs === undefined || !(FORECAST_KEYS as readonly VitalKind[]).includes(o.kind)) continue;
      const inForce = forecastInForce(s.history, o.timeMs) ?? s.forecast;
      const key = readingBandKey(inForce, o.kind, o.loinc);
      scored.push({ key, value: o.value, tMs: o.timeMs });
      const j = judgeObservation(inForce, { key, value: o.value, tMs: o.timeMs, source: o.source });
      if (!j) continue;
      coverage.push({ key: o.kind, position: j.position });
      if (j.alert) alerts = mergeAlert(alerts, { ...j.alert, key: o.kind });
      if (Math.abs(backgroundZ(o.value, j.band)) > GROSS_ERROR_Z) grossErrors.add(o);
    }
    const vitals = fresh
      .filter((o) => !o.implausible && !grossErrors.has(o))
      .map((o) => {
        const site = siteOfLoinc(o.loinc);
        return site === 'none' ? { kind: o.kind, value: o.value } : { kind: o.kind, value: o.value, site };
      });
    const notAssimilated = [...s.notAssimilated, ...[...grossErrors].map((o) => o.source)].slice(-50);
    // The readings score the forecasts issued before them (the bands' model-error term).
    const forecastErrors = recordForecastErrors(s.forecastErrors, s.history, scored);
    if (vitals.length === 0) {
      twinStore.setState({ live, coverage, alerts, notAssimilated, forecastErrors });
      return;
    }
    const r = await compute.assimilateVitals(s.ensemble, vitals, 1000 + s.assimilated);
    // Monitor readings seconds apart are not independent: keep the spread from collapsing.
    const { ensemble } = applySpreadFloor(r.ensemble, s.calibration.ensemble, SPREAD_FLOOR);
    // Issued at the time of the newest reading it has seen (not the wall clock), so a reading that
    // arrives late is still judged against a forecast made without it (forecastInForce).
    const latestMs = Math.max(...fresh.map((o) => o.timeMs ?? 0));
    const issuedAtMs = Math.max(latestMs > 0 ? latestMs : (opts.nowMs ?? Date.now()), s.forecast?.issuedAtMs ?? 0);
    const forecast = await issueForecast(compute, ensemble, issuedAtMs, forecastErrors);
    const now = twinStore.getState();
    if (now.patientId !== patientId || now.calibration !== s.calibration) return;
    // One store update per batch: the timeline redraws once per arrival, not per step.
    // Alerts acknowledged while this update ran must not come back from the snapshot taken before it.
    // A reading merged into such an alert after it was acknowledged opens a new alert (new id).
    const acked = new Map(now.acknowledged.map((k) => [k.alert.id, k.alert.count]));
    const openAlerts = alerts.flatMap((a) => {
      const seen = acked.get(a.id);
      if (seen === undefined) return [a];
      return a.count > seen ? [{ ...a, id: `${a.id}+${a.count}`, count: a.count - seen }] : [];
    });
    twinStore.setState({ live, coverage, alerts: openAlerts, notAssimilated, ensemble, forecast, forecastErrors, history: pushHistory(now.history, forecast), assimilated: now.assimilated + vitals.length });
  };
  const p = chain.then(run, run);
  chain = p.catch(() => undefined);
  return p;
}

/** Move alerts to the acknowledged list (after the Flag + Provenance were written). */
export function markAcknowledged(ids: readonly string[], by: string, atMs = Date.now(), note?: string): void {
  const s = twinStore.getState();
  const done = s.alerts.filter((a) => ids.includes(a.id));
  twinStore.setState({
    alerts: s.alerts.filter((a) => !ids.includes(a.id)),
    acknowledged: [...s.acknowledged, ...done.map((alert) => ({ alert, by, atMs, ...(note ? { note } : {}) }))],
  });
}

/** Plain-language confidence of the calibrated twin, for the Provenance panel. */
export function confidenceText(cal: RecordCalibrationResult): { level: 'high' | 'moderate' | 'low'; text: string } {
  const identified = cal.parameters.filter((p) => p.identifiability === 'identified').length;
  const worstZ = cal.residuals.reduce((m, r) => Math.max(m, Math.abs(r.z)), 0);
  const missing = cal.inputs.missingFraction;
  const level: 'high' | 'moderate' | 'low' = worstZ > 3 || missing > 0.5 ? 'low' : identified >= cal.parameters.length / 2 && worstZ <= 2 && missing <= 0.2 ? 'high' : 'moderate';
  const fit = worstZ <= 2 ? 'the twin reproduces every fitted value within its measurement error' : `one fitted value is ${worstZ.toFixed(1)} SD from the twin (see residuals)`;
  const data = missing === 0 ? 'no expected input is missing' : `${Math.round(missing * 100)} % of the expected inputs are missing`;
  return {
    level,
    text: `Confidence ${level}: ${fit}; ${identified} of ${cal.parameters.length} parameters are identified by the data; ${data}. Bands show the remaining uncertainty.`,
  };
}
