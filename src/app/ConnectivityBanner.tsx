// The offline / upstream-down banner. While an outage lasts it polls /healthz; when the server
// answers healthy again, every query is refetched and the outbox is replayed.
import { useEffect, useRef, type ReactNode } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { useStore } from 'zustand';
import { discardRejectedWrite, replayOutbox, resumeOutbox } from '../sources/writes';
import { connectivityStore } from '../sources/connectivity-store';

const POLL_MS = 5000;

async function serverHealthy(): Promise<boolean> {
  try {
    const r = await fetch('/healthz', { cache: 'no-store', credentials: 'same-origin' });
    if (!r.ok) return false;
    const body = (await r.json()) as { status?: unknown };
    return body.status === 'ok';
  } catch {
    return false;
  }
}

export function ConnectivityBanner(): ReactNode {
  const status = useStore(connectivityStore, (s) => s.status);
  const pending = useStore(connectivityStore, (s) => s.pendingWrites);
  const rejected = useStore(connectivityStore, (s) => s.rejectedWrites);
  const queryClient = useQueryClient();
  const wasOffline = useRef(false);

  // Writes queued before a reload are still in IndexedDB: send them once per signed-in session.
  useEffect(() => {
    resumeOutbox().catch((err: unknown) => console.warn('Outbox replay failed', err instanceof Error ? err.message : err));
  }, []);

  useEffect(() => {
    if (status === 'online') {
      if (wasOffline.current) {
        wasOffline.current = false;
        void queryClient.invalidateQueries();
        replayOutbox().catch((err: unknown) => console.warn('Outbox replay failed', err instanceof Error ? err.message : err));
      }
      return;
    }
    wasOffline.current = true;
    const timer = window.setInterval(() => {
      void serverHealthy().then((ok) => {
        if (ok) connectivityStore.getState().markReachable();
      });
    }, POLL_MS);
    return () => window.clearInterval(timer);
  }, [status, queryClient]);

  const refused =
    rejected.length > 0 ? (
      <div className="banner banner-error" role="alert">
        <strong>
          {rejected.length === 1 ? 'A write saved while offline was refused' : `${rejected.length} writes saved while offline were refused`}:
        </strong>
        {rejected.map((r) => (
          <span key={r.key} className="refused-write">
            {r.resourceType}: {r.message}{' '}
            <button type="button" className="btn btn-small" onClick={() => void discardRejectedWrite(r.key)}>
              Dismiss
            </button>
          </span>
        ))}
      </div>
    ) : null;

  if (status === 'online' && pending === 0) return refused;
  if (status === 'online') {
    return (
      <>
        {refused}
        <div className="banner" role="status" aria-label="Outbox" data-pending={pending}>
          {pending} {pending === 1 ? 'write' : 'writes'} saved while offline {pending === 1 ? 'waits' : 'wait'} to be sent.
          <button
            type="button"
            className="btn btn-small"
            onClick={() => void replayOutbox().catch((err: unknown) => console.warn('Outbox replay failed', err instanceof Error ? err.message : err))}
          >
            Send now
          </button>
        </div>
      </>
    );
  }
  return (
    <>
      {refused}
      <div className="banner" role="alert">
        <strong>{status === 'upstream-down' ? 'Clinical record system unavailable.' : 'Offline: the Twinscope server cannot be reached.'}</strong>
        <span>Showing what was already loaded.</span>
        {/* The outbox, named for assistive technology: what was saved here and not yet in the record. */}
        {pending > 0 && (
          <span role="status" aria-label="Outbox" data-pending={pending}>
            {pending} {pending === 1 ? 'write waits' : 'writes wait'} to be sent (kept in this browser, sent once when the server answers).
          </span>
        )}
        <span>Retrying every {POLL_MS / 1000} s.</span>
        <button
          type="button"
          className="btn btn-small"
          onClick={() =>
            void serverHealthy().then((ok) => {
              if (ok) connectivityStore.getState().markReachable();
            })
          }
        >
          Retry now
        </button>
      </div>
    </>
  );
}
