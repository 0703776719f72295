// Synthetic label volumes with known analytic answers, for tests and the benchmark.
import { type LabelVolume, type Vec3, type VolumeGeometry } from '../../core/domain/imaging';

export function axisAlignedGeometry(dimensions: Vec3, spacingMm: Vec3, originLps: Vec3 = [0, 0, 0]): VolumeGeometry {
  return { dimensions, spacingMm, originLps, directionLps: [1, 0, 0, 0, 1, 0, 0, 0, 1] };
}

export interface EllipsoidSpec {
  label: number;
  name: string;
  /** Centre in LPS mm (axis-aligned grids only). */
  centreLps: Vec3;
  radiiMm: Vec3;
  colorRgb?: [number, number, number];
}

/** A label volume of axis-aligned ellipsoids painted in order (later ones overwrite earlier ones). */
export function ellipsoidPhantom(g: VolumeGeometry, shapes: EllipsoidSpec[]): LabelVolume {
  const [nI, nJ, nK] = g.dimensions;
  const labels = new Uint8Array(nI * nJ * nK);
  for (const s of shapes) {
    const [cx, cy, cz] = s.centreLps;
    const [rx, ry, rz] = s.radiiMm;
    const kLo = Math.max(0, Math.floor((cz - rz - g.originLps[2]) / g.spacingMm[2]));
    const kHi = Math.min(nK - 1, Math.ceil((cz + rz - g.originLps[2]) / g.spacingMm[2]));
    for (let k = kLo; k <= kHi; k++) {
      const z = (g.originLps[2] + k * g.spacingMm[2] - cz) / rz;
      for (let j = 0; j < nJ; j++) {
        const y = (g.originLps[1] + j * g.spacingMm[1] - cy) / ry;
        const rest = 1 - z * z - y * y;
        if (rest < 0) continue;
        const half = Math.sqrt(rest) * rx;
        const iLo = Math.max(0, Math.ceil((cx - half - g.originLps[0]) / g.spacingMm[0]));
        const iHi = Math.min(nI - 1, Math.floor((cx + half - g.originLps[0]) / g.spacingMm[0]));
        const row = (k * nJ + j) * nI;
        for (let i = iLo; i <= iHi; i++) labels[row + i] = s.label;
      }
    }
  }
  return {
    ...g,
    labels,
    segments: shapes.map((s) => ({ label: s.label, name: s.name, colorRgb: s.colorRgb ?? [200, 120, 100] })),
    source: { kind: 'generated', id: 'ellipsoid-phantom' },
  };
}

/** A box of voxels [lo, hi] (inclusive ijk) set to `label`. */
export function paintBox(labels: Uint8Array, dims: Vec3, lo: Vec3, hi: Vec3, label: number): void {
  for (let k = lo[2]; k <= hi[2]; k++)
    for (let j = lo[1]; j <= hi[1]; j++) for (let i = lo[0]; i <= hi[0]; i++) labels[(k * dims[1] + j) * dims[0] + i] = label;
}
