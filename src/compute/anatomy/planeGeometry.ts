// Pure geometry of the Anatomy view, in patient LPS millimetres (x → patient's left, y →
// posterior, z → superior; right-handed): cut planes from the surgeon's sliders, the standard
// camera views, and the bounds of a structure. No three.js here, so it is tested in Node.
import { type Vec3 } from '../../../core/domain/imaging';
import { type CameraPoseLps, type CutPlaneParams, type PlaneLps } from '../../../core/domain/mesh';

// The plain types live in core (the anatomy store holds them too); re-exported for this module's callers.
export type { CameraPoseLps, CutPlaneParams };

const DEG = Math.PI / 180;

/** Unit normal of the cut: the resected part lies on the side it points to (workers/meshing/planning.ts). */
export function cutNormalLps(azimuthDeg: number, elevationDeg: number): Vec3 {
  const ca = Math.cos(azimuthDeg * DEG);
  const sa = Math.sin(azimuthDeg * DEG);
  const ce = Math.cos(elevationDeg * DEG);
  const se = Math.sin(elevationDeg * DEG);
  return [ce * ca, ce * sa, se];
}

export function cutPlaneLps(params: CutPlaneParams, organCentreLps: Vec3): PlaneLps {
  for (const k of ['azimuthDeg', 'elevationDeg', 'offsetMm'] as const) {
    if (!Number.isFinite(params[k])) throw new Error(`cut plane ${k} must be a finite number, got ${String(params[k])}`);
  }
  const n = cutNormalLps(params.azimuthDeg, params.elevationDeg);
  return {
    pointLps: [organCentreLps[0] + params.offsetMm * n[0], organCentreLps[1] + params.offsetMm * n[1], organCentreLps[2] + params.offsetMm * n[2]],
    normalLps: n,
  };
}

export interface BoundsLps {
  minLps: Vec3;
  maxLps: Vec3;
  centreLps: Vec3;
  /** Half the bounding-box diagonal, mm. */
  radiusMm: number;
}

/** Axis-aligned bounds of xyz positions (LPS mm). Throws on an empty array: an empty structure has no place. */
export function boundsOf(positionsLps: Float32Array): BoundsLps {
  if (positionsLps.length < 3) throw new Error('a structure without vertices has no bounds');
  const min: Vec3 = [Infinity, Infinity, Infinity];
  const max: Vec3 = [-Infinity, -Infinity, -Infinity];
  for (let v = 0; v < positionsLps.length; v += 3) {
    for (let a = 0; a < 3; a++) {
      const x = positionsLps[v + a]!;
      if (x < min[a]!) min[a] = x;
      if (x > max[a]!) max[a] = x;
    }
  }
  const centre: Vec3 = [(min[0] + max[0]) / 2, (min[1] + max[1]) / 2, (min[2] + max[2]) / 2];
  return { minLps: min, maxLps: max, centreLps: centre, radiusMm: Math.hypot(max[0] - min[0], max[1] - min[1], max[2] - min[2]) / 2 };
}

/** Union of several bounds (the whole scene). */
export function unionBounds(list: readonly BoundsLps[]): BoundsLps | null {
  if (list.length === 0) return null;
  const min: Vec3 = [Infinity, Infinity, Infinity];
  const max: Vec3 = [-Infinity, -Infinity, -Infinity];
  for (const b of list) {
    for (let a = 0; a < 3; a++) {
      min[a] = Math.min(min[a]!, b.minLps[a]!);
      max[a] = Math.max(max[a]!, b.maxLps[a]!);
    }
  }
  const centre: Vec3 = [(min[0] + max[0]) / 2, (min[1] + max[1]) / 2, (min[2] + max[2]) / 2];
  return { minLps: min, maxLps: max, centreLps: centre, radiusMm: Math.hypot(max[0] - min[0], max[1] - min[1], max[2] - min[2]) / 2 };
}

export type StandardView = 'anterior' | 'lateral' | 'superior';

/**
 * The standard views, as a surgeon names them:
 * - anterior: the camera stands in front of the patient (−P side) and looks along +P; superior is
 *   up on screen, so the patient's left (+L) appears on the screen's right — facing the patient.
 * - lateral (left lateral): the camera stands at the patient's left (+L) and looks along −L
 *   (towards the patient's right); superior up, so anterior is on the screen's left.
 * - superior: the camera stands above the head (+S) and looks along −S (towards the feet);
 *   anterior is up on screen, so the patient's right is on the screen's right.
 * Up stays +S for orbiting; the superior view's camera therefore sits off the axis
 * (orbit controls cannot look exactly along their up vector); it sits a hair *posterior*, so the
 * projection of +S on the screen points anterior and anterior stays at the top.
 */
export function standardViewPose(view: StandardView, centreLps: Vec3, distanceMm: number): CameraPoseLps {
  if (!(distanceMm > 0)) throw new Error(`camera distance must be positive mm, got ${distanceMm}`);
  const [cx, cy, cz] = centreLps;
  switch (view) {
    case 'anterior':
      return { positionLps: [cx, cy - distanceMm, cz], targetLps: [cx, cy, cz], upLps: [0, 0, 1] };
    case 'lateral':
      return { positionLps: [cx + distanceMm, cy, cz], targetLps: [cx, cy, cz], upLps: [0, 0, 1] };
    case 'superior':
      return { positionLps: [cx, cy + distanceMm * 1e-3, cz + distanceMm], targetLps: [cx, cy, cz], upLps: [0, 0, 1] };
  }
}

/** Screen-right direction of a pose (view direction × up, re-orthogonalised): what appears on the right. */
export function screenRightLps(pose: CameraPoseLps): Vec3 {
  const f: Vec3 = [pose.targetLps[0] - pose.positionLps[0], pose.targetLps[1] - pose.positionLps[1], pose.targetLps[2] - pose.positionLps[2]];
  const u = pose.upLps;
  const r: Vec3 = [f[1] * u[2] - f[2] * u[1], f[2] * u[0] - f[0] * u[2], f[0] * u[1] - f[1] * u[0]];
  const len = Math.hypot(...r);
  if (len === 0) throw new Error('camera looks along its up vector: screen right is undefined');
  return [r[0] / len, r[1] / len, r[2] / len];
}

/** Screen-up direction of a pose (right × view direction): what appears at the top. */
export function screenUpLps(pose: CameraPoseLps): Vec3 {
  const f: Vec3 = [pose.targetLps[0] - pose.positionLps[0], pose.targetLps[1] - pose.positionLps[1], pose.targetLps[2] - pose.positionLps[2]];
  const r = screenRightLps(pose);
  const u: Vec3 = [r[1] * f[2] - r[2] * f[1], r[2] * f[0] - r[0] * f[2], r[0] * f[1] - r[1] * f[0]];
  const len = Math.hypot(...u);
  return [u[0] / len, u[1] / len, u[2] / len];
}
