// Mesh exports, written by hand (both formats are small and fully specified):
// - binary STL: 50 bytes per triangle, LPS mm (STL has no unit; millimetres and z up are what 3D
//   printing and CAD tools assume, and LPS z is superior); one file per structure
//   (`structuresToStl([s])`) or all in one;
// - GLB (glTF 2.0 binary): one node and mesh per structure (named), a PBR material with the
//   structure's colour, POSITION + NORMAL + indices.
//
// GLB frame (issue 17: "GLB in millimetres and LPS axes looks 1000× too large and on its side"):
// by default the file is in glTF's own frame — metres, +Y up, +Z forward (the patient's front
// faces the viewer), +X the patient's left: (X, Y, Z) = 0.001 · (L, S, −P) = 0.001 · (x, z, −y)
// from LPS mm, a proper rotation (determinant +1), so triangle winding and normals stay outward.
// The LPS frame is recorded in `asset.extras` (frame, unit and the 4×4 column-major matrix that
// maps the file's coordinates back to LPS mm), so measurements can still be related to the CT.
// `frame: 'lps-mm'` writes LPS millimetres unchanged (for tools that read the CT frame).
//
// The plan (issue 17) travels as further named surfaces (`ExportSurface`, built by
// workers/liver/planExport.ts): each resection surface and each vascular territory is its own node
// (and, in STL, its own file) with what it is in the node's `extras` (kind, volume, …).
import { type StructureMesh, type TriangleMesh } from '../../core/domain/mesh';
import { bounds, vertexNormals } from './meshMetrics';

/**
 * A surface exported beside the structures (issue 17: a resection surface, a territory's part of
 * the liver surface): its own node with a name, colour and `extras` describing it.
 */
export interface ExportSurface {
  name: string;
  /** sRGB 0–255. */
  colorRgb: [number, number, number];
  mesh: TriangleMesh;
  /** 0–1; default opaque. */
  opacity?: number;
  /** An open sheet seen from both sides (the resection surface). */
  doubleSided?: boolean;
  /** Written to the node's `extras` (JSON values only). */
  extras: Record<string, unknown>;
}

export function structuresToStl(structures: Array<Pick<StructureMesh, 'mesh'>>, header = 'Twinscope surfaces, patient LPS mm'): ArrayBuffer {
  let triangles = 0;
  for (const s of structures) triangles += s.mesh.indices.length / 3;
  const buf = new ArrayBuffer(84 + 50 * triangles);
  const dv = new DataView(buf);
  const text = new TextEncoder().encode(header.slice(0, 80));
  new Uint8Array(buf, 0, 80).set(text);
  dv.setUint32(80, triangles, true);
  let o = 84;
  for (const s of structures) {
    const p = s.mesh.positionsLps;
    const idx = s.mesh.indices;
    for (let t = 0; t < idx.length; t += 3) {
      const a = 3 * idx[t]!;
      const b = 3 * idx[t + 1]!;
      const c = 3 * idx[t + 2]!;
      const ux = p[b]! - p[a]!, uy = p[b + 1]! - p[a + 1]!, uz = p[b + 2]! - p[a + 2]!;
      const vx = p[c]! - p[a]!, vy = p[c + 1]! - p[a + 1]!, vz = p[c + 2]! - p[a + 2]!;
      let nx = uy * vz - uz * vy, ny = uz * vx - ux * vz, nz = ux * vy - uy * vx;
      const len = Math.hypot(nx, ny, nz) || 1;
      nx /= len; ny /= len; nz /= len;
      dv.setFloat32(o, nx, true); dv.setFloat32(o + 4, ny, true); dv.setFloat32(o + 8, nz, true);
      dv.setFloat32(o + 12, p[a]!, true); dv.setFloat32(o + 16, p[a + 1]!, true); dv.setFloat32(o + 20, p[a + 2]!, true);
      dv.setFloat32(o + 24, p[b]!, true); dv.setFloat32(o + 28, p[b + 1]!, true); dv.setFloat32(o + 32, p[b + 2]!, true);
      dv.setFloat32(o + 36, p[c]!, true); dv.setFloat32(o + 40, p[c + 1]!, true); dv.setFloat32(o + 44, p[c + 2]!, true);
      dv.setUint16(o + 48, 0, true);
      o += 50;
    }
  }
  return buf;
}

/** Read a binary STL back (for tests and round trips): unwelded triangles. */
export function readBinaryStl(buf: ArrayBuffer): TriangleMesh {
  const dv = new DataView(buf);
  if (buf.byteLength < 84) throw new Error('STL file is shorter than its 84-byte header');
  const n = dv.getUint32(80, true);
  if (buf.byteLength !== 84 + 50 * n) throw new Error(`binary STL says ${n} triangles but holds ${(buf.byteLength - 84) / 50}`);
  const positionsLps = new Float32Array(9 * n);
  for (let t = 0; t < n; t++) for (let q = 0; q < 9; q++) positionsLps[9 * t + q] = dv.getFloat32(84 + 50 * t + 12 + 4 * q, true);
  const indices = new Uint32Array(3 * n);
  for (let v = 0; v < indices.length; v++) indices[v] = v;
  return { positionsLps, indices };
}

/** sRGB 0–255 → linear 0–1 (glTF baseColorFactor is linear). */
function srgbToLinear(c: number): number {
  const x = c / 255;
  return x <= 0.04045 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4;
}

interface GltfAccessor {
  bufferView: number;
  componentType: number;
  count: number;
  type: string;
  min?: number[];
  max?: number[];
}

/** Options for GLB export. */
export interface GlbOptions {
  /** Opacity per label (0–1), e.g. from the Structures list; default opaque. */
  opacityByLabel?: Map<number, number>;
  /** 'gltf' (default): metres, +Y up = superior, +Z = anterior; 'lps-mm': DICOM patient LPS millimetres. */
  frame?: 'gltf' | 'lps-mm';
  /** Further surfaces after the structures (the plan's resection surfaces and territories), one node each. */
  surfaces?: ExportSurface[];
}

/** Column-major 4×4 taking glTF-frame metres (X, Y, Z) to LPS mm: x = 1000 X, y = −1000 Z, z = 1000 Y. */
export const LPS_MM_FROM_GLTF: readonly number[] = [1000, 0, 0, 0, 0, 0, 1000, 0, 0, -1000, 0, 0, 0, 0, 0, 1];

/** LPS mm vectors → glTF frame (scale 0.001 for positions, 1 for normals), into a new array. */
function toGltfFrame(v: Float32Array, scale: number): Float32Array {
  const out = new Float32Array(v.length);
  for (let i = 0; i < v.length; i += 3) {
    out[i] = v[i]! * scale;
    out[i + 1] = v[i + 2]! * scale;
    out[i + 2] = -v[i + 1]! * scale;
  }
  return out;
}

export function structuresToGlb(structures: StructureMesh[], options: GlbOptions = {}): ArrayBuffer {
  const parts: Uint8Array[] = [];
  let binLength = 0;
  const bufferViews: Array<{ buffer: 0; byteOffset: number; byteLength: number; target: number }> = [];
  const accessors: GltfAccessor[] = [];
  const push = (bytes: Uint8Array, target: number): number => {
    // Every view starts 4-byte aligned (glTF requires alignment to the component size).
    const pad = (4 - (binLength % 4)) % 4;
    if (pad > 0) {
      parts.push(new Uint8Array(pad));
      binLength += pad;
    }
    bufferViews.push({ buffer: 0, byteOffset: binLength, byteLength: bytes.byteLength, target });
    parts.push(bytes);
    binLength += bytes.byteLength;
    return bufferViews.length - 1;
  };
  const meshes: unknown[] = [];
  const nodes: unknown[] = [];
  const materials: unknown[] = [];
  const all: ExportSurface[] = structures.map((s) => ({
    name: s.name,
    colorRgb: s.colorRgb,
    mesh: s.mesh,
    opacity: options.opacityByLabel?.get(s.label) ?? 1,
    extras: { label: s.label, voxelVolumeMl: s.stats.voxelVolumeMl, meshVolumeMl: s.stats.meshVolumeMl },
  }));
  all.push(...(options.surfaces ?? []));
  for (const s of all) {
    const mesh = s.mesh;
    if (mesh.indices.length === 0) continue;
    const lps = options.frame === 'lps-mm';
    const normalsLps = mesh.normalsLps ?? vertexNormals(mesh);
    const positions = lps ? mesh.positionsLps : toGltfFrame(mesh.positionsLps, 0.001);
    const normals = lps ? normalsLps : toGltfFrame(normalsLps, 1);
    const b = bounds(positions);
    const vertexCount = positions.length / 3;
    const posView = push(new Uint8Array(positions.buffer, positions.byteOffset, positions.byteLength), 34962);
    const nrmView = push(new Uint8Array(normals.buffer, normals.byteOffset, normals.byteLength), 34962);
    const idxView = push(new Uint8Array(mesh.indices.buffer, mesh.indices.byteOffset, mesh.indices.byteLength), 34963);
    const pos = accessors.push({ bufferView: posView, componentType: 5126, count: vertexCount, type: 'VEC3', min: [b[0], b[1], b[2]], max: [b[3], b[4], b[5]] }) - 1;
    const nrm = accessors.push({ bufferView: nrmView, componentType: 5126, count: vertexCount, type: 'VEC3' }) - 1;
    const idx = accessors.push({ bufferView: idxView, componentType: 5125, count: mesh.indices.length, type: 'SCALAR' }) - 1;
    const opacity = s.opacity ?? 1;
    const material = materials.push({
      name: s.name,
      pbrMetallicRoughness: {
        baseColorFactor: [srgbToLinear(s.colorRgb[0]), srgbToLinear(s.colorRgb[1]), srgbToLinear(s.colorRgb[2]), opacity],
        metallicFactor: 0,
        roughnessFactor: 0.6,
      },
      ...(opacity < 1 ? { alphaMode: 'BLEND' } : {}),
      doubleSided: s.doubleSided === true,
    }) - 1;
    const m = meshes.push({ name: s.name, primitives: [{ attributes: { POSITION: pos, NORMAL: nrm }, indices: idx, material, mode: 4 }] }) - 1;
    nodes.push({ name: s.name, mesh: m, extras: s.extras });
  }
  const gltf = {
    asset: {
      version: '2.0',
      generator: 'Twinscope meshing',
      extras:
        options.frame === 'lps-mm'
          ? { frame: 'LPS', unit: 'mm', note: 'DICOM patient coordinates (x left, y posterior, z superior) in millimetres; not glTF metres/+Y-up' }
          : {
              frame: 'glTF',
              unit: 'm',
              patientFrame: 'LPS',
              lpsMmFromFile: [...LPS_MM_FROM_GLTF],
              note: 'glTF metres, +Y = superior, +Z = anterior, +X = patient left; LPS mm = lpsMmFromFile (column-major 4×4) × file coordinates',
            },
    },
    scene: 0,
    scenes: [{ name: 'anatomy', nodes: nodes.map((_, i) => i) }],
    nodes,
    meshes,
    materials,
    accessors,
    bufferViews,
    buffers: binLength > 0 ? [{ byteLength: binLength }] : [],
  };
  if (bufferViews.length === 0) {
    delete (gltf as { bufferViews?: unknown }).bufferViews;
    delete (gltf as { accessors?: unknown }).accessors;
  }
  const json = new TextEncoder().encode(JSON.stringify(gltf));
  const jsonPad = (4 - (json.byteLength % 4)) % 4;
  const binPad = (4 - (binLength % 4)) % 4;
  const jsonChunk = json.byteLength + jsonPad;
  const binChunk = binLength + binPad;
  const total = 12 + 8 + jsonChunk + (binLength > 0 ? 8 + binChunk : 0);
  const out = new Uint8Array(total);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, 0x46546c67, true); // "glTF"
  dv.setUint32(4, 2, true);
  dv.setUint32(8, total, true);
  dv.setUint32(12, jsonChunk, true);
  dv.setUint32(16, 0x4e4f534a, true); // "JSON"
  out.set(json, 20);
  out.fill(0x20, 20 + json.byteLength, 20 + jsonChunk); // JSON pads with spaces
  if (binLength > 0) {
    let o = 20 + jsonChunk;
    dv.setUint32(o, binChunk, true);
    dv.setUint32(o + 4, 0x004e4942, true); // "BIN\0"
    o += 8;
    for (const p of parts) {
      out.set(p, o);
      o += p.byteLength;
    }
  }
  return out.buffer;
}
