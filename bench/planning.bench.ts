// `npm run bench -- planning` (issue 17): the liver planner's numbers on a 512×512×300 CT grid
// (0.75 × 0.75 × 1 mm), liver an ellipsoid of 1.45 L, eight portal branches from the hilum:
// - territories: nearest-branch assignment of every liver voxel (workers/liver/territories.ts),
//   target ≤ 2 s;
// - drag update: remnant + per-territory volumes for a moved plane, 200 offsets, p95, target ≤ 50 ms;
// - centrelines: extraction from a painted portal tree (workers/liver/centrelines.ts), and the
//   territories of its extracted first- and second-order branches.
// - surface drag with territories: the curved (Bézier) surface moved and every territory's remnant
//   read for it, 200 steps, p95, target ≤ 50 ms.
// CPU time (process.cpuUsage) is reported beside wall time: on the shared machine only CPU time is
// meaningful. No peer runs in Node. Published Slicer-Liver figures: Palomar et al., Comput Methods
// Programs Biomed 2017;144:135–145 (the Bézier-surface method Slicer-Liver implements) call the
// margin update "real-time" (GPU distance maps) and report a median planning time of 174 s per
// resection by five surgeons — a whole-task user time, not a per-update compute time, so no ratio is
// formed; we found no published per-update or territory timings for Slicer-Liver.
import { cpus, loadavg } from 'node:os';
import { type Vec3, type VolumeGeometry, ijkToLps } from '../core/domain/imaging';
import { territoryRemnants, vascularTerritories, type Branch } from '../workers/liver/territories';
import { branchesAtGeneration, extractCentrelines, territoryBranches } from '../workers/liver/centrelines';
import { report } from './report';
import { SurfaceSideOnGrid, flatPatchOver, surfaceCutCounts, tessellateSurface, type ResectionSurface } from '../workers/liver/resectionSurface';
import { SurfaceDistance, VoxelMask, surfaceMarginMap } from '../workers/liver/margins';

const BENCH = 'planning';

function cpuMs(start: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(start);
  return (d.user + d.system) / 1000;
}

export async function run(): Promise<void> {
  const g: VolumeGeometry = { dimensions: [512, 512, 300], spacingMm: [0.75, 0.75, 1], originLps: [-192, -192, -150], directionLps: [1, 0, 0, 0, 1, 0, 0, 0, 1] };
  const [nI, nJ, nK] = g.dimensions;
  const centre: Vec3 = [-40, 0, 0];
  const radii: Vec3 = [90, 70, 55];
  const mask = new Uint8Array(nI * nJ * nK);
  const p: Vec3 = [0, 0, 0];
  for (let k = 0; k < nK; k++) {
    for (let j = 0; j < nJ; j++) {
      for (let i = 0; i < nI; i++) {
        ijkToLps(g, i, j, k, p);
        const x = (p[0] - centre[0]) / radii[0];
        const y = (p[1] - centre[1]) / radii[1];
        const z = (p[2] - centre[2]) / radii[2];
        if (x * x + y * y + z * z <= 1) mask[i + nI * (j + nJ * k)] = 1;
      }
    }
  }
  const hilum: Vec3 = [-30, 20, -5];
  const branches: Branch[] = Array.from({ length: 8 }, (_, b) => {
    const a = (2 * Math.PI * b) / 8;
    const tip: Vec3 = [centre[0] + 0.8 * radii[0] * Math.cos(a), centre[1] + 0.8 * radii[1] * Math.sin(a), centre[2] + (b % 2 === 0 ? 25 : -25)];
    const mid: Vec3 = [(hilum[0] + tip[0]) / 2, (hilum[1] + tip[1]) / 2 + 5, (hilum[2] + tip[2]) / 2];
    return { id: b + 1, name: `segment ${b + 1}`, pointsLps: [hilum, mid, tip] };
  });
  const common = { grid: '512x512x300', cpus: cpus().length, loadavg1: Number(loadavg()[0]!.toFixed(2)) };

  let c0 = process.cpuUsage();
  let t0 = performance.now();
  const t = vascularTerritories(g, mask, branches);
  const territoriesWall = performance.now() - t0;
  const territoriesCpu = cpuMs(c0);
  const liverMl = [...t.volumeMl.values()].reduce((a, b) => a + b, 0);
  report({ bench: BENCH, metric: 'territories', value: territoriesCpu, unit: 'ms CPU', wallMs: territoriesWall, targetMs: 2000, liverMl, liverVoxels: t.liverVoxels.length, ...common });

  const scratch = new Float64Array(2 * 65536);
  const wall: number[] = [];
  const cpu: number[] = [];
  let remnant = 0;
  for (let s = 0; s < 200; s++) {
    const offset = -60 + (120 * s) / 199;
    c0 = process.cpuUsage();
    t0 = performance.now();
    const r = territoryRemnants(t, { pointLps: [centre[0] + offset, centre[1], centre[2]], normalLps: [-0.98, 0.17, 0.1] }, scratch);
    wall.push(performance.now() - t0);
    cpu.push(cpuMs(c0));
    remnant += r.remnantMl;
  }
  const p95 = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(0.95 * (xs.length - 1))]!;
  report({ bench: BENCH, metric: 'drag-update-p95', value: p95(cpu), unit: 'ms CPU', wallP95Ms: p95(wall), targetMs: 50, planes: 200, meanRemnantMl: remnant / 200, ...common });

  // Centreline extraction (workers/liver/centrelines.ts) from a painted portal tree on the same grid:
  // a 7 mm trunk to the hilum, four 4.5 mm first-order branches, three 2.5 mm second-order branches
  // each (17 segments, 5 branching points, 12 ends), then the territories of the extracted first- and second-order branches.
  const vessel = new Uint8Array(nI * nJ * nK);
  const capsule = (a: Vec3, b: Vec3, r: number): void => {
    const inv = [1 / g.spacingMm[0], 1 / g.spacingMm[1], 1 / g.spacingMm[2]];
    const lo = [0, 1, 2].map((x) => Math.max(0, Math.floor((Math.min(a[x]!, b[x]!) - r - g.originLps[x]!) * inv[x]!)));
    const hi = [0, 1, 2].map((x) => Math.min(g.dimensions[x]! - 1, Math.ceil((Math.max(a[x]!, b[x]!) + r - g.originLps[x]!) * inv[x]!)));
    const d: Vec3 = [b[0] - a[0], b[1] - a[1], b[2] - a[2]];
    const dd = d[0] * d[0] + d[1] * d[1] + d[2] * d[2];
    for (let k = lo[2]!; k <= hi[2]!; k++) {
      for (let j = lo[1]!; j <= hi[1]!; j++) {
        for (let i = lo[0]!; i <= hi[0]!; i++) {
          ijkToLps(g, i, j, k, p);
          const w = [p[0] - a[0], p[1] - a[1], p[2] - a[2]];
          const t = Math.max(0, Math.min(1, (w[0]! * d[0] + w[1]! * d[1] + w[2]! * d[2]) / dd));
          if ((w[0]! - t * d[0]) ** 2 + (w[1]! - t * d[1]) ** 2 + (w[2]! - t * d[2]) ** 2 <= r * r) vessel[i + nI * (j + nJ * k)] = 1;
        }
      }
    }
  };
  capsule([-10, 45, -45], hilum, 7);
  for (let b = 0; b < 4; b++) {
    const a = (2 * Math.PI * (b + 0.5)) / 4;
    const end: Vec3 = [centre[0] + 0.45 * radii[0] * Math.cos(a), centre[1] + 0.45 * radii[1] * Math.sin(a), centre[2] + (b % 2 === 0 ? 15 : -15)];
    capsule(hilum, end, 4.5);
    for (let c = 0; c < 3; c++) {
      const a2 = a + ((c - 1) * Math.PI) / 4;
      capsule(end, [end[0] + 28 * Math.cos(a2), end[1] + 22 * Math.sin(a2), end[2] + (c - 1) * 12], 2.5);
    }
  }
  c0 = process.cpuUsage();
  t0 = performance.now();
  const cl = extractCentrelines(g, vessel);
  const extractWall = performance.now() - t0;
  const extractCpu = cpuMs(c0);
  const tree = cl.trees[0]!;
  const ends = tree.segments.filter((x) => x.children.length === 0).length;
  report({ bench: BENCH, metric: 'centrelines', value: extractCpu, unit: 'ms CPU', wallMs: extractWall, vesselVoxels: tree.voxelCount, trees: cl.trees.length, segments: tree.segments.length, bifurcations: tree.bifurcationsLps.length, ends, expectedSegments: 17, expectedBranchingPoints: 5, expectedEnds: 12, ...common });
  for (const generation of [1, 2]) {
    const choices = branchesAtGeneration(cl.trees, generation).map((x) => ({ ...x, name: `g${generation}.${x.id}` }));
    c0 = process.cpuUsage();
    t0 = performance.now();
    const tg = vascularTerritories(g, mask, territoryBranches(cl.trees, choices));
    report({ bench: BENCH, metric: `territories-from-centrelines-g${generation}`, value: cpuMs(c0), unit: 'ms CPU', wallMs: performance.now() - t0, targetMs: 2000, territories: tg.volumeMl.size, ...common });
  }

  // Curved resection surface (issue 17, helper planner): the drag update of a 4×4 Bézier surface —
  // one pass over the liver's voxel list (resected by the surface and by its plane) — with the
  // middle control points bent ±30 mm, 200 drag steps; and the margin map (48×48 cells) against a
  // 15 mm tumour.
  let n = 0;
  for (let x = 0; x < mask.length; x++) n += mask[x]!;
  const voxels = new Uint32Array(n);
  for (let x = 0, c = 0; x < mask.length; x++) if (mask[x] !== 0) voxels[c++] = x;
  const plane = { pointLps: [centre[0] + 10, centre[1], centre[2]] as Vec3, normalLps: [-0.98, 0.17, 0.1] as Vec3 };
  const box = new Float32Array([centre[0] - radii[0], centre[1] - radii[1], centre[2] - radii[2], centre[0] + radii[0], centre[1] + radii[1], centre[2] + radii[2]]);
  const patch = flatPatchOver(plane, box);
  const sWall: number[] = [];
  const sCpu: number[] = [];
  let resected = 0;
  for (let step = 0; step < 200; step++) {
    const bend = -30 + (60 * step) / 199;
    const surface: ResectionSurface = { ...plane, ...patch, heightsMm: patch.heightsMm.map((h, q) => ([5, 6, 9, 10].includes(q) ? bend : q % 4 === 0 ? bend / 3 : h)) };
    c0 = process.cpuUsage();
    t0 = performance.now();
    const counts = surfaceCutCounts(new SurfaceSideOnGrid(surface, g), voxels);
    sWall.push(performance.now() - t0);
    sCpu.push(cpuMs(c0));
    resected += counts.resectedBySurface;
  }
  report({ bench: BENCH, metric: 'surface-drag-p95', value: p95(sCpu), unit: 'ms CPU', wallP95Ms: p95(sWall), targetMs: 50, steps: 200, liverVoxels: voxels.length, meanResectedVoxels: Math.round(resected / 200), ...common });

  // The drag the surgeon sees in the Territories panel (issue 17): the curved surface moved, and the
  // remnant of every territory (8 synthetic branches above) read for it, as the worker's
  // territoryRemnants(plane, patch) does per request: build the surface's side function on the
  // grid, then one pass over the liver's territory labels.
  const tdWall: number[] = [];
  const tdCpu: number[] = [];
  let tdRemnant = 0;
  for (let step = 0; step < 200; step++) {
    const bend = -30 + (60 * step) / 199;
    const surface: ResectionSurface = { ...plane, ...patch, heightsMm: patch.heightsMm.map((h, q) => ([5, 6, 9, 10].includes(q) ? bend : q % 4 === 0 ? bend / 3 : h)) };
    c0 = process.cpuUsage();
    t0 = performance.now();
    const r = territoryRemnants(t, plane, scratch, new SurfaceSideOnGrid(surface, t.grid));
    tdWall.push(performance.now() - t0);
    tdCpu.push(cpuMs(c0));
    tdRemnant += r.remnantMl;
  }
  report({ bench: BENCH, metric: 'surface-drag-territories-p95', value: p95(tdCpu), unit: 'ms CPU', wallP95Ms: p95(tdWall), targetMs: 50, steps: 200, territories: t.volumeMl.size, meanRemnantMl: tdRemnant / 200, ...common });

  const tumourCentre: Vec3 = [centre[0] - 30, centre[1], centre[2]];
  const tumourVoxels: number[] = [];
  for (let x = 0; x < voxels.length; x++) {
    ijkToLps(g, voxels[x]! % nI, Math.floor(voxels[x]! / nI) % nJ, Math.floor(voxels[x]! / (nI * nJ)), p);
    if (Math.hypot(p[0] - tumourCentre[0], p[1] - tumourCentre[1], p[2] - tumourCentre[2]) <= 15) tumourVoxels.push(voxels[x]!);
  }
  const tumourMesh = tessellateSurface({ pointLps: tumourCentre, normalLps: [0, 0, 1], uRangeMm: [-15, 15], vRangeMm: [-15, 15], heightsMm: new Array<number>(16).fill(0) }, 64);
  // A sphere for the tumour surface: the flat grid above mapped radially (64×64 cells, ~8 000 triangles).
  const tp = tumourMesh.positionsLps;
  for (let v = 0; v < tp.length; v += 3) {
    const u = (tp[v]! - tumourCentre[0]) / 15, w = (tp[v + 1]! - tumourCentre[1]) / 15;
    const th = Math.PI * (0.5 + 0.5 * w), ph = Math.PI * u;
    tp[v] = tumourCentre[0] + 15 * Math.sin(th) * Math.cos(ph);
    tp[v + 1] = tumourCentre[1] + 15 * Math.sin(th) * Math.sin(ph);
    tp[v + 2] = tumourCentre[2] + 15 * Math.cos(th);
  }
  c0 = process.cpuUsage();
  t0 = performance.now();
  const organMask = new VoxelMask(g, voxels);
  const target = { label: 2, name: 'tumour', mesh: tumourMesh, distance: new SurfaceDistance(tumourMesh), mask: new VoxelMask(g, Uint32Array.from(tumourVoxels)) };
  const setupWall = performance.now() - t0;
  const setupCpu = cpuMs(c0);
  const mWall: number[] = [];
  const mCpu: number[] = [];
  let minMargin = 0;
  for (let step = 0; step < 20; step++) {
    const surface: ResectionSurface = { ...plane, ...patch, heightsMm: patch.heightsMm.map((h, q) => ([5, 6, 9, 10].includes(q) ? -step : h)) };
    c0 = process.cpuUsage();
    t0 = performance.now();
    const map = surfaceMarginMap(surface, tessellateSurface(surface, 48), organMask, [target]);
    mWall.push(performance.now() - t0);
    mCpu.push(cpuMs(c0));
    minMargin += map.min?.mm ?? 0;
  }
  report({ bench: BENCH, metric: 'margin-map-p95', value: p95(mCpu), unit: 'ms CPU', wallP95Ms: p95(mWall), setupMsCpu: setupCpu, setupWallMs: setupWall, vertices: 49 * 49, steps: 20, meanMinMarginMm: minMargin / 20, ...common });
}
