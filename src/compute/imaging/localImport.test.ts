import { describe, expect, it } from 'vitest';
import { displayName, seriesImageIds } from './localImport';

const slice = (fileIndex: number, frame = 0) => ({ instance: fileIndex + 100, file: `f${fileIndex}.dcm`, fileIndex, frame, positionLps: null, distanceMm: 0 });

describe('seriesImageIds', () => {
  it('maps each slice to its own file, whatever order the files were registered in', () => {
    // Slices come from files 7, 3, 5 in slice order; the ids were registered in another order.
    const ids = seriesImageIds({ key: 's', slices: [slice(7), slice(3), slice(5)] }, new Map([[3, 'dicomfile:0'], [5, 'dicomfile:1'], [7, 'dicomfile:2']]));
    expect(ids).toEqual(['dicomfile:2', 'dicomfile:0', 'dicomfile:1']);
  });

  it('addresses frames of a multi-frame file 1-based', () => {
    const ids = seriesImageIds({ key: 'mr', slices: [slice(0, 0), slice(0, 1), slice(0, 2)] }, new Map([[0, 'dicomfile:4']]));
    expect(ids).toEqual(['dicomfile:4?frame=1', 'dicomfile:4?frame=2', 'dicomfile:4?frame=3']);
  });

  it('refuses a slice whose file was not registered, naming it', () => {
    expect(() => seriesImageIds({ key: 'x', slices: [slice(0), slice(1)] }, new Map([[0, 'dicomfile:0']]))).toThrow(/series x: no file registered for slice file 1 \(f1\.dcm\)/);
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
