// Segmentation kernels on a CT volume in HU: threshold, seeded region growing, island removal, hole
// filling and margin grow/shrink. Masks are Uint8Array (0/1) on the volume grid, index
// i + j·nI + k·nI·nJ. Every kernel takes its output (and scratch) buffers from the caller or
// allocates them once up front; the voxel loops themselves never allocate.
import { type ImageVolume, type Vec3, type VolumeGeometry } from '../../core/domain/imaging';
import { type HuRange, type IslandRule } from '../../core/domain/segmentation';

function voxelCount(g: VolumeGeometry): number {
  return g.dimensions[0] * g.dimensions[1] * g.dimensions[2];
}

function checkMask(mask: Uint8Array, g: VolumeGeometry): void {
  if (mask.length !== voxelCount(g)) throw new Error(`mask has ${mask.length} voxels but the volume has ${voxelCount(g)}`);
}

function checkRange(range: HuRange): void {
  if (!(range.minHu <= range.maxHu)) throw new Error(`HU range is empty: min ${range.minHu} > max ${range.maxHu}`);
}

/** mask = (min ≤ HU ≤ max). Returns the number of voxels set. */
export function threshold(volume: ImageVolume, range: HuRange, out: Uint8Array): number {
  checkRange(range);
  checkMask(out, volume);
  const v = volume.voxels;
  let n = 0;
  for (let x = 0; x < v.length; x++) {
    const inside = v[x]! >= range.minHu && v[x]! <= range.maxHu ? 1 : 0;
    out[x] = inside;
    n += inside;
  }
  return n;
}

/** Reusable flood-fill stack (one Int32 per voxel: every voxel is pushed at most once). */
export function floodScratch(g: VolumeGeometry): Int32Array {
  return new Int32Array(voxelCount(g));
}

/**
 * Seeded region growing: the 6-connected region of voxels within the HU range that contains the
 * seed. `out` is cleared first. Returns the voxel count (0 when the seed itself is outside the range).
 */
export function regionGrow(volume: ImageVolume, seedIjk: Vec3, range: HuRange, out: Uint8Array, stack: Int32Array = floodScratch(volume)): number {
  checkRange(range);
  checkMask(out, volume);
  const [nI, nJ, nK] = volume.dimensions;
  const [si, sj, sk] = seedIjk;
  if (!(si >= 0 && si < nI && sj >= 0 && sj < nJ && sk >= 0 && sk < nK) || !Number.isInteger(si + sj + sk)) {
    throw new Error(`seed (${si}, ${sj}, ${sk}) is not a voxel of this ${nI}×${nJ}×${nK} volume`);
  }
  out.fill(0);
  const v = volume.voxels;
  const lo = range.minHu;
  const hi = range.maxHu;
  const seed = si + nI * (sj + nJ * sk);
  if (!(v[seed]! >= lo && v[seed]! <= hi)) return 0;
  const plane = nI * nJ;
  let top = 0;
  stack[top++] = seed;
  out[seed] = 1;
  let count = 1;
  while (top > 0) {
    const x = stack[--top]!;
    const k = (x / plane) | 0;
    const rem = x - k * plane;
    const j = (rem / nI) | 0;
    const i = rem - j * nI;
    // Mark on push so each voxel enters the stack once.
    if (i > 0) { const y = x - 1; if (out[y] === 0 && v[y]! >= lo && v[y]! <= hi) { out[y] = 1; stack[top++] = y; count++; } }
    if (i < nI - 1) { const y = x + 1; if (out[y] === 0 && v[y]! >= lo && v[y]! <= hi) { out[y] = 1; stack[top++] = y; count++; } }
    if (j > 0) { const y = x - nI; if (out[y] === 0 && v[y]! >= lo && v[y]! <= hi) { out[y] = 1; stack[top++] = y; count++; } }
    if (j < nJ - 1) { const y = x + nI; if (out[y] === 0 && v[y]! >= lo && v[y]! <= hi) { out[y] = 1; stack[top++] = y; count++; } }
    if (k > 0) { const y = x - plane; if (out[y] === 0 && v[y]! >= lo && v[y]! <= hi) { out[y] = 1; stack[top++] = y; count++; } }
    if (k < nK - 1) { const y = x + plane; if (out[y] === 0 && v[y]! >= lo && v[y]! <= hi) { out[y] = 1; stack[top++] = y; count++; } }
  }
  return count;
}

/**
 * 6-connected components of a mask. `componentIds` receives 0 for background and 1…n per
 * component; returns the size of each component (index 0 unused).
 */
export function connectedComponents(mask: Uint8Array, g: VolumeGeometry, componentIds: Int32Array, stack: Int32Array = floodScratch(g)): number[] {
  checkMask(mask, g);
  const [nI, nJ, nK] = g.dimensions;
  const plane = nI * nJ;
  componentIds.fill(0);
  const sizes = [0];
  for (let s = 0; s < mask.length; s++) {
    if (mask[s] === 0 || componentIds[s] !== 0) continue;
    const id = sizes.length;
    let size = 0;
    let top = 0;
    stack[top++] = s;
    componentIds[s] = id;
    while (top > 0) {
      const x = stack[--top]!;
      size++;
      const k = (x / plane) | 0;
      const rem = x - k * plane;
      const j = (rem / nI) | 0;
      const i = rem - j * nI;
      if (i > 0 && mask[x - 1] === 1 && componentIds[x - 1] === 0) { componentIds[x - 1] = id; stack[top++] = x - 1; }
      if (i < nI - 1 && mask[x + 1] === 1 && componentIds[x + 1] === 0) { componentIds[x + 1] = id; stack[top++] = x + 1; }
      if (j > 0 && mask[x - nI] === 1 && componentIds[x - nI] === 0) { componentIds[x - nI] = id; stack[top++] = x - nI; }
      if (j < nJ - 1 && mask[x + nI] === 1 && componentIds[x + nI] === 0) { componentIds[x + nI] = id; stack[top++] = x + nI; }
      if (k > 0 && mask[x - plane] === 1 && componentIds[x - plane] === 0) { componentIds[x - plane] = id; stack[top++] = x - plane; }
      if (k < nK - 1 && mask[x + plane] === 1 && componentIds[x + plane] === 0) { componentIds[x + plane] = id; stack[top++] = x + plane; }
    }
    sizes.push(size); // one push per component, not per voxel
  }
  return sizes;
}

/** Remove islands in place. Returns the voxel count left. */
export function removeIslands(mask: Uint8Array, g: VolumeGeometry, rule: IslandRule, componentIds: Int32Array = new Int32Array(mask.length)): number {
  const sizes = connectedComponents(mask, g, componentIds);
  let largest = 0;
  for (let c = 1; c < sizes.length; c++) if (sizes[c]! > sizes[largest]!) largest = c;
  const keep = new Uint8Array(sizes.length);
  for (let c = 1; c < sizes.length; c++) {
    keep[c] = rule.keep === 'largest' ? (c === largest ? 1 : 0) : sizes[c]! >= rule.minVoxels ? 1 : 0;
  }
  let n = 0;
  for (let x = 0; x < mask.length; x++) {
    const m = mask[x] === 1 && keep[componentIds[x]!] === 1 ? 1 : 0;
    mask[x] = m;
    n += m;
  }
  return n;
}

/**
 * Fill holes in place: background voxels that cannot reach the volume border through
 * 6-connected background become foreground. Returns the number of voxels filled.
 */
export function fillHoles(mask: Uint8Array, g: VolumeGeometry, stack: Int32Array = floodScratch(g)): number {
  checkMask(mask, g);
  const [nI, nJ, nK] = g.dimensions;
  const plane = nI * nJ;
  // Mark border-reachable background as 2, then turn remaining 0s into 1s and 2s back into 0s.
  let top = 0;
  const seed = (x: number): void => {
    if (mask[x] === 0) {
      mask[x] = 2;
      stack[top++] = x;
    }
  };
  for (let k = 0; k < nK; k++)
    for (let j = 0; j < nJ; j++)
      for (let i = 0; i < nI; i++) if (i === 0 || j === 0 || k === 0 || i === nI - 1 || j === nJ - 1 || k === nK - 1) seed(i + nI * (j + nJ * k));
  while (top > 0) {
    const x = stack[--top]!;
    const k = (x / plane) | 0;
    const rem = x - k * plane;
    const j = (rem / nI) | 0;
    const i = rem - j * nI;
    if (i > 0) seed(x - 1);
    if (i < nI - 1) seed(x + 1);
    if (j > 0) seed(x - nI);
    if (j < nJ - 1) seed(x + nI);
    if (k > 0) seed(x - plane);
    if (k < nK - 1) seed(x + plane);
  }
  let filled = 0;
  for (let x = 0; x < mask.length; x++) {
    const m = mask[x]!;
    if (m === 0) {
      mask[x] = 1;
      filled++;
    } else if (m === 2) mask[x] = 0;
  }
  return filled;
}

/**
 * Squared Euclidean distance transform along one line (Felzenszwalb & Huttenlocher 2012, lower
 * envelope of parabolas), with sample spacing w mm. f holds squared distances in; d receives them.
 */
function edt1d(f: Float64Array, n: number, w: number, d: Float64Array, v: Int32Array, z: Float64Array): void {
  const w2 = w * w;
  let k = 0;
  v[0] = 0;
  z[0] = -Infinity;
  z[1] = Infinity;
  for (let q = 1; q < n; q++) {
    if (f[q] === Infinity) continue;
    if (f[v[k]!] === Infinity) {
      v[k] = q;
      continue;
    }
    let s = (f[q]! + w2 * q * q - (f[v[k]!]! + w2 * v[k]! * v[k]!)) / (2 * w2 * (q - v[k]!));
    while (k > 0 && s <= z[k]!) {
      k--;
      s = (f[q]! + w2 * q * q - (f[v[k]!]! + w2 * v[k]! * v[k]!)) / (2 * w2 * (q - v[k]!));
    }
    k++;
    v[k] = q;
    z[k] = s;
    z[k + 1] = Infinity;
  }
  k = 0;
  for (let q = 0; q < n; q++) {
    while (z[k + 1]! < q) k++;
    const dq = q - v[k]!;
    d[q] = f[v[k]!] === Infinity ? Infinity : w2 * dq * dq + f[v[k]!]!;
  }
}

/**
 * Grow (marginMm > 0) or shrink (marginMm < 0) a mask in place by an exact Euclidean margin in
 * mm, respecting anisotropic spacing. Works inside the mask's bounding box widened by the margin,
 * so cost and memory scale with the structure, not the CT. Shrinking does not erode from the
 * volume border (voxels outside the scan are unknown, not background).
 */
export function applyMarginMm(mask: Uint8Array, g: VolumeGeometry, marginMm: number): void {
  checkMask(mask, g);
  if (marginMm === 0) return;
  const [nI, nJ, nK] = g.dimensions;
  const grow = marginMm > 0;
  const r = Math.abs(marginMm);
  // Bounding box of the foreground, widened by the margin in voxels.
  let lo = [nI, nJ, nK];
  let hi = [-1, -1, -1];
  for (let k = 0; k < nK; k++)
    for (let j = 0; j < nJ; j++)
      for (let i = 0; i < nI; i++) {
        if (mask[i + nI * (j + nJ * k)] !== 1) continue;
        if (i < lo[0]!) lo[0] = i; if (i > hi[0]!) hi[0] = i;
        if (j < lo[1]!) lo[1] = j; if (j > hi[1]!) hi[1] = j;
        if (k < lo[2]!) lo[2] = k; if (k > hi[2]!) hi[2] = k;
      }
  if (hi[0]! < 0) return;
  // Growing reaches ceil(r/s) voxels out; shrinking needs one ring of the background around the box.
  const pad = g.spacingMm.map((s) => (grow ? Math.ceil(r / s) : 1));
  lo = lo.map((x, a) => Math.max(0, x - pad[a]!));
  hi = hi.map((x, a) => Math.min(g.dimensions[a]! - 1, x + pad[a]!));
  const bI = hi[0]! - lo[0]! + 1;
  const bJ = hi[1]! - lo[1]! + 1;
  const bK = hi[2]! - lo[2]! + 1;
  const dist = new Float64Array(bI * bJ * bK);
  // Squared distance to the nearest "source" voxel: foreground when growing, background when shrinking.
  for (let k = 0; k < bK; k++)
    for (let j = 0; j < bJ; j++)
      for (let i = 0; i < bI; i++) {
        const m = mask[lo[0]! + i + nI * (lo[1]! + j + nJ * (lo[2]! + k))];
        dist[i + bI * (j + bJ * k)] = (m === 1) === grow ? 0 : Infinity;
      }
  const n = Math.max(bI, bJ, bK);
  const f = new Float64Array(n);
  const d = new Float64Array(n);
  const v = new Int32Array(n);
  const z = new Float64Array(n + 1);
  const pass = (len: number, stride: number, count: number, starts: (c: number) => number, w: number): void => {
    for (let c = 0; c < count; c++) {
      const s = starts(c);
      for (let q = 0; q < len; q++) f[q] = dist[s + q * stride]!;
      edt1d(f, len, w, d, v, z);
      for (let q = 0; q < len; q++) dist[s + q * stride] = d[q]!;
    }
  };
  pass(bI, 1, bJ * bK, (c) => c * bI, g.spacingMm[0]);
  pass(bJ, bI, bI * bK, (c) => (c % bI) + bI * bJ * Math.floor(c / bI), g.spacingMm[1]);
  pass(bK, bI * bJ, bI * bJ, (c) => c, g.spacingMm[2]);
  const r2 = r * r;
  for (let k = 0; k < bK; k++)
    for (let j = 0; j < bJ; j++)
      for (let i = 0; i < bI; i++) {
        const x = lo[0]! + i + nI * (lo[1]! + j + nJ * (lo[2]! + k));
        const dd = dist[i + bI * (j + bJ * k)]!;
        if (grow) {
          if (dd <= r2 + 1e-9) mask[x] = 1;
        } else if (dd <= r2 + 1e-9) mask[x] = 0;
      }
}

/**
 * Cut the thin bridges between the seed's organ and touching structures of the same density, in
 * place: a morphological opening of radius `radiusMm` (exact Euclidean, anisotropic spacing) that
 * keeps only the piece holding the seed. Steps: fill the mask's holes (noise and vessels inside an
 * organ must not break it), shrink by the radius, keep the 6-connected piece containing the seed,
 * grow it back by the radius, and keep only voxels of the filled mask. A bridge thinner than twice
 * the radius disappears in the shrink and does not come back; the organ's own shape is kept except
 * features thinner than that. This is the threshold → shrink → keep selected island → grow recipe of
 * 3D Slicer's Segment Editor (Margin and Islands effects) as one step. Returns the voxel count left;
 * throws, naming the radius, when the seed itself lies within the radius of the edge.
 */
export function detachAtSeed(mask: Uint8Array, g: VolumeGeometry, seedIjk: Vec3, radiusMm: number): number {
  checkMask(mask, g);
  if (!(radiusMm > 0) || !Number.isFinite(radiusMm)) throw new Error(`the bridge radius must be a positive number of mm, got ${radiusMm}`);
  const [nI, nJ, nK] = g.dimensions;
  const [si, sj, sk] = seedIjk;
  if (!(si >= 0 && si < nI && sj >= 0 && sj < nJ && sk >= 0 && sk < nK)) throw new Error(`seed ${seedIjk.join(', ')} is outside the volume`);
  const seed = si + nI * (sj + nJ * sk);
  fillHoles(mask, g);
  const core = mask.slice();
  applyMarginMm(core, g, -radiusMm);
  if (core[seed] !== 1) throw new Error(`the seed lies within ${radiusMm} mm of the structure's edge: click deeper inside the organ or cut thinner bridges`);
  const ids = new Int32Array(mask.length);
  connectedComponents(core, g, ids);
  const id = ids[seed]!;
  for (let x = 0; x < core.length; x++) core[x] = ids[x] === id ? 1 : 0;
  applyMarginMm(core, g, radiusMm);
  let n = 0;
  for (let x = 0; x < mask.length; x++) {
    const m = mask[x]! & core[x]!;
    mask[x] = m;
    n += m;
  }
  return n;
}
