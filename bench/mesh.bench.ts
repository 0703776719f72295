// `npm run bench -- mesh`: a 512×512×300 CT-sized label volume with 5 organ-sized structures →
// decimated surfaces, against @kitware/vtk.js ImageMarchingCubes (the browser peer, plain JS,
// single-threaded) on the same voxels, in the same run.
//
// Like for like: "extract" compares our marching cubes (all 5 labels, straight from the label
// volume) with vtk.js marching cubes run per structure on a binary crop of the structure's
// bounding box (+1 voxel) — the crop is prepared outside vtk's timing, which favours vtk.js.
// "pipeline" adds our inter-slice interpolation, Taubin smoothing and meshoptimizer decimation,
// which vtk.js's filter does not do, so that ratio is conservative. Speed-up ratio = vtk time / our
// time. "ripple-*" lines compare the surfaces' smoothness against vtk.js's windowed-sinc smoother.
import vtkDataArray from '@kitware/vtk.js/Common/Core/DataArray.js';
import vtkImageData from '@kitware/vtk.js/Common/DataModel/ImageData.js';
import vtkImageMarchingCubes from '@kitware/vtk.js/Filters/General/ImageMarchingCubes.js';
import vtkWindowedSincPolyDataFilter from '@kitware/vtk.js/Filters/General/WindowedSincPolyDataFilter.js';
import vtkPolyData from '@kitware/vtk.js/Common/DataModel/PolyData.js';
import { type LabelVolume, type Vec3, mm3ToMl, voxelVolumeMm3 } from '../core/domain/imaging';
import { extractSlab } from '../workers/meshing/marchingCubes';
import { ijkMeshToLps, signedVolumeMm3 } from '../workers/meshing/meshMetrics';
import { createNodeMeshingPool } from '../workers/meshing/nodePool';
import { meshInParallel, shareLabels, type ParallelTimingsMs } from '../core/meshing/parallel';
import { buildVolume, MESH_BENCH } from './meshVolume';
import { execFileSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { report } from './report';
import { inlinePort } from '../workers/meshing/inlinePort';
import { mergeSlabSurfaces } from '../core/meshing/slabs';
import { interSliceOf } from '../core/meshing/pipeline';
import { axisAlignedGeometry, ellipsoidPhantom, ellipsoidSurfaceErrorMm } from '../workers/meshing/phantoms';
import { taubinSmooth } from '../workers/meshing/smoothing';

const BENCH = 'mesh';
const { DIMS, BUDGET } = MESH_BENCH;

function maxRssMb(): number {
  return process.resourceUsage().maxRSS / 1024;
}

interface VtkResult {
  ms: number;
  /** Process CPU time during the filter (user + system): robust to other load on a shared machine. */
  cpuMs: number;
  triangles: number;
  volumeMl: number;
}

/** vtk.js marching cubes on the structure's bounding-box crop; returns its time, triangles and volume. */
function vtkStructure(volume: LabelVolume, label: number): VtkResult {
  const [nI, nJ, nK] = volume.dimensions;
  let lo = [nI, nJ, nK];
  let hi = [-1, -1, -1];
  for (let k = 0; k < nK; k++)
    for (let j = 0; j < nJ; j++) {
      const row = (k * nJ + j) * nI;
      for (let i = 0; i < nI; i++) {
        if (volume.labels[row + i] !== label) continue;
        if (i < lo[0]!) lo[0] = i;
        if (i > hi[0]!) hi[0] = i;
        if (j < lo[1]!) lo[1] = j;
        if (j > hi[1]!) hi[1] = j;
        if (k < lo[2]!) lo[2] = k;
        if (k > hi[2]!) hi[2] = k;
      }
    }
  // One voxel of zero padding on every side so vtk.js closes the surface, as our extractor does.
  lo = lo.map((x) => x - 1);
  hi = hi.map((x) => x + 1);
  const d = [hi[0]! - lo[0]! + 1, hi[1]! - lo[1]! + 1, hi[2]! - lo[2]! + 1] as Vec3;
  const crop = new Uint8Array(d[0] * d[1] * d[2]);
  for (let k = 1; k < d[2] - 1; k++)
    for (let j = 1; j < d[1] - 1; j++) {
      const src = ((lo[2]! + k) * nJ + lo[1]! + j) * nI + lo[0]!;
      const dst = (k * d[1] + j) * d[0];
      for (let i = 1; i < d[0] - 1; i++) crop[dst + i] = volume.labels[src + i] === label ? 1 : 0;
    }
  const image = vtkImageData.newInstance();
  image.setDimensions([d[0], d[1], d[2]]);
  image.setSpacing([volume.spacingMm[0], volume.spacingMm[1], volume.spacingMm[2]]);
  image.setOrigin([0, 0, 0]);
  image.getPointData().setScalars(vtkDataArray.newInstance({ numberOfComponents: 1, values: crop }));
  const mc = vtkImageMarchingCubes.newInstance({ contourValue: 0.5, computeNormals: false, mergePoints: true });
  mc.setInputData(image);
  // vtk.js times its filter with console.time, which would land on stdout between our JSON lines.
  const { time, timeEnd } = console;
  console.time = () => undefined;
  console.timeEnd = () => undefined;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const out = mc.getOutputData();
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(c0);
  console.time = time;
  console.timeEnd = timeEnd;
  const points = out.getPoints().getData();
  const polys = out.getPolys().getData();
  // vtk cell array: [3, a, b, c, 3, …].
  const indices = new Uint32Array((polys.length / 4) * 3);
  for (let c = 0, t = 0; c < polys.length; c += 4, t += 3) {
    indices[t] = polys[c + 1]!;
    indices[t + 1] = polys[c + 2]!;
    indices[t + 2] = polys[c + 3]!;
  }
  const positions = points instanceof Float32Array ? points : Float32Array.from(points);
  return { ms, cpuMs: (cpu.user + cpu.system) / 1000, triangles: indices.length / 3, volumeMl: Math.abs(mm3ToMl(signedVolumeMm3(positions, indices))) };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

export async function run(): Promise<void> {
  const tBuild = performance.now();
  const { volume, analyticMl } = buildVolume();
  const voxelMm3 = voxelVolumeMm3(volume);
  process.stderr.write(`mesh bench: volume built in ${(performance.now() - tBuild).toFixed(0)} ms\n`);
  const labels = volume.segments.map((s) => s.label);
  // The load average goes into every line: on a shared machine wall-clock ratios move with it.
  const common = { voxels: DIMS[0] * DIMS[1] * DIMS[2], structures: labels.length, loadAverage1m: loadavg()[0] };

  // 1. Our raw extraction, single thread (the like-for-like number against vtk.js).
  const extractRuns: number[] = [];
  const extractCpu: number[] = [];
  let rawVolumes = new Map<number, { ml: number; voxelMl: number; triangles: number }>();
  for (let r = 0; r < 3; r++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const parts = extractSlab({ labels: volume.labels, dimensions: DIMS, sliceStart: 0, layerStart: -1, layerEnd: DIMS[2], wanted: labels, interSlice: interSliceOf(volume, {}) });
    extractRuns.push(performance.now() - t0);
    const cu = process.cpuUsage(c0);
    extractCpu.push((cu.user + cu.system) / 1000);
    rawVolumes = new Map(
      parts.map((p) => {
        const m = mergeSlabSurfaces([p]);
        ijkMeshToLps(m.positionsIjk, m.indices, volume);
        return [p.label, { ml: mm3ToMl(signedVolumeMm3(m.positionsIjk, m.indices)), voxelMl: mm3ToMl(p.voxelCount * voxelMm3), triangles: m.indices.length / 3 }];
      }),
    );
  }
  const extractSingleMs = median(extractRuns);
  const extractSingleCpuMs = median(extractCpu);

  // 2. vtk.js ImageMarchingCubes per structure: two passes, the faster kept (JIT warm, like ours).
  const vtk = new Map<number, VtkResult>();
  for (let r = 0; r < 2; r++) {
    for (const l of labels) {
      const v = vtkStructure(volume, l);
      const prev = vtk.get(l);
      if (prev === undefined || v.ms < prev.ms) vtk.set(l, v);
    }
  }
  const vtkMs = [...vtk.values()].reduce((a, v) => a + v.ms, 0);
  const vtkCpuMs = [...vtk.values()].reduce((a, v) => a + v.cpuMs, 0);
  const rssAfterVtk = maxRssMb();

  // 3. Full pipeline (extract → smooth → decimate), single thread and on 2 worker_threads.
  const single: ParallelTimingsMs[] = [];
  const singleCpu: number[] = [];
  let singleStructures: Awaited<ReturnType<typeof meshInParallel>>['structures'] = [];
  for (let r = 0; r < 2; r++) {
    const port = await inlinePort();
    const c0 = process.cpuUsage();
    const res = await meshInParallel(volume, [port], { budgetTriangles: BUDGET }, { slabsPerWorker: 1 });
    const cu = process.cpuUsage(c0);
    singleCpu.push((cu.user + cu.system) / 1000);
    single.push(res.timingsMs);
    singleStructures = res.structures;
  }
  const rssAfterSingle = maxRssMb();
  const modelled = await modelTwoWorkersFromCpu(volume);
  const pool = await createNodeMeshingPool(2);
  const two: ParallelTimingsMs[] = [];
  try {
    // Labels shared with the workers (one SharedArrayBuffer copy, made once outside the timing).
    const sharedVolume = shareLabels(volume);
    for (let r = 0; r < 3; r++) two.push((await meshInParallel(sharedVolume, pool.ports, { budgetTriangles: BUDGET })).timingsMs);
  } finally {
    await pool.close();
  }
  const rssAfterTwo = maxRssMb();
  const pipelineSingleMs = median(single.map((t) => t.totalMs));
  const pipelineTwoMs = median(two.map((t) => t.totalMs));
  const extractTwoMs = median(two.map((t) => t.extractMs));

  report({
    bench: BENCH, metric: 'extract-single-thread', value: extractSingleMs, unit: 'ms', peer: 'vtk.js ImageMarchingCubes', peerValue: vtkMs, ratio: vtkMs / extractSingleMs,
    cpuMs: extractSingleCpuMs, peerCpuMs: vtkCpuMs, cpuRatio: vtkCpuMs / extractSingleCpuMs, ...common,
  });
  report({ bench: BENCH, metric: 'extract-2-workers', value: extractTwoMs, unit: 'ms', peer: 'vtk.js ImageMarchingCubes', peerValue: vtkMs, ratio: vtkMs / extractTwoMs, ...common });
  report({
    bench: BENCH, metric: 'pipeline-single-thread', value: pipelineSingleMs, unit: 'ms', peer: 'vtk.js ImageMarchingCubes (no smoothing/decimation)', peerValue: vtkMs, ratio: vtkMs / pipelineSingleMs,
    cpuMs: median(singleCpu), peerCpuMs: vtkCpuMs, cpuRatio: vtkCpuMs / median(singleCpu), ...common,
  });
  report({ bench: BENCH, metric: 'pipeline-2-workers', value: pipelineTwoMs, unit: 'ms', peer: 'vtk.js ImageMarchingCubes (no smoothing/decimation)', peerValue: vtkMs, ratio: vtkMs / pipelineTwoMs, ...common });
  report({
    bench: BENCH, metric: 'pipeline-2-workers-modelled-from-cpu', value: modelled.makespanCpuMs, unit: 'ms CPU', peer: 'vtk.js ImageMarchingCubes CPU (no smoothing/decimation)', peerValue: vtkCpuMs,
    ratio: vtkCpuMs / modelled.makespanCpuMs, extractCpuMs: modelled.extractCpuMs, finishCpuMs: modelled.finishCpuMs, workerBusyCpuMs: modelled.workerBusyCpuMs,
    note: 'each task CPU-timed on one thread, then scheduled as the pool does on 2 workers (slabs in order, structures largest first, each to the first free worker); transfers not counted. Robust to load from other processes, unlike the wall-clock pipeline-2-workers line',
    ...common,
  });
  const s0 = single[single.length - 1]!;
  const t0 = two[two.length - 1]!;
  for (const [name, t] of [['single-thread', s0], ['2-workers', t0]] as const) {
    report({ bench: BENCH, metric: `stage-${name}`, value: t.totalMs, unit: 'ms', extractMs: t.extractMs, mergeMs: t.mergeMs, finishMs: t.finishMs, weldMsSummed: t.weldMs, smoothMsSummed: t.smoothMs, decimateMsSummed: t.decimateMs });
  }
  report({
    bench: BENCH, metric: 'peak-rss-bench-process', value: rssAfterTwo, unit: 'MB', afterVtkMb: rssAfterVtk, afterSingleMb: rssAfterSingle, heapUsedMb: process.memoryUsage().heapUsed / 1048576,
    note: 'this whole process: vtk.js, the single-thread pipeline and the 2-worker runs together; the pipeline alone is peak-rss-pipeline-*',
  });
  // The pipeline's own peak, each in a fresh process (mesh-memory.ts): labels copied per slab vs
  // shared (SharedArrayBuffer, one copy for all workers).
  for (const mode of ['copy', 'shared'] as const) {
    const out = execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', fileURLToPath(new URL('./mesh-memory.ts', import.meta.url)), '2', mode], { encoding: 'utf8', maxBuffer: 1 << 20 });
    const r = JSON.parse(out.trim().split('\n').at(-1)!) as { peakRssMb: number; peakRssBeforePipelineMb: number; labelVolumeMb: number; cpuMs: number; timingsMs: ParallelTimingsMs };
    report({
      bench: BENCH, metric: `peak-rss-pipeline-2-workers-${mode}`, value: r.peakRssMb, unit: 'MB', target: 1024, beforePipelineMb: r.peakRssBeforePipelineMb, labelVolumeMb: r.labelVolumeMb,
      cpuMs: r.cpuMs, extractMs: r.timingsMs.extractMs, mergeMs: r.timingsMs.mergeMs, finishMs: r.timingsMs.finishMs, smoothMsSummed: r.timingsMs.smoothMs, decimateMsSummed: r.timingsMs.decimateMs, ...common,
    });
  }

  let ourTris = 0;
  let rawTris = 0;
  let vtkTris = 0;
  for (const s of singleStructures) {
    const v = vtk.get(s.label)!;
    const raw = rawVolumes.get(s.label)!;
    ourTris += s.stats.triangleCount;
    rawTris += raw.triangles;
    vtkTris += v.triangles;
    report({
      bench: BENCH,
      metric: `structure-${s.name}`,
      value: s.stats.meshVolumeMl,
      unit: 'mL',
      voxelVolumeMl: s.stats.voxelVolumeMl,
      analyticMl: analyticMl.get(s.label),
      rawErrorPercent: 100 * (raw.ml / raw.voxelMl - 1),
      finalErrorPercent: 100 * (s.stats.meshVolumeMl / s.stats.voxelVolumeMl - 1),
      vtkErrorPercent: 100 * (v.volumeMl / s.stats.voxelVolumeMl - 1),
      rawTriangles: raw.triangles,
      triangles: s.stats.triangleCount,
      vtkTriangles: v.triangles,
      vtkMs: v.ms,
      watertight: s.stats.watertight,
    });
  }
  report({ bench: BENCH, metric: 'triangles', value: ourTris, unit: 'triangles', rawTriangles: rawTris, vtkTriangles: vtkTris, budgetPerStructure: BUDGET });
  ripples(loadavg()[0]!);
}

/**
 * The 2-worker pipeline's length from CPU time, for loaded machines where wall-clock is meaningless:
 * the same tasks meshInParallel gives 2 workers (2 slabs each, then one finish per structure), each
 * run on this thread and CPU-timed (best of 2 runs per task), then list-scheduled as the pool
 * schedules them: in order, each to the worker that is free first; the finish stage starts when the
 * last slab is done.
 */
async function modelTwoWorkersFromCpu(volume: LabelVolume): Promise<{ makespanCpuMs: number; extractCpuMs: number[]; finishCpuMs: number[]; workerBusyCpuMs: number[] }> {
  const inline = await inlinePort();
  const best = (a: number[] | undefined, b: number[]): number[] => (a === undefined ? b : a.map((x, i) => Math.min(x, b[i]!)));
  let extract: number[] | undefined;
  let finish: number[] | undefined;
  for (let r = 0; r < 2; r++) {
    const e: number[] = [];
    const f: number[] = [];
    const timed = <T,>(into: number[], run: () => Promise<T>): Promise<T> => {
      const c0 = process.cpuUsage();
      return run().then((x) => {
        const cu = process.cpuUsage(c0);
        into.push((cu.user + cu.system) / 1000);
        return x;
      });
    };
    const port = {
      extractSlab: (req: Parameters<typeof inline.extractSlab>[0], list: ArrayBuffer[]) => timed(e, () => inline.extractSlab(req, list)),
      finishStructure: (req: Parameters<typeof inline.finishStructure>[0], list: ArrayBuffer[]) => timed(f, () => inline.finishStructure(req, list)),
    };
    // One port, 4 slabs: the tasks 2 workers × 2 slabs each get, run one after the other (finish tasks largest first, as meshInParallel orders them).
    await meshInParallel(volume, [port], { budgetTriangles: BUDGET }, { slabsPerWorker: 4 });
    extract = best(extract, e);
    finish = best(finish, f);
  }
  const busy = [0, 0];
  const assign = (tasks: number[]): void => {
    for (const t of tasks) {
      const w = busy[0]! <= busy[1]! ? 0 : 1;
      busy[w] = busy[w]! + t;
    }
  };
  assign(extract!);
  const extractEnd = Math.max(...busy);
  busy[0] = extractEnd;
  busy[1] = extractEnd;
  assign(finish!);
  return { makespanCpuMs: Math.max(...busy), extractCpuMs: extract!, finishCpuMs: finish!, workerBusyCpuMs: busy };
}

/**
 * Ripples from thick slices (issue 17): a liver-sized ellipsoid (90 × 70 × 55 mm) sampled at 0.75 mm
 * pixels and 5 mm (then 1 mm) slices. Distance of the surface to the true ellipsoid (area-weighted
 * RMS and maximum) and volume vs the voxel volume, for: the binary marching-cubes surface + our
 * Taubin; vtk.js WindowedSincPolyDataFilter (VTK's smoother for label-map surfaces, 20 iterations,
 * pass band 0.01, the better of 0.1 / 0.01 in a trial) on the same binary surface; and our
 * inter-slice interpolated surface + Taubin (the pipeline's default). Smoothing CPU time alongside.
 */
function ripples(loadAverage1m: number): void {
  const shape = { label: 1, name: 'liver', centreLps: [0.3, 0.2, 0.7] as Vec3, radiiMm: [90, 70, 55] as Vec3 };
  const analyticMm3 = (4 / 3) * Math.PI * 90 * 70 * 55;
  for (const sliceMm of [5, 1]) {
    const g = axisAlignedGeometry([300, 260, Math.ceil(140 / sliceMm) + 4], [0.75, 0.75, sliceMm], [-112.3, -97.1, -72.4]);
    const volume = ellipsoidPhantom(g, [shape]);
    let voxels = 0;
    for (let x = 0; x < volume.labels.length; x++) voxels += volume.labels[x]!;
    const voxelMm3 = voxels * voxelVolumeMm3(g);
    const surface = (interpolate: boolean): { positionsLps: Float32Array; indices: Uint32Array } => {
      const [part] = extractSlab({ labels: volume.labels, dimensions: g.dimensions, sliceStart: 0, layerStart: -1, layerEnd: g.dimensions[2], wanted: [1], interSlice: interSliceOf(g, { interSliceInterpolation: interpolate }) });
      const m = mergeSlabSurfaces([part!]);
      ijkMeshToLps(m.positionsIjk, m.indices, g);
      return { positionsLps: m.positionsIjk, indices: m.indices };
    };
    const variants: Array<{ method: string; smooth: (m: { positionsLps: Float32Array; indices: Uint32Array }) => void; interpolate: boolean }> = [
      { method: 'binary, no smoothing', interpolate: false, smooth: () => undefined },
      { method: 'binary + Taubin 10', interpolate: false, smooth: (m) => taubinSmooth(m, { iterations: 10 }) },
      { method: 'binary + Taubin 20', interpolate: false, smooth: (m) => taubinSmooth(m, { iterations: 20 }) },
      { method: 'binary + vtk.js windowed sinc 20', interpolate: false, smooth: vtkWindowedSinc },
      { method: 'inter-slice interpolation, no smoothing', interpolate: true, smooth: () => undefined },
      { method: 'inter-slice interpolation + Taubin 10 (pipeline default)', interpolate: true, smooth: (m) => taubinSmooth(m, { iterations: 10 }) },
    ];
    for (const v of variants) {
      const m = surface(v.interpolate);
      const c0 = process.cpuUsage();
      v.smooth(m);
      const cu = process.cpuUsage(c0);
      const e = ellipsoidSurfaceErrorMm(m.positionsLps, m.indices, shape);
      const vol = signedVolumeMm3(m.positionsLps, m.indices);
      report({
        bench: BENCH, metric: `ripple-${sliceMm}mm-slices`, method: v.method, value: e.rmsMm, unit: 'mm RMS to the true surface', maxMm: e.maxMm,
        volumeVsVoxelPercent: 100 * (vol / voxelMm3 - 1), volumeVsAnalyticPercent: 100 * (vol / analyticMm3 - 1), smoothCpuMs: (cu.user + cu.system) / 1000,
        triangles: m.indices.length / 3, loadAverage1m,
      });
    }
  }
}

/** vtk.js WindowedSincPolyDataFilter on a mesh, positions replaced in place. */
function vtkWindowedSinc(m: { positionsLps: Float32Array; indices: Uint32Array }): void {
  const pd = vtkPolyData.newInstance();
  pd.getPoints().setData(m.positionsLps, 3);
  const polys = new Uint32Array((m.indices.length / 3) * 4);
  for (let t = 0, c = 0; t < m.indices.length; t += 3, c += 4) {
    polys[c] = 3;
    polys[c + 1] = m.indices[t]!;
    polys[c + 2] = m.indices[t + 1]!;
    polys[c + 3] = m.indices[t + 2]!;
  }
  pd.getPolys().setData(polys);
  const f = vtkWindowedSincPolyDataFilter.newInstance({ numberOfIterations: 20, passBand: 0.01, nonManifoldSmoothing: 0, featureEdgeSmoothing: 0, boundarySmoothing: 0, normalizeCoordinates: 1 });
  f.setInputData(pd);
  m.positionsLps.set(f.getOutputData().getPoints().getData() as Float32Array);
}
