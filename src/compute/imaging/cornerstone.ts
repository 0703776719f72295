// Lazy, once-per-page Cornerstone3D start-up: core (WebGL path) and the DICOM image loader with
// its decode web workers (each codec fetched by them on first use), then the tools once an image
// is up (`loadTools`). Everything Cornerstone is imported dynamically from here so the imaging
// code loads only when the Imaging tab opens, and the first image waits for none of the tools.
//
// Lifetime: the promise is kept for the page's life; a failed start is forgotten so the user can
// retry (e.g. after enabling WebGL). Rendering engines and tool groups are owned by the viewer
// (viewer.ts), not here.

import type * as CoreNs from '@cornerstonejs/core';
import type * as ToolsNs from '@cornerstonejs/tools';
// The loader's `imageLoader` entry, not its root: the root also re-exports the decode worker's
// module and every codec, which would put ~110 KB of codec glue on the main thread. Codecs load
// in the decode workers, each on first use (vite.config.ts lazyCodecs).
import type * as LoaderNs from '@cornerstonejs/dicom-image-loader/imageLoader';
import type * as MetadataNs from '@cornerstonejs/metadata';
import { streamingWadorsLoader } from './seriesPixelStream';
import { withExplicitLeRetry } from './frameRetry';
import { withVolumeSlices } from './volumeSliceImages';

// Type-only imports: erased at build time, so nothing of Cornerstone loads until start().
export type CoreModule = typeof CoreNs;
export type ToolsModule = typeof ToolsNs;
export type LoaderModule = typeof LoaderNs;
export type MetadataModule = typeof MetadataNs;

export interface Cornerstone {
  core: CoreModule;
  loader: LoaderModule;
  metadata: MetadataModule;
  /**
   * Cornerstone's tools (window/level drag, pan, zoom, scroll, measurements, crosshairs), loaded
   * and registered on the first call: a third of the imaging code (≈ 300 KB gzipped) that showing
   * the first image does not need, so the viewer asks for it once an image is up (viewer.ts).
   * A failed load is forgotten, so the next call tries again.
   */
  loadTools(): Promise<ToolsModule>;
}

/** A start-up failure with a sentence the user can act on. */
export class ImagingInitError extends Error {
  override readonly name = 'ImagingInitError';
}

let started: Promise<Cornerstone> | null = null;

/** WebGL2 is what Cornerstone's GPU path needs; probed while the megabyte of imaging code loads. */
export function hasWebGl2(doc: Document = document): boolean {
  try {
    const canvas = doc.createElement('canvas');
    const gl = canvas.getContext('webgl2');
    if (!gl) return false;
    // Release the probe context at once: browsers cap live WebGL contexts (about 16).
    gl.getExtension('WEBGL_lose_context')?.loseContext();
    return true;
  } catch {
    return false;
  }
}

export function startCornerstone(): Promise<Cornerstone> {
  if (!started) {
    started = start().catch((err: unknown) => {
      started = null;
      throw err instanceof ImagingInitError
        ? err
        : new ImagingInitError(`The image viewer could not start: ${err instanceof Error ? err.message : String(err)}`);
    });
  }
  return started;
}

async function start(): Promise<Cornerstone> {
  // The chunks are requested first, so the WebGL probe (a context creation: about 0.1 s on a
  // software rasteriser) runs while they download instead of before.
  const modules = Promise.all([
    import('@cornerstonejs/core'),
    import('@cornerstonejs/dicom-image-loader/imageLoader'),
    import('@cornerstonejs/metadata'),
  ]);
  if (!hasWebGl2()) {
    modules.catch(() => undefined); // not waited for: no unhandled rejection
    throw new ImagingInitError(
      'WebGL is unavailable in this browser, so images cannot be displayed. Turn on hardware acceleration or use a current Chrome, Edge or Firefox.',
    );
  }
  const [core, loaderNs, metadata] = await modules;
  const loader = loaderNs;
  // One WebGL context for the rendering engine, not Cornerstone's default pool of 7
  // (ContextPoolRenderingEngine: each an offscreen vtk.js render window, created and rendered
  // once at engine start-up, with its own textures and shaders; under SwiftShader each is CPU and
  // memory in the GPU process). The viewer shows at most the stack or the three planes
  // (viewer.ts `setLayout`), and the pool puts every volume viewport in context 0, and a stack
  // viewport in context (viewports so far) mod count — 0 here too, as it is always alone —,
  // so the other six were never drawn in. The filled volume's texture is uploaded into context 0
  // while the stack shows (viewer.ts `uploadFilledSoon`), which is the planes' context either way.
  const defaults = core.getConfiguration();
  core.init({ ...defaults, rendering: { ...defaults.rendering, webGlContextCount: 1 } });
  if (core.getShouldUseCPURendering()) {
    throw new ImagingInitError(
      'WebGL is unavailable to the image viewer, so images cannot be displayed. Turn on hardware acceleration in the browser settings.',
    );
  }
  // Half the cores for decoding (at least 2, at most 4): decoding is CPU-bound, the UI thread
  // and the rasteriser need the rest; with a single worker one slow codec call stalls the queue.
  const hw = typeof navigator !== 'undefined' ? navigator.hardwareConcurrency || 2 : 2;
  const decodeWorkers = Math.max(2, Math.min(4, Math.floor(hw / 2)));
  loader.init({ maxWebWorkers: decodeWorkers });
  // `wadors:` frames come from the open series stream when it has them (one request per series),
  // else from the loader's own per-frame request (seriesPixelStream.ts); a frame that fails is asked
  // for once more in explicit VR little endian (frameRetry.ts); a slice of a filled volume is
  // read from its buffer, not fetched again (volumeSliceImages.ts).
  core.imageLoader.registerImageLoader(
    'wadors',
    withVolumeSlices(
      withExplicitLeRetry(streamingWadorsLoader(loader.wadors.loadImage as never, loader.createImage as never), loader.createImage as never),
    ) as never,
  );
  warmDecodeWorkers(core, decodeWorkers);
  warmNorm16Probe();
  core.volumeLoader.registerVolumeLoader('cornerstoneStreamingImageVolume', core.cornerstoneStreamingImageVolumeLoader as never);
  core.volumeLoader.registerUnknownVolumeLoader(core.cornerstoneStreamingImageVolumeLoader as never);
  let tools: Promise<ToolsModule> | null = null;
  const loadTools = (): Promise<ToolsModule> =>
    (tools ??= import('@cornerstonejs/tools').then(
      (t) => {
        t.init();
        for (const Tool of [t.WindowLevelTool, t.PanTool, t.ZoomTool, t.StackScrollTool, t.LengthTool, t.AngleTool, t.RectangleROITool, t.CrosshairsTool]) {
          t.addTool(Tool);
        }
        return t;
      },
      (err: unknown) => {
        tools = null;
        throw err;
      },
    ));
  return { core, loader, metadata, loadTools };
}

/**
 * vtk.js asks, on the first texture it makes, whether 16-bit normalised textures filter linearly:
 * a WebGL context of its own, two shader compiles and a draw (≈ 0.1 s on a software rasteriser,
 * traced on the click → first image path). Asked here while the tab is idle, the cached answer is
 * ready for the first image. The module is vtk.js's own, so its cache is the one vtk.js reads.
 */
function warmNorm16Probe(): void {
  const run = () => {
    void import('@kitware/vtk.js/Rendering/OpenGL/Texture/supportsNorm16Linear.js').then(
      (m) => m.default(),
      () => undefined, // a missing probe only means the first texture asks itself
    );
  };
  if (typeof requestIdleCallback === 'function') requestIdleCallback(run, { timeout: 1000 });
  else setTimeout(run, 0);
}

/**
 * Sends each decode worker a 2×2 uncompressed frame so its module and comlink endpoint are ready
 * before the first real image: otherwise that start-up lands on the user's first image.
 * Fire-and-forget: a failed warm-up costs nothing, and a broken worker shows on real decodes.
 */
function warmDecodeWorkers(core: CoreModule, count: number): void {
  const manager = core.getWebWorkerManager();
  for (let i = 0; i < count; i++) {
    manager
      .executeTask('dicomImageLoader', 'decodeTask', {
        imageFrame: { rows: 2, columns: 2, bitsAllocated: 16, bitsStored: 16, samplesPerPixel: 1, pixelRepresentation: 1, photometricInterpretation: 'MONOCHROME2' },
        transferSyntax: '1.2.840.10008.1.2.1',
        pixelData: new Uint8Array(8),
        options: { preScale: { enabled: false } },
        decodeConfig: {},
      })
      .catch(() => undefined);
  }
}
