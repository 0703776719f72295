// The Segment panel's settings as the segmentation worker's operation list, and the message for
// an empty result. Pure (split out of session.ts, issue 15).
import { type Vec3 } from '../../../core/domain/imaging';
import { type SegmentationOp } from '../../../core/domain/segmentation';

export interface SegmentParams {
  seedIjk: Vec3;
  minHu: number;
  maxHu: number;
  fillHoles: boolean;
  /** Grow (> 0) or shrink (< 0) by this many mm; 0 = none. */
  marginMm: number;
  /** Keep only the largest connected piece (needed after a whole-volume threshold). */
  keepLargest: boolean;
  /** Threshold the whole volume instead of growing from the seed. */
  wholeVolume: boolean;
}

/** Seeded growth (or a whole-volume threshold), then island removal, hole filling and a margin, in that order. */
export function segmentationOps(p: SegmentParams): SegmentationOp[] {
  const range = { minHu: p.minHu, maxHu: p.maxHu };
  const ops: SegmentationOp[] = [p.wholeVolume ? { op: 'threshold', range } : { op: 'regionGrow', seedIjk: p.seedIjk, range }];
  if (p.keepLargest) ops.push({ op: 'removeIslands', rule: { keep: 'largest' } });
  if (p.fillHoles) ops.push({ op: 'fillHoles' });
  if (p.marginMm !== 0) ops.push({ op: 'margin', marginMm: p.marginMm });
  return ops;
}

/** Why the first step found nothing, in the user's terms. */
export function emptySegmentationMessage(p: SegmentParams): string {
  return p.wholeVolume ? `no voxel lies in ${p.minHu}…${p.maxHu} HU` : `the seed voxel is outside ${p.minHu}…${p.maxHu} HU: click inside the organ or widen the range`;
}
