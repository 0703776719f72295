// The Comparison panel: when to compare (end of the run, peak effect, chosen time, with progress
// while ensembles re-run to that time), the Scenario comparison table (median, 90 % interval, Δ to
// the baseline, overlap), CSV/PNG export, and the plan form below it.
import type { ReactNode, RefObject } from 'react';
import { METRIC_INFO } from '../../../core/domain/physiology';
import { comparisonCsv, displayUnit, formatMetric } from '../../../core/domain/scenarioComparison';
import { formatSimTime, type CompareMode } from '../../../core/domain/scenarioPeak';
import { useScenarios } from '../../twin/scenarios';
import { cancelCompareAt, setCompareHours, setCompareMode, useScenarioCompare, type Comparison } from '../../twin/scenarioCompare';
import { ErrorNotice, Panel } from '../../ui/feedback';
import { downloadCsv, downloadPng } from '../twin/chartExport';
import { ProgressBar } from '../twin/ProgressBar';

function CompareAt({ comparison }: { comparison: Comparison }): ReactNode {
  const durationSec = useScenarios((s) => s.settings.durationSec);
  const metric = useScenarioCompare((s) => s.metric);
  const mode = useScenarioCompare((s) => s.mode);
  const chosenHours = useScenarioCompare((s) => s.chosenHours);
  const atTime = useScenarioCompare((s) => s.atTime);
  const { peak, names } = comparison;
  return (
    <div className="toolbar compare-at" role="group" aria-label="Compare endpoints at">
      <label htmlFor="compare-at">Compare at</label>
      <select id="compare-at" className="input" value={mode} onChange={(e) => setCompareMode(e.target.value as CompareMode)}>
        <option value="end">End of run ({formatSimTime(durationSec)})</option>
        <option value="peak">Peak effect on {METRIC_INFO[metric].label}</option>
        <option value="time">Chosen time</option>
      </select>
      {mode === 'time' && (
        <>
          <label htmlFor="compare-hours">Time (h)</label>
          <input
            id="compare-hours"
            className="input"
            type="number"
            min={0.25}
            max={durationSec / 3600}
            step={0.25}
            value={chosenHours}
            onChange={(e) => setCompareHours(e.target.valueAsNumber)}
          />
        </>
      )}
      {mode === 'peak' && (
        <span data-testid="peak-effect">
          {peak
            ? `Peak effect: ${names.get(peak.id)} ${METRIC_INFO[metric].label} ${peak.delta >= 0 ? '+' : '−'}${formatMetric(metric, Math.abs(peak.delta))} ${displayUnit(metric)} vs baseline at ${formatSimTime(peak.tSec)}`
            : 'Run a scenario besides the baseline to find its peak effect.'}
        </span>
      )}
      {atTime && atTime.progress < 1 && !atTime.error && <ProgressBar label={`Ensembles to ${formatSimTime(atTime.tSec)}`} fraction={atTime.progress} onCancel={cancelCompareAt} />}
    </div>
  );
}

function ComparisonTable({ comparison }: { comparison: Comparison }): ReactNode {
  const { rows, names, withResults } = comparison;
  return (
    <div className="table-wrap">
      <table className="table compact comparison" aria-label="Scenario comparison">
        <thead>
          <tr>
            <th scope="col">Endpoint</th>
            {withResults.map((d) => (
              <th scope="col" key={d.id}>
                {names.get(d.id)}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.key}>
              <th scope="row">
                {r.label} <span className="muted">({r.unit})</span>
              </th>
              {r.cells.map((c) => (
                <td key={c.scenarioId} data-scenario={c.scenarioId} data-endpoint={r.key}>
                  <span className="median">{c.median}</span> <span className="interval">({c.interval})</span>
                  {c.diff && (
                    <span className="cell-diff">
                      <span className="diff">Δ {c.diff}</span>{' '}
                      <span className={c.overlapsBaseline ? 'overlap-yes muted' : 'overlap-no'}>{c.overlapsBaseline ? 'overlap' : 'no overlap'}</span>
                    </span>
                  )}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function ComparisonPanel({ patientId, comparison, exportRoot, children }: { patientId: string; comparison: Comparison; exportRoot: RefObject<HTMLDivElement | null>; children?: ReactNode }): ReactNode {
  const settings = useScenarios((s) => s.settings);
  const atTime = useScenarioCompare((s) => s.atTime);
  return (
    <Panel
      title="Comparison"
      actions={
        <span className="toolbar">
          <button type="button" className="btn btn-small" onClick={() => downloadCsv(comparisonCsv(comparison.rows, comparison.names), `scenarios-${patientId}.csv`)}>
            Export CSV
          </button>
          <button type="button" className="btn btn-small" onClick={() => exportRoot.current && void downloadPng(exportRoot.current, `scenarios-${patientId}.png`)}>
            Export PNG
          </button>
        </span>
      }
    >
      <CompareAt comparison={comparison} />
      {atTime?.error && <ErrorNotice error={new Error(atTime.error)} title={`Could not compute the endpoints at ${formatSimTime(atTime.tSec)}`} />}
      <p className="muted">
        Endpoints {comparison.label}: median and 90 % interval over {settings.ensemble} ensemble members; Δ = difference of medians to the baseline; “overlap” = the two 90 % intervals overlap
        (no clear difference).
      </p>
      <ComparisonTable comparison={comparison} />
      {children}
    </Panel>
  );
}
