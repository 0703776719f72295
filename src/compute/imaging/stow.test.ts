import { describe, expect, it } from 'vitest';
import { batchesBySize, buildStowBody, parseStowResponse } from './stow';

describe('STOW-RS request body', () => {
  it('is multipart/related with one application/dicom part per file, bytes intact (RFC 2387, PS3.18 10.5)', async () => {
    const a = Uint8Array.from([0x44, 0x49, 0x43, 0x4d, 0x0d, 0x0a, 0x2d, 0x2d]); // includes CRLF-- inside the payload
    const b = Uint8Array.from([1, 2, 3]);
    const { contentType, body } = buildStowBody(
      [
        { name: 'a.dcm', bytes: a.buffer },
        { name: 'b.dcm', bytes: b.buffer },
      ],
      'BOUNDARY123',
    );
    expect(contentType).toBe('multipart/related; type="application/dicom"; boundary=BOUNDARY123');
    const bytes = new Uint8Array(await body.arrayBuffer());
    const text = Buffer.from(bytes).toString('latin1');
    const parts = text.split('--BOUNDARY123');
    // preamble (empty), two parts, then the closing "--\r\n"
    expect(parts).toHaveLength(4);
    expect(parts[3]).toBe('--\r\n');
    for (const [i, payload] of [a, b].entries()) {
      const part = parts[i + 1]!;
      expect(part.startsWith('\r\nContent-Type: application/dicom\r\n\r\n')).toBe(true);
      const content = part.slice('\r\nContent-Type: application/dicom\r\n\r\n'.length, -2);
      expect(Buffer.from(content, 'latin1')).toEqual(Buffer.from(payload));
    }
  });

  it('refuses a boundary RFC 2046 does not allow', () => {
    expect(() => buildStowBody([], 'has space')).toThrow(/not a valid RFC 2046 boundary/);
  });

  it('batches files up to a byte budget, an oversized file alone', () => {
    const f = (n: number) => ({ name: String(n), bytes: new ArrayBuffer(n) });
    const batches = batchesBySize([f(4), f(4), f(4), f(20), f(1)], 10);
    expect(batches.map((b) => b.map((x) => x.bytes.byteLength))).toEqual([[4, 4], [4], [20], [1]]);
  });
});

describe('STOW-RS response', () => {
  it('lists stored and failed instances (ReferencedSOPSequence / FailedSOPSequence)', () => {
    const r = parseStowResponse({
      '00081199': { vr: 'SQ', Value: [{ '00081155': { vr: 'UI', Value: ['1.2.3'] } }] },
      '00081198': { vr: 'SQ', Value: [{ '00081155': { vr: 'UI', Value: ['1.2.4'] }, '00081197': { vr: 'US', Value: [0xc000] } }] },
    });
    expect(r).toEqual({ storedSopInstanceUids: ['1.2.3'], failures: [{ ref: '1.2.4', reason: 'the PACS could not read it (0xC000)' }] });
    expect(parseStowResponse({ '00081198': { vr: 'SQ', Value: [{ '00081197': { vr: 'US', Value: [0x0123] } }] } }).failures).toEqual([
      { ref: 'an instance without a readable UID', reason: 'refused (0x0123)' },
    ]);
    expect(parseStowResponse(null)).toEqual({ storedSopInstanceUids: [], failures: [] });
  });
});
