// A meshing port that runs the kernels on the calling thread (tests; the single-thread baseline in
// the benchmark), for core/meshing/parallel.ts's meshInParallel.
import { type MeshingPort } from '../../core/meshing/parallel';
import { extractSlab } from './marchingCubes';
import { finishStructure } from './surfaces';

/** A port that runs the kernels on the calling thread. */
export function inlinePort(): Promise<MeshingPort> {
  return Promise.resolve({
    extractSlab: (req) => Promise.resolve(extractSlab(req)),
    finishStructure: (req) => finishStructure(req),
  });
}
