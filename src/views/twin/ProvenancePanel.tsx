// What every twin output rests on, for people: model and version, calibration time, a plain-
// language confidence, the inputs used in clinical names and units, conversions and implausible
// values grouped and counted, residuals and parameters in clinical terms. The developer names
// (engine keys, Observation ids) are one click away ("Show developer names").
import { useState, type ReactNode } from 'react';
import type { RecordCalibrationResult } from '../../../core/vitals/twin';
import { formatClinical, outputName, parameterName, VITAL_NAME } from '../../twin/clinicalNames';
import { conversionText, groupConversions, groupImplausible } from '../../twin/provenanceSummary';
import { confidenceText } from '../../twin/twinState';
import { Badge, Panel } from '../../ui/feedback';
import { formatDate, formatDateTime } from '../../ui/time-format';
import { formatDaysAgo } from '../../../core/domain/clinical-record';

export function ProvenancePanel(props: {
  calibration: RecordCalibrationResult | undefined;
  calibratedAtMs: number | undefined;
  assimilated: number;
  notAssimilated?: number;
  reason?: string;
}): ReactNode {
  const { calibration: c } = props;
  const [dev, setDev] = useState(false);
  const devName = (name: string) => (dev ? <span className="muted mono dev-name"> {name}</span> : null);
  return (
    <Panel
      title="Provenance"
      className="provenance"
      actions={
        c && (
          <label className="checkbox small">
            <input type="checkbox" checked={dev} onChange={(e) => setDev(e.target.checked)} /> Show developer names
          </label>
        )
      }
    >
      {!c ? (
        <p className="muted">{props.reason ?? 'No calibrated twin yet: the forecast and its provenance appear after calibration.'}</p>
      ) : (
        <div className="provenance-body">
          <dl className="kv">
            <dt>Model</dt>
            <dd>
              {c.model.name} <span className="muted">({c.model.version})</span>
            </dd>
            <dt>Method</dt>
            <dd>{c.method}</dd>
            <dt>Calibrated</dt>
            <dd>
              {props.calibratedAtMs ? formatDateTime(props.calibratedAtMs) : '–'} · {c.ensemble.size} ensemble members · {c.diagnostics.modelRuns} model runs in{' '}
              {(c.diagnostics.elapsedMs / 1000).toFixed(1)} s
            </dd>
            {c.capability?.asOf && (
              <>
                <dt>As of</dt>
                <dd data-testid="calibration-as-of">
                  {formatDate(c.capability.asOf)} (newest reading{c.capability.lastVital ? `, ${formatDaysAgo(c.capability.lastVital.daysAgo)}` : ''}): no live forecast
                </dd>
              </>
            )}
            <dt>Live updates</dt>
            <dd>
              {props.assimilated} readings assimilated since calibration (ensemble Kalman update, no refit)
              {props.notAssimilated ? `; ${props.notAssimilated} held back by the background check (more than 4 SD from the forecast: alerted, not assimilated)` : ''}
            </dd>
            <dt>Confidence</dt>
            <dd>
              {(() => {
                const conf = confidenceText(c);
                return (
                  <>
                    <Badge tone={conf.level === 'high' ? 'ok' : conf.level === 'moderate' ? 'warn' : 'danger'}>{conf.level}</Badge> {conf.text.replace(/^Confidence \w+: /, '')}
                  </>
                );
              })()}
            </dd>
          </dl>
          <h3>Inputs used</h3>
          <table className="table compact" aria-label="Calibration inputs">
            <thead>
              <tr>
                <th>Value</th>
                <th>Reading</th>
                <th>Measured</th>
              </tr>
            </thead>
            <tbody>
              {c.inputs.used.map((u) => {
                const n = VITAL_NAME[u.kind];
                return (
                  <tr key={u.kind}>
                    <td>
                      {n?.label ?? u.kind}
                      {devName(`${u.kind} · ${u.source}`)}
                    </td>
                    <td className="nowrap">{n ? formatClinical(n, u.value) : u.value}</td>
                    <td className="nowrap">{u.effective ? formatDateTime(u.effective) : '—'}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          <p>
            <strong>Missing:</strong> {c.inputs.missing.length ? c.inputs.missing.map((k) => VITAL_NAME[k]?.label ?? k).join(', ') : 'none'}
            {c.patientDefaults.length > 0 && <> · reference-adult values used for {c.patientDefaults.join(', ')}</>}
            {dev && c.inputs.missing.length > 0 && <span className="muted mono"> ({c.inputs.missing.join(', ')})</span>}
          </p>
          <p>
            <strong>Implausible (not used):</strong>{' '}
            {c.inputs.implausible.length
              ? groupImplausible(c.inputs.implausible)
                  .map((g) => `${g.label}: ${g.count} reading${g.count === 1 ? '' : 's'} ${g.reason}${dev ? ` [${g.kind}]` : ''}`)
                  .join('; ')
              : 'none'}
          </p>
          <div>
            <strong>Unit conversions:</strong>{' '}
            {c.inputs.converted.length === 0 ? (
              'none'
            ) : (
              <ul className="compact-list">
                {groupConversions(c.inputs.converted).map((g) => (
                  <li key={`${g.kind}|${g.fromUnit}`}>
                    {conversionText(g)}
                    {g.routine ? <span className="muted"> (exact, routine)</span> : <Badge tone="warn">check the unit</Badge>}
                    {devName(`${g.kind} e.g. ${g.examples.join(', ')}`)}
                  </li>
                ))}
              </ul>
            )}
          </div>
          {c.inputs.notUsedByModel.length > 0 && (
            <p className="muted">Read but not modelled: {c.inputs.notUsedByModel.map((n) => `${VITAL_NAME[n.kind]?.label ?? n.kind} (${n.reason})`).join('; ')}</p>
          )}
          <h3>Residuals (observed − twin at the best fit)</h3>
          <table className="table compact" aria-label="Calibration residuals">
            <thead>
              <tr>
                <th>Value</th>
                <th>Observed</th>
                <th>Twin</th>
                <th>z</th>
              </tr>
            </thead>
            <tbody>
              {c.residuals.map((r) => {
                const n = outputName(r.key);
                return (
                  <tr key={r.key}>
                    <td>
                      {n.label}
                      {devName(r.key)}
                    </td>
                    <td className="nowrap">{formatClinical(n, r.observed)}</td>
                    <td className="nowrap">{formatClinical(n, r.predicted)}</td>
                    <td className={Math.abs(r.z) > 2 ? 'flag-implausible' : ''} title={`measurement SD ${formatClinical(n, r.sd)}`}>
                      {r.z.toFixed(1)}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          <h3>Calibrated parameters</h3>
          <table className="table compact" aria-label="Calibrated parameters">
            <thead>
              <tr>
                <th>Parameter</th>
                <th>Median (90 % interval)</th>
                <th>Set by the data?</th>
              </tr>
            </thead>
            <tbody>
              {c.parameters.map((p) => {
                const n = parameterName(p.name, p.unit);
                const v = (x: number) => n.toDisplay(x).toFixed(n.decimals);
                return (
                  <tr key={p.name}>
                    <td>
                      {n.label} <span className="muted">({n.unit})</span>
                      {devName(`${p.name} [${p.unit}]`)}
                    </td>
                    <td className="nowrap">
                      {v(p.posterior.p50)} ({v(p.posterior.p05)}–{v(p.posterior.p95)})
                    </td>
                    <td>{p.identifiability === 'identified' ? 'yes' : p.identifiability === 'weakly identified' ? 'partly' : 'no (prior)'}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </Panel>
  );
}
