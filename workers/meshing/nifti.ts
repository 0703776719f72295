// NIfTI-1/2 label maps → LabelVolume in LPS. Environment-neutral: takes the file's bytes already
// read (and, for .nii.gz, decompressed with `gunzip` below, which uses the standard
// DecompressionStream present in browsers, workers and Node ≥ 18).
//
// Frames: NIfTI world coordinates are RAS mm (qform/sform "scanner" or "aligned" space). DICOM and
// this project use LPS, so x and y change sign: M_lps = diag(−1, −1, 1) · M_ras. The sform is
// preferred when its code is set (as nibabel and ITK do), else the qform, else pixdim scaling.
import { isCompressed, readHeader, readImage, type NIFTI1, type NIFTI2 } from 'nifti-reader-js';
import { type LabelVolume, type VolumeGeometry, type Vec3 } from '../../core/domain/imaging';
import { type LabelTable, presentLabels, segmentsFor } from './labelTable';

export function isGzip(bytes: ArrayBuffer): boolean {
  return isCompressed(bytes);
}

/** Decompress gzip bytes (no-op when not gzip). */
export async function gunzip(bytes: ArrayBuffer): Promise<ArrayBuffer> {
  if (!isGzip(bytes)) return bytes;
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'));
  return new Response(stream).arrayBuffer();
}

/** NIfTI datatype codes (nifti1.h) that can hold label values. */
const DT = { UINT8: 2, INT16: 4, INT32: 8, FLOAT32: 16, FLOAT64: 64, INT8: 256, UINT16: 512, UINT32: 768 } as const;

/** True on little-endian hosts (every browser and Node platform in practice; checked, not assumed). */
const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function typedView(header: NIFTI1 | NIFTI2, image: ArrayBuffer): ArrayLike<number> {
  const le = header.littleEndian;
  const n = image.byteLength;
  // Same byte order as the host (the usual case): view the bytes directly, no copy.
  if (le === HOST_LITTLE_ENDIAN) {
    switch (header.datatypeCode) {
      case DT.INT16:
        if (n % 2 === 0) return new Int16Array(image);
        break;
      case DT.UINT16:
        if (n % 2 === 0) return new Uint16Array(image);
        break;
      case DT.INT32:
        if (n % 4 === 0) return new Int32Array(image);
        break;
      case DT.UINT32:
        if (n % 4 === 0) return new Uint32Array(image);
        break;
      case DT.FLOAT32:
        if (n % 4 === 0) return new Float32Array(image);
        break;
      default:
        break;
    }
  }
  const dv = new DataView(image);
  const read = (bytes: number, get: (o: number) => number): Float64Array => {
    const out = new Float64Array(n / bytes);
    for (let o = 0, v = 0; o < n; o += bytes, v++) out[v] = get(o);
    return out;
  };
  switch (header.datatypeCode) {
    case DT.UINT8:
      return new Uint8Array(image);
    case DT.INT8:
      return new Int8Array(image);
    case DT.INT16:
      return read(2, (o) => dv.getInt16(o, le));
    case DT.UINT16:
      return read(2, (o) => dv.getUint16(o, le));
    case DT.INT32:
      return read(4, (o) => dv.getInt32(o, le));
    case DT.UINT32:
      return read(4, (o) => dv.getUint32(o, le));
    case DT.FLOAT32:
      return read(4, (o) => dv.getFloat32(o, le));
    case DT.FLOAT64:
      return read(8, (o) => dv.getFloat64(o, le));
    default:
      throw new Error(`NIfTI datatype ${header.datatypeCode} cannot hold a label map (expected an integer or float type)`);
  }
}

/** The voxel → RAS affine the header asks for, as rows [[m00..m03],[..],[..]]. */
function rasAffine(header: NIFTI1 | NIFTI2, bytes: ArrayBuffer): number[][] {
  if (header.sform_code > 0 && isNifti1(bytes)) {
    // nifti-reader-js prefers the qform when its code is higher; read the srows (bytes 280–327) ourselves.
    const dv = new DataView(bytes);
    const rows: number[][] = [];
    for (let r = 0; r < 3; r++) {
      const row: number[] = [];
      for (let c = 0; c < 4; c++) row.push(dv.getFloat32(280 + (r * 4 + c) * 4, header.littleEndian));
      rows.push(row);
    }
    return rows;
  }
  return header.affine.slice(0, 3).map((r) => r.slice(0, 4));
}

function isNifti1(bytes: ArrayBuffer): boolean {
  // sizeof_hdr is 348 for NIfTI-1 (540 for NIfTI-2), in either byte order.
  const dv = new DataView(bytes);
  return dv.getInt32(0, true) === 348 || dv.getInt32(0, false) === 348;
}

/** Voxel → RAS affine rows to LPS geometry (spacing = column norms, directions = unit columns). */
export function geometryFromRasAffine(m: number[][], dimensions: Vec3): VolumeGeometry {
  const col = (c: number): Vec3 => [-m[0]![c]!, -m[1]![c]!, m[2]![c]!];
  const spacing: number[] = [];
  const dirs: number[] = [];
  for (let c = 0; c < 3; c++) {
    const v = col(c);
    const len = Math.hypot(v[0], v[1], v[2]);
    if (!(len > 0)) throw new Error(`NIfTI affine column ${c} is zero: the file has no usable voxel spacing`);
    spacing.push(len);
    dirs.push(v[0] / len + 0, v[1] / len + 0, v[2] / len + 0); // + 0 turns −0 into 0
  }
  return {
    dimensions,
    spacingMm: [spacing[0]!, spacing[1]!, spacing[2]!],
    originLps: [-m[0]![3]! + 0, -m[1]![3]! + 0, m[2]![3]! + 0],
    directionLps: dirs as VolumeGeometry['directionLps'],
  };
}

export interface NiftiLabelOptions {
  labelTable?: LabelTable;
  /** Provenance id (file name or URL). */
  sourceId?: string;
}

/** Read an (uncompressed) NIfTI label map. Rejects 4-D files and non-integer or out-of-range labels. */
export function readNiftiLabelMap(bytes: ArrayBuffer, options: NiftiLabelOptions = {}): LabelVolume {
  if (isGzip(bytes)) throw new Error('this NIfTI is gzip-compressed: decompress it with gunzip() first');
  let header: NIFTI1 | NIFTI2;
  try {
    header = readHeader(bytes);
  } catch (e) {
    throw new Error(`not a NIfTI file: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (header === null || header === undefined) throw new Error('not a NIfTI file (no NIfTI-1 or NIfTI-2 header found)');
  const nd = header.dims[0]!;
  const dims: Vec3 = [header.dims[1]!, header.dims[2]!, nd >= 3 ? header.dims[3]! : 1];
  if (nd > 3 && header.dims.slice(4, nd + 1).some((d) => d > 1)) {
    throw new Error(`NIfTI label map must be 3-D, this one has dimensions ${header.dims.slice(1, nd + 1).join('×')}`);
  }
  const values = typedView(header, readImage(header, bytes));
  const count = dims[0] * dims[1] * dims[2];
  if (values.length < count) throw new Error(`NIfTI image data holds ${values.length} voxels, header says ${count}`);
  const slope = header.scl_slope !== 0 && Number.isFinite(header.scl_slope) ? header.scl_slope : 1;
  const inter = Number.isFinite(header.scl_inter) ? header.scl_inter : 0;
  let max = 0;
  for (let v = 0; v < count; v++) {
    const x = values[v]! * slope + inter;
    if (x < 0 || x > 65535 || Math.round(x) !== x) {
      throw new Error(`NIfTI voxel ${v} holds ${x}: a label map needs whole numbers from 0 to 65535 (is this an image, not a segmentation?)`);
    }
    if (x > max) max = x;
  }
  const labels = max <= 255 ? new Uint8Array(count) : new Uint16Array(count);
  for (let v = 0; v < count; v++) labels[v] = values[v]! * slope + inter;
  const geometry = geometryFromRasAffine(rasAffine(header, bytes), dims);
  return {
    ...geometry,
    labels,
    segments: segmentsFor(presentLabels(labels), options.labelTable),
    source: { kind: 'nifti', id: options.sourceId ?? 'nifti' },
  };
}
