// What every twin output rests on: model and version, calibration time, inputs used / missing /
// implausible / converted, residuals and a plain-language confidence.
import type { ReactNode } from 'react';
import { confidenceText, TWIN_MODEL } from '../../twin/twinState';
import { Badge, Panel } from '../../ui/feedback';
import { type RecordCalibrationResult } from '../../../core/domain/twin';

const fmt = (v: number) => (Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 1 ? v.toFixed(1) : v.toFixed(3));

export function ProvenancePanel(props: {
  calibration: RecordCalibrationResult | undefined;
  calibratedAtMs: number | undefined;
  assimilated: number;
  notAssimilated?: number;
  reason?: string;
}): ReactNode {
  const { calibration: c } = props;
  return (
    <Panel title="Provenance" className="provenance">
      {!c ? (
        <p className="muted">{props.reason ?? 'No calibrated twin yet: the forecast and its provenance appear after calibration.'}</p>
      ) : (
        <div className="provenance-body">
          <dl className="kv">
            <dt>Model</dt>
            <dd>
              {TWIN_MODEL.name} <span className="muted">({TWIN_MODEL.version})</span>
            </dd>
            <dt>Method</dt>
            <dd>{c.method}</dd>
            <dt>Calibrated</dt>
            <dd>
              {props.calibratedAtMs ? new Date(props.calibratedAtMs).toLocaleString() : '–'} · {c.ensemble.size} ensemble members · {c.diagnostics.modelRuns} model runs in{' '}
              {(c.diagnostics.elapsedMs / 1000).toFixed(1)} s
            </dd>
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
          <ul className="compact-list">
            {c.inputs.used.map((u) => (
              <li key={u.kind}>
                {u.kind} = {fmt(u.value)} {u.converted && <Badge tone="warn">converted unit</Badge>} <span className="muted mono">{u.source}{u.effective ? ` · ${u.effective.slice(0, 10)}` : ''}</span>
              </li>
            ))}
          </ul>
          <p>
            <strong>Missing:</strong> {c.inputs.missing.length ? c.inputs.missing.join(', ') : 'none'}
            {c.patientDefaults.length > 0 && <> · defaults used for {c.patientDefaults.join(', ')}</>}
          </p>
          <p>
            <strong>Implausible (not used):</strong>{' '}
            {c.inputs.implausible.length ? c.inputs.implausible.map((i) => `${i.kind} ${fmt(i.value)} (${i.reason})`).join('; ') : 'none'}
          </p>
          <p>
            <strong>Converted units:</strong> {c.inputs.converted.length ? c.inputs.converted.map((i) => `${i.kind} from ${i.from}`).join('; ') : 'none'}
          </p>
          {c.inputs.notUsedByModel.length > 0 && (
            <p className="muted">Read but not modelled: {c.inputs.notUsedByModel.map((n) => `${n.kind} (${n.reason})`).join('; ')}</p>
          )}
          <h3>Residuals (observed − twin at the best fit)</h3>
          <table className="table compact" aria-label="Calibration residuals">
            <thead>
              <tr>
                <th>Output</th>
                <th>Observed</th>
                <th>Twin</th>
                <th>SD</th>
                <th>z</th>
              </tr>
            </thead>
            <tbody>
              {c.residuals.map((r) => (
                <tr key={r.key}>
                  <td>{r.key}</td>
                  <td>{fmt(r.observed)}</td>
                  <td>{fmt(r.predicted)}</td>
                  <td>{fmt(r.sd)}</td>
                  <td className={Math.abs(r.z) > 2 ? 'flag-implausible' : ''}>{r.z.toFixed(2)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <h3>Parameters</h3>
          <table className="table compact" aria-label="Calibrated parameters">
            <thead>
              <tr>
                <th>Parameter</th>
                <th>Median</th>
                <th>90 % interval</th>
                <th>Identified by the data?</th>
              </tr>
            </thead>
            <tbody>
              {c.parameters.map((p) => (
                <tr key={p.name}>
                  <td>
                    {p.name} <span className="muted">{p.unit}</span>
                  </td>
                  <td>{fmt(p.posterior.p50)}</td>
                  <td>
                    {fmt(p.posterior.p05)}–{fmt(p.posterior.p95)}
                  </td>
                  <td>{p.identifiability}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Panel>
  );
}
