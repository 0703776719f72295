import { describe, expect, it } from 'vitest';
import { type Vec3, type VolumeGeometry, ijkToLps } from '../../core/domain/imaging';
import { branchesAtGeneration, extractCentrelines, territoryBranches, type CentrelineTree } from './centrelines';
import { vascularTerritories } from './territories';

const grid = (dims: Vec3, spacing: Vec3, origin: Vec3): VolumeGeometry => ({ dimensions: dims, spacingMm: spacing, originLps: origin, directionLps: [1, 0, 0, 0, 1, 0, 0, 0, 1] });

interface Tube {
  p: Vec3;
  q: Vec3;
  radiusMm: number;
}

function distToSegment(x: Vec3, p: Vec3, q: Vec3): number {
  const d = [q[0] - p[0], q[1] - p[1], q[2] - p[2]];
  const w = [x[0] - p[0], x[1] - p[1], x[2] - p[2]];
  const t = Math.max(0, Math.min(1, (w[0]! * d[0]! + w[1]! * d[1]! + w[2]! * d[2]!) / (d[0]! ** 2 + d[1]! ** 2 + d[2]! ** 2)));
  return Math.hypot(w[0]! - t * d[0]!, w[1]! - t * d[1]!, w[2]! - t * d[2]!);
}

/** Voxelise capsules (voxel centre inside → 1); `bump` may add surface noise. */
function paint(g: VolumeGeometry, tubes: Tube[], bump?: (p: Vec3, excessMm: number) => boolean): Uint8Array {
  const [nI, nJ, nK] = g.dimensions;
  const m = new Uint8Array(nI * nJ * nK);
  const p: Vec3 = [0, 0, 0];
  for (let k = 0; k < nK; k++) {
    for (let j = 0; j < nJ; j++) {
      for (let i = 0; i < nI; i++) {
        ijkToLps(g, i, j, k, p);
        let excess = Infinity;
        for (const t of tubes) excess = Math.min(excess, distToSegment(p, t.p, t.q) - t.radiusMm);
        const inside = bump === undefined ? excess <= 0 : excess <= -1 || bump(p, excess);
        if (inside) m[i + nI * (j + nJ * k)] = 1;
      }
    }
  }
  return m;
}

function prng(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
}

/** Largest distance from the centreline points (away from the tips) to the nearest analytic axis. */
function maxAxisError(tree: CentrelineTree, tubes: Tube[], tipExclusionMm: number): number {
  let worst = 0;
  const tips = tubes.flatMap((t) => [t.p, t.q]).filter((e) => tubes.filter((u) => distToSegment(e, u.p, u.q) < 1e-9).length === 1);
  for (const s of tree.segments) {
    for (const x of s.pointsLps) {
      if (tips.some((e) => Math.hypot(x[0] - e[0], x[1] - e[1], x[2] - e[2]) < tipExclusionMm)) continue;
      worst = Math.max(worst, Math.min(...tubes.map((t) => distToSegment(x, t.p, t.q))));
    }
  }
  return worst;
}

/** Centreline ends within this of a tube's end are not compared (the path reaches the cap's surface). */
const TIP_MM = 3;

// A Y: a 5 mm trunk along +S to the bifurcation at the origin, then two 3.5 mm branches at ±45°.
const Y: Tube[] = [
  { p: [0, 0, -35], q: [0, 0, 0], radiusMm: 5 },
  { p: [0, 0, 0], q: [28, 0, 28], radiusMm: 3.5 },
  { p: [0, 0, 0], q: [-28, 0, 28], radiusMm: 3.5 },
];

function checkY(g: VolumeGeometry, mask: Uint8Array): CentrelineTree {
  const r = extractCentrelines(g, mask);
  expect(r.trees).toHaveLength(1);
  const tree = r.trees[0]!;
  // Trunk + two branches, rooted at the trunk's end (the thickest terminal segment).
  expect(tree.segments).toHaveLength(3);
  const trunk = tree.segments[0]!;
  expect(trunk.generation).toBe(0);
  expect(trunk.children).toHaveLength(2);
  expect(tree.segments.filter((s) => s.generation === 1)).toHaveLength(2);
  expect(trunk.meanRadiusMm).toBeGreaterThan(tree.segments[1]!.meanRadiusMm);
  expect(tree.rootLps[2]).toBeLessThan(-30);
  // Bifurcation within one voxel (its diagonal) of the axes' meeting point.
  const voxelDiag = Math.hypot(...g.spacingMm);
  expect(tree.bifurcationsLps).toHaveLength(1);
  const b = tree.bifurcationsLps[0]!;
  expect(Math.hypot(b[0], b[1], b[2])).toBeLessThanOrEqual(voxelDiag);
  // Every centreline point (except the caps, where the path runs to the farthest surface voxel) within one voxel of an axis.
  expect(maxAxisError(tree, Y, TIP_MM)).toBeLessThanOrEqual(voxelDiag);
  // The branches point to their own side.
  const ends = tree.segments.filter((s) => s.generation === 1).map((s) => s.pointsLps[s.pointsLps.length - 1]![0]);
  expect(Math.min(...ends)).toBeLessThan(-20);
  expect(Math.max(...ends)).toBeGreaterThan(20);
  return tree;
}

describe('vessel centrelines (TEASAR: distance ridge + minimal paths)', () => {
  it('a Y-shaped tube: trunk and two branches, bifurcation and axes within a voxel (1 mm isotropic)', () => {
    const g = grid([80, 16, 80], [1, 1, 1], [-39.5, -7.5, -40.5]);
    const tree = checkY(g, paint(g, Y));
    const lengths = tree.segments.map((s) => s.lengthMm);
    // Trunk 35 mm (+ up to the cap), branches 39.6 mm (+ cap): within the cap radius.
    expect(lengths[0]).toBeGreaterThan(30);
    expect(lengths[0]).toBeLessThan(42);
  });

  it('anisotropic spacing (0.7 × 0.9 × 2 mm): the same tree within a voxel', () => {
    const g = grid([116, 18, 42], [0.7, 0.9, 2], [-40.25, -7.65, -41]);
    checkY(g, paint(g, Y));
  });

  it.each([11, 12, 13, 14, 15])('a noisy tube (random surface bumps up to 2 voxels, random pits; seed %i): one segment, no spurs', (seed) => {
    const g = grid([24, 24, 90], [1, 1, 1], [-11.5, -11.5, -44.5]);
    const tube: Tube[] = [{ p: [0, 0, -38], q: [0, 0, 38], radiusMm: 4.5 }];
    const rnd = prng(seed);
    // Bumps outside the wall, pits in its outer voxel layer.
    const mask = paint(g, tube, (_p, excess) => (excess > 0 ? excess < 2 && rnd() < 0.25 / (1 + excess) : excess > -1 && rnd() > 0.15));
    const r = extractCentrelines(g, mask);
    expect(r.trees[0]!.segments).toHaveLength(1);
    expect(maxAxisError(r.trees[0]!, tube, TIP_MM)).toBeLessThanOrEqual(Math.sqrt(3));
  });

  it.each([5, 6, 7])('a Y with bumps on its surface (seed %i) still gives three segments', (seed) => {
    const g = grid([80, 16, 80], [1, 1, 1], [-39.5, -7.5, -40.5]);
    const rnd = prng(seed);
    checkY(g, paint(g, Y, (_p, excess) => excess <= 0 || (excess < 1.8 && rnd() < 0.3)));
  });

  it('a trifurcation (three branches from one point) is one branching point with three generation-1 branches', () => {
    const g = grid([80, 60, 70], [1, 1, 1], [-39.5, -29.5, -40.5]);
    const tubes: Tube[] = [
      { p: [0, 0, -38], q: [0, 0, 0], radiusMm: 5 },
      { p: [0, 0, 0], q: [26, 0, 22], radiusMm: 3 },
      { p: [0, 0, 0], q: [-13, 22, 22], radiusMm: 3 },
      { p: [0, 0, 0], q: [-13, -22, 22], radiusMm: 3 },
    ];
    const r = extractCentrelines(g, paint(g, tubes));
    const tree = r.trees[0]!;
    expect(tree.segments[0]!.children).toHaveLength(3);
    expect(tree.segments.filter((s) => s.generation === 1)).toHaveLength(3);
    expect(tree.bifurcationsLps).toHaveLength(1);
    expect(Math.hypot(...tree.bifurcationsLps[0]!)).toBeLessThanOrEqual(5);
    expect(branchesAtGeneration(r.trees, 1)).toHaveLength(3);
  });

  it('separate pieces give separate trees, largest first; tiny pieces are ignored and counted', () => {
    const g = grid([60, 16, 40], [1, 1, 1], [-29.5, -7.5, -19.5]);
    const mask = paint(g, [
      { p: [-20, 0, -15], q: [-20, 0, 15], radiusMm: 4 },
      { p: [15, 0, -10], q: [15, 0, 10], radiusMm: 3 },
    ]);
    mask[2 + 60 * (2 + 16 * 2)] = 1; // one stray voxel (1 mm³)
    const r = extractCentrelines(g, mask);
    expect(r.trees).toHaveLength(2);
    expect(r.trees[0]!.voxelCount).toBeGreaterThan(r.trees[1]!.voxelCount);
    expect(r.ignoredPieces).toBe(1);
    expect(() => extractCentrelines(g, new Uint8Array(mask.length))).toThrow(/empty/);
    expect(() => extractCentrelines(g, new Uint8Array(5))).toThrow(/5 voxels/);
  });

  it('first-generation branches of the Y split a liver block into its left and right territories', () => {
    const g = grid([80, 16, 80], [1, 1, 1], [-39.5, -7.5, -40.5]);
    const r = extractCentrelines(g, paint(g, Y));
    const choices = branchesAtGeneration(r.trees, 1);
    expect(choices).toHaveLength(2);
    const branches = territoryBranches(
      r.trees,
      choices.map((c) => ({ ...c, name: `b${c.id}` })),
    );
    // "Liver": the block z > 5 mm (above the bifurcation), symmetric about x = 0.
    const liver = new Uint8Array(80 * 16 * 80);
    for (let k = 0; k < 80; k++) for (let j = 0; j < 16; j++) for (let i = 0; i < 80; i++) if (k >= 46) liver[i + 80 * (j + 16 * k)] = 1;
    const t = vascularTerritories(g, liver, branches);
    const [a, b] = [...t.volumeMl.values()];
    // Each side gets half, within the ties on the mid-plane column x = 0.5 (one 1 mm column of 80).
    expect(Math.abs(a! - b!) / (a! + b!)).toBeLessThan(1 / 40);
  });
});
