// What the exports carry of the plan on screen (issue 17): the cuts drawn (a plane as its flat
// patch, a curved surface with its 16 heights), at the exact plane the readouts use, and the vascular
// territories with the names, colours and volumes the Territories panel shows. The Anatomy worker
// turns it into GLB nodes / STL files (workers/liver/planExport.ts).
import type { ExportPlan } from '../../../core/contracts/anatomy-worker';
import type { PlaneLps } from '../../../core/domain/mesh';
import { territoryColour, type AnatomyState, type CutPlaneState } from '../../twin/anatomy';

/** The plan on screen for the exports; `planeOf` gives a cut's exact plane (the session's, as its readouts). */
export function exportPlanOf(s: Pick<AnatomyState, 'cutPlanes' | 'structures' | 'meshes' | 'territories'>, planeOf: (c: CutPlaneState) => PlaneLps): ExportPlan {
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
    const name = `resection ${c.surface ? 'surface' : 'plane'}${(perOrgan.get(c.organLabel) ?? 0) > 1 ? ` ${n}` : ''} · ${organ.name}`;
    resections.push({ name, organLabel: c.organLabel, plane: planeOf(c), ...(c.surface ? { patch: c.surface } : {}) });
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
