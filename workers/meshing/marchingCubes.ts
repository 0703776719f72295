// Marching cubes over a label volume, per label, one z-slab at a time.
//
// Speed: the label is first written into two small 0/1 planes covering its bounding box plus one
// voxel of zero padding, so the cube loop reads eight bytes with no bounds checks and skips the
// (vast majority of) cubes that are all inside or all outside. Vertices are created once per grid
// edge through per-plane caches and land at edge midpoints (iso level 0.5 on a binary mask), so
// positions are exact multiples of half a voxel and need no interpolation.
//
// Slabs: a slab processes cube layers [layerStart, layerEnd); layer k spans voxel slices k and k+1
// (k = −1 and k = nK−1 close the surface against the volume border). Neighbouring slabs share the
// voxel slice at their seam; vertices on it are reported with grid keys so mergeSlabSurfaces can
// weld them into one watertight mesh.
import { type Vec3 } from '../../core/domain/imaging';
import { CASE_EDGES, CASE_OFFSETS, EDGE_AXIS, EDGE_LOW_CORNER } from './marchingCubesTable';

export interface SlabRequest {
  /** Voxel slices [sliceStart, sliceStart + slices) of the volume's label array (index i + j·nI + k'·nI·nJ). */
  labels: Uint8Array | Uint16Array;
  /** Full volume dimensions (nI, nJ, nK). */
  dimensions: Vec3;
  sliceStart: number;
  /** Cube layers to process, −1 ≤ layerStart < layerEnd ≤ nK (see file comment). */
  layerStart: number;
  layerEnd: number;
  /** Label values to extract. */
  wanted: number[];
}

/** The surface of one label inside one slab, in voxel index coordinates (ijk, not yet LPS). */
export interface SlabSurface {
  label: number;
  positionsIjk: Float32Array;
  indices: Uint32Array;
  /** Voxels of this label in the slices the slab owns (slabs partition the slices, so these add up). */
  voxelCount: number;
  /** Grid keys and vertex ids of the vertices on the seam slices layerStart (bottom) and layerEnd (top). */
  bottomKeys: Int32Array;
  bottomVertices: Uint32Array;
  topKeys: Int32Array;
  topVertices: Uint32Array;
}

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
        if (v === 0 || v > maxLabel) continue;
        const s = slot[v]!;
        if (s < 0) continue;
        const b = list[s]!;
        if (owned) b.count++;
        if (i < b.iMin) b.iMin = i;
        if (i > b.iMax) b.iMax = i;
        if (j < b.jMin) b.jMin = j;
        if (j > b.jMax) b.jMax = j;
        if (k < b.kMin) b.kMin = k;
        if (k > b.kMax) b.kMax = k;
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
            s.positions[3 * v + 2] = gk + (axis === 2 ? 0.5 : 0);
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
 * Weld the slab surfaces of one label (given in slab order, bottom to top) into one mesh in ijk.
 * Seam vertices of slab s+1's bottom are replaced by slab s's top vertices with the same grid key.
 */
export function mergeSlabSurfaces(parts: SlabSurface[]): { positionsIjk: Float32Array; indices: Uint32Array; voxelCount: number } {
  let totalVerts = 0;
  let totalIdx = 0;
  let voxelCount = 0;
  for (const p of parts) {
    totalVerts += p.positionsIjk.length / 3;
    totalIdx += p.indices.length;
    voxelCount += p.voxelCount;
  }
  const positions = new Float32Array(3 * totalVerts);
  const indices = new Uint32Array(totalIdx);
  let vOut = 0;
  let iOut = 0;
  let prevTop = new Map<number, number>();
  for (const p of parts) {
    const n = p.positionsIjk.length / 3;
    const remap = new Int32Array(n).fill(-1);
    for (let b = 0; b < p.bottomKeys.length; b++) {
      const welded = prevTop.get(p.bottomKeys[b]!);
      if (welded !== undefined) remap[p.bottomVertices[b]!] = welded;
    }
    for (let v = 0; v < n; v++) {
      if (remap[v]! >= 0) continue;
      remap[v] = vOut;
      positions[3 * vOut] = p.positionsIjk[3 * v]!;
      positions[3 * vOut + 1] = p.positionsIjk[3 * v + 1]!;
      positions[3 * vOut + 2] = p.positionsIjk[3 * v + 2]!;
      vOut++;
    }
    for (let t = 0; t < p.indices.length; t++) indices[iOut++] = remap[p.indices[t]!]!;
    prevTop = new Map();
    for (let b = 0; b < p.topKeys.length; b++) prevTop.set(p.topKeys[b]!, remap[p.topVertices[b]!]!);
  }
  return { positionsIjk: positions.slice(0, 3 * vOut), indices, voxelCount };
}

/** Split cube layers −1 … nK−1 into `count` contiguous slabs of about equal size. */
export function planSlabs(nK: number, count: number): Array<{ layerStart: number; layerEnd: number }> {
  const layers = nK + 1; // layers −1 … nK−1
  const n = Math.max(1, Math.min(count, layers));
  const out: Array<{ layerStart: number; layerEnd: number }> = [];
  for (let s = 0; s < n; s++) {
    const a = -1 + Math.round((s * layers) / n);
    const b = -1 + Math.round(((s + 1) * layers) / n);
    if (b > a) out.push({ layerStart: a, layerEnd: b });
  }
  return out;
}
