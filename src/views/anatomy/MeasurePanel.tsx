// Measurements and landmarks picked on surfaces in 3D (choose a tool above the view, then click).
import type { ReactNode } from 'react';
import { anatomyStore, useAnatomy } from '../../twin/anatomy';

const fmt = (p: readonly number[]): string => p.map((x) => x.toFixed(1)).join(', ');

export function MeasurePanel(): ReactNode {
  const measurements = useAnatomy((s) => s.measurements);
  const landmarks = useAnatomy((s) => s.landmarks);
  const tool = useAnatomy((s) => s.tool);
  const pending = useAnatomy((s) => s.pendingPointsLps.length);
  const { removeMeasurement, removeLandmark, renameLandmark } = anatomyStore.getState();
  const hint =
    tool === 'distance' ? `Distance: click two points on a surface (${pending}/2).` : tool === 'angle' ? `Angle: click three points, the vertex second (${pending}/3).` : tool === 'landmark' ? 'Landmark: click a surface point.' : null;
  return (
    <section className="anatomy-panel" aria-label="Measurements">
      <h2>Measure</h2>
      {hint && <p className="small">{hint}</p>}
      {measurements.length === 0 && landmarks.length === 0 && !hint && <p className="small muted">Choose Distance, Angle or Landmark above the 3D view.</p>}
      <ul className="anatomy-list">
        {measurements.map((m, i) => (
          <li key={m.id}>
            <span className="mono">
              {m.kind === 'distance' ? `D${i + 1}: ${m.value.toFixed(1)} mm` : `A${i + 1}: ${m.value.toFixed(1)}°`}
            </span>
            <button type="button" className="btn btn-small btn-ghost" aria-label={`Delete measurement ${i + 1}`} onClick={() => removeMeasurement(m.id)}>
              ×
            </button>
          </li>
        ))}
        {landmarks.map((l) => (
          <li key={l.id}>
            <input className="input anatomy-landmark-name" aria-label={`Landmark name ${l.name}`} value={l.name} onChange={(e) => renameLandmark(l.id, e.target.value)} />
            <span className="mono small" title="LPS mm">
              ({fmt(l.pointLps)})
            </span>
            <button type="button" className="btn btn-small btn-ghost" aria-label={`Delete landmark ${l.name}`} onClick={() => removeLandmark(l.id)}>
              ×
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}
