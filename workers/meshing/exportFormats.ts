// Mesh exports, written by hand (both formats are small and fully specified):
// - binary STL: one file, all structures, 50 bytes per triangle, LPS mm;
// - GLB (glTF 2.0 binary): one node and mesh per structure (named), a PBR material with the
//   structure's colour, POSITION + NORMAL + indices, LPS mm.
//
// Axis note (also written into the GLB's asset.extras): coordinates are DICOM patient LPS in
// millimetres, unchanged — x towards the patient's left, y posterior, z superior. glTF nominally
// uses metres and +Y up, so a generic viewer shows the model 1000× large and lying on its back;
// 3D printing and VR tools that honour units should scale by 0.001 and rotate −90° about x. The
// data stays in LPS so that measurements in any tool agree with the CT.
import { type StructureMesh, type TriangleMesh } from '../../core/domain/mesh';
import { bounds, vertexNormals } from './meshMetrics';

export function structuresToStl(structures: StructureMesh[], header = 'Twinscope surfaces, patient LPS mm'): ArrayBuffer {
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
  for (const s of structures) {
    const mesh = s.mesh;
    if (mesh.indices.length === 0) continue;
    const normals = mesh.normalsLps ?? vertexNormals(mesh);
    const b = bounds(mesh.positionsLps);
    const vertexCount = mesh.positionsLps.length / 3;
    const posView = push(new Uint8Array(mesh.positionsLps.buffer, mesh.positionsLps.byteOffset, mesh.positionsLps.byteLength), 34962);
    const nrmView = push(new Uint8Array(normals.buffer, normals.byteOffset, normals.byteLength), 34962);
    const idxView = push(new Uint8Array(mesh.indices.buffer, mesh.indices.byteOffset, mesh.indices.byteLength), 34963);
    const pos = accessors.push({ bufferView: posView, componentType: 5126, count: vertexCount, type: 'VEC3', min: [b[0], b[1], b[2]], max: [b[3], b[4], b[5]] }) - 1;
    const nrm = accessors.push({ bufferView: nrmView, componentType: 5126, count: vertexCount, type: 'VEC3' }) - 1;
    const idx = accessors.push({ bufferView: idxView, componentType: 5125, count: mesh.indices.length, type: 'SCALAR' }) - 1;
    const opacity = options.opacityByLabel?.get(s.label) ?? 1;
    const material = materials.push({
      name: s.name,
      pbrMetallicRoughness: {
        baseColorFactor: [srgbToLinear(s.colorRgb[0]), srgbToLinear(s.colorRgb[1]), srgbToLinear(s.colorRgb[2]), opacity],
        metallicFactor: 0,
        roughnessFactor: 0.6,
      },
      ...(opacity < 1 ? { alphaMode: 'BLEND' } : {}),
      doubleSided: false,
    }) - 1;
    const m = meshes.push({ name: s.name, primitives: [{ attributes: { POSITION: pos, NORMAL: nrm }, indices: idx, material, mode: 4 }] }) - 1;
    nodes.push({ name: s.name, mesh: m, extras: { label: s.label, voxelVolumeMl: s.stats.voxelVolumeMl, meshVolumeMl: s.stats.meshVolumeMl } });
  }
  const gltf = {
    asset: {
      version: '2.0',
      generator: 'Twinscope meshing',
      extras: { frame: 'LPS', unit: 'mm', note: 'DICOM patient coordinates (x left, y posterior, z superior) in millimetres; not glTF metres/+Y-up' },
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
