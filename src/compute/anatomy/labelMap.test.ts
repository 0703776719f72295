import { describe, expect, it } from 'vitest';
import { type LabelVolume, type VolumeGeometry } from '../../../core/domain/imaging';
import { addMask, emptyLabelMap, mergeLabelVolume, removeLabel } from './labelMap';

const g: VolumeGeometry = { dimensions: [4, 1, 1], spacingMm: [1, 1, 1], originLps: [0, 0, 0], directionLps: [1, 0, 0, 0, 1, 0, 0, 0, 1] };
const src = { kind: 'generated', id: 't' } as const;

describe('working label map', () => {
  it('adds masks under fresh labels, newest wins, and prunes emptied structures', () => {
    const map = emptyLabelMap(g, src);
    expect(addMask(map, new Uint8Array([1, 1, 0, 0]), { name: 'liver', colorRgb: [1, 2, 3] })).toEqual({ label: 1, voxelCount: 2 });
    expect(addMask(map, new Uint8Array([0, 1, 1, 0]), { name: 'vessel', colorRgb: [4, 5, 6] })).toEqual({ label: 2, voxelCount: 2 });
    expect([...map.labels]).toEqual([1, 2, 2, 0]);
    addMask(map, new Uint8Array([1, 0, 0, 0]), { name: 'lesion', colorRgb: [0, 0, 0] });
    expect(map.segments.map((s) => s.name)).toEqual(['vessel', 'lesion']); // liver lost its voxels
    expect(() => addMask(map, new Uint8Array(4), { name: 'x', colorRgb: [0, 0, 0] })).toThrow(/empty/);
    expect(() => addMask(map, new Uint8Array(3), { name: 'x', colorRgb: [0, 0, 0] })).toThrow(/3 voxels/);
  });
  it('merges an imported map with relabelling and removes a structure', () => {
    const map = emptyLabelMap(g, src);
    addMask(map, new Uint8Array([1, 0, 0, 0]), { name: 'a', colorRgb: [0, 0, 0] });
    const imported: LabelVolume = { ...g, labels: new Uint8Array([0, 5, 7, 5]), segments: [{ label: 5, name: 'spleen', colorRgb: [1, 1, 1] }, { label: 7, name: 'aorta', colorRgb: [2, 2, 2] }], source: src };
    const remap = mergeLabelVolume(map, imported);
    expect([...remap]).toEqual([[5, 2], [7, 3]]);
    expect([...map.labels]).toEqual([1, 2, 3, 2]);
    removeLabel(map, 2);
    expect([...map.labels]).toEqual([1, 0, 3, 0]);
    expect(map.segments.map((s) => s.label)).toEqual([1, 3]);
    expect(() => mergeLabelVolume(map, { ...imported, dimensions: [2, 2, 1] })).toThrow(/not on the working grid/);
  });
});
