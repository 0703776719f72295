// "Why did the forecast move?": shown after a recalibration replaced an earlier twin — the
// forecast change one hour ahead, the inputs that changed and the parameters that moved.
import type { ReactNode } from 'react';
import { formatClinical } from '../../twin/clinicalNames';
import type { RecalibrationChange } from '../../twin/recalibration';
import { formatDateTime } from '../../ui/time-format';

const signed = (v: number, decimals: number) => `${v >= 0 ? '+' : '−'}${Math.abs(v).toFixed(decimals)}`;

export function RecalibrationNote({ change, onDismiss }: { change: RecalibrationChange; onDismiss: () => void }): ReactNode {
  const moved = change.forecast.filter((f) => Math.abs(f.after - f.before) >= 0.05);
  return (
    <section className="notice notice-info recal-note" aria-label="What the recalibration changed">
      <strong>Recalibrated at {formatDateTime(change.atMs)}: what changed</strong>
      <div>
        Forecast in {change.horizonMs / 3_600_000} h:{' '}
        {moved.length === 0
          ? 'unchanged.'
          : moved
              .map((f) => `${f.name.label} ${formatClinical(f.name, f.before)} → ${formatClinical(f.name, f.after)} (${signed(f.name.toDisplay(f.after) - f.name.toDisplay(f.before), 1)})`)
              .join('; ')}
      </div>
      <div>
        Inputs:{' '}
        {change.inputs.length === 0
          ? 'the same record values as before'
          : change.inputs
              .map((i) =>
                i.before === undefined
                  ? `${i.name.label} now ${formatClinical(i.name, i.after!)} (new)`
                  : i.after === undefined
                    ? `${i.name.label} no longer available (was ${formatClinical(i.name, i.before)})`
                    : `${i.name.label} ${formatClinical(i.name, i.before)} → ${formatClinical(i.name, i.after)}`,
              )
              .join('; ')}
        {change.assimilatedBefore > 0 && `; the ${change.assimilatedBefore} live readings assimilated since the last calibration are now part of the fitted record`}.
      </div>
      <div>
        Parameters:{' '}
        {change.parameters.length === 0
          ? 'none moved by more than 2 %'
          : change.parameters.map((p) => `${p.name.label} ${formatClinical(p.name, p.before)} → ${formatClinical(p.name, p.after)} (${signed(p.changePercent, 0)} %)`).join('; ')}
        .
      </div>
      <button type="button" className="btn btn-small btn-ghost" onClick={onDismiss}>
        Dismiss explanation
      </button>
    </section>
  );
}
