// The Twin tab's per-patient forecast scores: every forecast the twin issued for this patient,
// checked at 1, 2 and 4 h against the reading then taken (coverage of the 50 % and 90 % bands,
// CRPS, error of the median) — the same scoring as the replay of real ICU stays
// (docs/real-forecasts.md), computed from this patient's own past forecasts and readings.
import { useMemo, type ReactNode } from 'react';
import type { NormalisedObservation } from '../../../../core/vitals/fhir-vitals';
import { scoreIssuedForecasts, scoringSeries, summariseByKeyAndHorizon } from '../../../../core/vitals/forecastScores';
import { FORECAST_KEYS, useTwin } from '../../../twin/twinState';
import './validation.css';

export const SCORE_HORIZONS_H = [1, 2, 4] as const;
/** A reading counts for horizon h when taken within this of issue + h. */
export const SCORE_TOLERANCE_MIN = 30;

const LABEL: Record<string, string> = { hrBpm: 'HR', sbpMmHg: 'SBP', dbpMmHg: 'DBP', mapMmHg: 'MAP' };
const UNIT: Record<string, string> = { hrBpm: 'bpm', sbpMmHg: 'mmHg', dbpMmHg: 'mmHg', mapMmHg: 'mmHg' };

/** Within 5 points of the nominal level: good; within 15: fair; beyond: off (shown, not hidden). */
export function coverageGrade(x: number, target: number): 'good' | 'fair' | 'off' {
  const d = Math.abs(x - target);
  return d <= 0.05 ? 'good' : d <= 0.15 ? 'fair' : 'off';
}

function CoverageCell({ x, target }: { x: number; target: number }): ReactNode {
  const g = coverageGrade(x, target);
  const title = g === 'good' ? `close to the nominal ${target * 100} %` : `${g === 'fair' ? 'somewhat' : 'far'} ${x < target ? 'below' : 'above'} the nominal ${target * 100} %`;
  return (
    <td className={`score-${g}`} title={title}>
      {Math.round(x * 100)} %{g === 'off' ? (x < target ? ' ↓' : ' ↑') : ''}
    </td>
  );
}

export function ForecastScores({ observations }: { observations: readonly NormalisedObservation[] }): ReactNode {
  const history = useTwin((s) => s.history);
  const live = useTwin((s) => s.live);
  const rows = useMemo(() => {
    const known = new Set(observations.map((o) => `${o.source}:${o.kind}`));
    const all = [...observations, ...live.filter((o) => !known.has(`${o.source}:${o.kind}`))];
    const points = scoreIssuedForecasts(history, scoringSeries(all, FORECAST_KEYS), SCORE_HORIZONS_H, SCORE_TOLERANCE_MIN * 60_000);
    return summariseByKeyAndHorizon(points);
  }, [history, live, observations]);

  return (
    <section className="forecast-scores" aria-labelledby="forecast-scores-title">
      <h3 id="forecast-scores-title">Forecasts scored against what happened</h3>
      <p className="muted">
        Each forecast the twin issued for this patient, checked {SCORE_HORIZONS_H.join(', ')} h later against the reading taken then (±{SCORE_TOLERANCE_MIN} min). CRPS and
        error of the median in the vital’s unit (lower is better); CRPS approximated from the bands by the weighted interval score.
      </p>
      {rows.length === 0 ? (
        <p className="muted">No forecast has reached its horizon yet.</p>
      ) : (
        <table className="table compact" aria-label="Forecast scores by vital and horizon">
          <thead>
            <tr>
              <th>Vital</th>
              <th>Ahead</th>
              <th>Readings</th>
              <th>In 50 %</th>
              <th>In 90 %</th>
              <th>CRPS</th>
              <th>Median error</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={`${r.key}-${r.horizonH}`}>
                <td>{LABEL[r.key] ?? r.key}</td>
                <td>{r.horizonH} h</td>
                <td>{r.n}</td>
                <CoverageCell x={r.coverage50} target={0.5} />
                <CoverageCell x={r.coverage90} target={0.9} />
                <td>
                  {r.crps.toFixed(1)} {UNIT[r.key]}
                </td>
                <td>
                  {r.mae.toFixed(1)} {UNIT[r.key]}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
