// Pure slice kernels for the Anatomy view: one axial / coronal / sagittal slice of the CT as RGBA
// pixels (windowed, with a segmentation overlay), where that slice sits in LPS (for the textured
// planes of the 3D scene), and a click on it → voxel ijk (the region-growing seed).
//
// Display convention (radiological, for the usual axis-aligned CT whose i, j, k run along +L, +P,
// +S): axial shows column = i, row = j (patient's right on the screen's left, anterior at the
// top); coronal (fixed j) column = i, row = nK−1−k (superior at the top); sagittal (fixed i)
// column = j (anterior on the left), row = nK−1−k. For an oblique grid the picture is still the
// exact grid slice, and the edge letters (sliceEdgeLabels) come from its direction cosines.
import { type ImageVolume, type SliceAxis, type Vec3, type VolumeGeometry, ijkToLps } from '../../../core/domain/imaging';
import { directionLabel, type EdgeLabels } from '../imaging/orientation';

export type { SliceAxis }; // the plain type lives in core (the anatomy store holds it too)
export const SLICE_AXES: readonly SliceAxis[] = ['axial', 'coronal', 'sagittal'];

/** Which voxel axis a slice is perpendicular to. */
export function fixedAxis(axis: SliceAxis): 0 | 1 | 2 {
  return axis === 'sagittal' ? 0 : axis === 'coronal' ? 1 : 2;
}

export function sliceCount(g: VolumeGeometry, axis: SliceAxis): number {
  return g.dimensions[fixedAxis(axis)];
}

/** Width × height of the picture of one slice, in pixels (one per voxel). */
export function sliceSize(g: VolumeGeometry, axis: SliceAxis): [number, number] {
  const [nI, nJ, nK] = g.dimensions;
  switch (axis) {
    case 'axial':
      return [nI, nJ];
    case 'coronal':
      return [nI, nK];
    case 'sagittal':
      return [nJ, nK];
  }
}

/** Pixel (column, row) of a slice → voxel ijk; fractional pixels give fractional (continuous) ijk. */
export function pixelToIjk(g: VolumeGeometry, axis: SliceAxis, index: number, col: number, row: number): Vec3 {
  const nK = g.dimensions[2];
  switch (axis) {
    case 'axial':
      return [col, row, index];
    case 'coronal':
      return [col, index, nK - 1 - row];
    case 'sagittal':
      return [index, col, nK - 1 - row];
  }
}

function checkIndex(g: VolumeGeometry, axis: SliceAxis, index: number): void {
  const n = sliceCount(g, axis);
  if (!Number.isInteger(index) || index < 0 || index >= n) throw new Error(`${axis} slice ${index} is outside 0…${n - 1}`);
}

/**
 * A click at normalised picture coordinates (0–1 from the left, 0–1 from the top) → the voxel
 * under it. Returns null outside the picture.
 */
export function clickToIjk(g: VolumeGeometry, axis: SliceAxis, index: number, u: number, v: number): Vec3 | null {
  checkIndex(g, axis, index);
  if (!(u >= 0 && u < 1 && v >= 0 && v < 1)) return null;
  const [w, h] = sliceSize(g, axis);
  return pixelToIjk(g, axis, index, Math.floor(u * w), Math.floor(v * h));
}

export interface WindowHu {
  widthHu: number;
  centerHu: number;
}

export interface SliceOverlay {
  /** Label map or mask on the CT grid (0 = nothing). */
  labels: Uint8Array | Uint16Array;
  /** Further label layers (overlapping structures), blended over `labels` in order. */
  overlapLayers?: ReadonlyArray<Uint8Array | Uint16Array>;
  /** sRGB colour of each label value, index = label; missing → no tint. */
  colourOf: (label: number) => readonly [number, number, number] | undefined;
  /** 0–1 blend of the label colour over the grey value. */
  alpha: number;
}

/**
 * Write one slice into `out` (RGBA, width × height × 4, see sliceSize). Grey = linear window
 * (DICOM PS3.3 C.11.2.1.2 without the 0.5 offsets: the difference is below one grey level).
 * The loop allocates nothing.
 */
export function renderSliceRgba(volume: ImageVolume, axis: SliceAxis, index: number, win: WindowHu, out: Uint8ClampedArray, overlay?: SliceOverlay): void {
  checkIndex(volume, axis, index);
  if (!(win.widthHu > 0)) throw new Error(`window width must be positive HU, got ${win.widthHu}`);
  const [w, h] = sliceSize(volume, axis);
  if (out.length !== w * h * 4) throw new Error(`slice buffer holds ${out.length} bytes, needs ${w * h * 4}`);
  const [nI, nJ] = volume.dimensions;
  const v = volume.voxels;
  const lo = win.centerHu - win.widthHu / 2;
  const scale = 255 / win.widthHu;
  const labels = overlay?.labels;
  const extra = overlay?.overlapLayers ?? [];
  const alpha = overlay?.alpha ?? 0;
  let lastLabel = -1;
  let tint: readonly [number, number, number] | undefined;
  for (let row = 0; row < h; row++) {
    for (let col = 0; col < w; col++) {
      let x: number;
      if (axis === 'axial') x = col + nI * (row + nJ * index);
      else if (axis === 'coronal') x = col + nI * (index + nJ * (volume.dimensions[2] - 1 - row));
      else x = index + nI * (col + nJ * (volume.dimensions[2] - 1 - row));
      const grey = (v[x]! - lo) * scale;
      let r = grey;
      let g = grey;
      let b = grey;
      if (labels !== undefined) {
        const l = labels[x]!;
        if (l !== 0) {
          if (l !== lastLabel) {
            tint = overlay!.colourOf(l);
            lastLabel = l;
          }
          if (tint !== undefined) {
            r = grey * (1 - alpha) + tint[0] * alpha;
            g = grey * (1 - alpha) + tint[1] * alpha;
            b = grey * (1 - alpha) + tint[2] * alpha;
          }
        }
        for (let e = 0; e < extra.length; e++) {
          const le = extra[e]![x]!;
          if (le === 0) continue;
          const t = overlay!.colourOf(le);
          if (t === undefined) continue;
          r = r * (1 - alpha) + t[0] * alpha;
          g = g * (1 - alpha) + t[1] * alpha;
          b = b * (1 - alpha) + t[2] * alpha;
        }
      }
      const o = 4 * (col + w * row);
      out[o] = r;
      out[o + 1] = g;
      out[o + 2] = b;
      out[o + 3] = 255;
    }
  }
}

/**
 * The four corners (LPS mm) of a slice picture's pixel edges, in the order top-left, top-right,
 * bottom-left, bottom-right of the picture, so a textured quad with those corners and UVs
 * (0,1) (1,1) (0,0) (1,0) shows the picture exactly where the voxels are.
 */
export function sliceCornersLps(g: VolumeGeometry, axis: SliceAxis, index: number): [Vec3, Vec3, Vec3, Vec3] {
  checkIndex(g, axis, index);
  const [w, h] = sliceSize(g, axis);
  // Pixel (col,row) covers voxel ijk ± 0.5; the corners are half a voxel outside the centres.
  const corner = (col: number, row: number): Vec3 => {
    const [i, j, k] = pixelToIjk(g, axis, index, col, row);
    return ijkToLps(g, i, j, k);
  };
  return [corner(-0.5, -0.5), corner(w - 0.5, -0.5), corner(-0.5, h - 0.5), corner(w - 0.5, h - 0.5)];
}

/** Nearest slice index of an LPS position along a slice axis (for "go to the seed"). */
export function sliceIndexOf(axis: SliceAxis, ijk: Vec3): number {
  return ijk[fixedAxis(axis)];
}

// ---- Orientation letters, slice position in mm, crosshair lines (issue 17)

function axisDirection(g: VolumeGeometry, a: 0 | 1 | 2): Vec3 {
  const d = g.directionLps;
  return [d[3 * a]!, d[3 * a + 1]!, d[3 * a + 2]!];
}

function neg(v: Vec3): Vec3 {
  return [-v[0], -v[1], -v[2]];
}

/**
 * Unit LPS directions of a slice picture: `rightLps` = towards increasing column (the screen's
 * right), `downLps` = towards increasing row (the screen's bottom), `normalLps` = towards
 * increasing slice index. Read from the grid's direction cosines, so they are right for an
 * oblique or flipped acquisition too (the picture is the grid slice as stored; see pixelToIjk).
 */
export function sliceScreenAxesLps(g: VolumeGeometry, axis: SliceAxis): { rightLps: Vec3; downLps: Vec3; normalLps: Vec3 } {
  const i = axisDirection(g, 0);
  const j = axisDirection(g, 1);
  const k = axisDirection(g, 2);
  switch (axis) {
    case 'axial':
      return { rightLps: i, downLps: j, normalLps: k };
    case 'coronal':
      return { rightLps: i, downLps: neg(k), normalLps: j };
    case 'sagittal':
      return { rightLps: j, downLps: neg(k), normalLps: i };
  }
}

/**
 * Patient-direction letters (L/R, A/P, S/I) for the four edges of a slice picture: the letter of
 * the direction one moves in when going towards that edge (DICOM PS3.3 C.7.6.1.1.1, the dominant
 * axis first, components under 0.25 left out; the same rule as the Imaging viewer's markers).
 */
export function sliceEdgeLabels(g: VolumeGeometry, axis: SliceAxis): EdgeLabels {
  const { rightLps, downLps } = sliceScreenAxesLps(g, axis);
  return { right: directionLabel(rightLps), left: directionLabel(neg(rightLps)), bottom: directionLabel(downLps), top: directionLabel(neg(downLps)) };
}

/**
 * Where a slice lies, in mm along its normal (the direction of increasing slice index): the signed
 * distance of the slice plane from the LPS origin, with the patient direction the normal points
 * to. "S 12.5" is 12.5 mm superior of the origin; for a flipped grid whose k runs inferiorly the
 * same plane reads "I −12.5". `stepMm` is the distance between neighbouring slices.
 */
export function slicePositionMm(g: VolumeGeometry, axis: SliceAxis, index: number): { mm: number; letter: string; stepMm: number } {
  checkIndex(g, axis, index);
  const a = fixedAxis(axis);
  const n = axisDirection(g, a);
  const ijk: Vec3 = [0, 0, 0];
  ijk[a] = index;
  const p = ijkToLps(g, ijk[0], ijk[1], ijk[2]);
  const letter = directionLabel(n, 0.25)[0] ?? '?';
  return { mm: p[0] * n[0] + p[1] * n[1] + p[2] * n[2], letter, stepMm: g.spacingMm[a] };
}

/** The slice nearest to a position along the normal (mm, as slicePositionMm reports), clamped to the volume. */
export function sliceIndexAtMm(g: VolumeGeometry, axis: SliceAxis, mm: number): number {
  if (!Number.isFinite(mm)) throw new Error(`slice position must be a number of mm, got ${mm}`);
  const first = slicePositionMm(g, axis, 0);
  const n = sliceCount(g, axis);
  const index = Math.round((mm - first.mm) / first.stepMm);
  return Math.min(n - 1, Math.max(0, index));
}

/**
 * The other two planes of a crosshair at voxel `ijk`, as lines on the `axis` picture, in pixel
 * coordinates (a vertical line at column `x`, a horizontal one at row `y`, through pixel centres).
 */
export function crosshairLines(g: VolumeGeometry, axis: SliceAxis, ijk: Vec3): Array<{ plane: SliceAxis; orientation: 'vertical' | 'horizontal'; at: number }> {
  const nK = g.dimensions[2];
  switch (axis) {
    case 'axial':
      return [
        { plane: 'sagittal', orientation: 'vertical', at: ijk[0] + 0.5 },
        { plane: 'coronal', orientation: 'horizontal', at: ijk[1] + 0.5 },
      ];
    case 'coronal':
      return [
        { plane: 'sagittal', orientation: 'vertical', at: ijk[0] + 0.5 },
        { plane: 'axial', orientation: 'horizontal', at: nK - 1 - ijk[2] + 0.5 },
      ];
    case 'sagittal':
      return [
        { plane: 'coronal', orientation: 'vertical', at: ijk[1] + 0.5 },
        { plane: 'axial', orientation: 'horizontal', at: nK - 1 - ijk[2] + 0.5 },
      ];
  }
}
