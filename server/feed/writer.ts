// Posts vital-sign Observations through the FHIR REST API, as a clinician's client would:
// conditional create (If-None-Exist on the reading's identifier), so a retry or a replay of the
// same readings never makes duplicates. The transport is injected: the CLI speaks HTTP to a
// server, the in-process monitor feed goes through app.inject (the same hooks: sign-in, roles,
// consent, audit).
import { ifNoneExistFor, type FeedObservation } from './observations';

export interface HttpLikeResponse {
  status: number;
  body: string;
}

/** One POST of a FHIR resource; resolves with the status and body, rejects on transport failure. */
export type PostFhir = (path: string, body: string, headers: Record<string, string>) => Promise<HttpLikeResponse>;

export interface WriteSummary {
  created: number;
  alreadyPresent: number;
}

export class FeedWriteError extends Error {
  override name = 'FeedWriteError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function diagnosticsOf(body: string): string {
  try {
    const o = JSON.parse(body) as { issue?: { diagnostics?: string; details?: { text?: string } }[] };
    return o.issue?.[0]?.diagnostics ?? o.issue?.[0]?.details?.text ?? '';
  } catch {
    return body.slice(0, 200);
  }
}

const RETRYABLE = new Set([502, 503, 504]);

/**
 * Writes the observations in order. Transient failures (502/503/504, transport errors) are retried
 * with backoff — safe because every write is conditional on its identifier. Other refusals stop
 * with a FeedWriteError carrying the server's OperationOutcome text.
 */
export async function writeObservations(
  post: PostFhir,
  observations: readonly FeedObservation[],
  options: { retries?: number; backoffMs?: number; sleep?: (ms: number) => Promise<void> } = {},
): Promise<WriteSummary> {
  const retries = options.retries ?? 3;
  const backoffMs = options.backoffMs ?? 500;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const summary: WriteSummary = { created: 0, alreadyPresent: 0 };
  for (const o of observations) {
    const headers = { 'content-type': 'application/fhir+json', accept: 'application/fhir+json', 'if-none-exist': ifNoneExistFor(o.identifierValue) };
    const body = JSON.stringify(o.resource);
    for (let attempt = 0; ; attempt++) {
      let res: HttpLikeResponse | null = null;
      let transportError: unknown = null;
      try {
        res = await post('/fhir/Observation', body, headers);
      } catch (err) {
        transportError = err;
      }
      if (res && res.status === 201) {
        summary.created++;
        break;
      }
      if (res && res.status === 200) {
        summary.alreadyPresent++;
        break;
      }
      const retryable = transportError !== null || (res !== null && RETRYABLE.has(res.status));
      if (retryable && attempt < retries) {
        await sleep(backoffMs * 2 ** attempt);
        continue;
      }
      if (res) {
        const why = diagnosticsOf(res.body);
        throw new FeedWriteError(res.status, `the server refused observation ${o.identifierValue} with HTTP ${res.status}${why ? `: ${why}` : ''}`);
      }
      const msg = transportError instanceof Error ? transportError.message : String(transportError);
      throw new FeedWriteError(0, `could not reach the server: ${msg}`);
    }
  }
  return summary;
}
