import { describe, expect, it } from 'vitest';
import { createNodeMeshingPool } from './nodePool';
import { meshInParallel } from '../../core/meshing/parallel';
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
});
