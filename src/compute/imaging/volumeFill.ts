// Writing a frame straight into a volume's scalar buffer (issue 14): the series stream's frames
// land in one typed array that the volume, its texture and the anatomy hand-off share, with no
// per-frame image object, cache entry or worker round trip in between.
//
// Uncompressed little-endian frames (the two native transfer syntaxes) need no decoding: the
// stored values are read where they lie and rescaled to modality units (HU for CT) on the way
// into the slice, one pass over the frame. Everything else (compressed, big endian, deflated,
// colour, 8- or 32-bit) goes through the loader's decoder instead (viewer.ts).
// Pure: tested in Node against hand-computed values.

/** The volume's scalar buffer types (Cornerstone picks one per series from bits and rescale). */
export type VoxelBuffer = Int16Array | Uint16Array | Float32Array | Uint8Array;

export interface FramePixelFormat {
  bitsAllocated: number;
  /** 0 unsigned, 1 two's complement (DICOM Pixel Representation). */
  pixelRepresentation: number;
  samplesPerPixel: number;
  /** Modality LUT (DICOM Rescale Slope / Intercept); 1 / 0 when the object has none. */
  rescaleSlope: number;
  rescaleIntercept: number;
}

const NATIVE_LITTLE_ENDIAN = new Set(['1.2.840.10008.1.2', '1.2.840.10008.1.2.1']);

/** True when a frame in this transfer syntax is the stored values themselves, little endian. */
export function isNativeLittleEndian(transferSyntaxUid: string): boolean {
  return NATIVE_LITTLE_ENDIAN.has(transferSyntaxUid);
}

/** Whether `writeNativeFrame` handles frames of this format (16-bit, one sample). */
export function canWriteNative(format: FramePixelFormat): boolean {
  return format.bitsAllocated === 16 && format.samplesPerPixel === 1 && Number.isFinite(format.rescaleSlope) && Number.isFinite(format.rescaleIntercept);
}

/**
 * Write one uncompressed little-endian 16-bit frame into slice `sliceIndex` of `volume`,
 * rescaled (value × slope + intercept) into the buffer's type. Throws, naming the problem, when
 * the frame is not one slice long; the buffer is untouched then.
 */
export function writeNativeFrame(volume: VoxelBuffer, sliceIndex: number, sliceLength: number, bytes: Uint8Array, format: FramePixelFormat): void {
  if (!canWriteNative(format)) throw new Error(`a ${format.bitsAllocated}-bit, ${format.samplesPerPixel}-sample frame is not written natively`);
  if (bytes.byteLength !== sliceLength * 2) {
    throw new Error(`the frame holds ${bytes.byteLength} bytes where a ${sliceLength}-pixel 16-bit slice needs ${sliceLength * 2}`);
  }
  const offset = sliceIndex * sliceLength;
  if (sliceIndex < 0 || offset + sliceLength > volume.length) throw new Error(`slice ${sliceIndex} is outside the volume`);
  // A view where the bytes lie when they are 2-byte aligned (the series stream's are: each body
  // is its own buffer), else one copy to align them.
  const aligned = bytes.byteOffset % 2 === 0 ? bytes : bytes.slice();
  const stored =
    format.pixelRepresentation === 1
      ? new Int16Array(aligned.buffer, aligned.byteOffset, sliceLength)
      : new Uint16Array(aligned.buffer, aligned.byteOffset, sliceLength);
  const slope = format.rescaleSlope;
  const intercept = format.rescaleIntercept;
  if (slope === 1 && intercept === 0) {
    volume.set(stored, offset);
    return;
  }
  // Typed-array stores convert (Int16/Uint16 wrap, Float32 rounds), as Cornerstone's scaleArray does.
  for (let i = 0; i < sliceLength; i++) volume[offset + i] = stored[i]! * slope + intercept;
}

/**
 * Copy already-decoded pixels (from the loader's decoder) into slice `sliceIndex`, applying the
 * rescale when the decoder did not.
 */
export function writeDecodedFrame(
  volume: VoxelBuffer,
  sliceIndex: number,
  sliceLength: number,
  pixels: ArrayLike<number>,
  rescale: { slope: number; intercept: number } | null,
): void {
  if (pixels.length !== sliceLength) throw new Error(`the decoded frame has ${pixels.length} pixels where a slice has ${sliceLength}`);
  const offset = sliceIndex * sliceLength;
  if (sliceIndex < 0 || offset + sliceLength > volume.length) throw new Error(`slice ${sliceIndex} is outside the volume`);
  if (!rescale || (rescale.slope === 1 && rescale.intercept === 0)) {
    if (ArrayBuffer.isView(pixels)) volume.set(pixels as unknown as ArrayLike<number>, offset);
    else for (let i = 0; i < sliceLength; i++) volume[offset + i] = pixels[i]!;
    return;
  }
  const { slope, intercept } = rescale;
  for (let i = 0; i < sliceLength; i++) volume[offset + i] = pixels[i]! * slope + intercept;
}

/**
 * The values a series' stored pixels can take, in modality units: every stored value of
 * `bitsStored` bits (two's complement when `pixelRepresentation` is 1) through the modality LUT.
 * What a filled volume's slices can hold, known before any frame arrives.
 */
export function modalityValueRange(bitsStored: number, pixelRepresentation: number, rescaleSlope: number, rescaleIntercept: number): { min: number; max: number } {
  if (!Number.isInteger(bitsStored) || bitsStored < 1 || bitsStored > 32) throw new Error(`Bits Stored ${bitsStored} is not a pixel depth (1–32)`);
  const lo = pixelRepresentation === 1 ? -(2 ** (bitsStored - 1)) : 0;
  const hi = pixelRepresentation === 1 ? 2 ** (bitsStored - 1) - 1 : 2 ** bitsStored - 1;
  const a = lo * rescaleSlope + rescaleIntercept;
  const b = hi * rescaleSlope + rescaleIntercept;
  return { min: Math.min(a, b), max: Math.max(a, b) };
}
