// What the exports carry of the plan on screen (issue 17): the cuts drawn (a plane as its flat
// patch, a curved surface with its 16 heights), at the plane the 3D view draws, and the vascular
// territories with the names, colours and volumes the Territories panel shows. The Anatomy worker
// turns it into GLB nodes / STL files (workers/liver/planExport.ts).
import type { ExportPlan } from '../../../core/contracts/anatomy-worker';
import type { Vec3 } from '../../../core/domain/imaging';
import { boundsOf, cutPlaneLps } from '../../compute/anatomy/planeGeometry';
import { territoryColour, type AnatomyState } from '../../twin/anatomy';

export function exportPlanOf(s: Pick<AnatomyState, 'cutPlanes' | 'structures' | 'meshes' | 'territories'>): ExportPlan {
  const resections: ExportPlan['resections'] = [];
  const perOrgan = new Map<number, number>();
  for (const c of s.cutPlanes) perOrgan.set(c.organLabel, (perOrgan.get(c.organLabel) ?? 0) + 1);
  const seen = new Map<number, number>();
  for (const c of s.cutPlanes) {
    const organ = s.structures.find((x) => x.label === c.organLabel);
    const mesh = s.meshes.get(c.organLabel);
    if (organ === undefined || mesh === undefined) continue;
    const n = (seen.get(c.organLabel) ?? 0) + 1;
    seen.set(c.organLabel, n);
    const centre: Vec3 = c.centreLps ?? boundsOf(mesh.mesh.positionsLps).centreLps;
    const name = `resection ${c.surface ? 'surface' : 'plane'}${(perOrgan.get(c.organLabel) ?? 0) > 1 ? ` ${n}` : ''} · ${organ.name}`;
    resections.push({ name, organLabel: c.organLabel, plane: cutPlaneLps(c, centre), ...(c.surface ? { patch: c.surface } : {}) });
  }
  const t = s.territories;
  if (t === null || t.map === null || t.liverLabel === null || !s.meshes.has(t.liverLabel)) return { resections };
  const map = t.map;
  return {
    resections,
    territories: {
      liverLabel: t.liverLabel,
      grid: map.grid,
      labels: map.labels,
      generation: map.generation,
      liverMl: map.liverMl,
      items: map.branches.map((b) => ({ id: b.id, name: `territory ${t.names[b.id] ?? b.name}`, colorRgb: territoryColour(b.id), volumeMl: b.volumeMl })),
    },
  };
}
