import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { hasSharedData, sharedDataPath } from '../../test-support/shared-data';
import { parseDataSet, parseForStore, readFrames, StoreInputError } from './instance';
import { derivedUid, setTopLevelUids } from './uidRepair';
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

  it('fills the empty UIDs of the abdominal CT in: SOP UIDs from the file meta, Study/Series derived (2.25), written into the file', () => {
    const dir = ['dicom', 'ct-abdomen-totalseg-20slice-j2k', 'series'];
    const names = readdirSync(sharedDataPath(...dir)).sort();
    const parsed = names.map((n) => parseForStore(new Uint8Array(readFileSync(sharedDataPath(...dir, n)))));
    const p = parsed[0]!;
    // The file names are the SOP Instance UIDs in the file meta (0002,0003).
    expect(p.sopUid).toBe(names[0]!.replace(/^CT\./, ''));
    expect(p.sopClassUid).toBe('1.2.840.10008.5.1.4.1.1.2');
    expect(p.filledIn).toEqual(['SOP Class UID', 'SOP Instance UID', 'Study Instance UID', 'Series Instance UID']);
    expect(p.studyUid).toMatch(/^2\.25\.[1-9][0-9]{0,38}$/);
    expect(p.seriesUid).toMatch(/^2\.25\.[1-9][0-9]{0,38}$/);
    expect(p.studyUid).not.toBe(p.seriesUid);
    // One acquisition → one study and one series, the same on every parse.
    expect(new Set(parsed.map((x) => x.studyUid)).size).toBe(1);
    expect(new Set(parsed.map((x) => x.seriesUid)).size).toBe(1);
    expect(new Set(parsed.map((x) => x.sopUid)).size).toBe(20);
    // The stored bytes carry the UIDs in the dataset: parsing them again changes nothing.
    const again = parseForStore(p.bytes);
    expect(again.filledIn).toEqual([]);
    expect([again.studyUid, again.seriesUid, again.sopUid, again.sopClassUid]).toEqual([p.studyUid, p.seriesUid, p.sopUid, p.sopClassUid]);
    expect(again.metadata['0020000D']).toEqual({ vr: 'UI', Value: [p.studyUid] });
    expect(again.metadata['00080018']).toEqual({ vr: 'UI', Value: [p.sopUid] });
    // Everything else is untouched: the J2K codestream is the same bytes.
    expect(Buffer.compare(Buffer.from(readFrames(p.bytes, [1])[0]!.bytes), Buffer.from(readFrames(new Uint8Array(readFileSync(sharedDataPath(...dir, names[0]!))), [1])[0]!.bytes))).toBe(0);
  });

  it('inserts absent UI elements in tag order in an implicit-VR file', () => {
    const original = file('CTImage.dcm_LittleEndianImplicitTransferSyntax_1.2.840.10008.1.2.dcm');
    const ds = parseDataSet(original);
    expect(ds.elements.x00200242).toBeUndefined(); // SOP Instance UID of Concatenation Source (UI), absent
    const out = setTopLevelUids(original, ds, false, [{ tag: 'x00200242', value: '1.2.3' }, { tag: 'x0020000d', value: '1.2.840.99' }]);
    const re = parseDataSet(out);
    expect(re.string('x00200242')).toBe('1.2.3');
    // Placed before the next larger tag: the elements stay in ascending order.
    const tags = Object.keys(re.elements).filter((t) => !t.startsWith('x0002'));
    expect(tags).toEqual([...tags].sort());
    expect(re.string('x0020000d')).toBe('1.2.840.99');
    expect(out.length).toBe(original.length + 8 + 6 - ds.elements.x0020000d!.length + 10);
    expect(Buffer.compare(Buffer.from(readFrames(out, [1])[0]!.bytes), Buffer.from(readFrames(original, [1])[0]!.bytes))).toBe(0);
  });

  it('refuses an invalid (not empty) Study UID, naming the SOP Instance UID', () => {
    const original = file('CTImage.dcm_LittleEndianExplicitTransferSyntax_1.2.840.10008.1.2.1.dcm');
    const sop = parseForStore(original).sopUid;
    const bad = setTopLevelUids(original, parseDataSet(original), true, [{ tag: 'x0020000d', value: '1.2.abc' }]);
    let caught: unknown;
    try {
      parseForStore(bad);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(StoreInputError);
    expect((caught as StoreInputError).message).toBe(`SOP Instance UID ${sop}: invalid Study Instance UID (0020,000D)`);
    expect((caught as StoreInputError).sopInstanceUid).toBe(sop);
  });

  it('derives 2.25 UIDs that are valid, stable and distinct', () => {
    const a = derivedUid(['study', 'x']);
    expect(a).toBe(derivedUid(['study', 'x']));
    expect(a).not.toBe(derivedUid(['study', 'y']));
    expect(derivedUid(['ab', 'c'])).not.toBe(derivedUid(['a', 'bc']));
    expect(a.length).toBeLessThanOrEqual(64);
    // RFC 9562 version 8 / variant 10: bits 76–79 = 8, bits 62–63 = 2 of the 128-bit integer.
    const n = BigInt(a.slice(5));
    expect((n >> 76n) & 0xfn).toBe(8n);
    expect((n >> 62n) & 0x3n).toBe(2n);
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
