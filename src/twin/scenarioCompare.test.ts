// The comparison store against the real engine (in-process), on a short run with a small ensemble.
import { beforeEach, describe, expect, it } from 'vitest';
import { resolveParameters, runScenario } from '../../workers/physiology';
import type { Scenario } from '../../core/domain/physiology';
import { addScenario, BASELINE_ID, runScenarios, scenariosStore, scenarioUpTo, selectScenarioPatient, type ScenarioRunner } from './scenarios';
import { cancelCompareAt, compareEnsemblesAt, loadPvLoops, scenarioCompareStore, setCompareMode, setPvHour } from './scenarioCompare';

const patient = { sex: 'F' as const, ageYears: 72, heightCm: 165, weightKg: 70 };
const twin = { patient, parameters: resolveParameters({ preset: 'severe-as', patient }) };
/** The real engine, counting its runs. */
function countingEngine(): ScenarioRunner & { runs: Scenario[] } {
  const runs: Scenario[] = [];
  return { runs, runScenario: (s, o) => (runs.push(s), Promise.resolve(runScenario(s, o))) };
}

describe('scenario comparison store', () => {
  let tavr = '';
  beforeEach(async () => {
    selectScenarioPatient('x');
    selectScenarioPatient('p1');
    // 30 min, 4 members: band times 15 min and the end.
    scenariosStore.setState({ settings: { durationSec: 1800, ensemble: 4, seed: 1 } });
    tavr = addScenario('tavr', { eoaCm2: 1.8, startMin: 5 });
    await runScenarios(countingEngine(), twin);
    expect(scenariosStore.getState().bandsStatus).toBe('done');
  }, 120_000);

  it('compares at the end with the run’s own ensembles, at a band time from the bands, else re-runs to the time', async () => {
    const engine = countingEngine();
    await compareEnsemblesAt(engine, 1800);
    expect(scenarioCompareStore.getState().atTime).toBeNull();

    await compareEnsemblesAt(engine, 900);
    expect(engine.runs).toHaveLength(0);
    const fromBands = scenarioCompareStore.getState().atTime!;
    expect(fromBands.progress).toBe(1);
    expect(fromBands.ensembles[tavr]).toEqual(scenariosStore.getState().bands[tavr]!.ensembles[0]);

    await compareEnsemblesAt(engine, 600);
    expect(engine.runs.map((s) => s.durationSec)).toEqual([600, 600]);
    const at = scenarioCompareStore.getState().atTime!;
    expect(at).toMatchObject({ tSec: 600, progress: 1 });
    // The same members (seed, count) taken to 10 min: what the engine gives for that scenario directly.
    const direct = runScenario(scenarioUpTo(scenariosStore.getState().results[tavr]!.scenario, 600));
    expect(at.ensembles[tavr]!.avMeanGradientMmHg.p50).toBe(direct.ensemble!.avMeanGradientMmHg.p50);
    expect(at.ensembles[BASELINE_ID]!.avMeanGradientMmHg.p50).toBeGreaterThan(at.ensembles[tavr]!.avMeanGradientMmHg.p50);
  }, 120_000);

  it('names an engine failure, and Cancel goes back to comparing at the end', async () => {
    const failing: ScenarioRunner = { runScenario: () => Promise.reject(new Error('worker crashed')) };
    await compareEnsemblesAt(failing, 600);
    expect(scenarioCompareStore.getState().atTime).toMatchObject({ tSec: 600, error: 'worker crashed' });
    setCompareMode('time');
    cancelCompareAt();
    expect(scenarioCompareStore.getState()).toMatchObject({ mode: 'end', atTime: null });
  });

  it('draws PV loops from the runs at the end and re-runs to an earlier hour; another patient starts afresh', async () => {
    const engine = countingEngine();
    setPvHour(1); // past the 30-min run: its own waveforms
    await loadPvLoops(engine);
    expect(engine.runs).toHaveLength(0);
    expect(scenarioCompareStore.getState().pvLoops.map((l) => l.id)).toEqual([BASELINE_ID, tavr]);
    scenariosStore.setState({ settings: { durationSec: 7200, ensemble: 4, seed: 1 } });
    await loadPvLoops(engine);
    expect(engine.runs.map((s) => [s.durationSec, s.ensemble])).toEqual([
      [3600, 0],
      [3600, 0],
    ]);
    expect(scenarioCompareStore.getState().pvLoops[1]!.w.lvPressureMmHg.length).toBeGreaterThan(50);
    await loadPvLoops({ runScenario: () => Promise.reject(new Error('out of memory')) });
    expect(scenarioCompareStore.getState().pvError).toBe('PV loops at 1 h: out of memory');

    selectScenarioPatient('p2');
    expect(scenarioCompareStore.getState()).toMatchObject({ patientId: 'p2', pvLoops: [], atTime: null, pvHour: 24, mode: 'end' });
  }, 120_000);
});
