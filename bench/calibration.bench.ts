// `npm run bench -- calibration`: speed of fitting the twin to a patient (issue 6).
//   1. calibrateFromRecord on the demo severe-AS and HFrEF patients' records (target ≤ 3 s each),
//      with the default 100-member ensemble — what the Twin view runs;
//   2. the same fit with a 200-member ensemble (the ensemble the next two lines use);
//   3. one EnKF assimilation update of 3 new vitals (HR, SBP, DBP) with 200 members;
//   4. a 24 h forecast in 15-min steps with 200 members.
// The records come from the pure demo generator (server/demo/patients.ts), not from a server.
// Each line carries the CPU time of the process and the load average: this machine is shared,
// and wall time alone overstates the cost when other jobs run.
import { loadavg } from 'node:os';
import type { Resource } from '@medplum/fhirtypes';
import { DEMO_PATIENT_AS, DEMO_PATIENT_HFREF } from '../server/demo/ids';
import { buildDemoResources } from '../server/demo/patients';
import { ingestFhirVitals } from '../core/vitals/fhir-vitals';
import { calibrationApi } from '../workers/physiology/calibration/api';
import { calibrateFromRecord } from '../workers/physiology/calibration/from-record';
import { report } from './report';

const BENCH = 'calibration';
/** Fixed seeding time so every run fits the same record (the generator is deterministic in it). */
const NOW_MS = Date.parse('2026-11-21T08:00:00Z');
const TARGET_CALIBRATION_MS = 3000;

/** One patient's resources: the Patient and everything whose subject/patient points to it. */
function recordOf(all: readonly Resource[], patientId: string): Resource[] {
  const ref = `Patient/${patientId}`;
  return all.filter((r) => {
    if (r.resourceType === 'Patient') return r.id === patientId;
    const o = r as { subject?: { reference?: string }; patient?: { reference?: string } };
    return o.subject?.reference === ref || o.patient?.reference === ref;
  });
}

function timed<T>(fn: () => T): { value: T; wallMs: number; cpuMs: number } {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const value = fn();
  const wallMs = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { value, wallMs, cpuMs: (c.user + c.system) / 1000 };
}

const round = (v: number): number => Math.round(v * 100) / 100;

export async function run(): Promise<void> {
  const all = buildDemoResources(NOW_MS);
  const patients = [
    { id: DEMO_PATIENT_AS, name: 'aortic-stenosis' },
    { id: DEMO_PATIENT_HFREF, name: 'hfref' },
  ];
  let ensemble200 = null as ReturnType<typeof calibrateFromRecord>['ensemble'] | null;
  for (const p of patients) {
    const vitals = ingestFhirVitals({ resourceType: 'Bundle', type: 'collection', entry: recordOf(all, p.id).map((resource) => ({ resource })) });
    for (const members of [100, 200]) {
      const t = timed(() => calibrateFromRecord(vitals, { fit: { ensembleSize: members } }));
      report({
        bench: BENCH,
        metric: `calibrate-${p.name}-${members}-members`,
        value: round(t.wallMs),
        unit: 'ms',
        cpuMs: round(t.cpuMs),
        target: members === 100 ? TARGET_CALIBRATION_MS : undefined,
        meetsTarget: members === 100 ? t.wallMs <= TARGET_CALIBRATION_MS : undefined,
        modelRuns: t.value.diagnostics.modelRuns,
        inputsUsed: Object.keys(vitals.latest).length,
        topArchetype: [...t.value.archetypes].sort((a, b) => b.posteriorWeight - a.posteriorWeight)[0]?.label,
        loadAverage1m: round(loadavg()[0] ?? 0),
      });
      if (members === 200 && p.id === DEMO_PATIENT_AS) ensemble200 = t.value.ensemble;
    }
  }
  if (ensemble200 === null) throw new Error('calibration bench: no 200-member ensemble');
  const ens = ensemble200;
  // The monitored AS patient's next reading, a little off the fitted values so the update does work.
  const newVitals = [
    { kind: 'hrBpm' as const, value: 82 },
    { kind: 'sbpMmHg' as const, value: 138 },
    { kind: 'dbpMmHg' as const, value: 74 },
  ];
  // Warm once (JIT), then the median of 21 updates: one update is sub-millisecond.
  calibrationApi.assimilateVitals(ens, newVitals, 1);
  const updateMs: number[] = [];
  for (let i = 0; i < 21; i++) updateMs.push(timed(() => calibrationApi.assimilateVitals(ens, newVitals, i + 2)).wallMs);
  updateMs.sort((a, b) => a - b);
  report({ bench: BENCH, metric: 'assimilate-3-vitals-200-members-median', value: round(updateMs[10]!), unit: 'ms', max: round(updateMs[20]!), loadAverage1m: round(loadavg()[0] ?? 0) });

  const f = timed(() => calibrationApi.forecast(ens, { horizonSec: 24 * 3600, stepSec: 15 * 60, seed: 7 }));
  report({
    bench: BENCH,
    metric: 'forecast-24h-15min-200-members',
    value: round(f.wallMs),
    unit: 'ms',
    cpuMs: round(f.cpuMs),
    timePoints: f.value.tSec.length,
    outputs: Object.keys(f.value.bands).length,
    loadAverage1m: round(loadavg()[0] ?? 0),
  });
}
