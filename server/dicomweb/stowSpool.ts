// STOW-RS bodies go to disk, not to memory (issue 10: 1 GiB bodies were buffered whole, before
// authentication). The request stream is written to a temp file under a byte cap; the multipart
// framing is then found by scanning the file in fixed-size windows, and each part is read back
// on its own, so the memory a STOW holds is one instance, not the request.
// Authentication runs in the app's onRequest hook, before Fastify asks a content-type parser for
// the body, so nothing here reads a byte of an unauthenticated request.
import { closeSync, createWriteStream, openSync, readSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { MultipartError } from './multipart';

/** The body was over the cap: nothing of it is kept. */
export class StowTooLargeError extends Error {
  override name = 'StowTooLargeError';
  constructor(readonly limitBytes: number) {
    super(`the STOW-RS body is larger than the ${limitBytes}-byte limit of this PACS; send fewer instances per request`);
  }
}

/** A body spooled to a file; `dispose` removes it (callers do so in a finally). */
export interface SpooledBody {
  path: string;
  sizeBytes: number;
  dispose(): void;
}

/**
 * Writes `stream` to a new file in `dir`, stopping at `maxBytes`: over the cap the file is
 * removed, the rest of the stream is discarded unread into memory, and StowTooLargeError rejects.
 */
export function spoolToFile(stream: Readable, dir: string, maxBytes: number): Promise<SpooledBody> {
  const path = join(dir, `stow-${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}.body`);
  const out = createWriteStream(path, { mode: 0o600 });
  const dispose = (): void => rmSync(path, { force: true });
  return new Promise<SpooledBody>((resolve, reject) => {
    let size = 0;
    let settled = false;
    const fail = (err: Error): void => {
      if (settled) return;
      settled = true;
      stream.unpipe(out);
      // The file is opened asynchronously: removing it before the write stream has closed could
      // run before the open and leave the file behind. Remove it once the stream is closed, and
      // only then answer, so the 413 never precedes the removal.
      const removeThenReject = (): void => {
        dispose();
        reject(err);
      };
      if (out.closed) removeThenReject();
      else {
        out.once('close', removeThenReject);
        out.destroy();
      }
    };
    stream.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        fail(new StowTooLargeError(maxBytes));
        // Let the client finish sending into the void (bounded memory) so it reads the 413.
        stream.resume();
      }
    });
    stream.on('error', (err) => fail(err));
    out.on('error', (err) => fail(err));
    out.on('finish', () => {
      if (settled) return;
      settled = true;
      resolve({ path, sizeBytes: size, dispose });
    });
    stream.pipe(out);
  });
}

/** Where one part sits in the spooled file. */
export interface PartRange {
  headers: Record<string, string>;
  /** Byte offset of the part's body in the file. */
  start: number;
  lengthBytes: number;
}

/** Window of the file scanned at a time; delimiters across window edges are found by overlap. */
const SCAN_WINDOW_BYTES = 1 << 20;
/** Part headers larger than this are not a STOW part (guards the header read). */
const MAX_HEADER_BYTES = 16 * 1024;

function readAt(fd: number, position: number, length: number): Buffer {
  const buf = Buffer.alloc(length);
  let got = 0;
  while (got < length) {
    const n = readSync(fd, buf, got, length - got, position + got);
    if (n === 0) break;
    got += n;
  }
  return got === length ? buf : buf.subarray(0, got);
}

/** Offsets of every `needle` in the file, scanning one window at a time (memory: one window). */
function findAll(fd: number, sizeBytes: number, needle: Buffer): number[] {
  const hits: number[] = [];
  const overlap = needle.length - 1;
  for (let pos = 0; pos < sizeBytes; pos += SCAN_WINDOW_BYTES) {
    const window = readAt(fd, pos, Math.min(SCAN_WINDOW_BYTES + overlap, sizeBytes - pos));
    let i = window.indexOf(needle);
    while (i >= 0 && i < SCAN_WINDOW_BYTES) {
      hits.push(pos + i);
      i = window.indexOf(needle, i + 1);
    }
  }
  return hits;
}

/**
 * Finds the parts of a multipart body held in a file (RFC 2046: each delimiter is CRLF "--"
 * boundary, the first may start the body, "--" after the last closes it). Throws MultipartError
 * naming what is broken, as parseMultipart does for a body in memory.
 */
export function scanMultipartFile(path: string, sizeBytes: number, boundary: string): PartRange[] {
  if (!boundary) throw new MultipartError('the Content-Type has no boundary parameter');
  const dash = Buffer.from(`--${boundary}`, 'latin1');
  const crlfDash = Buffer.from(`\r\n--${boundary}`, 'latin1');
  const fd = openSync(path, 'r');
  try {
    // Delimiter positions (offset of "--boundary").
    const delimiters = findAll(fd, sizeBytes, crlfDash).map((o) => o + 2);
    if (readAt(fd, 0, dash.length).equals(dash)) delimiters.unshift(0);
    if (delimiters.length === 0) {
      throw new MultipartError(`no part starts with the boundary "${boundary}"`);
    }
    const parts: PartRange[] = [];
    for (let d = 0; d < delimiters.length; d++) {
      let pos = delimiters[d]! + dash.length;
      const after = readAt(fd, pos, Math.min(MAX_HEADER_BYTES, sizeBytes - pos));
      if (after[0] === 0x2d && after[1] === 0x2d) return parts;
      let p = 0;
      while (after[p] === 0x20 || after[p] === 0x09) p++;
      if (after[p] === 0x0d && after[p + 1] === 0x0a) p += 2;
      const headerEnd = after.indexOf('\r\n\r\n', p, 'latin1');
      if (headerEnd < 0) throw new MultipartError(`part ${parts.length + 1} has no end of headers`);
      const headers: Record<string, string> = {};
      for (const line of after.subarray(p, headerEnd).toString('latin1').split('\r\n')) {
        const colon = line.indexOf(':');
        if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      pos += headerEnd + 4;
      const next = delimiters[d + 1];
      if (next === undefined) throw new MultipartError(`part ${parts.length + 1} is not closed by the boundary (body truncated?)`);
      // The CRLF before the next delimiter belongs to the delimiter.
      parts.push({ headers, start: pos, lengthBytes: next - 2 - pos });
    }
    throw new MultipartError('the body has no closing boundary (body truncated?)');
  } finally {
    closeSync(fd);
  }
}

/** The bytes of one part (a fresh buffer: the store keeps or hashes it). */
export function readPart(path: string, part: PartRange): Uint8Array {
  const fd = openSync(path, 'r');
  try {
    return readAt(fd, part.start, part.lengthBytes);
  } finally {
    closeSync(fd);
  }
}
