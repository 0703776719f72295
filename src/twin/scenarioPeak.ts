// When does an intervention act most? The time at which a scenario's trajectory (the calibrated
// twin's best-fit run) differs most from the baseline's for one metric, so that endpoints are
// compared at the peak effect and not only at the end (a beta-blocker's heart-rate dip at 1–2 h
// has worn off by 24 h). Pure.
import type { MetricKey, TrajectoryPoint } from '../../core/domain/physiology';

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
