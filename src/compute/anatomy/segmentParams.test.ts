import { describe, expect, it } from 'vitest';
import { emptySegmentationMessage, segmentationOps, type SegmentParams } from './segmentParams';

const base: SegmentParams = { seedIjk: [10, 20, 30], minHu: 40, maxHu: 200, fillHoles: false, marginMm: 0, keepLargest: false, wholeVolume: false };

describe('Segment panel settings → segmentation operations', () => {
  it('grows from the seed alone when nothing else is asked', () => {
    expect(segmentationOps(base)).toEqual([{ op: 'regionGrow', seedIjk: [10, 20, 30], range: { minHu: 40, maxHu: 200 } }]);
  });

  it('thresholds the whole volume, then keeps the largest piece, fills holes and applies the margin, in that order', () => {
    expect(segmentationOps({ ...base, wholeVolume: true, keepLargest: true, fillHoles: true, marginMm: -2 }).map((o) => o.op)).toEqual(['threshold', 'removeIslands', 'fillHoles', 'margin']);
    expect(segmentationOps({ ...base, marginMm: 3 }).at(-1)).toEqual({ op: 'margin', marginMm: 3 });
  });

  it('says why nothing was found in the user\'s terms', () => {
    expect(emptySegmentationMessage(base)).toMatch(/seed voxel is outside 40…200 HU: click inside the organ/);
    expect(emptySegmentationMessage({ ...base, wholeVolume: true })).toBe('no voxel lies in 40…200 HU');
  });
});
