import { describe, expect, it } from 'vitest';
import { directionLabel, edgeLabels } from './orientation';

// Camera vectors of Cornerstone3D 5.14's MPR_CAMERA_VALUES (core/constants/mprCameraValues).
const AXIAL = { up: [0, -1, 0], normal: [0, 0, -1] } as const;
const SAGITTAL = { up: [0, 0, 1], normal: [1, 0, 0] } as const;
const CORONAL = { up: [0, 0, 1], normal: [0, -1, 0] } as const;

describe('orientation markers', () => {
  it('name LPS directions, dominant axis first', () => {
    expect(directionLabel([1, 0, 0])).toBe('L');
    expect(directionLabel([-1, 0, 0])).toBe('R');
    expect(directionLabel([0, 1, 0])).toBe('P');
    expect(directionLabel([0, -1, 0])).toBe('A');
    expect(directionLabel([0, 0, 1])).toBe('S');
    expect(directionLabel([0, 0, -1])).toBe('I');
    // 30° oblique between right and anterior: R dominant, A second.
    expect(directionLabel([-Math.cos(Math.PI / 6), -Math.sin(Math.PI / 6), 0])).toBe('RA');
    // A 5° tilt stays a single letter.
    expect(directionLabel([0, Math.sin(0.087), Math.cos(0.087)])).toBe('S');
  });

  it('follow the radiological convention on the standard planes', () => {
    expect(edgeLabels([...AXIAL.up], [...AXIAL.normal])).toEqual({ top: 'A', bottom: 'P', left: 'R', right: 'L' });
    expect(edgeLabels([...SAGITTAL.up], [...SAGITTAL.normal])).toEqual({ top: 'S', bottom: 'I', left: 'A', right: 'P' });
    expect(edgeLabels([...CORONAL.up], [...CORONAL.normal])).toEqual({ top: 'S', bottom: 'I', left: 'R', right: 'L' });
  });

  it('swap left and right when the view is seen from the other side (flipped normal)', () => {
    expect(edgeLabels([0, -1, 0], [0, 0, 1])).toEqual({ top: 'A', bottom: 'P', left: 'L', right: 'R' });
  });
});
