import { describe, expect, it } from 'vitest';
import { type LabelVolume, type VolumeGeometry, labelLayer, segmentVoxelCounts } from '../../../core/domain/imaging';
import { addMask, copyLabelMap, emptyLabelMap, gridOfLabelMap, labelsByLayer, maskOfLabel, mergeLabelVolume, removeLabel } from './labelMap';

const g: VolumeGeometry = { dimensions: [4, 1, 1], spacingMm: [1, 1, 1], originLps: [0, 0, 0], directionLps: [1, 0, 0, 0, 1, 0, 0, 0, 1] };
const src = { kind: 'generated', id: 't' } as const;

describe('working label map (layers that may overlap)', () => {
  it('adds masks under fresh labels; an overlapping one goes to a new layer and nobody loses voxels', () => {
    const map = emptyLabelMap(g, src);
    expect(addMask(map, new Uint8Array([1, 1, 0, 0]), { name: 'liver', colorRgb: [1, 2, 3] })).toEqual({ label: 1, voxelCount: 2, layer: 0 });
    expect(addMask(map, new Uint8Array([0, 1, 1, 0]), { name: 'vessel', colorRgb: [4, 5, 6] })).toEqual({ label: 2, voxelCount: 2, layer: 1 });
    expect([...map.labels]).toEqual([1, 1, 0, 0]);
    expect([...labelLayer(map, 1)]).toEqual([0, 2, 2, 0]);
    // Fits beside the liver in layer 0 (no overlap there).
    expect(addMask(map, new Uint8Array([0, 0, 0, 255]), { name: 'lesion', colorRgb: [0, 0, 0] }).layer).toBe(0);
    expect(map.segments.map((s) => [s.name, s.layer ?? 0])).toEqual([['liver', 0], ['vessel', 1], ['lesion', 0]]);
    expect([...segmentVoxelCounts(map)].sort((a, b) => a[0] - b[0])).toEqual([[1, 2], [2, 2], [3, 1]]);
    expect(() => addMask(map, new Uint8Array(4), { name: 'x', colorRgb: [0, 0, 0] })).toThrow(/empty/);
    expect(() => addMask(map, new Uint8Array(3), { name: 'x', colorRgb: [0, 0, 0] })).toThrow(/3 voxels/);
  });

  it('merges an imported map with relabelling, keeps imported overlaps and codes, removes a structure', () => {
    const map = emptyLabelMap(g, src);
    addMask(map, new Uint8Array([1, 0, 0, 0]), { name: 'a', colorRgb: [0, 0, 0] });
    const liverCode = { code: '10200004', scheme: 'SCT', meaning: 'Liver' };
    const imported: LabelVolume = {
      ...g,
      labels: new Uint8Array([5, 5, 7, 5]),
      overlapLayers: [new Uint8Array([0, 9, 9, 0])],
      segments: [
        { label: 5, name: 'liver', colorRgb: [1, 1, 1], type: liverCode },
        { label: 7, name: 'aorta', colorRgb: [2, 2, 2] },
        { label: 9, name: 'tumour', colorRgb: [3, 3, 3], layer: 1 },
      ],
      source: src,
    };
    const remap = mergeLabelVolume(map, imported);
    expect([...remap]).toEqual([[5, 2], [7, 3], [9, 4]]);
    const counts = segmentVoxelCounts(map);
    expect([counts.get(1), counts.get(2), counts.get(3), counts.get(4)]).toEqual([1, 3, 1, 2]);
    expect(map.segments.find((s) => s.label === 2)?.type).toEqual(liverCode);
    removeLabel(map, 2);
    expect(segmentVoxelCounts(map).get(2)).toBeUndefined();
    expect([...segmentVoxelCounts(map)].sort((a, b) => a[0] - b[0])).toEqual([[1, 1], [3, 1], [4, 2]]);
    expect(() => mergeLabelVolume(map, { ...imported, dimensions: [2, 2, 1] })).toThrow(/not on the working grid/);
  });
});

describe('label map helpers for the session', () => {
  it('gives a structure as a mask from its own layer, groups labels by layer and copies deeply', () => {
    const map = emptyLabelMap(g, src);
    addMask(map, new Uint8Array([1, 1, 0, 0]), { name: 'liver', colorRgb: [1, 2, 3] });
    addMask(map, new Uint8Array([0, 1, 1, 0]), { name: 'tumour', colorRgb: [4, 5, 6] }); // overlaps: layer 1
    addMask(map, new Uint8Array([0, 0, 0, 1]), { name: 'vessel', colorRgb: [7, 8, 9] }); // fits in layer 0
    expect([...maskOfLabel(map, 2)]).toEqual([0, 1, 1, 0]);
    expect([...maskOfLabel(map, 1)]).toEqual([1, 1, 0, 0]);
    expect(() => maskOfLabel(map, 9)).toThrow(/structure 9 is not in the segmentation/);
    expect(() => maskOfLabel(null, 1)).toThrow(/structure 1/);
    expect([...labelsByLayer(map, [1, 2, 3])]).toEqual([
      [0, [1, 3]],
      [1, [2]],
    ]);
    expect(gridOfLabelMap(map)).toEqual(g);
    const copy = copyLabelMap(map);
    copy.labels[0] = 0;
    copy.overlapLayers![0]![1] = 0;
    copy.segments[0]!.name = 'changed';
    expect(map.labels[0]).toBe(1);
    expect(map.overlapLayers![0]![1]).toBe(2);
    expect(map.segments[0]!.name).toBe('liver');
  });
});
