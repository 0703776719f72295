// The explicit confirmation a plan from a low-confidence or stale twin needs (issue 12): a modal
// dialog naming why the twin is weak; what the author confirmed goes into the plan's Provenance.
// Native <dialog> with showModal(): focus moves into it, Escape cancels, the page behind is inert.
import { useEffect, useRef, type ReactNode } from 'react';

export const CONFIRM_PLAN_DIALOG_NAME = 'Confirm plan from a weak twin';

export function ConfirmPlanDialog({ reasons, onConfirm, onCancel }: { reasons: readonly string[]; onConfirm: (confirmedDespite: string) => void; onCancel: () => void }): ReactNode {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (d && !d.open) d.showModal();
    return () => d?.close();
  }, []);
  return (
    <dialog
      ref={ref}
      className="confirm-dialog"
      aria-label={CONFIRM_PLAN_DIALOG_NAME}
      onCancel={(e) => {
        e.preventDefault();
        onCancel();
      }}
    >
      <h2>Accept a plan from this twin?</h2>
      <p>The scenarios behind this plan rest on a twin that should not be trusted as it stands:</p>
      <ul className="compact-list">
        {reasons.map((r) => (
          <li key={r}>{r.charAt(0).toUpperCase() + r.slice(1)}</li>
        ))}
      </ul>
      <p className="muted">If you accept, the plan’s Provenance records that you confirmed it despite this.</p>
      <div className="toolbar">
        <button type="button" className="btn btn-primary" onClick={() => onConfirm(`accepted after explicit confirmation despite: ${reasons.join('; ')}`)}>
          Accept plan anyway
        </button>
        <button type="button" className="btn btn-ghost" onClick={onCancel} autoFocus>
          Cancel
        </button>
      </div>
    </dialog>
  );
}
