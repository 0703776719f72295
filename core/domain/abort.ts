// Cancellation, one definition for every part: an AbortSignal that fires makes the work reject
// with an AbortError (name 'AbortError', like the DOMException fetch throws), so callers test one
// thing — isAbortError(e) — whether the cancel came from a worker pool, a parser loop or fetch.

/** The work was cancelled by its caller (not a failure: show nothing, or "cancelled"). */
export class AbortError extends Error {
  override readonly name = 'AbortError';
  constructor(message = 'cancelled', options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * The error to reject with when `signal` has fired: an AbortError saying what was cancelled, the
 * signal's reason kept as its cause (a TimeoutError reason keeps its own message).
 */
export function abortError(signal: AbortSignal | undefined, what = 'the work'): AbortError {
  const reason = signal?.reason;
  const detail = reason instanceof Error && reason.name !== 'AbortError' ? `: ${reason.message}` : '';
  return new AbortError(`${what} was cancelled${detail}`, reason === undefined ? undefined : { cause: reason });
}

/** Throws abortError(signal, what) when the signal has fired; for checks between steps of a loop. */
export function throwIfAborted(signal: AbortSignal | undefined, what?: string): void {
  if (signal?.aborted) throw abortError(signal, what);
}

/** True for a cancellation from anywhere: this AbortError, fetch's DOMException, a worker's re-thrown copy. */
export function isAbortError(e: unknown): boolean {
  return typeof e === 'object' && e !== null && (e as { name?: unknown }).name === 'AbortError';
}

/**
 * Wait for `run` unless the signal fires first: then reject with abortError(signal) at once (the
 * work itself carries on; for work that cannot be interrupted, such as a worker's copy of a volume).
 */
export async function raceAbort<T>(run: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return run;
  if (signal.aborted) throw abortError(signal);
  let off = (): void => undefined;
  const aborted = new Promise<never>((_, reject) => {
    const h = (): void => reject(abortError(signal));
    signal.addEventListener('abort', h, { once: true });
    off = () => signal.removeEventListener('abort', h);
  });
  try {
    return await Promise.race([run, aborted]);
  } finally {
    off();
  }
}
