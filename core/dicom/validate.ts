// The one check of an image's pixel module, shared by the local import (parse.ts) and the PACS's
// STOW-RS (server/dicomweb/instance.ts), so the PACS never stores an image the viewer refuses
// (issue 17: STOW stored Rows = Columns = 65535 and Rows = 0, and the Imaging tab then threw).
// Pure: takes the attributes already read from the dataset, throws DicomIngestError with a code.
import { DicomIngestError } from './errors';
import { isKnownTransferSyntax, type TransferSyntaxInfo } from './transferSyntax';

/** Limits that keep one hostile file from exhausting a browser tab (and the PACS that serves it). */
export interface ParseLimits {
  /** Largest rows or columns accepted. */
  maxDimension: number;
  maxFrames: number;
  /** Largest decoded pixel payload of one file, bytes. */
  maxDecodedBytes: number;
  /** Largest inflated size of a deflated dataset, bytes (zip-bomb guard). */
  maxInflatedBytes: number;
}

export const DEFAULT_LIMITS: ParseLimits = {
  maxDimension: 8192,
  maxFrames: 4096,
  maxDecodedBytes: 1024 * 1024 * 1024,
  maxInflatedBytes: 512 * 1024 * 1024,
};

/** Bits Allocated values an image may have (1: binary segmentations). */
const BITS_ALLOCATED = [1, 8, 16, 32];

/** The pixel-module attributes the check needs, as read from the dataset (null: absent). */
export interface PixelModuleAttributes {
  rows: number | null;
  columns: number | null;
  /** Number of Frames (0028,0008) as read; null when absent (one frame). */
  numberOfFrames: number | null;
  samplesPerPixel: number | null;
  bitsAllocated: number | null;
  transferSyntax: TransferSyntaxInfo;
  pixelData: { encapsulated: boolean; lengthBytes: number; fragmentCount: number };
}

export interface CheckedPixelModule {
  rows: number;
  columns: number;
  numberOfFrames: number;
  samplesPerPixel: number;
  bitsAllocated: number;
  /** Bytes of one native frame (may be fractional for 1-bit data). */
  frameBytes: number;
}

/**
 * Checks that an image's pixel module describes pixels a viewer can hold and that the pixel data
 * is long enough for them. Throws DicomIngestError naming the attribute and its value.
 */
export function checkPixelModule(a: PixelModuleAttributes, limits: ParseLimits = DEFAULT_LIMITS): CheckedPixelModule {
  const { rows, columns } = a;
  if (rows === null || columns === null) {
    throw new DicomIngestError('missing-attribute', `pixel data without ${rows === null ? 'Rows (0028,0010)' : 'Columns (0028,0011)'}`);
  }
  if (rows === 0 || columns === 0) throw new DicomIngestError('missing-attribute', `image has ${rows} rows × ${columns} columns`);
  if (rows > limits.maxDimension || columns > limits.maxDimension) {
    throw new DicomIngestError('too-large', `image is ${columns}×${rows}, larger than the ${limits.maxDimension} pixel limit`);
  }
  const numberOfFrames = a.numberOfFrames === null ? 1 : Math.round(a.numberOfFrames);
  if (!(numberOfFrames >= 1)) throw new DicomIngestError('missing-attribute', `Number of Frames is ${a.numberOfFrames}`);
  if (numberOfFrames > limits.maxFrames) {
    throw new DicomIngestError('too-large', `file has ${numberOfFrames} frames, more than the ${limits.maxFrames} frame limit`);
  }
  const samplesPerPixel = a.samplesPerPixel ?? 1;
  const bitsAllocated = a.bitsAllocated;
  if (bitsAllocated === null || !BITS_ALLOCATED.includes(bitsAllocated)) {
    throw new DicomIngestError('missing-attribute', `Bits Allocated is ${bitsAllocated ?? 'missing'} (expected 1, 8, 16 or 32)`);
  }
  if (samplesPerPixel < 1 || samplesPerPixel > 4) throw new DicomIngestError('missing-attribute', `Samples per Pixel is ${samplesPerPixel}`);
  const frameBytes = (rows * columns * samplesPerPixel * bitsAllocated) / 8;
  if (frameBytes * numberOfFrames > limits.maxDecodedBytes) {
    throw new DicomIngestError(
      'too-large',
      `pixel data would decode to ${Math.round((frameBytes * numberOfFrames) / 1048576)} MB, above the ${Math.round(limits.maxDecodedBytes / 1048576)} MB limit`,
    );
  }
  const { encapsulated, lengthBytes, fragmentCount } = a.pixelData;
  const syntax = a.transferSyntax;
  if (!encapsulated && syntax.encoding === 'encapsulated' && isKnownTransferSyntax(syntax.uid)) {
    throw new DicomIngestError('bad-length', `transfer syntax ${syntax.name} needs encapsulated pixel data, but the pixel data is native`);
  }
  if (!encapsulated && lengthBytes < Math.ceil(frameBytes * numberOfFrames)) {
    throw new DicomIngestError(
      'truncated',
      `pixel data holds ${lengthBytes} bytes, but ${numberOfFrames} frame(s) of ${columns}×${rows}×${bitsAllocated} bits need ${Math.ceil(frameBytes * numberOfFrames)}`,
    );
  }
  if (encapsulated && fragmentCount === 0) throw new DicomIngestError('truncated', 'encapsulated pixel data has no fragments');
  return { rows, columns, numberOfFrames, samplesPerPixel, bitsAllocated, frameBytes };
}
