import { beforeEach, describe, expect, it } from 'vitest';
import { resolveParameters, runScenario } from '../../workers/physiology';
import type { Scenario } from '../../core/domain/physiology';
import { addScenario, bandEnsembleAt, bandTimesSec, BASELINE_ID, removeScenario, runScenarios, scenariosStore, selectScenarioPatient, updateScenario, type ScenarioRunner } from './scenarios';

const patient = { sex: 'F' as const, ageYears: 72, heightCm: 165, weightKg: 70 };
const twin = { patient, parameters: resolveParameters({ preset: 'severe-as', patient }) };
// The real engine, in-process, with a short horizon and small ensemble to stay fast.
const engine: ScenarioRunner = {
  runScenario: (s: Scenario, o) => Promise.resolve(runScenario({ ...s, durationSec: 1200, ensemble: 4 }, o)),
};

describe('scenarios store', () => {
  beforeEach(() => {
    selectScenarioPatient('x');
    selectScenarioPatient('p1');
  });

  it('always keeps the current-therapy baseline first', () => {
    const id = addScenario('tavr');
    removeScenario(BASELINE_ID);
    expect(scenariosStore.getState().drafts.map((d) => d.id)).toEqual([BASELINE_ID, id]);
  });

  it('runs baseline and TAVR; TAVR lowers the aortic gradient; editing drops the stale result', async () => {
    const tavr = addScenario('tavr', { eoaCm2: 1.8, startMin: 5 });
    await runScenarios(engine, twin);
    const s = scenariosStore.getState();
    expect(s.status, s.error).toBe('done');
    const g = (id: string) => s.results[id]!.result.ensemble!.avMeanGradientMmHg.p50;
    expect(g(tavr)).toBeLessThan(g(BASELINE_ID) / 2);
    expect(s.progress[tavr]).toBe(1);
    updateScenario(tavr, { eoaCm2: 2, startMin: 5 });
    expect(scenariosStore.getState().results[tavr]).toBeUndefined();
    expect(scenariosStore.getState().results[BASELINE_ID]).toBeDefined();
  }, 60_000);

  it('refuses to run a dose outside the range, naming it', async () => {
    addScenario('beta-blocker', { doseMg: 5000, startMin: 0 });
    await runScenarios(engine, twin);
    expect(scenariosStore.getState().status).toBe('error');
    expect(scenariosStore.getState().error).toMatch(/Metoprolol \(oral\) must be between 12.5 and 400 mg/);
  });

  it('stops on cancel', async () => {
    addScenario('tavr');
    const ac = new AbortController();
    ac.abort();
    await runScenarios({ runScenario: (s, o) => (o.signal?.aborted ? Promise.reject(new DOMException('cancelled', 'AbortError')) : engine.runScenario(s, o)) }, twin, ac.signal);
    expect(scenariosStore.getState().status).toBe('cancelled');
  });
  it('computes ensemble bands over time after the table: same members at every band time, the end reused (issue 13)', async () => {
    // The engine as the pool runs it: each call honours its own durationSec; a small ensemble.
    const calls: number[] = [];
    const timed: ScenarioRunner = {
      runScenario: (s: Scenario, o) => {
        calls.push(s.durationSec ?? 0);
        return Promise.resolve(runScenario({ ...s, ensemble: 8 }, o));
      },
    };
    scenariosStore.setState({ settings: { durationSec: 4 * 3600, ensemble: 8, seed: 1 } });
    const bb = addScenario('beta-blocker', { doseMg: 100, startMin: 0 });
    // TAVR at 1 h: band times before it run without it (a scenario may not schedule past its end).
    const tavr = addScenario('tavr', { eoaCm2: 1.8, startMin: 60 });
    await runScenarios(timed, twin);
    const s = scenariosStore.getState();
    expect(s.status, s.error).toBe('done');
    expect(s.bandsStatus, s.error).toBe('done');
    expect(bandTimesSec(4 * 3600)).toEqual([900, 1800, 3600, 7200, 14400]);
    for (const id of [BASELINE_ID, bb, tavr]) {
      const b = s.bands[id]!;
      expect(b.timesSec).toEqual([900, 1800, 3600, 7200, 14400]);
      // The end of the run is the endpoint ensemble itself (not run again).
      expect(b.ensembles.at(-1)).toBe(s.results[id]!.result.ensemble);
      for (const e of b.ensembles) expect(e.hrBpm.p05 <= e.hrBpm.p50 && e.hrBpm.p50 <= e.hrBpm.p95).toBe(true);
    }
    // One run per scenario to each inner band time, none to the end again.
    expect(calls.filter((t) => t === 4 * 3600)).toHaveLength(3);
    expect(calls.filter((t) => t === 3600)).toHaveLength(3);
    // Before the valve is replaced the TAVR scenario is the baseline; after, its gradient falls.
    const gradAt = (id: string, t: number) => bandEnsembleAt(s.bands[id], t)!.avMeanGradientMmHg.p50;
    expect(gradAt(tavr, 1800)).toBeCloseTo(gradAt(BASELINE_ID, 1800), 6);
    expect(gradAt(tavr, 7200)).toBeLessThan(gradAt(BASELINE_ID, 7200) / 2);
    // Metoprolol lowers the heart rate against the baseline at 1–2 h, where the endpoint-only table could miss it.
    const hrAt = (id: string, t: number) => bandEnsembleAt(s.bands[id], t)!.hrBpm.p50;
    expect(hrAt(bb, 3600)).toBeLessThan(hrAt(BASELINE_ID, 3600) - 2);
    expect(bandEnsembleAt(s.bands[bb], 1234)).toBeUndefined();
  }, 120_000);
});
