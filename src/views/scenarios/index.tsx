// The Scenarios tab (cardiologist): scenarios from templates on the calibrated twin (current
// therapy always the baseline), run in the worker pool with progress, cancel and results
// streaming in; the patient's baseline and the calibration's confidence on the page; endpoints
// compared at the end, at a chosen time or at the peak effect (ensembles re-run to that time);
// overlaid trajectories, PV loops at a chosen time, the Scenario comparison table, and Accept
// plan → one transaction (CarePlan + Provenance) in the record, once per decision.
import { useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { Area, CartesianGrid, ComposedChart, ErrorBar, Legend, Line, ReferenceLine, ResponsiveContainer, Scatter, Tooltip, XAxis, YAxis } from 'recharts';
import type { WorkspaceViewProps } from '../workspace/view-props';
import { physiologyPool } from '../../compute/physiology';
import { twinCalibrationClient } from '../../compute/twinCalibration';
import { METRIC_INFO, type BeatWaveforms, type EnsembleSummary, type MetricKey } from '../../../core/domain/physiology';
import { comparisonCsv, comparisonRows, comparisonSummaryText, COMPARISON_ENDPOINTS, displayUnit, formatMetric } from '../../../core/domain/scenarioComparison';
import { describeInterventions, SCENARIO_TEMPLATES, templateById, type TemplateId } from '../../../core/domain/scenarioTemplates';
import { stableId } from '../../../core/domain/twinRecords';
import { recordCarePlan } from '../../sources/carePlans';
import { formatSimTime, peakEffect } from '../../twin/scenarioPeak';
import { BaselinePanel } from './BaselinePanel';
import { ConfirmPlanDialog } from './ConfirmPlanDialog';
import { CapabilityNotice, twinRefused } from '../twin/CapabilityNotice';
import { confidenceLine, planConfidence } from '../../twin/planConfidence';
import { Link } from 'react-router-dom';
import { workspacePath } from '../routing';
import { useSession, useTwinPermission } from '../../sources/queries';
import { addScenario, bandEnsembleAt, bandTimesSec, BASELINE_ID, scenarioUpTo, draftLabel, removeScenario, runScenarios, selectScenarioPatient, updateScenario, useScenarios } from '../../twin/scenarios';
import { calibrateTwin, selectTwinPatient, twinStore, useTwin } from '../../twin/twinState';
import { Badge, ErrorNotice, errorMessage, Loading, Panel } from '../../ui/feedback';
import { formatDate } from '../../ui/time-format';
import { downloadCsv, downloadPng } from '../twin/chartExport';
import { ProgressBar } from '../twin/ProgressBar';
import { SCENARIO_COLOURS } from '../twin/palette';
import { useTwinRecord } from '../twin/useTwinRecord';
import { PvLoops } from '../twin/WaveformsPanel';
import '../twin/twin.css';

const TRAJECTORY_METRICS: readonly MetricKey[] = ['mapMmHg', 'coLPerMin', 'hrBpm', 'avMeanGradientMmHg', 'pcwpMmHg', 'ef'];
const PV_TIMES_H = [1, 6, 24] as const;

function NewScenarioForm({ onDone }: { onDone: () => void }): ReactNode {
  const [templateId, setTemplateId] = useState<TemplateId>('tavr');
  const options = SCENARIO_TEMPLATES.filter((t) => t.id !== 'baseline');
  return (
    <div className="toolbar" role="group" aria-label="New scenario from a template">
      <div className="field">
        <label htmlFor="scenario-template">Template</label>
        <select id="scenario-template" className="input" value={templateId} onChange={(e) => setTemplateId(e.target.value as TemplateId)}>
          {options.map((t) => (
            <option key={t.id} value={t.id}>
              {t.label}
            </option>
          ))}
        </select>
      </div>
      <span className="muted">{templateById(templateId).description}</span>
      <button
        type="button"
        className="btn btn-primary"
        onClick={() => {
          addScenario(templateId);
          onDone();
        }}
      >
        Add scenario
      </button>
      <button type="button" className="btn btn-ghost" onClick={onDone}>
        Close
      </button>
    </div>
  );
}

function TrajectoryChart({ metric, ids, names, markTSec }: { metric: MetricKey; ids: readonly string[]; names: ReadonlyMap<string, string>; markTSec?: number }): ReactNode {
  const results = useScenarios((s) => s.results);
  const bands = useScenarios((s) => s.bands);
  const { rows, whiskers } = useMemo(() => {
    // Keyed by simulated second: band times are trajectory sample times (multiples of 60 s).
    const byT = new Map<number, Record<string, number | [number, number]>>();
    const rowAt = (tSec: number) => {
      let row = byT.get(tSec);
      if (!row) byT.set(tSec, (row = { tH: tSec / 3600 }));
      return row;
    };
    const k = metric === 'ef' ? 100 : 1;
    const whiskers: { id: string; data: { tH: number; v: number; err: [number, number] }[] }[] = [];
    for (const id of ids) {
      const r = results[id]?.result;
      if (!r?.trajectory) continue;
      for (const p of r.trajectory) rowAt(p.tSec)[id] = p[metric] * k;
      // Ensemble bands over time (computed once after the run; linear between band times).
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
      // Until the bands are in: the endpoint ensemble's 90 % interval as a whisker at the end.
      const last = r.trajectory[r.trajectory.length - 1];
      const e = r.ensemble?.[metric];
      const offsetH = (last?.tSec ?? 0) / 3600 / 100;
      if (last && e) whiskers.push({ id, data: [{ tH: last.tSec / 3600 - offsetH * (ids.length - 1 - ids.indexOf(id)), v: e.p50 * k, err: [(e.p50 - e.p05) * k, (e.p95 - e.p50) * k] }] });
    }
    return { rows: [...byT.entries()].sort((a, b) => a[0] - b[0]).map(([, row]) => row), whiskers };
  }, [results, bands, ids, metric]);
  const unit = displayUnit(metric);
  const colour = (id: string) => SCENARIO_COLOURS[ids.indexOf(id) % SCENARIO_COLOURS.length]!;
  return (
    <ResponsiveContainer width="100%" height={260}>
      <ComposedChart data={rows} margin={{ top: 6, right: 16, bottom: 18, left: 6 }}>
        <CartesianGrid stroke="#2c3543" />
        <XAxis dataKey="tH" type="number" domain={[0, 'dataMax']} stroke="#a3afbd" fontSize={11} label={{ value: 'time (h)', position: 'insideBottom', offset: -8, fill: '#a3afbd', fontSize: 11 }} />
        <YAxis stroke="#a3afbd" fontSize={11} domain={['auto', 'auto']} width={60} label={{ value: unit, angle: -90, position: 'insideLeft', fill: '#a3afbd', fontSize: 11 }} />
        <Tooltip
          contentStyle={{ background: '#181d26', border: '1px solid #2c3543' }}
          labelFormatter={(t) => `${Number(t).toFixed(2)} h`}
          formatter={(v, name) => {
            const [id, band] = String(name).split(':');
            const label = `${names.get(id ?? '') ?? id}${band ? ` ${band === 'b90' ? '90' : '50'} % band` : ''}`;
            const fmt = (x: number) => formatMetric(metric, metric === 'ef' ? x / 100 : x);
            if (Array.isArray(v)) return [`${fmt(Number(v[0]))}–${fmt(Number(v[1]))} ${unit}`, label];
            return [typeof v === 'number' ? `${fmt(v)} ${unit}` : String(v), label];
          }}
        />
        <Legend verticalAlign="top" wrapperStyle={{ fontSize: 11 }} formatter={(v: string) => names.get(v) ?? v} />
        {markTSec !== undefined && <ReferenceLine x={markTSec / 3600} stroke="#e8edf3" strokeDasharray="3 3" label={{ value: 'compared here', fill: '#e8edf3', fontSize: 10, position: 'insideTopLeft' }} />}
        {ids.flatMap((id) =>
          bands[id] && bands[id].timesSec.length > 1
            ? [
                <Area key={`${id}-b90`} dataKey={`${id}:b90`} name={`${id}:b90`} legendType="none" stroke="none" fill={colour(id)} fillOpacity={0.12} connectNulls isAnimationActive={false} />,
                <Area key={`${id}-b50`} dataKey={`${id}:b50`} name={`${id}:b50`} legendType="none" stroke="none" fill={colour(id)} fillOpacity={0.22} connectNulls isAnimationActive={false} />,
              ]
            : [],
        )}
        {ids.map((id) => (results[id]?.result.trajectory ? <Line key={id} dataKey={id} name={id} stroke={colour(id)} dot={false} connectNulls isAnimationActive={false} /> : null))}
        {whiskers.map((w) => (
          <Scatter key={`${w.id}-err`} data={w.data} dataKey="v" name={`${w.id}`} legendType="none" fill={colour(w.id)} isAnimationActive={false}>
            <ErrorBar dataKey="err" width={6} strokeWidth={2} stroke={colour(w.id)} direction="y" />
          </Scatter>
        ))}
      </ComposedChart>
    </ResponsiveContainer>
  );
}

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
  const drafts = useScenarios((s) => s.drafts);
  const status = useScenarios((s) => s.status);
  const progress = useScenarios((s) => s.progress);
  const results = useScenarios((s) => s.results);
  const runError = useScenarios((s) => s.error);
  const settings = useScenarios((s) => s.settings);
  const bands = useScenarios((s) => s.bands);
  const bandsStatus = useScenarios((s) => s.bandsStatus);
  const bandsProgress = useScenarios((s) => s.bandsProgress);

  const calAbort = useRef<AbortController | null>(null);
  useEffect(() => {
    if (allowed && record.data && twinStore.getState().patientId === patientId && twinStore.getState().status === 'idle') {
      const ac = new AbortController();
      calAbort.current = ac;
      void calibrateTwin(twinCalibrationClient(), patientId, record.data.resources, { signal: ac.signal });
    }
  }, [allowed, record.data, patientId]);

  const [showNew, setShowNew] = useState(false);
  const runAbort = useRef<AbortController | null>(null);
  useEffect(() => () => runAbort.current?.abort(), []);
  const run = () => {
    if (!calibration) return;
    runAbort.current?.abort();
    const ac = new AbortController();
    runAbort.current = ac;
    void runScenarios(physiologyPool(), { patient: calibration.patient, parameters: calibration.mapParameters }, ac.signal);
  };

  const names = useMemo(() => new Map(drafts.map((d) => [d.id, draftLabel(d)])), [drafts]);
  const ids = drafts.map((d) => d.id);
  const [metric, setMetric] = useState<MetricKey>('mapMmHg');

  // When to compare: the end of the run, a chosen time, or the peak effect on the trajectory
  // metric (the scenario whose best-fit trajectory departs most from the baseline's sets the time).
  const [compareMode, setCompareMode] = useState<'end' | 'peak' | 'time'>('end');
  const [compareHours, setCompareHours] = useState(2);
  const peak = useMemo(() => {
    const base = results[BASELINE_ID]?.result.trajectory;
    let best: { id: string; tSec: number; delta: number } | undefined;
    for (const d of drafts) {
      if (d.id === BASELINE_ID) continue;
      const p = peakEffect(results[d.id]?.result.trajectory, base, metric);
      if (p && (!best || Math.abs(p.delta) > Math.abs(best.delta))) best = { id: d.id, tSec: p.tSec, delta: p.delta };
    }
    return best;
  }, [drafts, results, metric]);
  const compareTSec =
    compareMode === 'end' ? settings.durationSec : compareMode === 'time' ? Math.min(settings.durationSec, Math.max(0.25, compareHours) * 3600) : (peak?.tSec ?? settings.durationSec);
  const atEnd = compareTSec >= settings.durationSec;
  // Ensembles re-run to the comparison time (same seeds and members): intervals there are real.
  // Read (not depended on) by the effect below: bands filling in must not restart a comparison.
  const bandsRef = useRef(bands);
  bandsRef.current = bands;
  const [atTime, setAtTime] = useState<{ tSec: number; ensembles: Record<string, EnsembleSummary>; progress: number; error?: string } | null>(null);
  const atAbort = useRef<AbortController | null>(null);
  useEffect(() => {
    atAbort.current?.abort();
    const done = drafts.filter((d) => results[d.id]);
    if (atEnd || done.length === 0 || status === 'running') {
      setAtTime(null);
      return;
    }
    // At a band time the bands already hold these ensembles: no second engine call.
    const fromBands = Object.fromEntries(done.flatMap((d) => {
      const e = bandEnsembleAt(bandsRef.current[d.id], compareTSec);
      return e ? [[d.id, e] as const] : [];
    }));
    if (Object.keys(fromBands).length === done.length) {
      setAtTime({ tSec: compareTSec, ensembles: fromBands, progress: 1 });
      return;
    }
    const ac = new AbortController();
    atAbort.current = ac;
    const progress: Record<string, number> = {};
    const ensembles: Record<string, EnsembleSummary> = {};
    setAtTime({ tSec: compareTSec, ensembles, progress: 0 });
    void Promise.all(
      done.map(async (d) => {
        const r = await physiologyPool().runScenario(
          scenarioUpTo(results[d.id]!.scenario, compareTSec),
          {
            signal: ac.signal,
            onProgress: (f) => {
              progress[d.id] = f;
              if (!ac.signal.aborted) setAtTime((s) => (s && s.tSec === compareTSec ? { ...s, progress: Object.values(progress).reduce((a, b) => a + b, 0) / done.length } : s));
            },
          },
        );
        if (r.ensemble) ensembles[d.id] = r.ensemble;
      }),
    )
      .then(() => {
        if (!ac.signal.aborted) setAtTime({ tSec: compareTSec, ensembles: { ...ensembles }, progress: 1 });
      })
      .catch((err: unknown) => {
        if (!ac.signal.aborted) setAtTime({ tSec: compareTSec, ensembles: {}, progress: 0, error: errorMessage(err) });
      });
    return () => ac.abort();
  }, [drafts, results, compareTSec, atEnd, status]);
  const atTimeReady = atTime !== null && atTime.progress >= 1 && !atTime.error;
  const rows = useMemo(
    () =>
      comparisonRows(
        BASELINE_ID,
        drafts.map((d) => ({ id: d.id, ensemble: atEnd ? results[d.id]?.result.ensemble : atTimeReady ? atTime.ensembles[d.id] : undefined })),
      ),
    [drafts, results, atEnd, atTimeReady, atTime],
  );
  const compareLabel = atEnd ? `at the end of the run (${formatSimTime(settings.durationSec)})` : `at ${formatSimTime(compareTSec)}`;
  const withResults = drafts.filter((d) => results[d.id]);
  const overall = drafts.length ? drafts.reduce((s, d) => s + (progress[d.id] ?? 0), 0) / drafts.length : 0;

  const [pvHour, setPvHour] = useState<number>(24);
  const [pvLoops, setPvLoops] = useState<{ id: string; w: BeatWaveforms }[]>([]);
  // PV loops at the chosen time: one main run (no ensemble) per scenario up to that time; at the
  // horizon the runs already made are reused.
  useEffect(() => {
    const done = drafts.filter((d) => results[d.id]);
    if (done.length === 0) {
      setPvLoops([]);
      return;
    }
    if (pvHour * 3600 >= settings.durationSec) {
      setPvLoops(done.map((d) => ({ id: d.id, w: results[d.id]!.result.waveforms })));
      return;
    }
    const ac = new AbortController();
    void Promise.all(done.map(async (d) => ({ id: d.id, w: (await physiologyPool().runScenario(scenarioUpTo(results[d.id]!.scenario, pvHour * 3600, 0), { signal: ac.signal })).waveforms })))
      .then((loops) => {
        if (!ac.signal.aborted) setPvLoops(loops);
      })
      .catch(() => undefined);
    return () => ac.abort();
  }, [drafts, results, pvHour, settings.durationSec]);

  const [choice, setChoice] = useState<string>('');
  const [overrideText, setOverrideText] = useState('');
  const [reason, setReason] = useState('');
  const [planState, setPlanState] = useState<{ busy: boolean; message?: string; error?: string }>({ busy: false });
  // Decisions already recorded in this session (by plan identifier): the button says so instead
  // of writing a second plan; the conditional create on the identifier stops a replayed one.
  const [accepted, setAccepted] = useState<Record<string, string>>({});
  const calibratedAtMs = useTwin((s) => s.calibratedAtMs);
  const planIdFor = (): string | undefined => {
    if (!choice) return undefined;
    const draft = drafts.find((d) => d.id === choice);
    const what = choice === 'override' ? { override: overrideText.trim() } : draft && results[draft.id] ? { interventions: results[draft.id]!.scenario.interventions ?? [] } : undefined;
    if (!what) return undefined;
    // Same decision on the same calibrated twin = same plan; a new calibration is a new decision.
    return stableId(choice === 'override' ? 'override' : draft!.templateId, JSON.stringify({ what, calibratedAtMs }));
  };
  const currentPlanId = planIdFor();
  const alreadyAccepted = currentPlanId ? accepted[currentPlanId] : undefined;
  const resultsRef = useRef<HTMLDivElement>(null);

  // Confidence travels with the plan: shown beside Accept plan, written into its Provenance, and a
  // plan from a low-confidence or stale twin needs an explicit confirmation (issue 12).
  const planConf = useMemo(() => (calibration ? planConfidence(calibration) : undefined), [calibration]);
  const [confirming, setConfirming] = useState(false);
  const requestAccept = () => {
    if (planConf && planConf.confirmReasons.length > 0) setConfirming(true);
    else void accept();
  };

  const accept = async (confirmedDespite?: string) => {
    const user = session.data;
    if (!user || !calibration) return;
    const override = choice === 'override';
    if (override && (!overrideText.trim() || !reason.trim())) {
      setPlanState({ busy: false, error: 'An override needs the plan and the reason.' });
      return;
    }
    const draft = drafts.find((d) => d.id === choice);
    if (!override && (!draft || !results[draft.id])) {
      setPlanState({ busy: false, error: 'Choose a scenario that has results, or an override.' });
      return;
    }
    setPlanState({ busy: true });
    try {
      const title = override ? overrideText.trim() : draftLabel(draft!);
      const activities = override ? [overrideText.trim()] : describeInterventions(results[draft!.id]!.scenario.interventions ?? []);
      const summary = comparisonSummaryText(rows, names, compareLabel);
      const planId = currentPlanId;
      if (!planId) throw new Error('choose a scenario that has results, or describe the override');
      const inputs = calibration.inputs.used.map((u) => u.source).filter((s) => s.startsWith('Observation/'));
      const outcome = await recordCarePlan({
        patientId,
        planId,
        title: activities.length === 0 ? `${title}: continue current therapy` : title,
        activities: activities.length === 0 ? ['Continue current therapy'] : activities,
        summary,
        override,
        reason: reason.trim(),
        createdAt: new Date().toISOString(),
        actor: { userId: user.id, display: user.displayName || user.username },
        model: calibration.model,
        inputs,
        ...(planConf ? { confidence: confidenceLine(planConf) } : {}),
        ...(confirmedDespite ? { confirmedDespite } : {}),
      });
      const by = user.displayName || user.username;
      if (outcome.status === 'queued') {
        setPlanState({ busy: false, message: `The server cannot be reached: the plan waits in the outbox and is recorded (once) when it answers.` });
      } else {
        const planRef = outcome.carePlanRef;
        setPlanState({ busy: false, message: `Plan “${title}” recorded with its Provenance by ${by}${planRef ? ` (${planRef})` : ''}.` });
      }
      setAccepted((a) => ({ ...a, [planId]: title }));
    } catch (err) {
      setPlanState({ busy: false, error: `The plan was not recorded: ${errorMessage(err)}` });
    }
  };

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
        {status === 'running' && <ProgressBar label="Running scenarios" fraction={overall} onCancel={() => runAbort.current?.abort()} />}
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

      <div className="scenario-list" aria-label="Scenarios">
        {drafts.map((d, i) => {
          const t = templateById(d.templateId);
          return (
            <div key={d.id} className="scenario-card" style={{ borderLeftColor: SCENARIO_COLOURS[i % SCENARIO_COLOURS.length] }} aria-label={draftLabel(d)} role="group">
              <header>
                <strong>{t.label}</strong>
                {d.id !== BASELINE_ID && (
                  <button type="button" className="btn btn-small btn-ghost" aria-label={`Remove ${draftLabel(d)}`} onClick={() => removeScenario(d.id)} disabled={status === 'running'}>
                    ✕
                  </button>
                )}
              </header>
              <span className="muted">{t.description}</span>
              {t.fields.length > 0 && (
                <div className="scenario-fields">
                  {t.fields.map((f) => (
                    <div className="field" key={f.key}>
                      <label htmlFor={`${d.id}-${f.key}`}>
                        {f.label} ({f.unit})
                      </label>
                      <input
                        id={`${d.id}-${f.key}`}
                        className="input"
                        type="number"
                        min={f.min}
                        max={f.max}
                        step={f.step}
                        value={d.values[f.key] ?? f.default}
                        disabled={status === 'running'}
                        onChange={(e) => updateScenario(d.id, { ...d.values, [f.key]: e.target.valueAsNumber })}
                      />
                    </div>
                  ))}
                </div>
              )}
              {status === 'running' && <span className="mono muted">{Math.round((progress[d.id] ?? 0) * 100)} %</span>}
            </div>
          );
        })}
      </div>

      {withResults.length > 0 && (
        <div ref={resultsRef} className="scenario-results">
          <Panel
            title="Comparison"
            actions={
              <span className="toolbar">
                <button type="button" className="btn btn-small" onClick={() => downloadCsv(comparisonCsv(rows, names), `scenarios-${patientId}.csv`)}>
                  Export CSV
                </button>
                <button type="button" className="btn btn-small" onClick={() => void downloadPng(resultsRef.current!, `scenarios-${patientId}.png`)}>
                  Export PNG
                </button>
              </span>
            }
          >
            <div className="toolbar compare-at" role="group" aria-label="Compare endpoints at">
              <label htmlFor="compare-at">Compare at</label>
              <select id="compare-at" className="input" value={compareMode} onChange={(e) => setCompareMode(e.target.value as 'end' | 'peak' | 'time')}>
                <option value="end">End of run ({formatSimTime(settings.durationSec)})</option>
                <option value="peak">Peak effect on {METRIC_INFO[metric].label}</option>
                <option value="time">Chosen time</option>
              </select>
              {compareMode === 'time' && (
                <>
                  <label htmlFor="compare-hours">Time (h)</label>
                  <input
                    id="compare-hours"
                    className="input"
                    type="number"
                    min={0.25}
                    max={settings.durationSec / 3600}
                    step={0.25}
                    value={compareHours}
                    onChange={(e) => Number.isFinite(e.target.valueAsNumber) && setCompareHours(e.target.valueAsNumber)}
                  />
                </>
              )}
              {compareMode === 'peak' && (
                <span data-testid="peak-effect">
                  {peak
                    ? `Peak effect: ${names.get(peak.id)} ${METRIC_INFO[metric].label} ${peak.delta >= 0 ? '+' : '−'}${formatMetric(metric, Math.abs(peak.delta))} ${displayUnit(metric)} vs baseline at ${formatSimTime(peak.tSec)}`
                    : 'Run a scenario besides the baseline to find its peak effect.'}
                </span>
              )}
              {atTime && atTime.progress < 1 && !atTime.error && <ProgressBar label={`Ensembles to ${formatSimTime(atTime.tSec)}`} fraction={atTime.progress} onCancel={() => {
                atAbort.current?.abort();
                setCompareMode('end');
              }} />}
            </div>
            {atTime?.error && <ErrorNotice error={new Error(atTime.error)} title={`Could not compute the endpoints at ${formatSimTime(atTime.tSec)}`} />}
            <p className="muted">
              Endpoints {compareLabel}: median and 90 % interval over {settings.ensemble} ensemble members; Δ = difference of medians to the baseline; “overlap” = the two 90 % intervals
              overlap (no clear difference).
            </p>
            <div className="table-wrap">
              <table className="table compact comparison" aria-label="Scenario comparison">
                <thead>
                  <tr>
                    <th scope="col">Endpoint</th>
                    {drafts
                      .filter((d) => results[d.id])
                      .map((d) => (
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
            <form
              className="plan-form"
              aria-label="Plan"
              onSubmit={(e) => {
                e.preventDefault();
                requestAccept();
              }}
            >
              <fieldset>
                <legend>Plan to record</legend>
                {withResults.map((d) => (
                  <label key={d.id} className="radio">
                    <input type="radio" name="plan" value={d.id} checked={choice === d.id} onChange={() => setChoice(d.id)} /> {names.get(d.id)}
                  </label>
                ))}
                <label className="radio">
                  <input type="radio" name="plan" value="override" checked={choice === 'override'} onChange={() => setChoice('override')} /> Other plan (override)
                </label>
              </fieldset>
              {choice === 'override' && (
                <div className="field">
                  <label htmlFor="override-plan">Plan (override)</label>
                  <input id="override-plan" className="input" value={overrideText} onChange={(e) => setOverrideText(e.target.value)} />
                </div>
              )}
              <div className="field">
                <label htmlFor="plan-reason">Reason{choice === 'override' ? ' (required for an override)' : ' (optional)'}</label>
                <textarea id="plan-reason" className="input" value={reason} onChange={(e) => setReason(e.target.value)} />
              </div>
              {planConf && (
                <p className="plan-confidence" data-testid="plan-confidence" data-level={planConf.level}>
                  <span>Calibration confidence </span>
                  <Badge tone={planConf.level === 'high' ? 'ok' : planConf.level === 'moderate' ? 'warn' : 'danger'}>{planConf.level}</Badge>
                  <span>
                    {' '}
                    · {planConf.missing.length ? `missing inputs: ${planConf.missing.join(', ')}` : 'no expected input missing'}
                    {planConf.asOf ? ` · calibrated as of ${formatDate(planConf.asOf)} (no live data)` : ''}
                    {planConf.confirmReasons.length > 0 ? ' · accepting needs an explicit confirmation' : ''}
                  </span>
                </p>
              )}
              <div className="toolbar">
                <button type="submit" className="btn btn-primary" disabled={!choice || planState.busy || !allowed || alreadyAccepted !== undefined}>
                  Accept plan
                </button>
                {alreadyAccepted !== undefined && (
                  <span className="muted" data-testid="plan-accepted">
                    Accepted: “{alreadyAccepted}” is in the <Link to={workspacePath(patientId, 'record')}>Record</Link>.
                  </span>
                )}
              </div>
              {planState.message && (
                <div className="notice notice-info" role="status">
                  {planState.message}
                </div>
              )}
              {planState.error && <ErrorNotice error={new Error(planState.error)} title="Not recorded" />}
            </form>
            {confirming && planConf && (
              <ConfirmPlanDialog
                reasons={planConf.confirmReasons}
                onConfirm={(text) => {
                  setConfirming(false);
                  void accept(text);
                }}
                onCancel={() => setConfirming(false)}
              />
            )}
          </Panel>
          <div className="scenario-charts">
            <Panel
              title="Trajectories"
              actions={
                <select aria-label="Trajectory metric" className="input" value={metric} onChange={(e) => setMetric(e.target.value as MetricKey)}>
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
              {bandsStatus === 'running' && (
                <ProgressBar label="Ensemble bands over time" fraction={bandsProgress} onCancel={() => runAbort.current?.abort()} />
              )}
              {bandsStatus === 'cancelled' && <p className="muted">Bands over time cancelled; those that finished are drawn.</p>}
              {bandsStatus === 'error' && <ErrorNotice error={new Error(runError ?? 'unknown error')} title="Ensemble bands over time could not be computed" />}
              <div role="figure" aria-label="Scenario trajectories with ensemble bands" data-bands={bandsStatus} data-band-count={Object.values(bands).reduce((n, b) => n + (b.timesSec.length > 1 ? 1 : 0), 0)}>
                <TrajectoryChart metric={metric} ids={ids} names={names} markTSec={atEnd ? undefined : compareTSec} />
              </div>
            </Panel>
            <Panel
              title="PV loops"
              actions={
                <select aria-label="PV loop time" className="input" value={pvHour} onChange={(e) => setPvHour(Number(e.target.value))}>
                  {PV_TIMES_H.filter((h) => h * 3600 <= settings.durationSec).map((h) => (
                    <option key={h} value={h}>
                      at {h} h
                    </option>
                  ))}
                </select>
              }
            >
              <PvLoops
                label={`LV pressure–volume loops at ${pvHour} h`}
                loops={pvLoops.map((l) => ({ name: names.get(l.id) ?? l.id, colour: SCENARIO_COLOURS[ids.indexOf(l.id) % SCENARIO_COLOURS.length]!, w: l.w }))}
              />
            </Panel>
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
