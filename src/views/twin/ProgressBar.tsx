// A determinate progress bar with its percentage and an optional Cancel (PRODUCT.md: long work
// shows a progressbar with a percentage and can be cancelled).
import type { ReactNode } from 'react';

export function ProgressBar({ label, fraction, onCancel }: { label: string; fraction: number; onCancel?: () => void }): ReactNode {
  const pct = Math.round(Math.max(0, Math.min(1, fraction)) * 100);
  return (
    <div className="progress-row">
      <div className="progress" role="progressbar" aria-label={label} aria-valuemin={0} aria-valuemax={100} aria-valuenow={pct} aria-valuetext={`${pct} %`}>
        <div className="progress-fill" style={{ width: `${pct}%` }} />
      </div>
      <span className="mono">{pct} %</span>
      {onCancel && (
        <button type="button" className="btn btn-small" onClick={onCancel}>
          Cancel
        </button>
      )}
    </div>
  );
}
