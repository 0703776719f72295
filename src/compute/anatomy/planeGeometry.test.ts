import { describe, expect, it } from 'vitest';
import { type Vec3 } from '../../../core/domain/imaging';
import { boundsOf, cutNormalLps, cutPlaneLps, screenRightLps, screenUpLps, standardViewPose, unionBounds } from './planeGeometry';

const close = (a: Vec3, b: Vec3, tol = 1e-9): void => {
  for (let i = 0; i < 3; i++) expect(a[i]).toBeCloseTo(b[i]!, -Math.log10(tol));
};

describe('cut planes', () => {
  it('points the normal along the named LPS axes', () => {
    close(cutNormalLps(0, 0), [1, 0, 0]); // towards the patient's left
    close(cutNormalLps(180, 0), [-1, 0, 0]); // towards the patient's right (right hepatectomy side)
    close(cutNormalLps(90, 0), [0, 1, 0]); // posterior
    close(cutNormalLps(37, 90), [0, 0, 1]); // superior, whatever the azimuth
  });
  it('moves the plane by the offset along the unit normal', () => {
    const p = cutPlaneLps({ azimuthDeg: 180, elevationDeg: 0, offsetMm: 12 }, [-60, 5, -20]);
    close(p.pointLps, [-72, 5, -20]);
    expect(Math.hypot(...p.normalLps)).toBeCloseTo(1, 12);
  });
  it('refuses a non-finite slider value by name', () => {
    expect(() => cutPlaneLps({ azimuthDeg: Number.NaN, elevationDeg: 0, offsetMm: 0 }, [0, 0, 0])).toThrow(/azimuthDeg/);
  });
});

describe('standard views (LPS orientation)', () => {
  const c: Vec3 = [10, 20, 30];
  it('anterior: camera in front (−P), patient left on screen right, superior up', () => {
    const pose = standardViewPose('anterior', c, 500);
    close(pose.positionLps, [10, -480, 30]);
    close(screenRightLps(pose), [1, 0, 0]);
    close(screenUpLps(pose), [0, 0, 1]);
  });
  it('left lateral: camera at +L looking towards −L, anterior (−P) on screen left', () => {
    const pose = standardViewPose('lateral', c, 500);
    close(pose.positionLps, [510, 20, 30]);
    close(screenRightLps(pose), [0, 1, 0]);
    close(screenUpLps(pose), [0, 0, 1]);
  });
  it('superior: camera above the head looking to the feet, anterior up, patient right on screen right', () => {
    const pose = standardViewPose('superior', c, 500);
    close(screenRightLps(pose), [-1, 0, 0], 1e-5);
    // the camera is tilted 1e-3 rad off the axis (see standardViewPose), so up carries a ~1e-3 S component
    close(screenUpLps(pose), [0, -1, 0], 1e-2);
  });
  it('refuses a non-positive distance', () => {
    expect(() => standardViewPose('anterior', c, 0)).toThrow(/positive/);
  });
});

describe('bounds', () => {
  it('centre and radius of a box', () => {
    const b = boundsOf(new Float32Array([0, 0, 0, 2, 4, 4, 1, 1, 1]));
    close(b.centreLps, [1, 2, 2]);
    expect(b.radiusMm).toBeCloseTo(3, 12);
    const u = unionBounds([b, boundsOf(new Float32Array([-2, 0, 0]))])!;
    close(u.minLps, [-2, 0, 0]);
    expect(unionBounds([])).toBeNull();
  });
  it('refuses an empty structure', () => {
    expect(() => boundsOf(new Float32Array(0))).toThrow(/without vertices/);
  });
});

describe('cut plane state objects', () => {
  it('accepts a stored cut (extra fields such as its id are not slider values)', () => {
    const stored = { id: 'cut-1', organLabel: 1, vesselLabel: null, azimuthDeg: 0, elevationDeg: 0, offsetMm: 2 };
    expect(cutPlaneLps(stored, [0, 0, 0]).pointLps).toEqual([2, 0, 0]);
  });
});
