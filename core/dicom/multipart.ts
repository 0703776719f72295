// WADO-RS answers a series retrieve as multipart/related (PS3.18 §8.7): one application/dicom
// part per instance. Pure helpers: the boundary from the Content-Type, a streaming part counter
// (progress while the body downloads) and the splitter into Part 10 files.

/** The boundary parameter of a multipart Content-Type (quoted or not). */
export function multipartBoundary(contentType: string): string {
  if (!/^multipart\/related/i.test(contentType.trim())) throw new Error(`expected a multipart/related answer from the PACS, got "${contentType}"`);
  const m = /boundary\s*=\s*(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  const b = m?.[1] ?? m?.[2];
  if (!b) throw new Error('the PACS answer names no multipart boundary');
  return b;
}

function asciiBytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 0xff;
  return out;
}

function indexOf(hay: Uint8Array, needle: Uint8Array, from: number): number {
  const first = needle[0]!;
  const last = hay.length - needle.length;
  outer: for (let i = from; i <= last; i++) {
    if (hay[i] !== first) continue;
    for (let n = 1; n < needle.length; n++) if (hay[i + n] !== needle[n]) continue outer;
    return i;
  }
  return -1;
}

/**
 * Counts delimiter lines ("--boundary") across streamed chunks, carrying the tail of each chunk so
 * a delimiter split between two chunks is still seen. The close delimiter counts too, so parts
 * finished = count − 1 once the first delimiter was seen.
 */
export class DelimiterCounter {
  private readonly needle: Uint8Array;
  private tail = new Uint8Array(0);
  count = 0;
  constructor(boundary: string) {
    this.needle = asciiBytes(`--${boundary}`);
  }
  push(chunk: Uint8Array): void {
    const buf = new Uint8Array(this.tail.length + chunk.length);
    buf.set(this.tail);
    buf.set(chunk, this.tail.length);
    let at = indexOf(buf, this.needle, 0);
    let searchedTo = 0;
    while (at >= 0) {
      this.count++;
      searchedTo = at + this.needle.length;
      at = indexOf(buf, this.needle, searchedTo);
    }
    const keep = Math.min(this.needle.length - 1, buf.length - searchedTo);
    this.tail = buf.slice(buf.length - keep);
  }
}

/**
 * Split a multipart/related body into its part bodies (headers dropped). Refuses a body without
 * its close delimiter: a cut-off download must not pass as a shorter series.
 */
export function splitMultipart(body: Uint8Array, boundary: string): Uint8Array[] {
  const delim = asciiBytes(`--${boundary}`);
  const crlf2 = asciiBytes('\r\n\r\n');
  const parts: Uint8Array[] = [];
  let at = indexOf(body, delim, 0);
  if (at < 0) throw new Error('the PACS answer holds no multipart parts');
  for (;;) {
    const afterDelim = at + delim.length;
    if (body[afterDelim] === 0x2d && body[afterDelim + 1] === 0x2d) return parts; // "--": close delimiter
    const headersEnd = indexOf(body, crlf2, afterDelim);
    if (headersEnd < 0) throw new Error('the PACS answer was cut off inside a part header');
    const start = headersEnd + 4;
    const next = indexOf(body, delim, start);
    if (next < 0) throw new Error('the PACS answer was cut off before its close delimiter');
    // The CRLF before a delimiter belongs to the delimiter (RFC 2046 §5.1.1).
    let end = next;
    if (end >= 2 && body[end - 2] === 0x0d && body[end - 1] === 0x0a) end -= 2;
    parts.push(body.subarray(start, end));
    at = next;
  }
}
