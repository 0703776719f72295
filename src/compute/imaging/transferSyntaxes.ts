// DICOM transfer syntaxes the browser viewer knows by name, and whether a browser codec in
// @cornerstonejs/dicom-image-loader 5.14 decodes them correctly here. "supported: false" entries
// are refused with their name before decoding, because the loader would otherwise hand them to a
// decoder that produces wrong pixels or throws an opaque error (checked with e2e/imaging.spec.ts
// against test-data/dicom/misc; see src/views/imaging/README.md).

export interface TransferSyntaxInfo {
  uid: string;
  name: string;
  lossless: boolean;
  supported: boolean;
  /** Why it is not supported, in the user's terms. */
  reason?: string;
}

const TABLE: readonly TransferSyntaxInfo[] = [
  { uid: '1.2.840.10008.1.2', name: 'Implicit VR Little Endian', lossless: true, supported: true },
  { uid: '1.2.840.10008.1.2.1', name: 'Explicit VR Little Endian', lossless: true, supported: true },
  { uid: '1.2.840.10008.1.2.1.99', name: 'Deflated Explicit VR Little Endian', lossless: true, supported: true },
  { uid: '1.2.840.10008.1.2.2', name: 'Explicit VR Big Endian', lossless: true, supported: true },
  { uid: '1.2.840.10008.1.2.5', name: 'RLE Lossless', lossless: true, supported: true },
  { uid: '1.2.840.10008.1.2.4.50', name: 'JPEG Baseline (Process 1)', lossless: false, supported: true },
  { uid: '1.2.840.10008.1.2.4.51', name: 'JPEG Extended (Process 2 & 4)', lossless: false, supported: true },
  {
    uid: '1.2.840.10008.1.2.4.53',
    name: 'JPEG Spectral Selection (Process 6 & 8, retired)',
    lossless: false,
    supported: false,
    reason: 'no browser codec decodes spectral-selection JPEG; convert the file to another transfer syntax',
  },
  {
    uid: '1.2.840.10008.1.2.4.55',
    name: 'JPEG Full Progression (Process 10 & 12, retired)',
    lossless: false,
    supported: false,
    reason: 'no browser codec decodes progressive 12-bit JPEG; convert the file to another transfer syntax',
  },
  { uid: '1.2.840.10008.1.2.4.57', name: 'JPEG Lossless (Process 14)', lossless: true, supported: true },
  { uid: '1.2.840.10008.1.2.4.70', name: 'JPEG Lossless SV1 (Process 14, selection value 1)', lossless: true, supported: true },
  { uid: '1.2.840.10008.1.2.4.80', name: 'JPEG-LS Lossless', lossless: true, supported: true },
  { uid: '1.2.840.10008.1.2.4.81', name: 'JPEG-LS Near-Lossless', lossless: false, supported: true },
  { uid: '1.2.840.10008.1.2.4.90', name: 'JPEG 2000 Lossless', lossless: true, supported: true },
  { uid: '1.2.840.10008.1.2.4.91', name: 'JPEG 2000', lossless: false, supported: true },
  { uid: '1.2.840.10008.1.2.4.201', name: 'HTJ2K Lossless', lossless: true, supported: true },
  { uid: '1.2.840.10008.1.2.4.202', name: 'HTJ2K Lossless RPCL', lossless: true, supported: true },
  { uid: '1.2.840.10008.1.2.4.203', name: 'HTJ2K', lossless: false, supported: true },
];

const BY_UID = new Map(TABLE.map((t) => [t.uid, t]));

export function transferSyntaxInfo(uid: string): TransferSyntaxInfo {
  const known = BY_UID.get(uid.trim());
  if (known) return known;
  return {
    uid,
    name: `transfer syntax ${uid}`,
    lossless: false,
    supported: false,
    reason: 'the viewer has no decoder for it',
  };
}

export function allTransferSyntaxes(): readonly TransferSyntaxInfo[] {
  return TABLE;
}

/** A user-facing sentence for a file the viewer will not decode, or null when it can. */
export function unsupportedMessage(uid: string): string | null {
  const t = transferSyntaxInfo(uid);
  if (t.supported) return null;
  return `${t.name} (${t.uid}) is not supported: ${t.reason ?? 'no decoder'}`;
}
