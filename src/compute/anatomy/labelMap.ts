// The working label map of the Anatomy view: one Uint16 label per voxel on the reference grid
// (the loaded CT's, or the first imported segmentation's when no CT is loaded). Segmented masks
// and imported label maps are written into it under fresh labels, so every structure has one
// label whatever its source, and the whole map can be saved as one DICOM-SEG. Pure; the loops
// allocate nothing.
import { type LabelVolume, type SegmentInfo, type VolumeGeometry } from '../../../core/domain/imaging';
import { sameGrid } from '../../../workers/meshing/resample';

export function emptyLabelMap(g: VolumeGeometry, source: LabelVolume['source']): LabelVolume {
  const n = g.dimensions[0] * g.dimensions[1] * g.dimensions[2];
  return {
    dimensions: [...g.dimensions],
    spacingMm: [...g.spacingMm],
    originLps: [...g.originLps],
    directionLps: [...g.directionLps],
    labels: new Uint16Array(n),
    segments: [],
    source,
  };
}

function nextLabel(map: LabelVolume): number {
  let max = 0;
  for (const s of map.segments) max = Math.max(max, s.label);
  if (max >= 65535) throw new Error('the label map is full (65 535 structures)');
  return max + 1;
}

/**
 * Write a mask into the map as a new structure (voxels already labelled are taken over: the
 * newest segmentation wins, as in a paint tool). Returns the new label and its voxel count.
 */
export function addMask(map: LabelVolume, mask: Uint8Array, segment: Omit<SegmentInfo, 'label'>): { label: number; voxelCount: number } {
  if (mask.length !== map.labels.length) throw new Error(`mask has ${mask.length} voxels, the label map ${map.labels.length}`);
  const label = nextLabel(map);
  const labels = map.labels;
  let count = 0;
  for (let x = 0; x < mask.length; x++) {
    if (mask[x] !== 0) {
      labels[x] = label;
      count++;
    }
  }
  if (count === 0) throw new Error('the segmentation is empty: nothing to add');
  map.segments.push({ label, ...segment });
  pruneEmpty(map);
  return { label, voxelCount: count };
}

/** Merge another label map on the same grid; returns imported label → new label. */
export function mergeLabelVolume(map: LabelVolume, imported: LabelVolume): Map<number, number> {
  if (!sameGrid(map, imported)) throw new Error('the imported segmentation is not on the working grid; resample it first');
  const remap = new Map<number, number>();
  let next = nextLabel(map);
  const lut = new Uint16Array(65536);
  for (const s of imported.segments) {
    if (s.label === 0) continue;
    if (next > 65535) throw new Error('the label map is full (65 535 structures)');
    remap.set(s.label, next);
    lut[s.label] = next;
    map.segments.push({ ...s, label: next });
    next++;
  }
  const src = imported.labels;
  const dst = map.labels;
  for (let x = 0; x < src.length; x++) {
    const l = lut[src[x]!]!;
    if (l !== 0) dst[x] = l;
  }
  pruneEmpty(map);
  return remap;
}

/** Remove a structure (its voxels become background). */
export function removeLabel(map: LabelVolume, label: number): void {
  const labels = map.labels;
  for (let x = 0; x < labels.length; x++) if (labels[x] === label) labels[x] = 0;
  map.segments = map.segments.filter((s) => s.label !== label);
}

/** Drop segments that lost all their voxels to a newer one. */
function pruneEmpty(map: LabelVolume): void {
  const seen = new Uint8Array(65536);
  const labels = map.labels;
  for (let x = 0; x < labels.length; x++) seen[labels[x]!] = 1;
  map.segments = map.segments.filter((s) => seen[s.label] === 1);
}
