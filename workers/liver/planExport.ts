// The plan in the exports (issue 17): each resection surface and each vascular territory as a named
// surface of its own, for GLB (one node each, what it is in `extras`) and STL (one file each).
// - A resection surface is its Bézier patch (a plane cut: the flat patch over the organ) tessellated
//   finely and trimmed to the organ: a triangle is kept when its centroid's nearest voxel is in the
//   organ's voxels (`VoxelMask`), so the file shows the transection, not the patch's margin.
// - A territory is the part of the liver's surface over that territory's voxels
//   (`triangleLabelsFromVoxels`: the label under each triangle), with its volume (the territory's
//   voxels) and share of the liver in `extras`. The parts tile the liver surface.
import type { ExportPlan } from '../../core/contracts/anatomy-worker';
import { meshOfLabel, triangleLabelsFromVoxels, type StructureMesh, type TriangleMesh } from '../../core/domain/mesh';
import { flatPatchOver, tessellateSurface, type ResectionSurface } from '../../core/domain/resectionSurface';
import type { ExportSurface } from '../meshing/exportFormats';
import { surfaceAreaMm2 } from '../meshing/meshMetrics';
import type { VoxelMask } from './margins';

/** The resection surface's colour in the 3D view (Scene3D NEUTRAL_SURFACE), sRGB. */
export const RESECTION_SURFACE_RGB: [number, number, number] = [242, 227, 148];

/** Cells a side of the exported resection surface (the 3D view's margin map uses 48). */
const EXPORT_CELLS = 96;

/** Triangles of `mesh` whose centroid lies in `mask`, vertices compacted. */
function trimToMask(mesh: TriangleMesh, mask: VoxelMask): TriangleMesh {
  const p = mesh.positionsLps;
  const idx = mesh.indices;
  const keep = new Uint16Array(idx.length / 3);
  for (let t = 0; t < keep.length; t++) {
    const a = 3 * idx[3 * t]!, b = 3 * idx[3 * t + 1]!, c = 3 * idx[3 * t + 2]!;
    keep[t] = mask.containsLps((p[a]! + p[b]! + p[c]!) / 3, (p[a + 1]! + p[b + 1]! + p[c + 1]!) / 3, (p[a + 2]! + p[b + 2]! + p[c + 2]!) / 3) ? 1 : 0;
  }
  return meshOfLabel(mesh, keep, 1);
}

function areaCm2(m: TriangleMesh): number {
  return surfaceAreaMm2(m.positionsLps, m.indices) / 100;
}

/** One resection surface as an export surface (trimmed to the organ when its voxels are known). */
export function resectionSurfaceExport(r: ExportPlan['resections'][number], organ: StructureMesh, organMask: VoxelMask | null): ExportSurface {
  const curved = r.patch !== undefined;
  const patch = r.patch ?? flatPatchOver(r.plane, organ.mesh.positionsLps);
  const surface: ResectionSurface = { ...patch, pointLps: r.plane.pointLps, normalLps: r.plane.normalLps };
  const whole = tessellateSurface(surface, EXPORT_CELLS);
  const mesh = organMask === null ? whole : trimToMask(whole, organMask);
  if (mesh.indices.length === 0) throw new Error(`the resection surface "${r.name}" does not cross ${organ.name}: nothing to export for it`);
  return {
    name: r.name,
    colorRgb: RESECTION_SURFACE_RGB,
    mesh,
    opacity: 0.75,
    doubleSided: true,
    extras: {
      kind: 'resectionSurface',
      organ: organ.name,
      organLabel: organ.label,
      shape: curved ? 'bicubic Bézier height field over the plane' : 'plane',
      trimmedToOrgan: organMask !== null,
      areaCm2: Math.round(areaCm2(mesh) * 100) / 100,
      // The defining geometry, in patient LPS mm whatever the file's frame (see core/domain/resectionSurface.ts).
      pointLps: [...r.plane.pointLps],
      normalLps: [...r.plane.normalLps],
      uRangeMm: [...patch.uRangeMm],
      vRangeMm: [...patch.vRangeMm],
      heightsMm: [...patch.heightsMm],
      resectedSide: 'the side the normal points to',
    },
  };
}

/** Each territory's part of the liver surface, named, with its volume and share of the liver. */
export function territoryExports(liver: StructureMesh, t: NonNullable<ExportPlan['territories']>): ExportSurface[] {
  const labels = triangleLabelsFromVoxels(liver.mesh, t.grid, t.labels);
  return t.items.map((item) => {
    const mesh = meshOfLabel(liver.mesh, labels, item.id);
    return {
      name: item.name,
      colorRgb: item.colorRgb,
      mesh,
      extras: {
        kind: 'vascularTerritory',
        territoryId: item.id,
        volumeMl: Math.round(item.volumeMl * 100) / 100,
        percentOfLiver: t.liverMl > 0 ? Math.round((10000 * item.volumeMl) / t.liverMl) / 100 : 0,
        branchGeneration: t.generation,
        liver: liver.name,
        liverLabel: liver.label,
        surface: 'the part of the liver surface over this territory (liver voxels nearest this branch\'s centreline)',
      },
    };
  });
}

/** All the plan's surfaces: resection surfaces first, then territories. */
export function planExportSurfaces(plan: ExportPlan, meshOf: (label: number) => StructureMesh, maskOf: (label: number) => VoxelMask | null): ExportSurface[] {
  const out = plan.resections.map((r) => resectionSurfaceExport(r, meshOf(r.organLabel), maskOf(r.organLabel)));
  if (plan.territories !== undefined && plan.territories.items.length > 0) out.push(...territoryExports(meshOf(plan.territories.liverLabel), plan.territories));
  return out;
}
