// The mesh benchmark's label volume: 512×512×300 with 5 organ-sized structures of known volume
// (shared by mesh.bench.ts and its memory probe, mesh-memory.ts, which runs in its own process).
import { type LabelVolume, type Vec3, mm3ToMl } from '../core/domain/imaging';
import { axisAlignedGeometry, ellipsoidPhantom } from '../workers/meshing/phantoms';

export const MESH_BENCH = { DIMS: [512, 512, 300] as Vec3, SPACING: [0.75, 0.75, 1.0] as Vec3, BUDGET: 100_000 };
const { DIMS, SPACING } = MESH_BENCH;

/** Adult organ sizes (ellipsoid semi-axes, mm) giving typical volumes: liver ≈ 1.45 L, spleen ≈ 180 mL, kidneys ≈ 150 mL, aorta 25 mm wide. */
export function buildVolume(): { volume: LabelVolume; analyticMl: Map<number, number> } {
  const g = axisAlignedGeometry(DIMS, SPACING, [-191.625, -191.625, -150]);
  const shapes = [
    { label: 1, name: 'liver', centreLps: [-60, 10, 40] as Vec3, radiiMm: [90, 70, 55] as Vec3 },
    { label: 2, name: 'spleen', centreLps: [95, 50, 50] as Vec3, radiiMm: [50, 25, 35] as Vec3 },
    { label: 3, name: 'kidney_right', centreLps: [-70, 70, -40] as Vec3, radiiMm: [28, 25, 50] as Vec3 },
    { label: 4, name: 'kidney_left', centreLps: [70, 70, -45] as Vec3, radiiMm: [28, 25, 50] as Vec3 },
  ];
  const volume = ellipsoidPhantom(g, shapes);
  // Aorta: a vertical tube of radius 12.5 mm from z = −120 to +120 mm (left of the spine).
  const [nI, nJ] = DIMS;
  const r = 12.5;
  for (let k = 0; k < DIMS[2]; k++) {
    const z = g.originLps[2] + k * SPACING[2];
    if (z < -120 || z > 120) continue;
    for (let j = 0; j < nJ; j++) {
      const y = g.originLps[1] + j * SPACING[1] - 30;
      for (let i = 0; i < nI; i++) {
        const x = g.originLps[0] + i * SPACING[0] - 20;
        if (x * x + y * y <= r * r) volume.labels[(k * nJ + j) * nI + i] = 5;
      }
    }
  }
  volume.segments.push({ label: 5, name: 'aorta', colorRgb: [224, 97, 76] });
  const analyticMl = new Map<number, number>(shapes.map((s) => [s.label, mm3ToMl((4 / 3) * Math.PI * s.radiiMm[0] * s.radiiMm[1] * s.radiiMm[2])]));
  analyticMl.set(5, mm3ToMl(Math.PI * r * r * 241)); // 241 slices of 1 mm
  return { volume, analyticMl };
}
