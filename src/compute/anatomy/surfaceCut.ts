// The curved resection surface on the page side (issue 17): what the planner worker needs of a
// structure (its voxel list on the CT grid) and how a cut's state becomes a request. The surface
// geometry is core/domain/resectionSurface.ts; the kernels run in the Anatomy worker.
import { type LabelVolume, type VolumeGeometry, labelLayer } from '../../../core/domain/imaging';
import { type PlaneLps } from '../../../core/domain/mesh';
import { validatePatch } from '../../../core/domain/resectionSurface';
import { type SurfaceCutRequest } from '../../../core/contracts/anatomy-worker';
import { type CutPlaneState } from '../../twin/anatomy';

/** Linear voxel indices (ascending) of one structure of a layered label map, and the grid they index. */
export function voxelsOfLabel(map: LabelVolume, label: number): { grid: VolumeGeometry; voxels: Uint32Array } {
  const seg = map.segments.find((s) => s.label === label);
  if (seg === undefined) throw new Error(`structure ${label} is not in the segmentation`);
  const a = labelLayer(map, seg.layer ?? 0);
  let n = 0;
  for (let x = 0; x < a.length; x++) if (a[x] === label) n++;
  const voxels = new Uint32Array(n);
  let c = 0;
  for (let x = 0; x < a.length; x++) if (a[x] === label) voxels[c++] = x;
  return { grid: { dimensions: [...map.dimensions], spacingMm: [...map.spacingMm], originLps: [...map.originLps], directionLps: [...map.directionLps] }, voxels };
}

/** Labels whose names read as a tumour (the default margin targets). */
export function isTumourName(name: string): boolean {
  return /tumou?r|lesion|metasta|carcinoma|cancer|nodule|mass\b|crlm|hcc/i.test(name);
}

/** The worker request for a cut with a surface, at the plane drawn. Throws when the cut has no surface. */
export function surfaceCutRequest(cut: CutPlaneState, plane: PlaneLps, cells = 48): SurfaceCutRequest {
  if (cut.surface === undefined) throw new Error('this cut is a plane: bend it first');
  validatePatch(cut.surface);
  return { organLabel: cut.organLabel, plane, patch: cut.surface, marginLabels: (cut.marginLabels ?? []).filter((l) => l !== cut.organLabel), cells };
}
