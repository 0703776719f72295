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
 * Split a whole multipart/related body into its parts (headers lower-cased), with the one parser
 * below. Refuses a body without its close delimiter: a cut-off download must not pass as a shorter
 * series.
 */
export function splitMultipartParts(body: Uint8Array, boundary: string): MultipartPart[] {
  const parts: MultipartPart[] = [];
  const parser = new MultipartStreamParser(boundary, (part) => parts.push(part));
  parser.push(body);
  parser.end();
  return parts;
}

/** The part bodies of a whole multipart/related body (headers dropped); see splitMultipartParts. */
export function splitMultipart(body: Uint8Array, boundary: string): Uint8Array[] {
  return splitMultipartParts(body, boundary).map((p) => p.body);
}

/** One part of a multipart body: its headers (names lower-cased) and its own copy of the body. */
export interface MultipartPart {
  headers: Record<string, string>;
  body: Uint8Array;
}

const CR = 0x0d;
const LF = 0x0a;
const DASH = 0x2d;

/**
 * Splits a multipart/related body while it downloads (RFC 2046 §5.1.1): push the chunks as they
 * arrive and each part is handed to `onPart` as soon as its last byte is in, so a consumer can
 * start on the first frames of a series while the rest is still on the wire. A part with a
 * Content-Length header is taken by length (no scan of its bytes; the delimiter after it is still
 * checked) and copied once, from the chunks it arrives in into its own buffer, as it arrives (no
 * staging copy, so a 150 MB series is copied once, not twice); others are found by searching for
 * the delimiter and copied out of the working buffer. Each body is its own buffer, so a consumer
 * may transfer it to a worker. `end()` refuses a body without its close
 * delimiter: a cut-off download must not pass as a shorter series.
 */
export class MultipartStreamParser {
  private readonly delimiter: Uint8Array;
  private buf = new Uint8Array(1 << 20);
  private start = 0;
  private end_ = 0;
  private state: 'preamble' | 'headers' | 'body' | 'after-body' | 'done' = 'preamble';
  private headers: Record<string, string> = {};
  private bodyLength = -1;
  /** Where the delimiter search of a part without Content-Length resumes. */
  private scanFrom = 0;
  parts = 0;

  /** The last body handed out, taken back for the next part of the same length (`reuseBodies`). */
  private spare: Uint8Array | null = null;

  constructor(
    boundary: string,
    /** Returns true to keep the body (with `reuseBodies`: the buffer is then not lent again). */
    private readonly onPart: (part: MultipartPart) => unknown,
    /**
     * When true, a body of known length is lent, not given: unless `onPart` returns true (kept),
     * its buffer receives the next part of the same length. A consumer that uses the bytes at once
     * (the viewer writing a frame into its volume) then costs no allocation per part — a fresh
     * 512 KiB buffer per frame is mostly page faults.
     */
    private readonly reuseBodies = false,
  ) {
    this.delimiter = asciiBytes(`--${boundary}`);
  }

  get done(): boolean {
    return this.state === 'done';
  }

  push(chunk: Uint8Array): void {
    let off = 0;
    while (off < chunk.length && this.state !== 'done') {
      const body = this.partBody;
      if (body && this.partFilled < body.length) {
        // A body of known length: its bytes go from the chunk into the body's own buffer, once.
        const n = Math.min(chunk.length - off, body.length - this.partFilled);
        body.set(chunk.subarray(off, off + n), this.partFilled);
        this.partFilled += n;
        off += n;
      } else {
        // Delimiters, headers and bodies of unknown length go through the working buffer, a
        // little at a time, so the body that follows a header is barely in it.
        const n = Math.min(chunk.length - off, STAGE_BYTES);
        this.append(chunk.subarray(off, off + n));
        off += n;
      }
      for (;;) if (!this.step()) break;
    }
  }

  /** The body has ended: throws if it was cut off before the close delimiter. */
  end(): void {
    if (this.state !== 'done') throw new Error(`the multipart answer was cut off after ${this.parts} part${this.parts === 1 ? '' : 's'} (no close delimiter)`);
  }

  private append(chunk: Uint8Array): void {
    const live = this.end_ - this.start;
    if (this.end_ + chunk.length > this.buf.length) {
      if (live + chunk.length <= this.buf.length && this.start > 0) {
        this.buf.copyWithin(0, this.start, this.end_);
      } else {
        const next = new Uint8Array(Math.max(this.buf.length * 2, live + chunk.length));
        next.set(this.buf.subarray(this.start, this.end_));
        this.buf = next;
      }
      this.scanFrom -= this.start;
      this.start = 0;
      this.end_ = live;
    }
    this.buf.set(chunk, this.end_);
    this.end_ += chunk.length;
  }

  /** One step of the state machine; false when it needs more bytes (or is done). */
  private step(): boolean {
    const buf = this.buf;
    const d = this.delimiter;
    switch (this.state) {
      case 'preamble': {
        const at = indexOfRange(buf, d, this.start, this.end_);
        if (at < 0) {
          // Keep only what could still be the start of a delimiter.
          this.start = Math.max(this.start, this.end_ - d.length + 1);
          return false;
        }
        this.start = at + d.length;
        this.state = 'after-body';
        return true;
      }
      case 'after-body': {
        // Right after a delimiter: "--" closes the body, otherwise (transport padding) CRLF.
        if (this.end_ - this.start < 2) return false;
        if (buf[this.start] === DASH && buf[this.start + 1] === DASH) {
          this.state = 'done';
          return false;
        }
        const eol = indexOfRange(buf, CRLF, this.start, this.end_);
        if (eol < 0) return false;
        this.start = eol + 2;
        this.state = 'headers';
        return true;
      }
      case 'headers': {
        // An empty header block is a CRLF right away; otherwise headers end at CRLF CRLF.
        let bodyStart: number;
        let text = '';
        if (this.end_ - this.start >= 2 && buf[this.start] === CR && buf[this.start + 1] === LF) bodyStart = this.start + 2;
        else {
          const at = indexOfRange(buf, CRLF2, this.start, this.end_);
          if (at < 0) {
            if (this.end_ - this.start > 64 * 1024) throw new Error('a multipart part header is longer than 64 KiB');
            return false;
          }
          for (let i = this.start; i < at; i++) text += String.fromCharCode(buf[i]!);
          bodyStart = at + 4;
        }
        const headers: Record<string, string> = {};
        for (const line of text.split('\r\n')) {
          const colon = line.indexOf(':');
          if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
        }
        this.headers = headers;
        const declared = headers['content-length'];
        this.bodyLength = declared !== undefined && /^\d+$/.test(declared) ? Number(declared) : -1;
        this.start = bodyStart;
        this.scanFrom = bodyStart;
        this.state = 'body';
        return true;
      }
      case 'body': {
        let bodyEnd: number;
        if (this.bodyLength >= 0 && (this.partBody || this.end_ - this.start < this.bodyLength + 2 + d.length)) {
          // The body is still arriving: it is written into its own buffer as it comes (push).
          if (!this.partBody) {
            const have = Math.min(this.end_ - this.start, this.bodyLength);
            const spare = this.spare;
            this.spare = null;
            this.partBody = spare && spare.length === this.bodyLength ? spare : new Uint8Array(this.bodyLength);
            this.partBody.set(buf.subarray(this.start, this.start + have));
            this.partFilled = have;
            this.start += have;
          }
          if (this.partFilled < this.partBody.length) return false;
          if (this.end_ - this.start < 2 + d.length) return false;
          const at = this.start;
          if (buf[at] !== CR || buf[at + 1] !== LF || indexOfRange(buf, d, at + 2, at + 2 + d.length) !== at + 2) {
            throw new Error(`multipart part ${this.parts + 1} is not followed by the boundary where its Content-Length says it ends`);
          }
          const whole = this.partBody;
          this.partBody = null;
          this.partFilled = 0;
          this.parts++;
          this.start = at + 2 + d.length;
          this.state = 'after-body';
          const kept = this.onPart({ headers: this.headers, body: whole }) === true;
          if (this.reuseBodies && !kept) this.spare = whole;
          return true;
        }
        if (this.bodyLength >= 0) {
          // By length; then CRLF and the delimiter must follow.
          const need = this.start + this.bodyLength + 2 + d.length;
          if (this.end_ < need) return false;
          bodyEnd = this.start + this.bodyLength;
          if (buf[bodyEnd] !== CR || buf[bodyEnd + 1] !== LF || indexOfRange(buf, d, bodyEnd + 2, bodyEnd + 2 + d.length) !== bodyEnd + 2) {
            throw new Error(`multipart part ${this.parts + 1} is not followed by the boundary where its Content-Length says it ends`);
          }
        } else {
          const needle = this.crlfDelimiter ?? (this.crlfDelimiter = concatBytes(CRLF, d));
          const at = indexOfRange(buf, needle, this.scanFrom, this.end_);
          if (at < 0) {
            this.scanFrom = Math.max(this.start, this.end_ - needle.length + 1);
            return false;
          }
          bodyEnd = at;
        }
        const body = buf.slice(this.start, bodyEnd);
        this.parts++;
        this.start = bodyEnd + 2 + d.length;
        this.state = 'after-body';
        this.onPart({ headers: this.headers, body });
        return true;
      }
      case 'done':
        return false;
    }
  }

  private crlfDelimiter: Uint8Array | undefined;
  /** The body of known length being received straight from the chunks, and how much of it has come. */
  private partBody: Uint8Array | null = null;
  private partFilled = 0;
}

/**
 * Bytes of a chunk staged in the working buffer at a time outside a body of known length: a
 * frame's body then passes through the working buffer for at most this much of its start.
 */
const STAGE_BYTES = 8 * 1024;

const CRLF = Uint8Array.of(CR, LF);
const CRLF2 = Uint8Array.of(CR, LF, CR, LF);

function concatBytes(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** First index of `needle` in hay[from, to), or −1. */
function indexOfRange(hay: Uint8Array, needle: Uint8Array, from: number, to: number): number {
  const first = needle[0]!;
  const last = to - needle.length;
  // The engine's indexOf jumps to candidate first bytes far faster than a byte loop.
  for (let i = hay.indexOf(first, from); i >= 0 && i <= last; i = hay.indexOf(first, i + 1)) {
    let n = 1;
    while (n < needle.length && hay[i + n] === needle[n]) n++;
    if (n === needle.length) return i;
  }
  return -1;
}
