// The one place that turns HTTP responses and network failures into typed errors the UI can
// explain. FHIR, auth and admin endpoints all answer errors as OperationOutcome (PRODUCT.md), so
// the human-readable text is taken from the outcome's issues when there is one.
import type { OperationOutcome } from '@medplum/fhirtypes';

export type ApiErrorKind =
  | 'unauthenticated' // 401: session missing or expired → sign in again
  | 'forbidden' // 403: role or consent forbids it
  | 'not-found' // 404 / 410
  | 'invalid' // 400 / 405 / 409 / 412 / 422: the request was wrong
  | 'rate-limited' // 429
  | 'upstream-down' // 502 / 503 / 504: the proxy is up but its back end is not
  | 'network' // no HTTP answer at all
  | 'server'; // other 5xx

export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly kind: ApiErrorKind,
    /** HTTP status; 0 when the request never got an answer. */
    readonly status: number,
    message: string,
    readonly outcome?: OperationOutcome,
    /** From Retry-After on 429/503, in seconds. */
    readonly retryAfterSec?: number,
  ) {
    super(message);
  }

  /** True when the failure says nothing about the request itself: worth retrying later. */
  get isConnectivity(): boolean {
    return this.kind === 'network' || this.kind === 'upstream-down';
  }
}

export function kindForStatus(status: number): ApiErrorKind {
  if (status === 401) return 'unauthenticated';
  if (status === 403) return 'forbidden';
  if (status === 404 || status === 410) return 'not-found';
  if (status === 429) return 'rate-limited';
  if (status === 502 || status === 503 || status === 504) return 'upstream-down';
  if (status >= 500) return 'server';
  return 'invalid';
}

const DEFAULT_TEXT: Record<ApiErrorKind, string> = {
  unauthenticated: 'Your session has ended. Sign in again.',
  forbidden: 'Your role does not allow this.',
  'not-found': 'Not found.',
  invalid: 'The server refused the request.',
  'rate-limited': 'Too many requests. Wait a moment and try again.',
  'upstream-down': 'The clinical record system is not answering. Your work is kept; try again shortly.',
  network: 'Cannot reach the Twinscope server. Check the connection.',
  server: 'The server failed to answer this request.',
};

function isOperationOutcome(body: unknown): body is OperationOutcome {
  return typeof body === 'object' && body !== null && (body as { resourceType?: unknown }).resourceType === 'OperationOutcome';
}

/** Human text of an OperationOutcome: each issue's details.text, else diagnostics, else code. */
export function outcomeText(outcome: OperationOutcome): string {
  const parts = (outcome.issue ?? [])
    .map((i) => i.details?.text ?? i.diagnostics ?? i.code)
    .filter((t): t is string => typeof t === 'string' && t.trim().length > 0);
  return [...new Set(parts)].join('; ');
}

export function parseRetryAfterSec(header: string | null, nowMs = Date.now()): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  const secs = Number(header);
  if (Number.isFinite(secs) && secs >= 0) return Math.ceil(secs);
  const at = Date.parse(header);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, Math.ceil((at - nowMs) / 1000));
}

/** Maps a non-2xx answer to an ApiError. `body` is the parsed JSON body, or the text, or null. */
export function errorFromResponse(status: number, body: unknown, retryAfter: string | null = null): ApiError {
  const kind = kindForStatus(status);
  let message = DEFAULT_TEXT[kind];
  let outcome: OperationOutcome | undefined;
  if (isOperationOutcome(body)) {
    outcome = body;
    const text = outcomeText(body);
    // Connectivity failures keep the product wording (the banner explains what happens next);
    // everything else shows what the server said about the request.
    if (text && kind !== 'upstream-down') message = text;
  } else if (typeof body === 'object' && body !== null && typeof (body as { message?: unknown }).message === 'string') {
    const text = (body as { message: string }).message;
    if (text && kind !== 'upstream-down') message = text;
  }
  return new ApiError(kind, status, message, outcome, parseRetryAfterSec(retryAfter));
}

const PACS_DOWN_TEXT = 'The PACS (image archive) is not answering. The record is not affected; try again shortly.';

/** Requests to the DICOMweb proxy: their back end is the PACS, not the FHIR record. */
function isPacsUrl(url: string): boolean {
  try {
    return new URL(url, 'http://x').pathname.startsWith('/dicomweb');
  } catch {
    return false;
  }
}

export function networkError(cause: unknown): ApiError {
  const err = new ApiError('network', 0, DEFAULT_TEXT.network);
  (err as { cause?: unknown }).cause = cause;
  return err;
}

export type ConnectivitySignal = 'reachable' | 'unreachable';

export interface HttpOptions {
  fetch?: typeof fetch;
  /** Told after every request whether the server (and its upstream) answered. */
  onConnectivity?: (signal: ConnectivitySignal, error?: ApiError) => void;
}

export type Http = <T>(url: string, init?: RequestInit) => Promise<{ body: T; response: Response }>;

/** JSON over fetch, same-origin credentials (the session cookie), errors as ApiError. */
export function createHttp(options: HttpOptions = {}): Http {
  const doFetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const signal = options.onConnectivity ?? (() => undefined);
  return async <T,>(url: string, init: RequestInit = {}) => {
    const headers = new Headers(init.headers);
    if (!headers.has('Accept')) headers.set('Accept', 'application/fhir+json, application/json');
    let response: Response;
    try {
      response = await doFetch(url, { credentials: 'same-origin', ...init, headers });
    } catch (cause) {
      if (cause instanceof DOMException && cause.name === 'AbortError') throw cause;
      const err = networkError(cause);
      signal('unreachable', err);
      throw err;
    }
    const text = await response.text();
    let body: unknown = null;
    if (text) {
      try {
        body = JSON.parse(text);
      } catch {
        body = text;
      }
    }
    if (!response.ok) {
      const err = errorFromResponse(response.status, body, response.headers.get('Retry-After'));
      if (err.kind === 'upstream-down' && isPacsUrl(url)) {
        // The PACS behind /dicomweb is down, not the clinical record: say so where the images are
        // asked for, and leave the app-wide record banner alone (issue 17).
        throw new ApiError('upstream-down', err.status, PACS_DOWN_TEXT, err.outcome, err.retryAfterSec);
      }
      signal(err.isConnectivity ? 'unreachable' : 'reachable', err);
      throw err;
    }
    signal('reachable');
    return { body: body as T, response };
  };
}
