import { describe, expect, it } from 'vitest';
import { canWriteNative, isNativeLittleEndian, modalityValueRange, writeDecodedFrame, writeNativeFrame, type FramePixelFormat } from './volumeFill';

const CT: FramePixelFormat = { bitsAllocated: 16, pixelRepresentation: 0, samplesPerPixel: 1, rescaleSlope: 1, rescaleIntercept: -1024 };

/** Little-endian bytes of 16-bit stored values, as a WADO-RS frame part carries them. */
function le16(values: number[]): Uint8Array {
  const out = new Uint8Array(values.length * 2);
  values.forEach((v, i) => {
    const u = v & 0xffff;
    out[2 * i] = u & 0xff;
    out[2 * i + 1] = u >> 8;
  });
  return out;
}

describe('writing frames into the volume buffer', () => {
  it('knows which transfer syntaxes are the stored values as they lie', () => {
    expect(isNativeLittleEndian('1.2.840.10008.1.2')).toBe(true);
    expect(isNativeLittleEndian('1.2.840.10008.1.2.1')).toBe(true);
    expect(isNativeLittleEndian('1.2.840.10008.1.2.2')).toBe(false); // big endian
    expect(isNativeLittleEndian('1.2.840.10008.1.2.1.99')).toBe(false); // deflated
    expect(isNativeLittleEndian('1.2.840.10008.1.2.4.90')).toBe(false);
    expect(canWriteNative({ ...CT, bitsAllocated: 8 })).toBe(false);
    expect(canWriteNative({ ...CT, samplesPerPixel: 3 })).toBe(false);
  });

  it('rescales unsigned CT values to HU into its slice of an Int16 volume, leaving the others alone', () => {
    const vol = new Int16Array(3 * 4).fill(7);
    // Stored 0 → −1024 HU (air), 1024 → 0 HU (water), 2024 → 1000 HU, 4095 → 3071 HU.
    writeNativeFrame(vol, 1, 4, le16([0, 1024, 2024, 4095]), CT);
    expect([...vol]).toEqual([7, 7, 7, 7, -1024, 0, 1000, 3071, 7, 7, 7, 7]);
  });

  it('reads two’s-complement values when the pixel representation is signed', () => {
    const vol = new Int16Array(4);
    writeNativeFrame(vol, 0, 4, le16([-2000, -1, 0, 3000]), { ...CT, pixelRepresentation: 1, rescaleIntercept: 0 });
    expect([...vol]).toEqual([-2000, -1, 0, 3000]);
  });

  it('applies a fractional slope into a Float32 volume', () => {
    const vol = new Float32Array(2);
    writeNativeFrame(vol, 0, 2, le16([10, 20]), { ...CT, rescaleSlope: 0.5, rescaleIntercept: -3.25 });
    expect([...vol]).toEqual([1.75, 6.75]);
  });

  it('copies a frame whose bytes start at an odd offset', () => {
    const backing = new Uint8Array(9);
    backing.set(le16([1024, 1025, 1026, 1027]), 1);
    const vol = new Int16Array(4);
    writeNativeFrame(vol, 0, 4, backing.subarray(1), CT);
    expect([...vol]).toEqual([0, 1, 2, 3]);
  });

  it('refuses a frame of the wrong length or a slice outside the volume, writing nothing', () => {
    const vol = new Int16Array(8).fill(5);
    expect(() => writeNativeFrame(vol, 0, 4, le16([1, 2, 3]), CT)).toThrow(/6 bytes where a 4-pixel 16-bit slice needs 8/);
    expect(() => writeNativeFrame(vol, 2, 4, le16([1, 2, 3, 4]), CT)).toThrow(/slice 2 is outside/);
    expect([...vol]).toEqual([5, 5, 5, 5, 5, 5, 5, 5]);
  });

  it('copies decoded pixels, rescaling only when the decoder did not', () => {
    const vol = new Int16Array(4);
    writeDecodedFrame(vol, 0, 2, new Int16Array([-1000, 40]), null);
    writeDecodedFrame(vol, 1, 2, new Uint16Array([24, 1064]), { slope: 1, intercept: -1024 });
    expect([...vol]).toEqual([-1000, 40, -1000, 40]);
    expect(() => writeDecodedFrame(vol, 0, 2, new Int16Array(3), null)).toThrow(/3 pixels where a slice has 2/);
  });
});

describe('modalityValueRange (what a filled slice can hold before it is filled)', () => {
  it('is the stored range through the modality LUT', () => {
    // 12-bit unsigned CT, intercept −1024: 0…4095 → −1024…3071 HU.
    expect(modalityValueRange(12, 0, 1, -1024)).toEqual({ min: -1024, max: 3071 });
    // 16-bit signed, no LUT: −32768…32767.
    expect(modalityValueRange(16, 1, 1, 0)).toEqual({ min: -32768, max: 32767 });
    // A negative slope swaps the ends.
    expect(modalityValueRange(8, 0, -2, 10)).toEqual({ min: -500, max: 10 });
  });

  it('refuses a bit depth that is none', () => {
    expect(() => modalityValueRange(0, 0, 1, 0)).toThrow(/Bits Stored 0/);
  });
});
