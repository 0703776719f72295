// The `Structures` list: name, colour swatch, visibility, opacity and volume (mL) per structure.
import type { ReactNode } from 'react';
import { useAnatomy } from '../../twin/anatomy';

function hex(rgb: readonly [number, number, number]): string {
  return `#${rgb.map((c) => c.toString(16).padStart(2, '0')).join('')}`;
}

/** `children` render below the list (the view puts the LV-volume action there). */
export function StructuresList(props: { onRemove: (label: number) => void; children?: ReactNode }): ReactNode {
  const structures = useAnatomy((s) => s.structures);
  const setVisible = useAnatomy((s) => s.setVisible);
  const setOpacity = useAnatomy((s) => s.setOpacity);
  return (
    <section className="anatomy-panel" aria-labelledby="structures-heading">
      <h2 id="structures-heading">Structures</h2>
      {structures.length === 0 ? (
        <p className="small muted">No structures yet: segment one from the CT or import a segmentation.</p>
      ) : (
        <ul aria-label="Structures" className="anatomy-structures">
          {structures.map((s) => (
            <li key={s.label} aria-label={s.name}>
              <label className="anatomy-structure-name">
                <input type="checkbox" checked={s.visible} onChange={(e) => setVisible(s.label, e.target.checked)} aria-label={`Show ${s.name}`} />
                <span className="swatch" style={{ background: hex(s.colorRgb) }} aria-hidden />
                <span>{s.name}</span>
              </label>
              <span className="mono small" title={`voxel volume ${s.voxelVolumeMl.toFixed(1)} mL; ${s.triangleCount.toLocaleString('en')} triangles${s.watertight ? ', closed' : ', not closed'}`}>
                {s.meshVolumeMl.toFixed(1)} mL
              </span>
              <input
                type="range"
                min={0}
                max={1}
                step={0.05}
                value={s.opacity}
                aria-label={`Opacity of ${s.name}`}
                onChange={(e) => setOpacity(s.label, Number(e.target.value))}
              />
              <button type="button" className="btn btn-small btn-ghost" aria-label={`Remove ${s.name}`} onClick={() => props.onRemove(s.label)}>
                ×
              </button>
            </li>
          ))}
        </ul>
      )}
      {props.children}
    </section>
  );
}
