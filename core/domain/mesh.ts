// Surface meshes as every layer sees them: indexed triangles in DICOM patient LPS millimetres.
// Shared by the meshing workers (workers/meshing), the worker client (src/compute/meshing) and the
// Anatomy view. Framework-free: plain data and typed arrays, so meshes cross worker boundaries by
// transfer.
import { type Vec3 } from './imaging';

/**
 * An indexed triangle mesh. Triangles are counter-clockwise seen from outside (right-handed LPS),
 * so the outward normal is (b−a)×(c−a) and the divergence-theorem volume of a closed mesh is positive.
 */
export interface TriangleMesh {
  /** xyz per vertex, LPS mm. */
  positionsLps: Float32Array;
  /** Three vertex indices per triangle. */
  indices: Uint32Array;
  /** Unit vertex normals (area-weighted), LPS; optional until asked for (exports compute them). */
  normalsLps?: Float32Array;
}

/** Numbers the surgeon reads for one structure. Volumes in mL (1 mL = 1000 mm³), area in cm². */
export interface StructureStats {
  voxelCount: number;
  /** voxelCount × voxel volume: what the label map says. */
  voxelVolumeMl: number;
  /** Signed divergence-theorem volume of the final (smoothed, decimated) surface. */
  meshVolumeMl: number;
  /** Same, of the raw extracted surface before smoothing and decimation. */
  rawMeshVolumeMl: number;
  areaCm2: number;
  triangleCount: number;
  /** Triangles straight out of the extractor, before decimation. */
  rawTriangleCount: number;
  /** True when every edge is shared by exactly two triangles (checked on the final mesh). */
  watertight: boolean;
}

export interface StructureMesh {
  label: number;
  name: string;
  /** sRGB 0–255. */
  colorRgb: [number, number, number];
  mesh: TriangleMesh;
  stats: StructureStats;
}

/** A plane in LPS mm: points x with (x − pointLps)·normalLps = 0; normalLps need not be unit. */
export interface PlaneLps {
  pointLps: Vec3;
  normalLps: Vec3;
}

/** A cut plane as the surgeon sets it: two angles for the normal, an offset from the organ's centre. */
export interface CutPlaneParams {
  /** Angle of the normal in the axial (x–y) plane from +x (patient's left) towards +y (posterior), degrees. */
  azimuthDeg: number;
  /** Angle of the normal out of the axial plane towards +z (superior), degrees, −90…90. */
  elevationDeg: number;
  /** Distance of the plane from the organ's bounding-box centre along the normal, mm. */
  offsetMm: number;
}

/** A camera pose in LPS mm: where it is, what it looks at, which way is up on screen. */
export interface CameraPoseLps {
  positionLps: Vec3;
  targetLps: Vec3;
  upLps: Vec3;
}

/** Result of splitting a closed structure by a plane. */
export interface CutVolumes {
  /** Part on the side the plane normal points to (the part to resect), mL. */
  resectedMl: number;
  /** The other part, mL. */
  remnantMl: number;
  totalMl: number;
  /** 0–100. */
  resectedPercent: number;
  remnantPercent: number;
}
