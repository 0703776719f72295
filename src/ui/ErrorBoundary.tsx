// Catches render errors below it and shows what happened instead of a blank page. A change of
// `resetKey` (the route) clears the error without remounting the children, so focus and state
// survive ordinary navigation (e.g. arrow keys between workspace tabs).
import { Component, type ErrorInfo, type ReactNode } from 'react';

interface State {
  error: Error | null;
}

export class ErrorBoundary extends Component<{ children: ReactNode; where?: string; resetKey?: string }, State> {
  override state: State = { error: null };

  override componentDidUpdate(prev: { resetKey?: string }): void {
    if (this.state.error && prev.resetKey !== this.props.resetKey) this.setState({ error: null });
  }

  static getDerivedStateFromError(error: unknown): State {
    return { error: error instanceof Error ? error : new Error(String(error)) };
  }

  override componentDidCatch(error: Error, info: ErrorInfo): void {
    // Component stack only: never the props, which may hold patient data.
    console.error(`Twinscope: ${this.props.where ?? 'view'} failed: ${error.name}: ${error.message}`, info.componentStack);
  }

  override render(): ReactNode {
    const { error } = this.state;
    if (!error) return this.props.children;
    const chunkFailed = /dynamically imported module|Failed to fetch|Importing a module script failed/i.test(error.message);
    return (
      <div className="notice notice-error" role="alert">
        <strong>{this.props.where ? `${this.props.where} could not be shown.` : 'Something went wrong.'}</strong>
        <span>
          {chunkFailed
            ? 'Part of the application could not be downloaded — the server may have been updated or is unreachable. Reload the page.'
            : error.message}
        </span>
        <button type="button" className="btn btn-small" onClick={() => this.setState({ error: null })}>
          Try again
        </button>
        <button type="button" className="btn btn-small" onClick={() => window.location.reload()}>
          Reload page
        </button>
      </div>
    );
  }
}
