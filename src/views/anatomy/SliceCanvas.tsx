// A CT slice as a 2D canvas (one pixel per voxel, scaled by CSS with the voxel aspect), with the
// segmentation drawn over it, a seed marker, the crosshair's other two planes as lines and the
// patient-orientation letters on the edges (from the volume's direction cosines). Navigation as in
// OHIF and 3D Slicer: the wheel and ↑/↓ step one slice (× the step), Page Up/Down ten steps,
// Home/End the first/last slice; the slice number and its position in mm are shown under it.
// A click reports normalised picture coordinates and whether Shift was held.
import { useEffect, useId, useRef, type ReactNode } from 'react';
import type { ImageVolume, Vec3 } from '../../../core/domain/imaging';
import {
  crosshairLines,
  renderSliceRgba,
  sliceCount,
  sliceEdgeLabels,
  slicePositionMm,
  sliceSize,
  type SliceAxis,
  type SliceOverlay,
  type WindowHu,
} from '../../compute/anatomy/slices';

export interface SliceCanvasProps {
  volume: ImageVolume;
  axis: SliceAxis;
  index: number;
  /** Asked for a new slice index (already clamped to the volume). */
  onIndex: (index: number) => void;
  /** Slices per ↑/↓ press or wheel notch (Page Up/Down move ten times this). */
  step: number;
  window: WindowHu;
  overlay?: SliceOverlay;
  /** Bumped when the overlay's array changed in place. */
  overlayVersion: number;
  seedIjk: Vec3 | null;
  /** The crosshair voxel: the other two planes are drawn through it. */
  crosshairIjk: Vec3 | null;
  onPick: (u: number, v: number, shift: boolean) => void;
  label: string;
}

/** Plane colours shared with the Imaging viewer's crosshairs: axial red, sagittal yellow, coronal blue. */
export const PLANE_COLOUR: Record<SliceAxis, string> = { axial: 'rgb(255, 90, 90)', sagittal: 'rgb(255, 220, 80)', coronal: 'rgb(90, 200, 255)' };

function seedPixel(axis: SliceAxis, seed: Vec3, nK: number): [number, number] {
  switch (axis) {
    case 'axial':
      return [seed[0], seed[1]];
    case 'coronal':
      return [seed[0], nK - 1 - seed[2]];
    case 'sagittal':
      return [seed[1], nK - 1 - seed[2]];
  }
}

/** The slice a key asks for, or null for keys the viewer does not handle. */
export function indexForKey(key: string, index: number, count: number, step: number): number | null {
  const s = Math.max(1, Math.round(step));
  let next: number;
  switch (key) {
    case 'ArrowUp':
      next = index + s;
      break;
    case 'ArrowDown':
      next = index - s;
      break;
    case 'PageUp':
      next = index + 10 * s;
      break;
    case 'PageDown':
      next = index - 10 * s;
      break;
    case 'Home':
      next = 0;
      break;
    case 'End':
      next = count - 1;
      break;
    default:
      return null;
  }
  return Math.min(count - 1, Math.max(0, next));
}

export function SliceCanvas(props: SliceCanvasProps): ReactNode {
  const ref = useRef<HTMLCanvasElement>(null);
  const { volume, axis, index, window: win, overlay, overlayVersion, seedIjk, crosshairIjk } = props;
  const [w, h] = sliceSize(volume, axis);
  const spacing = volume.spacingMm;
  const aspect = axis === 'axial' ? (w * spacing[0]) / (h * spacing[1]) : axis === 'coronal' ? (w * spacing[0]) / (h * spacing[2]) : (w * spacing[1]) / (h * spacing[2]);
  const count = sliceCount(volume, axis);
  const letters = sliceEdgeLabels(volume, axis);
  const pos = slicePositionMm(volume, axis, index);
  const descId = useId();
  const where = `Slice ${index + 1} of ${count}, ${pos.letter} ${pos.mm.toFixed(1)} mm`;

  // Latest values for the wheel listener (registered once, not passive so it can stop the page scrolling).
  const latest = useRef({ index, count, step: props.step, onIndex: props.onIndex });
  latest.current = { index, count, step: props.step, onIndex: props.onIndex };
  useEffect(() => {
    const canvas = ref.current;
    if (!canvas) return;
    let acc = 0;
    const onWheel = (e: WheelEvent): void => {
      e.preventDefault();
      // One step per notch (deltaY ≈ 100 px, or 3 lines); a trackpad's small deltas accumulate.
      acc += e.deltaMode === 1 ? e.deltaY * 33 : e.deltaMode === 2 ? e.deltaY * 100 : e.deltaY;
      if (Math.abs(acc) < 50) return;
      const notches = Math.sign(acc) * Math.max(1, Math.round(Math.abs(acc) / 100));
      acc = 0;
      const l = latest.current;
      // Wheel down = towards lower index (down the body for the usual axial order), as ↓.
      const next = Math.min(l.count - 1, Math.max(0, l.index - notches * Math.max(1, Math.round(l.step))));
      if (next !== l.index) l.onIndex(next);
    };
    canvas.addEventListener('wheel', onWheel, { passive: false });
    return () => canvas.removeEventListener('wheel', onWheel);
  }, []);

  useEffect(() => {
    const canvas = ref.current;
    const ctx = canvas?.getContext('2d');
    if (!canvas || !ctx) return;
    const img = ctx.createImageData(w, h);
    renderSliceRgba(volume, axis, index, win, img.data, overlay);
    ctx.putImageData(img, 0, 0);
    if (seedIjk !== null && seedIjk[axis === 'axial' ? 2 : axis === 'coronal' ? 1 : 0] === index) {
      const [x, y] = seedPixel(axis, seedIjk, volume.dimensions[2]);
      ctx.strokeStyle = '#00e5ff';
      ctx.lineWidth = 1;
      ctx.beginPath();
      ctx.moveTo(x - 6, y + 0.5);
      ctx.lineTo(x + 7, y + 0.5);
      ctx.moveTo(x + 0.5, y - 6);
      ctx.lineTo(x + 0.5, y + 7);
      ctx.stroke();
    }
  }, [volume, axis, index, win, overlay, overlayVersion, seedIjk, w, h]);

  const lines = crosshairIjk ? crosshairLines(volume, axis, crosshairIjk) : [];
  return (
    <div className="anatomy-sliceview">
      <div className="anatomy-slice-frame" style={{ aspectRatio: String(aspect) }}>
        <canvas
          ref={ref}
          width={w}
          height={h}
          className="anatomy-slice"
          aria-label={props.label}
          aria-describedby={descId}
          aria-keyshortcuts="ArrowUp ArrowDown PageUp PageDown Home End"
          role="img"
          tabIndex={0}
          onKeyDown={(e) => {
            const next = indexForKey(e.key, index, count, props.step);
            if (next === null) return;
            e.preventDefault();
            if (next !== index) props.onIndex(next);
          }}
          onClick={(e) => {
            // The picture is the content box: the border (clientLeft/Top) is not part of it.
            const c = e.currentTarget;
            const r = c.getBoundingClientRect();
            props.onPick((e.clientX - r.left - c.clientLeft) / c.clientWidth, (e.clientY - r.top - c.clientTop) / c.clientHeight, e.shiftKey);
          }}
        />
        {lines.length > 0 && (
          <svg className="anatomy-slice-lines" viewBox={`0 0 ${w} ${h}`} preserveAspectRatio="none" aria-hidden="true">
            {lines.map((l) =>
              l.orientation === 'vertical' ? (
                <line key={l.plane} x1={l.at} x2={l.at} y1={0} y2={h} stroke={PLANE_COLOUR[l.plane]} vectorEffect="non-scaling-stroke" />
              ) : (
                <line key={l.plane} x1={0} x2={w} y1={l.at} y2={l.at} stroke={PLANE_COLOUR[l.plane]} vectorEffect="non-scaling-stroke" />
              ),
            )}
          </svg>
        )}
        <div className="anatomy-slice-letters" aria-hidden="true">
          <span className="ori ori-top">{letters.top}</span>
          <span className="ori ori-bottom">{letters.bottom}</span>
          <span className="ori ori-left">{letters.left}</span>
          <span className="ori ori-right">{letters.right}</span>
        </div>
      </div>
      <p id={descId} className="anatomy-slice-where mono small" aria-live="polite">
        <span>{where}</span>
        <span className="visually-hidden">{` · edges: top ${letters.top}, bottom ${letters.bottom}, left ${letters.left}, right ${letters.right}`}</span>
      </p>
    </div>
  );
}
