// When does an intervention act most? The time at which a scenario's trajectory (the calibrated
// twin's best-fit run) differs most from the baseline's for one metric, so that endpoints are
// compared at the peak effect and not only at the end (a beta-blocker's heart-rate dip at 1–2 h
// has worn off by 24 h). Pure.
import type { MetricKey, TrajectoryPoint } from './physiology';

export interface PeakEffect {
  tSec: number;
  /** Scenario − baseline at the peak, in engine units. */
  delta: number;
  scenarioValue: number;
  baselineValue: number;
}

/** Baseline value at tSec by linear interpolation (trajectories may be sampled differently). */
function valueAt(traj: readonly TrajectoryPoint[], metric: MetricKey, tSec: number): number | undefined {
  if (traj.length === 0) return undefined;
  let lo = 0;
  let hi = traj.length - 1;
  if (tSec <= traj[0]!.tSec) return traj[0]![metric];
  if (tSec >= traj[hi]!.tSec) return traj[hi]![metric];
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (traj[mid]!.tSec <= tSec) lo = mid;
    else hi = mid;
  }
  const a = traj[lo]!;
  const b = traj[hi]!;
  const f = (tSec - a.tSec) / (b.tSec - a.tSec);
  return a[metric] + f * (b[metric] - a[metric]);
}

/** Largest |scenario − baseline| over the scenario's time points (the first one on ties); undefined without data. */
export function peakEffect(scenario: readonly TrajectoryPoint[] | undefined, baseline: readonly TrajectoryPoint[] | undefined, metric: MetricKey): PeakEffect | undefined {
  if (!scenario?.length || !baseline?.length) return undefined;
  let best: PeakEffect | undefined;
  for (const p of scenario) {
    const b = valueAt(baseline, metric, p.tSec);
    if (b === undefined || !Number.isFinite(p[metric])) continue;
    const delta = p[metric] - b;
    if (!best || Math.abs(delta) > Math.abs(best.delta)) best = { tSec: p.tSec, delta, scenarioValue: p[metric], baselineValue: b };
  }
  return best;
}

/** "1 h 30 min", "45 min", "24 h" for a simulated time. */
export function formatSimTime(tSec: number): string {
  const min = Math.round(tSec / 60);
  const h = Math.floor(min / 60);
  const m = min % 60;
  if (h === 0) return `${m} min`;
  return m === 0 ? `${h} h` : `${h} h ${String(m).padStart(2, '0')} min`;
}

/** The scenario whose peak effect departs most from the baseline's, and when. */
export interface StrongestPeak {
  id: string;
  tSec: number;
  delta: number;
}

/**
 * Of every scenario besides the baseline, the one whose best-fit trajectory departs most from the
 * baseline's on `metric` (the first of equals): its peak time is where "Compare at the peak effect"
 * compares. Undefined until a scenario besides the baseline has a trajectory.
 */
export function strongestPeakEffect(
  scenarios: readonly { id: string; trajectory: readonly TrajectoryPoint[] | undefined }[],
  baselineId: string,
  metric: MetricKey,
): StrongestPeak | undefined {
  const base = scenarios.find((s) => s.id === baselineId)?.trajectory;
  let best: StrongestPeak | undefined;
  for (const s of scenarios) {
    if (s.id === baselineId) continue;
    const p = peakEffect(s.trajectory, base, metric);
    if (p && (!best || Math.abs(p.delta) > Math.abs(best.delta))) best = { id: s.id, tSec: p.tSec, delta: p.delta };
  }
  return best;
}

/** When endpoints are compared: the end of the run, the peak effect, or a chosen time. */
export type CompareMode = 'end' | 'peak' | 'time';

/** Shortest chosen comparison time: a quarter hour (the first band time). */
export const MIN_COMPARE_SEC = 900;

/**
 * The simulated time (s) at which endpoints are compared: the run's end; a chosen time clamped to
 * [¼ h, end]; or the peak effect's time (the end while there is none yet).
 */
export function comparisonTimeSec(mode: CompareMode, chosenHours: number, peakTSec: number | undefined, durationSec: number): number {
  if (mode === 'end') return durationSec;
  if (mode === 'time') return Math.min(durationSec, Math.max(MIN_COMPARE_SEC, chosenHours * 3600));
  return peakTSec ?? durationSec;
}
