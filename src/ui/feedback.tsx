// Presentational feedback primitives: loading, empty and error states that say what happened.
import type { ReactNode } from 'react';

export function Loading(props: { label?: string }): ReactNode {
  return (
    <div className="loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" />
      {props.label ?? 'Loading…'}
    </div>
  );
}

export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message; // an ApiError's message is already the server's text
  return String(error);
}

/**
 * Whether an error is a refusal for lack of rights: the `kind` of sources/http's `ApiError`, read
 * structurally so that ui/ stays a leaf every layer may use (it imports no I/O code).
 */
function isForbidden(error: unknown): boolean {
  return error instanceof Error && 'kind' in error && error.kind === 'forbidden';
}

/** An error in place of the content it replaces; role alert so assistive technology announces it. */
export function ErrorNotice(props: { error: unknown; title?: string; onRetry?: () => void }): ReactNode {
  const forbidden = isForbidden(props.error);
  return (
    <div className="notice notice-error" role="alert">
      <strong>{props.title ?? (forbidden ? 'Not allowed' : 'Could not load')}</strong>
      <span>{errorMessage(props.error)}</span>
      {props.onRetry && (
        <button type="button" className="btn btn-small" onClick={props.onRetry}>
          Retry
        </button>
      )}
    </div>
  );
}

export function Panel(props: { title: string; children: ReactNode; actions?: ReactNode; className?: string }): ReactNode {
  return (
    <section className={`panel ${props.className ?? ''}`} aria-label={props.title}>
      <header className="panel-header">
        <h2>{props.title}</h2>
        {props.actions}
      </header>
      <div className="panel-body">{props.children}</div>
    </section>
  );
}

export function Badge(props: { tone: 'ok' | 'warn' | 'danger' | 'neutral'; children: ReactNode; title?: string }): ReactNode {
  return (
    <span className={`badge badge-${props.tone}`} title={props.title}>
      {props.children}
    </span>
  );
}
