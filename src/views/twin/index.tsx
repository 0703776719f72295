// The Twin tab (clinician): the vitals timeline with the twin's forecast bands, live readings
// assimilated as they arrive, band alerts to acknowledge, Recalibrate, the validation of past
// forecasts, the calibrated twin's waveforms and PV loop, and the Provenance panel.
import { useDeferredValue, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import type { WorkspaceViewProps } from '../workspace/view-props';
import { useSession, useTwinPermission } from '../../sources/queries';
import { twinCalibrationClient } from '../../compute/twinCalibration';
import { alertAckBundle, forecastBundle, type ForecastPoint } from '../../../core/domain/twinRecords';
import { bandAt, coverageSummary } from '../../../core/vitals/forecastCoverage';
import { buildVitalSeries } from '../../../core/vitals/vitalSeries';
import { calibrateTwin, FORECAST_KEYS, markAcknowledged, selectTwinPatient, twinStore, useTwin, type ForecastKey } from '../../twin/twinState';
import { ErrorNotice, errorMessage, Loading, Panel } from '../../ui/feedback';
import { useLiveReadings, useTwinRecord } from './useTwinRecord';
import { writeTransaction } from '../../sources/writes';
import { alertSeverity, ALERT_SEVERITY_LABEL, worstSeverity } from '../../twin/currentVitals';
import { formatClock, formatDateTime } from '../../ui/time-format';
import type { BandAlert } from '../../../core/vitals/forecastCoverage';
import { CurrentVitals } from './CurrentVitals';
import { CapabilityNotice, twinRefused } from './CapabilityNotice';
import { RecalibrationNote } from './RecalibrationNote';
import { KIND_LABEL, VitalsTimeline } from './VitalsTimeline';
import { PressureWaveforms, PvLoops } from './WaveformsPanel';
import { ProvenancePanel } from './ProvenancePanel';
import { OKABE_ITO } from './palette';
import { ACK_UNDO_MS } from './ackUndo';
import { ProgressBar } from './ProgressBar';
import { ForecastScores } from './validation/ForecastScores';
import './twin.css';

const VITAL_CODE: Record<ForecastKey, Omit<ForecastPoint, 'tMs' | 'p05' | 'p50' | 'p95' | 'key'>> = {
  hrBpm: { loinc: '8867-4', display: 'Heart rate', unit: 'beats/minute', ucum: '/min' },
  sbpMmHg: { loinc: '8480-6', display: 'Systolic blood pressure', unit: 'mmHg', ucum: 'mm[Hg]' },
  dbpMmHg: { loinc: '8462-4', display: 'Diastolic blood pressure', unit: 'mmHg', ucum: 'mm[Hg]' },
  mapMmHg: { loinc: '8478-0', display: 'Mean blood pressure', unit: 'mmHg', ucum: 'mm[Hg]' },
};
const UNIT: Record<ForecastKey, string> = { hrBpm: 'bpm', sbpMmHg: 'mmHg', dbpMmHg: 'mmHg', mapMmHg: 'mmHg' };
const SEVERITY_ICON = { advisory: 'ⓘ', warning: '⚠', critical: '⛔' } as const;

function alertText(a: BandAlert): string {
  const label = KIND_LABEL[a.key as ForecastKey] ?? a.key;
  const unit = UNIT[a.key as ForecastKey] ?? '';
  return `${label} ${a.value.toFixed(0)} ${unit} ${a.position === 'above90' ? 'above' : 'below'} the twin's 90% forecast band (${a.band.p05.toFixed(0)}–${a.band.p95.toFixed(0)} ${unit})`;
}

function useNow(periodMs: number): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const id = setInterval(() => setNow(Date.now()), periodMs);
    return () => clearInterval(id);
  }, [periodMs]);
  return now;
}

export default function TwinView({ patientId }: WorkspaceViewProps): ReactNode {
  const compute = twinCalibrationClient();
  useEffect(() => selectTwinPatient(patientId), [patientId]);
  const permission = useTwinPermission(patientId);
  const record = useTwinRecord(patientId);
  const session = useSession();
  useLiveReadings(patientId, compute);
  const now = useNow(30_000);

  const status = useTwin((s) => (s.patientId === patientId ? s.status : 'idle'));
  const progress = useTwin((s) => s.progress);
  const error = useTwin((s) => s.error);
  const calibration = useTwin((s) => s.calibration);
  const calibratedAtMs = useTwin((s) => s.calibratedAtMs);
  const forecast = useTwin((s) => s.forecast);
  const history = useTwin((s) => s.history);
  const coverage = useTwin((s) => s.coverage);
  const alerts = useTwin((s) => s.alerts);
  const acknowledged = useTwin((s) => s.acknowledged);
  const assimilated = useTwin((s) => s.assimilated);
  const notAssimilated = useTwin((s) => s.notAssimilated.length);
  const live = useTwin((s) => s.live);
  const steadyState = useTwin((s) => s.steadyState);
  const recalibration = useTwin((s) => s.recalibration);

  const capability = record.data?.capability;
  // Consent allows a twin and the record gives one (adult, something to calibrate to).
  const allowed = permission.data?.allowed === true && !twinRefused(capability);
  const abortRef = useRef<AbortController | null>(null);
  const recalibrate = (refresh = true) => {
    if (!record.data || !allowed) return;
    abortRef.current?.abort();
    const ac = new AbortController();
    abortRef.current = ac;
    void (async () => {
      // A recalibration refits the record as it is now, live readings included.
      const data = refresh ? ((await record.refetch()).data ?? record.data) : record.data;
      if (ac.signal.aborted || !data) return;
      await calibrateTwin(compute, patientId, data.resources, { signal: ac.signal });
    })();
  };
  // Calibrate once the record is in and consent allows it (a later visit keeps the twin).
  useEffect(() => {
    if (allowed && record.data && twinStore.getState().patientId === patientId && twinStore.getState().status === 'idle') recalibrate(false);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [allowed, record.data, patientId]);
  useEffect(() => () => abortRef.current?.abort(), []);

  const series = useMemo(() => {
    const fromRecord = record.data?.vitals.observations ?? [];
    const known = new Set(fromRecord.map((o) => `${o.source}:${o.kind}`));
    return buildVitalSeries([...fromRecord, ...live.filter((o) => !known.has(`${o.source}:${o.kind}`))]);
  }, [record.data, live]);
  // The timeline is the heaviest render: let React interrupt it for input and keep the rest live.
  const deferredSeries = useDeferredValue(series);
  const deferredForecast = useDeferredValue(forecast);
  const coverageRows = useMemo(() => coverageSummary(coverage), [coverage]);
  const [writeState, setWriteState] = useState<{ busy: boolean; message?: string; error?: string }>({ busy: false });

  const actor = session.data ? { userId: session.data.id, display: session.data.displayName || session.data.username } : undefined;

  // Acknowledging: the clinician may add a note; the acknowledgement then waits ACK_UNDO_MS with
  // an Undo button before the Flag + Provenance are written (nothing to retract if undone).
  const [ackOpen, setAckOpen] = useState(false);
  const [ackNote, setAckNote] = useState('');
  const [pendingAck, setPendingAck] = useState<{ alerts: BandAlert[]; note: string; atMs: number } | null>(null);
  const ackTimer = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(() => () => {
    if (ackTimer.current) clearTimeout(ackTimer.current);
  }, []);

  const recordAcknowledgement = async (ack: { alerts: BandAlert[]; note: string; atMs: number }) => {
    // Alerts come from a forecast of the calibrated twin, whose model the Provenance names.
    if (!actor || !calibration) return;
    setWriteState({ busy: true });
    try {
      let queued = 0;
      for (const a of ack.alerts) {
        const outcome = await writeTransaction(
          alertAckBundle({
            patientId,
            alertId: a.id,
            text: alertText(a),
            observation: a.source,
            observedAt: new Date(a.tMs).toISOString(),
            acknowledgedAt: new Date(ack.atMs).toISOString(),
            actor,
            model: calibration.model,
            note: ack.note,
          }),
        );
        if (outcome.status === 'queued') queued++;
      }
      markAcknowledged(ack.alerts.map((a) => a.id), actor.display, ack.atMs, ack.note);
      setWriteState({
        busy: false,
        message: `Acknowledged by ${actor.display} at ${formatDateTime(ack.atMs)}${ack.note ? ` with the note “${ack.note}”` : ''}; ${
          queued ? `${queued} waiting in the outbox until the server answers (then recorded as Flag + Provenance).` : 'recorded as Flag + Provenance (see Record).'
        }`,
      });
    } catch (err) {
      setWriteState({ busy: false, error: `The acknowledgement was not recorded: ${errorMessage(err)}` });
    }
  };
  const confirmAcknowledge = () => {
    if (!actor || alerts.length === 0) return;
    const ack = { alerts: [...alerts], note: ackNote.trim(), atMs: Date.now() };
    setPendingAck(ack);
    setAckOpen(false);
    setAckNote('');
    ackTimer.current = setTimeout(() => {
      ackTimer.current = null;
      setPendingAck(null);
      void recordAcknowledgement(ack);
    }, ACK_UNDO_MS);
  };
  const undoAcknowledge = () => {
    if (ackTimer.current) clearTimeout(ackTimer.current);
    ackTimer.current = null;
    setPendingAck(null);
    setWriteState({ busy: false, message: 'Acknowledgement undone; nothing was recorded.' });
  };
  const severity = worstSeverity(alerts);

  const saveForecast = async () => {
    if (!actor || !forecast || !record.data || !calibration) return;
    setWriteState({ busy: true });
    try {
      const points: ForecastPoint[] = [];
      for (const key of FORECAST_KEYS) {
        for (let h = 1; h <= 6; h++) {
          const tMs = forecast.issuedAtMs + h * 3_600_000;
          const b = bandAt(forecast, key, tMs);
          if (b) points.push({ ...VITAL_CODE[key], key, tMs, p05: b.p05, p50: b.p50, p95: b.p95 });
        }
      }
      const inputs = calibration.inputs.used.map((u) => u.source).filter((s) => s.startsWith('Observation/'));
      // One transaction per forecast hour (4 Observations + their Provenance): the store refuses
      // large strictly isolated transactions, and each hour stays atomic with its provenance.
      for (let h = 1; h <= 6; h++) {
        const tMs = forecast.issuedAtMs + h * 3_600_000;
        const hourPoints = points.filter((p) => p.tMs === tMs);
        if (hourPoints.length === 0) continue;
        await writeTransaction(forecastBundle({ patientId, forecastId: `${forecast.id}-h${h}`, issuedAt: new Date(forecast.issuedAtMs).toISOString(), points: hourPoints, inputs, actor, model: calibration.model }));
      }
      setWriteState({ busy: false, message: `Forecast saved to the record (${points.length} Observations + Provenance).` });
    } catch (err) {
      setWriteState({ busy: false, error: `The forecast was not saved: ${errorMessage(err)}` });
    }
  };

  const summaryKey: ForecastKey = 'sbpMmHg';
  const nextHour = forecast ? bandAt(forecast, summaryKey, forecast.issuedAtMs + 3_600_000) : undefined;

  if (record.isPending) return <Loading label="Loading the record…" />;
  if (record.isError) return <ErrorNotice error={record.error} onRetry={() => void record.refetch()} />;
  const denied = permission.data && !permission.data.allowed;

  return (
    <div className="twin-view">
      <div className="twin-main">
        <div className="toolbar twin-toolbar">
          <button type="button" className="btn btn-primary" onClick={() => recalibrate()} disabled={!allowed || status === 'calibrating'}>
            Recalibrate
          </button>
          {status === 'calibrating' && <ProgressBar label="Calibrating the twin" fraction={progress} onCancel={() => abortRef.current?.abort()} />}
          <button type="button" className="btn" onClick={() => void saveForecast()} disabled={!forecast || !allowed || writeState.busy}>
            Save forecast to record
          </button>
          {forecast && (
            <span className="forecast-summary" data-testid="forecast-summary" data-forecast-id={forecast.id}>
              Forecast issued {formatDateTime(forecast.issuedAtMs)} · {assimilated} live readings assimilated · SBP in 1 h:{' '}
              {nextHour ? `median ${nextHour.p50.toFixed(1)} mmHg (90 %: ${nextHour.p05.toFixed(1)}–${nextHour.p95.toFixed(1)})` : '–'}
            </span>
          )}
        </div>
        {denied && (
          <div className="notice notice-warn" role="status">
            <strong>No twin for this patient.</strong>
            <span>{permission.data?.reason ?? 'The patient’s consent does not allow digital-twin use.'} The record is shown; nothing is calibrated, forecast or written.</span>
          </div>
        )}
        {!denied && <CapabilityNotice capability={capability} what="forecast" />}
        {permission.isError && <ErrorNotice error={permission.error} title="Could not check consent for the twin" />}
        {status === 'error' && <ErrorNotice error={new Error(error ?? 'unknown error')} title="Calibration failed" onRetry={() => recalibrate()} />}
        {recalibration && status === 'ready' && <RecalibrationNote change={recalibration} onDismiss={() => twinStore.setState({ recalibration: undefined })} />}
        {status === 'cancelled' && <div className="notice notice-info" role="status">Calibration cancelled. Press Recalibrate to start again.</div>}
        <CurrentVitals series={series} alerts={alerts} />
        {alerts.length > 0 && severity && !pendingAck && (
          <div className={`alarm alarm-${severity} twin-alert`} role="alert" aria-label={`${ALERT_SEVERITY_LABEL[severity]} alarm`} data-severity={severity}>
            <div className="alarm-head">
              <span className="alarm-icon" aria-hidden="true">
                {SEVERITY_ICON[severity]}
              </span>
              <span className="alarm-severity">{ALERT_SEVERITY_LABEL[severity]}</span>
              <strong>
                {alerts.length === 1 ? 'A vital left' : `${alerts.length} vitals left`} the twin’s 90 % forecast band — deterioration or model drift?
              </strong>
            </div>
            <ul className="compact-list">
              {alerts.slice(-5).map((a) => (
                <li key={a.id}>
                  <span className="alarm-severity">{ALERT_SEVERITY_LABEL[alertSeverity(a)]}</span>
                  {KIND_LABEL[a.key as ForecastKey] ?? a.key} {a.value.toFixed(0)} {UNIT[a.key as ForecastKey]} at {formatClock(a.tMs, { seconds: true })} —{' '}
                  {a.position === 'above90' ? 'above' : 'below'} the 90 % band {a.band.p05.toFixed(0)}–{a.band.p95.toFixed(0)}
                  {a.count > 1 && ` (${a.count} readings outside since ${formatClock(a.firstTMs)})`}
                </li>
              ))}
            </ul>
            {!ackOpen ? (
              <button type="button" className="btn btn-small" onClick={() => setAckOpen(true)} disabled={writeState.busy || !actor || !allowed}>
                Acknowledge…
              </button>
            ) : (
              <form
                className="ack-form"
                aria-label="Acknowledge alarm"
                onSubmit={(e) => {
                  e.preventDefault();
                  confirmAcknowledge();
                }}
              >
                <div className="field">
                  <label htmlFor="ack-note">Note (optional)</label>
                  <textarea id="ack-note" className="input" value={ackNote} maxLength={500} onChange={(e) => setAckNote(e.target.value)} autoFocus />
                </div>
                <button type="submit" className="btn btn-small btn-primary">
                  Confirm acknowledgement
                </button>
                <button type="button" className="btn btn-small btn-ghost" onClick={() => setAckOpen(false)}>
                  Cancel
                </button>
              </form>
            )}
          </div>
        )}
        {pendingAck && (
          <div className="notice notice-info ack-pending" role="status">
            <span>
              {pendingAck.alerts.length} alert{pendingAck.alerts.length === 1 ? '' : 's'} acknowledged by {actor?.display} at {formatClock(pendingAck.atMs, { seconds: true })}
              {pendingAck.note ? ` — “${pendingAck.note}”` : ''}. Recorded in {ACK_UNDO_MS / 1000} s unless undone.
            </span>
            {/* Focus moves here so that Enter undoes at once (keyboard users, and a slip of the hand). */}
            <button type="button" className="btn btn-small" onClick={undoAcknowledge} autoFocus>
              Undo
            </button>
          </div>
        )}
        {writeState.message && (
          <div className="notice notice-info" role="status">
            {writeState.message}
          </div>
        )}
        {writeState.error && <ErrorNotice error={new Error(writeState.error)} title="Not recorded" />}
        <VitalsTimeline
          series={deferredSeries}
          forecast={deferredForecast}
          nowMs={now}
          patientLabel={patientId}
          // Not live (stale vitals, deceased): the windows end just after the newest reading, not at an empty "now".
          anchorMs={capability && !capability.canForecast && capability.lastVital ? Date.parse(capability.lastVital.date) + 15 * 60_000 : undefined}
        />
        <div className="twin-row">
          <Panel title="Validation" className="validation">
            <p className="muted">
              Each live reading is compared with the forecast in force when it arrived. A well-calibrated twin keeps about 90 % of readings inside its 90 % band and about 50 % inside
              its 50 % band. {history.length} forecasts issued since calibration.
            </p>
            {coverageRows.length === 0 ? (
              <p className="muted">No live reading has been checked against a forecast yet.</p>
            ) : (
              <table className="table compact" aria-label="Forecast coverage">
                <thead>
                  <tr>
                    <th>Vital</th>
                    <th>Readings</th>
                    <th>In 50 % band</th>
                    <th>In 90 % band</th>
                  </tr>
                </thead>
                <tbody>
                  {coverageRows.map((r) => (
                    <tr key={r.key}>
                      <td>{KIND_LABEL[r.key as ForecastKey] ?? r.key}</td>
                      <td>{r.n}</td>
                      <td>{Math.round(r.coverage50 * 100)} %</td>
                      <td>{Math.round(r.coverage90 * 100)} %</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
            <ForecastScores observations={record.data?.vitals.observations ?? []} />
            {acknowledged.length > 0 && (
              <p className="muted">
                Acknowledged alerts: {acknowledged.length} (last by {acknowledged[acknowledged.length - 1]!.by} at {formatDateTime(acknowledged[acknowledged.length - 1]!.atMs)})
              </p>
            )}
          </Panel>
          <Panel title="Calibrated twin: one beat" className="waveforms">
            {steadyState ? (
              <div className="twin-beat">
                <PressureWaveforms w={steadyState.waveforms} />
                <PvLoops loops={[{ name: 'Calibrated twin', colour: OKABE_ITO.orange, w: steadyState.waveforms }]} />
              </div>
            ) : (
              <p className="muted">
                {status === 'calibrating' ? 'Calibrating…' : denied ? 'Not available: consent denies digital-twin use.' : twinRefused(capability) ? 'Not available: no twin for this patient.' : 'Appears after calibration.'}
              </p>
            )}
          </Panel>
        </div>
      </div>
      <ProvenancePanel
        calibration={calibration}
        calibratedAtMs={calibratedAtMs}
        assimilated={assimilated}
        notAssimilated={notAssimilated}
        reason={denied ? permission.data?.reason : twinRefused(capability) ? `No twin: ${capability!.headline}.` : undefined}
      />
    </div>
  );
}
