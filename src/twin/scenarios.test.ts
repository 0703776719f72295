import { beforeEach, describe, expect, it } from 'vitest';
import { resolveParameters, runScenario } from '../../workers/physiology';
import type { Scenario } from '../../core/domain/physiology';
import { addScenario, BASELINE_ID, removeScenario, runScenarios, scenariosStore, selectScenarioPatient, updateScenario, type ScenarioRunner } from './scenarios';

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
});
