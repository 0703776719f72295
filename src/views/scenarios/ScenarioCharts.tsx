// The Scenarios tab's charts: trajectories of a chosen metric with the ensemble's bands over time
// (and their progress), and the LV pressure–volume loops at a chosen hour.
import type { ReactNode } from 'react';
import { METRIC_INFO, type MetricKey } from '../../../core/domain/physiology';
import { formatSimTime } from '../../../core/domain/scenarioPeak';
import { bandTimesSec, cancelScenarioRun, useScenarios } from '../../twin/scenarios';
import { PV_TIMES_H, setCompareMetric, setPvHour, useScenarioCompare, type Comparison } from '../../twin/scenarioCompare';
import { ErrorNotice, Panel } from '../../ui/feedback';
import { ProgressBar } from '../twin/ProgressBar';
import { SCENARIO_COLOURS } from '../twin/palette';
import { PvLoops } from '../twin/WaveformsPanel';
import { TrajectoryChart } from './TrajectoryChart';

const TRAJECTORY_METRICS: readonly MetricKey[] = ['mapMmHg', 'coLPerMin', 'hrBpm', 'avMeanGradientMmHg', 'pcwpMmHg', 'ef'];

export function TrajectoriesPanel({ ids, comparison }: { ids: readonly string[]; comparison: Comparison }): ReactNode {
  const metric = useScenarioCompare((s) => s.metric);
  const settings = useScenarios((s) => s.settings);
  const bands = useScenarios((s) => s.bands);
  const bandsStatus = useScenarios((s) => s.bandsStatus);
  const bandsProgress = useScenarios((s) => s.bandsProgress);
  const runError = useScenarios((s) => s.error);
  return (
    <Panel
      title="Trajectories"
      actions={
        <select aria-label="Trajectory metric" className="input" value={metric} onChange={(e) => setCompareMetric(e.target.value as MetricKey)}>
          {TRAJECTORY_METRICS.map((k) => (
            <option key={k} value={k}>
              {METRIC_INFO[k].label}
            </option>
          ))}
        </select>
      }
    >
      <p className="muted">
        Lines: the calibrated twin (best fit) over time. Shaded: the {settings.ensemble}-member ensemble’s 50 % and 90 % bands at{' '}
        {bandTimesSec(settings.durationSec).map(formatSimTime).join(', ')} (straight between){bandsStatus !== 'done' ? '; until they are in, whiskers at the end show the 90 % interval there' : ''}.
      </p>
      {bandsStatus === 'running' && <ProgressBar label="Ensemble bands over time" fraction={bandsProgress} onCancel={cancelScenarioRun} />}
      {bandsStatus === 'cancelled' && <p className="muted">Bands over time cancelled; those that finished are drawn.</p>}
      {bandsStatus === 'error' && <ErrorNotice error={new Error(runError ?? 'unknown error')} title="Ensemble bands over time could not be computed" />}
      <div
        role="figure"
        aria-label="Scenario trajectories with ensemble bands"
        data-bands={bandsStatus}
        data-band-count={Object.values(bands).reduce((n, b) => n + (b.timesSec.length > 1 ? 1 : 0), 0)}
      >
        <TrajectoryChart metric={metric} ids={ids} names={comparison.names} markTSec={comparison.atEnd ? undefined : comparison.tSec} />
      </div>
    </Panel>
  );
}

export function PvLoopsPanel({ ids, names }: { ids: readonly string[]; names: ReadonlyMap<string, string> }): ReactNode {
  const durationSec = useScenarios((s) => s.settings.durationSec);
  const pvHour = useScenarioCompare((s) => s.pvHour);
  const pvLoops = useScenarioCompare((s) => s.pvLoops);
  const pvError = useScenarioCompare((s) => s.pvError);
  return (
    <Panel
      title="PV loops"
      actions={
        <select aria-label="PV loop time" className="input" value={pvHour} onChange={(e) => setPvHour(Number(e.target.value))}>
          {PV_TIMES_H.filter((h) => h * 3600 <= durationSec).map((h) => (
            <option key={h} value={h}>
              at {h} h
            </option>
          ))}
        </select>
      }
    >
      {pvError && <ErrorNotice error={new Error(pvError)} title="PV loops could not be computed" />}
      <PvLoops
        label={`LV pressure–volume loops at ${pvHour} h`}
        loops={pvLoops.map((l) => ({ name: names.get(l.id) ?? l.id, colour: SCENARIO_COLOURS[ids.indexOf(l.id) % SCENARIO_COLOURS.length]!, w: l.w }))}
      />
    </Panel>
  );
}
