// Image volumes as every layer sees them: voxels plus geometry in DICOM patient LPS millimetres.
// Shared by the viewer (src/views/imaging), ingest (core/dicom) and the meshing workers; with the
// grid and point geometry every layer needs (voxel ↔ LPS, same-grid test, distances, angles).

/** A 3-vector in patient LPS millimetres. */
export type Vec3 = [number, number, number];

/** The three orthogonal slice directions of a volume viewer (perpendicular to k, j, i of an axial stack). */
export type SliceAxis = 'axial' | 'coronal' | 'sagittal';

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

export type LabelArray = Uint8Array | Uint16Array;

/**
 * A segmentation on a volume grid, as layers of label maps (0 = background, n = segment n): every
 * segment lives in one layer (`SegmentInfo.layer`, default 0), and segments of different layers may
 * overlap (a tumour inside its liver, a vessel through it), as in DICOM-SEG and 3D Slicer's shared
 * label-map layers. Segments that do not overlap share a layer, so the common case is one array.
 */
export interface LabelVolume extends VolumeGeometry {
  /** Layer 0. */
  labels: LabelArray;
  /** Layers 1, 2, …: `overlapLayers[n − 1]` is layer n. Absent or empty when no segments overlap. */
  overlapLayers?: LabelArray[];
  segments: SegmentInfo[];
  source: ImageVolume['source'];
}

/** A coded concept (DICOM code sequence item): value, scheme designator (SCT, DCM, …), meaning. */
export interface CodedConcept {
  code: string;
  scheme: string;
  meaning: string;
}

export type SegmentAlgorithmType = 'MANUAL' | 'SEMIAUTOMATIC' | 'AUTOMATIC';

export interface SegmentInfo {
  label: number;
  name: string;
  /** sRGB 0–255. */
  colorRgb: [number, number, number];
  /** The label-map layer holding this segment (0 = `labels`); absent = 0. */
  layer?: number;
  /** DICOM-SEG Segmented Property Category / Type (+ modifier) and anatomic region, kept as read. */
  category?: CodedConcept;
  type?: CodedConcept;
  typeModifier?: CodedConcept;
  anatomicRegion?: CodedConcept;
  algorithmType?: SegmentAlgorithmType;
  algorithmName?: string;
}

/** The label array of layer n (0 = `labels`). Throws when the volume has no such layer. */
export function labelLayer(v: LabelVolume, layer: number): LabelArray {
  if (layer === 0) return v.labels;
  const a = v.overlapLayers?.[layer - 1];
  if (a === undefined) throw new Error(`the segmentation has no label layer ${layer}`);
  return a;
}

/** Number of layers (≥ 1). */
export function layerCount(v: LabelVolume): number {
  return 1 + (v.overlapLayers?.length ?? 0);
}

/** One layer as a plain single-layer label volume (its array shared, not copied) with its segments. */
export function layerAsVolume(v: LabelVolume, layer: number): LabelVolume {
  return {
    dimensions: v.dimensions,
    spacingMm: v.spacingMm,
    originLps: v.originLps,
    directionLps: v.directionLps,
    labels: labelLayer(v, layer),
    segments: v.segments.filter((s) => (s.layer ?? 0) === layer).map((s) => ({ ...s, layer: 0 })),
    source: v.source,
  };
}

/** Voxel count of each segment (by label), over all layers. */
export function segmentVoxelCounts(v: LabelVolume): Map<number, number> {
  const out = new Map<number, number>();
  for (let layer = 0; layer < layerCount(v); layer++) {
    const a = labelLayer(v, layer);
    const counts = new Float64Array(a instanceof Uint8Array ? 256 : 65536);
    for (let x = 0; x < a.length; x++) counts[a[x]!]!++;
    for (const s of v.segments) if ((s.layer ?? 0) === layer) out.set(s.label, counts[s.label]!);
  }
  return out;
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

/** Row-major 3×3 matrix A with pointLps = origin + A · ijk. */
export function linearPart(g: VolumeGeometry): number[] {
  const d = g.directionLps;
  const s = g.spacingMm;
  // Column a of A is axis a's direction × spacing a.
  return [d[0] * s[0], d[3] * s[1], d[6] * s[2], d[1] * s[0], d[4] * s[1], d[7] * s[2], d[2] * s[0], d[5] * s[1], d[8] * s[2]];
}

/**
 * Inverse of the row-major 3×3 linear part of a grid (`linearPart`): LPS mm offsets → ijk steps.
 * Throws on a singular geometry (zero spacing or parallel axes).
 */
export function invertLinearPart(m: number[]): number[] {
  const [a, b, c, d, e, f, g, h, i] = m as [number, number, number, number, number, number, number, number, number];
  const A = e * i - f * h;
  const B = -(d * i - f * g);
  const C = d * h - e * g;
  const det = a * A + b * B + c * C;
  if (Math.abs(det) < 1e-12) throw new Error('volume geometry is singular (zero spacing or parallel axes)');
  const r = 1 / det;
  return [A * r, -(b * i - c * h) * r, (b * f - c * e) * r, B * r, (a * i - c * g) * r, -(a * f - c * d) * r, C * r, -(a * h - b * g) * r, (a * e - b * d) * r];
}

/** True when both grids have the same dimensions and their voxel centres agree within tolMm. */
export function sameGrid(a: VolumeGeometry, b: VolumeGeometry, tolMm = 1e-3): boolean {
  if (a.dimensions.some((n, i) => n !== b.dimensions[i])) return false;
  const la = linearPart(a);
  const lb = linearPart(b);
  const corners = [0, 1].flatMap((x) => [0, 1].flatMap((y) => [0, 1].map((z) => [x * (a.dimensions[0] - 1), y * (a.dimensions[1] - 1), z * (a.dimensions[2] - 1)])));
  for (const [i, j, k] of corners) {
    for (let r = 0; r < 3; r++) {
      const pa = a.originLps[r]! + la[3 * r]! * i! + la[3 * r + 1]! * j! + la[3 * r + 2]! * k!;
      const pb = b.originLps[r]! + lb[3 * r]! * i! + lb[3 * r + 1]! * j! + lb[3 * r + 2]! * k!;
      if (Math.abs(pa - pb) > tolMm) return false;
    }
  }
  return true;
}

/** Euclidean distance between two LPS points, in mm. */
export function distanceMm(a: Vec3, b: Vec3): number {
  return Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);
}

/** Angle at `vertex` between the rays to a and b, in degrees (0–180). */
export function angleDeg(a: Vec3, vertex: Vec3, b: Vec3): number {
  const u: Vec3 = [a[0] - vertex[0], a[1] - vertex[1], a[2] - vertex[2]];
  const v: Vec3 = [b[0] - vertex[0], b[1] - vertex[1], b[2] - vertex[2]];
  const lu = Math.hypot(...u);
  const lv = Math.hypot(...v);
  if (lu === 0 || lv === 0) throw new Error('an angle needs two points distinct from its vertex');
  const cos = (u[0] * v[0] + u[1] * v[1] + u[2] * v[2]) / (lu * lv);
  return (Math.acos(Math.min(1, Math.max(-1, cos))) * 180) / Math.PI;
}
