// multipart/related for DICOMweb: building responses (WADO-RS) and splitting requests (STOW-RS).
// Boundaries and part headers follow PS3.18 §8.7; Cornerstone's wadors loader reads the first
// part's "Content-Type:" header line (exact case) and its transfer-syntax parameter.
import { randomBytes } from 'node:crypto';

export interface Part {
  headers: Record<string, string>;
  body: Uint8Array;
}

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

function indexOf(hay: Buffer, needle: Buffer, from: number): number {
  return hay.indexOf(needle, from);
}

/** Splits a multipart body. Throws MultipartError when the framing itself is broken. */
export function parseMultipart(body: Buffer, boundary: string): Part[] {
  if (!boundary) throw new MultipartError('the Content-Type has no boundary parameter');
  const delimiter = Buffer.from(`--${boundary}`, 'latin1');
  let pos = indexOf(body, delimiter, 0);
  if (pos < 0) throw new MultipartError(`no part starts with the boundary "${boundary}"`);
  const parts: Part[] = [];
  for (;;) {
    pos += delimiter.length;
    // "--" after a delimiter closes the body.
    if (body[pos] === 0x2d && body[pos + 1] === 0x2d) break;
    // Skip transport padding and the CRLF after the delimiter.
    while (body[pos] === 0x20 || body[pos] === 0x09) pos++;
    if (body[pos] === 0x0d && body[pos + 1] === 0x0a) pos += 2;
    const headerEnd = body.indexOf('\r\n\r\n', pos, 'latin1');
    if (headerEnd < 0) throw new MultipartError(`part ${parts.length + 1} has no end of headers`);
    const headers: Record<string, string> = {};
    for (const line of body.subarray(pos, headerEnd).toString('latin1').split('\r\n')) {
      const colon = line.indexOf(':');
      if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    const start = headerEnd + 4;
    const next = indexOf(body, Buffer.concat([Buffer.from('\r\n', 'latin1'), delimiter]), start);
    if (next < 0) throw new MultipartError(`part ${parts.length + 1} is not closed by the boundary (body truncated?)`);
    parts.push({ headers, body: new Uint8Array(body.buffer, body.byteOffset + start, next - start) });
    pos = next + 2;
  }
  return parts;
}
