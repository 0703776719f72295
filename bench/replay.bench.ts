// `npm run bench -- replay`: replaying a real 46-h ICU stay as a live monitor (issue 16; target
// ≤ 10 s): calibration on the first 6 h + every later charting time through the Twin tab's live
// path (EnKF update + 6-h forecast each) + scoring. Stay 201204 of the MIMIC-III demo, from
// test-data/vitals/mimic3-demo-sample (ODbL, test-data/SOURCES.md).
// Peer, same run: the two baselines (persistence with empirical bands, exponential smoothing)
// forecasting the same stay at the same instants — what a monitor without a twin computes; the
// ratio says what the twin costs over them. Each line carries CPU time and the load average: this
// machine is shared.
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mimic3ToBundles } from '../core/vitals/mimic3';
import { persistenceForecast, sesForecast } from '../workers/physiology/replay/baselines';
import { HORIZONS_H, replayStay, TOLERANCE_MIN } from '../cli/replay/replay';
import { report } from './report';

const BENCH = 'replay';
const STAY = '201204';
const TARGET_MS = 10_000;
const DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'test-data', 'vitals', 'mimic3-demo-sample');

export async function run(): Promise<void> {
  const read = (f: string) => readFileSync(join(DIR, f), 'utf8');
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const conv = mimic3ToBundles({ patientsCsv: read('patients.csv'), icustaysCsv: read('icustays.csv'), admissionsCsv: read('admissions.csv'), charteventsCsv: read('chartevents_vitals.csv') });
  const convertMs = performance.now() - t0;
  const stay = conv.stays.find((s) => s.icustayId === STAY);
  if (!stay) throw new Error(`bench replay: stay ${STAY} is missing from ${DIR}`);
  const t1 = performance.now();
  const r = await replayStay({ stayId: stay.icustayId, subjectId: stay.subjectId, bundle: stay.bundle });
  const wallMs = performance.now() - t1;
  const cpu = process.cpuUsage(c0);
  if (r.skipped) throw new Error(`bench replay: stay ${STAY} was skipped: ${r.skipped}`);

  // Peer: the baselines issued at the same instants for HR and MAP, from the same readings.
  const issued = [...new Set(r.points.map((p) => p.issuedAtMs))];
  const series = (key: string) => {
    const t: number[] = [];
    const y: number[] = [];
    for (const j of r.judged) {
      if (j.key !== key) continue;
      t.push(j.tMs);
      y.push(j.value);
    }
    return { tMs: t, value: y };
  };
  const hr = series('hrBpm');
  const map = series('mapMmHg');
  const tp = performance.now();
  let n = 0;
  for (const at of issued) {
    for (const s of [hr, map]) {
      for (const h of HORIZONS_H) {
        if (persistenceForecast(s, at, h, TOLERANCE_MIN * 60_000)) n++;
        if (sesForecast(s, at, h)) n++;
      }
    }
  }
  const peerMs = performance.now() - tp;
  const load = loadavg()[0]!;
  const round = (v: number) => Math.round(v * 10) / 10;
  report({
    bench: BENCH,
    metric: `replay-stay-${STAY}-${Math.round(r.hours)}h`,
    value: round(wallMs),
    unit: 'ms',
    targetMs: TARGET_MS,
    meetsTarget: wallMs <= TARGET_MS,
    calibrateMs: round(r.timingsMs.calibrate),
    assimilateAndForecastMs: round(r.timingsMs.replay),
    chartingTimes: r.readingsReplayed,
    forecastsIssued: r.forecastsIssued,
    recalibrations: r.recalibrations,
    peer: 'baselines (persistence + SES), HR and MAP, same instants',
    peerValue: round(peerMs),
    ratio: round(wallMs / Math.max(peerMs, 1e-3)),
    peerForecasts: n,
    cpuMs: round((cpu.user + cpu.system) / 1000),
    loadAverage1m: round(load),
  });
  report({ bench: BENCH, metric: 'convert-mimic3-sample-to-fhir', value: round(convertMs), unit: 'ms', rows: conv.rowsRead, stays: conv.stays.length, loadAverage1m: round(load) });
}
