// Failures of the upstream, mapped to what the proxy answers: 502 when the upstream cannot be
// reached or answers nonsense, 504 when it is too slow. Messages name the problem, never the
// upstream's address or credentials (they would leak infrastructure details to browsers).
import type { IssueCode } from '../http/operation-outcome';

export class UpstreamError extends Error {
  override name = 'UpstreamError';
  constructor(
    readonly status: 502 | 503 | 504,
    readonly code: IssueCode,
    message: string,
  ) {
    super(message);
  }
}

/** Maps a low-level error of an upstream request to an UpstreamError. */
export function classifyUpstreamFailure(err: unknown, timeoutMs: number): UpstreamError {
  if (err instanceof UpstreamError) return err;
  const e = err as NodeJS.ErrnoException & { name?: string };
  if (e?.name === 'TimeoutError' || e?.code === 'ETIMEDOUT' || e?.code === 'UPSTREAM_TIMEOUT') {
    return new UpstreamError(504, 'timeout', `the FHIR server did not answer within ${Math.round(timeoutMs / 100) / 10} s; try again later`);
  }
  switch (e?.code) {
    case 'ECONNREFUSED':
    case 'ECONNRESET':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EPIPE':
      return new UpstreamError(502, 'transient', `the FHIR server cannot be reached (${e.code}); try again later`);
    default:
      return new UpstreamError(502, 'exception', 'the request to the FHIR server failed; try again later');
  }
}
