// multipart/related for DICOMweb: building responses (WADO-RS) and splitting requests (STOW-RS).
// Boundaries and part headers follow PS3.18 §8.7; Cornerstone's wadors loader reads the first
// part's "Content-Type:" header line (exact case) and its transfer-syntax parameter.
import { randomBytes } from 'node:crypto';
import { splitMultipartParts, type MultipartPart } from '../../core/dicom/multipart';

/** A part: headers (names lower-cased) and body, as the one parser in core/dicom gives it. */
export type Part = MultipartPart;

export function newBoundary(): string {
  return `twinscope-${randomBytes(12).toString('hex')}`;
}

export function multipartContentType(boundary: string, type: string, extra = ''): string {
  return `multipart/related; type="${type}"; boundary=${boundary}${extra}`;
}

/** Header bytes of one part; the caller writes the body, then the next part or the close. */
export function partHeader(boundary: string, contentType: string, extraHeaders: Record<string, string> = {}): Buffer {
  const lines = [`--${boundary}`, `Content-Type: ${contentType}`, ...Object.entries(extraHeaders).map(([k, v]) => `${k}: ${v}`)];
  return Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
}

export function closeDelimiter(boundary: string): Buffer {
  return Buffer.from(`\r\n--${boundary}--\r\n`, 'latin1');
}

export function partSeparator(): Buffer {
  return Buffer.from('\r\n', 'latin1');
}

/** A whole multipart/related body in memory (frames, small responses). */
export function buildMultipart(boundary: string, parts: readonly { contentType: string; body: Uint8Array; headers?: Record<string, string> }[]): Buffer {
  const chunks: Buffer[] = [];
  parts.forEach((p, i) => {
    if (i > 0) chunks.push(partSeparator());
    chunks.push(partHeader(boundary, p.contentType, p.headers));
    chunks.push(Buffer.from(p.body.buffer, p.body.byteOffset, p.body.byteLength));
  });
  chunks.push(closeDelimiter(boundary));
  return Buffer.concat(chunks);
}

/** Parameters of a media type: `multipart/related; type="application/dicom"; boundary=x` → {type, boundary}. */
export function mediaTypeParams(value: string): { mediaType: string; params: Record<string, string> } {
  // Split on semicolons outside quotes: Orthanc sends type="application/octet-stream; transfer-syntax=…".
  const [head, ...rest] = value.match(/(?:[^;"]|"[^"]*")+/g) ?? [''];
  const params: Record<string, string> = {};
  for (const p of rest) {
    const eq = p.indexOf('=');
    if (eq < 0) continue;
    params[p.slice(0, eq).trim().toLowerCase()] = p.slice(eq + 1).trim().replace(/^"|"$/g, '');
  }
  return { mediaType: (head ?? '').trim().toLowerCase(), params };
}

export class MultipartError extends Error {
  override name = 'MultipartError';
}

/**
 * Splits a multipart body in memory with the one multipart parser (core/dicom/multipart.ts).
 * Throws MultipartError when the framing itself is broken, naming what is wrong.
 */
export function parseMultipart(body: Buffer, boundary: string): Part[] {
  if (!boundary) throw new MultipartError('the Content-Type has no boundary parameter');
  if (body.indexOf(`--${boundary}`, 0, 'latin1') < 0) throw new MultipartError(`no part starts with the boundary "${boundary}"`);
  try {
    return splitMultipartParts(body, boundary);
  } catch (e) {
    throw new MultipartError(e instanceof Error ? e.message : String(e));
  }
}
