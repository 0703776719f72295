// Splitting a surface by a cut (issue 17), shared by the structures and the territories in the 3D
// scene: a plane cut as two three.js clipping planes (remnant / resected side), a curved resection
// surface as uniforms and a fragment-shader hook with the same side function as the volume kernel.
import * as THREE from 'three';
import type { Vec3 } from '../../../core/domain/imaging';
import { planeAxesLps, type ResectionSurface } from '../../../core/domain/resectionSurface';
import { cutPlaneLps } from '../../compute/anatomy/planeGeometry';
import type { CutPlaneState } from '../../twin/anatomy';

export function cutPlanes(cut: CutPlaneState, centreLps: Vec3): { resected: THREE.Plane; remnant: THREE.Plane } {
  const p = cutPlaneLps(cut, centreLps);
  const n = new THREE.Vector3(...p.normalLps);
  const point = new THREE.Vector3(...p.pointLps);
  const resected = new THREE.Plane().setFromNormalAndCoplanarPoint(n, point);
  const remnant = resected.clone().negate();
  return { resected, remnant };
}

/** The curved surface of a cut, placed on its plane (null for a plane cut). */
export function resectionSurfaceOf(cut: CutPlaneState | undefined, centreLps: Vec3): ResectionSurface | null {
  if (cut?.surface === undefined) return null;
  return { ...cut.surface, ...cutPlaneLps(cut, cut.centreLps ?? centreLps) };
}

/** Uniforms of the curved-surface split (updated in place; the shader reads them every frame). */
export interface SurfaceClipUniforms {
  [name: string]: { value: unknown };
  uSurfOn: { value: number };
  uSurfP0: { value: THREE.Vector3 };
  uSurfN: { value: THREE.Vector3 };
  uSurfU: { value: THREE.Vector3 };
  uSurfV: { value: THREE.Vector3 };
  uSurfRange: { value: THREE.Vector4 };
  uSurfH: { value: number[] };
}

export function surfaceClipUniforms(): SurfaceClipUniforms {
  return {
    uSurfOn: { value: 0 },
    uSurfP0: { value: new THREE.Vector3() },
    uSurfN: { value: new THREE.Vector3(0, 0, 1) },
    uSurfU: { value: new THREE.Vector3(1, 0, 0) },
    uSurfV: { value: new THREE.Vector3(0, 1, 0) },
    uSurfRange: { value: new THREE.Vector4(0, 1, 0, 1) },
    uSurfH: { value: new Array<number>(16).fill(0) },
  };
}

export function setSurfaceUniforms(u: SurfaceClipUniforms, s: ResectionSurface | null): void {
  u.uSurfOn.value = s === null ? 0 : 1;
  if (s === null) return;
  const { uLps, vLps } = planeAxesLps(s.normalLps);
  u.uSurfP0.value.set(...s.pointLps);
  u.uSurfN.value.set(...s.normalLps).normalize();
  u.uSurfU.value.set(...uLps);
  u.uSurfV.value.set(...vLps);
  u.uSurfRange.value.set(s.uRangeMm[0], s.uRangeMm[1], s.vRangeMm[0], s.vRangeMm[1]);
  for (let q = 0; q < 16; q++) u.uSurfH.value[q] = s.heightsMm[q]!;
}

/**
 * Split a material by the curved surface in the fragment shader: the same side function as the
 * volume kernel (core/domain/resectionSurface.ts: side = (p − p0)·n − h(u, v), h the bicubic
 * Bézier of the control heights, clamped outside the patch); `keep` = which side stays drawn.
 */
export function surfaceClipHooks(u: SurfaceClipUniforms, keep: 'remnant' | 'resected'): Pick<THREE.Material, 'onBeforeCompile' | 'customProgramCacheKey'> {
  return {
    onBeforeCompile: (shader) => {
      Object.assign(shader.uniforms, u);
      shader.vertexShader = `varying vec3 vSurfLps;\n${shader.vertexShader.replace('#include <begin_vertex>', '#include <begin_vertex>\n  vSurfLps = (modelMatrix * vec4(position, 1.0)).xyz;')}`;
      shader.fragmentShader = `varying vec3 vSurfLps;
uniform float uSurfOn; uniform vec3 uSurfP0; uniform vec3 uSurfN; uniform vec3 uSurfU; uniform vec3 uSurfV; uniform vec4 uSurfRange; uniform float uSurfH[16];
vec4 surfBern(float t) { float r = 1.0 - t; return vec4(r * r * r, 3.0 * t * r * r, 3.0 * t * t * r, t * t * t); }
${shader.fragmentShader.replace(
        '#include <clipping_planes_fragment>',
        `#include <clipping_planes_fragment>
  if (uSurfOn > 0.5) {
    vec3 d = vSurfLps - uSurfP0;
    vec4 bs = surfBern(clamp((dot(d, uSurfU) - uSurfRange.x) / (uSurfRange.y - uSurfRange.x), 0.0, 1.0));
    vec4 bt = surfBern(clamp((dot(d, uSurfV) - uSurfRange.z) / (uSurfRange.w - uSurfRange.z), 0.0, 1.0));
    float h = 0.0;
    for (int r = 0; r < 4; r++) {
      h += bt[r] * (bs.x * uSurfH[4 * r] + bs.y * uSurfH[4 * r + 1] + bs.z * uSurfH[4 * r + 2] + bs.w * uSurfH[4 * r + 3]);
    }
    float side = dot(d, uSurfN) - h;
    if (${keep === 'remnant' ? 'side >= 0.0' : 'side < 0.0'}) discard;
  }`,
      )}`;
    },
    customProgramCacheKey: () => `surface-clip-${keep}`,
  };
}
