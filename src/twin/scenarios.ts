// Scenarios of the patient's twin (zustand, vanilla store): the list the cardiologist builds from
// templates (the current-therapy baseline is always first and cannot be removed), the run in
// progress with per-scenario progress, and results as they stream in. Running goes through an
// injected runner (the browser's worker pool, or the engine itself in Node tests).
import { createStore, useStore } from 'zustand';
import type { ModelParameters, PatientTraits, Scenario, ScenarioResult } from '../../core/domain/physiology';
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
  scenariosStore.setState({ drafts: s.drafts.map((d) => (d.id === id ? { ...d, values: { ...values } } : d)), results });
}

export function removeScenario(id: string): void {
  if (id === BASELINE_ID) return;
  const s = scenariosStore.getState();
  const { [id]: _dropped, ...results } = s.results;
  scenariosStore.setState({ drafts: s.drafts.filter((d) => d.id !== id), results });
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
  scenariosStore.setState({ status: 'running', error: undefined, results: {}, progress: Object.fromEntries(jobs.map((j) => [j.d.id, 0])), startedAtMs: Date.now() });
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
  else scenariosStore.setState({ status: 'done' });
}
