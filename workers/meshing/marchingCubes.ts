// Marching cubes over a label volume, per label, one z-slab at a time.
//
// Speed: the label is first written into two small 0/1 planes covering its bounding box plus one
// voxel of zero padding, so the cube loop reads eight bytes with no bounds checks and skips the
// (vast majority of) cubes that are all inside or all outside. Vertices are created once per grid
// edge through per-plane caches and land at edge midpoints (iso level 0.5 on a binary mask), except
// on slice-to-slice edges when interpolating between slices (below).
//
// Slabs: a slab processes cube layers [layerStart, layerEnd); layer k spans voxel slices k and k+1
// (k = −1 and k = nK−1 close the surface against the volume border). Neighbouring slabs share the
// voxel slice at their seam; vertices on it are reported with grid keys so mergeSlabSurfaces can
// weld them into one watertight mesh.
//
// Between slices (req.interSlice): with thick slices (5 mm CT against 0.7 mm pixels) the binary
// surface is a terrace per slice, wide where the organ wall is shallow, and no mesh smoother with a
// one-ring stencil can flatten terraces tens of vertices wide: they stay as "concentric ripples".
// Shape-based interpolation (Raya & Udupa 1990, IEEE TMI 9:32; Herman, Zheng & Bucholtz 1992,
// IEEE CG&A 12(3):69) treats each slice's signed distance to its contour as a field that varies
// linearly between slices; its zero set between slices k and k+1 crosses the edge (i, j, k)–(i, j, k+1)
// at t = e_k / (e_k + e_k+1), e being each slice's in-plane distance from (i, j) to its contour.
// That places the vertex of every slice-to-slice edge on a ramp from one slice's contour to the
// next instead of at the midpoint (a step). Only those vertices move, along their own edge, so the
// sign pattern, the case table's topology, watertightness and the slab seams are unchanged; in-plane
// vertices stay at their midpoints. A one-voxel step gives t = ½ (the binary surface).
import { CASE_EDGES, CASE_OFFSETS, EDGE_AXIS, EDGE_LOW_CORNER } from './marchingCubesTable';
import { type InterSliceOptions, type SlabRequest, type SlabSurface } from '../../core/meshing/slabs';

/** Growable scratch buffers reused across calls, so the cube loop only allocates when it outgrows them. */
class Scratch {
  positions = new Float32Array(3 * 65536);
  indices = new Uint32Array(3 * 131072);
  keys = new Int32Array(8192);
  keyVerts = new Uint32Array(8192);
  planes = new Uint8Array(0);
  caches = new Int32Array(0);
  /** Per plane row: first and last set voxel (−1 when empty) and whether the set run is contiguous. */
  rowStats = new Int32Array(0);
  /** Inter-slice caps of the current layer (see closeCaps): vertex, plane pixel, distance to the rim (mm), direction. */
  capVertex = new Int32Array(1024);
  capPixel = new Int32Array(1024);
  capRimMm = new Float64Array(1024);
  capUp = new Uint8Array(1024);
  /** Per plane pixel: its index in the cap lists, or −1. */
  capAt = new Int32Array(0);
  capStack = new Int32Array(1024);

  growCaps(need: number): void {
    if (need <= this.capVertex.length) return;
    const n = need * 2;
    const v = new Int32Array(n);
    v.set(this.capVertex);
    this.capVertex = v;
    const p = new Int32Array(n);
    p.set(this.capPixel);
    this.capPixel = p;
    const r = new Float64Array(n);
    r.set(this.capRimMm);
    this.capRimMm = r;
    const u = new Uint8Array(n);
    u.set(this.capUp);
    this.capUp = u;
    this.capStack = new Int32Array(n);
  }

  growPositions(need: number): void {
    if (need <= this.positions.length) return;
    const next = new Float32Array(Math.max(need, this.positions.length * 2));
    next.set(this.positions);
    this.positions = next;
  }
  growIndices(need: number): void {
    if (need <= this.indices.length) return;
    const next = new Uint32Array(Math.max(need, this.indices.length * 2));
    next.set(this.indices);
    this.indices = next;
  }
  growKeys(need: number): void {
    if (need <= this.keys.length) return;
    const k = new Int32Array(need * 2);
    k.set(this.keys);
    this.keys = k;
    const v = new Uint32Array(need * 2);
    v.set(this.keyVerts);
    this.keyVerts = v;
  }
}
const scratch = new Scratch();

interface Box {
  count: number;
  iMin: number;
  iMax: number;
  jMin: number;
  jMax: number;
  kMin: number;
  kMax: number;
}

function validate(req: SlabRequest): void {
  const [nI, nJ, nK] = req.dimensions;
  if (!(nI > 0 && nJ > 0 && nK > 0)) throw new Error(`label volume dimensions must be positive, got ${nI}×${nJ}×${nK}`);
  if (req.layerStart < -1 || req.layerEnd > nK || req.layerStart >= req.layerEnd) {
    throw new Error(`slab layers [${req.layerStart}, ${req.layerEnd}) are outside [−1, ${nK})`);
  }
  if (req.interSlice !== undefined) {
    const { spacingIjMm: [sx, sy], capMm } = req.interSlice;
    if (!(sx > 0 && sy > 0)) throw new Error(`inter-slice interpolation needs positive in-plane spacing, got ${sx}×${sy} mm`);
    if (!(capMm >= Math.min(sx, sy))) throw new Error(`inter-slice distance cap must be at least one pixel (${Math.min(sx, sy)} mm), got ${capMm} mm`);
  }
  const firstSlice = Math.max(req.layerStart, 0);
  const lastSlice = Math.min(req.layerEnd, nK - 1);
  const slices = req.labels.length / (nI * nJ);
  if (!Number.isInteger(slices) || req.sliceStart > firstSlice || req.sliceStart + slices - 1 < lastSlice) {
    throw new Error(
      `slab label data covers slices ${req.sliceStart}…${req.sliceStart + slices - 1} but layers need ${firstSlice}…${lastSlice}`,
    );
  }
}

/** Per-label voxel count (owned slices) and bounding box (all slab slices) in one pass. */
function boxes(req: SlabRequest): Map<number, Box> {
  const [nI, nJ, nK] = req.dimensions;
  const plane = nI * nJ;
  let maxLabel = 0;
  for (const l of req.wanted) maxLabel = Math.max(maxLabel, l);
  const slot = new Int32Array(maxLabel + 1).fill(-1);
  const list: Box[] = req.wanted.map((_, s) => {
    slot[req.wanted[s]!] = s;
    return { count: 0, iMin: nI, iMax: -1, jMin: nJ, jMax: -1, kMin: nK, kMax: -1 };
  });
  const firstSlice = Math.max(req.layerStart, 0);
  const lastSlice = Math.min(req.layerEnd, nK - 1);
  // Slices this slab owns for counting: (layerStart, layerEnd], plus slice 0 for the first slab.
  const ownFrom = req.layerStart < 0 ? 0 : req.layerStart + 1;
  const labels = req.labels;
  // Most of a CT label map is background: read it four voxels at a time where the rows allow.
  const words =
    labels instanceof Uint8Array && labels.byteOffset % 4 === 0 && nI % 4 === 0
      ? new Uint32Array(labels.buffer, labels.byteOffset, labels.length >> 2)
      : null;
  for (let k = firstSlice; k <= lastSlice; k++) {
    const owned = k >= ownFrom;
    const base = (k - req.sliceStart) * plane;
    for (let j = 0; j < nJ; j++) {
      const row = base + j * nI;
      for (let i = 0; i < nI; i++) {
        if (words !== null && (i & 3) === 0 && words[(row + i) >> 2] === 0) {
          i += 3;
          continue;
        }
        const v = labels[row + i]!;
        if (v === 0) continue;
        // A run of one label: the box and count are updated once per run, not once per voxel.
        let end = i + 1;
        while (end < nI && labels[row + end] === v) end++;
        const s = v > maxLabel ? -1 : slot[v]!;
        if (s >= 0) {
          const b = list[s]!;
          if (owned) b.count += end - i;
          if (i < b.iMin) b.iMin = i;
          if (end - 1 > b.iMax) b.iMax = end - 1;
          if (j < b.jMin) b.jMin = j;
          if (j > b.jMax) b.jMax = j;
          if (k < b.kMin) b.kMin = k;
          if (k > b.kMax) b.kMax = k;
        }
        i = end - 1;
      }
    }
  }
  const out = new Map<number, Box>();
  req.wanted.forEach((l, s) => out.set(l, list[s]!));
  return out;
}

/** Extract the surfaces of the wanted labels inside one slab. */
export function extractSlab(req: SlabRequest): SlabSurface[] {
  validate(req);
  const result: SlabSurface[] = [];
  for (const [label, box] of boxes(req)) {
    result.push(extractLabel(req, label, box));
  }
  return result;
}

function extractLabel(req: SlabRequest, label: number, box: Box): SlabSurface {
  const empty: SlabSurface = {
    label,
    positionsIjk: new Float32Array(0),
    indices: new Uint32Array(0),
    voxelCount: box.count,
    bottomKeys: new Int32Array(0),
    bottomVertices: new Uint32Array(0),
    topKeys: new Int32Array(0),
    topVertices: new Uint32Array(0),
  };
  if (box.iMax < 0) return empty;
  const [nI, nJ, nK] = req.dimensions;
  const plane = nI * nJ;
  // Local grid: voxels iMin−1 … iMax+1 (the outer ring stays zero), cubes 0 … W−2.
  const W = box.iMax - box.iMin + 3;
  const H = box.jMax - box.jMin + 3;
  const P = W * H;
  const i0 = box.iMin - 1;
  const j0 = box.jMin - 1;
  const kFrom = Math.max(req.layerStart, box.kMin - 1);
  const kTo = Math.min(req.layerEnd, box.kMax + 1);

  const s = scratch;
  if (s.planes.length < 2 * P) s.planes = new Uint8Array(2 * P);
  if (s.caches.length < 5 * P) s.caches = new Int32Array(5 * P);
  let m0 = s.planes.subarray(0, P);
  let m1 = s.planes.subarray(P, 2 * P);
  let x0 = s.caches.subarray(0, P);
  let x1 = s.caches.subarray(P, 2 * P);
  let y0 = s.caches.subarray(2 * P, 3 * P);
  let y1 = s.caches.subarray(3 * P, 4 * P);
  const z = s.caches.subarray(4 * P, 5 * P);

  if (s.rowStats.length < 6 * H) s.rowStats = new Int32Array(6 * H);
  // rowStats layout per plane: [first(H) | last(H) | full(H)]; two planes swap like m0/m1.
  let r0 = s.rowStats.subarray(0, 3 * H);
  let r1 = s.rowStats.subarray(3 * H, 6 * H);

  const labels = req.labels;
  const inter = req.interSlice;
  let nCaps = 0;
  if (inter !== undefined && s.capAt.length < P) s.capAt = new Int32Array(P).fill(-1);
  const fillPlane = (m: Uint8Array, rs: Int32Array, k: number): void => {
    m.fill(0);
    rs.fill(-1, 0, 2 * H);
    rs.fill(1, 2 * H, 3 * H);
    if (k < 0 || k >= nK) return;
    const base = (k - req.sliceStart) * plane;
    for (let j = box.jMin; j <= box.jMax; j++) {
      const row = base + j * nI;
      const lj = j - j0;
      const dst = lj * W - i0;
      let first = -1;
      let last = -1;
      let count = 0;
      for (let i = box.iMin; i <= box.iMax; i++) {
        if (labels[row + i] === label) {
          m[dst + i] = 1;
          if (first < 0) first = i - i0;
          last = i - i0;
          count++;
        }
      }
      rs[lj] = first;
      rs[H + lj] = last;
      rs[2 * H + lj] = count === last - first + 1 ? 1 : 0;
    }
  };

  let nVerts = 0;
  let nIdx = 0;
  let nBottom = 0;
  let nTop = 0;
  const topKeysLocal: number[] = []; // seam vertices are few (one ring per seam); a plain array is fine
  const topVertsLocal: number[] = [];
  const keyStride = nI + 2;

  fillPlane(m0, r0, kFrom);
  x0.fill(-1);
  y0.fill(-1);
  for (let k = kFrom; k < kTo; k++) {
    fillPlane(m1, r1, k + 1);
    x1.fill(-1);
    y1.fill(-1);
    z.fill(-1);
    for (let lj = 0; lj < H - 1; lj++) {
      // Only cubes near the ends of the four rows' voxel runs can straddle the surface: cubes left
      // of every run or right of every run are empty, and when all four runs are contiguous the
      // cubes inside all of them are full. This keeps the work proportional to the surface.
      const fa = r0[lj]!, fb = r0[lj + 1]!, fc = r1[lj]!, fd = r1[lj + 1]!;
      let lo = W;
      let hi = -1;
      if (fa >= 0) { lo = Math.min(lo, fa); hi = Math.max(hi, r0[H + lj]!); }
      if (fb >= 0) { lo = Math.min(lo, fb); hi = Math.max(hi, r0[H + lj + 1]!); }
      if (fc >= 0) { lo = Math.min(lo, fc); hi = Math.max(hi, r1[H + lj]!); }
      if (fd >= 0) { lo = Math.min(lo, fd); hi = Math.max(hi, r1[H + lj + 1]!); }
      if (hi < 0) continue;
      lo -= 1; // the cube whose right corners hold the first voxel
      let skipFrom = W;
      let skipTo = -1;
      if (fa >= 0 && fb >= 0 && fc >= 0 && fd >= 0 && r0[2 * H + lj] === 1 && r0[2 * H + lj + 1] === 1 && r1[2 * H + lj] === 1 && r1[2 * H + lj + 1] === 1) {
        skipFrom = Math.max(fa, fb, fc, fd);
        skipTo = Math.min(r0[H + lj]!, r0[H + lj + 1]!, r1[H + lj]!, r1[H + lj + 1]!) - 1;
      }
      const rowIdx = lj * W;
      for (let li = lo; li <= hi; li++) {
        if (li === skipFrom && skipTo >= skipFrom) {
          li = skipTo;
          continue;
        }
        const p = rowIdx + li;
        const c =
          m0[p]! |
          (m0[p + 1]! << 1) |
          (m0[p + W]! << 2) |
          (m0[p + W + 1]! << 3) |
          (m1[p]! << 4) |
          (m1[p + 1]! << 5) |
          (m1[p + W]! << 6) |
          (m1[p + W + 1]! << 7);
        if (c === 0 || c === 255) continue;
        const eEnd = CASE_OFFSETS[c + 1]!;
        s.growIndices(nIdx + (eEnd - CASE_OFFSETS[c]!));
        for (let t = CASE_OFFSETS[c]!; t < eEnd; t++) {
          const e = CASE_EDGES[t]!;
          const lo = EDGE_LOW_CORNER[e]!;
          const axis = EDGE_AXIS[e]!;
          const dx = lo & 1;
          const dy = (lo >> 1) & 1;
          const dz = lo >> 2;
          const q = p + dy * W + dx;
          const cache = axis === 0 ? (dz === 0 ? x0 : x1) : axis === 1 ? (dz === 0 ? y0 : y1) : z;
          let v = cache[q]!;
          if (v < 0) {
            v = nVerts++;
            cache[q] = v;
            s.growPositions(3 * nVerts);
            const gi = i0 + li + dx;
            const gj = j0 + lj + dy;
            const gk = k + dz;
            s.positions[3 * v] = gi + (axis === 0 ? 0.5 : 0);
            s.positions[3 * v + 1] = gj + (axis === 1 ? 0.5 : 0);
            // Layers −1 and nK−1 close the surface against the volume border: a structure cut by the
            // field of view keeps a flat face there (midpoints), no cap invented outside the scan.
            if (axis === 2 && inter !== undefined && k >= 0 && k + 1 < nK) {
              const t = sliceCrossing(m0, r0, m1, r1, W, H, li + dx, lj + dy, inter);
              if (t >= 0) {
                s.positions[3 * v + 2] = gk + t;
              } else {
                // A cap (no contour within reach in one of the slices): placed by closeCaps below.
                s.growCaps(nCaps + 1);
                s.capVertex[nCaps] = v;
                s.capPixel[nCaps] = q;
                s.capRimMm[nCaps] = capRimMm;
                s.capUp[nCaps] = capUp;
                s.capAt[q] = nCaps;
                nCaps++;
              }
            } else {
              s.positions[3 * v + 2] = gk + (axis === 2 ? 0.5 : 0);
            }
            if (axis !== 2) {
              const key = ((gj + 1) * keyStride + (gi + 1)) * 2 + axis;
              if (gk === req.layerStart) {
                s.growKeys(nBottom + 1);
                s.keys[nBottom] = key;
                s.keyVerts[nBottom] = v;
                nBottom++;
              } else if (gk === req.layerEnd) {
                topKeysLocal.push(key);
                topVertsLocal.push(v);
                nTop++;
              }
            }
          }
          s.indices[nIdx++] = v;
        }
      }
    }
    if (nCaps > 0) {
      closeCaps(nCaps, k, W);
      nCaps = 0;
    }
    // Slice k+1 becomes the bottom of the next layer: swap planes and caches instead of copying.
    [m0, m1] = [m1, m0];
    [r0, r1] = [r1, r0];
    [x0, x1] = [x1, x0];
    [y0, y1] = [y1, y0];
  }
  return {
    label,
    positionsIjk: s.positions.slice(0, 3 * nVerts),
    indices: s.indices.slice(0, nIdx),
    voxelCount: box.count,
    bottomKeys: s.keys.slice(0, nBottom),
    bottomVertices: s.keyVerts.slice(0, nBottom),
    topKeys: Int32Array.from(topKeysLocal.slice(0, nTop)),
    topVertices: Uint32Array.from(topVertsLocal.slice(0, nTop)),
  };
}

/**
 * Where the surface crosses the slice-to-slice edge at local pixel (lx, ly) between plane a (slice k)
 * and plane b (slice k+1), as a fraction of the edge from slice k: the zero of the linear
 * interpolation of the two slices' signed distances to their contours (file comment). Each
 * distance is to the nearest pixel of the other state, less half a pixel (the contour lies half
 * way between a pixel and its neighbour), so a one-pixel step gives ½.
 */
function sliceCrossing(a: Uint8Array, ra: Int32Array, b: Uint8Array, rb: Int32Array, W: number, H: number, lx: number, ly: number, o: InterSliceOptions): number {
  const inA = a[ly * W + lx]!;
  const half = 0.5 * Math.min(o.spacingIjMm[0], o.spacingIjMm[1]);
  const da = planeDistanceMm(a, ra, W, H, lx, ly, 1 - inA, o);
  const db = planeDistanceMm(b, rb, W, H, lx, ly, inA, o);
  if (da < o.capMm && db < o.capMm) return (da - half) / (da + db - 2 * half);
  // No contour within reach in one slice: the end of a structure (its first or last slice) or an
  // island seen on one slice. There is nothing to interpolate towards; closeCaps closes it.
  capUp = da <= db ? 1 : 0;
  capRimMm = (capUp === 1 ? da : db) - half;
  return -1;
}

/** sliceCrossing's second answer for a cap: the side the cap closes from (1: from slice k upwards) and the distance to its rim. */
let capUp = 0;
let capRimMm = 0;

/**
 * Close the caps of layer k: where one slice has no contour within reach, the structure ends between
 * the two slices. Each 4-connected cap region (same direction) is closed by a paraboloid over its
 * rim, t = t_c·(1 − (1 − e/r)²) for a vertex e mm inside the rim (r the deepest), rising from the
 * slice that holds the region: 0 at the rim (where that slice's contour is), highest in the middle.
 * t_c makes the region's mean height half a slice (at most one slice at the top), so the end keeps
 * the volume of the voxel convention, which Cavalieri's principle makes unbiased over slice
 * positions; a one-voxel island keeps t = ½ (its midpoint). A dome of fixed height (t_c = ½) fitted
 * large flat poles better but lost 3–28% of small spheres' volume (r = 20…5 mm, 5 mm slices).
 */
function closeCaps(n: number, k: number, W: number): void {
  const s = scratch;
  const visited = s.capStack; // reused: entries are consumed as the stack is walked
  let start = 0;
  for (let c = 0; c < n; c++) {
    if (s.capAt[s.capPixel[c]!]! < 0) continue; // already in a region
    // Flood fill over 4-neighbours in the cap lists with the same direction; members are stacked.
    const up = s.capUp[c]!;
    let top = start;
    visited[top++] = c;
    s.capAt[s.capPixel[c]!] = -1;
    let r = 0;
    for (let w = start; w < top; w++) {
      const m = visited[w]!;
      if (s.capRimMm[m]! > r) r = s.capRimMm[m]!;
      const q = s.capPixel[m]!;
      // Cap pixels are never on the plane's zero ring, so the four neighbours are inside it.
      for (let side = 0; side < 4; side++) {
        const nq = side === 0 ? q - 1 : side === 1 ? q + 1 : side === 2 ? q - W : q + W;
        const o = s.capAt[nq]!;
        if (o >= 0 && s.capUp[o] === up) {
          s.capAt[nq] = -1;
          visited[top++] = o;
        }
      }
    }
    let sum = 0;
    for (let w = start; w < top; w++) {
      const x = 1 - s.capRimMm[visited[w]!]! / r;
      sum += 1 - x * x;
    }
    const tc = Math.min(1, (0.5 * (top - start)) / sum);
    for (let w = start; w < top; w++) {
      const m = visited[w]!;
      const x = 1 - s.capRimMm[m]! / r;
      const t = tc * (1 - x * x);
      s.positions[3 * s.capVertex[m]! + 2] = up === 1 ? k + t : k + 1 - t;
    }
    start = top;
  }
}

/**
 * Euclidean distance (mm) in a bounding-box plane from pixel (lx, ly) to the nearest pixel whose
 * value is `want`, or o.capMm when there is none that close. Rows are searched outward from ly and
 * stop once the row offset alone exceeds the best distance; a row's own distance comes from its run
 * extents when its set pixels are contiguous, else from a scan bounded the same way. Pixels outside
 * the plane are 0 (the plane has a ring of zero padding), so `want = 0` always finds one.
 */
function planeDistanceMm(m: Uint8Array, rs: Int32Array, W: number, H: number, lx: number, ly: number, want: number, o: InterSliceOptions): number {
  const [sx, sy] = o.spacingIjMm;
  let best2 = o.capMm * o.capMm;
  for (let dy = 0; dy < H; dy++) {
    const oy2 = dy * sy * dy * sy;
    if (oy2 >= best2) break;
    for (let side = dy === 0 ? 1 : -1; side <= 1; side += 2) {
      const y = ly + side * dy;
      if (y < 0 || y >= H) continue;
      const first = rs[y]!;
      const last = rs[H + y]!;
      let gx: number; // pixels along the row to the nearest wanted pixel, −1 for none
      if (first < 0 || lx < first || lx > last) {
        // lx is outside the row's set pixels: it is 0 itself, and the nearest set pixel is an extent.
        gx = want === 0 ? 0 : first < 0 ? -1 : lx < first ? first - lx : lx - last;
      } else if (rs[2 * H + y] === 1) {
        gx = want === 1 ? 0 : Math.min(lx - first + 1, last + 1 - lx);
      } else {
        gx = m[y * W + lx] === want ? 0 : scanRow(m, y * W, W, lx, want, Math.min(lx - first + 1, last + 1 - lx));
      }
      if (gx < 0) continue;
      const d2 = gx * sx * gx * sx + oy2;
      if (d2 < best2) best2 = d2;
    }
  }
  return Math.sqrt(best2);
}

/** Nearest pixel of value `want` along one row within `limit` pixels of lx (limit itself if none closer). */
function scanRow(m: Uint8Array, row: number, W: number, lx: number, want: number, limit: number): number {
  for (let d = 1; d < limit; d++) {
    if (lx - d >= 0 && m[row + lx - d] === want) return d;
    if (lx + d < W && m[row + lx + d] === want) return d;
  }
  return limit;
}
