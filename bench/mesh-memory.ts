// The meshing pipeline's memory, alone in its own process (run by mesh.bench.ts; or directly:
// `node --expose-gc --import tsx bench/mesh-memory.ts [workers] [copy|shared]`). The benchmark's other stages
// (vtk.js, the single-thread run) would otherwise set the process's peak. Prints one JSON object:
// peak RSS of the process (main thread + worker threads) after building the volume and after the
// whole pipeline (extract → smooth → decimate), with the stage times.
import { meshInParallel, shareLabels } from '../core/meshing/parallel';
import { createNodeMeshingPool } from '../workers/meshing/nodePool';
import { buildVolume, MESH_BENCH } from './meshVolume';

const workers = Number(process.argv[2] ?? 2);
const mode = process.argv[3] === 'copy' ? 'copy' : 'shared';
const maxRssMb = (): number => process.resourceUsage().maxRSS / 1024;

// (The unshared build is dropped at once in shared mode: only the shared copy stays referenced.)
const volume = mode === 'shared' ? shareLabels(buildVolume().volume) : buildVolume().volume;
// Collect the unshared build before measuring (run with --expose-gc, as mesh.bench.ts does).
(globalThis as { gc?: () => void }).gc?.();
const pool = await createNodeMeshingPool(workers);
const afterSetupMb = maxRssMb();
const rssSetupMb = process.memoryUsage().rss / 1048576;
const c0 = process.cpuUsage();
const { structures, timingsMs } = await meshInParallel(volume, pool.ports, { budgetTriangles: MESH_BENCH.BUDGET });
const cpu = process.cpuUsage(c0);
await pool.close();
process.stdout.write(
  `${JSON.stringify({
    workers,
    labels: mode,
    peakRssMb: maxRssMb(),
    rssAfterSetupMb: rssSetupMb,
    peakRssBeforePipelineMb: afterSetupMb,
    labelVolumeMb: volume.labels.byteLength / 1048576,
    cpuMs: (cpu.user + cpu.system) / 1000,
    timingsMs,
    triangles: structures.reduce((a, s) => a + s.stats.triangleCount, 0),
  })}\n`,
);
