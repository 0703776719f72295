// Fuzzing the parser with mutated real files: bit flips, truncation, length-field corruption and
// spliced chunks. Every outcome must be an instance or a DicomIngestError with a code: no other
// exception, no hang (each parse is timed against a generous budget that only a hang would
// exceed), and no allocation driven by a corrupt length (bounds are checked before any use).
import { readFileSync } from 'node:fs';
import { inflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { hasSharedData, sharedDataPath } from '../../test-support/shared-data';
import { mulberry32 } from '../domain/random';
import { DicomIngestError } from './errors';
import { groupInstances } from './group';
import { parseDicomPart10, type DicomInstance } from './parse';
import { buildVolume, frameBytes } from './volume';

const SOURCES = [
  ['dicom', 'ct-cardiac-DERIVED-from-totalseg-nifti', 'CT0050.dcm'],
  ['dicom', 'ct-abdomen-totalseg-20slice-j2k', 'series', 'CT.1.3.12.2.1107.5.1.4.60064.30000022120808113428000016580'],
  ['dicom', 'misc', 'ct-slice-16-transfer-syntaxes-cornerstone', 'CTImage.dcm_LittleEndianImplicitTransferSyntax_1.2.840.10008.1.2.dcm'],
  ['dicom', 'misc', 'ct-slice-16-transfer-syntaxes-cornerstone', 'CTImage.dcm_RLELosslessTransferSyntax_1.2.840.10008.1.2.5.dcm'],
  ['dicom', 'misc', 'ct-slice-16-transfer-syntaxes-cornerstone', 'CTImage.dcm_BigEndianExplicitTransferSyntax_1.2.840.10008.1.2.2.dcm'],
  ['dicom', 'misc', 'ct-slice-16-transfer-syntaxes-cornerstone', 'CTImage.dcm_DeflatedExplicitVRLittleEndianTransferSyntax_1.2.840.10008.1.2.1.99.dcm'],
  ['dicom', 'misc', 'mr-enhanced-multiframe-pydicom-data', 'emri_small.dcm'],
  ['dicom', 'misc', 'mr-enhanced-multiframe-pydicom-data', 'emri_small_jpeg_ls_lossless.dcm'],
];

const MUTATIONS = 2000;
/** Only a hang exceeds this; normal parses take well under 50 ms here. */
const HANG_BUDGET_MS = 5000;

function mutate(src: Uint8Array, rnd: () => number): { bytes: Uint8Array; kind: string } {
  const pick = Math.floor(rnd() * 5);
  const int = (n: number): number => Math.floor(rnd() * n);
  switch (pick) {
    case 0: {
      const b = src.slice();
      const flips = 1 + int(16);
      // Bias flips towards the header, where the structure is.
      for (let i = 0; i < flips; i++) {
        const at = rnd() < 0.8 ? int(Math.min(b.length, 4096)) : int(b.length);
        b[at]! ^= 1 << int(8);
      }
      return { bytes: b, kind: 'bit-flip' };
    }
    case 1:
      return { bytes: src.slice(0, int(src.length)), kind: 'truncate' };
    case 2: {
      // Length-field corruption: overwrite 2 or 4 bytes just after a tag with huge/odd values.
      const b = src.slice();
      const at = 132 + int(Math.min(b.length - 140, 4096));
      const values = [0xffffffff, 0x7fffffff, 0x80000000, b.length, b.length + 1, 0xfffe, 0, 1, 3];
      const v = values[int(values.length)]!;
      new DataView(b.buffer).setUint32(at, v >>> 0, true);
      return { bytes: b, kind: 'length-field' };
    }
    case 3: {
      // Splice: repeat a chunk of the header inside the file (nested/duplicated structures).
      const from = 132 + int(Math.min(src.length - 200, 2048));
      const len = 1 + int(256);
      const at = 132 + int(Math.min(src.length - 200, 4096));
      const b = new Uint8Array(src.length + len);
      b.set(src.subarray(0, at));
      b.set(src.subarray(from, from + len), at);
      b.set(src.subarray(at), at + len);
      return { bytes: b, kind: 'splice' };
    }
    default: {
      const b = src.slice();
      // Garbage over a random window.
      const at = int(b.length);
      for (let i = at; i < Math.min(b.length, at + 64); i++) b[i] = int(256);
      return { bytes: b, kind: 'garbage' };
    }
  }
}

const have = SOURCES.every((p) => hasSharedData(...p));

describe.skipIf(!have)(`parser fuzz (${MUTATIONS} seeded mutations)`, () => {
  it('never throws anything but DicomIngestError, never hangs, never reads out of bounds', async () => {
    const sources = SOURCES.map((p) => new Uint8Array(readFileSync(sharedDataPath(...p))));
    const rnd = mulberry32(0x7717);
    const inflateRawSync = (b: Uint8Array): Uint8Array => new Uint8Array(inflateRawSyncBounded(b));
    const outcomes: Record<string, number> = {};
    let worstMs = 0;
    for (let n = 0; n < MUTATIONS; n++) {
      const src = sources[n % sources.length]!;
      const { bytes, kind } = mutate(src, rnd);
      const t0 = performance.now();
      let inst: DicomInstance | null = null;
      try {
        inst = parseDicomPart10(`mutant-${n}-${kind}`, bytes, { inflateRawSync });
      } catch (err) {
        if (!(err instanceof DicomIngestError)) throw new Error(`mutation ${n} (${kind}) threw ${String(err)}`);
        expect(err.message.length).toBeGreaterThan(5);
        outcomes[err.code] = (outcomes[err.code] ?? 0) + 1;
      }
      if (inst) {
        outcomes.parsed = (outcomes.parsed ?? 0) + 1;
        // Whatever parsed must also be safe to read frames from and group.
        for (let f = 0; f < Math.min(inst.numberOfFrames, 3); f++) {
          try {
            const fb = frameBytes(inst, f);
            expect(fb.byteOffset + fb.length).toBeLessThanOrEqual(fb.buffer.byteLength);
          } catch (err) {
            if (!(err instanceof DicomIngestError)) throw new Error(`mutation ${n} (${kind}) frame read threw ${String(err)}`);
          }
        }
        const plan = groupInstances([inst])[0]?.series[0];
        if (plan && inst.transferSyntax.nativeDecode && inst.samplesPerPixel === 1 && inst.bitsAllocated !== 1) {
          try {
            await buildVolume(plan, [inst]);
          } catch (err) {
            if (!(err instanceof DicomIngestError)) throw new Error(`mutation ${n} (${kind}) volume threw ${String(err)}`);
          }
        }
      }
      worstMs = Math.max(worstMs, performance.now() - t0);
    }
    console.log(`[fuzz] ${MUTATIONS} mutants: ${JSON.stringify(outcomes)}; slowest ${worstMs.toFixed(1)} ms`);
    expect(worstMs).toBeLessThan(HANG_BUDGET_MS);
    // The mutations must actually exercise both paths.
    expect(outcomes.parsed ?? 0).toBeGreaterThan(100);
    expect(MUTATIONS - (outcomes.parsed ?? 0)).toBeGreaterThan(100);
  });
});

/** zlib with an output cap, as a browser inflater would have: a corrupt stream cannot balloon. */
function inflateRawSyncBounded(b: Uint8Array): Buffer {
  return inflateRawSync(b, { maxOutputLength: 64 * 1024 * 1024 });
}
