import { describe, expect, it } from 'vitest';
import { describeImageId, measurementText } from './viewer';

// Field names as Cornerstone3D 5.14 tools write them into annotation.data.cachedStats.
describe('measurementText', () => {
  it('shows length in mm, angle in degrees and ROI statistics in HU with area in mm²', () => {
    expect(measurementText('Length', { length: 42.137, unit: 'mm' })).toBe('42.1 mm');
    expect(measurementText('Angle', { angle: 89.96 })).toBe('90.0°');
    expect(measurementText('RectangleROI', { mean: 52.34, stdDev: 11.04, area: 310.4, modalityUnit: 'HU', areaUnit: 'mm²' })).toBe(
      'mean 52.3 HU, sd 11.0 HU, area 310 mm²',
    );
  });

  it('shows nothing while the statistics are not computed yet', () => {
    expect(measurementText('Length', {})).toBeNull();
    expect(measurementText('RectangleROI', { mean: Number.NaN, area: 3 })).toBeNull();
  });
});

describe('describeImageId (a failed frame is named for the user, issue 17)', () => {
  it('names the instance and frame of a WADO-RS image and the file of a local one', () => {
    expect(describeImageId('wadors:http://h/dicomweb/studies/1/series/2/instances/1.2.3/frames/4')).toBe('instance 1.2.3 frame 4');
    expect(describeImageId('dicomfile:7?frame=2')).toBe('dicomfile:7 frame 2');
  });
});
