import { describe, expect, it } from 'vitest';
import { ijkToLps, type VolumeGeometry } from './imaging';
import { meshOfLabel, triangleLabelsFromVoxels, type TriangleMesh } from './mesh';

/** A UV sphere (counter-clockwise from outside), LPS mm. */
function sphere(centre: [number, number, number], r: number, rings = 24, segments = 48): TriangleMesh {
  const pos: number[] = [];
  for (let a = 0; a <= rings; a++) {
    const th = (Math.PI * a) / rings;
    for (let b = 0; b < segments; b++) {
      const ph = (2 * Math.PI * b) / segments;
      pos.push(centre[0] + r * Math.sin(th) * Math.cos(ph), centre[1] + r * Math.sin(th) * Math.sin(ph), centre[2] + r * Math.cos(th));
    }
  }
  const idx: number[] = [];
  for (let a = 0; a < rings; a++) {
    for (let b = 0; b < segments; b++) {
      const p = a * segments + b, q = a * segments + ((b + 1) % segments);
      idx.push(p, p + segments, q, q, p + segments, q + segments);
    }
  }
  return { positionsLps: new Float32Array(pos), indices: new Uint32Array(idx) };
}

function area(m: TriangleMesh): number {
  const p = m.positionsLps;
  let s = 0;
  for (let t = 0; t < m.indices.length; t += 3) {
    const a = 3 * m.indices[t]!, b = 3 * m.indices[t + 1]!, c = 3 * m.indices[t + 2]!;
    const ux = p[b]! - p[a]!, uy = p[b + 1]! - p[a + 1]!, uz = p[b + 2]! - p[a + 2]!;
    const vx = p[c]! - p[a]!, vy = p[c + 1]! - p[a + 1]!, vz = p[c + 2]! - p[a + 2]!;
    s += 0.5 * Math.hypot(uy * vz - uz * vy, uz * vx - ux * vz, ux * vy - uy * vx);
  }
  return s;
}

// An anisotropic, rotated grid (axes: i along +y, j along −x, k along +z) with a labelled ball:
// label 1 where x < 3 mm, 2 elsewhere; 0 outside radius 20 mm around (3, −4, 10).
const grid: VolumeGeometry = { dimensions: [44, 56, 28], spacingMm: [1.1, 0.9, 1.7], originLps: [27, -28, -14], directionLps: [0, 1, 0, -1, 0, 0, 0, 0, 1] };
const centre: [number, number, number] = [3, -4, 10];
function labelled(): Uint16Array {
  const [nI, nJ, nK] = grid.dimensions;
  const out = new Uint16Array(nI * nJ * nK);
  const p: [number, number, number] = [0, 0, 0];
  for (let k = 0; k < nK; k++) {
    for (let j = 0; j < nJ; j++) {
      for (let i = 0; i < nI; i++) {
        ijkToLps(grid, i, j, k, p);
        if (Math.hypot(p[0] - centre[0], p[1] - centre[1], p[2] - centre[2]) > 20) continue;
        out[i + nI * (j + nJ * k)] = p[0] < 3 ? 1 : 2;
      }
    }
  }
  return out;
}

describe('triangleLabelsFromVoxels / meshOfLabel', () => {
  const labels = labelled();
  it('gives a surface on the boundary of a labelled ball the label of the region under each triangle', () => {
    // The surface runs 0.6 mm outside the labelled voxels' centres (as a smoothed marching-cubes surface does).
    const mesh = sphere(centre, 20.6);
    const t = triangleLabelsFromVoxels(mesh, grid, labels);
    let wrong = 0;
    const p = mesh.positionsLps;
    for (let q = 0; q < t.length; q++) {
      expect(t[q]).not.toBe(0);
      const x = (p[3 * mesh.indices[3 * q]!]! + p[3 * mesh.indices[3 * q + 1]!]! + p[3 * mesh.indices[3 * q + 2]!]!) / 3;
      // Away from the dividing plane (more than a voxel diagonal, 2.3 mm), the label is exact.
      if (Math.abs(x - 3) > 2.3 && t[q] !== (x < 3 ? 1 : 2)) wrong++;
    }
    expect(wrong).toBe(0);
    // The two parts tile the surface; each is the sphere's area on its side of x = 3 (a zone of
    // height 20.6 ± 0 = a hemisphere here: 2πr²), within the triangles straddling the plane (3 %).
    const one = meshOfLabel(mesh, t, 1);
    const two = meshOfLabel(mesh, t, 2);
    expect(one.indices.length + two.indices.length).toBe(mesh.indices.length);
    const half = 2 * Math.PI * 20.6 * 20.6;
    expect(Math.abs(area(one) - half) / half).toBeLessThan(0.03);
    expect(Math.abs(area(two) - half) / half).toBeLessThan(0.03);
    expect(Math.abs(area(one) + area(two) - area(mesh))).toBeLessThan(1e-6 * area(mesh));
  });

  it('compacts vertices, keeps the triangles and carries normals', () => {
    const mesh: TriangleMesh = {
      positionsLps: new Float32Array([0, 0, 0, 1, 0, 0, 0, 1, 0, 5, 5, 5, 6, 5, 5]),
      indices: new Uint32Array([0, 1, 2, 3, 4, 2]),
      normalsLps: new Float32Array([0, 0, 1, 0, 0, 1, 0, 0, 1, 1, 0, 0, 0, 1, 0]),
    };
    const sub = meshOfLabel(mesh, new Uint16Array([7, 3]), 3);
    expect(Array.from(sub.indices)).toEqual([0, 1, 2]);
    expect(Array.from(sub.positionsLps)).toEqual([5, 5, 5, 6, 5, 5, 0, 1, 0]);
    expect(Array.from(sub.normalsLps!)).toEqual([1, 0, 0, 0, 1, 0, 0, 0, 1]);
    expect(meshOfLabel(mesh, new Uint16Array([7, 3]), 9).indices.length).toBe(0);
  });

  it('leaves a triangle far from every labelled voxel at 0 and refuses a label array of the wrong size', () => {
    const far = sphere(centre, 30, 4, 8);
    expect(Array.from(triangleLabelsFromVoxels(far, grid, labels)).every((l) => l === 0)).toBe(true);
    expect(() => triangleLabelsFromVoxels(far, grid, new Uint16Array(10))).toThrow(/10 labels for a 44×56×28 grid/);
    expect(() => meshOfLabel(far, new Uint16Array(3), 1)).toThrow(/3 triangle labels/);
  });
});
