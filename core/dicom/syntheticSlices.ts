// Small hand-built CT slices for tests (explicit VR little endian, Part 10): the reproductions of
// issue 17 need exact control of positions, UIDs and broken pixel modules, which real files do
// not give. Pure; no dependency. Not used by production code.

export interface SyntheticSlice {
  patientId?: string;
  patientName?: string;
  patientBirthDate?: string;
  studyUid: string;
  seriesUid: string;
  sopUid: string;
  instanceNumber: number;
  /** ImagePositionPatient, LPS mm. */
  positionLps: [number, number, number];
  rows?: number;
  columns?: number;
  /** Written as the Rows value instead of `rows` (pixel data still sized by `rows`). */
  rowsAttribute?: number;
  columnsAttribute?: number;
  pixelSpacingMm?: [number, number];
  sliceThicknessMm?: number;
  /** Stored value of every pixel (HU = value − 1024). */
  fill?: number;
}

const CT_IMAGE_STORAGE = '1.2.840.10008.5.1.4.1.1.2';
const EXPLICIT_LE = '1.2.840.10008.1.2.1';

/** ASCII text as bytes (every value written here is ASCII; core/ has no TextEncoder typing). */
function ascii(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 0x7f;
  return out;
}

function pad(s: string, padChar: string): string {
  return s.length % 2 === 0 ? s : s + padChar;
}

class Writer {
  private readonly chunks: Uint8Array[] = [];
  length = 0;

  private push(b: Uint8Array): void {
    this.chunks.push(b);
    this.length += b.length;
  }

  element(group: number, element: number, vr: string, value: Uint8Array): void {
    const longForm = vr === 'OB' || vr === 'OW' || vr === 'SQ' || vr === 'UN' || vr === 'UT';
    const head = new Uint8Array(longForm ? 12 : 8);
    const dv = new DataView(head.buffer);
    dv.setUint16(0, group, true);
    dv.setUint16(2, element, true);
    head[4] = vr.charCodeAt(0);
    head[5] = vr.charCodeAt(1);
    if (longForm) dv.setUint32(8, value.length, true);
    else dv.setUint16(6, value.length, true);
    this.push(head);
    this.push(value);
  }

  text(group: number, element: number, vr: string, value: string): void {
    this.element(group, element, vr, ascii(pad(value, vr === 'UI' ? '\0' : ' ')));
  }

  us(group: number, element: number, value: number): void {
    const b = new Uint8Array(2);
    new DataView(b.buffer).setUint16(0, value, true);
    this.element(group, element, 'US', b);
  }

  bytes(): Uint8Array {
    const out = new Uint8Array(this.length);
    let o = 0;
    for (const c of this.chunks) {
      out.set(c, o);
      o += c.length;
    }
    return out;
  }
}

/** One CT slice as a DICOM Part 10 file (axial, 16-bit, rescale intercept −1024). */
export function syntheticCtSlice(s: SyntheticSlice): Uint8Array {
  const rows = s.rows ?? 4;
  const columns = s.columns ?? 4;
  const body = new Writer();
  body.text(0x0008, 0x0016, 'UI', CT_IMAGE_STORAGE);
  body.text(0x0008, 0x0018, 'UI', s.sopUid);
  body.text(0x0008, 0x0020, 'DA', '20260101');
  body.text(0x0008, 0x0060, 'CS', 'CT');
  body.text(0x0010, 0x0010, 'PN', s.patientName ?? 'Test^Patient');
  body.text(0x0010, 0x0020, 'LO', s.patientId ?? 'PAT-1');
  body.text(0x0010, 0x0030, 'DA', s.patientBirthDate ?? '19600101');
  body.text(0x0018, 0x0050, 'DS', String(s.sliceThicknessMm ?? 1));
  body.text(0x0020, 0x000d, 'UI', s.studyUid);
  body.text(0x0020, 0x000e, 'UI', s.seriesUid);
  body.text(0x0020, 0x0011, 'IS', '1');
  body.text(0x0020, 0x0013, 'IS', String(s.instanceNumber));
  body.text(0x0020, 0x0032, 'DS', s.positionLps.join('\\'));
  body.text(0x0020, 0x0037, 'DS', '1\\0\\0\\0\\1\\0');
  body.us(0x0028, 0x0002, 1);
  body.text(0x0028, 0x0004, 'CS', 'MONOCHROME2');
  body.us(0x0028, 0x0010, s.rowsAttribute ?? rows);
  body.us(0x0028, 0x0011, s.columnsAttribute ?? columns);
  body.text(0x0028, 0x0030, 'DS', (s.pixelSpacingMm ?? [1, 1]).join('\\'));
  body.us(0x0028, 0x0100, 16);
  body.us(0x0028, 0x0101, 12);
  body.us(0x0028, 0x0102, 11);
  body.us(0x0028, 0x0103, 0);
  body.text(0x0028, 0x1052, 'DS', '-1024');
  body.text(0x0028, 0x1053, 'DS', '1');
  const pixels = new Uint8Array(rows * columns * 2);
  const dv = new DataView(pixels.buffer);
  for (let p = 0; p < rows * columns; p++) dv.setUint16(p * 2, s.fill ?? 1064, true);
  body.element(0x7fe0, 0x0010, 'OW', pixels);
  const dataset = body.bytes();

  const metaBody = new Writer();
  metaBody.element(0x0002, 0x0001, 'OB', new Uint8Array([0, 1]));
  metaBody.text(0x0002, 0x0002, 'UI', CT_IMAGE_STORAGE);
  metaBody.text(0x0002, 0x0003, 'UI', s.sopUid);
  metaBody.text(0x0002, 0x0010, 'UI', EXPLICIT_LE);
  metaBody.text(0x0002, 0x0012, 'UI', '2.25.1');
  const metaBytes = metaBody.bytes();
  const groupLength = new Writer();
  const len = new Uint8Array(4);
  new DataView(len.buffer).setUint32(0, metaBytes.length, true);
  groupLength.element(0x0002, 0x0000, 'UL', len);
  const gl = groupLength.bytes();

  const out = new Uint8Array(132 + gl.length + metaBytes.length + dataset.length);
  out.set(ascii('DICM'), 128);
  out.set(gl, 132);
  out.set(metaBytes, 132 + gl.length);
  out.set(dataset, 132 + gl.length + metaBytes.length);
  return out;
}

/**
 * Issue 17's first reproduction: three CT slices 1 mm apart plus a copy of the middle one that
 * differs only in its SOP Instance UID (and instance number).
 */
export function threeSlicesWithRepeat(studyUid = '2.25.1701', seriesUid = '2.25.1702'): { name: string; bytes: Uint8Array }[] {
  const base = { studyUid, seriesUid };
  return [
    { name: 's1.dcm', bytes: syntheticCtSlice({ ...base, sopUid: '2.25.17031', instanceNumber: 1, positionLps: [0, 0, 0] }) },
    { name: 's2.dcm', bytes: syntheticCtSlice({ ...base, sopUid: '2.25.17032', instanceNumber: 2, positionLps: [0, 0, 1] }) },
    { name: 's3.dcm', bytes: syntheticCtSlice({ ...base, sopUid: '2.25.17033', instanceNumber: 3, positionLps: [0, 0, 2] }) },
    { name: 's2-copy.dcm', bytes: syntheticCtSlice({ ...base, sopUid: '2.25.17034', instanceNumber: 4, positionLps: [0, 0, 1] }) },
  ];
}
