import { describe, expect, it } from 'vitest';
import { addVolumeSliceSource, FILL_REQUEST, FilledVolumeSlices, sliceImage, withVolumeSlices, type SliceImageInfo } from './volumeSliceImages';

const INFO: SliceImageInfo = {
  rows: 2,
  columns: 3,
  rowPixelSpacingMm: 0.7,
  columnPixelSpacingMm: 0.8,
  rescaleSlope: 1,
  rescaleIntercept: -1024,
  modality: 'CT',
  photometricInterpretation: 'MONOCHROME2',
};
const voxelManagerOf = (o: { scalarData: ArrayLike<number> }) => ({ getScalarData: () => o.scalarData });
const ids = [0, 1, 2].map((i) => `wadors:http://h/dicomweb/studies/1/series/2/instances/1.2.${i}/frames/1`);

/** The `wadors:` loader below the volume: counts the frame requests that would reach the PACS. */
function countingLoader() {
  const requested: string[] = [];
  const load = (imageId: string) => {
    requested.push(imageId);
    return { promise: Promise.resolve({ imageId, from: 'pacs' }) };
  };
  return { requested, load };
}

describe('sliceImage (a filled volume slice as a Cornerstone image)', () => {
  it('is a view of the volume buffer in modality units, marked pre-scaled, with its range', () => {
    const volume = new Int16Array([0, 0, 0, 0, 0, 0, -1000, 40, 3000, -5, 0, 7]);
    const slice = volume.subarray(6, 12);
    const image = sliceImage(ids[1]!, slice, INFO, voxelManagerOf);
    expect(image.minPixelValue).toBe(-1000);
    expect(image.maxPixelValue).toBe(3000);
    expect(image.preScale).toMatchObject({ scaled: true, scalingParameters: { rescaleSlope: 1, rescaleIntercept: -1024 } });
    expect([image.rows, image.columns, image.rowPixelSpacing, image.columnPixelSpacing]).toEqual([2, 3, 0.7, 0.8]);
    expect(image.sizeInBytes).toBe(12);
    const pixels = (image.getPixelData as () => Int16Array)();
    // No copy: a write into the volume shows in the image.
    expect(pixels.buffer).toBe(volume.buffer);
    volume[7] = 55;
    expect(pixels[1]).toBe(55);
  });

  it('takes a known value range without reading the slice (a volume slice not yet filled)', () => {
    const slice = new Float32Array(6);
    const image = sliceImage(ids[0]!, slice, { ...INFO, valueRange: { min: -1024, max: 3071 } }, voxelManagerOf);
    expect([image.minPixelValue, image.maxPixelValue]).toEqual([-1024, 3071]);
    expect(image.dataType).toBe('Float32Array');
  });

  it('refuses a slice of the wrong size', () => {
    expect(() => sliceImage(ids[0]!, new Int16Array(5), INFO, voxelManagerOf)).toThrow(/slice of 5 pixels for a 3 × 2 image/);
  });
});

describe('withVolumeSlices (the stack reads the filled volume, no refetch; issue 14)', () => {
  it('answers written slices from the volume and sends nothing to the PACS', async () => {
    const { requested, load } = countingLoader();
    const slices = new FilledVolumeSlices(ids, (i) => ({ imageId: ids[i], from: 'volume' }));
    const remove = addVolumeSliceSource(slices);
    try {
      const loadImage = withVolumeSlices(load);
      for (const i of [0, 1, 2]) slices.written(i);
      slices.settle();
      // Scrolling through the stack twice.
      for (const id of [...ids, ...ids]) expect(await loadImage(id).promise).toMatchObject({ from: 'volume' });
      expect(requested).toEqual([]);
    } finally {
      remove();
    }
  });

  it('holds a request for a slice still on the wire until it is written; a failed slice goes to the PACS', async () => {
    const { requested, load } = countingLoader();
    const slices = new FilledVolumeSlices(ids, (i) => ({ imageId: ids[i], from: 'volume' }));
    const remove = addVolumeSliceSource(slices);
    try {
      const loadImage = withVolumeSlices(load);
      let answered: unknown = null;
      const pending = loadImage(ids[2]!).promise.then((img) => (answered = img));
      await Promise.resolve();
      expect(answered).toBeNull();
      slices.written(2);
      await pending;
      expect(answered).toMatchObject({ from: 'volume' });
      slices.failed(1);
      expect(await loadImage(ids[1]!).promise).toMatchObject({ from: 'pacs' });
      expect(requested).toEqual([ids[1]]);
    } finally {
      remove();
    }
  });

  it("passes the fill's own requests, images of other series and everything after a cancel to the PACS", async () => {
    const { requested, load } = countingLoader();
    const slices = new FilledVolumeSlices(ids, (i) => ({ imageId: ids[i], from: 'volume' }));
    const remove = addVolumeSliceSource(slices);
    const loadImage = withVolumeSlices(load);
    try {
      expect(await loadImage(ids[0]!, { [FILL_REQUEST]: true }).promise).toMatchObject({ from: 'pacs' });
      expect(await loadImage('wadors:http://h/dicomweb/studies/9/series/9/instances/9/frames/1').promise).toMatchObject({ from: 'pacs' });
      const waiting = loadImage(ids[1]!).promise;
      slices.settle(); // cancelled: slice 1 will never be written
      expect(await waiting).toMatchObject({ from: 'pacs' });
    } finally {
      remove();
    }
    // Once the volume is unloaded its slices are not offered any more.
    slices.written(2);
    expect(await loadImage(ids[2]!).promise).toMatchObject({ from: 'pacs' });
    expect(requested).toHaveLength(4);
  });
});
