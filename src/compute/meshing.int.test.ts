// The browser meshing client driven over Node worker threads running the same meshing.worker.ts
// (the WorkerPool speaks the same comlink protocol to both).
import { afterEach, describe, expect, it } from 'vitest';
import { type ImageVolume } from '../../core/domain/imaging';
import { axisAlignedGeometry, ellipsoidPhantom, paintBox } from '../../workers/meshing/phantoms';
import { MeshingClient } from './meshing';
import { nodeThreadFactory } from '../../workers/nodeThread/nodeThread';
import { type SegmentationOp } from '../../core/domain/segmentation';

const nodeWorker = nodeThreadFactory(new URL('../../workers/meshing/meshing.worker.ts', import.meta.url), 'meshing');

let client: MeshingClient | undefined;
afterEach(() => client?.dispose());

const g = axisAlignedGeometry([48, 40, 36], [1, 1, 1.5], [-24, -20, -27]);
const labels = ellipsoidPhantom(g, [
  { label: 1, name: 'liver', centreLps: [-4, 0, 0], radiiMm: [16, 14, 20] },
  { label: 2, name: 'aorta', centreLps: [14, 10, 0], radiiMm: [4, 4, 24] },
]);

describe('MeshingClient', () => {
  it('meshes on 2 workers with progress reaching 100%', async () => {
    client = new MeshingClient({ size: 2, create: nodeWorker });
    const fractions: number[] = [];
    const structures = await client.meshLabelVolume(labels, { budgetTriangles: 2000 }, { onProgress: (p) => fractions.push(p.fraction) });
    expect(structures.map((s) => s.name)).toEqual(['liver', 'aorta']);
    expect(structures.every((s) => s.stats.watertight && s.stats.triangleCount <= 2000)).toBe(true);
    expect(fractions.at(-1)).toBe(1);
  });

  it('cancels: rejects with AbortError and works again afterwards', async () => {
    client = new MeshingClient({ size: 2, create: nodeWorker });
    const controller = new AbortController();
    const run = client.meshLabelVolume(labels, {}, { signal: controller.signal });
    controller.abort();
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
    const again = await client.meshLabelVolume(labels, { labels: [2], budgetTriangles: 500 });
    expect(again.map((s) => s.name)).toEqual(['aorta']);
  });

  it('segments on the worker that keeps the CT: region grow then fill holes', async () => {
    client = new MeshingClient({ size: 1, create: nodeWorker });
    const n = 20 * 20 * 20;
    const seg = new Uint8Array(n);
    paintBox(seg, [20, 20, 20], [4, 4, 4], [15, 15, 15], 1);
    paintBox(seg, [20, 20, 20], [8, 8, 8], [10, 10, 10], 2);
    const voxels = new Int16Array(n).map((_, x) => [40, 100, 300][seg[x]!]!);
    const ct: ImageVolume = { ...axisAlignedGeometry([20, 20, 20], [1, 1, 1]), voxels, unit: 'HU', source: { kind: 'generated', id: 'ct' } };
    await client.loadImageVolume(ct);
    const grown = await client.segment(new Uint8Array(n), { op: 'regionGrow', seedIjk: [5, 5, 5], range: { minHu: 60, maxHu: 180 } });
    expect(grown.voxelCount).toBe(12 ** 3 - 27);
    const filled = await client.segment(grown.mask, { op: 'fillHoles' });
    expect(filled.voxelCount).toBe(12 ** 3);
  });
  it('segmentation: progress per step, and a cancel keeps the worker and its CT (no reload, no new worker)', async () => {
    let spawned = 0;
    client = new MeshingClient({ size: 1, create: () => (spawned++, nodeWorker()) });
    const n = 20 * 20 * 20;
    const seg = new Uint8Array(n);
    paintBox(seg, [20, 20, 20], [4, 4, 4], [15, 15, 15], 1);
    paintBox(seg, [20, 20, 20], [8, 8, 8], [10, 10, 10], 2);
    const voxels = new Int16Array(n).map((_, x) => [40, 100, 300][seg[x]!]!);
    const ct: ImageVolume = { ...axisAlignedGeometry([20, 20, 20], [1, 1, 1]), voxels, unit: 'HU', source: { kind: 'generated', id: 'ct' } };
    await client.loadImageVolume(ct);
    const grow: SegmentationOp = { op: 'regionGrow', seedIjk: [5, 5, 5], range: { minHu: 60, maxHu: 180 } };

    // Cancelled after the first of two steps (from its progress callback): rejects, second step never runs.
    const controller = new AbortController();
    const fractions: number[] = [];
    const cancelled = client.segment(new Uint8Array(n), [grow, { op: 'fillHoles' }], {
      signal: controller.signal,
      onProgress: (f) => {
        fractions.push(f);
        controller.abort();
      },
    });
    await expect(cancelled).rejects.toMatchObject({ name: 'AbortError' });
    expect(fractions).toEqual([0.5]);

    // Cancelled while its step is in flight in the worker: rejects at once; the step finishes there unseen.
    const c2 = new AbortController();
    const inFlight = client.segment(new Uint8Array(n), grow, { signal: c2.signal });
    c2.abort();
    await expect(inFlight).rejects.toMatchObject({ name: 'AbortError' });

    // The same worker still holds the CT: no loadImageVolume, and the result is right.
    const done: number[] = [];
    const r = await client.segment(new Uint8Array(n), [grow, { op: 'fillHoles' }], { onProgress: (f) => done.push(f) });
    expect(r.voxelCounts).toEqual([12 ** 3 - 27, 12 ** 3]);
    expect(r.voxelCount).toBe(12 ** 3);
    expect(done).toEqual([0.5, 1]);
    expect(spawned).toBe(1);

    // A seed outside the range stops after the first step (nothing later can add voxels).
    const empty = await client.segment(new Uint8Array(n), [{ op: 'regionGrow', seedIjk: [0, 0, 0], range: { minHu: 60, maxHu: 180 } }, { op: 'fillHoles' }]);
    expect(empty.voxelCounts).toEqual([0]);
  });
});
