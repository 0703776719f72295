// Presentational feedback primitives: loading, empty and error states that say what happened.
import type { ReactNode } from 'react';
import { ApiError } from '../sources/http';

export function Loading(props: { label?: string }): ReactNode {
  return (
    <div className="loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" />
      {props.label ?? 'Loading…'}
    </div>
  );
}

export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  if (error instanceof Error) return error.message;
  return String(error);
}

/** An error in place of the content it replaces; role alert so assistive technology announces it. */
export function ErrorNotice(props: { error: unknown; title?: string; onRetry?: () => void }): ReactNode {
  const forbidden = props.error instanceof ApiError && props.error.kind === 'forbidden';
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
