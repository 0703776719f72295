// Cut planes: `Add cut plane` on a chosen organ, sliders for offset and two angles, and the live
// readout computed in the Anatomy worker — resected and remnant volume (mL, % of the organ),
// future liver remnant flagged below the surgeon's threshold, and the closest distance from the cut
// to a vessel. `Bend into a curved surface` turns the plane into a 4×4 Bézier resection surface
// (control heights by number, keys or drag in 3D) with its safety-margin map (issue 17).
import { useCallback, useMemo, useState, type ReactNode } from 'react';
import { useLatestOnly } from '../../ui/useLatestOnly';
import type { AnatomySession } from '../../compute/anatomy/session';
import { boundsOf, cutPlaneLps } from '../../compute/anatomy/planeGeometry';
import { isTumourName, surfaceMapStore, useSurfaceMaps } from '../../compute/anatomy/surfaceCut';
import { MAX_CUT_PLANES, anatomyStore, useAnatomy, type CutPlaneState } from '../../twin/anatomy';
import { type CutResult, type SurfaceCutResult } from '../../../core/contracts/anatomy-worker';
import { MARGIN_BANDS, flatPatchOver, marginBand } from '../../../core/domain/resectionSurface';

/**
 * The minimum future liver remnant the surgeon chooses for the patient's liver, as a share of the
 * liver volume: about 20 % for a normal liver, 30 % after extensive chemotherapy, 40 % in cirrhosis
 * (expert consensus: Abdalla EK et al., Ann Surg Oncol 2006;13:1271–80; outcome data: Kishi Y,
 * Abdalla EK, … Vauthey JN, Ann Surg 2009;250:540–8). Those figures are of the *standardised* FLR
 * (remnant ÷ total liver volume estimated from body surface area); the readout divides by the
 * segmented liver, which is close when the liver is normal-sized and tumour volume small.
 */
export const FLR_THRESHOLDS: ReadonlyArray<{ percent: number; label: string }> = [
  { percent: 20, label: 'Normal liver — 20 %' },
  { percent: 30, label: 'After chemotherapy — 30 %' },
  { percent: 40, label: 'Cirrhosis — 40 %' },
];

function isLiver(name: string): boolean {
  return /liver|hepar/i.test(name);
}

/** What the readout needs of the compute session (the real AnatomySession; tests pass the planner kernel). */
export type CutComputer = Pick<AnatomySession, 'cut'> & Partial<Pick<AnatomySession, 'cutSurface'>>;

function rgb(c: readonly [number, number, number]): string {
  return `rgb(${c[0]}, ${c[1]}, ${c[2]})`;
}

/** The margin colour legend (bands and their literature in core/domain/resectionSurface.ts). */
export function MarginLegend(): ReactNode {
  return (
    <ul className="anatomy-legend small" aria-label="Margin colour legend" title="R1 = margin under 1 mm (Pawlik et al., Ann Surg 2005); 1 cm: Ekberg et al. 1986, Sadot et al. 2015">
      {MARGIN_BANDS.map((b) => (
        <li key={b.label}>
          <span className="anatomy-swatch" style={{ background: rgb(b.colorRgb) }} aria-hidden="true" />
          {b.label}
        </li>
      ))}
    </ul>
  );
}

/**
 * Never stale (issue 17: moved 5 mm, the old percentages stayed 5.5 s): the numbers are shown only
 * when they were computed for exactly the plane drawn (`answered === cut`); until then the readout
 * says "Computing…" instead of numbers.
 */
export function CutReadout(props: { session: CutComputer; cut: CutPlaneState; organName: string; flrThresholdPercent?: number }): ReactNode {
  const { session, cut } = props;
  // Latest wins (src/ui/useLatestOnly.ts): while one computation runs, only the newest plane waits.
  const compute = useCallback(
    async (c: CutPlaneState): Promise<{ result: CutResult; curved: SurfaceCutResult | null }> => {
      const result = await session.cut(c.organLabel, c, c.vesselLabel);
      let curved: SurfaceCutResult | null = null;
      if (c.surface !== undefined) {
        if (session.cutSurface === undefined) throw new Error('this readout cannot compute a curved surface');
        curved = await session.cutSurface(c);
        surfaceMapStore.getState().publish(c, curved);
      }
      return { result, curved };
    },
    [session],
  );
  const latest = useLatestOnly(cut, compute);
  const { error, busy } = latest;
  const answer = latest.answer === null ? null : { for: latest.answer.request, ...latest.answer.result };
  if (error) return <p className="notice notice-error small">{error}</p>;
  if (answer === null || answer.for !== cut) {
    return (
      <p className="small muted" role="status" aria-label="Cut readout" aria-busy={true} data-state="computing">
        Computing the cut for the plane shown…
      </p>
    );
  }
  const result = answer.result;
  const curved = answer.curved;
  const v = curved?.volumes ?? result.volumes;
  const structures = anatomyStore.getState().structures;
  const nameOf = (label: number): string => structures.find((s) => s.label === label)?.name ?? `structure ${label}`;
  const liver = isLiver(props.organName);
  const threshold = props.flrThresholdPercent ?? 20;
  const low = v.remnantPercent < threshold;
  return (
    <dl className="anatomy-readout" aria-label="Cut readout" aria-busy={busy} data-state="current">
      <dt>Resected</dt>
      <dd className="mono">
        {v.resectedMl.toFixed(1)} mL ({v.resectedPercent.toFixed(1)}%)
      </dd>
      <dt>{liver ? 'Future liver remnant' : 'Remnant'}</dt>
      <dd className="mono" data-testid="remnant-percent">
        {v.remnantMl.toFixed(1)} mL ({v.remnantPercent.toFixed(1)}%)
        {liver && low && (
          <span className="badge badge-danger" role="status">
            below {threshold}%
          </span>
        )}
      </dd>
      <dt>Organ</dt>
      <dd className="mono">{v.totalMl.toFixed(1)} mL</dd>
      {result.vesselDistanceMm !== null && (
        <>
          <dt>Cut to vessel</dt>
          <dd className="mono">{Number.isFinite(result.vesselDistanceMm) ? `${result.vesselDistanceMm.toFixed(1)} mm` : 'the plane misses the organ'}</dd>
        </>
      )}
      {curved !== null && (
        <>
          <dt>Surface</dt>
          <dd>curved (Bézier 4×4)</dd>
          {(cut.marginLabels ?? []).length > 0 && (
            <>
              <dt>Min margin</dt>
              <dd className="mono" data-testid="min-margin">
                {curved.minMargin === null ? (
                  'the surface misses the organ'
                ) : (
                  <>
                    <span className="anatomy-swatch" style={{ background: rgb(MARGIN_BANDS[marginBand(curved.minMargin.mm)]!.colorRgb) }} aria-hidden="true" />
                    {curved.minMargin.mm.toFixed(1)} mm to {curved.minMargin.name}
                  </>
                )}
              </dd>
              {curved.targets
                .filter((t) => t.side !== 'resected' && isTumourName(nameOf(t.label)))
                .map((t) => (
                  <dd key={t.label} className="badge badge-danger" role="alert">
                    {t.side === 'crossed' ? `The surface cuts through ${t.name}` : `${t.name} stays in the remnant`}
                  </dd>
                ))}
            </>
          )}
        </>
      )}
    </dl>
  );
}

/**
 * The curved surface of a cut: its 16 control heights (mm along the plane's normal; positive goes
 * towards the resected side) as number fields — arrow keys step 1 mm, Shift+arrow 5 mm — the
 * structures its safety margin is measured to, and the way back to the plane.
 */
function SurfaceEditor(props: { cut: CutPlaneState }): ReactNode {
  const { cut } = props;
  const structures = useAnatomy((s) => s.structures);
  const selected = useSurfaceMaps((s) => s.selectedPoint.get(cut.id) ?? 5);
  const surface = cut.surface!;
  const { updateCutPlane } = anatomyStore.getState();
  const setHeight = (q: number, mm: number): void => {
    if (!Number.isFinite(mm)) return;
    const heightsMm = surface.heightsMm.map((h, i) => (i === q ? Math.round(mm * 10) / 10 : h));
    updateCutPlane(cut.id, { surface: { ...surface, heightsMm } });
  };
  const margins = cut.marginLabels ?? [];
  return (
    <div className="anatomy-surface" role="group" aria-label="Curved surface">
      <p className="small muted">
        Control heights, mm along the plane's normal (+ towards the resected side). Drag a yellow control point in 3D, or type; ↑/↓ step 1 mm, Shift 5 mm.
      </p>
      <table className="anatomy-grid">
        <tbody>
          {[3, 2, 1, 0].map((r) => (
            <tr key={r}>
              {[0, 1, 2, 3].map((c) => {
                const q = 4 * r + c;
                return (
                  <td key={c}>
                    <input
                      className={`input mono${q === selected ? ' is-selected' : ''}`}
                      type="number"
                      step={1}
                      aria-label={`Control point row ${r + 1} column ${c + 1} height mm`}
                      value={surface.heightsMm[q]}
                      onFocus={() => surfaceMapStore.getState().selectPoint(cut.id, q)}
                      onKeyDown={(e) => {
                        if (!e.shiftKey || (e.key !== 'ArrowUp' && e.key !== 'ArrowDown')) return;
                        e.preventDefault();
                        setHeight(q, surface.heightsMm[q]! + (e.key === 'ArrowUp' ? 5 : -5));
                      }}
                      onChange={(e) => e.target.value !== '' && setHeight(q, Number(e.target.value))}
                    />
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
      <fieldset className="anatomy-margins">
        <legend className="small">Margin to</legend>
        {structures
          .filter((s) => s.label !== cut.organLabel)
          .map((s) => (
            <label key={s.label} className="inline-field small">
              <input
                type="checkbox"
                aria-label={`Margin to ${s.name}`}
                checked={margins.includes(s.label)}
                onChange={(e) => updateCutPlane(cut.id, { marginLabels: e.target.checked ? [...margins, s.label] : margins.filter((l) => l !== s.label) })}
              />
              {s.name}
            </label>
          ))}
      </fieldset>
      <MarginLegend />
      <div className="anatomy-row">
        <button type="button" className="btn btn-small" onClick={() => updateCutPlane(cut.id, { surface: { ...surface, heightsMm: surface.heightsMm.map(() => 0) } })}>
          Flatten
        </button>
        <button type="button" className="btn btn-small btn-ghost" onClick={() => updateCutPlane(cut.id, { surface: undefined })}>
          Back to a plane
        </button>
      </div>
    </div>
  );
}

export function CutPlanePanel(props: { session: AnatomySession }): ReactNode {
  const structures = useAnatomy((s) => s.structures);
  const cuts = useAnatomy((s) => s.cutPlanes);
  const selectedId = useAnatomy((s) => s.selectedCutId);
  const meshes = useAnatomy((s) => s.meshes);
  const flrThreshold = useAnatomy((s) => s.flrThresholdPercent);
  const { addCutPlane, updateCutPlane, removeCutPlane, selectCut, setFlrThreshold } = anatomyStore.getState();
  const defaultOrgan = structures.find((s) => isLiver(s.name)) ?? structures[0];
  const [organLabel, setOrganLabel] = useState<number | null>(null);
  const organ = structures.find((s) => s.label === organLabel) ?? defaultOrgan;
  const cut = cuts.find((c) => c.id === selectedId) ?? null;
  const cutOrgan = cut ? structures.find((s) => s.label === cut.organLabel) : undefined;
  const radius = useMemo(() => {
    const m = cut ? meshes.get(cut.organLabel) : undefined;
    return m ? Math.ceil(boundsOf(m.mesh.positionsLps).radiusMm) : 100;
  }, [cut, meshes]);

  return (
    <section className="anatomy-panel" aria-label="Cut planes">
      <h2>Cut planes</h2>
      <div className="anatomy-row">
        <select className="input" aria-label="Organ to cut" value={organ?.label ?? ''} onChange={(e) => setOrganLabel(Number(e.target.value))} disabled={structures.length === 0}>
          {structures.map((s) => (
            <option key={s.label} value={s.label}>
              {s.name}
            </option>
          ))}
        </select>
        <button
          type="button"
          className="btn btn-primary"
          disabled={!organ || cuts.length >= MAX_CUT_PLANES}
          // Default: a sagittal plane through the organ's centre, normal to the patient's right
          // (−L), so the right-hand part is the one resected — a right hemihepatectomy to start from.
          onClick={() => organ && addCutPlane(organ.label, { azimuthDeg: 180, elevationDeg: 0, offsetMm: 0 })}
        >
          Add cut plane
        </button>
      </div>
      {cuts.length > 0 && (
        <div className="anatomy-row" role="group" aria-label="Cut plane list">
          {cuts.map((c, i) => (
            <button key={c.id} type="button" className="btn btn-small" aria-pressed={c.id === selectedId} onClick={() => selectCut(c.id)}>
              Cut {i + 1}
            </button>
          ))}
        </div>
      )}
      {cut && cutOrgan && (
        <>
          <p className="small muted">
            Cutting {cutOrgan.name}; the resected side is the one the plane's normal points to (pale in 3D).
          </p>
          <label className="inline-field anatomy-slider">
            Offset
            <input type="range" aria-label="Cut offset mm" min={-radius} max={radius} step={0.5} value={cut.offsetMm} onChange={(e) => updateCutPlane(cut.id, { offsetMm: Number(e.target.value) })} />
            <input
              className="input mono"
              type="number"
              step={0.5}
              style={{ width: 72 }}
              aria-label="Offset in mm"
              value={cut.offsetMm}
              onChange={(e) => {
                const mm = Number(e.target.value);
                if (e.target.value !== '' && Number.isFinite(mm)) updateCutPlane(cut.id, { offsetMm: mm });
              }}
            />
            <span className="small">mm</span>
          </label>
          <label className="inline-field anatomy-slider">
            Azimuth
            <input type="range" aria-label="Cut azimuth degrees" min={-180} max={180} step={1} value={cut.azimuthDeg} onChange={(e) => updateCutPlane(cut.id, { azimuthDeg: Number(e.target.value) })} />
            <span className="mono small">{cut.azimuthDeg}°</span>
          </label>
          <label className="inline-field anatomy-slider">
            Elevation
            <input type="range" aria-label="Cut elevation degrees" min={-90} max={90} step={1} value={cut.elevationDeg} onChange={(e) => updateCutPlane(cut.id, { elevationDeg: Number(e.target.value) })} />
            <span className="mono small">{cut.elevationDeg}°</span>
          </label>
          <label className="inline-field">
            Vessel
            <select
              className="input"
              aria-label="Vessel for distance"
              value={cut.vesselLabel ?? ''}
              onChange={(e) => updateCutPlane(cut.id, { vesselLabel: e.target.value === '' ? null : Number(e.target.value) })}
            >
              <option value="">none</option>
              {structures
                .filter((s) => s.label !== cut.organLabel)
                .map((s) => (
                  <option key={s.label} value={s.label}>
                    {s.name}
                  </option>
                ))}
            </select>
          </label>
          {isLiver(cutOrgan.name) && (
            <label className="inline-field" title="Minimum future liver remnant for this liver (Abdalla et al. 2006 consensus; standardised FLR, see the Anatomy README)">
              Remnant threshold
              <select className="input" aria-label="Future liver remnant threshold" value={flrThreshold} onChange={(e) => setFlrThreshold(Number(e.target.value))}>
                {FLR_THRESHOLDS.map((t) => (
                  <option key={t.percent} value={t.percent}>
                    {t.label}
                  </option>
                ))}
              </select>
            </label>
          )}
          {cut.surface === undefined ? (
            <button
              type="button"
              className="btn btn-small"
              onClick={() => {
                const m = meshes.get(cut.organLabel);
                if (m === undefined) return;
                const plane = cutPlaneLps(cut, cut.centreLps ?? boundsOf(m.mesh.positionsLps).centreLps);
                const tumours = structures.filter((s) => s.label !== cut.organLabel && isTumourName(s.name)).map((s) => s.label);
                const marginLabels = cut.vesselLabel === null || tumours.includes(cut.vesselLabel) ? tumours : [...tumours, cut.vesselLabel];
                updateCutPlane(cut.id, { surface: flatPatchOver(plane, m.mesh.positionsLps), marginLabels });
              }}
            >
              Bend into a curved surface
            </button>
          ) : (
            <SurfaceEditor cut={cut} />
          )}
          <CutReadout session={props.session} cut={cut} organName={cutOrgan.name} flrThresholdPercent={flrThreshold} />
          <button type="button" className="btn btn-small btn-ghost" onClick={() => removeCutPlane(cut.id)}>
            Remove cut plane
          </button>
        </>
      )}
    </section>
  );
}
