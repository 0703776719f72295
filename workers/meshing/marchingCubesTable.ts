// Marching-cubes case table, generated at load time instead of pasted from a peer.
//
// Why generate: the classic 256-case tables differ in how they resolve ambiguous faces, and a table
// that is not consistent across neighbouring cubes leaves cracks. Here every face is decided by one
// rule that only looks at that face's four corners ("inside corners are separated": each maximal run
// of inside corners around the face is cut off by its own segment), so the two cubes sharing a face
// always draw the same segments, in opposite directions. Chaining a cube's face segments gives closed
// loops; each loop is fan-triangulated. The result is watertight, edge-manifold and consistently
// oriented for any binary mask (tested on random masks in marchingCubes.test.ts).
//
// Cube corners: c = dx + 2·dy + 4·dz. Edges 0–3 run along x, 4–7 along y, 8–11 along z.

/** For each edge: [corner at the low end, axis (0=x,1=y,2=z)]. */
export const EDGE_LOW_CORNER = new Uint8Array([0, 2, 4, 6, 0, 1, 4, 5, 0, 1, 2, 3]);
export const EDGE_AXIS = new Uint8Array([0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2]);

const cornerXyz = (c: number): [number, number, number] => [c & 1, (c >> 1) & 1, (c >> 2) & 1];

function edgeBetween(a: number, b: number): number {
  for (let e = 0; e < 12; e++) {
    const lo = EDGE_LOW_CORNER[e]!;
    const hi = lo | (1 << EDGE_AXIS[e]!);
    if ((lo === a && hi === b) || (lo === b && hi === a)) return e;
  }
  throw new Error(`corners ${a} and ${b} share no cube edge`);
}

/** The six faces as corner cycles, counter-clockwise seen from outside the cube. */
function faceCycles(): number[][] {
  const faces: number[][] = [];
  for (let axis = 0; axis < 3; axis++) {
    for (let side = 0; side < 2; side++) {
      const corners = [0, 1, 2, 3, 4, 5, 6, 7].filter((c) => cornerXyz(c)[axis] === side);
      // Order the four corners around the face by angle about its centre.
      const u = (axis + 1) % 3;
      const v = (axis + 2) % 3;
      corners.sort(
        (a, b) =>
          Math.atan2(cornerXyz(a)[v]! - 0.5, cornerXyz(a)[u]! - 0.5) - Math.atan2(cornerXyz(b)[v]! - 0.5, cornerXyz(b)[u]! - 0.5),
      );
      // u×v = +axis, so ascending angle is counter-clockwise seen from +axis; reverse for the low side.
      faces.push(side === 1 ? corners : corners.reverse());
    }
  }
  return faces;
}

/** The two cube faces (axis·2 + side) an edge lies on. */
function edgeFaces(e: number): [number, number] {
  const axis = EDGE_AXIS[e]!;
  const lo = EDGE_LOW_CORNER[e]!;
  const f: number[] = [];
  for (let b = 0; b < 3; b++) if (b !== axis) f.push(b * 2 + ((lo >> b) & 1));
  return [f[0]!, f[1]!];
}

function shareFace(e1: number, e2: number): boolean {
  const a = edgeFaces(e1);
  const b = edgeFaces(e2);
  return a[0] === b[0] || a[0] === b[1] || a[1] === b[0] || a[1] === b[1];
}

/**
 * Triangulate a loop using no diagonal between two vertices on a common cube face: such a diagonal
 * lies in the face, and the neighbouring cube (across an ambiguous face) may draw the same one,
 * which would make an edge shared by four triangles. Dynamic programming over sub-polygons.
 */
function triangulateLoop(loop: number[]): Array<[number, number, number]> {
  const m = loop.length;
  const usable = (i: number, j: number): boolean => j - i === 1 || (i === 0 && j === m - 1) || !shareFace(loop[i]!, loop[j]!);
  const memo = new Map<number, Array<[number, number, number]> | null>();
  const solve = (i: number, j: number): Array<[number, number, number]> | null => {
    if (j - i < 2) return [];
    const key = i * 16 + j;
    if (memo.has(key)) return memo.get(key)!;
    let best: Array<[number, number, number]> | null = null;
    for (let k = i + 1; k < j && best === null; k++) {
      if (!usable(i, k) || !usable(k, j)) continue;
      const left = solve(i, k);
      const right = solve(k, j);
      if (left !== null && right !== null) best = [...left, [i, k, j], ...right];
    }
    memo.set(key, best);
    return best;
  };
  const tris = solve(0, m - 1);
  if (tris === null) throw new Error(`no crack-free triangulation for loop ${loop.join(',')}`);
  return tris;
}

function buildTable(): { offsets: Uint16Array; edges: Uint8Array } {
  const faces = faceCycles();
  const offsets = new Uint16Array(257);
  const edgeList: number[] = [];
  for (let mask = 0; mask < 256; mask++) {
    offsets[mask] = edgeList.length;
    const inside = (c: number): boolean => ((mask >> c) & 1) === 1;
    // next[e] = the crossing edge that follows e around the loop.
    const next = new Int8Array(12).fill(-1);
    for (const f of faces) {
      for (let p = 0; p < 4; p++) {
        const a = f[p]!;
        const b = f[(p + 1) % 4]!;
        if (!(inside(a) && !inside(b))) continue; // an exit: inside → outside
        // Walk back over the run of inside corners to the entry crossing that starts it.
        let q = p;
        while (inside(f[(q + 3) % 4]!)) q = (q + 3) % 4;
        const entry = edgeBetween(f[(q + 3) % 4]!, f[q]!);
        const exit = edgeBetween(a, b);
        next[exit] = entry;
      }
    }
    const seen = new Uint8Array(12);
    for (let start = 0; start < 12; start++) {
      if (next[start] === -1 || seen[start] === 1) continue;
      const loop: number[] = [];
      for (let e = start; seen[e] === 0; e = next[e]!) {
        seen[e] = 1;
        loop.push(e);
      }
      // Exit→entry segments run clockwise around the inside seen from outside the surface, so
      // triangles are emitted reversed to be counter-clockwise seen from outside.
      for (const [a, b, c] of triangulateLoop(loop)) edgeList.push(loop[a]!, loop[c]!, loop[b]!);
    }
  }
  offsets[256] = edgeList.length;
  return { offsets, edges: Uint8Array.from(edgeList) };
}

const table = buildTable();
/** Triangles of case m are CASE_EDGES[CASE_OFFSETS[m] … CASE_OFFSETS[m+1]), three edges each. */
export const CASE_OFFSETS = table.offsets;
export const CASE_EDGES = table.edges;
