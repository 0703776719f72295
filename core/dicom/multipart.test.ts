import { describe, expect, it } from 'vitest';
import { DelimiterCounter, multipartBoundary, splitMultipart } from './multipart';

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
