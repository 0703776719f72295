import { describe, expect, it } from 'vitest';
import { edgeReport } from './meshMetrics';

// A tetrahedron on vertices 0…3, outward (counter-clockwise seen from outside).
const tet = [0, 2, 1, 0, 1, 3, 1, 2, 3, 0, 3, 2];

describe('edgeReport', () => {
  it('a closed, consistently oriented tetrahedron: 6 edges each used twice, once each way', () => {
    expect(edgeReport(Uint32Array.from(tet), 4)).toEqual({ watertight: true, consistentlyOriented: true, boundaryEdges: 0, nonManifoldEdges: 0 });
  });

  it('finds a flipped triangle (its 3 edges run the same way as their neighbours)', () => {
    const flipped = Uint32Array.from(tet);
    [flipped[0], flipped[1]] = [flipped[1]!, flipped[0]!];
    expect(edgeReport(flipped, 4)).toMatchObject({ watertight: true, consistentlyOriented: false });
  });

  it('counts the boundary of an open mesh and an edge shared by four triangles', () => {
    expect(edgeReport(Uint32Array.from(tet.slice(3)), 4)).toMatchObject({ watertight: false, boundaryEdges: 3, nonManifoldEdges: 0 });
    // Two tetrahedra sharing the edge 0–1 (second one on vertices 0, 1, 4, 5): that edge has 4 uses.
    const second = tet.map((v) => (v === 2 ? 4 : v === 3 ? 5 : v));
    expect(edgeReport(Uint32Array.from([...tet, ...second]), 6)).toMatchObject({ watertight: false, boundaryEdges: 0, nonManifoldEdges: 1 });
  });
});
