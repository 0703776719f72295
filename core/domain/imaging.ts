// Image volumes as every layer sees them: voxels plus geometry in DICOM patient LPS millimetres.
// Shared by the viewer (src/views/imaging), ingest (src/ingest/dicom) and the meshing workers.

/** A 3-vector in patient LPS millimetres. */
export type Vec3 = [number, number, number];

export interface VolumeGeometry {
  /** Voxels along i (columns), j (rows), k (slices). */
  dimensions: Vec3;
  /** Voxel size in mm along i, j, k. */
  spacingMm: Vec3;
  /** Centre of voxel (0,0,0) in LPS mm. */
  originLps: Vec3;
  /**
   * Unit direction cosines of the i, j and k axes in LPS, row-major 3×3:
   * [iX,iY,iZ, jX,jY,jZ, kX,kY,kZ]. pointLps = originLps + Σ ijk[a]·spacingMm[a]·axis[a].
   */
  directionLps: [number, number, number, number, number, number, number, number, number];
}

export type VoxelArray = Int16Array | Uint16Array | Uint8Array | Float32Array | Int32Array;

/** A scalar volume (CT in HU after rescale, MR in its units). Index = i + j·nI + k·nI·nJ. */
export interface ImageVolume extends VolumeGeometry {
  voxels: VoxelArray;
  /** e.g. 'HU' for CT after rescale slope/intercept. */
  unit: string;
  /** Where the voxels came from (series UID, files, SEG UID), for provenance. */
  source: { kind: 'dicom-series' | 'nifti' | 'dicom-seg' | 'generated'; id: string; description?: string };
}

/** A label map on a volume grid: 0 = background, n = segment n. */
export interface LabelVolume extends VolumeGeometry {
  labels: Uint8Array | Uint16Array;
  segments: SegmentInfo[];
  source: ImageVolume['source'];
}

export interface SegmentInfo {
  label: number;
  name: string;
  /** sRGB 0–255. */
  colorRgb: [number, number, number];
}

export function voxelVolumeMm3(g: VolumeGeometry): number {
  return g.spacingMm[0] * g.spacingMm[1] * g.spacingMm[2];
}

/** 1 mL = 1000 mm³ (peers have shipped a 1000× unit bug here; keep the conversion in one place). */
export function mm3ToMl(mm3: number): number {
  return mm3 / 1000;
}

export function ijkToLps(g: VolumeGeometry, i: number, j: number, k: number, out: Vec3 = [0, 0, 0]): Vec3 {
  const d = g.directionLps;
  const si = i * g.spacingMm[0];
  const sj = j * g.spacingMm[1];
  const sk = k * g.spacingMm[2];
  out[0] = g.originLps[0] + si * d[0] + sj * d[3] + sk * d[6];
  out[1] = g.originLps[1] + si * d[1] + sj * d[4] + sk * d[7];
  out[2] = g.originLps[2] + si * d[2] + sj * d[5] + sk * d[8];
  return out;
}
