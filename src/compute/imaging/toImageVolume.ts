// Turning a loaded Cornerstone volume into the app's `ImageVolume` (src/domain/imaging.ts).
// Pure: takes the numbers Cornerstone exposes (dimensions, spacing, origin, direction, scalars)
// so it is tested in Node without WebGL.
import type { ImageVolume, Vec3, VoxelArray } from '../../../core/domain/imaging';

export interface CornerstoneVolumeLike {
  volumeId: string;
  dimensions: ArrayLike<number>;
  spacing: ArrayLike<number>;
  origin: ArrayLike<number>;
  /**
   * Cornerstone's `direction`: row cosine, column cosine, slice normal, row-major — the same
   * layout as `VolumeGeometry.directionLps` (generateVolumePropsFromImageIds in @cornerstonejs/core).
   */
  direction: ArrayLike<number>;
  /** True when the loader applied rescale slope/intercept already (voxels are HU for CT). */
  isPreScaled: boolean;
  modality?: string;
}

export interface Rescale {
  slope: number;
  intercept: number;
}

function vec3(a: ArrayLike<number>, what: string, id: string): Vec3 {
  const v: Vec3 = [Number(a[0]), Number(a[1]), Number(a[2])];
  if (a.length !== 3 || v.some((x) => !Number.isFinite(x))) {
    throw new Error(`volume ${id}: ${what} must be 3 finite numbers`);
  }
  return v;
}

/**
 * Copy a volume's scalars into an `ImageVolume`. The copy is deliberate: Cornerstone may evict
 * or rewrite its cache, while the published volume must stay valid for the Anatomy view and
 * workers. When the loader did not pre-scale, the rescale is applied here into Float32 (or Int16
 * when slope and intercept are integers and the range fits) so voxels are always in HU for CT.
 */
export function toImageVolume(
  v: CornerstoneVolumeLike,
  scalars: ArrayLike<number> & { length: number },
  rescale: Rescale | undefined,
  source: ImageVolume['source'],
  opts: {
    /**
     * Keep the caller's array instead of copying 150 MB again: a fresh array nobody else holds
     * (Cornerstone's `getCompleteScalarDataArray` builds one), or the viewer's own filled buffer,
     * which it then shares read-only with the published volume and never reuses (viewer.ts
     * `exportImageVolume`, voxelBufferPool.ts `share`).
     */
    scalarsOwned?: boolean;
  } = {},
): ImageVolume {
  const dimensions = vec3(v.dimensions, 'dimensions', v.volumeId);
  const spacingMm = vec3(v.spacing, 'spacing', v.volumeId);
  const originLps = vec3(v.origin, 'origin', v.volumeId);
  if (v.direction.length !== 9) throw new Error(`volume ${v.volumeId}: direction must be a 3×3 matrix`);
  const d = Array.from(v.direction, Number) as ImageVolume['directionLps'];
  const count = dimensions[0] * dimensions[1] * dimensions[2];
  if (scalars.length !== count) {
    throw new Error(`volume ${v.volumeId}: ${scalars.length} scalars for ${dimensions.join('×')} voxels`);
  }
  const isCt = (v.modality ?? 'CT') === 'CT';
  let voxels: VoxelArray;
  if (v.isPreScaled || !rescale || (rescale.slope === 1 && rescale.intercept === 0)) {
    voxels = opts.scalarsOwned && isVoxelArray(scalars) ? scalars : copyTyped(scalars);
  } else {
    const { slope, intercept } = rescale;
    const integral = Number.isInteger(slope) && Number.isInteger(intercept);
    const out = integral ? new Int16Array(count) : new Float32Array(count);
    let fits = true;
    for (let i = 0; i < count; i++) {
      const hu = (scalars[i] as number) * slope + intercept;
      if (integral && (hu < -32768 || hu > 32767)) fits = false;
      out[i] = hu;
    }
    if (!fits) {
      const f = new Float32Array(count);
      for (let i = 0; i < count; i++) f[i] = (scalars[i] as number) * slope + intercept;
      voxels = f;
    } else voxels = out;
  }
  return { dimensions, spacingMm, originLps, directionLps: d, voxels, unit: isCt ? 'HU' : 'arbitrary', source };
}

function isVoxelArray(a: ArrayLike<number>): a is VoxelArray {
  return a instanceof Int16Array || a instanceof Uint16Array || a instanceof Uint8Array || a instanceof Float32Array || a instanceof Int32Array;
}

function copyTyped(a: ArrayLike<number>): VoxelArray {
  if (a instanceof Int16Array) return a.slice();
  if (a instanceof Uint16Array) return a.slice();
  if (a instanceof Uint8Array) return a.slice();
  if (a instanceof Float32Array) return a.slice();
  if (a instanceof Int32Array) return a.slice();
  return Float32Array.from(a);
}
