// The 3D scene (three.js through @react-three/fiber): every structure as a lit surface in patient
// LPS mm (world axes = LPS: x left, y posterior, z superior; camera up = +S), the CT's three
// planes as textured slices, up to three clipping planes, the cut planes (remnant in the organ's
// colour, the resected side pale and translucent), a cut's curved resection surface (issue 17: the
// organ split by it in the fragment shader, the surface painted with its safety-margin map, 16
// control points dragged with the pointer or nudged with the keys), the vascular territories on the
// liver's surface and the centrelines (Territories3D.tsx, with the legend overlay), landmarks and
// measurements picked on surfaces with BVH ray casting (three-mesh-bvh).
//
// r3f rules (STYLE.md): frameloop="demand" — a frame is drawn only on invalidate() (r3f calls it
// on prop changes; we call it for textures and the camera); no React state in useFrame; objects
// are toggled with `visible`, geometries and textures are disposed when replaced or unmounted.
import { Canvas, useFrame, useThree, type ThreeEvent } from '@react-three/fiber';
import { createContext, useContext, useEffect, useMemo, useRef, type KeyboardEvent, type ReactNode } from 'react';
import * as THREE from 'three';
import { OrbitControls } from 'three/examples/jsm/controls/OrbitControls.js';
import { acceleratedRaycast, computeBoundsTree, disposeBoundsTree } from 'three-mesh-bvh';
import type { ImageVolume, Vec3 } from '../../../core/domain/imaging';
import { boundsOf, cutPlaneLps, type CameraPoseLps } from '../../compute/anatomy/planeGeometry';
import { renderSliceRgba, sliceCornersLps, sliceSize, SLICE_AXES, type SliceAxis } from '../../compute/anatomy/slices';
import { anatomyStore, useAnatomy, type ClipPlaneState, type CutPlaneState } from '../../twin/anatomy';
import { surfaceMapStore, useSurfaceMaps } from '../../compute/anatomy/surfaceCut';
import { MARGIN_BANDS, controlPointsLps, marginBand, tessellateSurface } from '../../../core/domain/resectionSurface';
import { cutPlanes, resectionSurfaceOf, setSurfaceUniforms, surfaceClipHooks, surfaceClipUniforms } from './cutClipping';
import { CrosshairMarker } from './CrosshairMarker';
import { Scene3DLegend, TerritoriesInScene } from './Territories3D';

// BVH ray casting for every mesh of the page (a no-op for meshes without a bounds tree).
THREE.Mesh.prototype.raycast = acceleratedRaycast;
THREE.BufferGeometry.prototype.computeBoundsTree = computeBoundsTree;
THREE.BufferGeometry.prototype.disposeBoundsTree = disposeBoundsTree;

declare global {
  interface Window {
    /** Render signal for end-to-end tests: frames drawn by the 3D anatomy canvas. */
    twinscopeAnatomy?: { frames: number };
  }
}

const SLICE_WINDOW = { widthHu: 400, centerHu: 40 };

/** The orbit controls, so a gizmo drag can switch orbiting off while it moves the cut plane. */
const ControlsContext = createContext<{ current: OrbitControls | null }>({ current: null });
const RESECTED_COLOUR = new THREE.Color('#f2e394');

function clipPlaneOf(c: ClipPlaneState, out: THREE.Plane): THREE.Plane {
  // three keeps points with n·p + constant ≥ 0; see ClipPlaneState for the kept side.
  const sign = c.flip ? 1 : -1;
  out.normal.set(c.axis === 0 ? sign : 0, c.axis === 1 ? sign : 0, c.axis === 2 ? sign : 0);
  out.constant = -sign * c.offsetMm;
  return out;
}

function StructureView(props: { label: number; clip: THREE.Plane[] }): ReactNode {
  const entry = useAnatomy((s) => s.structures.find((x) => x.label === props.label));
  const mesh = useAnatomy((s) => s.meshes.get(props.label));
  const cut = useAnatomy((s) => s.cutPlanes.find((c) => c.organLabel === props.label));
  const pickPoint = useAnatomy((s) => s.pickPoint);
  const geometry = useMemo(() => {
    const g = new THREE.BufferGeometry();
    if (mesh === undefined) return g;
    g.setAttribute('position', new THREE.BufferAttribute(mesh.mesh.positionsLps, 3));
    g.setIndex(new THREE.BufferAttribute(mesh.mesh.indices, 1));
    if (mesh.mesh.normalsLps) g.setAttribute('normal', new THREE.BufferAttribute(mesh.mesh.normalsLps, 3));
    else g.computeVertexNormals();
    g.computeBoundingSphere();
    g.computeBoundsTree();
    return g;
  }, [mesh]);
  useEffect(
    () => () => {
      geometry.disposeBoundsTree();
      geometry.dispose();
    },
    [geometry],
  );
  const centre = useMemo(() => (mesh ? boundsOf(mesh.mesh.positionsLps).centreLps : ([0, 0, 0] as Vec3)), [mesh]);
  const colour = useMemo(() => new THREE.Color().setRGB((entry?.colorRgb[0] ?? 200) / 255, (entry?.colorRgb[1] ?? 200) / 255, (entry?.colorRgb[2] ?? 200) / 255, THREE.SRGBColorSpace), [entry?.colorRgb]);
  const curved = cut?.surface !== undefined;
  const planes = useMemo(() => (cut && cut.surface === undefined ? cutPlanes(cut, cut.centreLps ?? centre) : null), [cut, centre]);
  const surfaceUniforms = useMemo(surfaceClipUniforms, []);
  const remnantHooks = useMemo(() => surfaceClipHooks(surfaceUniforms, 'remnant'), [surfaceUniforms]);
  const resectedHooks = useMemo(() => surfaceClipHooks(surfaceUniforms, 'resected'), [surfaceUniforms]);
  const invalidate = useThree((st) => st.invalidate);
  useEffect(() => {
    setSurfaceUniforms(surfaceUniforms, resectionSurfaceOf(cut, centre));
    invalidate();
  }, [cut, centre, surfaceUniforms, invalidate]);
  const remnantClip = useMemo(() => (planes ? [...props.clip, planes.remnant] : props.clip), [planes, props.clip]);
  const resectedClip = useMemo(() => (planes ? [...props.clip, planes.resected] : props.clip), [planes, props.clip]);
  if (entry === undefined || mesh === undefined) return null;
  const onClick = (e: ThreeEvent<MouseEvent>): void => {
    if (anatomyStore.getState().tool === 'orbit' || !e.object.visible) return;
    e.stopPropagation();
    pickPoint([e.point.x, e.point.y, e.point.z]);
  };
  const opaque = entry.opacity >= 0.999;
  return (
    <group visible={entry.visible} name={entry.name}>
      <mesh geometry={geometry} onClick={onClick} userData={{ label: entry.label }}>
        <meshStandardMaterial
          color={colour}
          roughness={0.55}
          metalness={0}
          transparent={!opaque}
          opacity={entry.opacity}
          depthWrite={opaque}
          side={THREE.DoubleSide}
          clippingPlanes={remnantClip}
          {...remnantHooks}
        />
      </mesh>
      <mesh geometry={geometry} visible={planes !== null || curved} onClick={onClick}>
        <meshStandardMaterial
          color={RESECTED_COLOUR}
          roughness={0.7}
          transparent
          opacity={0.35 * entry.opacity}
          depthWrite={false}
          side={THREE.DoubleSide}
          clippingPlanes={resectedClip}
          {...resectedHooks}
        />
      </mesh>
    </group>
  );
}

function CutPlaneView(props: { cut: CutPlaneState; selected: boolean }): ReactNode {
  const mesh = useAnatomy((s) => s.meshes.get(props.cut.organLabel));
  const b = useMemo(() => (mesh ? boundsOf(mesh.mesh.positionsLps) : null), [mesh]);
  const { position, quaternion, size } = useMemo(() => {
    if (b === null) return { position: new THREE.Vector3(), quaternion: new THREE.Quaternion(), size: 1 };
    const p = cutPlaneLps(props.cut, b.centreLps);
    const q = new THREE.Quaternion().setFromUnitVectors(new THREE.Vector3(0, 0, 1), new THREE.Vector3(...p.normalLps));
    return { position: new THREE.Vector3(...p.pointLps), quaternion: q, size: 2.2 * b.radiusMm };
  }, [b, props.cut]);
  const geometry = useMemo(() => new THREE.PlaneGeometry(size, size), [size]);
  // The frame: a faint fill alone disappears edge-on and hides everything face-on.
  const frame = useMemo(() => new THREE.EdgesGeometry(geometry), [geometry]);
  useEffect(
    () => () => {
      geometry.dispose();
      frame.dispose();
    },
    [geometry, frame],
  );
  const controls = useContext(ControlsContext);
  // Gizmo: drag the handle (a sphere at the plane's centre) to slide the plane along its normal.
  // The offset is where the pointer ray passes closest to the normal line through the handle.
  const drag = useRef<{ startOffsetMm: number; startT: number; pointerId: number } | null>(null);
  const scratch = useMemo(() => ({ w0: new THREE.Vector3(), n: new THREE.Vector3() }), []);
  const alongNormal = (ray: THREE.Ray): number | null => {
    const n = scratch.n.set(...cutPlaneLps(props.cut, b?.centreLps ?? [0, 0, 0]).normalLps);
    const w0 = scratch.w0.copy(ray.origin).sub(position);
    const a = ray.direction.dot(ray.direction);
    const bb = ray.direction.dot(n);
    const d = ray.direction.dot(w0);
    const e = n.dot(w0);
    const denom = a - bb * bb; // |n| = 1
    if (Math.abs(denom) < 1e-6) return null; // looking along the normal: no depth to drag in
    return (a * e - bb * d) / denom;
  };
  const handleR = Math.max(2, size * 0.025);
  if (b === null) return null;
  const colour = props.selected ? '#ffd400' : '#b8a040';
  return (
    <group position={position} quaternion={quaternion}>
      <mesh
        scale={handleR}
        renderOrder={10}
        onPointerDown={(e) => {
          if (anatomyStore.getState().tool !== 'orbit') return;
          const t = alongNormal(e.ray);
          if (t === null) return;
          e.stopPropagation();
          (e.target as Element).setPointerCapture(e.pointerId);
          drag.current = { startOffsetMm: props.cut.offsetMm, startT: t, pointerId: e.pointerId };
          if (controls.current) controls.current.enabled = false;
          anatomyStore.getState().selectCut(props.cut.id);
        }}
        onPointerMove={(e) => {
          const d = drag.current;
          if (d === null || e.pointerId !== d.pointerId) return;
          const t = alongNormal(e.ray);
          if (t === null) return;
          e.stopPropagation();
          const offsetMm = Math.round((d.startOffsetMm + t - d.startT) * 2) / 2;
          if (offsetMm !== props.cut.offsetMm) anatomyStore.getState().updateCutPlane(props.cut.id, { offsetMm });
        }}
        onPointerUp={(e) => {
          if (drag.current === null) return;
          (e.target as Element).releasePointerCapture(e.pointerId);
          drag.current = null;
          if (controls.current) controls.current.enabled = true;
        }}
      >
        <sphereGeometry args={[1, 16, 12]} />
        {/* Drawn over everything: the handle sits inside the organ it cuts. */}
        <meshBasicMaterial color={colour} depthTest={false} />
      </mesh>
      <mesh geometry={geometry} raycast={() => null} visible={props.cut.surface === undefined}>
        <meshBasicMaterial color={colour} transparent opacity={props.selected ? 0.1 : 0.05} depthWrite={false} side={THREE.DoubleSide} />
      </mesh>
      <lineSegments geometry={frame} raycast={() => null}>
        <lineBasicMaterial color={colour} />
      </lineSegments>
    </group>
  );
}

const NEUTRAL_SURFACE = new THREE.Color('#f2e394');
const BAND_COLOURS = MARGIN_BANDS.map((b) => new THREE.Color().setRGB(b.colorRgb[0] / 255, b.colorRgb[1] / 255, b.colorRgb[2] / 255, THREE.SRGBColorSpace));

/**
 * A cut's curved resection surface: the whole patch as a faint sheet (drawn at once from the cut
 * shown), the part inside the organ painted with the margin map once the worker's map is for
 * exactly this surface (never a stale colouring), and the 16 control points — drag one (Orbit tool)
 * to move it along the plane's normal, 0.5 mm steps.
 */
function ResectionSurfaceView(props: { cut: CutPlaneState; selected: boolean }): ReactNode {
  const { cut } = props;
  const mesh = useAnatomy((s) => s.meshes.get(cut.organLabel));
  const b = useMemo(() => (mesh ? boundsOf(mesh.mesh.positionsLps) : null), [mesh]);
  const surface = useMemo(() => (b ? resectionSurfaceOf(cut, b.centreLps) : null), [cut, b]);
  const answer = useSurfaceMaps((s) => s.byCut.get(cut.id));
  const selectedPoint = useSurfaceMaps((s) => s.selectedPoint.get(cut.id) ?? 5);
  const current = answer !== undefined && answer.for === cut ? answer.result : null;
  const sheet = useMemo(() => {
    const g = new THREE.BufferGeometry();
    if (surface === null) return g;
    const t = tessellateSurface(surface, 32);
    g.setAttribute('position', new THREE.BufferAttribute(t.positionsLps, 3));
    g.setIndex(new THREE.BufferAttribute(t.indices, 1));
    return g;
  }, [surface]);
  const painted = useMemo(() => {
    const g = new THREE.BufferGeometry();
    if (current === null) return g;
    const m = current.marginMm;
    const colours = new Float32Array(m.length * 3);
    for (let v = 0; v < m.length; v++) {
      const c = Number.isFinite(m[v]!) ? BAND_COLOURS[marginBand(m[v]!)]! : NEUTRAL_SURFACE;
      colours[3 * v] = c.r;
      colours[3 * v + 1] = c.g;
      colours[3 * v + 2] = c.b;
    }
    // Only triangles inside the organ (NaN margin = outside).
    const idx = current.indices;
    const keep: number[] = [];
    for (let t = 0; t < idx.length; t += 3) {
      if (!Number.isNaN(m[idx[t]!]!) && !Number.isNaN(m[idx[t + 1]!]!) && !Number.isNaN(m[idx[t + 2]!]!)) keep.push(idx[t]!, idx[t + 1]!, idx[t + 2]!);
    }
    g.setAttribute('position', new THREE.BufferAttribute(current.positionsLps, 3));
    g.setAttribute('color', new THREE.BufferAttribute(colours, 3));
    g.setIndex(keep);
    return g;
  }, [current]);
  useEffect(
    () => () => {
      sheet.dispose();
      painted.dispose();
    },
    [sheet, painted],
  );
  const points = useMemo(() => (surface ? controlPointsLps(surface) : null), [surface]);
  const controls = useContext(ControlsContext);
  const drag = useRef<{ q: number; startHeightMm: number; startT: number; pointerId: number; origin: THREE.Vector3 } | null>(null);
  const scratch = useMemo(() => ({ w0: new THREE.Vector3(), n: new THREE.Vector3() }), []);
  /** Where the pointer ray passes closest to the normal line through `origin` (mm along the normal). */
  const alongNormal = (ray: THREE.Ray, origin: THREE.Vector3): number | null => {
    if (surface === null) return null;
    const n = scratch.n.set(...surface.normalLps).normalize();
    const w0 = scratch.w0.copy(ray.origin).sub(origin);
    const a = ray.direction.dot(ray.direction);
    const bb = ray.direction.dot(n);
    const d = ray.direction.dot(w0);
    const e = n.dot(w0);
    const denom = a - bb * bb;
    if (Math.abs(denom) < 1e-6) return null;
    return (a * e - bb * d) / denom;
  };
  if (b === null || surface === null || points === null) return null;
  const r = Math.max(1.5, b.radiusMm * 0.035);
  return (
    <group>
      <mesh geometry={sheet} raycast={() => null}>
        <meshBasicMaterial color={NEUTRAL_SURFACE} transparent opacity={props.selected ? 0.14 : 0.07} depthWrite={false} side={THREE.DoubleSide} />
      </mesh>
      <mesh geometry={painted} raycast={() => null} renderOrder={5}>
        <meshBasicMaterial vertexColors side={THREE.DoubleSide} polygonOffset polygonOffsetFactor={-1} toneMapped={false} />
      </mesh>
      {props.selected &&
        Array.from({ length: 16 }, (_, q) => (
          <mesh
            key={q}
            position={[points[3 * q]!, points[3 * q + 1]!, points[3 * q + 2]!]}
            scale={q === selectedPoint ? r * 1.35 : r}
            renderOrder={q === selectedPoint ? 12 : 11}
            name={`control point ${q}`}
            onPointerDown={(e) => {
              if (anatomyStore.getState().tool !== 'orbit') return;
              const origin = new THREE.Vector3(points[3 * q]!, points[3 * q + 1]!, points[3 * q + 2]!);
              const t = alongNormal(e.ray, origin);
              if (t === null) return;
              e.stopPropagation();
              (e.target as Element).setPointerCapture(e.pointerId);
              drag.current = { q, startHeightMm: surface.heightsMm[q]!, startT: t, pointerId: e.pointerId, origin };
              if (controls.current) controls.current.enabled = false;
              surfaceMapStore.getState().selectPoint(cut.id, q);
            }}
            onPointerMove={(e) => {
              const d = drag.current;
              if (d === null || e.pointerId !== d.pointerId) return;
              const t = alongNormal(e.ray, d.origin);
              if (t === null) return;
              e.stopPropagation();
              const now = anatomyStore.getState().cutPlanes.find((c) => c.id === cut.id);
              if (now?.surface === undefined) return;
              const h = Math.round((d.startHeightMm + t - d.startT) * 2) / 2;
              if (h === now.surface.heightsMm[d.q]) return;
              anatomyStore.getState().updateCutPlane(cut.id, { surface: { ...now.surface, heightsMm: now.surface.heightsMm.map((x, i) => (i === d.q ? h : x)) } });
            }}
            onPointerUp={(e) => {
              if (drag.current === null) return;
              (e.target as Element).releasePointerCapture(e.pointerId);
              drag.current = null;
              if (controls.current) controls.current.enabled = true;
            }}
          >
            <sphereGeometry args={[1, 12, 8]} />
            {/* Transparent pass (drawn after the translucent organ and territories, by renderOrder), never depth-tested: always on top. */}
            <meshBasicMaterial color={q === selectedPoint ? '#ffffff' : '#ffd400'} depthTest={false} transparent toneMapped={false} />
          </mesh>
        ))}
    </group>
  );
}

function CtSliceView(props: { volume: ImageVolume; axis: SliceAxis; index: number; visible: boolean }): ReactNode {
  const { volume, axis, index } = props;
  const invalidate = useThree((s) => s.invalidate);
  const [w, h] = sliceSize(volume, axis);
  const { texture, pixels } = useMemo(() => {
    const data = new Uint8Array(w * h * 4);
    const t = new THREE.DataTexture(data, w, h, THREE.RGBAFormat);
    t.colorSpace = THREE.SRGBColorSpace;
    t.magFilter = THREE.LinearFilter;
    t.minFilter = THREE.LinearFilter;
    return { texture: t, pixels: new Uint8ClampedArray(data.buffer) };
  }, [w, h]);
  const geometry = useMemo(() => {
    const g = new THREE.BufferGeometry();
    g.setAttribute('position', new THREE.BufferAttribute(new Float32Array(12), 3));
    // Data row 0 (the picture's top) is texture v = 0.
    g.setAttribute('uv', new THREE.BufferAttribute(new Float32Array([0, 0, 1, 0, 0, 1, 1, 1]), 2));
    g.setIndex([0, 2, 1, 1, 2, 3]);
    return g;
  }, []);
  useEffect(
    () => () => {
      texture.dispose();
      geometry.dispose();
    },
    [texture, geometry],
  );
  useEffect(() => {
    if (!props.visible) return;
    const i = Math.min(Math.max(0, index), volume.dimensions[axis === 'axial' ? 2 : axis === 'coronal' ? 1 : 0] - 1);
    renderSliceRgba(volume, axis, i, SLICE_WINDOW, pixels);
    texture.needsUpdate = true;
    const pos = geometry.getAttribute('position') as THREE.BufferAttribute;
    sliceCornersLps(volume, axis, i).forEach((c, v) => pos.setXYZ(v, c[0], c[1], c[2]));
    pos.needsUpdate = true;
    geometry.computeBoundingSphere();
    invalidate();
  }, [volume, axis, index, props.visible, pixels, texture, geometry, invalidate]);
  return (
    <mesh geometry={geometry} visible={props.visible} raycast={() => null}>
      <meshBasicMaterial map={texture} side={THREE.DoubleSide} toneMapped={false} />
    </mesh>
  );
}

function Markers(props: { scaleMm: number }): ReactNode {
  const landmarks = useAnatomy((s) => s.landmarks);
  const measurements = useAnatomy((s) => s.measurements);
  const pending = useAnatomy((s) => s.pendingPointsLps);
  const sphere = useMemo(() => new THREE.SphereGeometry(1, 12, 8), []);
  useEffect(() => () => sphere.dispose(), [sphere]);
  const r = Math.max(0.8, props.scaleMm * 0.012);
  const lines = useMemo(() => {
    const pts: number[] = [];
    for (const m of measurements) {
      for (let i = 0; i + 1 < m.pointsLps.length; i++) pts.push(...m.pointsLps[i]!, ...m.pointsLps[i + 1]!);
    }
    const g = new THREE.BufferGeometry();
    g.setAttribute('position', new THREE.BufferAttribute(new Float32Array(pts), 3));
    return g;
  }, [measurements]);
  useEffect(() => () => lines.dispose(), [lines]);
  return (
    <group>
      {landmarks.map((l) => (
        <group key={l.id} position={l.pointLps}>
          <mesh geometry={sphere} scale={r} raycast={() => null}>
            <meshBasicMaterial color="#00e5ff" depthTest={false} />
          </mesh>
          <LabelSprite text={l.name} heightMm={r * 4} />
        </group>
      ))}
      {measurements.flatMap((m) =>
        m.pointsLps.map((p, i) => (
          <mesh key={`${m.id}-${i}`} geometry={sphere} scale={r * 0.8} position={p} raycast={() => null}>
            <meshBasicMaterial color="#ffffff" depthTest={false} />
          </mesh>
        )),
      )}
      {pending.map((p, i) => (
        <mesh key={`p-${i}`} geometry={sphere} scale={r} position={p} raycast={() => null}>
          <meshBasicMaterial color="#ff9f1c" depthTest={false} />
        </mesh>
      ))}
      <lineSegments geometry={lines} raycast={() => null}>
        <lineBasicMaterial color="#ffffff" depthTest={false} />
      </lineSegments>
    </group>
  );
}

function LabelSprite(props: { text: string; heightMm: number }): ReactNode {
  const texture = useMemo(() => {
    const c = document.createElement('canvas');
    c.width = 128;
    c.height = 48;
    const ctx = c.getContext('2d');
    if (ctx) {
      ctx.fillStyle = 'rgba(0,0,0,0.6)';
      ctx.fillRect(0, 0, 128, 48);
      ctx.fillStyle = '#00e5ff';
      ctx.font = '600 28px sans-serif';
      ctx.textBaseline = 'middle';
      ctx.fillText(props.text.slice(0, 8), 8, 24);
    }
    const t = new THREE.CanvasTexture(c);
    t.colorSpace = THREE.SRGBColorSpace;
    return t;
  }, [props.text]);
  useEffect(() => () => texture.dispose(), [texture]);
  return (
    <sprite position={[0, 0, props.heightMm * 1.2]} scale={[props.heightMm * 2.67, props.heightMm, 1]} raycast={() => null}>
      <spriteMaterial map={texture} depthTest={false} />
    </sprite>
  );
}

function poseOf(camera: THREE.Camera, target: THREE.Vector3): CameraPoseLps {
  return {
    positionLps: [camera.position.x, camera.position.y, camera.position.z],
    targetLps: [target.x, target.y, target.z],
    upLps: [camera.up.x, camera.up.y, camera.up.z],
  };
}

/** Orbit/pan/zoom (OrbitControls), camera requests from the store, a headlight, the render signal. */
function CameraRig(): ReactNode {
  const camera = useThree((s) => s.camera);
  const gl = useThree((s) => s.gl);
  const invalidate = useThree((s) => s.invalidate);
  const controls = useContext(ControlsContext);
  const light = useRef<THREE.DirectionalLight>(null);
  useEffect(() => {
    camera.up.set(0, 0, 1);
    const c = new OrbitControls(camera, gl.domElement);
    c.enableDamping = false;
    c.zoomToCursor = true;
    const onChange = (): void => invalidate();
    const onEnd = (): void => anatomyStore.getState().setCamera(poseOf(camera, c.target));
    c.addEventListener('change', onChange);
    c.addEventListener('end', onEnd);
    controls.current = c;
    const apply = (pose: CameraPoseLps): void => {
      camera.up.set(...pose.upLps);
      camera.position.set(...pose.positionLps);
      c.target.set(...pose.targetLps);
      camera.lookAt(c.target);
      c.update();
      invalidate();
    };
    const req = anatomyStore.getState().cameraRequest;
    if (req) apply(req.pose);
    const unsubscribe = anatomyStore.subscribe((s, prev) => {
      if (s.cameraRequest !== prev.cameraRequest && s.cameraRequest) apply(s.cameraRequest.pose);
    });
    return () => {
      unsubscribe();
      c.removeEventListener('change', onChange);
      c.removeEventListener('end', onEnd);
      c.dispose();
      controls.current = null;
    };
  }, [camera, gl, invalidate, controls]);
  useFrame(() => {
    // Headlight: light from the camera's direction (mutates in place; nothing allocated per frame).
    const c = controls.current;
    if (light.current && c) light.current.position.subVectors(camera.position, c.target);
    const signal = window.twinscopeAnatomy ?? (window.twinscopeAnatomy = { frames: 0 });
    signal.frames++;
  });
  return <directionalLight ref={light} intensity={2.2} />;
}

export function Scene3D(props: { volume: ImageVolume | null }): ReactNode {
  const labels = useAnatomy((s) => s.structures.map((x) => x.label).join(','));
  const clipStates = useAnatomy((s) => s.clipPlanes);
  const cuts = useAnatomy((s) => s.cutPlanes);
  const selectedCutId = useAnatomy((s) => s.selectedCutId);
  const showSlices = useAnatomy((s) => s.showSlices);
  const sliceIndex = useAnatomy((s) => s.sliceIndex);
  const tool = useAnatomy((s) => s.tool);
  const meshes = useAnatomy((s) => s.meshes);
  const scaleMm = useMemo(() => {
    let r = 50;
    for (const m of meshes.values()) if (m.mesh.positionsLps.length > 0) r = Math.max(r, boundsOf(m.mesh.positionsLps).radiusMm);
    return r;
  }, [meshes]);
  const clip = useMemo(() => clipStates.filter((c) => c.enabled).map((c) => clipPlaneOf(c, new THREE.Plane())), [clipStates]);
  const labelList = labels === '' ? [] : labels.split(',').map(Number);
  // Context does not cross into the r3f reconciler by itself; the provider sits inside <Canvas>.
  const controlsRef = useRef<OrbitControls | null>(null);
  const curvedSelected = cuts.some((c) => c.id === selectedCutId && c.surface !== undefined);
  return (
    <>
      <div
        className={`anatomy-canvas tool-${tool}`}
        role="img"
        aria-label="3D anatomy"
        tabIndex={0}
        onKeyDown={nudgeControlPoint}
        {...(curvedSelected ? { 'aria-keyshortcuts': 'ArrowUp ArrowDown Shift+ArrowUp Shift+ArrowDown ArrowLeft ArrowRight', 'aria-describedby': 'control-point-keys' } : {})}
      >
        <Canvas
          frameloop="demand"
          gl={{ preserveDrawingBuffer: true, antialias: true, localClippingEnabled: true }}
          camera={{ fov: 35, near: 1, far: 20000, position: [0, -800, 0], up: [0, 0, 1] }}
          raycaster={{ firstHitOnly: true }}
          onCreated={({ gl }) => {
            gl.localClippingEnabled = true;
            gl.setClearColor('#0b0f14');
          }}
        >
          <ControlsContext.Provider value={controlsRef}>
            <ambientLight intensity={0.55} />
            <hemisphereLight args={['#ffffff', '#404050', 0.5]} position={[0, 0, 1]} />
            <CameraRig />
            {labelList.map((l) => (
              <StructureView key={l} label={l} clip={clip} />
            ))}
            {cuts.map((c) => (
              <CutPlaneView key={c.id} cut={c} selected={c.id === selectedCutId} />
            ))}
            {cuts
              .filter((c) => c.surface !== undefined)
              .map((c) => (
                <ResectionSurfaceView key={`s-${c.id}`} cut={c} selected={c.id === selectedCutId} />
              ))}
            {props.volume && SLICE_AXES.map((a) => <CtSliceView key={a} volume={props.volume!} axis={a} index={sliceIndex[a]} visible={showSlices} />)}
            <Markers scaleMm={scaleMm} />
            <CrosshairMarker scaleMm={scaleMm} />
            <TerritoriesInScene clip={clip} />
          </ControlsContext.Provider>
        </Canvas>
      </div>
      <Scene3DLegend />
    </>
  );
}

/**
 * Keys on the focused 3D view when a curved cut is selected: ↑/↓ move the selected control point
 * 1 mm along the plane's normal (Shift: 5 mm; + towards the resected side), ←/→ select the
 * previous/next of the 16 points. The readouts follow through the store as for a drag.
 */
function nudgeControlPoint(e: KeyboardEvent<HTMLDivElement>): void {
  const s = anatomyStore.getState();
  const cut = s.cutPlanes.find((c) => c.id === s.selectedCutId);
  if (cut?.surface === undefined) return;
  const maps = surfaceMapStore.getState();
  const q = maps.selectedPoint.get(cut.id) ?? 5;
  if (e.key === 'ArrowLeft' || e.key === 'ArrowRight') {
    e.preventDefault();
    maps.selectPoint(cut.id, (q + (e.key === 'ArrowRight' ? 1 : 15)) % 16);
    return;
  }
  if (e.key !== 'ArrowUp' && e.key !== 'ArrowDown') return;
  e.preventDefault();
  const step = (e.shiftKey ? 5 : 1) * (e.key === 'ArrowUp' ? 1 : -1);
  const heightsMm = cut.surface.heightsMm.map((h, i) => (i === q ? Math.round((h + step) * 10) / 10 : h));
  s.updateCutPlane(cut.id, { surface: { ...cut.surface, heightsMm } });
}
