// Transfer syntaxes: how the pixel data of a file is encoded, and who can decode it.
// "browserCodec" follows STACK-NOTES.md: Cornerstone3D's codecs (libjpeg-turbo, CharLS, OpenJPEG,
// OpenJPH, RLE, the lossless JPEG decoder) handle every syntax in test-data/dicom/misc except
// JPEG extended process 3&5 / 6&8 (…4.53) and 10&12 (…4.55), which nothing in our stack decodes.

export type PixelEncoding = 'native' | 'encapsulated';

export interface TransferSyntaxInfo {
  uid: string;
  name: string;
  encoding: PixelEncoding;
  littleEndian: boolean;
  explicitVr: boolean;
  /** The whole dataset after the meta header is deflated (…1.2.1.99). */
  deflated: boolean;
  /** Pixels are decoded in plain TypeScript here (Node and workers), no codec needed. */
  nativeDecode: boolean;
  /** A Cornerstone3D browser codec decodes it. */
  browserCodec: boolean;
  /** Why no browser codec decodes it, in the user's terms (shown when a file is refused by name). */
  browserRefusal?: string;
  lossy: boolean;
}

function ts(
  uid: string,
  name: string,
  o: Partial<Omit<TransferSyntaxInfo, 'uid' | 'name'>> & { encoding: PixelEncoding },
): TransferSyntaxInfo {
  const native = o.encoding === 'native';
  return {
    uid,
    name,
    encoding: o.encoding,
    littleEndian: o.littleEndian ?? true,
    explicitVr: o.explicitVr ?? true,
    deflated: o.deflated ?? false,
    nativeDecode: o.nativeDecode ?? native,
    browserCodec: o.browserCodec ?? true,
    ...(o.browserRefusal ? { browserRefusal: o.browserRefusal } : {}),
    lossy: o.lossy ?? false,
  };
}

const TABLE: readonly TransferSyntaxInfo[] = [
  ts('1.2.840.10008.1.2', 'Implicit VR Little Endian', { encoding: 'native', explicitVr: false }),
  ts('1.2.840.10008.1.2.1', 'Explicit VR Little Endian', { encoding: 'native' }),
  ts('1.2.840.10008.1.2.1.99', 'Deflated Explicit VR Little Endian', { encoding: 'native', deflated: true }),
  ts('1.2.840.10008.1.2.2', 'Explicit VR Big Endian (retired)', { encoding: 'native', littleEndian: false }),
  ts('1.2.840.10008.1.2.5', 'RLE Lossless', { encoding: 'encapsulated' }),
  ts('1.2.840.10008.1.2.4.50', 'JPEG Baseline (Process 1)', { encoding: 'encapsulated', lossy: true }),
  ts('1.2.840.10008.1.2.4.51', 'JPEG Extended (Process 2 & 4)', { encoding: 'encapsulated', lossy: true }),
  ts('1.2.840.10008.1.2.4.53', 'JPEG Spectral Selection, Non-Hierarchical (Process 6 & 8, retired)', {
    encoding: 'encapsulated',
    lossy: true,
    browserCodec: false,
    browserRefusal: 'no browser codec decodes spectral-selection JPEG; convert the file to another transfer syntax',
  }),
  ts('1.2.840.10008.1.2.4.55', 'JPEG Full Progression, Non-Hierarchical (Process 10 & 12, retired)', {
    encoding: 'encapsulated',
    lossy: true,
    browserCodec: false,
    browserRefusal: 'no browser codec decodes progressive 12-bit JPEG; convert the file to another transfer syntax',
  }),
  ts('1.2.840.10008.1.2.4.57', 'JPEG Lossless, Non-Hierarchical (Process 14)', { encoding: 'encapsulated' }),
  ts('1.2.840.10008.1.2.4.70', 'JPEG Lossless, First-Order Prediction (Process 14 SV1)', { encoding: 'encapsulated' }),
  ts('1.2.840.10008.1.2.4.80', 'JPEG-LS Lossless', { encoding: 'encapsulated' }),
  ts('1.2.840.10008.1.2.4.81', 'JPEG-LS Near-Lossless', { encoding: 'encapsulated', lossy: true }),
  ts('1.2.840.10008.1.2.4.90', 'JPEG 2000 Lossless Only', { encoding: 'encapsulated' }),
  ts('1.2.840.10008.1.2.4.91', 'JPEG 2000', { encoding: 'encapsulated', lossy: true }),
  ts('1.2.840.10008.1.2.4.201', 'High-Throughput JPEG 2000 Lossless Only', { encoding: 'encapsulated' }),
  ts('1.2.840.10008.1.2.4.202', 'High-Throughput JPEG 2000 with RPCL Lossless Only', { encoding: 'encapsulated' }),
  ts('1.2.840.10008.1.2.4.203', 'High-Throughput JPEG 2000', { encoding: 'encapsulated', lossy: true }),
];

const BY_UID = new Map(TABLE.map((t) => [t.uid, t]));

export const IMPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2';
export const EXPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2.1';
export const DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2.1.99';
export const EXPLICIT_VR_BIG_ENDIAN = '1.2.840.10008.1.2.2';

export function isKnownTransferSyntax(uid: string): boolean {
  return BY_UID.has(uid);
}

export function knownTransferSyntaxes(): readonly TransferSyntaxInfo[] {
  return TABLE;
}

/**
 * Facts about a transfer syntax. An unknown UID is treated as encapsulated and undecodable
 * (a file we can group and show metadata for, but not pixels), never guessed as native.
 */
export function transferSyntaxInfo(uid: string): TransferSyntaxInfo {
  const known = BY_UID.get(uid);
  if (known) return known;
  return {
    uid,
    name: `unknown transfer syntax ${uid}`,
    encoding: 'encapsulated',
    littleEndian: true,
    explicitVr: true,
    deflated: false,
    nativeDecode: false,
    browserCodec: false,
    lossy: false,
  };
}
