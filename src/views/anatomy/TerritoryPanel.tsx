// Vascular territories (issue 17, liver planner): choose the vessel structures (portal vein,
// hepatic veins) and the liver, `Extract centrelines` (in the territory worker, progress + cancel),
// then every branch of the chosen generation is listed with its colour, its territory's volume (mL,
// % of the liver) and — for the cut plane on the liver — the remnant it keeps, with the future
// liver remnant against the surgeon's threshold (from the Cut planes panel, in the store). The
// territories show as coloured regions on an axial CT slice with the centrelines crossing it.
import { useCallback, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { useLatestOnly } from '../../ui/useLatestOnly';
import type { AnatomySession } from '../../compute/anatomy/session';
import { renderSliceRgba } from '../../compute/anatomy/slices';
import { anatomyStore, territoryColour, useAnatomy, type CutPlaneState, type TerritoryState } from '../../twin/anatomy';
import { type ImageVolume, invertLinearPart, linearPart } from '../../../core/domain/imaging';
import { type TerritoryMap, type TerritoryRemnantResult, type VesselCentrelines } from '../../../core/contracts/territories';
import { JobProgress } from './JobProgress';
import { useJob } from './useJob';

/** What the panel needs of the compute session (the real AnatomySession; tests pass the worker API run in this thread). */
export type TerritoryComputer = Pick<AnatomySession, 'extractCentrelines' | 'computeTerritories' | 'territoryRemnants'>;

export const BRANCH_GENERATIONS: ReadonlyArray<{ generation: number; label: string }> = [
  { generation: 1, label: 'First-order branches (after the trunk)' },
  { generation: 2, label: 'Second-order branches' },
  { generation: 3, label: 'Third-order branches' },
];

const isVessel = (name: string): boolean => /portal|hepatic|vein|vena|vessel|vascul/i.test(name);
const isLiver = (name: string): boolean => /liver|hepar/i.test(name) && !isVessel(name);

/** Segment ids (per tree) of each branch's subtree, for colouring centrelines by territory. */
function branchOfSegments(c: VesselCentrelines, map: TerritoryMap | null): Map<string, number> {
  const out = new Map<string, number>();
  if (map === null) return out;
  for (const b of map.branches) {
    const tree = c.trees[b.tree];
    if (tree === undefined) continue;
    const stack = [b.segment];
    while (stack.length > 0) {
      const s = tree.segments[stack.pop()! - 1];
      if (s === undefined) continue;
      out.set(`${b.tree}:${s.id}`, b.id);
      stack.push(...s.children);
    }
  }
  return out;
}

/** An axial CT slice with the territories tinted and the centreline points within half a slice drawn. */
function TerritorySlice(props: { volume: ImageVolume; territories: TerritoryState; index: number }): ReactNode {
  const ref = useRef<HTMLCanvasElement>(null);
  const { volume, territories, index } = props;
  const [nI, nJ, nK] = volume.dimensions;
  const aspect = (nI * volume.spacingMm[0]) / (nJ * volume.spacingMm[1]);
  const owner = useMemo(() => branchOfSegments(territories.centrelines, territories.map), [territories.centrelines, territories.map]);
  useEffect(() => {
    const ctx = ref.current?.getContext('2d');
    if (!ctx || index < 0 || index >= nK) return;
    const img = ctx.createImageData(nI, nJ);
    renderSliceRgba(volume, 'axial', index, { widthHu: 400, centerHu: 60 }, img.data);
    const map = territories.map;
    if (map !== null) {
      const [tI, tJ, tK] = map.grid.dimensions;
      const [oI, oJ, oK] = map.offsetIjk;
      const kk = index - oK;
      if (kk >= 0 && kk < tK) {
        const alpha = 0.45;
        for (let j = 0; j < tJ; j++) {
          for (let i = 0; i < tI; i++) {
            const l = map.labels[i + tI * (j + tJ * kk)]!;
            if (l === 0) continue;
            const c = territoryColour(l);
            const o = 4 * (i + oI + nI * (j + oJ));
            img.data[o] = img.data[o]! * (1 - alpha) + c[0] * alpha;
            img.data[o + 1] = img.data[o + 1]! * (1 - alpha) + c[1] * alpha;
            img.data[o + 2] = img.data[o + 2]! * (1 - alpha) + c[2] * alpha;
          }
        }
      }
    }
    ctx.putImageData(img, 0, 0);
    // Centreline points crossing this slice (within half a slice): the branch colour, white for the trunk.
    const inv = invertLinearPart(linearPart(volume));
    const o = volume.originLps;
    territories.centrelines.trees.forEach((tree, t) => {
      for (const s of tree.segments) {
        const id = owner.get(`${t}:${s.id}`);
        const c = id === undefined ? [255, 255, 255] : territoryColour(id);
        ctx.fillStyle = `rgb(${c[0]},${c[1]},${c[2]})`;
        for (const p of s.pointsLps) {
          const x = p[0] - o[0];
          const y = p[1] - o[1];
          const z = p[2] - o[2];
          const k = inv[6]! * x + inv[7]! * y + inv[8]! * z;
          if (Math.abs(k - index) > 0.5) continue;
          const i = inv[0]! * x + inv[1]! * y + inv[2]! * z;
          const j = inv[3]! * x + inv[4]! * y + inv[5]! * z;
          ctx.fillRect(Math.round(i) - 1, Math.round(j) - 1, 3, 3);
        }
      }
    });
  }, [volume, territories, index, nI, nJ, nK, owner]);
  return <canvas ref={ref} width={nI} height={nJ} className="anatomy-slice" style={{ aspectRatio: String(aspect), cursor: 'default' }} role="img" aria-label={`Territories on axial slice ${index + 1} of ${nK}`} />;
}

/**
 * Remnant per territory for the cut as drawn; like the cut readout, never stale: numbers only when
 * computed for exactly this plane and these territories, "Computing…" until then (latest wins).
 */
export function TerritoryRemnants(props: {
  session: Pick<TerritoryComputer, 'territoryRemnants'>;
  cut: CutPlaneState;
  territories: TerritoryState;
  flrThresholdPercent: number;
  nameOf: (id: number, fallback: string) => string;
}): ReactNode {
  const { session, cut, territories } = props;
  const map = territories.map;
  // Latest wins (src/ui/useLatestOnly.ts): while one computation runs, only the newest cut waits.
  const request = useMemo(() => (map === null ? null : { cut, map }), [cut, map]);
  const compute = useCallback((req: { cut: CutPlaneState; map: TerritoryMap }): Promise<TerritoryRemnantResult> => session.territoryRemnants(req.cut), [session]);
  const latest = useLatestOnly(request, compute);
  const error = latest.error;
  const answer = latest.answer === null ? null : { ...latest.answer.request, result: latest.answer.result };
  if (map === null) return null;
  if (error) return <p className="notice notice-error small">Remnant per territory: {error}</p>;
  if (answer === null || answer.cut !== cut || answer.map !== map) {
    return (
      <p className="small muted" role="status" aria-label="Remnant per territory" aria-busy={true} data-state="computing">
        Computing the remnant per territory for the plane shown…
      </p>
    );
  }
  const r = answer.result;
  const flr = r.liverMl > 0 ? (100 * r.remnantMl) / r.liverMl : 0;
  const low = flr < props.flrThresholdPercent;
  const byId = new Map(r.byBranch.map((b) => [b.branchId, b]));
  return (
    <div aria-label="Remnant per territory" data-state="current">
      <table className="data small" aria-label="Remnant per territory">
        <thead>
          <tr>
            <th scope="col">Branch</th>
            <th scope="col">Remnant</th>
            <th scope="col">Kept</th>
            <th scope="col">FLR share</th>
          </tr>
        </thead>
        <tbody>
          {map.branches.map((b) => {
            const x = byId.get(b.id);
            const c = territoryColour(b.id);
            return (
              <tr key={b.id} aria-label={props.nameOf(b.id, b.name)} data-testid={`territory-remnant-${b.id}`}>
                <td>
                  <span aria-hidden="true" style={{ display: 'inline-block', width: 10, height: 10, marginRight: 4, background: `rgb(${c[0]},${c[1]},${c[2]})` }} />
                  {props.nameOf(b.id, b.name)}
                </td>
                <td className="mono num">{x ? `${x.remnantMl.toFixed(1)} mL` : '—'}</td>
                <td className="mono num">{x && x.totalMl > 0 ? `${((100 * x.remnantMl) / x.totalMl).toFixed(0)}%` : '—'}</td>
                <td className="mono num">{x ? `${x.remnantPercentOfLiver.toFixed(1)}%` : '—'}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <p className="small" data-testid="territory-flr">
        Future liver remnant ({cut.surface ? 'curved surface' : 'plane'}, voxels):{' '}
        <span className="mono">
          {r.remnantMl.toFixed(1)} mL ({flr.toFixed(1)}%)
        </span>{' '}
        {low ? (
          <span className="badge badge-danger" role="status">
            below {props.flrThresholdPercent}%
          </span>
        ) : (
          <span className="small muted">threshold {props.flrThresholdPercent}%</span>
        )}
      </p>
    </div>
  );
}

export function TerritoryPanel(props: { session: TerritoryComputer; ct: ImageVolume | null }): ReactNode {
  const { session, ct } = props;
  const structures = useAnatomy((s) => s.structures);
  const territories = useAnatomy((s) => s.territories);
  const cuts = useAnatomy((s) => s.cutPlanes);
  const selectedCutId = useAnatomy((s) => s.selectedCutId);
  const flrThreshold = useAnatomy((s) => s.flrThresholdPercent);
  const axialIndex = useAnatomy((s) => s.sliceIndex.axial);
  const job = useJob();
  const [chosenVessels, setChosenVessels] = useState<number[] | null>(null);
  const [chosenLiver, setChosenLiver] = useState<number | null>(null);
  const [generation, setGeneration] = useState(1);
  const [minBranchMm, setMinBranchMm] = useState(4);
  // Territories set from elsewhere (a reopened plan): the choices shown follow the stored set-up.
  const storedGeneration = territories?.generation;
  const storedMinBranchMm = territories?.minBranchMm;
  const storedVessels = territories?.vesselLabels;
  const storedLiver = territories?.liverLabel ?? null;
  useEffect(() => {
    if (storedGeneration !== undefined) setGeneration(storedGeneration);
  }, [storedGeneration]);
  useEffect(() => {
    if (storedMinBranchMm !== undefined) setMinBranchMm(storedMinBranchMm);
  }, [storedMinBranchMm]);
  useEffect(() => {
    if (storedVessels !== undefined) setChosenVessels(storedVessels);
  }, [storedVessels]);
  useEffect(() => {
    if (storedLiver !== null) setChosenLiver(storedLiver);
  }, [storedLiver]);

  const vessels = chosenVessels ?? structures.filter((s) => isVessel(s.name)).map((s) => s.label);
  const liver = structures.find((s) => s.label === chosenLiver) ?? structures.find((s) => isLiver(s.name));
  const labelsNow = new Set(structures.map((s) => s.label));
  const stale = territories !== null && (!territories.vesselLabels.every((l) => labelsNow.has(l)) || (territories.liverLabel !== null && !labelsNow.has(territories.liverLabel)));
  const map = territories?.map ?? null;
  const cut = cuts.find((c) => c.id === selectedCutId && c.organLabel === territories?.liverLabel) ?? cuts.find((c) => c.organLabel === territories?.liverLabel) ?? null;

  const recompute = (gen: number, excluded: number[]): void => {
    const t = anatomyStore.getState().territories;
    if (t === null || liver === undefined) return;
    void job.run('Computing territories', async ({ signal, onProgress }) => {
      const m = await session.computeTerritories(liver.label, gen, excluded, { signal, onProgress });
      anatomyStore.getState().setTerritoryMap(liver.label, m, excluded);
    });
  };

  const extract = (): void => {
    if (liver === undefined || vessels.length === 0) return;
    const chosen = structures.filter((s) => vessels.includes(s.label)).map((s) => ({ label: s.label, name: s.name }));
    void job.run('Extracting centrelines', async ({ signal, onProgress }) => {
      const c = await session.extractCentrelines(chosen, { minBranchMm }, { signal, onProgress: (f) => onProgress(0.7 * f) });
      anatomyStore.getState().setCentrelines(
        chosen.map((v) => v.label),
        c,
        generation,
        minBranchMm,
      );
      const m = await session.computeTerritories(liver.label, generation, [], { signal, onProgress: (f) => onProgress(0.7 + 0.3 * f) });
      anatomyStore.getState().setTerritoryMap(liver.label, m, []);
    });
  };

  const nameOf = (id: number, fallback: string): string => territories?.names[id] ?? fallback;
  const summary = territories?.centrelines.trees.map((t) => ({
    name: t.structureName,
    segments: t.segments.length,
    bifurcations: t.bifurcationsLps.length,
    lengthMm: t.segments.reduce((a, s) => a + s.lengthMm, 0),
  }));
  const busy = job.job !== null;

  return (
    <section className="anatomy-panel" aria-label="Vascular territories">
      <h2>Vascular territories</h2>
      {structures.length === 0 ? (
        <p className="small muted">Segment the liver and its portal or hepatic veins first (Segment, then Add structure).</p>
      ) : (
        <>
          <fieldset className="anatomy-row" aria-label="Vessel structures" style={{ border: 0, padding: 0, margin: 0, flexWrap: 'wrap' }}>
            <legend className="small muted">Vessels</legend>
            {structures
              .filter((s) => s.label !== liver?.label)
              .map((s) => (
                <label key={s.label} className="inline-field small">
                  <input
                    type="checkbox"
                    checked={vessels.includes(s.label)}
                    onChange={(e) => setChosenVessels(e.target.checked ? [...vessels, s.label] : vessels.filter((l) => l !== s.label))}
                  />
                  {s.name}
                </label>
              ))}
          </fieldset>
          <div className="anatomy-row">
            <label className="inline-field small">
              Liver
              <select className="input" aria-label="Liver structure" value={liver?.label ?? ''} onChange={(e) => setChosenLiver(Number(e.target.value))}>
                {structures.map((s) => (
                  <option key={s.label} value={s.label}>
                    {s.name}
                  </option>
                ))}
              </select>
            </label>
            <label className="inline-field small">
              Branches
              <select
                className="input"
                aria-label="Branch generation"
                value={generation}
                onChange={(e) => {
                  const g = Number(e.target.value);
                  setGeneration(g);
                  if (territories !== null && !stale) recompute(g, []);
                }}
              >
                {BRANCH_GENERATIONS.map((g) => (
                  <option key={g.generation} value={g.generation}>
                    {g.label}
                  </option>
                ))}
              </select>
            </label>
            <label className="inline-field small" title="Side branches reaching less than this beyond the vessel wall are treated as segmentation noise">
              Min branch
              <input className="input mono" type="number" aria-label="Minimum branch length mm" min={1} max={20} step={0.5} value={minBranchMm} onChange={(e) => setMinBranchMm(Number(e.target.value))} style={{ width: '5em' }} />
              mm
            </label>
          </div>
          <div className="anatomy-row">
            <button
              type="button"
              className="btn btn-primary"
              disabled={busy || liver === undefined || vessels.length === 0 || !(minBranchMm > 0)}
              title={vessels.length === 0 ? 'Tick the vessel structures (portal vein, hepatic veins) first' : undefined}
              onClick={extract}
            >
              Extract centrelines
            </button>
          </div>
          <JobProgress runner={job} />
        </>
      )}
      {stale && (
        <p className="notice notice-warn small" role="status">
          The structures these territories came from changed: extract the centrelines again.
        </p>
      )}
      {territories !== null && summary !== undefined && (
        <p className="small muted" aria-label="Centreline summary">
          {summary.map((t, i) => (
            <span key={i}>
              {i > 0 && '; '}
              {t.name}: {t.segments} segments, {t.bifurcations} bifurcations, {t.lengthMm.toFixed(0)} mm of centreline
            </span>
          ))}
          {territories.centrelines.ignoredPieces > 0 && ` (${territories.centrelines.ignoredPieces} small pieces ignored)`}
        </p>
      )}
      {map !== null && territories !== null && (
        <>
          <table className="data small" aria-label="Territories">
            <thead>
              <tr>
                <th scope="col">Branch</th>
                <th scope="col">Use</th>
                <th scope="col">Volume</th>
                <th scope="col">Liver</th>
              </tr>
            </thead>
            <tbody>
              {[...map.branches, ...territories.excludedIds.map((id) => ({ id, name: `branch ${id}`, volumeMl: 0, excluded: true }))].map((b) => {
                const excluded = 'excluded' in b;
                const c = territoryColour(b.id);
                return (
                  <tr key={b.id} aria-label={nameOf(b.id, b.name)}>
                    <td>
                      <span className="swatch" aria-hidden="true" style={{ display: 'inline-block', width: 10, height: 10, marginRight: 4, background: `rgb(${c[0]},${c[1]},${c[2]})` }} />
                      <input className="input small" aria-label={`Name of territory ${b.id}`} defaultValue={nameOf(b.id, b.name)} onBlur={(e) => anatomyStore.getState().renameTerritory(b.id, e.target.value)} />
                    </td>
                    <td>
                      <input
                        type="checkbox"
                        aria-label={`Use territory ${b.id}`}
                        checked={!excluded}
                        disabled={busy || stale}
                        onChange={(e) => recompute(map.generation, e.target.checked ? territories.excludedIds.filter((x) => x !== b.id) : [...territories.excludedIds, b.id])}
                      />
                    </td>
                    <td className="mono num">{excluded ? '—' : `${b.volumeMl.toFixed(1)} mL`}</td>
                    <td className="mono num">{excluded ? '—' : `${((100 * b.volumeMl) / map.liverMl).toFixed(1)}%`}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          <p className="small muted">
            Liver {map.liverMl.toFixed(1)} mL in {map.branches.length} territories: every liver voxel goes to the nearest branch centreline (Selle et al. 2002). Remnant = the side opposite the cut's normal, through its curved surface when bent.
          </p>
          {cut === null ? (
            <p className="small muted">Add a cut plane on the liver (Cut planes) to see the remnant per territory.</p>
          ) : (
            <TerritoryRemnants session={session} cut={cut} territories={territories} flrThresholdPercent={flrThreshold} nameOf={nameOf} />
          )}
        </>
      )}
      {territories !== null && ct !== null && (
        <>
          <label className="inline-field anatomy-slider small">
            Territory slice
            <input
              type="range"
              aria-label="Territory slice"
              min={0}
              max={ct.dimensions[2] - 1}
              value={Math.min(axialIndex, ct.dimensions[2] - 1)}
              onChange={(e) => anatomyStore.getState().setSliceIndex('axial', Number(e.target.value))}
            />
            <span className="mono small">{Math.min(axialIndex, ct.dimensions[2] - 1) + 1}</span>
          </label>
          <TerritorySlice volume={ct} territories={territories} index={Math.min(axialIndex, ct.dimensions[2] - 1)} />
        </>
      )}
    </section>
  );
}
