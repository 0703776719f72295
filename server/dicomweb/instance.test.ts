import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { hasSharedData, sharedDataPath } from '../../test-support/shared-data';
import { parseForStore, readFrames, StoreInputError } from './instance';
import { buildMultipart, parseMultipart, MultipartError } from './multipart';
import { parseQido, QidoQueryError, tagOfField } from './qido';

const MISC = ['dicom', 'misc', 'ct-slice-16-transfer-syntaxes-cornerstone'];
const file = (name: string): Uint8Array => new Uint8Array(readFileSync(sharedDataPath(...MISC, name)));

describe.skipIf(!hasSharedData(...MISC))('stored instances: frames and DICOM JSON', () => {
  it('serves the same little-endian frame from implicit, explicit, big-endian and deflated files (all lossless, SOURCES.md)', () => {
    const names = [
      'CTImage.dcm_LittleEndianImplicitTransferSyntax_1.2.840.10008.1.2.dcm',
      'CTImage.dcm_LittleEndianExplicitTransferSyntax_1.2.840.10008.1.2.1.dcm',
      'CTImage.dcm_BigEndianExplicitTransferSyntax_1.2.840.10008.1.2.2.dcm',
      'CTImage.dcm_DeflatedExplicitVRLittleEndianTransferSyntax_1.2.840.10008.1.2.1.99.dcm',
    ];
    const frames = names.map((n) => readFrames(file(n), [1])[0]!);
    expect(frames[0]!.bytes.length).toBe(512 * 512 * 2);
    for (const f of frames.slice(1)) expect(Buffer.compare(Buffer.from(f.bytes), Buffer.from(frames[0]!.bytes))).toBe(0);
    expect(frames.map((f) => f.transferSyntaxUid)).toEqual(['1.2.840.10008.1.2', '1.2.840.10008.1.2.1', '1.2.840.10008.1.2.1', '1.2.840.10008.1.2.1']);
  });

  it('serves compressed frames as their codestream in the stored syntax', () => {
    const j2k = readFrames(file('CTImage.dcm_JPEG2000LosslessOnlyTransferSyntax_1.2.840.10008.1.2.4.90.dcm'), [1])[0]!;
    expect(j2k.transferSyntaxUid).toBe('1.2.840.10008.1.2.4.90');
    expect([j2k.bytes[0], j2k.bytes[1]]).toEqual([0xff, 0x4f]); // J2K SOC marker
    const jls = readFrames(file('CTImage.dcm_JPEGLSLosslessTransferSyntax_1.2.840.10008.1.2.4.80.dcm'), [1])[0]!;
    expect([jls.bytes[0], jls.bytes[1]]).toEqual([0xff, 0xd8]); // JPEG SOI
    expect(() => readFrames(file('CTImage.dcm'), [2])).toThrow(/frame 2 does not exist/);
  });

  it('indexes the attributes QIDO needs and writes DICOM JSON with a BulkDataURI for pixel data', () => {
    const p = parseForStore(file('CTImage.dcm_LittleEndianImplicitTransferSyntax_1.2.840.10008.1.2.dcm'));
    expect(p.sopUid).toBe('1.2.840.113619.2.30.1.1762295590.1623.978668950.109');
    expect(p.series.modality).toBe('CT');
    expect([p.rows, p.columns, p.numberOfFrames, p.bitsAllocated]).toEqual([512, 512, 1, 16]);
    // Implicit VR: VRs come from the data dictionary.
    expect(p.metadata['00280010']).toEqual({ vr: 'US', Value: [512] });
    expect(p.metadata['00280030']?.vr).toBe('DS');
    expect(p.metadata['00200032']?.Value).toEqual([-161.399994, -148.800003, 4.7]);
    expect(p.metadata['7FE00010']).toEqual({ vr: 'OW', BulkDataURI: 'bulk/7FE00010' });
    expect(p.metadata['00020010']).toBeUndefined(); // file meta is not part of the dataset
    expect(p.metadata['00083002']).toEqual({ vr: 'UI', Value: ['1.2.840.10008.1.2'] }); // AvailableTransferSyntaxUID
  });

  it('refuses a file without UIDs (the abdominal CT) naming the missing attributes', () => {
    const dir = ['dicom', 'ct-abdomen-totalseg-20slice-j2k', 'series'];
    const bytes = new Uint8Array(readFileSync(sharedDataPath(...dir, 'CT.1.3.12.2.1107.5.1.4.60064.30000022120808113428000016573')));
    expect(() => parseForStore(bytes)).toThrow(StoreInputError);
    expect(() => parseForStore(bytes)).toThrow(/Study Instance UID \(0020,000D\), Series Instance UID \(0020,000E\)/);
  });
});

describe('multipart/related', () => {
  it('round-trips parts, including bodies that contain CRLF and dashes', () => {
    const a = new TextEncoder().encode('--not-a-boundary\r\n\r\nbody');
    const b = new Uint8Array([0, 1, 2, 13, 10, 45, 45]);
    const body = buildMultipart('b0undary', [
      { contentType: 'application/dicom', body: a },
      { contentType: 'application/dicom', body: b, headers: { 'Content-Location': 'x.dcm' } },
    ]);
    const parts = parseMultipart(body, 'b0undary');
    expect(parts.map((p) => Buffer.from(p.body).toString('latin1'))).toEqual([Buffer.from(a).toString('latin1'), Buffer.from(b).toString('latin1')]);
    expect(parts[1]!.headers['content-location']).toBe('x.dcm');
  });
  it('names a truncated body', () => {
    const body = buildMultipart('zz', [{ contentType: 'application/dicom', body: new Uint8Array(10) }]);
    expect(() => parseMultipart(body.subarray(0, body.length - 8), 'zz')).toThrow(MultipartError);
    expect(() => parseMultipart(body, 'other')).toThrow(/no part starts with the boundary/);
  });
});

describe('QIDO query parsing', () => {
  it('accepts keywords and tags, lists of UIDs, date ranges, limit/offset', () => {
    const q = parseQido({ '00100020': 'MRN*', StudyInstanceUID: '1.2.3,1.2.4', StudyDate: '20200101-', limit: '5', offset: '10', includefield: 'PatientAge,00081030' });
    expect(q.filter).toEqual({ patientId: 'MRN*', studyUids: ['1.2.3', '1.2.4'], studyDate: { from: '20200101' }, limit: 5, offset: 10 });
    expect(q.includeFields).toEqual(['PatientAge', '00081030']);
    expect(tagOfField('PatientAge')).toBe('00101010');
    expect(parseQido({ fuzzymatching: 'true', PatientName: 'X' }).ignored).toEqual(['PatientName']);
  });
  it('refuses bad values by name', () => {
    expect(() => parseQido({ limit: 'ten' })).toThrow(QidoQueryError);
    expect(() => parseQido({ StudyInstanceUID: '1.2.abc' })).toThrow(/StudyInstanceUID/);
    expect(() => parseQido({ StudyDate: '2020' })).toThrow(/StudyDate/);
    expect(() => parseQido({ Modality: 'ct;drop' })).toThrow(/Modality/);
  });
});
