// The Cornerstone3D viewer behind the Imaging view: one rendering engine with either a stack
// viewport or three orthographic MPR viewports, the tool groups that drive them, series loading
// with progress and cancel, and the hand-off of the loaded volume as an `ImageVolume`.
//
// React owns the DOM elements; this class owns everything Cornerstone creates (rendering engine,
// viewports, tool groups, cached volumes) and frees it in `destroy()`. It never touches React
// state: it reports through the callbacks in `ViewerEvents`.
import type { Types } from '@cornerstonejs/core';
import type { ImageVolume, Vec3 } from '../../../core/domain/imaging';
import { abortError } from '../../../core/domain/abort';
import type { Cornerstone, ToolsModule } from './cornerstone';
import { describeImageId, retryExplicitLe } from './frameRetry';
import { edgeLabels, type EdgeLabels } from './orientation';
import type { HalfFloatVolumeTexture } from './halfFloatVolumeTexture';
import { frameKey, SeriesPixelStream, type StreamedFrame, type StreamStats } from './seriesPixelStream';
import { toImageVolume } from './toImageVolume';
import { addVolumeSliceSource, FILL_REQUEST, FilledVolumeSlices, sliceImage, type SliceScalars } from './volumeSliceImages';
import { VoxelBufferPool } from './voxelBufferPool';
import { canWriteNative, isNativeLittleEndian, modalityValueRange, writeDecodedFrame, writeNativeFrame, type FramePixelFormat, type VoxelBuffer } from './volumeFill';
import { windowPreset, windowToHuRange, type WindowPresetId, type HuRange } from './windowPresets';

export type Layout = 'stack' | 'mpr';
export type ViewportKey = 'stack' | 'axial' | 'sagittal' | 'coronal';
export const MPR_KEYS = ['axial', 'sagittal', 'coronal'] as const;

export type PrimaryTool = 'WindowLevel' | 'Pan' | 'Zoom' | 'Length' | 'Angle' | 'RectangleROI' | 'Crosshairs';
export const PRIMARY_TOOLS: readonly PrimaryTool[] = ['WindowLevel', 'Pan', 'Zoom', 'Length', 'Angle', 'RectangleROI', 'Crosshairs'];

export interface LoadProgress {
  loadedFrames: number;
  totalFrames: number;
  failedFrames: number;
  /** The images that failed, named for the user (instance UID and frame, or file). */
  failedImages?: string[];
}

export { describeImageId };

export interface LoadOptions {
  onProgress: (p: LoadProgress) => void;
  /**
   * The volume exists and the three-plane view may show it, filling as frames arrive (loading
   * goes on, with progress and cancel).
   */
  onVolumeReady?: () => void;
  signal: AbortSignal;
}

export interface Measurement {
  uid: string;
  tool: 'Length' | 'Angle' | 'RectangleROI';
  viewportKey: ViewportKey | 'unknown';
  /** Display text, e.g. "42.1 mm" or "mean 52.3 HU, sd 11.0 HU, area 310 mm²". */
  text: string;
}

export interface ViewerEvents {
  onRendered?: (key: ViewportKey) => void;
  onLabels?: (key: ViewportKey, labels: EdgeLabels) => void;
  onMeasurements?: (m: Measurement[]) => void;
  onVoiChanged?: (range: HuRange) => void;
  onSlice?: (key: ViewportKey, index: number, count: number) => void;
  /** Cornerstone's tools could not load: the images show, but no tool works (named for the user). */
  onToolsFailed?: (message: string) => void;
}

export interface SeriesToOpen {
  /** Stable id for the series (Series Instance UID, or a local-import id). */
  id: string;
  description?: string;
  imageIds: string[];
  modality?: string;
  patientId: string | null;
  /** What the volume planner did to the series (repeated positions dropped, tilt, gaps): told to the user. */
  warnings?: string[];
  /**
   * WADO-RS series pixel data URL (every frame in one request): when set, the volume is filled
   * from that one answer as it downloads, per-frame requests only for what it does not bring.
   */
  pixelDataUrl?: string;
  /**
   * Set when the user chose to view another patient's images (acknowledged): shown as a
   * persistent alert over the viewer for as long as they are open.
   */
  identityWarning?: string;
}

const ENGINE_ID = 'twinscope-imaging';
const STACK_GROUP = 'twinscope-stack';
const MPR_GROUP = 'twinscope-mpr';

/** Fewer slices than this make no useful volume: the viewer stays in stack mode. */
export const MIN_SLICES_FOR_MPR = 3;

export class ImagingViewer {
  private readonly engine: Types.IRenderingEngine;
  private layout: Layout | null = null;
  private readonly elements = new Map<ViewportKey, HTMLDivElement>();
  /** Removers for listeners on the event target (live as long as the viewer). */
  private readonly globalListeners: Array<() => void> = [];
  /** Removers for listeners on viewport elements (live until the layout changes). */
  private readonly elementListeners: Array<() => void> = [];
  private series: SeriesToOpen | null = null;
  private volumeId: string | null = null;
  private volume: Types.IImageVolume | null = null;
  private stream: SeriesPixelStream | null = null;
  /**
   * The volume's one scalar buffer when it is filled here from the series stream (modality
   * units); null for a volume Cornerstone's streaming loader fills frame by frame.
   */
  private filledScalars: VoxelBuffer | null = null;
  /**
   * The last filled volume's buffer, kept for the next series of the same size: its pages are
   * already mapped (a fresh 157 MB buffer's first writes cost ≈ 0.5 s of page faults). Never the
   * published volume's voxels: a buffer shared with it (`exportImageVolume`) is not kept.
   */
  private readonly voxelPool = new VoxelBufferPool();
  private filledComplete = false;
  /**
   * The published copy of a 16-bit series whose buffer is float for the texture's sake (MR and
   * other non-CT series without 16-bit textures), in the series' own integer type, written slice
   * by slice as the series arrives and handed once to `exportImageVolume`. A buffer already in the
   * series' type (a CT's exact Int16 under the half-float texture, or 16-bit textures) is not
   * copied: the published volume shares it (issue 14: 157 MB and its page faults saved for a
   * 300×512² CT), and the pool never takes it back.
   */
  private filledExport: Int16Array | Uint16Array | null = null;
  /** The buffer type Cornerstone chose for the series (the filled buffer may be float for the texture's sake). */
  private filledType = '';
  /** The slice image ids of a filled volume (cached by Cornerstone; removed with the volume). */
  private filledSliceIds: string[] = [];
  /** Removes the filled volume's offer of its slices to the stack (volumeSliceImages.ts). */
  private removeSliceSource: (() => void) | null = null;
  /** `wadors:` ids whose cached images are views of the filled volume's buffer. */
  private readonly sliceViewIds = new Set<string>();
  private renderPending = 0;
  /** The filled volume's half-float texture (a CT without 16-bit textures), else null. */
  private halfTexture: HalfFloatVolumeTexture | null = null;
  private uploadFrame = 0;
  /** An early upload failed (e.g. a lost context): the planes' render sends the slices instead. */
  private earlyUploadFailed = false;
  /**
   * The volume texture's internal format as vtk.js created it on the GPU: 'R16F' (half float, a CT
   * without 16-bit normalised textures), 'R32F', another as hex, '' before a viewport has made it
   * (read by tests and the bench).
   */
  get textureFormat(): string {
    const model = (this.volume as { vtkOpenGLTexture?: { get?: () => { internalFormat?: number } } } | null)?.vtkOpenGLTexture?.get?.();
    const f = model?.internalFormat ?? 0;
    return f === 0x822d ? 'R16F' : f === 0x822e ? 'R32F' : f ? `0x${f.toString(16)}` : '';
  }
  /** Slices sent to the half-float texture so far (−1 without one; read by tests and the bench). */
  get textureSlicesUploaded(): number {
    return this.halfTexture?.getUploadedSlices() ?? -1;
  }
  /** The last series stream's times and sizes (read by the benchmark's profile). */
  lastStreamStats: StreamStats | null = null;
  private voi: HuRange | null = null;
  private primaryTool: PrimaryTool = 'WindowLevel';
  private destroyed = false;
  /** Cornerstone's tools once loaded (after the first image; `requestTools`). */
  private tools: ToolsModule | null = null;
  private toolsRequested = false;
  /** Rendered-frame counters per viewport, read by tests and the render signal. */
  readonly renderCounts: Record<ViewportKey, number> = { stack: 0, axial: 0, sagittal: 0, coronal: 0 };

  constructor(
    private readonly cs: Cornerstone,
    private readonly events: ViewerEvents,
  ) {
    const { core } = cs;
    this.engine = core.getRenderingEngine(ENGINE_ID) ?? new core.RenderingEngine(ENGINE_ID);
  }

  /** How many series opens reused the previous volume's buffer (read by the benchmark). */
  get voxelBuffersReused(): number {
    return this.voxelPool.reused;
  }

  /** Whether the tools are loaded and bound (read by tests). */
  get toolsReady(): boolean {
    return this.tools !== null;
  }

  /**
   * Load Cornerstone's tools (once) and bind them to the viewports when they arrive. Asked for
   * once the first image is up, or when the user picks a tool: the first image waits for none of
   * their code.
   */
  requestTools(): void {
    if (this.toolsRequested || this.destroyed) return;
    this.toolsRequested = true;
    this.cs.loadTools().then(
      (tools) => {
        if (!this.destroyed) this.setUpTools(tools);
      },
      (err: unknown) => {
        this.toolsRequested = false;
        if (!this.destroyed) this.events.onToolsFailed?.(`The viewer's tools (window, zoom, measurements) could not load: ${err instanceof Error ? err.message : String(err)}`);
      },
    );
  }

  private setUpTools(tools: ToolsModule): void {
    const { core } = this.cs;
    for (const id of [STACK_GROUP, MPR_GROUP]) {
      if (tools.ToolGroupManager.getToolGroup(id)) tools.ToolGroupManager.destroyToolGroup(id);
    }
    const stackGroup = tools.ToolGroupManager.createToolGroup(STACK_GROUP);
    const mprGroup = tools.ToolGroupManager.createToolGroup(MPR_GROUP);
    if (!stackGroup || !mprGroup) throw new Error('could not create Cornerstone tool groups');
    for (const g of [stackGroup, mprGroup]) {
      for (const t of ['WindowLevel', 'Pan', 'Zoom', 'StackScroll', 'Length', 'Angle', 'RectangleROI']) g.addTool(t);
    }
    mprGroup.addTool('Crosshairs', {
      // One colour per plane so the lines say which plane they come from.
      getReferenceLineColor: (viewportId: string) =>
        viewportId.endsWith('axial') ? 'rgb(255, 90, 90)' : viewportId.endsWith('sagittal') ? 'rgb(255, 220, 80)' : 'rgb(90, 200, 255)',
    });
    this.tools = tools;
    // Viewports enabled before the tools existed never got their listeners and annotation layer
    // (the tools take them from ELEMENT_ENABLED): give them now, as that event would have.
    const known = tools.state.enabledElements as unknown as HTMLDivElement[];
    for (const [k, el] of this.elements) {
      if (!known.includes(el)) tools.store.addEnabledElement(new CustomEvent('twinscope-late-tools', { detail: { element: el, viewportId: k, renderingEngineId: ENGINE_ID } }) as never);
    }
    // The viewports already showing join their group.
    if (this.layout) {
      const group = tools.ToolGroupManager.getToolGroup(this.layout === 'stack' ? STACK_GROUP : MPR_GROUP);
      for (const k of this.elements.keys()) group?.addViewport(k, ENGINE_ID);
    }
    this.applyBindings();

    const ann = tools.Enums.Events;
    const onAnnotation = () => this.emitMeasurements();
    for (const e of [ann.ANNOTATION_COMPLETED, ann.ANNOTATION_MODIFIED, ann.ANNOTATION_REMOVED]) {
      core.eventTarget.addEventListener(e, onAnnotation);
      this.globalListeners.push(() => core.eventTarget.removeEventListener(e, onAnnotation));
    }
  }

  getLayout(): Layout | null {
    return this.layout;
  }

  canShowMpr(): boolean {
    return (this.series?.imageIds.length ?? 0) >= MIN_SLICES_FOR_MPR;
  }

  /**
   * Attach the DOM elements for a layout. Elements of the other layout are disabled first, so
   * at most three WebGL viewports exist at a time (GPU memory, OHIF #6190).
   */
  async setLayout(layout: Layout, elements: Partial<Record<ViewportKey, HTMLDivElement>>): Promise<void> {
    const { core } = this.cs;
    const keys: readonly ViewportKey[] = layout === 'stack' ? ['stack'] : MPR_KEYS;
    for (const k of keys) if (!elements[k]) throw new Error(`no element for the ${k} viewport`);
    const sameElements = this.layout === layout && keys.every((k) => this.elements.get(k) === elements[k]);
    if (sameElements) return;
    this.detachAll();
    this.layout = layout;
    const inputs: Types.PublicViewportInput[] = keys.map((k) => ({
      viewportId: k,
      element: elements[k]!,
      type: k === 'stack' ? core.Enums.ViewportType.STACK : core.Enums.ViewportType.ORTHOGRAPHIC,
      defaultOptions:
        k === 'stack'
          ? { background: [0, 0, 0] as Types.Point3 }
          : {
              background: [0, 0, 0] as Types.Point3,
              orientation:
                k === 'axial'
                  ? core.Enums.OrientationAxis.AXIAL
                  : k === 'sagittal'
                    ? core.Enums.OrientationAxis.SAGITTAL
                    : core.Enums.OrientationAxis.CORONAL,
            },
    }));
    this.engine.setViewports(inputs);
    for (const k of keys) {
      const el = elements[k]!;
      // Cornerstone sets tabIndex −1 when it enables an element, which takes the viewport out of
      // the Tab order; put it back so keyboard users can reach and scroll it.
      el.tabIndex = 0;
      this.elements.set(k, el);
      this.watchElement(k, el);
    }
    const group = this.tools?.ToolGroupManager.getToolGroup(layout === 'stack' ? STACK_GROUP : MPR_GROUP);
    for (const k of keys) group?.addViewport(k, ENGINE_ID);
    this.applyBindings();
    await this.showCurrent();
  }

  /** Open a series: first image in the stack viewport at once, then the volume in the background. */
  async openSeries(
    series: SeriesToOpen,
    opts: LoadOptions,
  ): Promise<{ mprReady: boolean; noVolumeReason?: string; failedImages?: string[] }> {
    this.unloadVolume();
    this.series = series;
    this.voi = null;
    const total = series.imageIds.length;
    if (total === 0) throw new Error('the series has no images to show');
    opts.onProgress({ loadedFrames: 0, totalFrames: total, failedFrames: 0 });
    // The whole series is asked for at once, alongside the first image's own request, but held:
    // its body is read only once the first image is painted. Read at once, its 150 MB (300×512²)
    // took the server, Chromium's network service and the main thread (multipart split) from
    // the first image's frame request, decode and paint on a 2-core machine: first image 823 ms
    // on this path vs 370 ms per frame (quiet, round 6). Held, the request's authentication,
    // audit and first socket buffers are done by the time the first image is up (issue 14).
    if (series.pixelDataUrl && total >= MIN_SLICES_FOR_MPR) {
      this.stream = new SeriesPixelStream(series.pixelDataUrl, series.imageIds, undefined, { held: true });
      this.lastStreamStats = this.stream.stats;
    }
    try {
      await this.showCurrent();
      // The stack draws on the next animation frame; the volume's set-up below takes the main
      // thread for a while (buffer, slice images, texture), so it waits until that frame is painted
      // — the first image is not held behind it (round 5's first-image regression, issue 14).
      await afterNextPaint();
    } finally {
      // A first image that failed holds nothing back: the series comes anyway (or is disposed).
      this.stream?.release();
    }
    // The first image is up: now the tools (they load while the volume fills).
    this.requestTools();
    if (opts.signal.aborted) throw abortError(opts.signal, 'loading');
    if (total < MIN_SLICES_FOR_MPR) {
      opts.onProgress({ loadedFrames: total, totalFrames: total, failedFrames: 0 });
      return { mprReady: false, noVolumeReason: total === 1 ? 'a single image' : `only ${total} images` };
    }
    return this.loadVolume(series, opts);
  }

  private async loadVolume(
    series: SeriesToOpen,
    opts: LoadOptions,
  ): Promise<{ mprReady: boolean; noVolumeReason?: string; failedImages?: string[] }> {
    if (this.stream) {
      const filled = await this.fillVolumeFromStream(series, this.stream, opts);
      if (filled) return filled;
    }
    const { core } = this.cs;
    const volumeId = `cornerstoneStreamingImageVolume:twinscope-${series.id}-${Date.now().toString(36)}`;
    const volume = await core.volumeLoader.createAndCacheVolume(volumeId, { imageIds: series.imageIds });
    this.volumeId = volumeId;
    this.volume = volume;
    // Slices without usable positions (e.g. an enhanced multi-frame object whose geometry sits in
    // functional groups Cornerstone does not read) give a zero slice gap: no volume, stack only.
    const badSpacing = [...volume.spacing].some((sp) => !(sp > 0) || !Number.isFinite(sp));
    if (badSpacing) {
      this.unloadVolume();
      opts.onProgress({ loadedFrames: series.imageIds.length, totalFrames: series.imageIds.length, failedFrames: 0 });
      return { mprReady: false, noVolumeReason: `the slices have no usable spacing (${[...volume.spacing].join(' × ')} mm)` };
    }
    opts.onVolumeReady?.();
    const total = series.imageIds.length;
    const failedImages: string[] = [];
    await new Promise<void>((resolve, reject) => {
      let failed = 0;
      const onAbort = () => {
        (volume as { cancelLoading?: () => void }).cancelLoading?.();
        reject(abortError(opts.signal, 'loading'));
      };
      if (opts.signal.aborted) return onAbort();
      opts.signal.addEventListener('abort', onAbort, { once: true });
      volume.load((evt: unknown) => {
        const e = evt as { success?: boolean; framesProcessed?: number; totalNumFrames?: number; imageId?: string };
        if (e.success === false) {
          failed++;
          if (e.imageId) failedImages.push(describeImageId(e.imageId));
        }
        const done = e.framesProcessed ?? 0;
        opts.onProgress({ loadedFrames: done, totalFrames: e.totalNumFrames ?? total, failedFrames: failed, failedImages });
        if (done >= (e.totalNumFrames ?? total)) {
          opts.signal.removeEventListener('abort', onAbort);
          if (failed === total) reject(new Error('no image of the series could be decoded'));
          else resolve();
        }
      });
    });
    this.closeStream();
    if (this.layout === 'mpr') await this.showCurrent();
    return { mprReady: true, ...(failedImages.length > 0 ? { failedImages } : {}) };
  }

  /**
   * The volume filled from the series stream into one scalar buffer: a Cornerstone local volume
   * (its slice images are views of that buffer), written frame by frame as the answer downloads.
   * Uncompressed frames are rescaled where they lie (volumeFill.ts); others are decoded by the
   * loader's decode workers and copied in. No per-frame image objects, cache entries or events:
   * the texture is told which slices changed, and while the planes show they are re-rendered at
   * most once per animation frame, so the volume is usable (and seen) while it fills. Frames the
   * stream does not bring are fetched one by one (the loader's per-frame request).
   * Returns null when the series is not one this path fills (colour, PET/dose scaling, a float
   * rescale without float textures): the caller then loads it the Cornerstone way.
   */
  private async fillVolumeFromStream(
    series: SeriesToOpen,
    stream: SeriesPixelStream,
    opts: LoadOptions,
  ): Promise<{ mprReady: boolean; noVolumeReason?: string; failedImages?: string[] } | null> {
    const { core, loader } = this.cs;
    const volumeId = `twinscopeFilledVolume:${series.id}-${Date.now().toString(36)}`;
    const props = core.utilities.generateVolumePropsFromImageIds(series.imageIds, volumeId) as {
      dimensions: number[];
      spacing: number[];
      origin: number[];
      direction: number[];
      dataType: string;
      metadata: Types.Metadata;
      imageIds: string[];
      numberOfComponents: number;
    };
    const modality = (props.metadata as { Modality?: string }).Modality ?? series.modality;
    const Ctor = ({ Int16Array, Uint16Array, Float32Array, Uint8Array } as Record<string, new (n: number) => VoxelBuffer>)[props.dataType];
    const lut = (id: string) => this.cs.core.metaData.get('modalityLutModule', id) as { rescaleSlope?: number; rescaleIntercept?: number } | undefined;
    const floatRescale = [0, props.imageIds.length >> 1, props.imageIds.length - 1].some((i) => {
      const m = lut(props.imageIds[i]!);
      return !Number.isInteger(m?.rescaleSlope ?? 1) || !Number.isInteger(m?.rescaleIntercept ?? 0);
    });
    if (!Ctor || props.numberOfComponents !== 1 || modality === 'PT' || modality === 'RTDOSE' || (floatRescale && props.dataType !== 'Float32Array')) return null;
    if (props.spacing.some((sp) => !(sp > 0) || !Number.isFinite(sp))) {
      this.closeStream();
      opts.onProgress({ loadedFrames: series.imageIds.length, totalFrames: series.imageIds.length, failedFrames: 0 });
      return { mprReady: false, noVolumeReason: `the slices have no usable spacing (${props.spacing.join(' × ')} mm)` };
    }
    const [nx, ny, nz] = props.dimensions as [number, number, number];
    const sliceLength = nx * ny;
    // Without 16-bit normalised textures (EXT_texture_norm16 with linear filtering: SwiftShader,
    // many GPUs) vtk.js uploads 16-bit slices as float (R32F), converting every slice into a fresh
    // Float32Array on the main thread at upload. A CT's texture is half float instead (R16F, core
    // WebGL2, filterable: halfFloatTexture.ts — exact to ±2048 HU, within 1 HU to 4096): the
    // buffer stays the series' exact integers and each slice is converted as it is uploaded, half
    // the bytes of float through the main thread, Chromium's transfer buffers and the GPU process.
    // Other 16-bit series (MR, whose windows may be narrow at high values) keep the float buffer:
    // rescaled straight into it in the pass that already runs, the upload takes it as it is.
    const caps = core.getRenderingCapabilities() as { norm16?: boolean; norm16Linear?: boolean; webgl2?: boolean; halfFloatLinear?: boolean };
    const sixteenBit = props.dataType === 'Int16Array' || props.dataType === 'Uint16Array';
    const norm16 = !!(caps.norm16 && caps.norm16Linear);
    const halfTexture = sixteenBit && !norm16 && modality === 'CT' && !!caps.webgl2 && !!caps.halfFloatLinear;
    const floatTexture = sixteenBit && !norm16 && !halfTexture && core.canRenderFloatTextures();
    // Loaded here, after the first image: the texture class (vtk.js is already in Cornerstone's chunk).
    const halfFloat = halfTexture ? await import('./halfFloatVolumeTexture') : null;
    if (opts.signal.aborted) {
      this.closeStream();
      throw abortError(opts.signal, 'loading');
    }
    const scalars = this.voxelPool.take(floatTexture ? Float32Array : Ctor, sliceLength * nz);
    this.filledType = props.dataType;
    const volume = this.createFilledVolume(volumeId, scalars, props, lut(props.imageIds[0]!));
    if (halfFloat) {
      // Swapped in before any viewport has the volume: its mappers create and fill this one.
      const v = volume as unknown as { vtkOpenGLTexture: unknown };
      (v.vtkOpenGLTexture as { delete: () => void }).delete();
      this.halfTexture = halfFloat.newHalfFloatVolumeTexture({ voxels: scalars as Int16Array | Uint16Array, width: nx, height: ny, depth: nz, volumeId });
      v.vtkOpenGLTexture = this.halfTexture;
    }
    (volume as { isPreScaled: boolean }).isPreScaled = true;
    this.volumeId = volumeId;
    this.volume = volume;
    this.filledScalars = scalars;
    this.filledComplete = false;
    // A float buffer (16-bit series with a float texture) is published as a copy in the series'
    // integer type, written slice by slice as frames arrive rather than in one whole-volume
    // conversion between the last frame and the view; any other buffer is shared, not copied.
    const exportCopy = sixteenBit && floatTexture ? (props.dataType === 'Int16Array' ? new Int16Array(sliceLength * nz) : new Uint16Array(sliceLength * nz)) : null;
    this.filledExport = exportCopy;
    this.filledSliceIds = [...volume.imageIds];
    const texture = (volume as unknown as { vtkOpenGLTexture: { setUpdatedFrame: (i: number) => void } }).vtkOpenGLTexture;

    const indexOfKey = new Map<string, number>();
    props.imageIds.forEach((id, i) => {
      const k = frameKey(id);
      if (k !== null) indexOfKey.set(k, i);
    });
    const total = nz;
    // Per slice: 0 not yet, 1 decoding, 2 written, 3 failed.
    const state = new Uint8Array(total);
    let settled = false;
    // The stack reads written slices from the buffer instead of asking the PACS again, and waits
    // for slices still coming (volumeSliceImages.ts).
    const stackImage = (i: number): unknown => {
      const imageId = props.imageIds[i]!;
      const px = core.metaData.get('imagePixelModule', imageId) as { photometricInterpretation?: string } | undefined;
      const plane = core.metaData.get('imagePlaneModule', imageId) as { rowPixelSpacing?: number; columnPixelSpacing?: number } | undefined;
      const voi = core.metaData.get('voiLutModule', imageId) as { windowCenter?: number[]; windowWidth?: number[] } | undefined;
      const m = lut(imageId);
      const image = sliceImage(
        imageId,
        scalars.subarray(i * sliceLength, (i + 1) * sliceLength) as SliceScalars,
        {
          rows: ny,
          columns: nx,
          rowPixelSpacingMm: plane?.rowPixelSpacing ?? props.spacing[1]!,
          columnPixelSpacingMm: plane?.columnPixelSpacing ?? props.spacing[0]!,
          rescaleSlope: m?.rescaleSlope ?? 1,
          rescaleIntercept: m?.rescaleIntercept ?? 0,
          modality,
          ...(voi?.windowCenter?.[0] !== undefined ? { windowCenter: voi.windowCenter[0] } : {}),
          ...(voi?.windowWidth?.[0] !== undefined ? { windowWidth: voi.windowWidth[0] } : {}),
          photometricInterpretation: px?.photometricInterpretation ?? 'MONOCHROME2',
        },
        core.utilities.VoxelManager.createImageVoxelManager as never,
      );
      this.sliceViewIds.add(imageId);
      return image;
    };
    let written = 0;
    let failed = 0;
    const failedImages: string[] = [];
    const formatOf = (imageId: string): FramePixelFormat => {
      const px = core.metaData.get('imagePixelModule', imageId) as { bitsAllocated?: number; pixelRepresentation?: number; samplesPerPixel?: number } | undefined;
      const m = lut(imageId);
      return {
        bitsAllocated: px?.bitsAllocated ?? 0,
        pixelRepresentation: px?.pixelRepresentation ?? 0,
        samplesPerPixel: px?.samplesPerPixel ?? 1,
        rescaleSlope: m?.rescaleSlope ?? 1,
        rescaleIntercept: m?.rescaleIntercept ?? 0,
      };
    };
    const writeImage = (i: number, image: Types.IImage): void => {
      const pixels = (image.voxelManager?.getScalarData?.() ?? image.getPixelData()) as ArrayLike<number>;
      const f = formatOf(props.imageIds[i]!);
      writeDecodedFrame(scalars, i, sliceLength, pixels, image.preScale?.scaled ? null : { slope: f.rescaleSlope, intercept: f.rescaleIntercept });
    };

    const slices = new FilledVolumeSlices(props.imageIds, stackImage);
    this.removeSliceSource = addVolumeSliceSource(slices);
    opts.onVolumeReady?.();
    await new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        settled = true;
        slices.settle();
        this.closeStream();
        reject(abortError(opts.signal, 'loading'));
      };
      if (opts.signal.aborted) return onAbort();
      opts.signal.addEventListener('abort', onAbort, { once: true });
      const progress = () => {
        opts.onProgress({ loadedFrames: written + failed, totalFrames: total, failedFrames: failed, ...(failed > 0 ? { failedImages } : {}) });
        if (written + failed < total || settled) return;
        settled = true;
        slices.settle();
        opts.signal.removeEventListener('abort', onAbort);
        if (failed === total) reject(new Error('no image of the series could be decoded'));
        else resolve();
      };
      const ok = (i: number) => {
        if (settled || state[i] === 2) return;
        state[i] = 2;
        written++;
        // The published copy of this slice (from a float buffer: to the series' integer type, as
        // the whole-volume conversion did, ToInt16/ToUint16).
        exportCopy?.set(scalars.subarray(i * sliceLength, (i + 1) * sliceLength) as Float32Array | Int16Array);
        texture.setUpdatedFrame(i);
        this.renderFilledSoon();
        this.uploadFilledSoon();
        slices.written(i);
        progress();
      };
      const fail = (i: number) => {
        if (settled || state[i] === 3) return;
        state[i] = 3;
        failed++;
        failedImages.push(describeImageId(props.imageIds[i]!));
        slices.failed(i);
        progress();
      };
      const decodeOptions = { preScale: { enabled: true }, targetBuffer: { type: props.dataType }, transferPixelData: true };
      const writeDecoded = (i: number) => (image: unknown) => {
        if (settled) return;
        try {
          writeImage(i, image as Types.IImage);
          ok(i);
        } catch {
          fail(i);
        }
      };
      // A streamed frame that cannot be written or decoded takes the one retry every failed frame
      // takes (frameRetry.ts: asked again in explicit VR little endian, reported in the notice).
      const retry = (i: number, err: unknown) => {
        state[i] = 1;
        retryExplicitLe(props.imageIds[i]!, err, loader.createImage as never, { ...decodeOptions }).then(writeDecoded(i), () => fail(i));
      };
      const onFrame = (key: string, frame: StreamedFrame) => {
        const i = indexOfKey.get(key);
        if (settled || i === undefined || state[i] !== 0) return;
        const imageId = props.imageIds[i]!;
        try {
          const format = formatOf(imageId);
          if (isNativeLittleEndian(frame.transferSyntaxUid) && canWriteNative(format)) {
            writeNativeFrame(scalars, i, sliceLength, frame.bytes, format);
            return ok(i);
          }
        } catch (err) {
          return retry(i, err);
        }
        state[i] = 1;
        // Lent bytes (the parser's buffer takes the next frame) are copied before the decode worker gets them.
        const bytes = frame.borrowed ? frame.bytes.slice() : frame.bytes;
        (loader.createImage(imageId, bytes as never, frame.transferSyntaxUid, decodeOptions as never) as Promise<Types.IImage>).then(writeDecoded(i), (err: unknown) =>
          settled ? undefined : retry(i, err),
        );
      };
      stream.consume(onFrame);
      // Whatever the answer did not bring (a failed or partial series request), frame by frame.
      void stream.finished.then(async () => {
        const missing: number[] = [];
        for (let i = 0; i < total; i++) if (state[i] === 0) missing.push(i);
        let next = 0;
        const worker = async (): Promise<void> => {
          while (!settled && next < missing.length) {
            const i = missing[next++]!;
            if (state[i] !== 0) continue;
            state[i] = 1;
            try {
              const image = (await core.imageLoader.loadImage(props.imageIds[i]!, {
                priority: 0,
                requestType: core.Enums.RequestType.Prefetch,
                preScale: { enabled: true },
                targetBuffer: { type: props.dataType },
                [FILL_REQUEST]: true,
              } as never)) as Types.IImage;
              if (settled) return;
              writeImage(i, image);
              ok(i);
            } catch {
              fail(i);
            }
          }
        };
        // Six at a time: what a browser opens to one host over HTTP/1.1.
        await Promise.all(Array.from({ length: Math.min(6, missing.length) }, worker));
      });
    });
    this.closeStream();
    this.filledComplete = true;
    // Planes already showing the volume (MPR opened while it filled) keep their camera: one last render.
    if (this.layout === 'mpr') this.engine.renderViewports([...MPR_KEYS]);
    return { mprReady: true, ...(failedImages.length > 0 ? { failedImages } : {}) };
  }

  /**
   * The Cornerstone volume over `scalars`, built here rather than by `createLocalVolume`: that
   * scans every slice for its min/max as it makes the slice images — over a buffer that is still
   * empty (1.25 s of main thread for 300×512², traced in round 5). Here each slice image is a view
   * of its slice with the range the series' stored values can take (`modalityValueRange`), and
   * the same metadata `createLocalVolume` registers, with each slice's own position.
   */
  private createFilledVolume(
    volumeId: string,
    scalars: VoxelBuffer,
    props: { dimensions: number[]; spacing: number[]; origin: number[]; direction: number[]; metadata: Types.Metadata; imageIds: string[] },
    lut0: { rescaleSlope?: number; rescaleIntercept?: number } | undefined,
  ): Types.IImageVolume {
    const { core } = this.cs;
    const [nx, ny, nz] = props.dimensions as [number, number, number];
    const sliceLength = nx * ny;
    const [sx, sy, sz] = props.spacing as [number, number, number];
    const dir = props.direction;
    const px0 = core.metaData.get('imagePixelModule', props.imageIds[0]!) as { bitsStored?: number; bitsAllocated?: number; pixelRepresentation?: number } | undefined;
    const valueRange = modalityValueRange(px0?.bitsStored ?? px0?.bitsAllocated ?? 16, px0?.pixelRepresentation ?? 0, lut0?.rescaleSlope ?? 1, lut0?.rescaleIntercept ?? 0);
    const bits = scalars instanceof Uint8Array ? 8 : scalars instanceof Float32Array ? 32 : 16;
    const generic = core.utilities.genericMetadataProvider;
    const voxelManagerOf = core.utilities.VoxelManager.createImageVoxelManager as never;
    const imageIds: string[] = [];
    for (let i = 0; i < nz; i++) {
      const imageId = `${volumeId}_slice_${i}`;
      imageIds.push(imageId);
      // Slice i lies i slice gaps along the volume's normal (the direction's third row).
      const position = [0, 1, 2].map((a) => props.origin[a]! + i * sz * dir[6 + a]!);
      generic.addRaw(imageId, {
        type: 'imagePlaneModule',
        metadata: {
          rows: ny,
          columns: nx,
          imageOrientationPatient: dir.slice(0, 6),
          rowCosines: dir.slice(0, 3),
          columnCosines: dir.slice(3, 6),
          imagePositionPatient: position,
          pixelSpacing: [sy, sx],
          rowPixelSpacing: sy,
          columnPixelSpacing: sx,
        },
      });
      generic.addRaw(imageId, {
        type: 'imagePixelModule',
        metadata: { samplesPerPixel: 1, photometricInterpretation: 'MONOCHROME2', rows: ny, columns: nx, bitsAllocated: bits, bitsStored: bits, highBit: bits - 1 },
      });
      const image = sliceImage(
        imageId,
        scalars.subarray(i * sliceLength, (i + 1) * sliceLength) as SliceScalars,
        { rows: ny, columns: nx, rowPixelSpacingMm: sy, columnPixelSpacingMm: sx, rescaleSlope: 1, rescaleIntercept: 0, photometricInterpretation: 'MONOCHROME2', valueRange },
        voxelManagerOf,
      );
      (image as { referencedImageId?: string }).referencedImageId = props.imageIds[i];
      core.cache.putImageSync(imageId, image as unknown as Types.IImage);
    }
    const volume = new core.ImageVolume({
      volumeId,
      metadata: props.metadata,
      dimensions: props.dimensions as Types.Point3,
      spacing: props.spacing as Types.Point3,
      origin: props.origin as Types.Point3,
      direction: props.direction as Types.Mat3,
      imageIds,
      dataType: scalars.constructor.name as never,
      numberOfComponents: 1,
      referencedImageIds: props.imageIds,
    } as never);
    core.cache.putVolumeSync(volumeId, volume as never);
    return volume as unknown as Types.IImageVolume;
  }

  /**
   * While the stack shows and a half-float volume fills, the slices written since the last
   * animation frame go to the GPU then, into the WebGL context the planes will draw in (context 0
   * of Cornerstone's pool, where the stack viewport is too): the texture upload overlaps the
   * download instead of following the last frame (halfFloatVolumeTexture.ts `uploadPending`).
   * In the planes, their render sends them.
   */
  private uploadFilledSoon(): void {
    if (this.uploadFrame || !this.halfTexture || this.earlyUploadFailed || this.layout !== 'stack') return;
    this.uploadFrame = requestAnimationFrame(() => {
      this.uploadFrame = 0;
      const t = this.halfTexture;
      if (!t || this.destroyed || this.layout !== 'stack' || !this.viewport('stack')) return;
      const engine = this.engine as unknown as { getOffscreenMultiRenderWindow: (id: string) => { getOpenGLRenderWindow: () => unknown } };
      try {
        t.uploadPending(engine.getOffscreenMultiRenderWindow('stack').getOpenGLRenderWindow());
      } catch {
        // Only an early start is lost: the slices not sent stay flagged, and the planes' first
        // render sends them (or re-creates the texture with every written slice).
        this.earlyUploadFailed = true;
      }
    });
  }

  /** One render of the planes per animation frame while a filled volume is on screen. */
  private renderFilledSoon(): void {
    if (this.renderPending || this.layout !== 'mpr' || !this.volumeId) return;
    this.renderPending = requestAnimationFrame(() => {
      this.renderPending = 0;
      if (this.layout === 'mpr' && this.volumeId && !this.destroyed) this.engine.renderViewports([...MPR_KEYS]);
    });
  }

  /** The loaded volume in HU with LPS geometry, or null before the volume has loaded. */
  exportImageVolume(): ImageVolume | null {
    const v = this.volume;
    const s = this.series;
    if (!v || !s) return null;
    let scalars: ArrayLike<number> | undefined;
    if (this.filledScalars) {
      // Our own buffer, in modality units. In the series' own type it is shared with the published
      // volume (no copy; the pool will not take it back, so no later series overwrites it); a
      // float buffer (the texture's sake) is published as the integer copy written while it filled.
      if (!this.filledComplete) return null;
      const b = this.filledScalars;
      if (this.filledExport) {
        scalars = this.filledExport;
        this.filledExport = null; // handed over once: the published volume owns it
      } else if (b instanceof Float32Array && (this.filledType === 'Int16Array' || this.filledType === 'Uint16Array')) {
        scalars = this.filledType === 'Int16Array' ? new Int16Array(b) : new Uint16Array(b);
      } else {
        this.voxelPool.share(b);
        scalars = b;
      }
    } else {
      if (!(v as { loadStatus?: { loaded?: boolean } }).loadStatus?.loaded) return null;
      const vm = v.voxelManager as { getCompleteScalarDataArray?: () => ArrayLike<number> } | undefined;
      scalars = vm?.getCompleteScalarDataArray?.(); // a fresh array: kept, not copied again
    }
    if (!scalars) return null;
    const meta = v.metadata as { Modality?: string };
    const firstId = s.imageIds[0]!;
    const mod = this.cs.core.metaData.get('modalityLutModule', firstId) as { rescaleSlope?: number; rescaleIntercept?: number } | undefined;
    return toImageVolume(
      { volumeId: v.volumeId, dimensions: v.dimensions, spacing: v.spacing, origin: v.origin, direction: v.direction, isPreScaled: this.filledScalars !== null || v.isPreScaled, modality: meta.Modality ?? s.modality },
      scalars as ArrayLike<number> & { length: number },
      mod?.rescaleSlope !== undefined ? { slope: mod.rescaleSlope, intercept: mod.rescaleIntercept ?? 0 } : undefined,
      { kind: 'dicom-series', id: s.id, description: s.description },
      // Owned by (the float buffer's integer copy, Cornerstone's fresh array) or shared with (our
      // buffer, never reused) the published volume: kept, not copied.
      { scalarsOwned: true },
    );
  }

  setPreset(id: WindowPresetId): void {
    const p = windowPreset(id);
    this.setVoi(windowToHuRange(p.widthHu, p.centerHu));
  }

  setVoi(range: HuRange): void {
    this.voi = range;
    for (const vp of this.activeViewports()) {
      vp.setProperties({ voiRange: { lower: range.lowerHu, upper: range.upperHu } });
      vp.render();
    }
    this.events.onVoiChanged?.(range);
  }

  setPrimaryTool(tool: PrimaryTool): void {
    // A tool chosen before any image asks for the tools now.
    if (tool !== this.primaryTool) this.requestTools();
    this.primaryTool = tool;
    this.applyBindings();
  }

  getPrimaryTool(): PrimaryTool {
    return this.primaryTool;
  }

  /** Step the slice in one viewport (keyboard scrolling). */
  scroll(key: ViewportKey, delta: number): void {
    const vp = this.viewport(key);
    if (vp) this.cs.core.utilities.scroll(vp as never, { delta });
  }

  /** Zoom by a factor around the centre (keyboard zoom). */
  zoom(key: ViewportKey, factor: number): void {
    const vp = this.viewport(key);
    if (!vp) return;
    const cam = vp.getCamera();
    if (cam.parallelScale) vp.setCamera({ parallelScale: cam.parallelScale / factor });
    vp.render();
  }

  resetView(): void {
    for (const vp of this.activeViewports()) {
      vp.resetCamera();
      if (this.voi) vp.setProperties({ voiRange: { lower: this.voi.lowerHu, upper: this.voi.upperHu } });
      vp.render();
    }
  }

  resize(): void {
    if (this.layout) this.engine.resize(true, true);
  }

  clearMeasurements(): void {
    this.tools?.annotation.state.removeAllAnnotations();
    this.engine.render();
    this.emitMeasurements();
  }

  /**
   * Pixel values (modality units, e.g. HU) of the image a viewport shows, read from
   * Cornerstone's image cache — what tests compare against reference decodes.
   */
  displayedPixels(key: ViewportKey): { imageId: string; rows: number; columns: number; values: ArrayLike<number>; preScaled: boolean } | null {
    const vp = this.viewport(key);
    if (!vp || key !== 'stack') return null;
    const imageId = (vp as Types.IStackViewport).getCurrentImageId() as string | undefined;
    if (!imageId) return null;
    const image = this.cs.core.cache.getImage(imageId);
    if (!image) return null;
    const values = image.voxelManager?.getScalarData?.() ?? image.getPixelData();
    return { imageId, rows: image.rows, columns: image.columns, values: values as ArrayLike<number>, preScaled: image.preScale?.scaled === true };
  }

  /**
   * The voxel each canvas point shows (CSS pixels of the viewport's canvas): its value in modality
   * units (HU for CT) and the spread (max − min) of the 3 × 3 voxels around it in the image's
   * own rows and columns — nearest voxel of the image or volume in the viewport, null outside it.
   * What tests compare the canvas's grey levels against (the same window must give the same grey
   * for the same HU in every view); a small spread marks uniform tissue, where the renderers'
   * interpolation cannot move the grey.
   */
  voxelsAtCanvas(key: ViewportKey, points: ReadonlyArray<readonly [number, number]>): Array<{ value: number; spread: number } | null> {
    const vp = this.viewport(key);
    const data = vp?.getImageData() as
      | { dimensions: ArrayLike<number>; imageData: { worldToIndex: (w: number[]) => number[] }; voxelManager?: { getAtIJK: (i: number, j: number, k: number) => unknown } }
      | undefined;
    if (!vp || !data?.voxelManager) return points.map(() => null);
    const vm = data.voxelManager;
    const [nx, ny, nz] = [data.dimensions[0]!, data.dimensions[1]!, data.dimensions[2] ?? 1];
    const at = (i: number, j: number, k: number): number | null => {
      if (i < 0 || j < 0 || k < 0 || i >= nx || j >= ny || k >= nz) return null;
      const v = vm.getAtIJK(i, j, k);
      return typeof v === 'number' ? v : null;
    };
    return points.map(([x, y]) => {
      const world = vp.canvasToWorld([x, y] as Types.Point2) as unknown as number[];
      const [i, j, k] = data.imageData.worldToIndex(world).map((c) => Math.round(c)) as [number, number, number];
      const value = at(i, j, k);
      if (value === null) return null;
      let min = value;
      let max = value;
      for (let dj = -1; dj <= 1; dj++) {
        for (let di = -1; di <= 1; di++) {
          const n = at(i + di, j + dj, k) ?? value;
          if (n < min) min = n;
          if (n > max) max = n;
        }
      }
      return { value, spread: max - min };
    });
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.detachAll();
    for (const off of this.globalListeners.splice(0)) off();
    this.unloadVolume();
    this.voxelPool.clear();
    if (this.tools) for (const id of [STACK_GROUP, MPR_GROUP]) this.tools.ToolGroupManager.destroyToolGroup(id);
    this.engine.destroy();
  }

  // ---- internals

  private async showCurrent(): Promise<void> {
    const s = this.series;
    if (!s || !this.layout) return;
    const { core } = this.cs;
    if (this.layout === 'stack') {
      const vp = this.viewport('stack') as Types.IStackViewport | undefined;
      if (!vp) return;
      // Start in the middle of the series: for CT that is the body, not the first air slice.
      await vp.setStack(s.imageIds, Math.floor(s.imageIds.length / 2));
      this.applyVoi();
      vp.render();
    } else if (this.volumeId) {
      // Setting the volume makes Cornerstone apply (and announce, VOI_MODIFIED) a default window
      // from the volume's value range — the full stored range, washed out; the window the user
      // had (soft tissue on first display) is the one that stays.
      const shown = this.voi;
      await core.setVolumesForViewports(this.engine, [{ volumeId: this.volumeId }], [...MPR_KEYS]);
      if (shown) {
        this.voi = shown;
        this.events.onVoiChanged?.(shown);
      }
      this.applyVoi();
      this.engine.renderViewports([...MPR_KEYS]);
    }
  }

  private applyVoi(): void {
    if (!this.voi) {
      // First display: CT opens in the soft-tissue window; other modalities keep their own VOI.
      const modality = this.series?.modality;
      if (modality === undefined || modality === 'CT') {
        const p = windowPreset('soft-tissue');
        this.voi = windowToHuRange(p.widthHu, p.centerHu);
        this.events.onVoiChanged?.(this.voi);
      } else return;
    }
    for (const vp of this.activeViewports()) {
      vp.setProperties({ voiRange: { lower: this.voi.lowerHu, upper: this.voi.upperHu } });
    }
  }

  private applyBindings(): void {
    const tools = this.tools;
    if (!tools) return; // bound when they arrive (setUpTools)
    const { MouseBindings } = tools.Enums;
    for (const id of [STACK_GROUP, MPR_GROUP]) {
      const g = tools.ToolGroupManager.getToolGroup(id);
      if (!g) continue;
      const primary = this.primaryTool === 'Crosshairs' && id === STACK_GROUP ? 'WindowLevel' : this.primaryTool;
      for (const t of ['WindowLevel', 'Pan', 'Zoom', 'Length', 'Angle', 'RectangleROI']) g.setToolPassive(t);
      if (g.hasTool('Crosshairs')) {
        // Enabled, not passive, when another tool is chosen: the lines still link the planes, but
        // a drag that starts on a line draws the chosen measurement instead of moving the lines.
        // Crosshairs need all three planes; before they exist the tool stays off.
        if (g.getViewportIds().length < MPR_KEYS.length) g.setToolDisabled('Crosshairs');
        else if (primary !== 'Crosshairs') g.setToolEnabled('Crosshairs');
      }
      const bindings: Record<string, Array<{ mouseButton: number }>> = {};
      const add = (t: string, b: number) => (bindings[t] ??= []).push({ mouseButton: b });
      add(primary, MouseBindings.Primary);
      if (primary !== 'Pan') add('Pan', MouseBindings.Auxiliary);
      if (primary !== 'Zoom') add('Zoom', MouseBindings.Secondary);
      add('StackScroll', MouseBindings.Wheel);
      for (const [t, b] of Object.entries(bindings)) g.setToolActive(t, { bindings: b });
    }
  }

  private watchElement(key: ViewportKey, el: HTMLDivElement): void {
    const { core } = this.cs;
    const E = core.Enums.Events;
    const onRendered = () => {
      this.renderCounts[key]++;
      el.dataset.renderCount = String(this.renderCounts[key]);
      this.events.onRendered?.(key);
    };
    const onCamera = () => this.emitLabels(key);
    const onSlice = () => {
      const vp = this.viewport(key);
      if (!vp) return;
      if (key === 'stack') {
        const s = vp as Types.IStackViewport;
        this.events.onSlice?.(key, s.getCurrentImageIdIndex(), s.getImageIds().length);
      } else {
        const v = vp as Types.IVolumeViewport;
        this.events.onSlice?.(key, v.getSliceIndex(), v.getNumberOfSlices());
      }
    };
    const onVoi = (evt: Event) => {
      const r = (evt as CustomEvent<{ range?: { lower: number; upper: number } }>).detail.range;
      if (r) {
        this.voi = { lowerHu: r.lower, upperHu: r.upper };
        this.events.onVoiChanged?.(this.voi);
      }
    };
    el.addEventListener(E.IMAGE_RENDERED, onRendered);
    el.addEventListener(E.CAMERA_MODIFIED, onCamera);
    el.addEventListener(E.STACK_NEW_IMAGE, onSlice);
    el.addEventListener(E.VOLUME_NEW_IMAGE, onSlice);
    el.addEventListener(E.VOI_MODIFIED, onVoi);
    this.elementListeners.push(() => {
      el.removeEventListener(E.IMAGE_RENDERED, onRendered);
      el.removeEventListener(E.CAMERA_MODIFIED, onCamera);
      el.removeEventListener(E.STACK_NEW_IMAGE, onSlice);
      el.removeEventListener(E.VOLUME_NEW_IMAGE, onSlice);
      el.removeEventListener(E.VOI_MODIFIED, onVoi);
    });
  }

  private emitLabels(key: ViewportKey): void {
    const vp = this.viewport(key);
    if (!vp) return;
    const cam = vp.getCamera();
    if (!cam.viewUp || !cam.viewPlaneNormal) return;
    this.events.onLabels?.(key, edgeLabels(cam.viewUp as unknown as Vec3, cam.viewPlaneNormal as unknown as Vec3));
  }

  private emitMeasurements(): void {
    if (!this.events.onMeasurements || !this.tools) return;
    const all = this.tools.annotation.state.getAllAnnotations();
    const out: Measurement[] = [];
    for (const a of all) {
      const tool = a.metadata?.toolName;
      if (tool !== 'Length' && tool !== 'Angle' && tool !== 'RectangleROI') continue;
      const stats = Object.values((a.data as { cachedStats?: Record<string, Record<string, unknown>> }).cachedStats ?? {})[0];
      if (!stats) continue;
      const text = measurementText(tool, stats);
      if (!text) continue;
      const vpId = this.viewportKeyForAnnotation(a);
      out.push({ uid: a.annotationUID ?? '', tool, viewportKey: vpId, text });
    }
    this.events.onMeasurements(out);
  }

  private viewportKeyForAnnotation(a: { metadata?: { viewPlaneNormal?: Types.Point3 } }): ViewportKey | 'unknown' {
    if (this.layout === 'stack') return 'stack';
    const n = a.metadata?.viewPlaneNormal;
    if (!n) return 'unknown';
    const ax = [Math.abs(n[0]), Math.abs(n[1]), Math.abs(n[2])];
    const m = Math.max(...ax);
    return m === ax[2] ? 'axial' : m === ax[0] ? 'sagittal' : 'coronal';
  }

  private viewport(key: ViewportKey): Types.IStackViewport | Types.IVolumeViewport | undefined {
    if (!this.elements.has(key)) return undefined;
    return this.engine.getViewport(key) as Types.IStackViewport | Types.IVolumeViewport | undefined;
  }

  private activeViewports(): Array<Types.IStackViewport | Types.IVolumeViewport> {
    const out: Array<Types.IStackViewport | Types.IVolumeViewport> = [];
    for (const k of this.elements.keys()) {
      const vp = this.viewport(k);
      if (vp) out.push(vp);
    }
    return out;
  }

  private detachAll(): void {
    const tools = this.tools;
    for (const k of this.elements.keys()) {
      if (tools) for (const id of [STACK_GROUP, MPR_GROUP]) tools.ToolGroupManager.getToolGroup(id)?.removeViewports(ENGINE_ID, k);
      this.engine.disableElement(k);
    }
    this.elements.clear();
    for (const off of this.elementListeners.splice(0)) off();
  }

  private closeStream(): void {
    this.stream?.dispose();
    this.stream = null;
  }

  private unloadVolume(): void {
    this.closeStream();
    if (this.renderPending) cancelAnimationFrame(this.renderPending);
    this.renderPending = 0;
    if (this.uploadFrame) cancelAnimationFrame(this.uploadFrame);
    this.uploadFrame = 0;
    // Deleted in its own WebGL context now (a load cancelled before the planes showed leaves no
    // texture behind); the volume's destroy below asks again, harmlessly.
    this.halfTexture?.releaseGraphicsResources();
    this.halfTexture = null;
    this.earlyUploadFailed = false;
    if (!this.volumeId) return;
    const v = this.volume as { cancelLoading?: () => void } | null;
    v?.cancelLoading?.();
    const { cache } = this.cs.core;
    if (cache.getVolume(this.volumeId)) cache.removeVolumeLoadObject(this.volumeId);
    // A filled volume's slice images are views of its buffer: drop them with it.
    for (const id of this.filledSliceIds) if (cache.getImageLoadObject(id) || cache.getImage(id)) cache.removeImageLoadObject(id, { force: true });
    this.filledSliceIds = [];
    this.removeSliceSource?.();
    this.removeSliceSource = null;
    for (const id of this.sliceViewIds) if (cache.getImageLoadObject(id) || cache.getImage(id)) cache.removeImageLoadObject(id, { force: true });
    this.sliceViewIds.clear();
    // The volume, its slice images and views are gone from the cache: the next series of this
    // size reuses the buffer — unless the published volume shares it (the pool then drops it,
    // and it lives as long as the Anatomy view or meshing holds that volume).
    if (this.filledScalars && !this.destroyed) this.voxelPool.give(this.filledScalars);
    this.filledScalars = null;
    this.filledExport = null;
    this.filledComplete = false;
    this.volumeId = null;
    this.volume = null;
  }
}

/**
 * Resolves once the next animation frame has run and been handed to the compositor (a task
 * queued from requestAnimationFrame runs after that frame's paint). A hidden tab runs no
 * animation frames: a timer ends the wait there, so loading never hangs on it.
 */
export function afterNextPaint(maxWaitMs = 200): Promise<void> {
  return new Promise((resolve) => {
    if (typeof requestAnimationFrame !== 'function') return void setTimeout(resolve, 0);
    const timer = setTimeout(resolve, maxWaitMs);
    requestAnimationFrame(() =>
      setTimeout(() => {
        clearTimeout(timer);
        resolve();
      }, 0),
    );
  });
}

/** Text of a finished measurement, in mm / degrees / HU, or null while it has no stats yet. */
export function measurementText(tool: 'Length' | 'Angle' | 'RectangleROI', stats: Record<string, unknown>): string | null {
  const n = (k: string) => (typeof stats[k] === 'number' && Number.isFinite(stats[k]) ? (stats[k] as number) : undefined);
  switch (tool) {
    case 'Length': {
      const mm = n('length');
      const unit = typeof stats.unit === 'string' ? stats.unit : 'mm';
      return mm === undefined ? null : `${mm.toFixed(1)} ${unit}`;
    }
    case 'Angle': {
      const deg = n('angle');
      return deg === undefined ? null : `${deg.toFixed(1)}°`;
    }
    case 'RectangleROI': {
      const mean = n('mean');
      const sd = n('stdDev');
      const area = n('area');
      if (mean === undefined || area === undefined) return null;
      const u = typeof stats.modalityUnit === 'string' ? stats.modalityUnit : 'HU';
      const au = typeof stats.areaUnit === 'string' ? stats.areaUnit : 'mm²';
      return `mean ${mean.toFixed(1)} ${u}, sd ${(sd ?? 0).toFixed(1)} ${u}, area ${area.toFixed(0)} ${au}`;
    }
  }
}

