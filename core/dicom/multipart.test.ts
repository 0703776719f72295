import { describe, expect, it } from 'vitest';
import { DelimiterCounter, MultipartStreamParser, multipartBoundary, splitMultipart, type MultipartPart } from './multipart';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const dec = (b: Uint8Array): string => new TextDecoder().decode(b);

// The shape server/dicomweb/multipart.ts writes (part header, body, CRLF, next delimiter).
const body = enc(
  '--b1\r\nContent-Type: application/dicom\r\nContent-Location: instances/1\r\n\r\nAAA\r\n--b1' +
    '\r\nContent-Type: application/dicom\r\n\r\nB\r\n--B\r\n--b1--\r\n',
);

describe('multipart/related', () => {
  it('reads the boundary, quoted or not', () => {
    expect(multipartBoundary('multipart/related; type="application/dicom"; boundary=twinscope-abc')).toBe('twinscope-abc');
    expect(multipartBoundary('multipart/related; boundary="x y"; type="application/dicom"')).toBe('x y');
    expect(() => multipartBoundary('application/json')).toThrow(/multipart\/related/);
  });
  it('splits parts and keeps bytes that merely look like delimiters of another boundary', () => {
    expect(splitMultipart(body, 'b1').map(dec)).toEqual(['AAA', 'B\r\n--B']);
  });
  it('refuses a body cut off before its close delimiter', () => {
    expect(() => splitMultipart(body.subarray(0, 90), 'b1')).toThrow(/cut off/);
  });
  it('counts delimiters split across chunks', () => {
    for (const size of [1, 2, 3, 7, 1000]) {
      const c = new DelimiterCounter('b1');
      for (let o = 0; o < body.length; o += size) c.push(body.subarray(o, o + size));
      expect(c.count).toBe(3);
    }
  });
});

/** Feeds `bytes` to a stream parser in chunks of the given sizes (cycled). */
function streamParts(bytes: Uint8Array, boundary: string, sizes: number[]): MultipartPart[] {
  const out: MultipartPart[] = [];
  const p = new MultipartStreamParser(boundary, (part) => out.push(part));
  for (let at = 0, n = 0; at < bytes.length; n++) {
    const size = sizes[n % sizes.length]!;
    p.push(bytes.subarray(at, at + size));
    at += size;
  }
  p.end();
  return out;
}

describe('MultipartStreamParser', () => {
  it('gives the same parts as splitMultipart whatever the chunking, delimiter look-alikes kept', () => {
    for (const sizes of [[1], [2, 3], [7], [1000]]) {
      const parts = streamParts(body, 'b1', sizes);
      expect(parts.map((p) => dec(p.body))).toEqual(['AAA', 'B\r\n--B']);
      expect(parts[0]!.headers['content-location']).toBe('instances/1');
    }
  });

  it('takes parts by Content-Length (bodies holding the boundary itself) and copies each body', () => {
    const frame = (s: string) => `Content-Type: application/octet-stream; transfer-syntax=1.2.840.10008.1.2.1\r\nContent-Length: ${s.length}\r\n\r\n${s}`;
    const a = 'x\r\n--bb\r\ny'; // the delimiter inside a body: only the length tells where it ends
    const bytes = enc(`--bb\r\n${frame(a)}\r\n--bb\r\n${frame('')}\r\n--bb\r\n${frame('zz')}\r\n--bb--\r\n`);
    for (const sizes of [[1], [3, 5], [64]]) {
      const parts = streamParts(bytes, 'bb', sizes);
      expect(parts.map((p) => dec(p.body))).toEqual([a, '', 'zz']);
      expect(parts[2]!.body.buffer.byteLength).toBe(2); // its own buffer, transferable alone
    }
  });

  it('refuses a Content-Length that does not end at a delimiter, and a body cut off', () => {
    const bad = enc('--q\r\nContent-Length: 2\r\n\r\nabc\r\n--q--\r\n');
    expect(() => streamParts(bad, 'q', [100])).toThrow(/Content-Length/);
    const cut = body.subarray(0, body.length - 8);
    expect(() => streamParts(cut, 'b1', [5])).toThrow(/cut off after 1 part/);
  });

  it('receives a body of known length straight into its own buffer, byte-exact at any chunking (issue 14: one copy, not two)', () => {
    const frameBytes = 40_000; // larger than the staging step, so most of each body bypasses the working buffer
    const frames = [1, 2, 3].map((k) => Uint8Array.from({ length: frameBytes }, (_, i) => (i * 31 + k * 7) & 0xff));
    const pieces: Uint8Array[] = [];
    frames.forEach((f, i) => {
      pieces.push(enc(`${i ? '\r\n' : ''}--Z\r\nContent-Location: frames/${i + 1}\r\nContent-Length: ${frameBytes}\r\n\r\n`));
      pieces.push(f);
    });
    pieces.push(enc('\r\n--Z--\r\n'));
    const whole = new Uint8Array(pieces.reduce((a, x) => a + x.length, 0));
    let at = 0;
    for (const x of pieces) {
      whole.set(x, at);
      at += x.length;
    }
    for (const sizes of [[1], [7, 3], [8191, 8193], [39_999], [65_536], [whole.length]]) {
      const parts = streamParts(whole, 'Z', sizes);
      expect(parts.length).toBe(3);
      parts.forEach((p, i) => {
        expect(p.body).toEqual(frames[i]);
        expect(p.body.byteOffset).toBe(0);
        expect(p.body.buffer.byteLength).toBe(frameBytes); // exactly its own buffer
      });
    }
    // A length that overruns the delimiter is still refused when the body came straight from the chunks.
    const over = enc(`--Z\r\nContent-Length: ${frameBytes}\r\n\r\n`);
    const cut = new Uint8Array(over.length + frameBytes + 20);
    cut.set(over);
    cut.set(enc('\r\n--Z--\r\n'), over.length + frameBytes - 4);
    expect(() => streamParts(cut, 'Z', [4096])).toThrow(/Content-Length/);
  });

  it('lends bodies of known length when asked (reuseBodies): one buffer for parts of one length, right bytes in each', () => {
    const frameBytes = 30_000;
    const frames = [1, 2, 3, 4].map((k) => Uint8Array.from({ length: frameBytes }, (_, i) => (i * 13 + k * 101) & 0xff));
    const text = (i: number) => enc(`${i ? '\r\n' : ''}--L\r\nContent-Length: ${frameBytes}\r\n\r\n`);
    const pieces = frames.flatMap((f, i) => [text(i), f]).concat([enc('\r\n--L--\r\n')]);
    const seenBuffers = new Set<ArrayBufferLike>();
    let n = 0;
    const p = new MultipartStreamParser(
      'L',
      (part) => {
        // Checked while lent: the bytes are this part's.
        expect(part.body).toEqual(frames[n++]);
        seenBuffers.add(part.body.buffer);
      },
      true,
    );
    for (const piece of pieces) for (let at = 0; at < piece.length; at += 4096) p.push(piece.subarray(at, at + 4096));
    p.end();
    expect(n).toBe(4);
    expect(seenBuffers.size).toBe(1);

    // A body the consumer keeps (returns true) is not lent again: it still holds its own bytes.
    const kept: Uint8Array[] = [];
    const q = new MultipartStreamParser('L', (part) => (kept.push(part.body), kept.length % 2 === 1), true);
    for (const piece of pieces) for (let at = 0; at < piece.length; at += 4096) q.push(piece.subarray(at, at + 4096));
    q.end();
    expect(kept[0]).toEqual(frames[0]);
    expect(kept[2]).toEqual(frames[2]);
    expect(kept[0]!.buffer).not.toBe(kept[1]!.buffer);
  });

  it('streams a large body in 64 KiB chunks (100 frames of 512×512×2, by length and by search)', () => {
    const frameBytes = 512 * 512 * 2;
    // Odd frames declare their length, even ones are found by the delimiter search.
    const head = (i: number) => enc(`--B\r\nContent-Type: application/octet-stream\r\nContent-Location: frames/${i}\r\n${i % 2 ? `Content-Length: ${frameBytes}\r\n` : ''}\r\n`);
    const pieces: Uint8Array[] = [];
    for (let i = 1; i <= 100; i++) {
      if (i > 1) pieces.push(enc('\r\n'));
      pieces.push(head(i));
      pieces.push(new Uint8Array(frameBytes).fill(0x41 + (i % 26)));
    }
    pieces.push(enc('\r\n--B--\r\n'));
    const seen: number[] = [];
    const p = new MultipartStreamParser('B', (part) => {
      expect(part.body.length).toBe(frameBytes);
      seen.push(part.body[frameBytes - 1]! - 0x41);
    });
    for (const piece of pieces) for (let at = 0; at < piece.length; at += 65536) p.push(piece.subarray(at, at + 65536));
    p.end();
    expect(seen.length).toBe(100);
    expect(seen[99]).toBe(100 % 26);
  });
});
