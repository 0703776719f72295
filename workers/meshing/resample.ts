// Put a label map onto another volume's grid (e.g. a TotalSegmentator NIfTI onto the loaded CT)
// by nearest neighbour in LPS: each target voxel centre takes the label of the source voxel whose
// centre is closest along each source axis. Labels are categorical, so nothing is interpolated.
import { labelLayer, layerCount, invertLinearPart, linearPart, type LabelArray, type LabelVolume, type VolumeGeometry } from '../../core/domain/imaging';
import { presentLabels } from './labelTable';

/** Nearest-neighbour resampling of `source` onto `target` (every label layer); voxels outside the source become 0. */
export function resampleLabelsNearest(source: LabelVolume, target: VolumeGeometry): LabelVolume {
  const layers: LabelArray[] = [];
  for (let l = 0; l < layerCount(source); l++) layers.push(resampleLayer(source, labelLayer(source, l), target));
  const present = new Set(layers.flatMap((a, l) => presentLabels(a).map((label) => `${l}:${label}`)));
  return {
    ...target,
    labels: layers[0]!,
    ...(layers.length > 1 ? { overlapLayers: layers.slice(1) } : {}),
    segments: source.segments.filter((s) => present.has(`${s.layer ?? 0}:${s.label}`)),
    source: source.source,
  };
}

function resampleLayer(source: VolumeGeometry, src: LabelArray, target: VolumeGeometry): LabelArray {
  const [tI, tJ, tK] = target.dimensions;
  const [sI, sJ, sK] = source.dimensions;
  const out = src instanceof Uint8Array ? new Uint8Array(tI * tJ * tK) : new Uint16Array(tI * tJ * tK);
  const inv = invertLinearPart(linearPart(source));
  const lt = linearPart(target);
  // Source ijk of a target voxel is affine in the target ijk: s = inv·(oT − oS) + (inv·lt)·t.
  // Step vectors per target axis, so the inner loop is three additions per voxel.
  const step = (c: number): [number, number, number] => [
    inv[0]! * lt[c]! + inv[1]! * lt[3 + c]! + inv[2]! * lt[6 + c]!,
    inv[3]! * lt[c]! + inv[4]! * lt[3 + c]! + inv[5]! * lt[6 + c]!,
    inv[6]! * lt[c]! + inv[7]! * lt[3 + c]! + inv[8]! * lt[6 + c]!,
  ];
  const di = step(0);
  const dj = step(1);
  const dk = step(2);
  const o = [0, 1, 2].map((r) => target.originLps[r]! - source.originLps[r]!);
  const s0 = [0, 1, 2].map((r) => inv[3 * r]! * o[0]! + inv[3 * r + 1]! * o[1]! + inv[3 * r + 2]! * o[2]!);
  for (let k = 0; k < tK; k++) {
    for (let j = 0; j < tJ; j++) {
      let x = s0[0]! + dj[0] * j + dk[0] * k;
      let y = s0[1]! + dj[1] * j + dk[1] * k;
      let z = s0[2]! + dj[2] * j + dk[2] * k;
      const row = (k * tJ + j) * tI;
      for (let i = 0; i < tI; i++) {
        const si = Math.round(x);
        const sj = Math.round(y);
        const sk = Math.round(z);
        if (si >= 0 && si < sI && sj >= 0 && sj < sJ && sk >= 0 && sk < sK) out[row + i] = src[(sk * sJ + sj) * sI + si]!;
        x += di[0];
        y += di[1];
        z += di[2];
      }
    }
  }
  return out;
}
