// How the Scenarios tab compares the scenarios (zustand, vanilla store): the metric the
// trajectories show, when the endpoints are compared (end of the run, peak effect, chosen time)
// with the ensembles re-run to that time, and the PV loops at a chosen hour. Runs go through the
// injected `ScenarioRunner` (the browser's worker pool, the engine itself in Node tests); what is
// compared is pure (core/domain/scenarioComparison, core/domain/scenarioPeak). Per patient: it
// starts afresh when the scenarios store selects another patient.
import { useMemo } from 'react';
import { createStore, useStore } from 'zustand';
import type { BeatWaveforms, EnsembleSummary, MetricKey } from '../../core/domain/physiology';
import { comparisonRows, type ComparisonRow } from '../../core/domain/scenarioComparison';
import { comparisonTimeSec, formatSimTime, strongestPeakEffect, type CompareMode, type StrongestPeak } from '../../core/domain/scenarioPeak';
import { bandEnsembleAt, BASELINE_ID, draftLabel, scenariosStore, scenarioUpTo, useScenarios, type ScenarioDraft, type ScenarioRunner } from './scenarios';

/** Every scenario's ensemble re-run to a comparison time before the end (same seeds and members). */
export interface EnsemblesAtTime {
  tSec: number;
  ensembles: Record<string, EnsembleSummary>;
  /** 0–1 over the scenarios. */
  progress: number;
  error?: string;
}

/** One scenario's LV pressure–volume loop at the PV hour (its best-fit run, no ensemble). */
export interface PvLoop {
  id: string;
  w: BeatWaveforms;
}

export interface ScenarioCompareState {
  patientId: string | undefined;
  /** The trajectory metric; the peak effect is found on it. */
  metric: MetricKey;
  mode: CompareMode;
  /** The chosen time when mode is 'time'. */
  chosenHours: number;
  /** Ensembles at a comparison time before the end; null at the end (the run's own ensembles). */
  atTime: EnsemblesAtTime | null;
  pvHour: number;
  pvLoops: PvLoop[];
  pvError: string | undefined;
}

/** Times (h) the PV loops can be drawn at (those within the run). */
export const PV_TIMES_H = [1, 6, 24] as const;

const initial = (patientId: string | undefined): ScenarioCompareState => ({
  patientId,
  metric: 'mapMmHg',
  mode: 'end',
  chosenHours: 2,
  atTime: null,
  pvHour: 24,
  pvLoops: [],
  pvError: undefined,
});

export const scenarioCompareStore = createStore<ScenarioCompareState>(() => initial(undefined));

export function useScenarioCompare<T>(selector: (s: ScenarioCompareState) => T): T {
  return useStore(scenarioCompareStore, selector);
}

let atAbort: AbortController | undefined;
let pvAbort: AbortController | undefined;

// Another patient: nothing compared for the previous one may show or keep running.
scenariosStore.subscribe((s, prev) => {
  if (s.patientId === prev.patientId) return;
  atAbort?.abort();
  pvAbort?.abort();
  scenarioCompareStore.setState(initial(s.patientId), true);
});

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

export function setCompareMetric(metric: MetricKey): void {
  scenarioCompareStore.setState({ metric });
}

export function setCompareMode(mode: CompareMode): void {
  scenarioCompareStore.setState({ mode });
}

/** The chosen comparison time in hours; a value that is not a number is ignored. */
export function setCompareHours(hours: number): void {
  if (Number.isFinite(hours)) scenarioCompareStore.setState({ chosenHours: hours });
}

export function setPvHour(hour: number): void {
  scenarioCompareStore.setState({ pvHour: hour });
}

/**
 * The ensembles of every scenario with a result at tSec: none at the end of the run (its own
 * ensembles are compared) or while a run is in flight; taken from the bands when tSec is a band
 * time (no second engine call); else each scenario's ensemble re-run to tSec, with progress.
 * A new call, `abortCompareAt` or `cancelCompareAt` stops the one in flight.
 */
export async function compareEnsemblesAt(runner: ScenarioRunner, tSec: number): Promise<void> {
  atAbort?.abort();
  const s = scenariosStore.getState();
  const done = s.drafts.filter((d) => s.results[d.id]);
  if (tSec >= s.settings.durationSec || done.length === 0 || s.status === 'running') {
    scenarioCompareStore.setState({ atTime: null });
    return;
  }
  // Bands filling in later do not restart a comparison: they are read now, not subscribed to.
  const fromBands = Object.fromEntries(
    done.flatMap((d) => {
      const e = bandEnsembleAt(s.bands[d.id], tSec);
      return e ? [[d.id, e] as const] : [];
    }),
  );
  if (Object.keys(fromBands).length === done.length) {
    scenarioCompareStore.setState({ atTime: { tSec, ensembles: fromBands, progress: 1 } });
    return;
  }
  const ac = new AbortController();
  atAbort = ac;
  const fractions: Record<string, number> = {};
  const ensembles: Record<string, EnsembleSummary> = {};
  let shown = 0;
  scenarioCompareStore.setState({ atTime: { tSec, ensembles: {}, progress: 0 } });
  try {
    await Promise.all(
      done.map(async (d) => {
        const r = await runner.runScenario(scenarioUpTo(s.results[d.id]!.scenario, tSec), {
          signal: ac.signal,
          onProgress: (f) => {
            fractions[d.id] = f;
            const total = Object.values(fractions).reduce((a, b) => a + b, 0) / done.length;
            // Per whole percent only: each update re-renders the view.
            if (ac.signal.aborted || total - shown < 0.01) return;
            shown = total;
            scenarioCompareStore.setState((st) => (st.atTime?.tSec === tSec ? { atTime: { ...st.atTime, progress: total } } : st));
          },
        });
        if (r.ensemble) ensembles[d.id] = r.ensemble;
      }),
    );
    if (!ac.signal.aborted) scenarioCompareStore.setState({ atTime: { tSec, ensembles: { ...ensembles }, progress: 1 } });
  } catch (err) {
    if (!ac.signal.aborted) scenarioCompareStore.setState({ atTime: { tSec, ensembles: {}, progress: 0, error: message(err) } });
  }
}

/** Stops the ensembles being re-run to a comparison time (the view went away or the time changed). */
export function abortCompareAt(): void {
  atAbort?.abort();
}

/** The user's Cancel: stop, and compare at the end of the run again. */
export function cancelCompareAt(): void {
  atAbort?.abort();
  scenarioCompareStore.setState({ mode: 'end', atTime: null });
}

/**
 * The PV loops at the PV hour: at the run's end the runs already made; before it one best-fit run
 * (no ensemble) per scenario up to that hour. An engine failure is kept in `pvError`.
 */
export async function loadPvLoops(runner: ScenarioRunner): Promise<void> {
  pvAbort?.abort();
  const s = scenariosStore.getState();
  const { pvHour } = scenarioCompareStore.getState();
  const done = s.drafts.filter((d) => s.results[d.id]);
  if (done.length === 0 || pvHour * 3600 >= s.settings.durationSec) {
    scenarioCompareStore.setState({ pvLoops: done.map((d) => ({ id: d.id, w: s.results[d.id]!.result.waveforms })), pvError: undefined });
    return;
  }
  const ac = new AbortController();
  pvAbort = ac;
  try {
    const loops = await Promise.all(
      done.map(async (d) => ({ id: d.id, w: (await runner.runScenario(scenarioUpTo(s.results[d.id]!.scenario, pvHour * 3600, 0), { signal: ac.signal })).waveforms })),
    );
    if (!ac.signal.aborted) scenarioCompareStore.setState({ pvLoops: loops, pvError: undefined });
  } catch (err) {
    if (!ac.signal.aborted) scenarioCompareStore.setState({ pvError: `PV loops at ${pvHour} h: ${message(err)}` });
  }
}

export function abortPvLoops(): void {
  pvAbort?.abort();
}

/** What the Scenarios tab compares now: derived from both stores, pure given them. */
export interface Comparison {
  /** Scenarios that have results, in the list's order. */
  withResults: ScenarioDraft[];
  /** Display name of every draft by id. */
  names: ReadonlyMap<string, string>;
  peak: StrongestPeak | undefined;
  tSec: number;
  atEnd: boolean;
  /** "at the end of the run (24 h)" or "at 1 h 30 min". */
  label: string;
  rows: ComparisonRow[];
}

export function useComparison(): Comparison {
  const drafts = useScenarios((s) => s.drafts);
  const results = useScenarios((s) => s.results);
  const durationSec = useScenarios((s) => s.settings.durationSec);
  const metric = useScenarioCompare((s) => s.metric);
  const mode = useScenarioCompare((s) => s.mode);
  const chosenHours = useScenarioCompare((s) => s.chosenHours);
  const atTime = useScenarioCompare((s) => s.atTime);
  const names = useMemo(() => new Map(drafts.map((d) => [d.id, draftLabel(d)])), [drafts]);
  const withResults = useMemo(() => drafts.filter((d) => results[d.id]), [drafts, results]);
  const peak = useMemo(
    () => strongestPeakEffect(drafts.map((d) => ({ id: d.id, trajectory: results[d.id]?.result.trajectory })), BASELINE_ID, metric),
    [drafts, results, metric],
  );
  const tSec = comparisonTimeSec(mode, chosenHours, peak?.tSec, durationSec);
  const atEnd = tSec >= durationSec;
  const rows = useMemo(() => {
    // Ensembles at an earlier time count only when all are in, for this time, without an error.
    const ready = atTime !== null && atTime.tSec === tSec && atTime.progress >= 1 && !atTime.error;
    return comparisonRows(
      BASELINE_ID,
      drafts.map((d) => ({ id: d.id, ensemble: atEnd ? results[d.id]?.result.ensemble : ready ? atTime.ensembles[d.id] : undefined })),
    );
  }, [drafts, results, atEnd, atTime, tSec]);
  const label = atEnd ? `at the end of the run (${formatSimTime(durationSec)})` : `at ${formatSimTime(tSec)}`;
  return { withResults, names, peak, tSec, atEnd, label, rows };
}
