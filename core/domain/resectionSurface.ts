// Geometry of the curved resection surface (issue 17, liver planner). UI-free and framework-free, so
// the Anatomy view draws it and workers/liver/resectionSurface.ts counts its volumes from one
// definition. A curved resection surface started from a cut plane, in the spirit of
// Slicer-Liver's deformable Bézier resection (Palomar R. et al., "A novel method for planning liver
// resections using deformable Bézier surfaces and distance maps", Comput Methods Programs Biomed
// 2017;144:135–45): a bicubic Bézier patch with 4×4 control points laid over the organ's extent in
// the plane. Here the patch is a *height field* over the plane — each control point moves only
// along the plane's normal — so every point of space lies on exactly one side of it:
//   side(p) = dot(p − p0, n) − h(u, v),  u = dot(p − p0, e_u),  v = dot(p − p0, e_v),
// h the bicubic Bézier of the 16 control heights over the patch (clamped at its edges: outside
// the patch the edge heights continue). side ≥ 0 is resected (the side the normal points to, as
// for a plane in workers/meshing/planning.ts); side < 0 is the remnant. A plane is h ≡ 0.
// The Bézier hull property bounds h between the smallest and largest control height, so a voxel
// whose plane distance lies outside that band is classified without evaluating h at all: a drag
// evaluates the patch only in the slab the surface sweeps.
import { type Vec3 } from './imaging';
import { type PlaneLps, type TriangleMesh } from './mesh';

/** The patch laid over a plane: its extent in the plane and the 16 control heights. */
export interface SurfacePatch {
  /** Extent along the plane's first in-plane axis (`planeAxesLps(normal).uLps`), mm from the plane point. */
  uRangeMm: [number, number];
  /** Extent along the second in-plane axis (`vLps`), mm from the plane point. */
  vRangeMm: [number, number];
  /** Control heights along the normal, mm: index 4·row + column, row along v, column along u. */
  heightsMm: number[];
}

/** A patch placed on a plane (point + unit normal, LPS mm). */
export interface ResectionSurface extends SurfacePatch {
  pointLps: Vec3;
  normalLps: Vec3;
}

export const CONTROL_POINTS = 16;

export function unitVector(v: Vec3, what: string): Vec3 {
  const len = Math.hypot(v[0], v[1], v[2]);
  if (!(len > 0) || !Number.isFinite(len)) throw new Error(`${what} must be a non-zero finite vector`);
  return [v[0] / len, v[1] / len, v[2] / len];
}

/**
 * The in-plane axes of a plane, a fixed function of its normal so a saved plan needs only the
 * normal: e_u = normalise(n × ref), e_v = n × e_u, with ref = +S (superior) unless the normal is
 * within ~25° of it, then ref = +P. (e_u, e_v, n) is right-handed.
 */
export function planeAxesLps(normalLps: Vec3): { uLps: Vec3; vLps: Vec3 } {
  const n = unitVector(normalLps, 'the plane normal');
  const ref: Vec3 = Math.abs(n[2]) < 0.9 ? [0, 0, 1] : [0, 1, 0];
  const u = unitVector([n[1] * ref[2] - n[2] * ref[1], n[2] * ref[0] - n[0] * ref[2], n[0] * ref[1] - n[1] * ref[0]], 'the in-plane axis');
  const v: Vec3 = [n[1] * u[2] - n[2] * u[1], n[2] * u[0] - n[0] * u[2], n[0] * u[1] - n[1] * u[0]];
  return { uLps: u, vLps: v };
}

/** Check a patch: finite extents with positive width, 16 finite heights. Throws naming the problem. */
export function validatePatch(p: SurfacePatch): void {
  for (const [name, r] of [['u', p.uRangeMm], ['v', p.vRangeMm]] as const) {
    if (!Array.isArray(r) || r.length !== 2 || !Number.isFinite(r[0]) || !Number.isFinite(r[1]) || !(r[1] > r[0])) {
      throw new Error(`resection surface ${name} extent must be two finite mm values, low < high; got ${JSON.stringify(r)}`);
    }
  }
  if (!Array.isArray(p.heightsMm) || p.heightsMm.length !== CONTROL_POINTS) throw new Error(`a resection surface needs ${CONTROL_POINTS} control heights, got ${Array.isArray(p.heightsMm) ? p.heightsMm.length : typeof p.heightsMm}`);
  p.heightsMm.forEach((h, i) => {
    if (!Number.isFinite(h)) throw new Error(`control point ${i + 1} height must be a finite number of mm, got ${String(h)}`);
  });
}

/**
 * A flat patch covering `positionsLps` (an organ's surface vertices) projected on the plane, with
 * `marginFraction` of its width added on each side, so the surface spans the whole organ.
 */
export function flatPatchOver(plane: PlaneLps, positionsLps: Float32Array, marginFraction = 0.1): SurfacePatch {
  if (positionsLps.length < 3) throw new Error('the organ has no vertices to lay the surface over');
  const { uLps: u, vLps: v } = planeAxesLps(plane.normalLps);
  const [ox, oy, oz] = plane.pointLps;
  let u0 = Infinity, u1 = -Infinity, v0 = Infinity, v1 = -Infinity;
  for (let q = 0; q < positionsLps.length; q += 3) {
    const x = positionsLps[q]! - ox, y = positionsLps[q + 1]! - oy, z = positionsLps[q + 2]! - oz;
    const a = x * u[0] + y * u[1] + z * u[2];
    const b = x * v[0] + y * v[1] + z * v[2];
    if (a < u0) u0 = a;
    if (a > u1) u1 = a;
    if (b < v0) v0 = b;
    if (b > v1) v1 = b;
  }
  const mu = Math.max(1, (u1 - u0) * marginFraction);
  const mv = Math.max(1, (v1 - v0) * marginFraction);
  // Whole millimetres: the saved plan reads as the surgeon would write it.
  return { uRangeMm: [Math.floor(u0 - mu), Math.ceil(u1 + mu)], vRangeMm: [Math.floor(v0 - mv), Math.ceil(v1 + mv)], heightsMm: new Array<number>(CONTROL_POINTS).fill(0) };
}

/** Height (mm along the normal) of the patch at in-plane coordinates (u, v) mm; clamped outside the patch. */
export function patchHeightMm(p: SurfacePatch, uMm: number, vMm: number): number {
  return bezierHeightAtUnitMm(
    p.heightsMm,
    (uMm - p.uRangeMm[0]) / (p.uRangeMm[1] - p.uRangeMm[0]),
    (vMm - p.vRangeMm[0]) / (p.vRangeMm[1] - p.vRangeMm[0]),
  );
}

/**
 * The bicubic Bézier height field itself: heights (mm, 4×4 control points, row-major in v then u)
 * at patch coordinates (s, t) ∈ [0, 1]², clamped outside. The one evaluation the view, the plan and
 * the voxel kernel (`workers/liver/resectionSurface.ts`) share; allocation-free for hot loops.
 */
export function bezierHeightAtUnitMm(h: ArrayLike<number>, s: number, t: number): number {
  s = s < 0 ? 0 : s > 1 ? 1 : s;
  t = t < 0 ? 0 : t > 1 ? 1 : t;
  const s1 = 1 - s, t1 = 1 - t;
  const bs0 = s1 * s1 * s1, bs1 = 3 * s * s1 * s1, bs2 = 3 * s * s * s1, bs3 = s * s * s;
  const bt0 = t1 * t1 * t1, bt1 = 3 * t * t1 * t1, bt2 = 3 * t * t * t1, bt3 = t * t * t;
  return (
    bt0 * (bs0 * h[0]! + bs1 * h[1]! + bs2 * h[2]! + bs3 * h[3]!) +
    bt1 * (bs0 * h[4]! + bs1 * h[5]! + bs2 * h[6]! + bs3 * h[7]!) +
    bt2 * (bs0 * h[8]! + bs1 * h[9]! + bs2 * h[10]! + bs3 * h[11]!) +
    bt3 * (bs0 * h[12]! + bs1 * h[13]! + bs2 * h[14]! + bs3 * h[15]!)
  );
}

/** True when every control height is 0: the surface is its plane. */
export function isFlat(p: SurfacePatch): boolean {
  return p.heightsMm.every((h) => h === 0);
}

/** The 16 control points in LPS mm (xyz each), index 4·row + column as `heightsMm`. */
export function controlPointsLps(s: ResectionSurface): Float64Array {
  const n = unitVector(s.normalLps, 'the plane normal');
  const { uLps: u, vLps: v } = planeAxesLps(n);
  const out = new Float64Array(3 * CONTROL_POINTS);
  for (let r = 0; r < 4; r++) {
    for (let c = 0; c < 4; c++) {
      const a = s.uRangeMm[0] + (c / 3) * (s.uRangeMm[1] - s.uRangeMm[0]);
      const b = s.vRangeMm[0] + (r / 3) * (s.vRangeMm[1] - s.vRangeMm[0]);
      const h = s.heightsMm[4 * r + c]!;
      for (let x = 0; x < 3; x++) out[3 * (4 * r + c) + x] = s.pointLps[x]! + a * u[x]! + b * v[x]! + h * n[x]!;
    }
  }
  return out;
}

/** Signed height of a point above the surface along the normal (mm): ≥ 0 resected, < 0 remnant. */
export function sideOfPointMm(s: ResectionSurface, pLps: Vec3): number {
  const n = unitVector(s.normalLps, 'the plane normal');
  const { uLps: u, vLps: v } = planeAxesLps(n);
  const x = pLps[0] - s.pointLps[0], y = pLps[1] - s.pointLps[1], z = pLps[2] - s.pointLps[2];
  return x * n[0] + y * n[1] + z * n[2] - patchHeightMm(s, x * u[0] + y * u[1] + z * u[2], x * v[0] + y * v[1] + z * v[2]);
}

/**
 * The surface as triangles for display and the margin map: a (cells+1)² vertex grid over the patch,
 * positions in LPS mm, counter-clockwise seen from the normal's side.
 */
export function tessellateSurface(s: ResectionSurface, cells = 48): TriangleMesh {
  if (!(Number.isInteger(cells) && cells >= 1 && cells <= 512)) throw new Error(`surface tessellation needs 1–512 cells a side, got ${cells}`);
  validatePatch(s);
  const n = unitVector(s.normalLps, 'the plane normal');
  const { uLps: u, vLps: v } = planeAxesLps(n);
  const m = cells + 1;
  const pos = new Float32Array(3 * m * m);
  for (let r = 0; r < m; r++) {
    for (let c = 0; c < m; c++) {
      const a = s.uRangeMm[0] + (c / cells) * (s.uRangeMm[1] - s.uRangeMm[0]);
      const b = s.vRangeMm[0] + (r / cells) * (s.vRangeMm[1] - s.vRangeMm[0]);
      const h = patchHeightMm(s, a, b);
      const q = 3 * (r * m + c);
      for (let x = 0; x < 3; x++) pos[q + x] = s.pointLps[x]! + a * u[x]! + b * v[x]! + h * n[x]!;
    }
  }
  const idx = new Uint32Array(6 * cells * cells);
  let t = 0;
  for (let r = 0; r < cells; r++) {
    for (let c = 0; c < cells; c++) {
      const a = r * m + c;
      idx[t++] = a; idx[t++] = a + 1; idx[t++] = a + m + 1;
      idx[t++] = a; idx[t++] = a + m + 1; idx[t++] = a + m;
    }
  }
  return { positionsLps: pos, indices: idx };
}

/**
 * Colour bands of the safety-margin map (distance from the resection surface to a tumour or a
 * chosen vessel, mm). Colorectal liver metastases: a margin under 1 mm counts as R1 (involved) and
 * predicts recurrence (Pawlik TM et al., Ann Surg 2005;241:715–22); wider margins, up to the
 * classic 1 cm, go with longer survival (Sadot E et al., Ann Surg 2015;262:476–85; the "1 cm rule",
 * Ekberg H et al., Br J Surg 1986;73:727–31). For a vessel the same bands read as how close the
 * transection runs to it. `belowMm` is exclusive: 1 mm exactly is orange.
 */
export const MARGIN_BANDS: ReadonlyArray<{ belowMm: number; label: string; colorRgb: [number, number, number] }> = [
  { belowMm: 1, label: '< 1 mm (R1)', colorRgb: [220, 38, 38] },
  { belowMm: 5, label: '1–5 mm', colorRgb: [249, 115, 22] },
  { belowMm: 10, label: '5–10 mm', colorRgb: [234, 179, 8] },
  { belowMm: Infinity, label: '≥ 10 mm', colorRgb: [34, 197, 94] },
];

/** Index into MARGIN_BANDS of a margin in mm (0 for a negative or zero margin). */
export function marginBand(mm: number): number {
  for (let b = 0; b < MARGIN_BANDS.length; b++) if (mm < MARGIN_BANDS[b]!.belowMm) return b;
  return MARGIN_BANDS.length - 1;
}
