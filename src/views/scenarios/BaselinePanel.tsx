// The patient the scenarios start from: the record's valve area, gradient, EF and pressures (with
// their dates), what the calibrated twin reproduces for them, current medication, and how much
// to trust the twin (calibration confidence). A decision is read against this baseline.
import type { ReactNode } from 'react';
import type { RecordCalibrationResult } from '../../../core/vitals/twin';
import type { VitalKind, VitalsIngestResult } from '../../../core/vitals/fhir-vitals';
import { formatClinical, outputName, VITAL_NAME } from '../../twin/clinicalNames';
import { confidenceText, type TwinStatus } from '../../twin/twinState';
import { Badge, Panel } from '../../ui/feedback';
import { formatDate } from '../../ui/time-format';

/** Record values and the twin output that reproduces each. */
const BASELINE: readonly { kind: VitalKind; output: string }[] = [
  { kind: 'avAreaCm2', output: 'avAreaCm2' },
  { kind: 'avMeanGradientMmHg', output: 'avMeanGradientMmHg' },
  { kind: 'lvefFraction', output: 'ef' },
  { kind: 'sbpMmHg', output: 'sbpMmHg' },
  { kind: 'dbpMmHg', output: 'dbpMmHg' },
  { kind: 'hrBpm', output: 'hrBpm' },
];

export function BaselinePanel({ calibration: c, status, latest }: { calibration: RecordCalibrationResult | undefined; status: TwinStatus; latest: VitalsIngestResult['latest'] | undefined }): ReactNode {
  const conf = c ? confidenceText(c) : undefined;
  return (
    <Panel title="Baseline" className="baseline-panel">
      <div className="baseline-grid">
        <table className="table compact" aria-label="Baseline values">
          <thead>
            <tr>
              <th>Value</th>
              <th>Record</th>
              <th>Twin (90 % interval)</th>
            </tr>
          </thead>
          <tbody>
            {BASELINE.map(({ kind, output }) => {
              const rec = latest?.[kind];
              const n = VITAL_NAME[kind];
              const on = outputName(output);
              const tw = c?.outputs[output];
              if (!rec && !tw) return null;
              return (
                <tr key={kind} data-baseline={kind}>
                  <th scope="row">{n.label}</th>
                  <td className="nowrap">{rec ? `${formatClinical(n, rec.value)}${rec.effective ? ` (${formatDate(rec.effective)})` : ''}` : '—'}</td>
                  <td className="nowrap">
                    {tw ? `${formatClinical(on, tw.p50)} (${on.toDisplay(tw.p05).toFixed(on.decimals)}–${on.toDisplay(tw.p95).toFixed(on.decimals)})` : '—'}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
        <dl className="kv">
          <dt>Current medication</dt>
          <dd data-testid="baseline-medication">
            {!c ? '—' : c.medications.length === 0 ? 'none recorded' : c.medications.map((m) => `${m.text}${m.status && m.status !== 'active' ? ` (${m.status})` : ''}`).join('; ')}
            {c && c.medications.length > 0 && <span className="muted"> — their effect is in the calibrated baseline (fitted on these drugs)</span>}
          </dd>
          <dt>Calibration confidence</dt>
          <dd data-testid="calibration-confidence">
            {conf ? (
              <>
                <Badge tone={conf.level === 'high' ? 'ok' : conf.level === 'moderate' ? 'warn' : 'danger'}>{conf.level}</Badge> {conf.text.replace(/^Confidence \w+: /, '')}
              </>
            ) : status === 'calibrating' ? (
              'calibrating…'
            ) : (
              'appears after calibration'
            )}
          </dd>
          <dt>Missing inputs</dt>
          <dd data-testid="baseline-missing">
            {!c ? '—' : c.inputs.missing.length === 0 ? 'none' : c.inputs.missing.map((k) => VITAL_NAME[k]?.label ?? k).join(', ')}
            {c?.inputs.aged.length ? <span className="muted"> · old inputs (weigh less): {c.inputs.aged.join(', ')}</span> : null}
          </dd>
          {c?.capability?.asOf && (
            <>
              <dt>Calibrated as of</dt>
              <dd data-testid="baseline-as-of">{formatDate(c.capability.asOf)} (newest reading; no live data)</dd>
            </>
          )}
        </dl>
      </div>
    </Panel>
  );
}
