// Segmentation as plain data: the HU ranges of the threshold presets, island rules, and the
// operations a segmentation worker performs on a mask. Shared by the browser (the Anatomy tab's
// segment panel and its worker client) and the kernels in workers/meshing/segmentation.ts.
import { type ImageVolume, type Vec3 } from './imaging';

export interface HuRange {
  minHu: number;
  maxHu: number;
}

/**
 * Threshold presets. CT numbers vary with contrast timing, kVp and reconstruction; these are
 * starting ranges the user adjusts, with where they come from:
 * - contrast blood pool 150–600 HU: iodinated arterial/portal-venous blood enhances to roughly
 *   150–400 HU (aorta 177 HU mean in this project's portal-venous abdominal CT, SOURCES.md; CT
 *   angiography aims for > 250 HU), below cortical bone; 600 HU caps dense contrast and stents.
 * - bone 226–3071 HU: the widely used "Bone (CT)" threshold of Materialise Mimics and 3D Slicer's
 *   bone segmentation presets (cortical and most trabecular bone; 3071 is the 12-bit CT ceiling).
 * - liver (portal-venous) 60–135 HU: enhanced parenchyma is typically 90–130 HU (unenhanced
 *   50–65 HU; the portal-venous target is ≈ 50 HU of hepatic enhancement over that baseline, Bae KT,
 *   Radiology 2010;256:32–61); liver 89 HU mean in this project's CT (SOURCES.md). The upper bound
 *   was 180 until the demo phantom showed why not: its enhanced kidney cortex (150 HU, as in the
 *   nephrographic/portal-venous phase) touches the liver and a seeded growth leaked through it.
 *   135 keeps enhanced liver (3.7 SD of 12 HU noise above 90 HU) and stops at the cortex. Grow
 *   from a seed in the liver so the range does not leak into the spleen (80–100 HU) through contact
 *   points; then island removal.
 * - lung −1000 to −400 HU: aerated parenchyma is −950 to −600 HU (Hounsfield scale; emphysema
 *   is < −950 HU), −400 excludes vessels and soft tissue at the hilum.
 */
export const HU_PRESETS = {
  contrastBloodPool: { minHu: 150, maxHu: 600 },
  bone: { minHu: 226, maxHu: 3071 },
  liver: { minHu: 60, maxHu: 135 },
  lung: { minHu: -1000, maxHu: -400 },
} as const satisfies Record<string, HuRange>;
export type HuPresetName = keyof typeof HU_PRESETS;

export type IslandRule = { keep: 'largest' } | { keep: 'atLeast'; minVoxels: number };

/** One segmentation operation on a mask; the mask is transferred in and back. */
export type SegmentationOp =
  | { op: 'threshold'; range: HuRange }
  | { op: 'regionGrow'; seedIjk: Vec3; range: HuRange }
  | { op: 'removeIslands'; rule: IslandRule }
  | { op: 'fillHoles' }
  | { op: 'margin'; marginMm: number }
  /**
   * Cut the thin bridges a seeded growth leaks through into touching organs of the same density
   * (liver → heart, spleen, bowel on a portal-venous CT): a morphological opening of radius
   * `radiusMm` that keeps only the piece holding the seed (workers/meshing/segmentation.ts `detachAtSeed`).
   */
  | { op: 'detach'; seedIjk: Vec3; radiusMm: number };

export interface SegmentationResult {
  mask: Uint8Array;
  voxelCount: number;
}

export interface SegmentationRequest {
  /** Needed for threshold and regionGrow; geometry only is enough for the others. */
  volume: ImageVolume;
  mask: Uint8Array;
  operation: SegmentationOp;
}
