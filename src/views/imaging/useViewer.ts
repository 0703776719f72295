// React binding of the Cornerstone viewer: starts Cornerstone lazily, owns one ImagingViewer for
// the view's lifetime, and mirrors what the viewer reports into React state. No imaging maths here.
import { useCallback, useEffect, useRef, useState } from 'react';
import { ImagingInitError, startCornerstone, type Cornerstone } from '../../compute/imaging/cornerstone';
import type { EdgeLabels } from '../../compute/imaging/orientation';
import type { StreamStats } from '../../compute/imaging/seriesPixelStream';
import {
  ImagingViewer,
  type Layout,
  type LoadProgress,
  type Measurement,
  type SeriesToOpen,
  type ViewportKey,
} from '../../compute/imaging/viewer';
import type { HuRange } from '../../compute/imaging/windowPresets';
import { imageVolumeStore } from '../../twin/imageVolume';
import { abortError, isAbortError } from '../../../core/domain/abort';

export interface LoadState {
  label: string;
  progress: LoadProgress;
  cancel: () => void;
}

export interface ViewerState {
  cs: Cornerstone | null;
  viewer: ImagingViewer | null;
  initError: string | null;
  layout: Layout;
  loading: LoadState | null;
  loadError: string | null;
  notice: string | null;
  labels: Partial<Record<ViewportKey, EdgeLabels>>;
  slices: Partial<Record<ViewportKey, { index: number; count: number }>>;
  measurements: Measurement[];
  voi: HuRange | null;
  openSeries: SeriesToOpen | null;
  mprAvailable: boolean;
}

declare global {
  interface Window {
    /**
     * Read-only hooks for end-to-end tests and support: render counters and the pixel values of
     * the image on screen. Exposes no patient data beyond what the page already shows.
     */
    twinscopeImaging?: {
      renderCount: (key: ViewportKey) => number;
      displayedPixels: ImagingViewer['displayedPixels'];
      /** The voxel shown at each canvas point (CSS pixels): value (HU for CT) and 3 × 3 spread, null outside the image. */
      voxelsAtCanvas: ImagingViewer['voxelsAtCanvas'];
      /** Geometry and value range of the volume published to the Anatomy view, or null. */
      publishedVolume: () => PublishedVolumeSummary | null;
      /** Times and sizes of the last series pixel-data stream (the benchmark's profile), or null. */
      streamStats: () => StreamStats | null;
      /** Whether Cornerstone's tools are loaded and bound (they load after the first image). */
      toolsReady: () => boolean;
      /** How many opens reused the previous volume's buffer (voxelBufferPool.ts; read by the benchmark). */
      voxelBuffersReused: () => number;
      /** The filled volume's texture format ('R16F' for a CT without 16-bit textures; halfFloatTexture.ts). */
      textureFormat: () => string;
      /** Slices sent to the half-float texture so far (each once when it streamed in; −1 without one). */
      textureSlicesUploaded: () => number;
    };
  }
}

export interface PublishedVolumeSummary {
  dimensions: number[];
  spacingMm: number[];
  originLps: number[];
  directionLps: number[];
  unit: string;
  minValue: number;
  maxValue: number;
  patientId: string | null;
}

function publishedVolumeSummary(): PublishedVolumeSummary | null {
  const cur = imageVolumeStore.getState().current;
  if (!cur) return null;
  const v = cur.volume;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < v.voxels.length; i++) {
    const x = v.voxels[i]!;
    if (x < min) min = x;
    if (x > max) max = x;
  }
  return {
    dimensions: [...v.dimensions],
    spacingMm: [...v.spacingMm],
    originLps: [...v.originLps],
    directionLps: [...v.directionLps],
    unit: v.unit,
    minValue: min,
    maxValue: max,
    patientId: cur.patientId,
  };
}

export function useViewer() {
  const [state, setState] = useState<ViewerState>({
    cs: null,
    viewer: null,
    initError: null,
    layout: 'stack',
    loading: null,
    loadError: null,
    notice: null,
    labels: {},
    slices: {},
    measurements: [],
    voi: null,
    openSeries: null,
    mprAvailable: false,
  });
  const viewerRef = useRef<ImagingViewer | null>(null);
  const elements = useRef<Partial<Record<ViewportKey, HTMLDivElement>>>({});
  const abortRef = useRef<AbortController | null>(null);
  // True once the user picked a layout by hand: loading then never switches it for them.
  const userPickedLayout = useRef(false);
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    let alive = true;
    let viewer: ImagingViewer | null = null;
    startCornerstone().then(
      (cs) => {
        if (!alive) return;
        viewer = new ImagingViewer(cs, {
          onLabels: (key, labels) => setState((s) => ({ ...s, labels: { ...s.labels, [key]: labels } })),
          onSlice: (key, index, count) => setState((s) => ({ ...s, slices: { ...s.slices, [key]: { index, count } } })),
          onMeasurements: (m) => setState((s) => ({ ...s, measurements: m })),
          onVoiChanged: (voi) => setState((s) => ({ ...s, voi })),
          onToolsFailed: (message) => setState((s) => ({ ...s, loadError: message })),
        });
        viewerRef.current = viewer;
        window.twinscopeImaging = {
          renderCount: (key) => viewer?.renderCounts[key] ?? 0,
          displayedPixels: (key) => viewer?.displayedPixels(key) ?? null,
          voxelsAtCanvas: (key, points) => viewer?.voxelsAtCanvas(key, points) ?? points.map(() => null),
          publishedVolume: publishedVolumeSummary,
          streamStats: () => (viewer?.lastStreamStats ? { ...viewer.lastStreamStats } : null),
          toolsReady: () => viewer?.toolsReady ?? false,
          voxelBuffersReused: () => viewer?.voxelBuffersReused ?? 0,
          textureFormat: () => viewer?.textureFormat ?? '',
          textureSlicesUploaded: () => viewer?.textureSlicesUploaded ?? -1,
        };
        setState((s) => ({ ...s, cs, viewer, initError: null }));
      },
      (err: unknown) => {
        if (!alive) return;
        const msg = err instanceof ImagingInitError ? err.message : `The image viewer could not start: ${String(err)}`;
        setState((s) => ({ ...s, initError: msg }));
      },
    );
    return () => {
      alive = false;
      abortRef.current?.abort();
      viewer?.destroy();
      viewerRef.current = null;
      delete window.twinscopeImaging;
    };
  }, [attempt]);

  const retryInit = useCallback(() => setAttempt((a) => a + 1), []);

  /** Viewport elements register here (ref callbacks); attaching happens in `attach`. */
  const registerElement = useCallback((key: ViewportKey, el: HTMLDivElement | null) => {
    if (el) elements.current[key] = el;
    else delete elements.current[key];
  }, []);

  const attach = useCallback(async (layout: Layout) => {
    const viewer = viewerRef.current;
    if (!viewer) return;
    try {
      await viewer.setLayout(layout, elements.current);
    } catch (err) {
      setState((s) => ({ ...s, loadError: `Could not show the ${layout === 'mpr' ? 'three-plane' : 'stack'} view: ${String(err)}` }));
    }
  }, []);

  const setLayout = useCallback((layout: Layout, byUser = true) => {
    if (byUser) userPickedLayout.current = true;
    setState((s) => ({ ...s, layout, labels: {}, slices: {} }));
  }, []);

  const cancelLoad = useCallback(() => abortRef.current?.abort(), []);

  const open = useCallback(
    async (series: SeriesToOpen, prepare?: (signal: AbortSignal) => Promise<SeriesToOpen>) => {
      const viewer = viewerRef.current;
      if (!viewer) return;
      abortRef.current?.abort();
      const ac = new AbortController();
      abortRef.current = ac;
      userPickedLayout.current = false;
      const label = series.description || 'series';
      setState((s) => ({
        ...s,
        layout: 'stack',
        loadError: null,
        notice: null,
        measurements: [],
        openSeries: series,
        mprAvailable: false,
        loading: { label, progress: { loadedFrames: 0, totalFrames: Math.max(1, series.imageIds.length), failedFrames: 0 }, cancel: () => ac.abort() },
      }));
      imageVolumeStore.getState().clear();
      try {
        const ready = prepare ? await prepare(ac.signal) : series;
        if (ac.signal.aborted) throw abortError(ac.signal, 'loading');
        // Stack first: the element exists because layout 'stack' was set above.
        await viewer.setLayout('stack', elements.current);
        // One React update per animation frame at most: a 300-slice series reports 300 times,
        // and re-rendering the view for each would compete with decoding for the main thread.
        let pending: LoadProgress | null = null;
        const flush = () => {
          const progress = pending;
          pending = null;
          if (progress) setState((s) => (s.loading ? { ...s, loading: { ...s.loading, progress } } : s));
        };
        const opened = await viewer.openSeries(ready, {
          signal: ac.signal,
          // The three-plane view is usable while the volume fills: MPR is offered at once, the
          // progress bar and Cancel stay until the last frame.
          onVolumeReady: () => setState((s) => (abortRef.current === ac ? { ...s, mprAvailable: true } : s)),
          onProgress: (progress) => {
            if (pending === null) requestAnimationFrame(flush);
            pending = progress;
          },
        });
        const notices = [
          ...(ready.warnings ?? []).map((w) => `This series: ${w}.`),
          ...(opened.noVolumeReason ? [`Shown as a stack only: ${opened.noVolumeReason}, so there is no three-plane view.`] : []),
          ...(opened.failedImages?.length
            ? [
                `${opened.failedImages.length} image${opened.failedImages.length === 1 ? '' : 's'} could not be loaded (shown black): ${opened.failedImages.slice(0, 3).join('; ')}${opened.failedImages.length > 3 ? '; …' : ''}.`,
              ]
            : []),
        ];
        let notice = notices.length > 0 ? notices.join(' ') : null;
        if (opened.mprReady) {
          try {
            const volume = viewer.exportImageVolume();
            if (volume) imageVolumeStore.getState().publish(volume, ready.patientId);
          } catch (err) {
            // The views still work; only the hand-off to Anatomy and meshing is refused.
            notice = `This series cannot be used for 3D anatomy: ${err instanceof Error ? err.message : String(err)}`;
          }
        }
        setState((s) => ({
          ...s,
          loading: null,
          notice,
          openSeries: ready,
          mprAvailable: opened.mprReady,
          layout: opened.mprReady && !userPickedLayout.current ? 'mpr' : s.layout,
        }));
      } catch (err) {
        const cancelled = isAbortError(err);
        setState((s) => ({
          ...s,
          loading: null,
          // A volume cut short by Cancel or a failure is not offered as a three-plane view.
          mprAvailable: false,
          layout: 'stack',
          loadError: cancelled ? null : `Could not open ${label}: ${err instanceof Error ? err.message : String(err)}`,
          notice: cancelled ? 'Loading cancelled.' : null,
        }));
      } finally {
        if (abortRef.current === ac) abortRef.current = null;
      }
    },
    [],
  );

  return { state, setState, registerElement, attach, setLayout, open, cancelLoad, retryInit, viewerRef };
}
