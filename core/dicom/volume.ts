// A planned series → ImageVolume (voxels after rescale, geometry in LPS). Native (uncompressed)
// frames are decoded here in plain TypeScript; compressed frames go through a decode hook the
// caller supplies (in the browser, Cornerstone's codecs), so this module has no codec inside.
import dicomParser from 'dicom-parser';
import type { ImageVolume, VoxelArray } from '../domain/imaging';
import { DicomIngestError, describeThrown } from './errors';
import type { SeriesPlan } from './group';
import type { DicomInstance } from './parse';

/** One frame as stored in its file, for a decoder. `bytes` may be a view into the file: do not keep it. */
export interface EncodedFrame {
  transferSyntaxUid: string;
  bytes: Uint8Array;
  rows: number;
  columns: number;
  bitsAllocated: number;
  bitsStored: number;
  pixelRepresentation: 0 | 1;
  samplesPerPixel: number;
  photometricInterpretation: string;
}

/** Decodes a compressed frame to stored pixel values (before rescale), rows×columns samples. */
export type FrameDecoder = (frame: EncodedFrame) => Promise<Int16Array | Uint16Array | Uint8Array | Int32Array | Uint32Array>;

export interface BuildVolumeOptions {
  decodeFrame?: FrameDecoder;
  signal?: AbortSignal;
  /** Called after each slice with (slices done, total). */
  onProgress?: (done: number, total: number) => void;
}

/** The stored bytes of one frame (0-based). Native: a view into the file; encapsulated: the codestream. */
export function frameBytes(inst: DicomInstance, frame: number): Uint8Array {
  try {
    return frameBytesUnchecked(inst, frame);
  } catch (err) {
    if (err instanceof DicomIngestError) throw err;
    throw new DicomIngestError('truncated', `${inst.file}: frame ${frame + 1} is unreadable (${describeThrown(err)})`);
  }
}

function frameBytesUnchecked(inst: DicomInstance, frame: number): Uint8Array {
  if (frame < 0 || frame >= inst.numberOfFrames) {
    throw new DicomIngestError('missing-attribute', `${inst.file}: frame ${frame + 1} does not exist (file has ${inst.numberOfFrames})`);
  }
  const el = inst.dataSet.elements.x7fe00010;
  if (!el) throw new DicomIngestError('non-image', `${inst.file}: no pixel data`);
  if (el.encapsulatedPixelData) {
    const fragments = el.fragments ?? [];
    if (inst.numberOfFrames === 1) {
      // One frame may span several fragments; take them all.
      return dicomParser.readEncapsulatedPixelDataFromFragments(inst.dataSet, el, 0, fragments.length) as Uint8Array;
    }
    const table = el.basicOffsetTable && el.basicOffsetTable.length > 0 ? el.basicOffsetTable : undefined;
    if (!table && fragments.length === inst.numberOfFrames) {
      return dicomParser.readEncapsulatedPixelDataFromFragments(inst.dataSet, el, frame, 1) as Uint8Array;
    }
    const bot = table ?? dicomParser.createJPEGBasicOffsetTable(inst.dataSet, el);
    return dicomParser.readEncapsulatedImageFrame(inst.dataSet, el, frame, bot) as Uint8Array;
  }
  const frameLength = (inst.rows * inst.columns * inst.samplesPerPixel * inst.bitsAllocated) / 8;
  const start = el.dataOffset + frameLength * frame;
  return inst.bytes.subarray(start, start + frameLength);
}

/** The voxel type that holds every rescaled value of the series exactly. */
function outputType(plan: SeriesPlan, instances: readonly DicomInstance[]): 'int16' | 'float32' {
  for (const s of plan.slices) {
    const inst = instances[s.instance]!;
    const g = inst.frames[s.frame]!;
    if (inst.bitsAllocated > 16) return 'float32';
    if (!Number.isInteger(g.rescaleSlope) || !Number.isInteger(g.rescaleIntercept)) return 'float32';
    const bits = inst.bitsStored;
    const lo = inst.pixelRepresentation === 1 ? -(2 ** (bits - 1)) : 0;
    const hi = inst.pixelRepresentation === 1 ? 2 ** (bits - 1) - 1 : 2 ** bits - 1;
    const a = lo * g.rescaleSlope + g.rescaleIntercept;
    const b = hi * g.rescaleSlope + g.rescaleIntercept;
    if (Math.min(a, b) < -32768 || Math.max(a, b) > 32767) return 'float32';
  }
  return 'int16';
}

/**
 * Writes one native frame into `out` at `offset`, masking to BitsStored, sign-extending, and
 * applying rescale. No allocation inside the pixel loop.
 */
function decodeNativeInto(inst: DicomInstance, raw: Uint8Array, out: VoxelArray, offset: number, slope: number, intercept: number): void {
  const n = inst.rows * inst.columns;
  const bits = inst.bitsStored;
  const signed = inst.pixelRepresentation === 1;
  const mask = bits >= 32 ? 0xffffffff : 2 ** bits - 1;
  const signBit = 2 ** (bits - 1);
  const full = 2 ** bits;
  const le = inst.transferSyntax.littleEndian;
  if (inst.bitsAllocated === 8) {
    for (let p = 0; p < n; p++) {
      let v = (raw[p] as number) & mask;
      if (signed && v >= signBit) v -= full;
      out[offset + p] = v * slope + intercept;
    }
    return;
  }
  if (inst.bitsAllocated === 16) {
    for (let p = 0, b = 0; p < n; p++, b += 2) {
      const lo = raw[le ? b : b + 1] as number;
      const hi = raw[le ? b + 1 : b] as number;
      let v = ((hi << 8) | lo) & mask;
      if (signed && v >= signBit) v -= full;
      out[offset + p] = v * slope + intercept;
    }
    return;
  }
  // 32-bit: DataView handles endianness; created once per frame, not per voxel.
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  for (let p = 0; p < n; p++) {
    const v = signed ? view.getInt32(p * 4, le) : view.getUint32(p * 4, le);
    out[offset + p] = v * slope + intercept;
  }
}

function rescaleInto(decoded: ArrayLike<number>, n: number, out: VoxelArray, offset: number, slope: number, intercept: number): void {
  for (let p = 0; p < n; p++) out[offset + p] = (decoded[p] as number) * slope + intercept;
}

export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

export async function buildVolume(
  plan: SeriesPlan,
  instances: readonly DicomInstance[],
  options: BuildVolumeOptions = {},
): Promise<ImageVolume> {
  const first = instances[plan.slices[0]!.instance]!;
  if (first.samplesPerPixel !== 1) {
    throw new DicomIngestError('unsupported', `${first.file}: colour images (${first.photometricInterpretation}) cannot form a scalar volume`);
  }
  if (first.bitsAllocated === 1) throw new DicomIngestError('unsupported', `${first.file}: 1-bit images cannot form a scalar volume`);
  const [nI, nJ, nK] = plan.geometry.dimensions;
  const perSlice = nI * nJ;
  const voxels: VoxelArray = outputType(plan, instances) === 'int16' ? new Int16Array(perSlice * nK) : new Float32Array(perSlice * nK);
  for (let k = 0; k < plan.slices.length; k++) {
    // Yield to the event loop now and then, so a cancel message sent to the worker can arrive.
    if (k % 16 === 15) await yieldToEventLoop();
    if (options.signal?.aborted) throw new DicomIngestError('cancelled', 'loading was cancelled');
    const slice = plan.slices[k]!;
    const inst = instances[slice.instance]!;
    const g = inst.frames[slice.frame]!;
    const raw = frameBytes(inst, slice.frame);
    if (inst.transferSyntax.nativeDecode) {
      decodeNativeInto(inst, raw, voxels, k * perSlice, g.rescaleSlope, g.rescaleIntercept);
    } else {
      if (!options.decodeFrame) {
        throw new DicomIngestError(
          'unsupported',
          `${inst.file}: ${inst.transferSyntax.name} (${inst.transferSyntax.uid}) needs a codec; none was supplied here`,
        );
      }
      const decoded = await options.decodeFrame({
        transferSyntaxUid: inst.transferSyntax.uid,
        bytes: raw,
        rows: inst.rows,
        columns: inst.columns,
        bitsAllocated: inst.bitsAllocated,
        bitsStored: inst.bitsStored,
        pixelRepresentation: inst.pixelRepresentation,
        samplesPerPixel: inst.samplesPerPixel,
        photometricInterpretation: inst.photometricInterpretation,
      });
      if (decoded.length < perSlice) {
        throw new DicomIngestError('truncated', `${inst.file}: decoder returned ${decoded.length} samples, expected ${perSlice}`);
      }
      rescaleInto(decoded, perSlice, voxels, k * perSlice, g.rescaleSlope, g.rescaleIntercept);
    }
    options.onProgress?.(k + 1, plan.slices.length);
  }
  return {
    ...plan.geometry,
    dimensions: [nI, nJ, nK],
    voxels,
    unit: first.modality === 'CT' ? 'HU' : 'stored value (rescaled)',
    source: { kind: 'dicom-series', id: plan.seriesInstanceUid, description: plan.seriesDescription || undefined },
  };
}
