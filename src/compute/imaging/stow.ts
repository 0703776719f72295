// STOW-RS upload (PS3.18 10.5): DICOM Part 10 files sent as multipart/related;
// type="application/dicom" to POST {base}/studies, in batches so progress is visible and no
// single request body holds a whole folder. `fetch` is injected so tests use a real server.

export interface StowFile {
  name: string;
  bytes: ArrayBuffer;
}

export interface StowProgress {
  sentFiles: number;
  totalFiles: number;
  sentBytes: number;
  totalBytes: number;
}

export interface StowResult {
  storedSopInstanceUids: string[];
  /** SOP Instance UID (or file name when the server could not read one) → failure reason code. */
  failures: Array<{ ref: string; reason: string }>;
}

const CRLF = '\r\n';

/** A multipart/related body with one application/dicom part per file. */
export function buildStowBody(files: readonly StowFile[], boundary: string): { contentType: string; body: Blob } {
  if (!/^[0-9A-Za-z'()+_,\-./:=?]{1,70}$/.test(boundary)) {
    throw new Error(`multipart boundary "${boundary}" is not a valid RFC 2046 boundary`);
  }
  const parts: BlobPart[] = [];
  for (const f of files) {
    parts.push(`--${boundary}${CRLF}Content-Type: application/dicom${CRLF}${CRLF}`);
    parts.push(f.bytes);
    parts.push(CRLF);
  }
  parts.push(`--${boundary}--${CRLF}`);
  return {
    contentType: `multipart/related; type="application/dicom"; boundary=${boundary}`,
    body: new Blob(parts),
  };
}

/** Split files into batches of at most `maxBytes` (a file larger than that goes alone). */
export function batchesBySize<T extends { bytes: ArrayBuffer }>(files: readonly T[], maxBytes: number): T[][] {
  const out: T[][] = [];
  let cur: T[] = [];
  let size = 0;
  for (const f of files) {
    if (cur.length > 0 && size + f.bytes.byteLength > maxBytes) {
      out.push(cur);
      cur = [];
      size = 0;
    }
    cur.push(f);
    size += f.bytes.byteLength;
  }
  if (cur.length > 0) out.push(cur);
  return out;
}

interface StowResponseJson {
  '00081199'?: { Value?: Array<Record<string, { Value?: unknown[] }>> };
  '00081198'?: { Value?: Array<Record<string, { Value?: unknown[] }>> };
}

// Failure Reason (0008,1197) codes of PS3.18 Table I.2-1 / PS3.4 C.4.2.1.4, in plain words.
const FAILURE_REASON: Record<number, string> = {
  0x0110: 'the PACS failed to process it',
  0x0122: 'the PACS does not store this kind of DICOM object',
  0x0124: 'the PACS refused it (not authorised)',
  0xa700: 'the PACS is out of storage',
  0xa770: 'the PACS is out of storage',
  0xa900: 'its contents do not match its SOP class',
  0xc000: 'the PACS could not read it',
  0xc122: 'its transfer syntax is not accepted by the PACS',
};

export function failureReasonText(code: unknown): string {
  const n = typeof code === 'number' ? code : Number(code);
  if (!Number.isFinite(n)) return 'refused for an unknown reason';
  const hex = `0x${n.toString(16).toUpperCase().padStart(4, '0')}`;
  return `${FAILURE_REASON[n] ?? 'refused'} (${hex})`;
}

export function parseStowResponse(json: unknown): StowResult {
  const ds = (Array.isArray(json) ? json[0] : json) as StowResponseJson | undefined;
  const stored: string[] = [];
  const failures: StowResult['failures'] = [];
  for (const item of ds?.['00081199']?.Value ?? []) {
    const uid = item['00081155']?.Value?.[0];
    if (typeof uid === 'string') stored.push(uid);
  }
  for (const item of ds?.['00081198']?.Value ?? []) {
    const uid = item['00081155']?.Value?.[0];
    const reason = item['00081197']?.Value?.[0];
    failures.push({ ref: typeof uid === 'string' && uid ? uid : 'an instance without a readable UID', reason: failureReasonText(reason) });
  }
  return { storedSopInstanceUids: stored, failures };
}

export async function stowFiles(
  baseUrl: string,
  files: readonly StowFile[],
  opts: { fetch?: typeof fetch; signal?: AbortSignal; onProgress?: (p: StowProgress) => void; batchBytes?: number } = {},
): Promise<StowResult> {
  const doFetch = opts.fetch ?? fetch;
  const totalBytes = files.reduce((s, f) => s + f.bytes.byteLength, 0);
  const progress: StowProgress = { sentFiles: 0, totalFiles: files.length, sentBytes: 0, totalBytes };
  opts.onProgress?.({ ...progress });
  const result: StowResult = { storedSopInstanceUids: [], failures: [] };
  for (const batch of batchesBySize(files, opts.batchBytes ?? 16 * 1024 * 1024)) {
    const boundary = `twinscope-${Math.random().toString(36).slice(2)}${Date.now().toString(36)}`;
    const { contentType, body } = buildStowBody(batch, boundary);
    const res = await doFetch(`${baseUrl.replace(/\/$/, '')}/studies`, {
      method: 'POST',
      headers: { 'Content-Type': contentType, Accept: 'application/dicom+json' },
      body,
      credentials: 'same-origin',
      signal: opts.signal,
    });
    const text = await res.text();
    let parsed: StowResult = { storedSopInstanceUids: [], failures: [] };
    if (text.trim()) {
      try {
        parsed = parseStowResponse(JSON.parse(text));
      } catch {
        // A non-JSON body on an error status is reported below with the status.
      }
    }
    if (!res.ok && res.status !== 202) {
      if (parsed.failures.length === 0) {
        for (const f of batch) result.failures.push({ ref: f.name, reason: `PACS answered HTTP ${res.status}` });
      }
    }
    result.storedSopInstanceUids.push(...parsed.storedSopInstanceUids);
    result.failures.push(...parsed.failures);
    progress.sentFiles += batch.length;
    progress.sentBytes += batch.reduce((s, f) => s + f.bytes.byteLength, 0);
    opts.onProgress?.({ ...progress });
  }
  return result;
}
