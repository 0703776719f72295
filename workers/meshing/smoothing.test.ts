// Ripple-free surfaces from thick slices (issue 17): shape-based interpolation between slices
// (marchingCubes.ts) followed by Taubin smoothing (smoothing.ts), against the binary surface with
// the same smoothing, on phantoms whose true surface is known. Ripple metric: the area-weighted RMS
// and largest distance of the surface to the analytic ellipsoid (phantoms.ts).
import { describe, expect, it } from 'vitest';
import { type Vec3, mm3ToMl } from '../../core/domain/imaging';
import { edgeReport } from './meshMetrics';
import { axisAlignedGeometry, ellipsoidPhantom, ellipsoidSurfaceErrorMm } from './phantoms';
import { meshLabelVolume } from './surfaces';

describe('surfaces from 5 mm slices (0.75 mm pixels)', () => {
  it('a liver-sized ellipsoid: terraces gone (RMS distance to the true surface 0.35 vs 0.80 mm), volume kept within 1%', async () => {
    // 90 × 70 × 55 mm semi-axes (1.45 L), full pipeline (decimated to 100 000 triangles). Measured:
    // binary + Taubin RMS 0.79 mm, max 2.5 mm (the terraces); interpolated + Taubin RMS 0.35 mm,
    // volume −0.17% vs the voxel volume, −0.10% vs 4/3·π·abc. The largest distance (2.8 mm) is on the
    // flat poles, whose volume-keeping caps stand above the true pole (marchingCubes.ts closeCaps).
    const shape = { label: 1, name: 'liver', centreLps: [0.3, 0.2, 0.7] as Vec3, radiiMm: [90, 70, 55] as Vec3 };
    const g = axisAlignedGeometry([300, 260, 32], [0.75, 0.75, 5], [-112.3, -97.1, -72.4]);
    const volume = ellipsoidPhantom(g, [shape]);
    const [binary] = await meshLabelVolume(volume, { interSliceInterpolation: false });
    const [smooth] = await meshLabelVolume(volume);
    const eBinary = ellipsoidSurfaceErrorMm(binary!.mesh.positionsLps, binary!.mesh.indices, shape);
    const eSmooth = ellipsoidSurfaceErrorMm(smooth!.mesh.positionsLps, smooth!.mesh.indices, shape);
    expect(eBinary.rmsMm).toBeGreaterThan(0.6);
    expect(eSmooth.rmsMm).toBeLessThan(0.5 * eBinary.rmsMm);
    const analyticMl = mm3ToMl((4 / 3) * Math.PI * 90 * 70 * 55);
    expect(Math.abs(smooth!.stats.meshVolumeMl / smooth!.stats.voxelVolumeMl - 1)).toBeLessThan(0.01);
    expect(Math.abs(smooth!.stats.meshVolumeMl / analyticMl - 1)).toBeLessThan(0.01);
    expect(smooth!.stats.watertight).toBe(true);
    expect(edgeReport(smooth!.mesh.indices, smooth!.mesh.positionsLps.length / 3)).toMatchObject({ watertight: true, consistentlyOriented: true });
  });

  it('small spheres (r = 8 and 12 mm, 2–5 slices) keep their voxel volume within 3% whatever the slice offset', async () => {
    // The ends of a structure are closed by volume-keeping caps: a fixed-height dome lost 3–28% here.
    // Measured (mesh vs voxel volume; binary surface in brackets): r = 8 mm +0.55, −1.52, −1.47%
    // (−1.75, −1.90, −1.83%); r = 12 mm −0.93, +0.09, +0.11% (−0.38, −0.83, −0.81%).
    for (const r of [8, 12]) {
      for (const offsetMm of [0, 2, 3]) {
        const shape = { label: 1, name: 'lesion', centreLps: [0, 0, 0] as Vec3, radiiMm: [r, r, r] as Vec3 };
        const volume = ellipsoidPhantom(axisAlignedGeometry([80, 80, 20], [0.75, 0.75, 5], [-30.2, -29.9, -50 + offsetMm]), [shape]);
        const [s] = await meshLabelVolume(volume);
        expect(Math.abs(s!.stats.meshVolumeMl / s!.stats.voxelVolumeMl - 1), `r = ${r} mm, offset ${offsetMm} mm`).toBeLessThan(0.03);
        expect(s!.stats.watertight).toBe(true);
      }
    }
  });
});
