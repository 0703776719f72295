// The multi-scale scheme against the beat-resolved reference (README "Long horizons" states
// these bounds), plus cancellation, progress and the steady-state shortcut of runScenario.
import { InputSchedule } from './interventions';
import { describe, expect, it } from 'vitest';
import { type Intervention, type TrajectoryPoint } from '../../core/domain/physiology';
import { runBeatResolved, runEndpoint, runMultiScale } from './longHorizon';
import { resolveParameters } from './presets';
import { runScenario, scenarioHorizonSec } from './runScenario';
import { AbortError } from '../../core/domain/abort';

function maxError(a: TrajectoryPoint[], b: TrajectoryPoint[], key: keyof TrajectoryPoint): number {
  expect(a.length).toBe(b.length);
  let e = 0;
  a.forEach((p, i) => {
    expect(p.tSec).toBeCloseTo(b[i]!.tSec, 6);
    e = Math.max(e, Math.abs(p[key] - b[i]![key]));
  });
  return e;
}

describe('multi-scale long-horizon scheme', () => {
  it('stays within 1.5 mmHg, 1.5 bpm, 0.1 L/min and 2 mL of a beat-resolved run (hemorrhage 1 L over 10 min, 15 min)', () => {
    const params = resolveParameters({ preset: 'healthy' });
    const ivs: Intervention[] = [{ type: 'hemorrhage', atSec: 0, volumeMl: 1000, overSec: 600 }];
    const fast = runMultiScale(params, ivs, 900, 75, { sampleSec: 60 });
    const ref = runBeatResolved(params, ivs, 900, 75, { sampleSec: 60 });
    expect(maxError(fast.trajectory, ref.trajectory, 'mapMmHg')).toBeLessThan(1.5);
    expect(maxError(fast.trajectory, ref.trajectory, 'hrBpm')).toBeLessThan(1.5);
    expect(maxError(fast.trajectory, ref.trajectory, 'coLPerMin')).toBeLessThan(0.1);
    expect(maxError(fast.trajectory, ref.trajectory, 'lvedvMl')).toBeLessThan(2);
    // Both removed exactly the scheduled volume less the same transcapillary refill.
    const sched = new InputSchedule(ivs, 75, params.aorticValveEoaCm2, params.bloodVolumeMl);
    sched.advanceTo(900);
    const expected = params.bloodVolumeMl + sched.externalVolumeMl();
    expect(expected).toBeGreaterThan(4000);
    expect(fast.trajectory.at(-1)!.bloodVolumeMl).toBeCloseTo(expected, 6);
    expect(ref.trajectory.at(-1)!.bloodVolumeMl).toBeCloseTo(expected, 0); // refill sampled per beat
    // And the multi-scale run did far less work: re-solves vs beats.
    expect(fast.work).toBeLessThan(ref.work / 20);
  });

  it('skips re-solving while nothing changes (a quiet 2-h horizon costs a handful of solves)', () => {
    const r = runMultiScale(resolveParameters({}), [{ type: 'pacing', atSec: 600, hrBpm: 80 }], 7200, 75);
    expect(r.trajectory).toHaveLength(121);
    expect(r.work).toBeLessThan(5);
    expect(r.trajectory[5]!.hrBpm).not.toBeCloseTo(80, 1);
    expect(r.trajectory[11]!.hrBpm).toBeCloseTo(80, 6);
  });

  it('reports progress up to 1 and stops when aborted', () => {
    const seen: number[] = [];
    runMultiScale(resolveParameters({}), [], 600, 75, { onProgress: (f) => seen.push(f) });
    expect(seen.at(-1)).toBe(1);
    expect(seen.every((f, i) => i === 0 || f >= seen[i - 1]!)).toBe(true);
    const ac = new AbortController();
    ac.abort();
    expect(() => runMultiScale(resolveParameters({}), [], 600, 75, { signal: ac.signal })).toThrow(AbortError);
  });
});

describe('guards', () => {
  it('refuses a bleed that leaves less than half the blood volume, naming interventions', () => {
    const small = { sex: 'F' as const, ageYears: 40, heightCm: 150, weightKg: 45 };
    expect(() => runScenario({ patient: small, interventions: [{ type: 'hemorrhage', atSec: 0, volumeMl: 2400, overSec: 600 }], durationSec: 900 })).toThrow(
      /interventions: .*blood volume/,
    );
  });
});

describe('runScenario', () => {
  it('returns a steady state without a duration, a trajectory with one, and an ensemble when asked', () => {
    const steady = runScenario({ preset: 'healthy' });
    expect(steady.trajectory).toBeUndefined();
    expect(steady.waveforms.lvPressureMmHg.length).toBeGreaterThan(100);
    const traj = runScenario({ preset: 'severe-as', interventions: [{ type: 'tavr', atSec: 60, eoaCm2: 1.7 }], durationSec: 300 });
    expect(traj.trajectory?.[0]!.avMeanGradientMmHg).toBeGreaterThan(40);
    // No longer severe (the EOA 1.7 gradient itself is a validation row: docs/validation.md).
    expect(traj.metrics.avMeanGradientMmHg).toBeLessThan(20);
    const ens = runScenario({ preset: 'healthy', ensemble: 6, seed: 7 });
    const map = ens.ensemble!.mapMmHg;
    expect(map.p05).toBeLessThanOrEqual(map.p25);
    expect(map.p25).toBeLessThanOrEqual(map.p50);
    expect(map.p50).toBeLessThanOrEqual(map.p75);
    expect(map.p75).toBeLessThanOrEqual(map.p95);
    expect(map.p95 - map.p05).toBeGreaterThan(0.5);
    // Same seed, same ensemble.
    expect(runScenario({ preset: 'healthy', ensemble: 6, seed: 7 }).ensemble).toEqual(ens.ensemble);
  });

  it('without durationSec follows interventions for 10 min after the last one', () => {
    expect(scenarioHorizonSec({})).toBe(0);
    expect(scenarioHorizonSec({ interventions: [{ type: 'fluid', atSec: 60, volumeMl: 250, overSec: 300 }] })).toBe(960);
    expect(scenarioHorizonSec({ durationSec: 42, interventions: [{ type: 'tavr', atSec: 0, eoaCm2: 2 }] })).toBe(42);
  });
});

describe('runEndpoint (ensemble members)', () => {
  it('matches the multi-scale trajectory endpoint within its re-solve tolerance', () => {
    const params = resolveParameters({ preset: 'hfref' });
    const ivs: Intervention[] = [
      { type: 'drug', atSec: 0, drug: 'metoprolol', doseMg: 50, route: 'oral' },
      { type: 'drug', atSec: 0, drug: 'furosemide', doseMg: 40, route: 'iv' },
    ];
    const traj = runMultiScale(params, ivs, 7200, 75).metrics;
    const end = runEndpoint(params, ivs, 7200, 75).metrics;
    expect(Math.abs(end.mapMmHg - traj.mapMmHg)).toBeLessThan(0.5);
    expect(Math.abs(end.hrBpm - traj.hrBpm)).toBeLessThan(0.5);
    expect(Math.abs(end.coLPerMin - traj.coLPerMin)).toBeLessThan(0.05);
    expect(Math.abs(end.lvedvMl - traj.lvedvMl)).toBeLessThan(1);
  });
});
