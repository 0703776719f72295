// "Latest request wins" for work that answers slower than the user changes its input (a slider
// dragged over a cut plane): `run` is called for one request at a time; while it runs, only the
// newest request waits and every older waiting one is dropped, so the last value the user left is
// always computed and nothing piles up. The answer carries the request it was computed for: a
// view shows numbers only when `answer.request` is the request it draws (never stale).
import { useEffect, useRef, useState } from 'react';

export interface LatestOnly<Req, Res> {
  /** The last completed run and the request it was for (null before the first). */
  answer: { request: Req; result: Res } | null;
  /** The last failure's message; cleared by the next success. */
  error: string | null;
  /** A run is in progress (or waiting behind one). */
  busy: boolean;
}

/**
 * Run `run(request)` whenever `request` changes (by identity; null = nothing to compute), one at a
 * time, latest wins. `run` should be stable (useCallback); a new `run` counts as a new request.
 * Nothing is set after unmount.
 */
export function useLatestOnly<Req, Res>(request: Req | null, run: (request: Req) => Promise<Res>): LatestOnly<Req, Res> {
  const [state, setState] = useState<LatestOnly<Req, Res>>({ answer: null, error: null, busy: false });
  // The queue belongs to the component, not to one effect run, so a request queued by a later
  // change is not lost when the effect re-runs.
  const inFlight = useRef(false);
  const queued = useRef<{ request: Req; run: (request: Req) => Promise<Res> } | null>(null);
  const mounted = useRef(true);
  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);
  useEffect(() => {
    if (request === null) return;
    const start = async (req: Req, fn: (request: Req) => Promise<Res>): Promise<void> => {
      inFlight.current = true;
      setState((s) => (s.busy ? s : { ...s, busy: true }));
      try {
        const result = await fn(req);
        if (mounted.current) setState((s) => ({ ...s, answer: { request: req, result }, error: null }));
      } catch (e) {
        if (mounted.current) setState((s) => ({ ...s, error: e instanceof Error ? e.message : String(e) }));
      } finally {
        inFlight.current = false;
        const next = queued.current;
        queued.current = null;
        if (next && mounted.current) void start(next.request, next.run);
        else if (mounted.current) setState((s) => ({ ...s, busy: false }));
      }
    };
    if (inFlight.current) queued.current = { request, run };
    else void start(request, run);
  }, [request, run]);
  return state;
}
