// Surface meshes as every layer sees them: indexed triangles in DICOM patient LPS millimetres.
// Shared by the meshing workers (workers/meshing), the worker client (src/compute/meshing) and the
// Anatomy view. Framework-free: plain data and typed arrays, so meshes cross worker boundaries by
// transfer.
import { invertLinearPart, linearPart, type Vec3, type VolumeGeometry } from './imaging';

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

/**
 * Which labelled region each triangle of a surface lies on (issue 17: the vascular territories drawn
 * on the liver's surface and exported per territory). A triangle takes the label of the voxel of
 * `grid` containing its centroid; a smoothed marching-cubes surface runs along the boundary between
 * inside and outside voxels, so when that voxel is unlabelled (0) the nearest labelled voxel (by the
 * distance in mm between voxel centres and the centroid) within `searchVoxels` voxels on each axis
 * is taken; 0 when there is none. `labels` holds one label per voxel of `grid`, i fastest.
 */
export function triangleLabelsFromVoxels(mesh: TriangleMesh, grid: VolumeGeometry, labels: ArrayLike<number>, searchVoxels = 2): Uint16Array {
  const [nI, nJ, nK] = grid.dimensions;
  if (labels.length !== nI * nJ * nK) throw new Error(`triangle labels: ${labels.length} labels for a ${nI}×${nJ}×${nK} grid`);
  if (!(Number.isInteger(searchVoxels) && searchVoxels >= 0 && searchVoxels <= 8)) throw new Error(`triangle labels: search radius ${searchVoxels} voxels is not 0–8`);
  const a = linearPart(grid);
  const inv = invertLinearPart(a);
  const o = grid.originLps;
  const p = mesh.positionsLps;
  const idx = mesh.indices;
  const out = new Uint16Array(idx.length / 3);
  for (let t = 0; t < out.length; t++) {
    const va = 3 * idx[3 * t]!, vb = 3 * idx[3 * t + 1]!, vc = 3 * idx[3 * t + 2]!;
    const x = (p[va]! + p[vb]! + p[vc]!) / 3 - o[0];
    const y = (p[va + 1]! + p[vb + 1]! + p[vc + 1]!) / 3 - o[1];
    const z = (p[va + 2]! + p[vb + 2]! + p[vc + 2]!) / 3 - o[2];
    const fi = inv[0]! * x + inv[1]! * y + inv[2]! * z;
    const fj = inv[3]! * x + inv[4]! * y + inv[5]! * z;
    const fk = inv[6]! * x + inv[7]! * y + inv[8]! * z;
    const i0 = Math.round(fi), j0 = Math.round(fj), k0 = Math.round(fk);
    if (i0 >= 0 && i0 < nI && j0 >= 0 && j0 < nJ && k0 >= 0 && k0 < nK) {
      const l = labels[i0 + nI * (j0 + nJ * k0)]!;
      if (l !== 0) {
        out[t] = l;
        continue;
      }
    }
    let best = 0;
    let bestD2 = Infinity;
    for (let dk = -searchVoxels; dk <= searchVoxels; dk++) {
      const k = k0 + dk;
      if (k < 0 || k >= nK) continue;
      for (let dj = -searchVoxels; dj <= searchVoxels; dj++) {
        const j = j0 + dj;
        if (j < 0 || j >= nJ) continue;
        for (let di = -searchVoxels; di <= searchVoxels; di++) {
          const i = i0 + di;
          if (i < 0 || i >= nI) continue;
          const l = labels[i + nI * (j + nJ * k)]!;
          if (l === 0) continue;
          // Centroid-to-voxel-centre distance in mm: A · (ijk − fijk).
          const ei = i - fi, ej = j - fj, ek = k - fk;
          const ex = a[0]! * ei + a[1]! * ej + a[2]! * ek;
          const ey = a[3]! * ei + a[4]! * ej + a[5]! * ek;
          const ez = a[6]! * ei + a[7]! * ej + a[8]! * ek;
          const d2 = ex * ex + ey * ey + ez * ez;
          if (d2 < bestD2) {
            bestD2 = d2;
            best = l;
          }
        }
      }
    }
    out[t] = best;
  }
  return out;
}

/**
 * The triangles of `mesh` whose label (from `triangleLabelsFromVoxels`) is `label`, as a mesh of
 * their own: vertices compacted (in first-use order), normals carried when the mesh has them.
 */
export function meshOfLabel(mesh: TriangleMesh, triangleLabels: Uint16Array, label: number): TriangleMesh {
  const idx = mesh.indices;
  if (triangleLabels.length * 3 !== idx.length) throw new Error(`mesh of label: ${triangleLabels.length} triangle labels for ${idx.length / 3} triangles`);
  const remap = new Int32Array(mesh.positionsLps.length / 3).fill(-1);
  let triangles = 0;
  let vertices = 0;
  for (let t = 0; t < triangleLabels.length; t++) {
    if (triangleLabels[t] !== label) continue;
    triangles++;
    for (let c = 0; c < 3; c++) {
      const v = idx[3 * t + c]!;
      if (remap[v] === -1) remap[v] = vertices++;
    }
  }
  const positionsLps = new Float32Array(3 * vertices);
  const normalsLps = mesh.normalsLps ? new Float32Array(3 * vertices) : undefined;
  const indices = new Uint32Array(3 * triangles);
  let w = 0;
  for (let t = 0; t < triangleLabels.length; t++) {
    if (triangleLabels[t] !== label) continue;
    for (let c = 0; c < 3; c++) indices[w++] = remap[idx[3 * t + c]!]!;
  }
  for (let v = 0; v < remap.length; v++) {
    const r = remap[v]!;
    if (r < 0) continue;
    for (let x = 0; x < 3; x++) {
      positionsLps[3 * r + x] = mesh.positionsLps[3 * v + x]!;
      if (normalsLps) normalsLps[3 * r + x] = mesh.normalsLps![3 * v + x]!;
    }
  }
  return normalsLps ? { positionsLps, indices, normalsLps } : { positionsLps, indices };
}
