// Patient orientation markers (L/R/A/P/S/I) for the edges of a 2D view, from the camera's
// view-up and view-plane-normal vectors in DICOM LPS. Pure: no Cornerstone import, so it is
// tested in Node and reused by any view that shows a slice.
import type { Vec3 } from '../../../core/domain/imaging';

export interface EdgeLabels {
  top: string;
  bottom: string;
  left: string;
  right: string;
}

const POSITIVE = ['L', 'P', 'S'] as const; // LPS: +x = patient left, +y = posterior, +z = superior
const NEGATIVE = ['R', 'A', 'I'] as const;

/**
 * Letters for the patient direction a vector points to, the dominant axis first, as in DICOM
 * Patient Orientation (C.7.6.1.1.1). Components below `minComponent` are left out so a slightly
 * oblique view still reads "A" rather than "ALS".
 */
export function directionLabel(vLps: Readonly<Vec3>, minComponent = 0.25): string {
  const order = [0, 1, 2].sort((a, b) => Math.abs(vLps[b] ?? 0) - Math.abs(vLps[a] ?? 0));
  let out = '';
  for (const axis of order) {
    const c = vLps[axis] ?? 0;
    if (Math.abs(c) < minComponent) continue;
    out += c > 0 ? POSITIVE[axis as 0 | 1 | 2] : NEGATIVE[axis as 0 | 1 | 2];
  }
  return out;
}

/**
 * Edge labels for a view. Cornerstone's screen right is viewUp × viewPlaneNormal (the same cross
 * product its Viewport uses), which puts patient left on screen right for the standard axial and
 * coronal cameras (radiological convention).
 */
export function edgeLabels(viewUpLps: Readonly<Vec3>, viewPlaneNormalLps: Readonly<Vec3>): EdgeLabels {
  const [ux, uy, uz] = viewUpLps;
  const [nx, ny, nz] = viewPlaneNormalLps;
  const right: Vec3 = [uy * nz - uz * ny, uz * nx - ux * nz, ux * ny - uy * nx];
  const up: Vec3 = [ux, uy, uz];
  return {
    top: directionLabel(up),
    bottom: directionLabel([-ux, -uy, -uz]),
    right: directionLabel(right),
    left: directionLabel([-right[0], -right[1], -right[2]]),
  };
}
