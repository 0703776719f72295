import { describe, expect, it } from 'vitest';
import type { EnsembleSummary, Percentiles, TrajectoryPoint } from '../../core/domain/physiology';
import type { ScenarioBands, ScenarioOutcome } from './scenarios';
import { trajectoryChartData } from './scenarioTrajectories';

const pct = (p50: number, half: number): Percentiles => ({ p05: p50 - half, p25: p50 - half / 2, p50, p75: p50 + half / 2, p95: p50 + half });
const ens = (ef: number, map: number) => ({ ef: pct(ef, 0.05), mapMmHg: pct(map, 10) }) as unknown as EnsembleSummary;
// Only what the chart reads of an outcome: the best-fit trajectory and the endpoint ensemble.
const outcome = (points: [number, number][], ensemble: EnsembleSummary) =>
  ({ result: { trajectory: points.map(([tSec, ef]) => ({ tSec, ef, mapMmHg: 80 }) as TrajectoryPoint), ensemble } }) as unknown as ScenarioOutcome;

describe('trajectoryChartData', () => {
  const results = {
    baseline: outcome([[0, 0.5], [1800, 0.52], [3600, 0.54]], ens(0.54, 80)),
    tavr: outcome([[0, 0.5], [1800, 0.6], [3600, 0.62]], ens(0.62, 85)),
  };

  it('shows EF in %, one row per time, and whiskers at the end until the bands are in', () => {
    const { rows, whiskers } = trajectoryChartData(['baseline', 'tavr'], results, {}, 'ef');
    expect(rows.map((r) => r.tH)).toEqual([0, 0.5, 1]);
    expect(rows[1]).toEqual({ tH: 0.5, baseline: 52, tavr: 60 });
    expect(whiskers.map((w) => w.id)).toEqual(['baseline', 'tavr']);
    const t = whiskers[1]!.data[0]!;
    expect(t.v).toBeCloseTo(62, 9);
    expect(t.err[0]).toBeCloseTo(5, 9);
    expect(t.err[1]).toBeCloseTo(5, 9);
    // Set apart so they do not hide each other; the last scenario's at the end itself.
    expect(t.tH).toBe(1);
    expect(whiskers[0]!.data[0]!.tH).toBeLessThan(1);
  });

  it('draws the bands at the band times instead of a whisker once they are in', () => {
    const bands: Record<string, ScenarioBands> = { tavr: { timesSec: [1800, 3600], ensembles: [ens(0.6, 84), ens(0.62, 85)] } };
    const { rows, whiskers } = trajectoryChartData(['baseline', 'tavr'], results, bands, 'mapMmHg');
    expect(whiskers.map((w) => w.id)).toEqual(['baseline']);
    expect(rows[1]!['tavr:b90']).toEqual([74, 94]);
    expect(rows[1]!['tavr:b50']).toEqual([79, 89]);
    expect(rows[0]!['tavr:b90']).toBeUndefined();
  });

  it('leaves out scenarios without a trajectory', () => {
    expect(trajectoryChartData(['pending'], results, {}, 'ef')).toEqual({ rows: [], whiskers: [] });
  });
});
