// The Scenarios tab's trajectory chart as data: one row per simulated time with each scenario's
// best-fit value and, once computed, its ensemble's 50 % and 90 % bands; until a scenario's bands
// are in, its endpoint ensemble's 90 % interval as a whisker at the end. EF in % (the engine's
// fraction × 100), every other metric in its engine unit. Pure.
import type { MetricKey } from '../../core/domain/physiology';
import type { ScenarioBands, ScenarioOutcome } from './scenarios';

/** One chart row: `tH`, then per scenario id its value, and `${id}:b90` / `${id}:b50` as [low, high]. */
export type TrajectoryRow = Record<string, number | [number, number]>;

/** The 90 % interval at the run's end of a scenario without bands yet. */
export interface EndWhisker {
  id: string;
  data: { tH: number; v: number; err: [number, number] }[];
}

/** The display factor of a metric: EF as %, the rest as they are. */
export function displayScale(metric: MetricKey): number {
  return metric === 'ef' ? 100 : 1;
}

export function trajectoryChartData(
  ids: readonly string[],
  results: Readonly<Record<string, ScenarioOutcome>>,
  bands: Readonly<Record<string, ScenarioBands>>,
  metric: MetricKey,
): { rows: TrajectoryRow[]; whiskers: EndWhisker[] } {
  // Keyed by simulated second: band times are trajectory sample times (multiples of 60 s).
  const byT = new Map<number, TrajectoryRow>();
  const rowAt = (tSec: number) => {
    let row = byT.get(tSec);
    if (!row) byT.set(tSec, (row = { tH: tSec / 3600 }));
    return row;
  };
  const k = displayScale(metric);
  const whiskers: EndWhisker[] = [];
  for (const id of ids) {
    const r = results[id]?.result;
    if (!r?.trajectory) continue;
    for (const p of r.trajectory) rowAt(p.tSec)[id] = p[metric] * k;
    // Ensemble bands over time (computed once after the run; drawn straight between band times).
    const b = bands[id];
    if (b && b.timesSec.length > 1) {
      b.timesSec.forEach((tSec, i) => {
        const e = b.ensembles[i]![metric];
        const row = rowAt(tSec);
        row[`${id}:b90`] = [e.p05 * k, e.p95 * k];
        row[`${id}:b50`] = [e.p25 * k, e.p75 * k];
      });
      continue;
    }
    // Until the bands are in: the endpoint ensemble's 90 % interval as a whisker at the end, the
    // scenarios' whiskers set slightly apart so they do not hide each other.
    const last = r.trajectory[r.trajectory.length - 1];
    const e = r.ensemble?.[metric];
    const offsetH = (last?.tSec ?? 0) / 3600 / 100;
    if (last && e) whiskers.push({ id, data: [{ tH: last.tSec / 3600 - offsetH * (ids.length - 1 - ids.indexOf(id)), v: e.p50 * k, err: [(e.p50 - e.p05) * k, (e.p95 - e.p50) * k] }] });
  }
  return { rows: [...byT.entries()].sort((a, b) => a[0] - b[0]).map(([, row]) => row), whiskers };
}
