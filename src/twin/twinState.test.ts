// The twin store against the real calibration functions (the worker's API, run in-process).
import { beforeEach, describe, expect, it } from 'vitest';
import { calibrationApi } from '../../workers/physiology/calibration/api';
import { simulateSteadyState } from '../../workers/physiology';
import { bandAt } from '../../core/vitals/forecastCoverage';
import { CALIBRATION_METHOD_ID, PHYSIOLOGY_ENGINE_NAME, PHYSIOLOGY_ENGINE_VERSION } from '../../core/contracts/versions';
import { forecastBundle } from '../../core/domain/twinRecords';
import type { NormalisedObservation } from '../../core/vitals/fhir-vitals';
import { assimilateLive, calibrateTwin, confidenceText, FORECAST_HORIZON_SEC, markAcknowledged, selectTwinPatient, twinStore, type TwinCompute } from './twinState';

const inProcess: TwinCompute = {
  calibrateFromFhir: (res, options, job) => Promise.resolve(calibrationApi.calibrateFromFhir(res, { ...options, fit: { ...options.fit, ensembleSize: 40 } }, job?.onProgress)),
  assimilateVitals: (e, v, seed) => Promise.resolve(calibrationApi.assimilateVitals(e, v, seed)),
  forecast: (e, o) => Promise.resolve(calibrationApi.forecast(e, o)),
  simulateSteadyState: (p) => Promise.resolve(simulateSteadyState(p)),
};

const T0 = Date.parse('2026-11-21T06:00:00Z');
const obs = (code: string, value: number, unit: string, ucum: string, id: string, tMs: number) => ({
  resourceType: 'Observation',
  id,
  status: 'final',
  subject: { reference: 'Patient/p1' },
  code: { coding: [{ system: 'http://loinc.org', code }] },
  effectiveDateTime: new Date(tMs).toISOString(),
  valueQuantity: { value, unit, system: 'http://unitsofmeasure.org', code: ucum },
});
const record = [
  { resourceType: 'Patient', id: 'p1', gender: 'female', birthDate: '1954-03-01' },
  obs('8867-4', 72, 'beats/minute', '/min', 'hr1', T0 - 60_000),
  obs('8480-6', 128, 'mmHg', 'mm[Hg]', 's1', T0 - 60_000),
  obs('8462-4', 78, 'mmHg', 'mm[Hg]', 'd1', T0 - 60_000),
  obs('8302-2', 165, 'cm', 'cm', 'h1', T0 - 86_400_000),
  obs('29463-7', 70, 'kg', 'kg', 'w1', T0 - 86_400_000),
];
const reading = (kind: NormalisedObservation['kind'], value: number, source: string, tMs: number): NormalisedObservation => ({
  kind,
  value,
  unit: 'mm[Hg]',
  effective: new Date(tMs).toISOString(),
  timeMs: tMs,
  source,
  loinc: '8480-6',
  converted: false,
  original: { value, unit: 'mm[Hg]' },
});

describe('twin store', () => {
  beforeEach(() => selectTwinPatient('other'));

  it('calibrates, forecasts, judges live readings, assimilates and raises an alert outside the 90 % band', async () => {
    await calibrateTwin(inProcess, 'p1', record, { nowMs: T0 });
    const s = twinStore.getState();
    expect(s.status, s.error).toBe('ready');
    expect(s.forecast!.tSec.at(-1)).toBe(FORECAST_HORIZON_SEC);
    const band = bandAt(s.forecast!, 'sbpMmHg', T0 + 600_000)!;
    // The fitted SBP (128 mmHg) lies inside the first forecast's 90 % band.
    expect(band.p05).toBeLessThan(128);
    expect(band.p95).toBeGreaterThan(128);
    expect(s.steadyState?.waveforms.lvPressureMmHg.length).toBeGreaterThan(50);

    // An ordinary reading: inside, assimilated, a new forecast is issued and the band moves.
    await assimilateLive(inProcess, 'p1', [reading('sbpMmHg', band.p50 + 6, 'Observation/n1', T0 + 600_000)], { nowMs: T0 + 600_000 });
    const s2 = twinStore.getState();
    expect(s2.alerts).toHaveLength(0);
    expect(s2.coverage).toHaveLength(1);
    expect(s2.assimilated).toBe(1);
    expect(s2.history).toHaveLength(2);
    expect(s2.forecast!.bands.sbpMmHg![0]!.p50).not.toBe(s.forecast!.bands.sbpMmHg![0]!.p50);

    // A reading far outside the band raises one alert, once.
    const far = reading('sbpMmHg', 230, 'Observation/n2', T0 + 900_000);
    await assimilateLive(inProcess, 'p1', [far], { nowMs: T0 + 900_000 });
    await assimilateLive(inProcess, 'p1', [far], { nowMs: T0 + 900_000 });
    const s3 = twinStore.getState();
    expect(s3.alerts).toHaveLength(1);
    expect(s3.alerts[0]).toMatchObject({ key: 'sbpMmHg', value: 230, position: 'above90', source: 'Observation/n2' });
    // 230 mmHg is far beyond the band: alerted, but held back from assimilation (background check).
    expect(s3.notAssimilated).toEqual(['Observation/n2']);
    expect(s3.assimilated).toBe(1);
    markAcknowledged([s3.alerts[0]!.id], 'clinician', T0 + 1_000_000);
    expect(twinStore.getState().alerts).toHaveLength(0);
    expect(twinStore.getState().acknowledged[0]!.by).toBe('clinician');

    const c = confidenceText(s.calibration!);
    expect(c.text).toMatch(/^Confidence (high|moderate|low):/);
  }, 60_000);

  it('forecasts each blood pressure per measurement site and judges a reading against its own site’s band', async () => {
    await calibrateTwin(inProcess, 'p4', record, { nowMs: T0 });
    const f = twinStore.getState().forecast!;
    const at = (k: string) => bandAt(f, k, T0 + 3_600_000)!;
    // The radial line sees an amplified pulse: its SBP well above the model's aortic SBP (by
    // 0.29 × the pulse pressure, ≈ 15 mmHg here; the offsets of MAP and DBP, 1–4 mmHg, are within
    // the Monte Carlo error of 40-member percentiles and are tested in observation-model.test.ts).
    expect(at('sbpMmHg@arterial').p50).toBeGreaterThan(at('sbpMmHg').p50 + 8);
    for (const k of ['sbpMmHg', 'dbpMmHg', 'mapMmHg']) for (const site of ['arterial', 'cuff']) expect(f.bands[`${k}@${site}`]).toHaveLength(f.tSec.length);
    // A radial-line SBP at the arterial band's median is inside its 50 % band, even where it lies
    // outside the aortic band's 50 %; coverage is kept under the vital's name.
    const sbpArt = at('sbpMmHg@arterial').p50;
    expect(sbpArt).toBeGreaterThan(at('sbpMmHg').p75);
    await assimilateLive(inProcess, 'p4', [{ ...reading('sbpMmHg', sbpArt, 'Observation/a1', T0 + 3_600_000), loinc: '76215-3' }]);
    const s = twinStore.getState();
    expect(s.coverage).toEqual([{ key: 'sbpMmHg', position: 'inside50' }]);
    expect(s.assimilated).toBe(1);
    expect(s.forecast!.bands['mapMmHg@cuff']).toHaveLength(f.tSec.length);
  }, 60_000);

  it('keeps the band from collapsing under a stream of monitor readings (spread floor)', async () => {
    await calibrateTwin(inProcess, 'p3', record, { nowMs: T0 });
    const f0 = twinStore.getState().forecast!;
    const w0 = f0.bands.sbpMmHg![1]!.p95 - f0.bands.sbpMmHg![1]!.p05;
    for (let i = 1; i <= 40; i++) {
      await assimilateLive(inProcess, 'p3', [reading('sbpMmHg', 128, `Observation/s${i}`, T0 + i * 2000)], { nowMs: T0 + i * 2000 });
    }
    const f = twinStore.getState().forecast!;
    const w = f.bands.sbpMmHg![1]!.p95 - f.bands.sbpMmHg![1]!.p05;
    expect(twinStore.getState().assimilated).toBe(40);
    // Measurement noise alone keeps ±1.645·8 mmHg; the floor keeps part of the model spread too.
    // The ensemble itself keeps at least the floor of its calibrated spread in every column.
    const sdOf = (e: { outputs: Float64Array; outputKeys: string[]; size: number }, key: string) => {
      const j = e.outputKeys.indexOf(key);
      const xs = Array.from({ length: e.size }, (_, k) => e.outputs[k * e.outputKeys.length + j]!);
      const m = xs.reduce((a, b) => a + b, 0) / xs.length;
      return Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1));
    };
    const st = twinStore.getState();
    expect(sdOf(st.ensemble!, 'sbpMmHg')).toBeGreaterThanOrEqual(0.5 * sdOf(st.calibration!.ensemble, 'sbpMmHg') - 1e-9);
    expect(sdOf(st.ensemble!, 'hrBpm')).toBeGreaterThanOrEqual(0.5 * sdOf(st.calibration!.ensemble, 'hrBpm') - 1e-9);
    // Percentiles of 40 members: the 90 % width has a Monte Carlo SE of about 14 % (≈0.33 σ per
    // tail), so the check allows 2 SE below the noise-only width.
    expect(w).toBeGreaterThan(2 * 1.645 * 8 * 0.7);
    expect(w).toBeGreaterThan(0.6 * w0);
  }, 60_000);

  it('records in Provenance the model the engine reported, not a version typed in the browser (issue 15)', async () => {
    await calibrateTwin(inProcess, 'p1', record, { nowMs: T0 });
    const c = twinStore.getState().calibration!;
    // What the engine reports: its name and version, and the calibration method it ran.
    expect(c.model).toEqual({ name: PHYSIOLOGY_ENGINE_NAME, version: `engine ${PHYSIOLOGY_ENGINE_VERSION}; ${CALIBRATION_METHOD_ID}` });
    expect(c.method.startsWith(`${CALIBRATION_METHOD_ID} `)).toBe(true);
    // What the Twin tab writes with a saved forecast (views/twin passes calibration.model).
    const bundle = forecastBundle({
      patientId: 'p1',
      forecastId: 'f1',
      issuedAt: new Date(T0).toISOString(),
      points: [{ key: 'hrBpm', loinc: '8867-4', display: 'Heart rate', unit: '/min', ucum: '/min', tMs: T0 + 3_600_000, p05: 60, p50: 70, p95: 80 }],
      inputs: [],
      actor: { userId: 'u1', display: 'Dr One' },
      model: c.model,
    });
    const prov = bundle.entry!.map((e) => e.resource).find((r) => r?.resourceType === 'Provenance') as { agent: { type: { text: string }; who: { display: string } }[] };
    const assembler = prov.agent.find((a) => a.type.text === 'assembler')!.who.display;
    expect(assembler).toBe(`${PHYSIOLOGY_ENGINE_NAME} engine ${PHYSIOLOGY_ENGINE_VERSION}; ${CALIBRATION_METHOD_ID}`);
  });

  it('reports a calibration error instead of a twin', async () => {
    await calibrateTwin(inProcess, 'p2', [{ resourceType: 'Patient', id: 'a' }, { resourceType: 'Patient', id: 'b' }], { nowMs: T0 });
    expect(twinStore.getState().status).toBe('error');
    expect(twinStore.getState().error).toMatch(/one patient/);
  });
  it('calibrates a stale record "as of" its newest vital and issues no live forecast (issue 12)', async () => {
    const tenDaysLater = T0 + 10 * 86_400_000;
    await calibrateTwin(inProcess, 'p1', record, { nowMs: tenDaysLater });
    const s = twinStore.getState();
    expect(s.status, s.error).toBe('ready');
    expect(s.calibration?.capability?.canForecast).toBe(false);
    expect(s.calibration?.capability?.asOf?.slice(0, 10)).toBe('2026-11-21');
    expect(s.calibration?.capability?.headline).toMatch(/^last reading 10 days ago/);
    expect(s.forecast).toBeUndefined();
    expect(s.history).toHaveLength(0);
    // A live reading is kept for the timeline but not judged against a forecast that does not exist.
    await assimilateLive(inProcess, 'p1', [reading('sbpMmHg', 250, 'Observation/late', tenDaysLater)]);
    expect(twinStore.getState().alerts).toHaveLength(0);
    expect(twinStore.getState().live).toHaveLength(1);
  }, 60_000);

  it('refuses a child: no calibration, the reason as the error (issue 12)', async () => {
    const child = [{ resourceType: 'Patient', id: 'p1', gender: 'female', birthDate: '2017-03-01' }, ...record.slice(1)];
    await calibrateTwin(inProcess, 'p1', child, { nowMs: T0 });
    const s = twinStore.getState();
    expect(s.status).toBe('error');
    expect(s.error).toMatch(/patient is 9 y.*adult-only/);
    expect(s.calibration).toBeUndefined();
  }, 60_000);
});
