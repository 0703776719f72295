// Above the 3D view: standard views, the picking tool (orbit / distance / angle / landmark), the
// CT planes with their sliders and the three clipping planes.
import { useState, type ReactNode } from 'react';
import type { ImageVolume } from '../../../core/domain/imaging';
import { boundsOf, standardViewPose, unionBounds, type StandardView } from '../../compute/anatomy/planeGeometry';
import { SLICE_AXES, sliceCount } from '../../compute/anatomy/slices';
import { anatomyStore, useAnatomy, type PickTool } from '../../twin/anatomy';

const VIEWS: Array<{ id: StandardView; label: string; title: string }> = [
  { id: 'anterior', label: 'Anterior', title: 'From the front, looking along +P; patient left on the right of the screen' },
  { id: 'lateral', label: 'Lateral', title: 'From the patient’s left, looking along −L; anterior on the left of the screen' },
  { id: 'superior', label: 'Superior', title: 'From above the head, looking along −S; anterior at the top' },
];
const TOOLS: Array<{ id: PickTool; label: string }> = [
  { id: 'orbit', label: 'Orbit' },
  { id: 'distance', label: 'Distance' },
  { id: 'angle', label: 'Angle' },
  { id: 'landmark', label: 'Landmark' },
];
const AXIS_NAMES = ['L–R', 'A–P', 'S–I'] as const;

/** Camera pose of a standard view framing every structure (or the CT when there is none). */
export function framingPose(view: StandardView, volume: ImageVolume | null) {
  const s = anatomyStore.getState();
  const b = unionBounds([...s.meshes.values()].filter((m) => m.mesh.positionsLps.length > 0).map((m) => boundsOf(m.mesh.positionsLps)));
  if (b) return standardViewPose(view, b.centreLps, Math.max(50, b.radiusMm) * 4.2);
  if (volume) {
    const [nI, nJ, nK] = volume.dimensions;
    const ext = Math.hypot(nI * volume.spacingMm[0], nJ * volume.spacingMm[1], nK * volume.spacingMm[2]);
    const c = volume.originLps.map((o, a) => o + 0.5 * (volume.dimensions[a]! - 1) * volume.spacingMm[a]!) as [number, number, number];
    return standardViewPose(view, c, ext * 1.6);
  }
  return null;
}

export function ViewToolbar(props: { volume: ImageVolume | null }): ReactNode {
  const tool = useAnatomy((s) => s.tool);
  const showSlices = useAnatomy((s) => s.showSlices);
  const sliceIndex = useAnatomy((s) => s.sliceIndex);
  const clipPlanes = useAnatomy((s) => s.clipPlanes);
  const { setTool, setShowSlices, setSliceIndex, setClipPlane, requestCamera } = anatomyStore.getState();
  const [openPanel, setOpenPanel] = useState<'none' | 'slices' | 'clip'>('none');
  const v = props.volume;
  return (
    <div className="anatomy-toolbar">
      <div className="anatomy-row" role="group" aria-label="Standard views">
        {VIEWS.map((x) => (
          <button
            key={x.id}
            type="button"
            className="btn btn-small"
            title={x.title}
            onClick={() => {
              const pose = framingPose(x.id, v);
              if (pose) requestCamera(pose);
            }}
          >
            {x.label}
          </button>
        ))}
      </div>
      <div className="anatomy-row" role="radiogroup" aria-label="Pick tool">
        {TOOLS.map((t) => (
          <button key={t.id} type="button" role="radio" aria-checked={tool === t.id} className="btn btn-small" onClick={() => setTool(t.id)}>
            {t.label}
          </button>
        ))}
      </div>
      <div className="anatomy-row">
        <button type="button" className="btn btn-small" aria-expanded={openPanel === 'slices'} onClick={() => setOpenPanel(openPanel === 'slices' ? 'none' : 'slices')} disabled={!v}>
          CT planes
        </button>
        <button type="button" className="btn btn-small" aria-expanded={openPanel === 'clip'} onClick={() => setOpenPanel(openPanel === 'clip' ? 'none' : 'clip')}>
          Clipping
        </button>
      </div>
      {openPanel === 'slices' && v && (
        <div className="anatomy-popover">
          <label>
            <input type="checkbox" checked={showSlices} onChange={(e) => setShowSlices(e.target.checked)} /> Show CT planes in 3D
          </label>
          {SLICE_AXES.map((a) => (
            <label key={a} className="inline-field anatomy-slider">
              {a}
              <input type="range" aria-label={`3D ${a} plane`} min={0} max={sliceCount(v, a) - 1} value={Math.min(sliceIndex[a], sliceCount(v, a) - 1)} onChange={(e) => setSliceIndex(a, Number(e.target.value))} />
            </label>
          ))}
        </div>
      )}
      {openPanel === 'clip' && (
        <div className="anatomy-popover">
          {clipPlanes.map((c, i) => (
            <div key={i} className="anatomy-row">
              <label>
                <input type="checkbox" checked={c.enabled} onChange={(e) => setClipPlane(i, { enabled: e.target.checked })} /> Clip {AXIS_NAMES[c.axis]}
              </label>
              <input type="range" aria-label={`Clip ${AXIS_NAMES[c.axis]} position mm`} min={-300} max={300} step={1} value={c.offsetMm} onChange={(e) => setClipPlane(i, { offsetMm: Number(e.target.value) })} />
              <span className="mono small">{c.offsetMm} mm</span>
              <label>
                <input type="checkbox" checked={c.flip} onChange={(e) => setClipPlane(i, { flip: e.target.checked })} /> flip
              </label>
            </div>
          ))}
        </div>
      )}
    </div>
  );
}
