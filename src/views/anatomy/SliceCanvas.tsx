// A CT slice as a 2D canvas (one pixel per voxel, scaled by CSS with the voxel aspect), with the
// segmentation drawn over it and a seed marker. A click reports normalised picture coordinates.
import { useEffect, useRef, type ReactNode } from 'react';
import type { ImageVolume, Vec3 } from '../../../core/domain/imaging';
import { renderSliceRgba, sliceSize, type SliceAxis, type SliceOverlay, type WindowHu } from '../../compute/anatomy/slices';

export interface SliceCanvasProps {
  volume: ImageVolume;
  axis: SliceAxis;
  index: number;
  window: WindowHu;
  overlay?: SliceOverlay;
  /** Bumped when the overlay's array changed in place. */
  overlayVersion: number;
  seedIjk: Vec3 | null;
  onPick: (u: number, v: number) => void;
  label: string;
}

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

export function SliceCanvas(props: SliceCanvasProps): ReactNode {
  const ref = useRef<HTMLCanvasElement>(null);
  const { volume, axis, index, window: win, overlay, overlayVersion, seedIjk } = props;
  const [w, h] = sliceSize(volume, axis);
  const spacing = volume.spacingMm;
  const aspect = axis === 'axial' ? (w * spacing[0]) / (h * spacing[1]) : axis === 'coronal' ? (w * spacing[0]) / (h * spacing[2]) : (w * spacing[1]) / (h * spacing[2]);

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

  return (
    <canvas
      ref={ref}
      width={w}
      height={h}
      className="anatomy-slice"
      style={{ aspectRatio: String(aspect) }}
      aria-label={props.label}
      role="img"
      onClick={(e) => {
        const r = e.currentTarget.getBoundingClientRect();
        props.onPick((e.clientX - r.left) / r.width, (e.clientY - r.top) / r.height);
      }}
    />
  );
}
