// The working segmentation of the Anatomy view: label-map layers on the reference grid (the loaded
// CT's, or the first imported segmentation's when no CT is loaded). Structures may overlap (a
// tumour inside the liver, vessels through it: issue 17): a new structure goes into the first
// layer where it overlaps nothing, else into a new layer, so no structure loses voxels to another.
// Segmented masks and imported segmentations are written under fresh labels, so every structure
// has one label whatever its source, and the whole map can be saved as one DICOM-SEG. Pure; the
// voxel loops allocate nothing.
import {
  type LabelArray,
  type LabelVolume,
  type SegmentInfo,
  type VolumeGeometry,
  labelLayer,
  layerCount,
  sameGrid,
} from '../../../core/domain/imaging';

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

function addLayer(map: LabelVolume): number {
  const n = map.labels.length;
  map.overlapLayers = [...(map.overlapLayers ?? []), new Uint16Array(n)];
  return layerCount(map) - 1;
}

/**
 * Place the segments of `plane` (values `from[]`, written as `to[]`) into the map's layers: each
 * goes to the first layer none of its voxels is taken in. One pass records which source segments
 * collide with which layers, one pass writes. Segments of one plane never overlap each other, so
 * they may share a layer. Returns the layer of each.
 */
function place(map: LabelVolume, plane: LabelArray, lut: Uint16Array, labelsInPlane: number[], oneLayer = false): Map<number, number> {
  const layers = layerCount(map);
  // collide[l * 65536 + v] = 1 when source value v meets a taken voxel in layer l.
  const collide = new Uint8Array(layers * 65536);
  for (let l = 0; l < layers; l++) {
    const a = labelLayer(map, l);
    const off = l * 65536;
    for (let x = 0; x < plane.length; x++) {
      const v = plane[x]!;
      if (v !== 0 && a[x] !== 0 && lut[v] !== 0) collide[off + v] = 1;
    }
  }
  const layerOf = new Map<number, number>();
  let fresh = -1;
  for (const v of labelsInPlane) {
    let l = 0;
    const taken = (layer: number): boolean => (oneLayer ? labelsInPlane.some((w) => collide[layer * 65536 + w] === 1) : collide[layer * 65536 + v] === 1);
    while (l < layers && taken(l)) l++;
    if (l === layers) {
      if (fresh < 0) fresh = addLayer(map);
      l = fresh;
    }
    layerOf.set(v, l);
  }
  const byLayer = new Map<number, Uint16Array>();
  for (const [v, l] of layerOf) {
    let sub = byLayer.get(l);
    if (sub === undefined) {
      sub = new Uint16Array(65536);
      byLayer.set(l, sub);
    }
    sub[v] = lut[v]!;
  }
  for (const [l, sub] of byLayer) {
    const dst = labelLayer(map, l);
    for (let x = 0; x < plane.length; x++) {
      const to = sub[plane[x]!]!;
      if (to !== 0) dst[x] = to;
    }
  }
  return layerOf;
}

/** Write a mask into the map as a new structure (overlaps with others are kept). Returns the new label and its voxel count. */
export function addMask(map: LabelVolume, mask: Uint8Array, segment: Omit<SegmentInfo, 'label' | 'layer'>): { label: number; voxelCount: number; layer: number } {
  if (mask.length !== map.labels.length) throw new Error(`mask has ${mask.length} voxels, the label map ${map.labels.length}`);
  let count = 0;
  for (let x = 0; x < mask.length; x++) if (mask[x] !== 0) count++;
  if (count === 0) throw new Error('the segmentation is empty: nothing to add');
  const label = nextLabel(map);
  const lut = new Uint16Array(65536);
  for (let v = 1; v < 256; v++) lut[v] = label; // any non-zero mask value is inside
  const values = valuesOfMask(mask);
  const layer = place(map, mask, lut, values, true).get(values[0]!) ?? 0;
  map.segments.push({ ...segment, label, ...(layer > 0 ? { layer } : {}) });
  return { label, voxelCount: count, layer };
}

function valuesOfMask(mask: Uint8Array): number[] {
  const seen = new Uint8Array(256);
  for (let x = 0; x < mask.length; x++) seen[mask[x]!] = 1;
  const out: number[] = [];
  for (let v = 1; v < 256; v++) if (seen[v] === 1) out.push(v);
  return out;
}

/** Merge another segmentation (all its layers) on the same grid; returns imported label → new label. */
export function mergeLabelVolume(map: LabelVolume, imported: LabelVolume): Map<number, number> {
  if (!sameGrid(map, imported)) throw new Error('the imported segmentation is not on the working grid; resample it first');
  const remap = new Map<number, number>();
  let next = nextLabel(map);
  for (let l = 0; l < layerCount(imported); l++) {
    const segs = imported.segments.filter((s) => s.label !== 0 && (s.layer ?? 0) === l);
    if (segs.length === 0) continue;
    const lut = new Uint16Array(65536);
    for (const s of segs) {
      if (next > 65535) throw new Error('the label map is full (65 535 structures)');
      remap.set(s.label, next);
      lut[s.label] = next;
      next++;
    }
    const layerOf = place(map, labelLayer(imported, l), lut, segs.map((s) => s.label));
    for (const s of segs) {
      const layer = layerOf.get(s.label) ?? 0;
      const { layer: _old, ...rest } = s;
      map.segments.push({ ...rest, label: lut[s.label]!, ...(layer > 0 ? { layer } : {}) });
    }
  }
  pruneEmpty(map);
  return remap;
}

/** Remove a structure (its voxels become background in its layer). */
export function removeLabel(map: LabelVolume, label: number): void {
  const seg = map.segments.find((s) => s.label === label);
  if (seg !== undefined) {
    const labels = labelLayer(map, seg.layer ?? 0);
    for (let x = 0; x < labels.length; x++) if (labels[x] === label) labels[x] = 0;
  }
  map.segments = map.segments.filter((s) => s.label !== label);
}

/** Drop segments without voxels (an imported segment absent from the grid). */
function pruneEmpty(map: LabelVolume): void {
  const present = new Set<string>();
  for (let l = 0; l < layerCount(map); l++) {
    const seen = new Uint8Array(65536);
    const labels = labelLayer(map, l);
    for (let x = 0; x < labels.length; x++) seen[labels[x]!] = 1;
    for (let v = 1; v < 65536; v++) if (seen[v] === 1) present.add(`${l}:${v}`);
  }
  map.segments = map.segments.filter((s) => present.has(`${s.layer ?? 0}:${s.label}`));
}

/** One structure of the map as a binary mask on its grid (1 inside); an error naming it when absent. */
export function maskOfLabel(map: LabelVolume | null, label: number): Uint8Array {
  const seg = map?.segments.find((x) => x.label === label);
  if (map === null || seg === undefined) throw new Error(`structure ${label} is not in the segmentation (imported surfaces without voxels cannot give centrelines)`);
  const layer = labelLayer(map, seg.layer ?? 0);
  const mask = new Uint8Array(layer.length);
  for (let x = 0; x < layer.length; x++) if (layer[x] === label) mask[x] = 1;
  return mask;
}

/** The grid of a label map, without its voxels. */
export function gridOfLabelMap(map: LabelVolume): VolumeGeometry {
  return { dimensions: map.dimensions, spacingMm: map.spacingMm, originLps: map.originLps, directionLps: map.directionLps };
}

/** A deep copy (labels, layers, segment table) to hand to a worker while the working map stays. */
export function copyLabelMap(map: LabelVolume): LabelVolume {
  return {
    ...map,
    labels: map.labels.slice(),
    ...(map.overlapLayers ? { overlapLayers: map.overlapLayers.map((a) => a.slice()) } : {}),
    segments: map.segments.map((s) => ({ ...s })),
  };
}

/** The given labels grouped by the layer that holds each (a layer is a plain label map, meshed on its own), in first-seen order. */
export function labelsByLayer(map: LabelVolume, labels: readonly number[]): Map<number, number[]> {
  const byLayer = new Map<number, number[]>();
  for (const l of labels) {
    const layer = map.segments.find((s) => s.label === l)?.layer ?? 0;
    const list = byLayer.get(layer);
    if (list === undefined) byLayer.set(layer, [l]);
    else list.push(l);
  }
  return byLayer;
}
