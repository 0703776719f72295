// The CT volume's texture in half float (R16F), its voxels exact on the CPU (issue 14).
//
// Without EXT_texture_norm16 (SwiftShader, many GPUs) a 16-bit CT's 3D texture is R32F: 314 MB
// for 300×512², all of it copied by the main thread into Chromium's transfer buffers and by the
// GPU process into the texture. R16F with HALF_FLOAT data is core WebGL2 and filters linearly
// (OpenGL ES 3.0 §3.8.3 table 3.13), at half the bytes. Only the texture is half: the volume's
// buffer stays the series' own Int16Array (HU readouts, the SEG overlay, the anatomy hand-off and
// meshing read exact values), and each slice is converted as it is uploaded, through a 65,536-entry
// table into one reused slice buffer.
//
// What half float keeps of a Hounsfield value (IEEE 754 binary16: 11 significant bits): every
// integer with |x| ≤ 2048 exactly (air, lung, fat, water, soft tissue, contrast, most bone);
// from 2048 to 4096 HU a step of 2 (worst error 1 HU, dense cortical bone, teeth, metal);
// 4096–8192 step 4, 8192–16384 step 8, 16384–32767 step 16 (extended-scale metal). An error of
// half a step is below half a grey level of any window whose width is at least a quarter of the
// magnitude of the values it shows (bone 2500/480, metal 4000/1000 …); soft-tissue, lung, liver
// and brain windows see only exact values. vtk.js keeps float textures unless the data range lies
// within ±2048 (`hasExactHalfFloat`), or the caller prefers size over accuracy
// (Cornerstone's `preferSizeOverAccuracy`, all volumes); this applies it to CT only, where the
// bound above holds.
// Pure: tested in Node. The volume's texture that uses it is `halfFloatVolumeTexture.ts`.

/** Largest finite half float (0x7bff). */
export const HALF_FLOAT_MAX = 65504;

/**
 * The IEEE 754 binary16 bits nearest to an integer (round to nearest, ties to even), saturated
 * at ±65504 rather than rounded to infinity. Exact for |v| ≤ 2048.
 */
export function halfBitsOfInteger(v: number): number {
  if (!Number.isInteger(v)) throw new Error(`${v} is not an integer`);
  const sign = v < 0 || Object.is(v, -0) ? 0x8000 : 0;
  const a = Math.abs(v);
  if (a === 0) return sign;
  if (a >= HALF_FLOAT_MAX) return sign | 0x7bff;
  let e = 31 - Math.clz32(a); // a ≥ 1: always a normal half (smallest normal 2^-14)
  let q: number; // the 11 significant bits, implicit leading 1 included
  if (e <= 10) q = a << (10 - e);
  else {
    const shift = e - 10;
    q = a >> shift;
    const rem = a - q * 2 ** shift;
    const halfway = 2 ** (shift - 1);
    if (rem > halfway || (rem === halfway && (q & 1) === 1)) q++;
    if (q === 2048) {
      q = 1024;
      e++;
    }
  }
  if (e > 15) return sign | 0x7bff;
  return sign | ((e + 15) << 10) | (q & 0x3ff);
}

/** The value of half-float bits (subnormals, infinities and NaN included). */
export function halfBitsToNumber(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? NaN : s * Infinity;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

const tables = new Map<'signed' | 'unsigned', Uint16Array>();

/**
 * Half-float bits for every 16-bit stored pattern: index `u` is the value `u` (unsigned) or the
 * two's-complement value of `u` (signed). Built once per kind (65,536 entries, 128 KB).
 */
export function halfFloatTable(signed: boolean): Uint16Array {
  const key = signed ? 'signed' : 'unsigned';
  let t = tables.get(key);
  if (!t) {
    t = new Uint16Array(65536);
    for (let u = 0; u < 65536; u++) t[u] = halfBitsOfInteger(signed && u >= 32768 ? u - 65536 : u);
    tables.set(key, t);
  }
  return t;
}

/** Convert one slice of 16-bit integers to half-float bits into `out` (same length). */
export function sliceToHalfFloat(src: Int16Array | Uint16Array, table: Uint16Array, out: Uint16Array): Uint16Array {
  if (out.length !== src.length) throw new Error(`the half-float slice holds ${out.length} values where the slice has ${src.length}`);
  // The stored bit patterns index the table directly: no sign handling in the loop.
  const bits = src instanceof Uint16Array ? src : new Uint16Array(src.buffer, src.byteOffset, src.length);
  const n = bits.length;
  for (let i = 0; i < n; i++) out[i] = table[bits[i]!]!;
  return out;
}
