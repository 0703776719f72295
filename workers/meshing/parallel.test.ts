import { describe, expect, it } from 'vitest';
import { axisAlignedGeometry, ellipsoidPhantom } from './phantoms';
import { meshInParallel, type MeshingProgress } from '../../core/meshing/parallel';
import { AbortError } from '../../core/domain/abort';
import { meshLabelVolume } from './surfaces';
import { inlinePort } from './inlinePort';

const g = axisAlignedGeometry([48, 44, 37], [1, 1, 1.5], [-24, -22, -27]);
const volume = ellipsoidPhantom(g, [
  { label: 1, name: 'liver', centreLps: [-4, 0, 0], radiiMm: [16, 14, 20] },
  { label: 2, name: 'aorta', centreLps: [14, 10, 0], radiiMm: [4, 4, 30] },
  { label: 3, name: 'absent', centreLps: [500, 0, 0], radiiMm: [1, 1, 1] },
]);

describe('meshInParallel', () => {
  it('gives the same surfaces as the single-thread pipeline, whatever the slab count', async () => {
    const single = await meshLabelVolume(volume, { budgetTriangles: 1e6 });
    for (const workers of [1, 3]) {
      const ports = await Promise.all(Array.from({ length: workers }, () => inlinePort()));
      const progress: MeshingProgress[] = [];
      const { structures } = await meshInParallel(volume, ports, { budgetTriangles: 1e6 }, { onProgress: (p) => progress.push(p) });
      expect(structures.map((s) => s.name)).toEqual(['liver', 'aorta']);
      structures.forEach((s, i) => {
        expect(s.stats.voxelCount).toBe(single[i]!.stats.voxelCount);
        expect(s.stats.rawTriangleCount).toBe(single[i]!.stats.rawTriangleCount);
        expect(s.stats.rawMeshVolumeMl).toBeCloseTo(single[i]!.stats.rawMeshVolumeMl, 6);
        expect(s.stats.meshVolumeMl).toBeCloseTo(single[i]!.stats.meshVolumeMl, 4);
        expect(s.stats.watertight).toBe(true);
      });
      expect(progress.at(-1)!.fraction).toBe(1);
      expect(progress.every((p, i) => i === 0 || p.fraction >= progress[i - 1]!.fraction)).toBe(true);
    }
  });

  it('stops with an AbortError when cancelled', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(meshInParallel(volume, [await inlinePort()], {}, { signal: controller.signal })).rejects.toBeInstanceOf(AbortError);
  });
});
