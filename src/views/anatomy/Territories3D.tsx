// Vascular territories and vessel centrelines in the 3D scene (issue 17, liver planner):
// - each territory as the part of the liver's surface over its voxels (the label under each
//   triangle, core/domain/mesh.ts `triangleLabelsFromVoxels`), drawn translucent in the territory's
//   colour (the Territories panel's `territoryColour`) just in front of the liver, on the remnant
//   side of the liver's cut (plane or curved surface) so the resected part stays pale;
// - the centrelines as polylines in the colour of the territory their branch feeds (white: the
//   trunk and branches above the chosen generation), drawn over the surfaces;
// - `Scene3DLegend`: an overlay beside the canvas with visibility toggles (accessible names
//   "Show territories in 3D", "Show centrelines in 3D", "Show territory <name>"), each territory's
//   colour, volume and share of the liver, the margin colour scale (mm) when a curved cut is painted,
//   and the keys that nudge the selected control point.
// r3f rules as Scene3D: geometries disposed when replaced, no React state in frame loops.
import { useEffect, useMemo, type ReactNode } from 'react';
import * as THREE from 'three';
import { useStore } from 'zustand';
import { createStore } from 'zustand/vanilla';
import type { TerritoryMap, VesselCentrelines } from '../../../core/contracts/territories';
import { meshOfLabel, triangleLabelsFromVoxels } from '../../../core/domain/mesh';
import { MARGIN_BANDS } from '../../../core/domain/resectionSurface';
import { boundsOf } from '../../compute/anatomy/planeGeometry';
import { useSurfaceMaps } from '../../compute/anatomy/surfaceCut';
import { territoryColour, useAnatomy } from '../../twin/anatomy';
import { cutPlanes, resectionSurfaceOf, setSurfaceUniforms, surfaceClipHooks, surfaceClipUniforms } from './cutClipping';
import { useThree } from '@react-three/fiber';

/** What the 3D view shows of the territories (view state only; the territories live in the anatomy store). */
export interface Territory3dState {
  showTerritories: boolean;
  showCentrelines: boolean;
  /** Territory ids the surgeon hid. */
  hidden: ReadonlySet<number>;
  setShowTerritories: (on: boolean) => void;
  setShowCentrelines: (on: boolean) => void;
  setHidden: (id: number, hidden: boolean) => void;
}

export const territory3dStore = createStore<Territory3dState>()((set, get) => ({
  showTerritories: true,
  showCentrelines: true,
  hidden: new Set<number>(),
  setShowTerritories: (on) => set({ showTerritories: on }),
  setShowCentrelines: (on) => set({ showCentrelines: on }),
  setHidden: (id, hidden) => {
    const next = new Set(get().hidden);
    if (hidden) next.add(id);
    else next.delete(id);
    set({ hidden: next });
  },
}));

export function useTerritory3d<T>(selector: (s: Territory3dState) => T): T {
  return useStore(territory3dStore, selector);
}

/** The territory (branch id) each centreline segment feeds, keyed "tree:segment" (the branch's whole subtree). */
export function branchOfSegments(c: VesselCentrelines, map: TerritoryMap | null): Map<string, number> {
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

/** Centreline polylines as line-segment pairs with a colour per vertex (0–1 sRGB-converted to linear by three). */
export function centrelineSegments(c: VesselCentrelines, map: TerritoryMap | null): { positionsLps: Float32Array; coloursRgb: Float32Array } {
  const owner = branchOfSegments(c, map);
  let pairs = 0;
  for (const tree of c.trees) for (const s of tree.segments) pairs += Math.max(0, s.pointsLps.length - 1);
  const positionsLps = new Float32Array(6 * pairs);
  const coloursRgb = new Float32Array(6 * pairs);
  let o = 0;
  c.trees.forEach((tree, t) => {
    for (const s of tree.segments) {
      const id = owner.get(`${t}:${s.id}`);
      const rgb = id === undefined ? [255, 255, 255] : territoryColour(id);
      for (let q = 0; q + 1 < s.pointsLps.length; q++) {
        for (const p of [s.pointsLps[q]!, s.pointsLps[q + 1]!]) {
          positionsLps.set(p, o);
          coloursRgb[o] = rgb[0]! / 255;
          coloursRgb[o + 1] = rgb[1]! / 255;
          coloursRgb[o + 2] = rgb[2]! / 255;
          o += 3;
        }
      }
    }
  });
  return { positionsLps, coloursRgb };
}

const srgb = (c: [number, number, number]): THREE.Color => new THREE.Color().setRGB(c[0] / 255, c[1] / 255, c[2] / 255, THREE.SRGBColorSpace);

/** One territory's part of the liver surface, clipped to the cut's remnant side like the liver. */
function TerritorySurface(props: { id: number; name: string; geometry: THREE.BufferGeometry; clip: THREE.Plane[]; visible: boolean; surfaceUniforms: ReturnType<typeof surfaceClipUniforms> }): ReactNode {
  const colour = useMemo(() => srgb(territoryColour(props.id)), [props.id]);
  const hooks = useMemo(() => surfaceClipHooks(props.surfaceUniforms, 'remnant'), [props.surfaceUniforms]);
  return (
    <mesh geometry={props.geometry} visible={props.visible} name={`territory ${props.name}`} raycast={() => null} renderOrder={2}>
      <meshStandardMaterial
        color={colour}
        roughness={0.6}
        metalness={0}
        transparent
        opacity={0.7}
        depthWrite={false}
        side={THREE.DoubleSide}
        polygonOffset
        polygonOffsetFactor={-1}
        polygonOffsetUnits={-4}
        clippingPlanes={props.clip}
        {...hooks}
      />
    </mesh>
  );
}

/** The territories on the liver's surface and the centrelines, in the r3f scene. */
export function TerritoriesInScene(props: { clip: THREE.Plane[] }): ReactNode {
  const territories = useAnatomy((s) => s.territories);
  const liverLabel = territories?.liverLabel ?? null;
  const liver = useAnatomy((s) => (liverLabel === null ? undefined : s.meshes.get(liverLabel)));
  const liverEntry = useAnatomy((s) => s.structures.find((x) => x.label === liverLabel));
  const cut = useAnatomy((s) => s.cutPlanes.find((c) => c.organLabel === liverLabel));
  const showTerritories = useTerritory3d((s) => s.showTerritories);
  const showCentrelines = useTerritory3d((s) => s.showCentrelines);
  const hidden = useTerritory3d((s) => s.hidden);
  const invalidate = useThree((s) => s.invalidate);
  const map = territories?.map ?? null;

  const parts = useMemo(() => {
    if (map === null || liver === undefined || liver.mesh.indices.length === 0) return [];
    const labels = triangleLabelsFromVoxels(liver.mesh, map.grid, map.labels);
    return map.branches.map((b) => {
      const m = meshOfLabel(liver.mesh, labels, b.id);
      const g = new THREE.BufferGeometry();
      g.setAttribute('position', new THREE.BufferAttribute(m.positionsLps, 3));
      g.setIndex(new THREE.BufferAttribute(m.indices, 1));
      if (m.normalsLps) g.setAttribute('normal', new THREE.BufferAttribute(m.normalsLps, 3));
      else g.computeVertexNormals();
      g.computeBoundingSphere();
      return { id: b.id, name: territories?.names[b.id] ?? b.name, geometry: g };
    });
  }, [map, liver, territories?.names]);
  useEffect(() => () => parts.forEach((p) => p.geometry.dispose()), [parts]);

  const lines = useMemo(() => {
    const g = new THREE.BufferGeometry();
    if (territories === null || territories === undefined) return g;
    const { positionsLps, coloursRgb } = centrelineSegments(territories.centrelines, map);
    g.setAttribute('position', new THREE.BufferAttribute(positionsLps, 3));
    g.setAttribute('color', new THREE.BufferAttribute(coloursRgb, 3));
    g.computeBoundingSphere();
    return g;
  }, [territories, map]);
  useEffect(() => () => lines.dispose(), [lines]);

  // The liver's cut: territories are drawn on its remnant side only (the resected side stays pale).
  const centre = useMemo(() => (liver ? boundsOf(liver.mesh.positionsLps).centreLps : null), [liver]);
  const planeClip = useMemo(() => (cut && cut.surface === undefined && centre ? [...props.clip, cutPlanes(cut, cut.centreLps ?? centre).remnant] : props.clip), [cut, centre, props.clip]);
  const surfaceUniforms = useMemo(surfaceClipUniforms, []);
  useEffect(() => {
    setSurfaceUniforms(surfaceUniforms, centre ? resectionSurfaceOf(cut, centre) : null);
    invalidate();
  }, [cut, centre, surfaceUniforms, invalidate]);
  useEffect(() => invalidate(), [showTerritories, showCentrelines, hidden, invalidate]);

  if (territories === null || territories === undefined) return null;
  const liverVisible = liverEntry?.visible ?? true;
  return (
    <group name="vascular territories">
      {parts.map((p) => (
        <TerritorySurface key={p.id} id={p.id} name={p.name} geometry={p.geometry} clip={planeClip} visible={showTerritories && liverVisible && !hidden.has(p.id)} surfaceUniforms={surfaceUniforms} />
      ))}
      <lineSegments geometry={lines} visible={showCentrelines} raycast={() => null} renderOrder={12} name="centrelines">
        <lineBasicMaterial vertexColors depthTest={false} transparent toneMapped={false} />
      </lineSegments>
    </group>
  );
}

/**
 * The overlay beside the 3D canvas: the territory legend with visibility toggles, the margin colour
 * scale when a curved cut's map is drawn, and the control-point keys when a curved cut is selected.
 */
export function Scene3DLegend(): ReactNode {
  const territories = useAnatomy((s) => s.territories);
  const selectedCut = useAnatomy((s) => s.cutPlanes.find((c) => c.id === s.selectedCutId));
  // The margin scale only when a map is painted: a curved cut with at least one margin target.
  const painted = useSurfaceMaps((s) => [...s.byCut.values()].some((a) => a.result.targets.length > 0 && a.for.surface !== undefined));
  const selectedPoint = useSurfaceMaps((s) => (selectedCut ? (s.selectedPoint.get(selectedCut.id) ?? 5) : 5));
  const showTerritories = useTerritory3d((s) => s.showTerritories);
  const showCentrelines = useTerritory3d((s) => s.showCentrelines);
  const hidden = useTerritory3d((s) => s.hidden);
  const map = territories?.map ?? null;
  const curved = selectedCut?.surface !== undefined;
  if (map === null && !painted && !curved && (territories === null || territories === undefined)) return null;
  const st = territory3dStore.getState();
  return (
    <div className="anatomy-legend3d small" role="region" aria-label="3D legend">
      {territories && (
        <>
          <div className="anatomy-legend-row">
            <label>
              <input type="checkbox" checked={showTerritories} disabled={map === null} onChange={(e) => st.setShowTerritories(e.target.checked)} /> Show territories in 3D
            </label>
            <label>
              <input type="checkbox" checked={showCentrelines} onChange={(e) => st.setShowCentrelines(e.target.checked)} /> Show centrelines in 3D
            </label>
          </div>
          {map !== null && (
            <ul className="anatomy-legend-list" aria-label="Territory colours">
              {map.branches.map((b) => {
                const c = territoryColour(b.id);
                const name = territories.names[b.id] ?? b.name;
                return (
                  <li key={b.id}>
                    <label title={`${name}: ${b.volumeMl.toFixed(1)} mL`}>
                      <input type="checkbox" aria-label={`Show territory ${name}`} checked={!hidden.has(b.id)} disabled={!showTerritories} onChange={(e) => st.setHidden(b.id, !e.target.checked)} />
                      <span className="anatomy-swatch" aria-hidden="true" style={{ background: `rgb(${c[0]},${c[1]},${c[2]})` }} />
                      <span className="anatomy-legend-name">{name}</span>
                      <span className="mono num">
                        {b.volumeMl.toFixed(0)} mL · {map.liverMl > 0 ? ((100 * b.volumeMl) / map.liverMl).toFixed(0) : '0'}%
                      </span>
                    </label>
                  </li>
                );
              })}
              <li className="muted">
                <span className="anatomy-swatch" aria-hidden="true" style={{ background: '#fff' }} /> centreline of the trunk and branches above generation {map.generation}
              </li>
            </ul>
          )}
        </>
      )}
      {painted && (
        <ul className="anatomy-legend-list anatomy-legend-bands" aria-label="Margin colour scale (mm)" title="Distance from the resection surface to the chosen tumours and vessels">
          {MARGIN_BANDS.map((b) => (
            <li key={b.label}>
              <span className="anatomy-swatch" aria-hidden="true" style={{ background: `rgb(${b.colorRgb[0]},${b.colorRgb[1]},${b.colorRgb[2]})` }} />
              {b.label}
            </li>
          ))}
        </ul>
      )}
      {curved && (
        <p className="muted" id="control-point-keys">
          Control point {Math.floor(selectedPoint / 4) + 1},{(selectedPoint % 4) + 1} (white): drag it, or focus the 3D view and press ↑/↓ to move it 1 mm along the normal (Shift 5 mm), ←/→ for the previous/next point.
        </p>
      )}
    </div>
  );
}
