import { readdirSync, readFileSync } from 'node:fs';
import { inflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { hasSharedData, sharedDataPath } from '../../test-support/shared-data';
import { DicomIngestError } from './errors';
import { parseDicomFile, parseDicomPart10 } from './parse';
import { transferSyntaxInfo } from './transferSyntax';

const MISC = ['dicom', 'misc', 'ct-slice-16-transfer-syntaxes-cornerstone'];
const CARDIAC = ['dicom', 'ct-cardiac-DERIVED-from-totalseg-nifti'];
const have = hasSharedData(...MISC) && hasSharedData(...CARDIAC);

function read(...parts: string[]): Uint8Array {
  return new Uint8Array(readFileSync(sharedDataPath(...parts)));
}

function expectReject(fn: () => unknown, code: string): DicomIngestError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(DicomIngestError);
    expect((err as DicomIngestError).code).toBe(code);
    return err as DicomIngestError;
  }
  throw new Error(`expected a ${code} refusal`);
}

describe.skipIf(!have)('transfer syntax detection over ../shared/data/dicom/misc', () => {
  // Expected from the file names (set by the Cornerstone test-image generator) and SOURCES.md;
  // browser support per STACK-NOTES.md: everything except .53 and .55.
  const expected: Record<string, string> = {
    'CTImage.dcm': '1.2.840.10008.1.2',
    CT1_J2KR: '1.2.840.10008.1.2.4.90',
    CT2_J2KR: '1.2.840.10008.1.2.4.90',
  };
  const files = have ? readdirSync(sharedDataPath(...MISC)).filter((f) => !f.endsWith('.txt')) : [];

  it('finds all 18 CT files', () => {
    expect(files).toHaveLength(18);
  });

  it.each(files)('%s', async (name) => {
    const inst = await parseDicomFile(name, read(...MISC, name));
    const fromName = /_(1\.2\.840\.10008[.0-9]+?)\.dcm$/.exec(name)?.[1] ?? expected[name];
    expect(inst.transferSyntax.uid).toBe(fromName);
    const unsupported = ['1.2.840.10008.1.2.4.53', '1.2.840.10008.1.2.4.55'];
    expect(inst.transferSyntax.browserCodec).toBe(!unsupported.includes(inst.transferSyntax.uid));
    expect(inst.transferSyntax.name).not.toMatch(/^unknown/);
    expect(inst.rows).toBe(512);
    expect(inst.columns).toBe(512);
    expect(inst.modality).toBe('CT');
    expect(inst.sopClassUid).toBe('1.2.840.10008.5.1.4.1.1.2');
  });

  it('the deflated file parses the same through zlib and through DecompressionStream', async () => {
    const name = 'CTImage.dcm_DeflatedExplicitVRLittleEndianTransferSyntax_1.2.840.10008.1.2.1.99.dcm';
    const bytes = read(...MISC, name);
    const viaZlib = parseDicomPart10(name, bytes, { inflateRawSync: (b) => new Uint8Array(inflateRawSync(b)) });
    const viaStream = await parseDicomFile(name, bytes);
    expect(viaStream.sopInstanceUid).toBe(viaZlib.sopInstanceUid);
    expect(viaStream.frames[0]!.positionLps).toEqual(viaZlib.frames[0]!.positionLps);
    expect(viaStream.frames[0]!.positionLps).toEqual([-161.399994, -148.800003, 4.7]);
  });

  it('the multi-frame MR in 5 syntaxes: 10 frames of 64×64, 12 bits stored', async () => {
    const dir = ['dicom', 'misc', 'mr-enhanced-multiframe-pydicom-data'];
    const names = ['emri_small.dcm', 'emri_small_big_endian.dcm', 'emri_small_RLE.dcm', 'emri_small_jpeg_2k_lossless.dcm', 'emri_small_jpeg_ls_lossless.dcm'];
    const syntaxes = [];
    for (const n of names) {
      const inst = await parseDicomFile(n, read(...dir, n));
      expect(inst.numberOfFrames).toBe(10);
      expect([inst.columns, inst.rows, inst.bitsStored]).toEqual([64, 64, 12]);
      expect(inst.frames).toHaveLength(10);
      syntaxes.push(inst.transferSyntax.uid);
    }
    expect(syntaxes).toEqual(['1.2.840.10008.1.2.1', '1.2.840.10008.1.2.2', '1.2.840.10008.1.2.5', '1.2.840.10008.1.2.4.90', '1.2.840.10008.1.2.4.80']);
  });

  it('covers every file of the multi-frame MR folder, HTJ2K and the Siemens MR included', async () => {
    const dir = ['dicom', 'misc', 'mr-enhanced-multiframe-pydicom-data'];
    const found: Record<string, [string, boolean]> = {};
    for (const n of readdirSync(sharedDataPath(...dir)).filter((f) => f.endsWith('.dcm'))) {
      const inst = await parseDicomFile(n, read(...dir, n));
      found[n] = [inst.transferSyntax.uid, inst.transferSyntax.browserCodec];
    }
    expect(found).toEqual({
      'HTJ2KLossless_08_RGB.dcm': ['1.2.840.10008.1.2.4.201', true],
      'MR-SIEMENS-DICOM-WithOverlays.dcm': ['1.2.840.10008.1.2.1', true],
      'emri_small.dcm': ['1.2.840.10008.1.2.1', true],
      'emri_small_RLE.dcm': ['1.2.840.10008.1.2.5', true],
      'emri_small_big_endian.dcm': ['1.2.840.10008.1.2.2', true],
      'emri_small_jpeg_2k_lossless.dcm': ['1.2.840.10008.1.2.4.90', true],
      'emri_small_jpeg_ls_lossless.dcm': ['1.2.840.10008.1.2.4.80', true],
    });
  });

  it('reports an unknown transfer syntax as undecodable rather than guessing', () => {
    const info = transferSyntaxInfo('1.2.3.4');
    expect(info.nativeDecode).toBe(false);
    expect(info.browserCodec).toBe(false);
  });
});

describe.skipIf(!have)('UID fallbacks on the real abdominal CT (empty UIDs in the dataset)', () => {
  it('takes the SOP Instance UID from the file meta and derives stable study/series ids', () => {
    const dir = ['dicom', 'ct-abdomen-totalseg-20slice-j2k', 'series'];
    const [a, b] = readdirSync(sharedDataPath(...dir)).slice(0, 2) as [string, string];
    const ia = parseDicomPart10(a, read(...dir, a));
    const ib = parseDicomPart10(b, read(...dir, b));
    expect(ia.uidSource).toEqual({ study: 'derived', series: 'derived', sop: 'file-meta' });
    expect(ia.sopInstanceUid).toMatch(/^1\.3\.12\.2\.1107\.5\.1\.4\.60064\./);
    expect(ia.sopInstanceUid).not.toBe(ib.sopInstanceUid);
    expect(ia.seriesInstanceUid).toBe(ib.seriesInstanceUid);
    expect(ia.studyInstanceUid).toBe(ib.studyInstanceUid);
    expect(ia.sopClassUid).toBe('1.2.840.10008.5.1.4.1.1.2');
  });
});

describe.skipIf(!have)('bad input is refused with a code and a reason', () => {
  const good = (): Uint8Array => read(...CARDIAC, 'CT0001.dcm');

  it('not DICOM at all', () => {
    const e = expectReject(() => parseDicomPart10('notes.bin', new TextEncoder().encode('hello, this is not a DICOM file')), 'not-dicom');
    expect(e.message).toMatch(/too short/);
  });

  it('wrong preamble (no DICM at byte 128)', () => {
    const b = good();
    b[129] = 0x58;
    expect(expectReject(() => parseDicomPart10('x.dcm', b), 'not-dicom').message).toMatch(/DICM/);
  });

  it('truncated inside the pixel data', () => {
    const b = good();
    const e = expectReject(() => parseDicomPart10('x.dcm', b.subarray(0, b.length - 1000)), 'truncated');
    expect(e.message).toMatch(/runs past the end of the file/);
  });

  it('no pixel data: a non-image object', () => {
    const b = good();
    const at = findTag(b, 0x7fe0, 0x0010);
    expect(expectReject(() => parseDicomPart10('x.dcm', b.subarray(0, at)), 'non-image').message).toMatch(/not an image/);
  });

  it('absurd dimensions are refused before any allocation', () => {
    const b = good();
    const at = findTag(b, 0x0028, 0x0010); // Rows, explicit VR LE: tag(4) VR(2) len(2) value(2)
    b[at + 8] = 0x60;
    b[at + 9] = 0xea; // 60000 rows
    expect(expectReject(() => parseDicomPart10('x.dcm', b), 'too-large').message).toMatch(/8192 pixel limit/);
  });

  it('a length field past the end of the file', () => {
    const b = good();
    const at = findTag(b, 0x0008, 0x0060); // Modality CS: 2-byte length at +6
    b[at + 6] = 0xff;
    b[at + 7] = 0xff;
    const e = expectReject(() => parseDicomPart10('x.dcm', b), 'truncated');
    expect(e.message).toMatch(/past the end of the file/);
  });
});

/** Offset of an explicit-VR little-endian element header with this tag (test helper). */
export function findTag(b: Uint8Array, group: number, element: number): number {
  for (let i = 132; i < b.length - 4; i++) {
    if (b[i] === (group & 0xff) && b[i + 1] === group >> 8 && b[i + 2] === (element & 0xff) && b[i + 3] === element >> 8) return i;
  }
  throw new Error('tag not found');
}
