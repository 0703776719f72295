// Get structures: load the patient's CT, seed-segment on a slice (threshold + region growing with
// presets, islands, holes, margin), add the result as a structure (meshed in workers), import a
// DICOM-SEG / NIfTI segmentation, save the segmentation to the PACS as DICOM-SEG.
import { useMemo, useRef, useState, type ReactNode } from 'react';
import { ijkToLps, type ImageVolume, type Vec3 } from '../../../core/domain/imaging';
import type { AnatomySession } from '../../compute/anatomy/session';
import { clickToIjk, fixedAxis, SLICE_AXES, sliceCount, sliceIndexAtMm, slicePositionMm, type SliceAxis, type SliceOverlay } from '../../compute/anatomy/slices';
import { anatomyStore, useAnatomy } from '../../twin/anatomy';
import { crosshairStore, useCrosshair } from './crosshair';
import { JobProgress } from './JobProgress';
import { SliceCanvas } from './SliceCanvas';
import { useJob } from './useJob';
import { HU_PRESETS, type HuPresetName } from '../../../core/domain/segmentation';

const PRESETS: Array<{ id: HuPresetName; label: string; name: string; colorRgb: [number, number, number] }> = [
  { id: 'liver', label: 'Liver', name: 'liver', colorRgb: [176, 96, 64] },
  { id: 'contrastBloodPool', label: 'Contrast blood pool', name: 'vessel', colorRgb: [220, 50, 50] },
  { id: 'bone', label: 'Bone', name: 'bone', colorRgb: [235, 230, 210] },
  { id: 'lung', label: 'Lung', name: 'lung', colorRgb: [150, 195, 240] },
];

const WINDOWS = {
  'soft tissue': { widthHu: 400, centerHu: 40 },
  liver: { widthHu: 150, centerHu: 90 },
  lung: { widthHu: 1500, centerHu: -600 },
  bone: { widthHu: 2500, centerHu: 480 },
} as const;
type WindowName = keyof typeof WINDOWS;

const CANDIDATE_RGB = [0, 229, 255] as const;

export function SegmentPanel(props: { session: AnatomySession; ct: ImageVolume | null; onCt: (v: ImageVolume) => void; username: string }): ReactNode {
  const { session, ct } = props;
  const loadJob = useJob();
  const segJob = useJob();
  const fileJob = useJob();
  const [axis, setAxis] = useState<SliceAxis>('axial');
  // Slice positions are the anatomy store's (shared with the CT planes of the 3D view).
  const sliceIndex = useAnatomy((s) => s.sliceIndex);
  // The surfaces change whenever the working label map does (segmented, imported, reopened with a plan, removed).
  const meshes = useAnatomy((s) => s.meshes);
  const crosshairIjk = useCrosshair((s) => s.ijk);
  const [step, setStep] = useState(1);
  const [mmDraft, setMmDraft] = useState<string | null>(null);
  const [windowName, setWindowName] = useState<WindowName>('soft tissue');
  const [preset, setPreset] = useState<HuPresetName>('liver');
  const [minHu, setMinHu] = useState<number>(HU_PRESETS.liver.minHu);
  const [maxHu, setMaxHu] = useState<number>(HU_PRESETS.liver.maxHu);
  const [fillHoles, setFillHoles] = useState(true);
  const [keepLargest, setKeepLargest] = useState(false);
  const [wholeVolume, setWholeVolume] = useState(false);
  const [marginMm, setMarginMm] = useState(0);
  const [bridgeMm, setBridgeMm] = useState(0);
  const [name, setName] = useState('liver');
  const [seed, setSeed] = useState<Vec3 | null>(null);
  const candidate = useRef<Uint8Array | null>(null);
  const [candidateVoxels, setCandidateVoxels] = useState<number | null>(null);
  const [overlayVersion, setOverlayVersion] = useState(0);
  const [pacsNote, setPacsNote] = useState<string | null>(null);
  const [pacsSegs, setPacsSegs] = useState<Array<{ seriesInstanceUid: string; description?: string }> | null>(null);
  const [pacsSeg, setPacsSeg] = useState('');
  const fileInput = useRef<HTMLInputElement>(null);

  const indices = ct
    ? (Object.fromEntries(SLICE_AXES.map((a) => [a, Math.min(Math.max(0, sliceIndex[a]), sliceCount(ct, a) - 1)])) as Record<SliceAxis, number>)
    : null;
  const setIndex = (a: SliceAxis, i: number): void => {
    setMmDraft(null);
    anatomyStore.getState().setSliceIndex(a, i);
  };
  const presetInfo = PRESETS.find((p) => p.id === preset)!;

  const overlay = useMemo<SliceOverlay | undefined>(() => {
    if (candidate.current !== null) return { labels: candidate.current, colourOf: () => CANDIDATE_RGB, alpha: 0.45 };
    const map = session.labels;
    if (map === null) return undefined;
    const colours = new Map(map.segments.map((s) => [s.label, s.colorRgb] as const));
    return { labels: map.labels, ...(map.overlapLayers ? { overlapLayers: map.overlapLayers } : {}), colourOf: (l) => colours.get(l), alpha: 0.4 };
    // overlayVersion and meshes: the arrays change in place or are swapped on the session (a plan
    // reopened or a SEG loaded elsewhere re-meshes, so the slice shows its labels too).
  }, [session, overlayVersion, meshes]); // eslint-disable-line react-hooks/exhaustive-deps

  const choosePreset = (id: HuPresetName): void => {
    const p = PRESETS.find((x) => x.id === id)!;
    setPreset(id);
    setMinHu(HU_PRESETS[id].minHu);
    setMaxHu(HU_PRESETS[id].maxHu);
    setName(p.name);
    // Lung and bone come from a threshold, cleaned to the largest piece; organs grow from a seed.
    setKeepLargest(id === 'lung' || id === 'bone');
    setWindowName(id === 'lung' ? 'lung' : id === 'bone' ? 'bone' : 'soft tissue');
  };

  const runSegment = async (seedIjk: Vec3 | null): Promise<void> => {
    if (seedIjk === null && !wholeVolume) return;
    const r = await segJob.run(wholeVolume ? 'Thresholding' : 'Region growing', (hooks) =>
      session.segment({ seedIjk: seedIjk ?? [0, 0, 0], minHu, maxHu, fillHoles, keepLargest, wholeVolume, marginMm, bridgeMm }, hooks),
    );
    if (r) {
      candidate.current = r.mask;
      setCandidateVoxels(r.voxelCount);
      setOverlayVersion((v) => v + 1);
    }
  };

  // A click sets the crosshair (shown in 3D; the other planes move through it) and seeds the
  // region growing; Shift+click only moves the crosshair.
  const onPick = (u: number, v: number, shift: boolean): void => {
    if (!ct || !indices) return;
    const ijk = clickToIjk(ct, axis, indices[axis], u, v);
    if (ijk === null) return;
    crosshairStore.getState().set(ijk, ijkToLps(ct, ijk[0], ijk[1], ijk[2]));
    for (const a of SLICE_AXES) if (a !== axis) anatomyStore.getState().setSliceIndex(a, ijk[fixedAxis(a)]);
    if (shift) return;
    setSeed(ijk);
    void runSegment(ijk);
  };
  const pos = ct && indices ? slicePositionMm(ct, axis, indices[axis]) : null;
  const goToMm = (text: string): void => {
    const mm = Number(text);
    if (!ct || text.trim() === '' || !Number.isFinite(mm)) return;
    setIndex(axis, sliceIndexAtMm(ct, axis, mm));
  };

  const addStructure = async (): Promise<void> => {
    const mask = candidate.current;
    if (mask === null) return;
    const n = name.trim() || presetInfo.name;
    candidate.current = null;
    setCandidateVoxels(null);
    await segJob.run(`Meshing ${n}`, (hooks) => session.addStructure(mask, n, presetInfo.colorRgb, hooks));
    setOverlayVersion((x) => x + 1);
  };

  const voxelMl = ct ? (ct.spacingMm[0] * ct.spacingMm[1] * ct.spacingMm[2]) / 1000 : 0;

  return (
    <section className="anatomy-panel" aria-label="Segmentation">
      <h2>Get structures</h2>
      {!ct && (
        <div className="anatomy-row">
          <button
            type="button"
            className="btn btn-primary"
            disabled={loadJob.job !== null}
            onClick={() => {
              void loadJob.run('Loading CT', async (hooks) => {
                const v = await session.loadCt(hooks);
                props.onCt(v);
                return v;
              });
            }}
          >
            Load CT
          </button>
          <span className="small muted">the patient's CT series from the PACS</span>
        </div>
      )}
      <JobProgress runner={loadJob} />
      {ct && indices && (
        <>
          <p className="small muted">
            CT {ct.dimensions.join('×')} voxels, {ct.spacingMm.map((s) => s.toFixed(2)).join('×')} mm
            {ct.source.description ? ` · ${ct.source.description}` : ''}
          </p>
          <div className="anatomy-row">
            <label className="inline-field">
              Plane
              <select className="input" value={axis} onChange={(e) => setAxis(e.target.value as SliceAxis)} aria-label="Slice plane">
                {SLICE_AXES.map((a) => (
                  <option key={a} value={a}>
                    {a}
                  </option>
                ))}
              </select>
            </label>
            <label className="inline-field">
              Window
              <select className="input" value={windowName} onChange={(e) => setWindowName(e.target.value as WindowName)} aria-label="Slice window">
                {Object.keys(WINDOWS).map((w) => (
                  <option key={w}>{w}</option>
                ))}
              </select>
            </label>
          </div>
          <label className="inline-field anatomy-slider">
            Slice
            <input
              type="range"
              aria-label={`${axis[0]!.toUpperCase()}${axis.slice(1)} slice`}
              min={0}
              max={sliceCount(ct, axis) - 1}
              value={indices[axis]}
              onChange={(e) => setIndex(axis, Number(e.target.value))}
            />
            <span className="mono small">
              {indices[axis] + 1}/{sliceCount(ct, axis)}
            </span>
          </label>
          <div className="anatomy-row anatomy-slice-entry">
            <label className="inline-field small">
              No.
              <input
                className="input mono"
                type="number"
                aria-label="Slice number"
                min={1}
                max={sliceCount(ct, axis)}
                value={indices[axis] + 1}
                onChange={(e) => {
                  const n = Number(e.target.value);
                  if (Number.isInteger(n) && n >= 1 && n <= sliceCount(ct, axis)) setIndex(axis, n - 1);
                }}
              />
            </label>
            <label className="inline-field small" title="Position of the slice along its normal, mm from the LPS origin (Enter to go)">
              {pos?.letter ?? ''}
              <input
                className="input mono"
                type="number"
                aria-label="Slice position mm"
                step={pos ? Number(pos.stepMm.toFixed(3)) : 1}
                value={mmDraft ?? (pos ? pos.mm.toFixed(1) : '')}
                onChange={(e) => setMmDraft(e.target.value)}
                onKeyDown={(e) => {
                  if (e.key === 'Enter') goToMm(e.currentTarget.value);
                  if (e.key === 'Escape') setMmDraft(null);
                }}
                onBlur={(e) => {
                  if (mmDraft !== null) goToMm(e.currentTarget.value);
                }}
              />
              mm
            </label>
            <label className="inline-field small" title="Slices per ↑/↓ key or wheel notch (Page Up/Down: ten steps)">
              Step
              <input
                className="input mono"
                type="number"
                aria-label="Slice step"
                min={1}
                max={Math.max(1, sliceCount(ct, axis) - 1)}
                value={step}
                onChange={(e) => {
                  const n = Math.round(Number(e.target.value));
                  if (n >= 1) setStep(n);
                }}
              />
              {pos ? `× ${pos.stepMm.toFixed(2)} mm` : ''}
            </label>
          </div>
          <SliceCanvas
            volume={ct}
            axis={axis}
            index={indices[axis]}
            onIndex={(i) => setIndex(axis, i)}
            step={step}
            window={WINDOWS[windowName]}
            overlay={overlay}
            overlayVersion={overlayVersion}
            seedIjk={seed}
            crosshairIjk={crosshairIjk}
            onPick={onPick}
            label="CT slice (click to seed)"
          />
          <p className="small muted">
            Wheel or ↑ ↓ (Page Up/Down ×10, Home, End) change the slice; click seeds and sets the crosshair, Shift+click only moves the crosshair
            {crosshairIjk && (
              <>
                {' · '}
                <button type="button" className="btn btn-small btn-ghost" onClick={() => crosshairStore.getState().clear()}>
                  Clear crosshair
                </button>
              </>
            )}
          </p>
          <div className="anatomy-grid2">
            <label className="field">
              <span>Preset</span>
              <select className="input" aria-label="Preset" value={preset} onChange={(e) => choosePreset(e.target.value as HuPresetName)}>
                {PRESETS.map((p) => (
                  <option key={p.id} value={p.id}>
                    {p.label}
                  </option>
                ))}
              </select>
            </label>
            <label className="field">
              <span>Name</span>
              <input className="input" aria-label="Structure name" value={name} onChange={(e) => setName(e.target.value)} />
            </label>
            <label className="field">
              <span>Min HU</span>
              <input className="input" type="number" aria-label="Minimum HU" value={minHu} onChange={(e) => setMinHu(Number(e.target.value))} />
            </label>
            <label className="field">
              <span>Max HU</span>
              <input className="input" type="number" aria-label="Maximum HU" value={maxHu} onChange={(e) => setMaxHu(Number(e.target.value))} />
            </label>
            <label className="field">
              <span>Margin mm</span>
              <input className="input" type="number" step={0.5} aria-label="Margin mm" value={marginMm} onChange={(e) => setMarginMm(Number(e.target.value))} />
            </label>
            <label className="field" title="Cut the thin bridges the growth leaked through into touching organs of the same density (liver into heart or spleen): bridges thinner than twice this radius are cut and only the seed's piece is kept. 0 = off.">
              <span>Cut bridges mm</span>
              <input className="input" type="number" min={0} step={1} aria-label="Cut bridges mm" value={bridgeMm} disabled={wholeVolume} onChange={(e) => setBridgeMm(Math.max(0, Number(e.target.value)))} />
            </label>
          </div>
          <div className="anatomy-checks">
            <label>
              <input type="checkbox" checked={fillHoles} onChange={(e) => setFillHoles(e.target.checked)} /> Fill holes
            </label>
            <label>
              <input type="checkbox" checked={keepLargest} onChange={(e) => setKeepLargest(e.target.checked)} /> Remove islands
            </label>
            <label>
              <input type="checkbox" checked={wholeVolume} onChange={(e) => setWholeVolume(e.target.checked)} /> Whole volume (no seed)
            </label>
          </div>
          <div className="anatomy-row">
            <button type="button" className="btn" disabled={segJob.job !== null || (!wholeVolume && seed === null)} onClick={() => void runSegment(seed)}>
              {wholeVolume ? 'Threshold' : 'Grow again'}
            </button>
            <button type="button" className="btn btn-primary" disabled={segJob.job !== null || candidateVoxels === null} onClick={() => void addStructure()}>
              Add structure
            </button>
            {candidateVoxels !== null && (
              <button
                type="button"
                className="btn btn-ghost"
                onClick={() => {
                  candidate.current = null;
                  setCandidateVoxels(null);
                  setOverlayVersion((x) => x + 1);
                }}
              >
                Discard
              </button>
            )}
          </div>
          {candidateVoxels !== null && (
            <p className="small" role="status">
              Candidate: {candidateVoxels.toLocaleString('en')} voxels, {(candidateVoxels * voxelMl).toFixed(1)} mL
            </p>
          )}
          {seed === null && !wholeVolume && <p className="small muted">Click inside the organ on the slice to grow from that seed.</p>}
          <JobProgress runner={segJob} />
        </>
      )}
      <div className="anatomy-row">
        <input
          ref={fileInput}
          type="file"
          multiple
          hidden
          accept=".dcm,.nii,.gz,.json,application/dicom"
          aria-label="Segmentation files"
          onChange={(e) => {
            const files = [...(e.target.files ?? [])];
            e.target.value = '';
            if (files.length > 0) void fileJob.run('Importing segmentation', (hooks) => session.importSegmentation(files, hooks)).then(() => setOverlayVersion((x) => x + 1));
          }}
        />
        <button type="button" className="btn" disabled={fileJob.job !== null} onClick={() => fileInput.current?.click()}>
          Import segmentation
        </button>
        <button
          type="button"
          className="btn"
          disabled={fileJob.job !== null || !ct}
          onClick={() => {
            setPacsNote(null);
            void fileJob.run('Saving to PACS', (hooks) => session.saveSegmentationToPacs(props.username, hooks)).then((r) => {
              if (r) setPacsNote(`Saved as DICOM-SEG (${r.stored} instance) to the PACS.`);
            });
          }}
        >
          Save segmentation to PACS
        </button>
        <button
          type="button"
          className="btn"
          disabled={fileJob.job !== null || !ct}
          onClick={() => {
            setPacsNote(null);
            void fileJob.run('Listing segmentations', (hooks) => session.segmentationsInPacs(hooks.signal)).then((list) => {
              if (!list) return;
              setPacsSegs(list);
              setPacsSeg(list.at(-1)?.seriesInstanceUid ?? '');
              if (list.length === 0) setPacsNote('The PACS holds no segmentation (DICOM-SEG) in this CT’s study.');
            });
          }}
        >
          Segmentations in PACS…
        </button>
      </div>
      {pacsSegs !== null && pacsSegs.length > 0 && (
        <div className="anatomy-row">
          <select className="input" aria-label="Segmentation in PACS" value={pacsSeg} onChange={(e) => setPacsSeg(e.target.value)}>
            {pacsSegs.map((x, i) => (
              <option key={x.seriesInstanceUid} value={x.seriesInstanceUid}>
                {`${i + 1}. ${x.description ?? 'segmentation'} (${x.seriesInstanceUid.slice(-8)})`}
              </option>
            ))}
          </select>
          <button
            type="button"
            className="btn"
            disabled={fileJob.job !== null || pacsSeg === ''}
            onClick={() => void fileJob.run('Loading segmentation', (hooks) => session.loadSegmentationFromPacs(pacsSeg, hooks)).then(() => setOverlayVersion((x) => x + 1))}
          >
            Load from PACS
          </button>
        </div>
      )}
      <p className="small muted">DICOM-SEG (.dcm) or NIfTI (.nii/.nii.gz) with an optional label table (.json); put on the CT grid when a CT is loaded.</p>
      {pacsNote && (
        <p className="small" role="status">
          {pacsNote}
        </p>
      )}
      <JobProgress runner={fileJob} />
    </section>
  );
}

