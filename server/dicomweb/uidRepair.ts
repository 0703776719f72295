// Files whose dataset UIDs are empty (anonymisers do this; the shared abdominal CT has empty
// Study/Series/SOP Class/SOP Instance UIDs, the SOP ones only in the file meta) cannot be indexed
// by a PACS as they are. The store fills them in and writes them into the stored file, so QIDO,
// WADO metadata and the Part 10 file retrieved later all say the same thing:
// - SOP Class / SOP Instance UID: copied from the file meta (0002,0002) / (0002,0003).
// - Study / Series Instance UID: derived deterministically, `2.25.<decimal>` (PS3.5 §B.2: a UUID
//   as an integer) where the UUID is the first 128 bits of SHA-256 over the attributes that tell
//   studies / series apart, with the RFC 9562 version-8 (custom) and variant bits set. The same
//   file always gets the same UIDs, so re-uploading a series does not duplicate it, and all the
//   slices of one acquisition land in one series.
// Only top-level elements are touched; their values are replaced byte-wise (no re-encoding), so
// everything else in the file is kept as it was.
import { createHash } from 'node:crypto';
import type { DataSet } from 'dicom-parser';

/** `2.25.<integer>` from SHA-256 of the parts (NUL-separated, so ["ab","c"] ≠ ["a","bc"]). */
export function derivedUid(parts: readonly string[]): string {
  const h = createHash('sha256').update(parts.join('\0'), 'utf8').digest();
  const b = Buffer.from(h.subarray(0, 16));
  b[6] = (b[6]! & 0x0f) | 0x80; // version 8
  b[8] = (b[8]! & 0x3f) | 0x80; // variant 10xx
  return `2.25.${BigInt(`0x${b.toString('hex')}`).toString(10)}`;
}

/** VRs whose explicit-VR header has 2 reserved bytes and a 32-bit length (PS3.5 §7.1.2). */
const LONG_VRS = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'UC', 'UN', 'UR', 'UT', 'SV', 'UV']);

export interface ElementValue {
  /** dicom-parser form, e.g. "x0020000d". */
  tag: string;
  /** An ASCII value (UIDs here); padded with NUL to even length as UI requires. */
  value: string;
}

function tagNumber(tag: string): number {
  return parseInt(tag.slice(1), 16);
}

/**
 * Returns a copy of the Part 10 file with the given top-level UI elements set: an existing
 * element has its value and length replaced, an absent one is inserted in tag order. The
 * dataset must be little endian, explicit or implicit VR, not deflated (the caller checks).
 */
export function setTopLevelUids(bytes: Uint8Array, ds: DataSet, explicitVr: boolean, values: readonly ElementValue[]): Uint8Array {
  const headerLength = (tag: string): number => {
    const el = ds.elements[tag]!;
    if (!explicitVr) return 8;
    return el.vr && LONG_VRS.has(el.vr) ? 12 : 8;
  };
  // Top-level elements of the dataset (not the file meta), by start offset.
  const top = Object.keys(ds.elements)
    .filter((t) => !t.startsWith('x0002'))
    .map((t) => ({ tag: t, num: tagNumber(t), start: ds.elements[t]!.dataOffset - headerLength(t), end: ds.elements[t]!.dataOffset + ds.elements[t]!.length }))
    .sort((a, b) => a.start - b.start);
  const edits: { start: number; end: number; replacement: Uint8Array }[] = [];
  for (const { tag, value } of values) {
    const padded = value.length % 2 === 1 ? `${value}\0` : value;
    const valueBytes = Buffer.from(padded, 'latin1');
    const num = tagNumber(tag);
    const header = Buffer.alloc(8);
    header.writeUInt16LE(num >>> 16, 0);
    header.writeUInt16LE(num & 0xffff, 2);
    if (explicitVr) {
      header.write('UI', 4, 'latin1');
      header.writeUInt16LE(valueBytes.length, 6);
    } else {
      header.writeUInt32LE(valueBytes.length, 4);
    }
    const element = Buffer.concat([header, valueBytes]);
    const existing = top.find((e) => e.tag === tag);
    if (existing) {
      edits.push({ start: existing.start, end: existing.end, replacement: element });
    } else {
      // Insert before the first top-level element with a larger tag (or at the end).
      const after = top.find((e) => e.num > num);
      const at = after ? after.start : bytes.length;
      edits.push({ start: at, end: at, replacement: element });
    }
  }
  edits.sort((a, b) => a.start - b.start);
  const chunks: Uint8Array[] = [];
  let pos = 0;
  for (const e of edits) {
    chunks.push(bytes.subarray(pos, e.start), e.replacement);
    pos = e.end;
  }
  chunks.push(bytes.subarray(pos));
  return new Uint8Array(Buffer.concat(chunks));
}
