import { describe, expect, it } from 'vitest';
import { createNodeMeshingPool } from './nodePool';
import { meshInParallel, shareLabels } from '../../core/meshing/parallel';
import { axisAlignedGeometry, ellipsoidPhantom } from './phantoms';

describe('Node worker pool', () => {
  it('meshes on two worker_threads with transferred buffers', async () => {
    const g = axisAlignedGeometry([40, 40, 30], [1, 1, 1], [-20, -20, -15]);
    const volume = ellipsoidPhantom(g, [{ label: 7, name: 'ball', centreLps: [0, 0, 0], radiiMm: [12, 12, 12] }]);
    const pool = await createNodeMeshingPool(2);
    try {
      const before = volume.labels.length;
      const { structures } = await meshInParallel(volume, pool.ports, { budgetTriangles: 3000 });
      expect(volume.labels.length).toBe(before); // the caller's volume is copied, not detached
      expect(structures).toHaveLength(1);
      const s = structures[0]!;
      expect(s.stats.watertight).toBe(true);
      expect(Math.abs(s.stats.meshVolumeMl / s.stats.voxelVolumeMl - 1)).toBeLessThan(0.03);
      expect(s.mesh.positionsLps).toBeInstanceOf(Float32Array);
    } finally {
      await pool.close();
    }
  });

  it('with labels in a SharedArrayBuffer the workers read slab views (nothing copied) and give the same surfaces', async () => {
    const g = axisAlignedGeometry([40, 40, 30], [1, 1, 1], [-20, -20, -15]);
    const volume = ellipsoidPhantom(g, [
      { label: 7, name: 'ball', centreLps: [0, 0, 0], radiiMm: [12, 12, 12] },
      { label: 9, name: 'rod', centreLps: [13, 13, 0], radiiMm: [3, 3, 13] },
    ]);
    const shared = shareLabels(volume);
    expect(shared.labels.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(shareLabels(shared)).toBe(shared); // already shared: no second copy
    expect(Buffer.compare(Buffer.from(shared.labels), Buffer.from(volume.labels))).toBe(0);
    const pool = await createNodeMeshingPool(2);
    try {
      const copied = await meshInParallel(volume, pool.ports, { budgetTriangles: 3000 });
      const viewed = await meshInParallel(shared, pool.ports, { budgetTriangles: 3000 });
      expect(viewed.structures.map((s) => s.stats)).toEqual(copied.structures.map((s) => s.stats));
      expect(Buffer.compare(Buffer.from(shared.labels), Buffer.from(volume.labels))).toBe(0); // read, never written
    } finally {
      await pool.close();
    }
  });
});
