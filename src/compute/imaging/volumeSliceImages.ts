// The stack viewport reads the filled volume instead of the PACS (issue 14). Once a series is in
// the single scalar buffer (viewer.ts `fillVolumeFromStream`), scrolling the stack asks
// Cornerstone for the series' `wadors:` images one by one; without this each would be a WADO-RS
// frame request (and a decode) for pixels already in memory. `withVolumeSlices` sits in front of
// the `wadors:` loader (cornerstone.ts) and answers from a registered source: an image whose
// pixels are a view of the volume's slice (no copy; already in modality units, so marked
// pre-scaled), at once when the slice is written, or when it is (a slice still on the wire).
// A slice the source does not hold, or that failed, goes to the loader as before.
//
// Lifetime: the viewer adds a source while its filled volume exists and removes it (and the
// images it handed out, from Cornerstone's cache) when the volume is unloaded.

/** Pixel buffers a filled volume uses. */
export type SliceScalars = Int16Array | Uint16Array | Float32Array | Uint8Array;

/** What an image of a slice needs besides its pixels (from the series' metadata). */
export interface SliceImageInfo {
  rows: number;
  columns: number;
  /** mm between rows / columns (PixelSpacing). */
  rowPixelSpacingMm: number;
  columnPixelSpacingMm: number;
  /** The modality LUT the buffer's values already carry. */
  rescaleSlope: number;
  rescaleIntercept: number;
  modality?: string;
  windowCenter?: number;
  windowWidth?: number;
  photometricInterpretation: string;
  /**
   * The values the slice can hold, when known without reading it (a slice of a volume still
   * filling: its pixels are not there yet, so a scan would only find zeros). Scanned otherwise.
   */
  valueRange?: { min: number; max: number };
}

/**
 * A Cornerstone image (the fields its stack viewport and tools read) whose pixels are `slice`
 * itself. `voxelManagerOf` is Cornerstone's `VoxelManager.createImageVoxelManager` (passed in so
 * this stays testable without Cornerstone).
 */
export function sliceImage(
  imageId: string,
  slice: SliceScalars,
  info: SliceImageInfo,
  voxelManagerOf: (o: { width: number; height: number; numberOfComponents: number; scalarData: SliceScalars; id: string }) => unknown,
): Record<string, unknown> {
  if (slice.length !== info.rows * info.columns) {
    throw new Error(`slice of ${slice.length} pixels for a ${info.columns} × ${info.rows} image`);
  }
  let min = info.valueRange?.min ?? Infinity;
  let max = info.valueRange?.max ?? -Infinity;
  if (!info.valueRange) {
    for (let i = 0; i < slice.length; i++) {
      const v = slice[i]!;
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  const voxelManager = voxelManagerOf({ width: info.columns, height: info.rows, numberOfComponents: 1, scalarData: slice, id: imageId });
  return {
    imageId,
    dataType: slice.constructor.name,
    color: false,
    rgba: false,
    numberOfComponents: 1,
    photometricInterpretation: info.photometricInterpretation,
    invert: info.photometricInterpretation === 'MONOCHROME1',
    rows: info.rows,
    columns: info.columns,
    height: info.rows,
    width: info.columns,
    rowPixelSpacing: info.rowPixelSpacingMm,
    columnPixelSpacing: info.columnPixelSpacingMm,
    slope: info.rescaleSlope,
    intercept: info.rescaleIntercept,
    // The buffer holds modality units already: Cornerstone must not apply the LUT again.
    preScale: {
      enabled: true,
      scaled: true,
      scalingParameters: { rescaleSlope: info.rescaleSlope, rescaleIntercept: info.rescaleIntercept, modality: info.modality },
    },
    minPixelValue: min,
    maxPixelValue: max,
    windowCenter: info.windowCenter,
    windowWidth: info.windowWidth,
    sizeInBytes: slice.byteLength,
    getPixelData: () => slice,
    getCanvas: undefined,
    voxelManager,
  };
}

/** A filled volume offering its slices to the `wadors:` loader. */
export interface VolumeSliceSource {
  /**
   * The image of `imageId` if this source holds it: resolved now for a written slice, when written
   * for one still coming, with undefined for a slice that failed (the loader then fetches it).
   * undefined when the image is not one of this volume's, or the request is the fill's own
   * (`options[FILL_REQUEST]`: it must reach the PACS, not wait for itself).
   */
  image(imageId: string, options: Record<string, unknown>): Promise<unknown> | undefined;
}

/** Loader option marking a request the volume fill makes for a slice the stream did not bring. */
export const FILL_REQUEST = 'twinscopeVolumeFill';

const sources = new Set<VolumeSliceSource>();

/**
 * The slices of one filled volume as the loader sees them: `written` / `failed` as the fill
 * goes, `settle` when it ends (complete or cancelled: nothing more will be written, so waiting
 * requests go to the loader). Images are made on request by `makeImage(slice index)`.
 */
export class FilledVolumeSlices implements VolumeSliceSource {
  private readonly indexOf = new Map<string, number>();
  /** Per slice: 0 coming, 1 written, 2 failed. */
  private readonly state: Uint8Array;
  private readonly waiters = new Map<number, Array<(written: boolean) => void>>();
  private settled = false;

  constructor(
    imageIds: readonly string[],
    private readonly makeImage: (index: number) => unknown,
  ) {
    imageIds.forEach((id, i) => this.indexOf.set(id, i));
    this.state = new Uint8Array(imageIds.length);
  }

  written(index: number): void {
    this.state[index] = 1;
    this.wake(index, true);
  }

  failed(index: number): void {
    this.state[index] = 2;
    this.wake(index, false);
  }

  settle(): void {
    this.settled = true;
    for (const i of [...this.waiters.keys()]) this.wake(i, this.state[i] === 1);
  }

  image(imageId: string, options: Record<string, unknown>): Promise<unknown> | undefined {
    const i = this.indexOf.get(imageId);
    if (i === undefined || options[FILL_REQUEST] || this.state[i] === 2) return undefined;
    if (this.state[i] === 1) return Promise.resolve(this.makeImage(i));
    if (this.settled) return undefined;
    return new Promise<unknown>((resolve) => {
      const list = this.waiters.get(i) ?? [];
      list.push((written) => resolve(written ? this.makeImage(i) : undefined));
      this.waiters.set(i, list);
    });
  }

  private wake(index: number, written: boolean): void {
    const list = this.waiters.get(index);
    this.waiters.delete(index);
    for (const w of list ?? []) w(written);
  }
}

/** Offer a volume's slices to the loader; returns the removal. */
export function addVolumeSliceSource(source: VolumeSliceSource): () => void {
  sources.add(source);
  return () => sources.delete(source);
}

// Cornerstone's image-loader shapes, kept minimal (as in seriesPixelStream.ts).
type LoadResult = { promise: Promise<unknown>; cancelFn?: (() => void) | undefined };
type LoadImage = (imageId: string, options?: Record<string, unknown>) => LoadResult;

/** The loader `load` with the registered volumes answering first for the slices they hold. */
export function withVolumeSlices(load: LoadImage): LoadImage {
  return (imageId, options = {}) => {
    for (const source of sources) {
      const held = source.image(imageId, options);
      if (held) return { promise: held.then((image) => image ?? load(imageId, options).promise), cancelFn: undefined };
    }
    return load(imageId, options);
  };
}
