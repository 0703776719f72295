// WADO-RS series retrieve (PS3.18 §10.4): the whole series as one multipart/related answer,
// streamed with progress by counted parts. I/O only: the bytes go to the Anatomy worker, which
// splits and parses them (workers/anatomy; worker entries do no network I/O).
import { DelimiterCounter, multipartBoundary } from '../../core/dicom/multipart';

export const ACCEPT_SERIES = 'multipart/related; type="application/dicom"; transfer-syntax=*';

export interface DownloadedSeries {
  /** The multipart body, exactly sized (its buffer can be transferred as is). */
  body: Uint8Array;
  boundary: string;
}

export interface DownloadOptions {
  signal?: AbortSignal;
  /** Parts received / instances expected, 0–1. */
  onProgress?: (fraction: number) => void;
  fetchFn?: typeof fetch;
}

/** Download a series from an absolute WADO-RS URL, e.g. …/dicomweb/studies/{uid}/series/{uid}. */
export async function downloadSeries(url: string, expectedInstances: number, opts: DownloadOptions = {}): Promise<DownloadedSeries> {
  const fetchFn = opts.fetchFn ?? ((...a: Parameters<typeof fetch>) => fetch(...a));
  const res = await fetchFn(url, { headers: { Accept: ACCEPT_SERIES }, credentials: 'same-origin', ...(opts.signal ? { signal: opts.signal } : {}) });
  if (!res.ok) {
    const hint = res.status === 401 ? ' (sign in again)' : res.status === 403 ? ' (your role may not read images)' : '';
    throw new Error(`the PACS refused the series: HTTP ${res.status}${hint}`);
  }
  const boundary = multipartBoundary(res.headers.get('content-type') ?? '');
  const counter = new DelimiterCounter(boundary);
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = res.body?.getReader();
  if (reader === undefined) throw new Error('the PACS answer has no body');
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    total += value.length;
    counter.push(value);
    const parts = Math.max(0, counter.count - 1);
    opts.onProgress?.(Math.min(parts, expectedInstances) / Math.max(1, expectedInstances));
  }
  const body = new Uint8Array(total);
  let o = 0;
  for (const c of chunks) {
    body.set(c, o);
    o += c.length;
  }
  return { body, boundary };
}
