import { describe, expect, it } from 'vitest';
import { type Vec3 } from '../../core/domain/imaging';
import { extractSlab } from './marchingCubes';
import { CASE_EDGES, CASE_OFFSETS } from './marchingCubesTable';
import { edgeReport, signedVolumeMm3, surfaceAreaMm2 } from './meshMetrics';
import { paintBox } from './phantoms';
import { mergeSlabSurfaces, planSlabs, type SlabSurface } from '../../core/meshing/slabs';

function extract(labels: Uint8Array, dims: Vec3, label: number, slabs = 1): { positionsIjk: Float32Array; indices: Uint32Array; voxelCount: number } {
  const parts: SlabSurface[] = [];
  const plane = dims[0] * dims[1];
  for (const s of planSlabs(dims[2], slabs)) {
    const first = Math.max(s.layerStart, 0);
    const last = Math.min(s.layerEnd, dims[2] - 1);
    const [part] = extractSlab({
      labels: labels.slice(first * plane, (last + 1) * plane),
      dimensions: dims,
      sliceStart: first,
      layerStart: s.layerStart,
      layerEnd: s.layerEnd,
      wanted: [label],
    });
    parts.push(part!);
  }
  return mergeSlabSurfaces(parts);
}

function ballMask(n: number, rVox: number): Uint8Array {
  const m = new Uint8Array(n * n * n);
  const c = (n - 1) / 2;
  for (let k = 0; k < n; k++) for (let j = 0; j < n; j++) for (let i = 0; i < n; i++) if ((i - c) ** 2 + (j - c) ** 2 + (k - c) ** 2 <= rVox * rVox) m[(k * n + j) * n + i] = 1;
  return m;
}

describe('marching cubes case table', () => {
  it('has no triangles for empty and full cubes and one for a single corner', () => {
    expect(CASE_OFFSETS[1]! - CASE_OFFSETS[0]!).toBe(0);
    expect(CASE_OFFSETS[256]! - CASE_OFFSETS[255]!).toBe(0);
    expect(CASE_OFFSETS[2]! - CASE_OFFSETS[1]!).toBe(3);
    expect(CASE_EDGES.every((e) => e < 12)).toBe(true);
  });
});

describe('extractSlab', () => {
  it('meshes a single voxel as a closed octahedron of volume 1/6 voxel and outward orientation', () => {
    const dims: Vec3 = [3, 3, 3];
    const labels = new Uint8Array(27);
    labels[13] = 1;
    const m = extract(labels, dims, 1);
    expect(m.indices.length / 3).toBe(8);
    expect(m.positionsIjk.length / 3).toBe(6);
    // Octahedron with vertices at ±0.5 along each axis: volume = (4/3)·0.5³ = 1/6.
    expect(signedVolumeMm3(m.positionsIjk, m.indices)).toBeCloseTo(1 / 6, 10);
    const r = edgeReport(m.indices, 6);
    expect(r).toMatchObject({ watertight: true, consistentlyOriented: true });
  });

  it('gives a box exactly its voxel volume and area (faces at the half-voxel boundary)', () => {
    const dims: Vec3 = [12, 10, 9];
    const labels = new Uint8Array(12 * 10 * 9);
    paintBox(labels, dims, [2, 3, 1], [8, 6, 6], 4); // 7×4×6 voxels
    const m = extract(labels, dims, 4);
    // Faces lie on the voxel boundaries (half a voxel beyond the outer centres); the 0.5 iso level
    // chamfers the box: along each edge of L voxels a prism of cross-section ½·½·½ = 1/8 and length
    // L−1, and at each corner the cube [−½,0]³ loses all but the tetrahedron x+y+z ≥ −½ (1/8 − 1/48).
    const [a, b, c] = [7, 4, 6];
    const chamfered = a * b * c - (4 * (a - 1 + b - 1 + c - 1)) / 8 - 8 * (1 / 8 - 1 / 48);
    expect(m.voxelCount).toBe(a * b * c);
    expect(signedVolumeMm3(m.positionsIjk, m.indices)).toBeCloseTo(chamfered, 6);
    expect(edgeReport(m.indices, m.positionsIjk.length / 3).watertight).toBe(true);
  });

  it('meshes random masks watertight and consistently oriented, in one slab or several', () => {
    let seed = 12345;
    const rand = (): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x7fffffff;
    };
    const dims: Vec3 = [9, 8, 11];
    for (let trial = 0; trial < 20; trial++) {
      const labels = new Uint8Array(dims[0] * dims[1] * dims[2]);
      const p = 0.2 + 0.6 * rand();
      for (let v = 0; v < labels.length; v++) labels[v] = rand() < p ? 2 : rand() < 0.5 ? 1 : 0;
      const one = extract(labels, dims, 2, 1);
      const three = extract(labels, dims, 2, 3);
      const r1 = edgeReport(one.indices, one.positionsIjk.length / 3);
      const r3 = edgeReport(three.indices, three.positionsIjk.length / 3);
      expect(r1).toMatchObject({ watertight: true, consistentlyOriented: true });
      expect(r3).toMatchObject({ watertight: true, consistentlyOriented: true });
      expect(three.positionsIjk.length).toBe(one.positionsIjk.length);
      expect(three.indices.length).toBe(one.indices.length);
      expect(three.voxelCount).toBe(one.voxelCount);
      expect(signedVolumeMm3(three.positionsIjk, three.indices)).toBeCloseTo(signedVolumeMm3(one.positionsIjk, one.indices), 6);
      expect(signedVolumeMm3(one.positionsIjk, one.indices)).toBeGreaterThan(0);
    }
  });

  it('closes structures cut by the volume border', () => {
    const dims: Vec3 = [5, 5, 5];
    const labels = new Uint8Array(125).fill(1);
    const m = extract(labels, dims, 1, 2);
    expect(edgeReport(m.indices, m.positionsIjk.length / 3).watertight).toBe(true);
    expect(signedVolumeMm3(m.positionsIjk, m.indices)).toBeGreaterThan(100);
  });

  it('approximates a ball: volume within 2% of the voxel count, area within 10% of the analytic sphere (staircase facets: measured +9.0%)', () => {
    // Reference: a ball of radius r has V = 4/3·π·r³ and A = 4·π·r². Marching cubes at 0.5 on a
    // binary mask chamfers every staircase step, so its volume sits slightly below the voxel count
    // (≈ −1.5% at r = 16 voxels) and its area slightly above the sphere's (facets are tilted).
    const n = 40;
    const r = 16;
    const m = extract(ballMask(n, r), [n, n, n], 1, 2);
    const vol = signedVolumeMm3(m.positionsIjk, m.indices);
    expect(Math.abs(vol / m.voxelCount - 1)).toBeLessThan(0.02);
    expect(Math.abs(m.voxelCount / ((4 / 3) * Math.PI * r ** 3) - 1)).toBeLessThan(0.01);
    const area = surfaceAreaMm2(m.positionsIjk, m.indices);
    expect(Math.abs(area / (4 * Math.PI * r * r) - 1)).toBeLessThan(0.1);
  });

  it('rejects slab data that does not cover the layers', () => {
    expect(() =>
      extractSlab({ labels: new Uint8Array(8), dimensions: [2, 2, 4], sliceStart: 0, layerStart: -1, layerEnd: 4, wanted: [1] }),
    ).toThrow(/covers slices 0…1/);
  });
});

describe('extractSlab with inter-slice (shape-based) interpolation', () => {
  const inter = { spacingIjMm: [1, 1] as [number, number], capMm: 16 };

  it('puts the vertices between slices on the plane through the slice contours (a wedge with 4-voxel terraces)', () => {
    // Slice k holds i < 5 + 4k (every j): its contour is the line i = 4.5 + 4k. The binary surface
    // is a staircase (terraces 4 voxels wide at heights k + ½); the interpolated one lies on the
    // plane i = 4.5 + 4z through those contours. Rows within 4 voxels of the j border also see the
    // border as contour, so the exact check is on rows 5…14.
    const dims: Vec3 = [40, 20, 6];
    const labels = new Uint8Array(dims[0] * dims[1] * dims[2]);
    for (let k = 0; k < dims[2]; k++) for (let j = 0; j < dims[1]; j++) for (let i = 0; i < 5 + 4 * k; i++) labels[(k * dims[1] + j) * dims[0] + i] = 1;
    const [withInter] = extractSlab({ labels, dimensions: dims, sliceStart: 0, layerStart: -1, layerEnd: dims[2], wanted: [1], interSlice: inter });
    const [binary] = extractSlab({ labels, dimensions: dims, sliceStart: 0, layerStart: -1, layerEnd: dims[2], wanted: [1] });
    let checked = 0;
    const p = withInter!.positionsIjk;
    for (let v = 0; v < p.length / 3; v++) {
      const [x, y, z] = [p[3 * v]!, p[3 * v + 1]!, p[3 * v + 2]!];
      const onSliceEdge = Number.isInteger(x) && Number.isInteger(y) && !Number.isInteger(z);
      if (!onSliceEdge || y < 5 || y > 14 || z < 0 || z > dims[2] - 1) continue;
      expect(x).toBeCloseTo(4.5 + 4 * z, 5);
      checked++;
    }
    expect(checked).toBe(10 * 4 * (dims[2] - 1)); // 4 terrace voxels per row and slice pair
    // Same vertices and triangles as the binary surface, whose slice-to-slice vertices sit at the
    // midpoints: only those heights moved, each along its own edge.
    expect(withInter!.indices).toEqual(binary!.indices);
    const b = binary!.positionsIjk;
    for (let v = 0; v < b.length / 3; v++) {
      expect(p[3 * v]).toBe(b[3 * v]);
      expect(p[3 * v + 1]).toBe(b[3 * v + 1]);
      expect(Math.abs(p[3 * v + 2]! - b[3 * v + 2]!)).toBeLessThan(0.5);
    }
  });

  it('leaves one-voxel steps at the midpoint, and random masks watertight, oriented and identical in one slab or several', () => {
    let seed = 777;
    const rand = (): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x7fffffff;
    };
    const dims: Vec3 = [12, 9, 10];
    const plane = dims[0] * dims[1];
    const extractInter = (labels: Uint8Array, slabs: number): ReturnType<typeof mergeSlabSurfaces> =>
      mergeSlabSurfaces(
        planSlabs(dims[2], slabs).map((s) => {
          const first = Math.max(s.layerStart, 0);
          const last = Math.min(s.layerEnd, dims[2] - 1);
          return extractSlab({ labels: labels.slice(first * plane, (last + 1) * plane), dimensions: dims, sliceStart: first, layerStart: s.layerStart, layerEnd: s.layerEnd, wanted: [1], interSlice: inter })[0]!;
        }),
      );
    // A single voxel: every neighbour of another state is one pixel away, so t = ½ (the octahedron).
    // Its slices above and below are empty: a cap of one pixel, closed at the midpoint too.
    const single = new Uint8Array(dims[0] * dims[1] * dims[2]);
    single[(4 * dims[1] + 4) * dims[0] + 4] = 1;
    const octahedron = extractInter(single, 1);
    expect(signedVolumeMm3(octahedron.positionsIjk, octahedron.indices)).toBeCloseTo(1 / 6, 6);
    for (let trial = 0; trial < 20; trial++) {
      const labels = new Uint8Array(dims[0] * dims[1] * dims[2]);
      const p = 0.2 + 0.6 * rand();
      for (let v = 0; v < labels.length; v++) labels[v] = rand() < p ? 1 : 0;
      const one = extractInter(labels, 1);
      const three = extractInter(labels, 3);
      expect(edgeReport(one.indices, one.positionsIjk.length / 3)).toMatchObject({ watertight: true, consistentlyOriented: true });
      expect(three.positionsIjk).toEqual(one.positionsIjk);
      expect(three.indices).toEqual(one.indices);
    }
  });

  it('keeps a flat face where a structure is cut by the volume border (no cap outside the scan)', () => {
    const dims: Vec3 = [12, 12, 5];
    const labels = new Uint8Array(dims[0] * dims[1] * dims[2]);
    paintBox(labels, dims, [2, 2, 0], [9, 9, 4], 1); // fills every slice: cut at both ends
    const [m] = extractSlab({ labels, dimensions: dims, sliceStart: 0, layerStart: -1, layerEnd: dims[2], wanted: [1], interSlice: inter });
    const z = m!.positionsIjk.filter((_, c) => c % 3 === 2);
    expect(Math.min(...z)).toBe(-0.5);
    expect(Math.max(...z)).toBe(dims[2] - 0.5);
    const [binary] = extractSlab({ labels, dimensions: dims, sliceStart: 0, layerStart: -1, layerEnd: dims[2], wanted: [1] });
    expect(m!.positionsIjk).toEqual(binary!.positionsIjk); // a prism: every slice the same, nothing to interpolate
  });

  it('refuses a cap shorter than a pixel or a zero spacing, naming the setting', () => {
    const req = { labels: new Uint8Array(8), dimensions: [2, 2, 2] as Vec3, sliceStart: 0, layerStart: -1, layerEnd: 2, wanted: [1] };
    expect(() => extractSlab({ ...req, interSlice: { spacingIjMm: [0, 1], capMm: 4 } })).toThrow(/in-plane spacing/);
    expect(() => extractSlab({ ...req, interSlice: { spacingIjMm: [1, 1], capMm: 0.5 } })).toThrow(/distance cap/);
  });
});
