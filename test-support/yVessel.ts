// The territory tests' one synthetic case (issue 17): a Y-shaped "portal vein" in a block "liver"
// on a 60 × 20 × 60 grid of 1 mm voxels centred on the origin (LPS). The trunk runs up the z axis
// from z = −28 mm to the bifurcation at the origin (radius 4 mm); two branches of radius 3 mm go to
// (∓20, 0, 20) mm. The liver is every non-vessel voxel above z = 2 mm, so the two first-generation
// territories are mirror images about x = 0 (equal volumes up to the mid-plane's ties).
// Used by workers/anatomy/territoryJob.test.ts and src/views/anatomy/TerritoryPanel.test.tsx.
import { type Vec3, type VolumeGeometry, ijkToLps } from '../core/domain/imaging';

export const Y_VESSEL_GRID: VolumeGeometry = { dimensions: [60, 20, 60], spacingMm: [1, 1, 1], originLps: [-29.5, -9.5, -29.5], directionLps: [1, 0, 0, 0, 1, 0, 0, 0, 1] };

/** Distance (mm) of point x to the segment p–q. */
function segmentDistanceMm(x: Vec3, p: Vec3, q: Vec3): number {
  const d = [q[0] - p[0], q[1] - p[1], q[2] - p[2]];
  const w = [x[0] - p[0], x[1] - p[1], x[2] - p[2]];
  const t = Math.max(0, Math.min(1, (w[0]! * d[0]! + w[1]! * d[1]! + w[2]! * d[2]!) / (d[0]! ** 2 + d[1]! ** 2 + d[2]! ** 2)));
  return Math.hypot(w[0]! - t * d[0]!, w[1]! - t * d[1]!, w[2]! - t * d[2]!);
}

/** Fresh masks (1 inside) on Y_VESSEL_GRID, and the liver's volume in mL (1 voxel = 1 µL). */
export function yVesselMasks(): { vessel: Uint8Array; liver: Uint8Array; liverMl: number } {
  const [ni, nj, nk] = Y_VESSEL_GRID.dimensions;
  const n = ni * nj * nk;
  const vessel = new Uint8Array(n);
  const liver = new Uint8Array(n);
  const p: Vec3 = [0, 0, 0];
  let liverVoxels = 0;
  for (let x = 0; x < n; x++) {
    ijkToLps(Y_VESSEL_GRID, x % ni, Math.floor(x / ni) % nj, Math.floor(x / (ni * nj)), p);
    const inVessel = segmentDistanceMm(p, [0, 0, -28], [0, 0, 0]) <= 4 || segmentDistanceMm(p, [0, 0, 0], [-20, 0, 20]) <= 3 || segmentDistanceMm(p, [0, 0, 0], [20, 0, 20]) <= 3;
    if (inVessel) vessel[x] = 1;
    else if (p[2] > 2) {
      liver[x] = 1;
      liverVoxels++;
    }
  }
  return { vessel, liver, liverMl: liverVoxels / 1000 };
}
