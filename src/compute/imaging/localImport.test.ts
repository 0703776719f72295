import { describe, expect, it } from 'vitest';
import { displayName, seriesImageIds } from './localImport';

const slice = (instance: number, frame = 0) => ({ instance, frame, positionLps: null, distanceMm: 0 });

describe('seriesImageIds', () => {
  it('maps single-frame slices to their file ids in slice order', () => {
    // Instances 7, 3, 5 in slice order; the worker's seriesFiles returns their files in that order.
    const ids = seriesImageIds({ key: 's', slices: [slice(7), slice(3), slice(5)] }, ['dicomfile:0', 'dicomfile:1', 'dicomfile:2']);
    expect(ids).toEqual(['dicomfile:0', 'dicomfile:1', 'dicomfile:2']);
  });

  it('addresses frames of a multi-frame instance 1-based', () => {
    const ids = seriesImageIds({ key: 'mr', slices: [slice(0, 0), slice(0, 1), slice(0, 2)] }, ['dicomfile:4']);
    expect(ids).toEqual(['dicomfile:4?frame=1', 'dicomfile:4?frame=2', 'dicomfile:4?frame=3']);
  });

  it('refuses a file list that does not match the instances', () => {
    expect(() => seriesImageIds({ key: 'x', slices: [slice(0), slice(1)] }, ['dicomfile:0'])).toThrow(/series x: 2 instances but 1 files/);
  });
});

describe('displayName', () => {
  it('prefers the path inside a picked folder', () => {
    const f = new File([new Uint8Array(1)], 'CT.1');
    expect(displayName(f)).toBe('CT.1');
    Object.defineProperty(f, 'webkitRelativePath', { value: 'series/CT.1' });
    expect(displayName(f)).toBe('series/CT.1');
  });
});
