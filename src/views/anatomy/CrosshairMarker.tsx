// The slice viewer's crosshair point in the 3D scene: a small magenta sphere with three short axis
// ticks (L–R, A–P, S–I), drawn over the surfaces (no depth test) so it is seen inside an organ.
// Mounted once inside Scene3D's canvas; sized from the scene's scale.
import { useThree } from '@react-three/fiber';
import { useEffect, useMemo, type ReactNode } from 'react';
import * as THREE from 'three';
import { useCrosshair } from './crosshair';

const COLOUR = '#ff4fd8';

export function CrosshairMarker(props: { scaleMm: number }): ReactNode {
  const point = useCrosshair((s) => s.pointLps);
  const invalidate = useThree((s) => s.invalidate);
  const r = Math.max(1, props.scaleMm * 0.015);
  const ticks = useMemo(() => {
    const g = new THREE.BufferGeometry();
    const t = 4 * r;
    g.setAttribute('position', new THREE.BufferAttribute(new Float32Array([-t, 0, 0, t, 0, 0, 0, -t, 0, 0, t, 0, 0, 0, -t, 0, 0, t]), 3));
    return g;
  }, [r]);
  useEffect(() => () => ticks.dispose(), [ticks]);
  useEffect(() => invalidate(), [point, invalidate]);
  if (point === null) return null;
  return (
    <group position={point} name="Crosshair">
      <mesh scale={r} raycast={() => null} renderOrder={11}>
        <sphereGeometry args={[1, 12, 8]} />
        <meshBasicMaterial color={COLOUR} depthTest={false} />
      </mesh>
      <lineSegments geometry={ticks} raycast={() => null} renderOrder={11}>
        <lineBasicMaterial color={COLOUR} depthTest={false} />
      </lineSegments>
    </group>
  );
}
