// DICOM-SEG from the PACS as a coloured label overlay on the CT in the Imaging viewer (issue 17).
// `SegOverlayPanel` (side panel) lists the SEG series of the open CT's study, loads one onto the
// CT grid (src/compute/imaging/segOverlay.ts: the one SEG reader, refusing another series' or
// another patient's SEG) and toggles each segment, with its name and colour, and the opacity.
// `SegOverlayCanvas` (one per viewport, over Cornerstone's canvas) repaints the labels where the
// viewport's plane cuts them after every Cornerstone render (one paint per animation frame).
import { useEffect, useRef, useState, type ReactNode } from 'react';
import { createStore } from 'zustand/vanilla';
import { useStore } from 'zustand';
import type { LabelVolume, Vec3 } from '../../../core/domain/imaging';
import { isAbortError } from '../../../core/domain/abort';
import { startCornerstone } from '../../compute/imaging/cornerstone';
import type { DicomwebClient } from '../../compute/imaging/dicomweb';
import { loadSegOverlay, paintLabelOverlay } from '../../compute/imaging/segOverlay';
import type { ViewportKey } from '../../compute/imaging/viewer';
import { useImageVolume } from '../../twin/imageVolume';

interface SegOverlayState {
  /** The SEG on the CT grid, and the CT series it lies on. */
  map: LabelVolume | null;
  ctSeriesUid: string | null;
  segSeriesUid: string | null;
  hidden: ReadonlySet<number>;
  opacity: number;
}

export const segOverlayStore = createStore<SegOverlayState>()(() => ({ map: null, ctSeriesUid: null, segSeriesUid: null, hidden: new Set<number>(), opacity: 0.45 }));
const useSegOverlay = <T,>(sel: (s: SegOverlayState) => T): T => useStore(segOverlayStore, sel);

/** Overlay pixels per CSS pixel (a half-resolution overlay keeps a repaint to a few ms). */
const OVERLAY_SCALE = 2;

function hex(rgb: readonly [number, number, number]): string {
  return `#${rgb.map((c) => c.toString(16).padStart(2, '0')).join('')}`;
}

export function SegOverlayCanvas(props: { k: ViewportKey }): ReactNode {
  const ref = useRef<HTMLCanvasElement>(null);
  const map = useSegOverlay((s) => s.map);
  const hidden = useSegOverlay((s) => s.hidden);
  const opacity = useSegOverlay((s) => s.opacity);
  useEffect(() => {
    const canvas = ref.current;
    const el = canvas?.parentElement?.querySelector<HTMLDivElement>('.vp-element');
    if (!map || !canvas || !el) return;
    const colours = new Map(map.segments.map((s) => [s.label, s.colorRgb] as const));
    const shown = (l: number) => (hidden.has(l) ? undefined : colours.get(l));
    let raf = 0;
    let stopped = false;
    let off = (): void => undefined;
    let img: ImageData | null = null;
    void startCornerstone().then((cs) => {
      if (stopped) return;
      const draw = (): void => {
        raf = 0;
        const vp = cs.core.getEnabledElement(el)?.viewport as { canvasToWorld?: (p: [number, number]) => Vec3 } | undefined;
        const ctx = canvas.getContext('2d');
        if (!vp?.canvasToWorld || !ctx) return;
        const w = Math.max(1, Math.ceil(el.clientWidth / OVERLAY_SCALE));
        const h = Math.max(1, Math.ceil(el.clientHeight / OVERLAY_SCALE));
        if (canvas.width !== w || canvas.height !== h || img === null) {
          canvas.width = w;
          canvas.height = h;
          img = ctx.createImageData(w, h);
        }
        const o = vp.canvasToWorld([0, 0]);
        const x1 = vp.canvasToWorld([OVERLAY_SCALE, 0]);
        const y1 = vp.canvasToWorld([0, OVERLAY_SCALE]);
        const n = paintLabelOverlay(
          img.data,
          w,
          h,
          { originLps: [o[0], o[1], o[2]], dxLps: [x1[0] - o[0], x1[1] - o[1], x1[2] - o[2]], dyLps: [y1[0] - o[0], y1[1] - o[1], y1[2] - o[2]] },
          map,
          shown,
          opacity,
        );
        ctx.putImageData(img, 0, 0);
        canvas.dataset.paintedPixels = String(n);
      };
      const schedule = (): void => {
        if (raf === 0) raf = requestAnimationFrame(draw);
      };
      const evt = cs.core.Enums.Events.IMAGE_RENDERED;
      el.addEventListener(evt, schedule);
      off = () => el.removeEventListener(evt, schedule);
      schedule();
    });
    return () => {
      stopped = true;
      if (raf !== 0) cancelAnimationFrame(raf);
      off();
      canvas.getContext('2d')?.clearRect(0, 0, canvas.width, canvas.height);
      delete canvas.dataset.paintedPixels;
    };
  }, [map, hidden, opacity]);
  return <canvas ref={ref} className="vp-seg-overlay" data-viewport-overlay={props.k} aria-hidden="true" hidden={map === null} />;
}

export function SegOverlayPanel(props: { dicomweb: DicomwebClient; studyInstanceUid: string | null; ctSeriesUid: string | null; patientIds: string[] }): ReactNode {
  const { studyInstanceUid, ctSeriesUid } = props;
  // The overlay needs the CT's grid: the complete volume of the open series.
  const ct = useImageVolume((s) => (s.current && s.current.volume.source.id === ctSeriesUid ? s.current.volume : null));
  const state = useSegOverlay((s) => s);
  const [segs, setSegs] = useState<Array<{ seriesInstanceUid: string; description?: string }> | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const abort = useRef<AbortController | null>(null);

  // Another CT: the overlay of the previous one goes.
  useEffect(() => {
    if (segOverlayStore.getState().ctSeriesUid !== ctSeriesUid) segOverlayStore.setState({ map: null, ctSeriesUid: null, segSeriesUid: null, hidden: new Set() });
    setSegs(null);
    setError(null);
    if (!studyInstanceUid || !ctSeriesUid) return;
    const ac = new AbortController();
    props.dicomweb
      .seriesOfStudy(studyInstanceUid, ac.signal)
      .then((all) => setSegs(all.filter((s) => s.modality === 'SEG').map((s) => ({ seriesInstanceUid: s.seriesInstanceUid, ...(s.description ? { description: s.description } : {}) }))))
      .catch((e: unknown) => {
        if (!isAbortError(e)) setError(`The PACS did not list this study's segmentations: ${e instanceof Error ? e.message : String(e)}`);
      });
    return () => ac.abort();
  }, [props.dicomweb, studyInstanceUid, ctSeriesUid]);
  useEffect(() => () => abort.current?.abort(), []);

  if (!studyInstanceUid || !ctSeriesUid) return null;
  if (segs !== null && segs.length === 0 && !error) return null;

  const show = async (segSeriesUid: string): Promise<void> => {
    if (!ct) return;
    abort.current?.abort();
    const ac = new AbortController();
    abort.current = ac;
    setBusy('Loading the segmentation…');
    setError(null);
    try {
      const map = await loadSegOverlay({ studyInstanceUid, segSeriesUid, ctSeriesUid, ct, patientIds: props.patientIds, signal: ac.signal });
      segOverlayStore.setState({ map, ctSeriesUid, segSeriesUid, hidden: new Set() });
    } catch (e) {
      if (!isAbortError(e)) setError(`The segmentation cannot be shown: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      if (abort.current === ac) abort.current = null;
      setBusy(null);
    }
  };

  return (
    <section className="seg-overlay-panel" aria-label="Segmentation overlay">
      <h2>Segmentations</h2>
      {segs === null && !error && <p className="small muted">Looking for DICOM-SEG series in this study…</p>}
      {segs !== null && segs.length > 0 && (
        <ul aria-label="Segmentation series">
          {segs.map((s, i) => {
            const on = state.segSeriesUid === s.seriesInstanceUid && state.map !== null;
            return (
              <li key={s.seriesInstanceUid} className="seg-series-row">
                <span className="small">{`${i + 1}. ${s.description ?? 'segmentation'}`}</span>
                <button
                  type="button"
                  className="btn btn-small"
                  aria-pressed={on}
                  disabled={busy !== null || (!on && ct === null)}
                  title={ct === null ? 'Available when the whole CT series has loaded' : undefined}
                  onClick={() => (on ? segOverlayStore.setState({ map: null, segSeriesUid: null }) : void show(s.seriesInstanceUid))}
                >
                  {on ? 'Hide overlay' : 'Show overlay'}
                </button>
              </li>
            );
          })}
        </ul>
      )}
      {ct === null && segs !== null && segs.length > 0 && <p className="small muted">The overlay needs the whole CT series: wait for it to load.</p>}
      {busy && (
        <p className="small" role="status">
          {busy}
        </p>
      )}
      {error && (
        <p className="small notice notice-error" role="alert">
          {error}
        </p>
      )}
      {state.map && (
        <>
          <ul aria-label="Segments">
            {state.map.segments.map((s) => (
              <li key={s.label} className="seg-segment-row">
                <label>
                  <input
                    type="checkbox"
                    checked={!state.hidden.has(s.label)}
                    aria-label={`Show segment ${s.name}`}
                    onChange={(e) => {
                      const hidden = new Set(state.hidden);
                      if (e.target.checked) hidden.delete(s.label);
                      else hidden.add(s.label);
                      segOverlayStore.setState({ hidden });
                    }}
                  />
                  <span className="swatch" style={{ background: hex(s.colorRgb) }} aria-hidden="true" />
                  <span>{s.name}</span>
                </label>
              </li>
            ))}
          </ul>
          <label className="inline-field small">
            Opacity
            <input type="range" min={0.1} max={1} step={0.05} value={state.opacity} aria-label="Overlay opacity" onChange={(e) => segOverlayStore.setState({ opacity: Number(e.target.value) })} />
          </label>
        </>
      )}
    </section>
  );
}
