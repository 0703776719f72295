import { describe, expect, it } from 'vitest';
import { mm3ToMl, voxelVolumeMm3 } from '../../core/domain/imaging';
import { sampledHausdorffMm } from './closestPoint';
import { decimate, decimatorReady } from './decimation';
import { mergeSlabSurfaces } from './marchingCubes';
import { edgeReport, ijkMeshToLps, signedVolumeMm3, surfaceAreaMm2 } from './meshMetrics';
import { axisAlignedGeometry, ellipsoidPhantom } from './phantoms';
import { taubinSmooth } from './smoothing';
import { extractAll, meshLabelVolume } from './surfaces';

// A sphere of radius 20 mm on a 1 × 1 × 1.5 mm grid (anisotropic like a CT): analytic
// V = 4/3·π·r³ = 33 510.3 mm³ = 33.51 mL, A = 4·π·r² = 5 026.5 mm².
const R = 20;
const g = axisAlignedGeometry([56, 56, 40], [1, 1, 1.5], [-27.5, -27.5, -29.25]);
const ball = ellipsoidPhantom(g, [{ label: 1, name: 'ball', centreLps: [0, 0, 0], radiiMm: [R, R, R] }]);
const analyticMm3 = (4 / 3) * Math.PI * R ** 3;
const analyticAreaMm2 = 4 * Math.PI * R * R;

function rawBall(): { positionsLps: Float32Array; indices: Uint32Array; voxelMm3: number } {
  const m = mergeSlabSurfaces(extractAll(ball, [1]));
  ijkMeshToLps(m.positionsIjk, m.indices, g);
  return { positionsLps: m.positionsIjk, indices: m.indices, voxelMm3: m.voxelCount * voxelVolumeMm3(g) };
}

describe('surface pipeline on a sphere phantom', () => {
  it('raw surface: watertight, outward, volume within 2% of the voxel volume', () => {
    const m = rawBall();
    expect(Math.abs(m.voxelMm3 / analyticMm3 - 1)).toBeLessThan(0.01); // the mask itself is faithful
    const v = signedVolumeMm3(m.positionsLps, m.indices);
    expect(v).toBeGreaterThan(0);
    expect(Math.abs(v / m.voxelMm3 - 1)).toBeLessThan(0.02);
    expect(edgeReport(m.indices, m.positionsLps.length / 3)).toMatchObject({ watertight: true, consistentlyOriented: true });
  });

  it('Taubin smoothing keeps the volume within 3% of the voxel volume and brings the area within 3% of 4πr²', () => {
    const m = rawBall();
    const mesh = { positionsLps: m.positionsLps, indices: m.indices };
    const rawArea = surfaceAreaMm2(mesh.positionsLps, mesh.indices);
    taubinSmooth(mesh);
    const v = signedVolumeMm3(mesh.positionsLps, mesh.indices);
    expect(Math.abs(v / m.voxelMm3 - 1)).toBeLessThan(0.03);
    expect(Math.abs(v / analyticMm3 - 1)).toBeLessThan(0.03);
    const area = surfaceAreaMm2(mesh.positionsLps, mesh.indices);
    expect(area).toBeLessThan(rawArea); // the staircase is gone
    expect(Math.abs(area / analyticAreaMm2 - 1)).toBeLessThan(0.03);
  });

  it('decimation to a budget keeps the surface within one voxel (sampled Hausdorff both ways)', async () => {
    await decimatorReady;
    const m = rawBall();
    const smooth = { positionsLps: m.positionsLps, indices: m.indices };
    taubinSmooth(smooth);
    const before = smooth.indices.length / 3;
    const { mesh } = decimate(smooth, { targetTriangles: 1500, maxErrorMm: 0.5 });
    expect(mesh.indices.length / 3).toBeLessThanOrEqual(1500);
    expect(mesh.indices.length / 3).toBeLessThan(before / 4);
    const oneVoxelMm = Math.min(...g.spacingMm);
    const h = Math.max(sampledHausdorffMm(mesh, smooth), sampledHausdorffMm(smooth, mesh));
    expect(h).toBeLessThan(oneVoxelMm);
    expect(edgeReport(mesh.indices, mesh.positionsLps.length / 3).watertight).toBe(true);
    expect(Math.abs(signedVolumeMm3(mesh.positionsLps, mesh.indices) / m.voxelMm3 - 1)).toBeLessThan(0.03);
  });

  it('meshLabelVolume reports mL (not mm³) and keeps a mirrored grid outward-oriented', async () => {
    const mirrored = { ...ball, directionLps: [-1, 0, 0, 0, 1, 0, 0, 0, 1] as typeof ball.directionLps };
    for (const volume of [ball, mirrored]) {
      const [s] = await meshLabelVolume(volume, { budgetTriangles: 4000 });
      expect(s!.stats.voxelVolumeMl).toBeCloseTo(mm3ToMl(s!.stats.voxelCount * 1.5), 9);
      expect(s!.stats.voxelVolumeMl).toBeGreaterThan(33 * 0.98);
      expect(s!.stats.voxelVolumeMl).toBeLessThan(34 * 1.02);
      expect(s!.stats.meshVolumeMl / s!.stats.voxelVolumeMl).toBeGreaterThan(0.97);
      expect(s!.stats.meshVolumeMl / s!.stats.voxelVolumeMl).toBeLessThan(1.03);
      expect(s!.stats.triangleCount).toBeLessThanOrEqual(4000);
      expect(s!.stats.watertight).toBe(true);
      expect(s!.mesh.normalsLps!.length).toBe(s!.mesh.positionsLps.length);
    }
  });
});
