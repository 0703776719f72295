// Replay a recorded ICU stay as a live monitor, through the Twin tab's own code path.
//
// The stay's record is cut at the end of a calibration window (the first CALIBRATION_HOURS of
// readings); the twin is calibrated on that part by the twin store's `calibrateTwin`, exactly as
// the Twin tab does when it opens the record. The rest is then fed to the store's `assimilateLive`
// in time order, one call per charting time — the same function that handles a live reading in
// the browser (judge against the forecast in force, background check, EnKF update, spread floor,
// new forecast). Nothing here re-implements those steps; the store runs with the calibration API
// in-process instead of in a worker (`inProcessCompute`).
//
// Every forecast the store issues is kept and scored at 1, 2 and 4 h against the reading of the
// same vital (and, for blood pressure, the same line: arterial or cuff) nearest to that lead
// time, within ±TOLERANCE_MIN; the two baselines (baselines.ts) are issued at the same instants
// from the same readings and scored against the same values. A point counts only where all three
// forecasters had a forecast (paired comparison).
//
// Artefacts: readings that `core/vitals/fhir-vitals.ts` flags implausible are shown by the product
// but not used by the twin, the baselines or the scores; readings the background check holds back
// (more than 4 SD from the forecast) are scored like any other — they happened.
import type { TwinCompute } from '../../src/twin/twinState';
import { throwIfAborted } from '../../core/domain/abort';
import { ingestFhirVitals, type NormalisedObservation, type VitalKind } from '../../core/vitals/fhir-vitals';
import { backgroundZ, forecastInForce, GROSS_ERROR_Z, judgeObservation, readingBandKey, type BandPosition, type IssuedForecast } from '../../core/vitals/forecastCoverage';
import { scoreIssuedForecasts, scoringSeries, siteOf, twinForecaster, type ForecasterFn, type IssuedScoredPoint, type Site } from '../../core/vitals/forecastScores';
import { assimilateLive, calibrateTwin, FORECAST_KEYS, selectTwinPatient, twinStore } from '../../src/twin/twinState';
import { calibrationApi } from '../../workers/physiology/calibration/api';
import { simulateSteadyState } from '../../workers/physiology/simulator';
import { persistenceForecast, sesForecast } from '../../workers/physiology/replay/baselines';
import { applyOperator, siteOperator, type MeasurementSite } from '../../core/vitals/observation-model';

export const CALIBRATION_HOURS = 6;
export const HORIZONS_H = [1, 2, 4] as const;
export const TOLERANCE_MIN = 30;
/**
 * The clinician's part of the live workflow, emulated: the Twin tab alerts when a reading leaves
 * the 90 % band and holds back readings beyond the background check; the clinician acknowledges and
 * presses Recalibrate. The replay presses it when one vital has been held back this many times in
 * a row (a sustained change, not one artefact). 0 turns it off (the twin then never recovers from a
 * level shift: every later reading is held back too).
 */
export const RECALIBRATE_AFTER_HELD_BACK = 3;

export type Forecaster = 'twin' | 'persistence' | 'ses';
export const FORECASTERS: readonly Forecaster[] = ['twin', 'persistence', 'ses'];
export type { Site };

/** The calibration API run in this thread: the worker's functions, without the worker. */
export const inProcessCompute: TwinCompute = {
  calibrateFromFhir: (res, options, job) => Promise.resolve(calibrationApi.calibrateFromFhir(res, options, job?.onProgress)),
  assimilateVitals: (e, v, seed) => Promise.resolve(calibrationApi.assimilateVitals(e, v, seed)),
  forecast: (e, o) => Promise.resolve(calibrationApi.forecast(e, o)),
  simulateSteadyState: (p) => Promise.resolve(simulateSteadyState(p)),
};

export interface ReplayPoint extends IssuedScoredPoint {
  forecaster: Forecaster;
}

/** A reading the live path judged: where it fell and whether the background check held it back. */
export interface JudgedReading {
  key: string;
  site: Site;
  tMs: number;
  value: number;
  position: BandPosition;
  z: number;
  heldBack: boolean;
}

export interface DriftEvent {
  key: string;
  site: Site;
  tMs: number;
  value: number;
  z: number;
  /** What the next readings of that vital did: back inside the 90 % band, or still outside. */
  outcome: 'back-inside' | 'stayed-outside' | 'no-later-reading';
  /** How many of the following readings of the vital were still outside the 90 % band (up to 6). */
  followingOutside: number;
  followingJudged: number;
}

export interface StayReplay {
  stayId: string;
  subjectId: string;
  /** Hours from the first to the last reading. */
  hours: number;
  calibrationEndMs: number;
  calibrationHours: number;
  readingsReplayed: number;
  /** Recalibrations pressed by the emulated clinician (RECALIBRATE_AFTER_HELD_BACK). */
  recalibrations: number;
  forecastsIssued: number;
  points: ReplayPoint[];
  judged: JudgedReading[];
  driftEvents: DriftEvent[];
  /** Held back according to the store itself (cross-check of `judged`). */
  storeHeldBack: number;
  /** Readings the store assimilated (EnKF updates), summed over recalibrations. */
  storeAssimilated: number;
  implausibleFlagged: number;
  /**
   * Where the mean pressure sits in the pulse, (MAP − DBP) / (SBP − DBP): measured per reading
   * (plausible SBP, DBP and MAP of one line at one time; all values) and the calibrated twin's
   * (ensemble means at calibration). A model whose waveform puts MAP elsewhere cannot match all
   * three readings at once (see docs/real-forecasts.md).
   */
  formFactor: { arterial: number[]; cuff: number[]; model: number; modelArterial: number; modelCuff: number };
  patientDefaults: string[];
  /** Calibration and recalibrations; the live updates (EnKF + forecast per charting time). */
  timingsMs: { calibrate: number; replay: number };
  /** Why the stay was not replayed (no vitals to calibrate on, calibration failed). */
  skipped?: string;
}

export interface ReplayOptions {
  calibrationHours?: number;
  horizonsH?: readonly number[];
  toleranceMin?: number;
  /** See RECALIBRATE_AFTER_HELD_BACK. */
  recalibrateAfterHeldBack?: number;
  compute?: TwinCompute;
  /** Called after each charting time (fraction of the stay replayed). */
  onProgress?: (fraction: number) => void;
  signal?: AbortSignal;
}

const FORECAST_KEY_SET = new Set<string>(FORECAST_KEYS);

/** The stay's Patient + the Observations at or before `endMs` (what the record held then). */
function recordUpTo(bundle: { entry: { resource: Record<string, unknown> }[] }, endMs: number): unknown[] {
  const out: unknown[] = [];
  for (const e of bundle.entry) {
    const r = e.resource;
    if (r.resourceType === 'Patient') out.push(r);
    else if (r.resourceType === 'Observation') {
      const t = Date.parse(String(r.effectiveDateTime ?? ''));
      if (Number.isFinite(t) && t <= endMs) out.push(r);
    }
  }
  return out;
}

function seriesKey(key: string, site: Site): string {
  return `${key}|${site}`;
}

/** Replays one ICU stay (a Bundle from `mimic3ToBundles`). Resets the twin store to this stay. */
export async function replayStay(
  stay: { stayId: string; subjectId: string; bundle: { entry: { resource: Record<string, unknown> }[] } },
  options: ReplayOptions = {},
): Promise<StayReplay> {
  const calibrationHours = options.calibrationHours ?? CALIBRATION_HOURS;
  const horizons = options.horizonsH ?? HORIZONS_H;
  const toleranceMs = (options.toleranceMin ?? TOLERANCE_MIN) * 60_000;
  const compute = options.compute ?? inProcessCompute;
  const recalibrateAfter = options.recalibrateAfterHeldBack ?? RECALIBRATE_AFTER_HELD_BACK;
  const v = ingestFhirVitals(stay.bundle);
  const dated = v.observations.filter((o) => o.timeMs !== undefined);
  const base: StayReplay = {
    stayId: stay.stayId,
    subjectId: stay.subjectId,
    hours: dated.length > 1 ? (dated.at(-1)!.timeMs! - dated[0]!.timeMs!) / 3_600_000 : 0,
    calibrationEndMs: NaN,
    calibrationHours,
    readingsReplayed: 0,
    recalibrations: 0,
    forecastsIssued: 0,
    points: [],
    judged: [],
    driftEvents: [],
    storeHeldBack: 0,
    storeAssimilated: 0,
    implausibleFlagged: v.implausible.length,
    formFactor: { arterial: [], cuff: [], model: NaN, modelArterial: NaN, modelCuff: NaN },
    patientDefaults: [],
    timingsMs: { calibrate: 0, replay: 0 },
  };
  if (dated.length === 0) return { ...base, skipped: 'no dated vital signs' };

  // Calibration window: the first hours, extended until a plausible HR and a blood pressure exist.
  const plausible = dated.filter((o) => o.implausible === undefined);
  const firstOf = (kinds: VitalKind[]) => plausible.find((o) => kinds.includes(o.kind))?.timeMs;
  const firstHr = firstOf(['hrBpm']);
  const firstBp = firstOf(['sbpMmHg', 'mapMmHg']);
  if (firstHr === undefined || firstBp === undefined) return { ...base, skipped: 'no plausible heart rate or blood pressure to calibrate on' };
  const calibrationEndMs = Math.max(dated[0]!.timeMs! + calibrationHours * 3_600_000, firstHr, firstBp);
  base.calibrationEndMs = calibrationEndMs;
  base.calibrationHours = (calibrationEndMs - dated[0]!.timeMs!) / 3_600_000;

  // Per vital and line: plausible readings, for the baselines and as scoring targets.
  const series = scoringSeries(plausible, FORECAST_KEYS);
  base.formFactor = { ...measuredFormFactors(plausible), model: NaN, modelArterial: NaN, modelCuff: NaN };

  const patientId = `replay-${stay.stayId}`;
  selectTwinPatient(patientId);
  const t0 = performance.now();
  await calibrateTwin(compute, patientId, recordUpTo(stay.bundle, calibrationEndMs), { nowMs: calibrationEndMs, ...(options.signal ? { signal: options.signal } : {}) });
  base.timingsMs.calibrate = performance.now() - t0;
  const cal = twinStore.getState();
  if (cal.status !== 'ready') return { ...base, skipped: `calibration failed: ${cal.error ?? cal.status}` };
  if (!cal.forecast) return { ...base, skipped: `no forecast: ${cal.calibration?.capability?.headline || 'the twin issued none'}` };
  base.patientDefaults = cal.calibration?.patientDefaults ?? [];
  base.formFactor.model = ensembleFormFactor(cal.calibration!.ensemble);
  base.formFactor.modelArterial = ensembleFormFactor(cal.calibration!.ensemble, 'arterial');
  base.formFactor.modelCuff = ensembleFormFactor(cal.calibration!.ensemble, 'cuff');

  const forecasts: IssuedForecast[] = [cal.forecast];
  const later = dated.filter((o) => o.timeMs! > calibrationEndMs);
  const groups: NormalisedObservation[][] = [];
  for (const o of later) {
    const g = groups.at(-1);
    if (g && g[0]!.timeMs === o.timeMs) g.push(o);
    else groups.push([o]);
  }
  const t1 = performance.now();
  let heldBackSeen = new Set(cal.notAssimilated);
  const heldBackRun = new Map<string, number>();
  let recalibrationMs = 0;
  for (let gi = 0; gi < groups.length; gi++) {
    throwIfAborted(options.signal, 'the replay');
    const g = groups[gi]!;
    const before = twinStore.getState();
    // Where each reading falls, seen exactly as the store sees it (forecast in force, background z).
    for (const o of g) {
      if (o.implausible || !FORECAST_KEY_SET.has(o.kind)) continue;
      const inForce = forecastInForce(before.history, o.timeMs!) ?? before.forecast;
      const j = judgeObservation(inForce, { key: readingBandKey(inForce, o.kind, o.loinc), value: o.value, tMs: o.timeMs!, source: o.source });
      if (!j) continue;
      const z = backgroundZ(o.value, j.band);
      const heldBack = Math.abs(z) > GROSS_ERROR_Z;
      base.judged.push({ key: o.kind, site: siteOf(o), tMs: o.timeMs!, value: o.value, position: j.position, z, heldBack });
      const k = seriesKey(o.kind, siteOf(o));
      heldBackRun.set(k, heldBack ? (heldBackRun.get(k) ?? 0) + 1 : 0);
    }
    await assimilateLive(compute, patientId, g);
    const after = twinStore.getState();
    base.storeAssimilated += after.assimilated - before.assimilated;
    if (after.forecast && after.forecast !== forecasts.at(-1)) forecasts.push(after.forecast);
    for (const src of after.notAssimilated) if (!heldBackSeen.has(src)) base.storeHeldBack++;
    heldBackSeen = new Set(after.notAssimilated);
    base.readingsReplayed += g.length;
    if (recalibrateAfter > 0 && [...heldBackRun.values()].some((n) => n >= recalibrateAfter)) {
      const nowMs = g[0]!.timeMs!;
      const tc = performance.now();
      await calibrateTwin(compute, patientId, recordUpTo(stay.bundle, nowMs), { nowMs });
      const recalMs = performance.now() - tc;
      base.timingsMs.calibrate += recalMs;
      recalibrationMs += recalMs;
      const re = twinStore.getState();
      if (re.status === 'ready' && re.forecast) {
        forecasts.push(re.forecast);
        base.recalibrations++;
      }
      heldBackRun.clear();
      heldBackSeen = new Set(re.notAssimilated);
    }
    options.onProgress?.((gi + 1) / groups.length);
  }
  // Recalibrations are counted under `calibrate`, not twice.
  base.timingsMs.replay = performance.now() - t1 - recalibrationMs;
  base.forecastsIssued = forecasts.length;
  base.points = scoreIssuedForecasts(forecasts, series, horizons, toleranceMs, replayForecasters(toleranceMs)) as ReplayPoint[];
  base.driftEvents = driftEvents(base.judged);
  return base;
}

/** The three forecasters, all issued at the twin's forecast instants from the readings up to then. */
export function replayForecasters(toleranceMs: number): Record<Forecaster, ForecasterFn> {
  return {
    twin: twinForecaster,
    persistence: (f, s, _t, h) => persistenceForecast(s, f.issuedAtMs, h, toleranceMs),
    ses: (f, s, _t, h) => sesForecast(s, f.issuedAtMs, h),
  };
}

/** (MAP − DBP) / (SBP − DBP) of each reading with all three from one line at one time. */
export function measuredFormFactors(observations: readonly NormalisedObservation[]): { arterial: number[]; cuff: number[] } {
  const byReading = new Map<string, { site: Site; s?: number; d?: number; m?: number }>();
  for (const o of observations) {
    if (o.implausible || o.timeMs === undefined) continue;
    if (o.kind !== 'sbpMmHg' && o.kind !== 'dbpMmHg' && o.kind !== 'mapMmHg') continue;
    const site = siteOf(o);
    if (site === 'none') continue;
    const key = `${o.source.replace(/\.component\[\d+\]$/, '')}@${o.timeMs}`;
    const r = byReading.get(key) ?? { site };
    if (o.kind === 'sbpMmHg') r.s = o.value;
    else if (o.kind === 'dbpMmHg') r.d = o.value;
    else r.m = o.value;
    byReading.set(key, r);
  }
  const out = { arterial: [] as number[], cuff: [] as number[] };
  for (const r of byReading.values()) {
    if (r.s === undefined || r.d === undefined || r.m === undefined || !(r.s - r.d >= 5)) continue;
    (r.site === 'arterial' ? out.arterial : out.cuff).push((r.m - r.d) / (r.s - r.d));
  }
  return out;
}

/** The calibrated twin's form factor: aortic (the engine's own), or as seen at a site through its observation operator. */
function ensembleFormFactor(e: { size: number; outputKeys: string[]; outputs: Float64Array }, site?: MeasurementSite): number {
  const col = (k: string) => {
    const j = e.outputKeys.indexOf(k);
    let sum = 0;
    for (let i = 0; i < e.size; i++) sum += e.outputs[i * e.outputKeys.length + j]!;
    return sum / e.size;
  };
  // The operators are linear: the site value of the mean is the mean of the site values.
  const at = (k: 'sbpMmHg' | 'dbpMmHg' | 'mapMmHg') => (site ? applyOperator(siteOperator(site, k), col) : col(k));
  const sbp = at('sbpMmHg');
  const dbp = at('dbpMmHg');
  return (at('mapMmHg') - dbp) / (sbp - dbp);
}

const FOLLOW = 6;

/** For each reading held back by the background check: did the vital come back into the band? */
export function driftEvents(judged: readonly JudgedReading[]): DriftEvent[] {
  const out: DriftEvent[] = [];
  for (let i = 0; i < judged.length; i++) {
    const r = judged[i]!;
    if (!r.heldBack) continue;
    let following = 0;
    let outside = 0;
    let firstOutside: boolean | undefined;
    for (let k = i + 1; k < judged.length && following < FOLLOW; k++) {
      const x = judged[k]!;
      if (x.key !== r.key || x.site !== r.site) continue;
      following++;
      const out90 = x.position === 'below90' || x.position === 'above90';
      if (out90) outside++;
      firstOutside ??= out90;
    }
    out.push({
      key: r.key,
      site: r.site,
      tMs: r.tMs,
      value: r.value,
      z: r.z,
      outcome: firstOutside === undefined ? 'no-later-reading' : firstOutside ? 'stayed-outside' : 'back-inside',
      followingOutside: outside,
      followingJudged: following,
    });
  }
  return out;
}
