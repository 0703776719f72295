// The meshing pipeline for a label volume: extract (marching cubes, per label, by slab) → LPS mm →
// Taubin smoothing → meshoptimizer decimation → per-structure numbers. The parallel orchestrator
// (parallel.ts) runs the same two steps, extractSlab and finishStructure, on workers.
import { type LabelVolume, type VolumeGeometry, mm3ToMl, voxelVolumeMm3 } from '../../core/domain/imaging';
import { type StructureMesh } from '../../core/domain/mesh';
import { decimate, decimatorReady } from './decimation';
import { extractSlab } from './marchingCubes';
import { ijkMeshToLps, signedVolumeMm3, surfaceAreaMm2, vertexNormals } from './meshMetrics';
import { type FinishRequest, type FinishResult, type MeshingOptions, geometryOf, interSliceOf, wantedSegments } from '../../core/meshing/pipeline';
import { taubinSmooth } from './smoothing';
import { mergeSlabSurfaces, type SlabSurface } from '../../core/meshing/slabs';

export { geometryOf, wantedSegments, type FinishRequest, type FinishResult, type MeshingOptions, type StageTimingsMs } from '../../core/meshing/pipeline';

export const DEFAULT_BUDGET_TRIANGLES = 100_000;
/**
 * Taubin iterations. 10 since the surface is interpolated between slices (MESHING_VERSION 2): on a
 * liver-sized ellipsoid at 0.75 × 0.75 × 1 mm, interpolation + 10 iterations is as close to the true
 * surface (RMS 0.081 mm, area +0.7%) as the binary surface with 20 (0.083 mm, +0.7%), at half the cost;
 * at 5 mm slices the terraces are gone with either (RMS 0.35 mm, binary 0.79 mm).
 */
export const DEFAULT_SMOOTHING_ITERATIONS = 10;

export function defaultMaxErrorMm(g: VolumeGeometry): number {
  return 0.5 * Math.min(g.spacingMm[0], g.spacingMm[1], g.spacingMm[2]);
}

/** Weld, smooth, decimate and measure one extracted surface. Consumes (mutates) the request's buffers. */
export async function finishStructure(req: FinishRequest): Promise<FinishResult> {
  await decimatorReady;
  const { geometry, options } = req;
  const tWeld = performance.now();
  const { positionsIjk: positions, indices, voxelCount } = mergeSlabSurfaces(req.parts);
  const weldMs = performance.now() - tWeld;
  ijkMeshToLps(positions, indices, geometry);
  const rawVolumeMm3 = signedVolumeMm3(positions, indices);
  const rawTriangles = indices.length / 3;

  const t0 = performance.now();
  let mesh = { positionsLps: positions, indices };
  let watertight = rawTriangles > 0;
  const iterations = options.smoothingIterations ?? DEFAULT_SMOOTHING_ITERATIONS;
  if (iterations > 0 && rawTriangles > 0) taubinSmooth(mesh, { iterations });
  const t1 = performance.now();
  if (rawTriangles > 0) {
    const d = decimate(mesh, {
      targetTriangles: options.budgetTriangles ?? DEFAULT_BUDGET_TRIANGLES,
      maxErrorMm: options.maxErrorMm ?? defaultMaxErrorMm(geometry),
      // Marching cubes output is closed by construction (tested) and smoothing keeps topology.
      inputKnownWatertight: true,
    });
    mesh = d.mesh;
    watertight = d.watertight;
  }
  const t2 = performance.now();
  const normalsLps = vertexNormals(mesh);
  const structure: StructureMesh = {
    label: req.segment.label,
    name: req.segment.name,
    colorRgb: req.segment.colorRgb,
    mesh: { positionsLps: mesh.positionsLps, indices: mesh.indices, normalsLps },
    stats: {
      voxelCount,
      voxelVolumeMl: mm3ToMl(voxelCount * voxelVolumeMm3(geometry)),
      meshVolumeMl: mm3ToMl(signedVolumeMm3(mesh.positionsLps, mesh.indices)),
      rawMeshVolumeMl: mm3ToMl(rawVolumeMm3),
      areaCm2: surfaceAreaMm2(mesh.positionsLps, mesh.indices) / 100,
      triangleCount: mesh.indices.length / 3,
      rawTriangleCount: rawTriangles,
      watertight,
    },
  };
  const t3 = performance.now();
  return { structure, timingsMs: { weldMs, smoothMs: t1 - t0, decimateMs: t2 - t1, statsMs: t3 - t2 } };
}

/** Single-thread extraction of the wanted labels (ijk, one slab). */
export function extractAll(volume: LabelVolume, labels: number[], options: MeshingOptions = {}): SlabSurface[] {
  if (volume.labels.length !== volume.dimensions[0] * volume.dimensions[1] * volume.dimensions[2]) {
    throw new Error(`label array has ${volume.labels.length} voxels but dimensions say ${volume.dimensions.join('×')}`);
  }
  return extractSlab({
    labels: volume.labels,
    dimensions: volume.dimensions,
    sliceStart: 0,
    layerStart: -1,
    layerEnd: volume.dimensions[2],
    wanted: labels,
    interSlice: interSliceOf(volume, options),
  });
}

/** The whole pipeline on the calling thread. Structures with no voxels are left out. */
export async function meshLabelVolume(volume: LabelVolume, options: MeshingOptions = {}): Promise<StructureMesh[]> {
  const segments = wantedSegments(volume, options);
  const surfaces = extractAll(
    volume,
    segments.map((s) => s.label),
    options,
  );
  const out: StructureMesh[] = [];
  for (let s = 0; s < segments.length; s++) {
    if (surfaces[s]!.voxelCount === 0) continue;
    const { structure } = await finishStructure({ segment: segments[s]!, parts: [surfaces[s]!], geometry: geometryOf(volume), options });
    out.push(structure);
  }
  return out;
}
