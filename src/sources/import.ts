// Import client: sends one file to POST /api/import (same-origin session cookie) and reads the
// streamed NDJSON answer — progress lines, then the report or an error. Abort the signal to cancel:
// the server sees the connection close and writes nothing.
import { errorFromResponse, networkError } from './http';

export interface ImportProgress {
  /** 0–1 over the whole file: upload is not measurable with fetch, so the server's phases count. */
  fraction: number;
  phase: 'uploading' | 'validating' | 'writing';
  done?: number;
  total?: number;
}

/** Mirrors server/import/importer.ts ImportReport (JSON over the wire). */
export interface ImportReport {
  status: 'imported' | 'nothing-imported' | 'cancelled';
  file: string;
  counts: { received: number; created: number; updated: number; unchanged: number; refused: number };
  byType: Record<string, { received: number; created: number; updated: number; unchanged: number; refused: number }>;
  refused: { where: string; resourceType?: string; id?: string; reason: string }[];
  patients: { id: string; name: string; birthDate?: string; outcome: 'created' | 'updated' | 'unchanged'; twin: string; notes: string[] }[];
  elapsedMs: number;
}

export class ImportError extends Error {}

function contentTypeOf(name: string): string {
  return /\.ndjson$/i.test(name) ? 'application/fhir+ndjson' : 'application/fhir+json';
}

/** Imports one file; resolves with the report, rejects with ImportError / ApiError / AbortError. */
export async function importFile(file: Blob & { name: string }, options: { signal?: AbortSignal; onProgress?: (p: ImportProgress) => void } = {}): Promise<ImportReport> {
  options.onProgress?.({ fraction: 0, phase: 'uploading' });
  let response: Response;
  try {
    response = await fetch(`/api/import?name=${encodeURIComponent(file.name)}`, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': contentTypeOf(file.name), accept: 'application/x-ndjson' },
      body: file,
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } catch (cause) {
    if (cause instanceof DOMException && cause.name === 'AbortError') throw cause;
    throw networkError(cause);
  }
  if (!response.ok || !response.body) {
    const text = await response.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
    throw errorFromResponse(response.status, body);
  }
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (value) buffer += value;
    let nl: number;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, nl).trim();
      buffer = buffer.slice(nl + 1);
      if (!line) continue;
      const msg = JSON.parse(line) as { progress?: { done: number; total: number; phase: 'validating' | 'writing' }; report?: ImportReport; error?: string };
      if (msg.progress) {
        const { done: d, total, phase } = msg.progress;
        const within = total > 0 ? d / total : 1;
        options.onProgress?.({ fraction: phase === 'validating' ? 0.1 + 0.6 * within : 0.7 + 0.3 * within, phase, done: d, total });
      } else if (msg.report) {
        options.onProgress?.({ fraction: 1, phase: 'writing' });
        return msg.report;
      } else if (msg.error) {
        throw new ImportError(msg.error);
      }
    }
    if (done) break;
  }
  throw new ImportError('the server closed the import without a report; nothing may have been written — check the patient list');
}
