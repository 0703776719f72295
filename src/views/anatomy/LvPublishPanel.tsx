// `Publish as LV volume` (under the Structures list): sends the chosen structure's volume to the
// record as the patient's LV end-diastolic volume, an input of the twin's calibration
// (src/compute/anatomy/lvVolume.ts). A structure named as the LV blood pool (TotalSegmentator
// `heart_ventricle_left`, "left ventricle", "LV", …) is preselected; any other can be chosen.
// Disabled, with the reason, while the twin permission is unknown or denied by consent.
import { useState, type ReactNode } from 'react';
import { isLvBloodPoolName, LV_VOLUME_PLAUSIBLE_ML, lvVolumeOf } from '../../compute/anatomy/lvVolume';
import type { PublishedLvVolume } from '../../compute/anatomy/session';
import { useAnatomy } from '../../twin/anatomy';

export interface LvPublishPanelProps {
  /** The server's twin permission for this patient; undefined while it loads. */
  permission: { allowed: boolean; reason?: string } | undefined;
  publish: (label: number) => Promise<PublishedLvVolume>;
}

export function LvPublishPanel(props: LvPublishPanelProps): ReactNode {
  const structures = useAnatomy((s) => s.structures);
  const [chosen, setChosen] = useState<number | null>(null);
  const [busy, setBusy] = useState(false);
  const [status, setStatus] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  if (structures.length === 0) return null;
  const detected = structures.find((s) => isLvBloodPoolName(s.name));
  const selected = structures.find((s) => s.label === chosen) ?? detected ?? null;
  const denied = props.permission !== undefined && !props.permission.allowed;
  const why = props.permission === undefined ? 'checking consent for the digital twin…' : denied ? (props.permission.reason ?? 'consent denies the digital twin for this patient') : null;
  const [lo, hi] = LV_VOLUME_PLAUSIBLE_ML;
  const volume = selected ? lvVolumeOf(selected) : null;
  const outOfRange = volume !== null && (volume.volumeMl < lo || volume.volumeMl > hi);

  const publish = async (): Promise<void> => {
    if (!selected) return;
    setBusy(true);
    setError(null);
    setStatus(null);
    try {
      const r = await props.publish(selected.label);
      setStatus(`${r.created ? 'Published' : 'Already in the record'}: LV end-diastolic volume ${r.volumeMl.toFixed(1)} mL (${r.basis === 'surface' ? 'surface' : 'voxel'} volume of ${selected.name}), for the twin's calibration.`);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="anatomy-lv" aria-label="LV volume for the twin" role="group">
      <div className="anatomy-row">
        <label className="small">
          LV blood pool{' '}
          <select aria-label="LV blood pool structure" value={selected?.label ?? ''} onChange={(e) => setChosen(e.target.value === '' ? null : Number(e.target.value))}>
            {!selected && <option value="">choose a structure…</option>}
            {structures.map((s) => (
              <option key={s.label} value={s.label}>
                {s.name}
              </option>
            ))}
          </select>
        </label>
        <button type="button" className="btn btn-small" disabled={selected === null || why !== null || busy || outOfRange} onClick={() => void publish()}>
          Publish as LV volume
        </button>
      </div>
      {why !== null && <p className="small muted">{denied ? `Publishing to the twin is disabled: ${why}` : why}</p>}
      {selected === null && <p className="small muted">No structure is named as the left-ventricular blood pool; choose the one that is.</p>}
      {outOfRange && volume && <p className="small muted">{`${selected?.name} measures ${volume.volumeMl.toFixed(1)} mL, outside an adult LV blood pool (${lo}–${hi} mL).`}</p>}
      {status !== null && <p role="status" className="small">{status}</p>}
      {error !== null && <p role="alert" className="small">{error}</p>}
    </div>
  );
}
