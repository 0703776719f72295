// Scenarios of the patient's twin (zustand, vanilla store): the list the cardiologist builds from
// templates (the current-therapy baseline is always first and cannot be removed), the run in
// progress with per-scenario progress, and results as they stream in. Running goes through an
// injected runner (the browser's worker pool, or the engine itself in Node tests).
import { createStore, useStore } from 'zustand';
import type { EnsembleSummary, ModelParameters, PatientTraits, Scenario, ScenarioResult } from '../../core/domain/physiology';
import {
  buildScenario,
  defaultValues,
  DEFAULT_RUN_SETTINGS,
  fieldError,
  templateById,
  type ScenarioRunSettings,
  type TemplateId,
} from '../../core/domain/scenarioTemplates';

export interface ScenarioDraft {
  id: string;
  templateId: TemplateId;
  values: Record<string, number>;
}

export interface ScenarioRunner {
  runScenario(s: Scenario, opts: { signal?: AbortSignal; onProgress?: (fraction: number) => void }): Promise<ScenarioResult>;
}

export type RunStatus = 'idle' | 'running' | 'done' | 'cancelled' | 'error';

export interface ScenarioOutcome {
  scenario: Scenario;
  result: ScenarioResult;
  finishedAtMs: number;
}

export interface ScenariosState {
  patientId: string | undefined;
  drafts: ScenarioDraft[];
  status: RunStatus;
  /** Per draft id, 0–1. */
  progress: Record<string, number>;
  results: Record<string, ScenarioOutcome>;
  error: string | undefined;
  startedAtMs: number | undefined;
  settings: ScenarioRunSettings;
  /**
   * Ensemble percentiles over time per draft id (the same seeded members as the endpoint ensemble,
   * each taken to every band time): filled in after the run, once, and only read when drawing.
   */
  bands: Record<string, ScenarioBands>;
  bandsStatus: RunStatus;
  /** 0–1 over every scenario × band time. */
  bandsProgress: number;
}

/** The ensemble of one scenario at each band time (ascending; the run's end included). */
export interface ScenarioBands {
  timesSec: number[];
  ensembles: EnsembleSummary[];
}

/**
 * Times at which the ensemble's bands are computed: log-spaced over the first hours, where drugs
 * peak and wear off (a beta-blocker's HR dip at 1–2 h), then sparser; the run's end is the
 * endpoint ensemble already computed. Each band time costs one ensemble run per scenario.
 */
export function bandTimesSec(durationSec: number): number[] {
  const hours = [0.25, 0.5, 1, 2, 4, 8, 16];
  return [...hours.map((h) => h * 3600).filter((t) => t < durationSec - 1), durationSec];
}

/**
 * The scenario run only to tSec (bands, compare-at, PV loops at a time): interventions that start
 * later are left out — they cannot act before they start, and a scenario may not schedule beyond
 * its own duration. Same parameters and seed, so the ensemble's members are the same ones.
 */
export function scenarioUpTo(scenario: Scenario, tSec: number, ensemble?: number): Scenario {
  const durationSec = Math.max(60, Math.round(tSec));
  return {
    ...scenario,
    durationSec,
    ...(ensemble !== undefined ? { ensemble } : {}),
    ...(scenario.interventions ? { interventions: scenario.interventions.filter((iv) => iv.atSec <= durationSec) } : {}),
  };
}

/** The ensemble of a scenario at tSec when it was computed for the bands (a band time), else undefined. */
export function bandEnsembleAt(bands: ScenarioBands | undefined, tSec: number): EnsembleSummary | undefined {
  if (!bands) return undefined;
  const i = bands.timesSec.findIndex((t) => Math.abs(t - tSec) < 1);
  return i >= 0 ? bands.ensembles[i] : undefined;
}

export const BASELINE_ID = 'baseline';

const initial = (patientId: string | undefined): ScenariosState => ({
  patientId,
  drafts: [{ id: BASELINE_ID, templateId: 'baseline', values: {} }],
  status: 'idle',
  progress: {},
  results: {},
  error: undefined,
  startedAtMs: undefined,
  settings: DEFAULT_RUN_SETTINGS,
  bands: {},
  bandsStatus: 'idle',
  bandsProgress: 0,
});

export const scenariosStore = createStore<ScenariosState>(() => initial(undefined));

export function useScenarios<T>(selector: (s: ScenariosState) => T): T {
  return useStore(scenariosStore, selector);
}

export function selectScenarioPatient(patientId: string): void {
  if (scenariosStore.getState().patientId !== patientId) scenariosStore.setState(initial(patientId), true);
}

let seq = 0;

export function addScenario(templateId: TemplateId, values?: Record<string, number>): string {
  const t = templateById(templateId);
  const id = `${templateId}-${++seq}`;
  const s = scenariosStore.getState();
  scenariosStore.setState({ drafts: [...s.drafts, { id, templateId, values: { ...defaultValues(t), ...values } }] });
  return id;
}

export function updateScenario(id: string, values: Record<string, number>): void {
  const s = scenariosStore.getState();
  // Editing invalidates that scenario's result: the table must never show numbers for other inputs.
  const { [id]: _dropped, ...results } = s.results;
  const { [id]: _droppedBands, ...bands } = s.bands;
  scenariosStore.setState({ drafts: s.drafts.map((d) => (d.id === id ? { ...d, values: { ...values } } : d)), results, bands });
}

export function removeScenario(id: string): void {
  if (id === BASELINE_ID) return;
  const s = scenariosStore.getState();
  const { [id]: _dropped, ...results } = s.results;
  const { [id]: _droppedBands, ...bands } = s.bands;
  scenariosStore.setState({ drafts: s.drafts.filter((d) => d.id !== id), results, bands });
}

/** Human label of a draft (template plus its key value). */
export function draftLabel(d: ScenarioDraft): string {
  const t = templateById(d.templateId);
  const f = t.fields[0];
  return f ? `${t.label} (${d.values[f.key] ?? f.default} ${f.unit})` : t.label;
}

/** First invalid draft's problem, or undefined when every draft can run. */
export function draftsError(drafts: readonly ScenarioDraft[]): string | undefined {
  for (const d of drafts) {
    const e = fieldError(templateById(d.templateId), d.values);
    if (e) return `${draftLabel(d)}: ${e}`;
  }
  return undefined;
}

/**
 * Runs every scenario on the calibrated twin at once (the pool spreads their ensembles over its
 * workers); each result is stored as soon as it completes, so the table fills in as they finish.
 * Cancelling aborts all of them; results already in stay.
 */
export async function runScenarios(runner: ScenarioRunner, twin: { patient: PatientTraits; parameters: ModelParameters }, signal?: AbortSignal): Promise<void> {
  const s = scenariosStore.getState();
  const err = draftsError(s.drafts);
  if (err) {
    scenariosStore.setState({ status: 'error', error: err });
    return;
  }
  const patientId = s.patientId;
  const jobs = s.drafts.map((d) => ({ d, scenario: buildScenario(templateById(d.templateId), d.values, twin, s.settings) }));
  scenariosStore.setState({
    status: 'running',
    error: undefined,
    results: {},
    bands: {},
    bandsStatus: 'idle',
    bandsProgress: 0,
    progress: Object.fromEntries(jobs.map((j) => [j.d.id, 0])),
    startedAtMs: Date.now(),
  });
  const still = () => scenariosStore.getState().patientId === patientId;
  const settled = await Promise.allSettled(
    jobs.map(async ({ d, scenario }) => {
      // Engines report progress per time step (thousands of calls); the store (and so React)
      // hears of it only per whole percent.
      let shown = 0;
      const result = await runner.runScenario(scenario, {
        signal,
        onProgress: (f) => {
          if (f - shown < 0.01 || !still()) return;
          shown = f;
          scenariosStore.setState((st) => ({ progress: { ...st.progress, [d.id]: f } }));
        },
      });
      if (still()) scenariosStore.setState((st) => ({ results: { ...st.results, [d.id]: { scenario, result, finishedAtMs: Date.now() } }, progress: { ...st.progress, [d.id]: 1 } }));
    }),
  );
  if (!still()) return;
  const failure = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (signal?.aborted) scenariosStore.setState({ status: 'cancelled' });
  else if (failure) scenariosStore.setState({ status: 'error', error: failure.reason instanceof Error ? failure.reason.message : String(failure.reason) });
  else {
    scenariosStore.setState({ status: 'done' });
    // The comparison table is complete; the bands over time follow in the background.
    await runBands(runner, signal);
  }
}

let runAbort: AbortController | undefined;

/**
 * Starts a run of every scenario (cancelling one still in flight); `cancelScenarioRun` stops it and
 * the bands over time that follow it. The store owns the run's cancel, so any view can offer it.
 */
export function startScenarioRun(runner: ScenarioRunner, twin: { patient: PatientTraits; parameters: ModelParameters }): Promise<void> {
  runAbort?.abort();
  const ac = new AbortController();
  runAbort = ac;
  return runScenarios(runner, twin, ac.signal);
}

/** Cancels the run in flight, or its bands over time; results already in stay. */
export function cancelScenarioRun(): void {
  runAbort?.abort();
}

/**
 * Ensemble bands over time for every scenario with a result: the same members (seed, count) run to
 * each band time (the multi-scale endpoint, one settle per member and time), earliest times first
 * so the chart fills from the left; the run's end reuses the endpoint ensemble. Stored as each
 * completes. Cancelling keeps what finished.
 */
export async function runBands(runner: ScenarioRunner, signal?: AbortSignal): Promise<void> {
  const s = scenariosStore.getState();
  const patientId = s.patientId;
  const still = () => scenariosStore.getState().patientId === patientId && !signal?.aborted;
  const outcomes = s.drafts.flatMap((d) => (s.results[d.id] ? [{ id: d.id, outcome: s.results[d.id]! }] : []));
  if (outcomes.length === 0) return;
  const times = bandTimesSec(s.settings.durationSec);
  const inner = times.slice(0, -1);
  const bands: Record<string, ScenarioBands> = {};
  for (const { id, outcome } of outcomes) {
    const end = outcome.result.ensemble;
    bands[id] = { timesSec: [], ensembles: [] };
    if (end) bands[id] = { timesSec: [times.at(-1)!], ensembles: [end] };
  }
  const total = outcomes.length * inner.length;
  const fractions = new Map<string, number>();
  const publish = () => {
    if (!still()) return;
    let sum = 0;
    for (const f of fractions.values()) sum += f;
    const snapshot: Record<string, ScenarioBands> = {};
    for (const [id, b] of Object.entries(bands)) snapshot[id] = { timesSec: [...b.timesSec], ensembles: [...b.ensembles] };
    scenariosStore.setState({ bands: snapshot, bandsProgress: total ? sum / total : 1 });
  };
  scenariosStore.setState({ bandsStatus: 'running', bandsProgress: 0 });
  publish();
  // One band time at a time (its scenarios together fill the pool): a comparison asked for meanwhile
  // (compare-at, PV loops) then waits behind one batch at most, not behind every band time.
  const settled: PromiseSettledResult<void>[] = [];
  for (const tSec of inner) {
    if (!still()) break;
    settled.push(...(await Promise.allSettled(bandBatch(tSec))));
  }
  function bandBatch(tSec: number): Promise<void>[] {
    return outcomes.map(async ({ id, outcome }) => {
        const key = `${id}@${tSec}`;
        let shown = 0;
        const r = await runner.runScenario(
          scenarioUpTo(outcome.scenario, tSec),
          {
            signal,
            onProgress: (f) => {
              if (f - shown < 0.05) return;
              shown = f;
              fractions.set(key, f);
              publish();
            },
          },
        );
        fractions.set(key, 1);
        const b = bands[id]!;
        if (r.ensemble) {
          const i = b.timesSec.findIndex((t) => t > tSec);
          const at = i < 0 ? b.timesSec.length : i;
          b.timesSec.splice(at, 0, tSec);
          b.ensembles.splice(at, 0, r.ensemble);
        }
        publish();
    });
  }
  if (scenariosStore.getState().patientId !== patientId) return;
  const failure = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (signal?.aborted) scenariosStore.setState({ bandsStatus: 'cancelled' });
  else if (failure) scenariosStore.setState({ bandsStatus: 'error', error: `Bands over time: ${failure.reason instanceof Error ? failure.reason.message : String(failure.reason)}` });
  else scenariosStore.setState({ bandsStatus: 'done', bandsProgress: 1 });
}
