// The store's frame positions: every frame read in place (positioned reads from the index's
// offsets, no parse) must be byte-identical to the frame parsed out of the whole file, for every
// transfer syntax and the multi-frame files of test-data/dicom/misc.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hasSharedData, sharedDataPath } from '../../test-support/shared-data';
import { readFrames } from './instance';
import { DicomStore } from './store';

const DIRS = [
  ['dicom', 'misc', 'ct-slice-16-transfer-syntaxes-cornerstone'],
  ['dicom', 'misc', 'mr-enhanced-multiframe-pydicom-data'],
];

describe.skipIf(!DIRS.every((d) => hasSharedData(...d)))('DicomStore frame positions', () => {
  const dir = mkdtempSync(join(tmpdir(), 'twinscope-store-test-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads every frame in place, identical to parsing the file, and says when it cannot', () => {
    const store = DicomStore.open(dir);
    const inPlace: string[] = [];
    const parsedOnly: string[] = [];
    try {
      for (const d of DIRS) {
        for (const name of readdirSync(sharedDataPath(...d)).filter((n) => !n.endsWith('.txt')).sort()) {
          const bytes = new Uint8Array(readFileSync(sharedDataPath(...d, name)));
          // Several files share one SOP Instance UID: each put is an explicit replace of the previous one.
          const row = store.put(bytes, { replace: true }).instance;
          const n = row.number_of_frames ?? 1;
          const numbers = Array.from({ length: n }, (_, i) => i + 1);
          const ranges = store.frameRanges(row, numbers);
          if (!ranges) {
            parsedOnly.push(name);
            continue;
          }
          inPlace.push(name);
          const expected = readFrames(bytes, numbers);
          ranges.forEach((r, i) => {
            const size = r.filter((_, k) => k % 2 === 1).reduce((a, b) => a + b, 0);
            const out = new Uint8Array(size + 4);
            expect(store.readRanges(row, r, out, 4), `${name} frame ${i + 1}`).toBe(size + 4);
            expect(Buffer.compare(Buffer.from(out.subarray(4)), Buffer.from(expected[i]!.bytes)), `${name} frame ${i + 1}`).toBe(0);
          });
        }
      }
    } finally {
      store.close();
    }
    // Only big-endian (bytes must be swapped) and deflated (positions are in the inflated data)
    // files are parsed per request.
    expect(parsedOnly.sort()).toEqual([
      'CTImage.dcm_BigEndianExplicitTransferSyntax_1.2.840.10008.1.2.2.dcm',
      'CTImage.dcm_DeflatedExplicitVRLittleEndianTransferSyntax_1.2.840.10008.1.2.1.99.dcm',
      'emri_small_big_endian.dcm',
    ]);
    expect(inPlace.length).toBeGreaterThanOrEqual(20);
    expect(inPlace).toContain('emri_small_jpeg_2k_lossless.dcm'); // multi-frame, compressed
  });
});
