// The Scenarios tab (cardiologist): scenarios from templates on the calibrated twin (current
// therapy always the baseline), run in the worker pool with progress, cancel and results
// streaming in; the patient's baseline and the calibration's confidence on the page; endpoints
// compared at the end, at a chosen time or at the peak effect (ensembles re-run to that time);
// overlaid trajectories, PV loops at a chosen time, the Scenario comparison table, and Accept
// plan → one transaction (CarePlan + Provenance) in the record, once per decision.
//
// Layers: the stores and their actions hold the state and run the work (src/twin/scenarios.ts,
// scenarioCompare.ts, scenarioPlan.ts, twinState.ts, given the worker pool and the plan recorder
// as ports); what is compared and what a plan says is pure (core/domain/scenarioComparison.ts,
// scenarioPeak.ts, scenarioPlan.ts); this file gates on consent and capability, starts the work
// when its inputs change, and lays out the panels.
import { useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import type { WorkspaceViewProps } from '../workspace/view-props';
import { physiologyPool } from '../../compute/physiology';
import { twinCalibrationClient } from '../../compute/twinCalibration';
import { METRIC_INFO } from '../../../core/domain/physiology';
import { comparisonSummaryText, COMPARISON_ENDPOINTS } from '../../../core/domain/scenarioComparison';
import { useSession, useTwinPermission } from '../../sources/queries';
import { cancelScenarioRun, selectScenarioPatient, startScenarioRun, useScenarios } from '../../twin/scenarios';
import { abortCompareAt, abortPvLoops, compareEnsemblesAt, loadPvLoops, useComparison, useScenarioCompare } from '../../twin/scenarioCompare';
import { calibrateTwin, selectTwinPatient, twinStore, useTwin } from '../../twin/twinState';
import { ErrorNotice, Loading } from '../../ui/feedback';
import { CapabilityNotice, twinRefused } from '../twin/CapabilityNotice';
import { ProgressBar } from '../twin/ProgressBar';
import { useTwinRecord } from '../twin/useTwinRecord';
import { BaselinePanel } from './BaselinePanel';
import { ComparisonPanel } from './ComparisonPanel';
import { NewScenarioForm } from './NewScenarioForm';
import { PlanForm } from './PlanForm';
import { PvLoopsPanel, TrajectoriesPanel } from './ScenarioCharts';
import { ScenarioList } from './ScenarioList';
import '../twin/twin.css';

export default function ScenariosView({ patientId }: WorkspaceViewProps): ReactNode {
  useEffect(() => {
    selectTwinPatient(patientId);
    selectScenarioPatient(patientId);
  }, [patientId]);
  const permission = useTwinPermission(patientId);
  const record = useTwinRecord(patientId);
  const session = useSession();
  const capability = record.data?.capability;
  const refused = twinRefused(capability);
  const allowed = permission.data?.allowed === true && !refused;
  const denied = permission.data !== undefined && !permission.data.allowed;

  const twinStatus = useTwin((s) => (s.patientId === patientId ? s.status : 'idle'));
  const twinProgress = useTwin((s) => s.progress);
  const twinError = useTwin((s) => s.error);
  const calibration = useTwin((s) => s.calibration);
  const calibratedAtMs = useTwin((s) => s.calibratedAtMs);
  const drafts = useScenarios((s) => s.drafts);
  const status = useScenarios((s) => s.status);
  const progress = useScenarios((s) => s.progress);
  const results = useScenarios((s) => s.results);
  const runError = useScenarios((s) => s.error);
  const settings = useScenarios((s) => s.settings);
  const pvHour = useScenarioCompare((s) => s.pvHour);
  const comparison = useComparison();

  // Calibrate the twin once the record is in (the Twin tab may have done it already).
  const calAbort = useRef<AbortController | null>(null);
  useEffect(() => {
    if (allowed && record.data && twinStore.getState().patientId === patientId && twinStore.getState().status === 'idle') {
      const ac = new AbortController();
      calAbort.current = ac;
      void calibrateTwin(twinCalibrationClient(), patientId, record.data.resources, { signal: ac.signal });
    }
  }, [allowed, record.data, patientId]);

  // Leaving the tab stops the run and what was being compared.
  useEffect(() => cancelScenarioRun, []);
  // Endpoints at a time before the end: the ensembles re-run to it whenever the results or the time change.
  useEffect(() => {
    void compareEnsemblesAt(physiologyPool(), comparison.tSec);
    return abortCompareAt;
  }, [drafts, results, comparison.tSec, status]);
  // PV loops at the chosen hour.
  useEffect(() => {
    void loadPvLoops(physiologyPool());
    return abortPvLoops;
  }, [drafts, results, pvHour, settings.durationSec]);

  const [showNew, setShowNew] = useState(false);
  const run = () => {
    if (calibration) void startScenarioRun(physiologyPool(), { patient: calibration.patient, parameters: calibration.mapParameters });
  };
  const ids = useMemo(() => drafts.map((d) => d.id), [drafts]);
  const overall = drafts.length ? drafts.reduce((s, d) => s + (progress[d.id] ?? 0), 0) / drafts.length : 0;
  const { withResults, names } = comparison;
  const resultsRef = useRef<HTMLDivElement>(null);
  const user = session.data;

  if (record.isPending || permission.isPending) return <Loading label="Loading the record…" />;
  if (record.isError) return <ErrorNotice error={record.error} onRetry={() => void record.refetch()} />;
  if (denied) {
    return (
      <div className="notice notice-warn" role="status">
        <strong>Scenarios cannot be run or recorded for this patient.</strong>
        <span>{permission.data?.reason ?? 'The patient’s consent denies digital-twin use.'}</span>
      </div>
    );
  }
  if (refused) return <CapabilityNotice capability={capability} what="scenarios" />;

  return (
    <div className="scenarios-view">
      <div className="toolbar">
        <button type="button" className="btn" onClick={() => setShowNew(true)} disabled={status === 'running'}>
          New scenario
        </button>
        <button type="button" className="btn btn-primary" onClick={run} disabled={!calibration || status === 'running' || !allowed}>
          Run scenarios
        </button>
        {status === 'running' && <ProgressBar label="Running scenarios" fraction={overall} onCancel={cancelScenarioRun} />}
        <span className="muted">
          {drafts.length} scenarios × {settings.ensemble} ensemble members × {settings.durationSec / 3600} h on the calibrated twin
          {status === 'running' && ` · ${withResults.length} of ${drafts.length} done`}
        </span>
      </div>
      {twinStatus === 'calibrating' && (
        <div className="notice notice-info" role="status">
          <strong>Calibrating the twin to the record before scenarios can run…</strong>
          <ProgressBar label="Calibrating the twin" fraction={twinProgress} onCancel={() => calAbort.current?.abort()} />
        </div>
      )}
      {twinStatus === 'error' && <ErrorNotice error={new Error(twinError ?? 'unknown error')} title="Calibration failed" />}
      {status === 'cancelled' && <div className="notice notice-info" role="status">Run cancelled; results that had finished are kept.</div>}
      {status === 'error' && runError && <ErrorNotice error={new Error(runError)} title="Scenarios could not run" />}
      {showNew && <NewScenarioForm onDone={() => setShowNew(false)} />}
      <CapabilityNotice capability={capability} what="scenarios" />
      <BaselinePanel calibration={calibration} status={twinStatus} latest={record.data?.vitals.latest} />
      <ScenarioList />

      {withResults.length > 0 && (
        <div ref={resultsRef} className="scenario-results">
          <ComparisonPanel patientId={patientId} comparison={comparison} exportRoot={resultsRef}>
            <PlanForm
              patientId={patientId}
              choices={withResults}
              names={names}
              calibration={calibration}
              calibratedAtMs={calibratedAtMs}
              actor={user ? { userId: user.id, display: user.displayName || user.username } : undefined}
              summary={comparisonSummaryText(comparison.rows, names, comparison.label)}
              allowed={allowed}
            />
          </ComparisonPanel>
          <div className="scenario-charts">
            <TrajectoriesPanel ids={ids} comparison={comparison} />
            <PvLoopsPanel ids={ids} names={names} />
          </div>
        </div>
      )}
      {withResults.length === 0 && status !== 'running' && (
        <p className="muted">
          {calibration ? 'Add scenarios with New scenario, then Run scenarios.' : 'Scenarios run on the calibrated twin; calibration starts when the record has loaded.'} Endpoints compared:{' '}
          {COMPARISON_ENDPOINTS.map((k) => METRIC_INFO[k].label).join(', ')}.
        </p>
      )}
    </div>
  );
}
