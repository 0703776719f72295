import { validateBytes } from 'gltf-validator';
import { describe, expect, it } from 'vitest';
import { LPS_MM_FROM_GLTF, readBinaryStl, structuresToGlb, structuresToStl } from './exportFormats';
import { signedVolumeMm3 } from './meshMetrics';
import { axisAlignedGeometry, ellipsoidPhantom } from './phantoms';
import { meshLabelVolume } from './surfaces';

const g = axisAlignedGeometry([40, 36, 30], [1, 1, 1.25], [-100, 50, -800]);
const volume = ellipsoidPhantom(g, [
  { label: 5, name: 'liver', centreLps: [-85, 68, -782], radiiMm: [10, 8, 9], colorRgb: [221, 130, 101] },
  { label: 52, name: 'aorta', centreLps: [-70, 62, -782], radiiMm: [3, 3, 14], colorRgb: [224, 97, 76] },
]);

describe('exports', () => {
  it('GLB with frame lps-mm: one named node per structure with its colour, positions in LPS mm, 0 validator errors', async () => {
    const structures = await meshLabelVolume(volume, { budgetTriangles: 2000 });
    expect(structures.map((s) => s.name)).toEqual(['liver', 'aorta']);
    const glb = structuresToGlb(structures, { frame: 'lps-mm' });
    const report = await validateBytes(new Uint8Array(glb));
    expect(report.issues.messages.filter((m) => m.severity === 0)).toEqual([]);
    expect(report.issues.numErrors).toBe(0);
    // Parse the JSON chunk back and check names, colours and the LPS bounds.
    const dv = new DataView(glb);
    expect(dv.getUint32(0, true)).toBe(0x46546c67);
    const jsonLen = dv.getUint32(12, true);
    const gltf = JSON.parse(new TextDecoder().decode(new Uint8Array(glb, 20, jsonLen))) as {
      nodes: Array<{ name: string; mesh: number }>;
      materials: Array<{ pbrMetallicRoughness: { baseColorFactor: number[] } }>;
      accessors: Array<{ min?: number[]; max?: number[] }>;
      asset: { extras: { frame: string; unit: string } };
    };
    expect(gltf.nodes.map((n) => n.name)).toEqual(['liver', 'aorta']);
    expect(gltf.asset.extras).toMatchObject({ frame: 'LPS', unit: 'mm' });
    // sRGB 221 → linear 0.723 (IEC 61966-2-1).
    expect(gltf.materials[0]!.pbrMetallicRoughness.baseColorFactor[0]).toBeCloseTo(0.7230, 3);
    const liverMin = gltf.accessors[0]!.min!;
    const liverMax = gltf.accessors[0]!.max!;
    expect(liverMin[2]).toBeGreaterThan(-782 - 9 - 1.25);
    expect(liverMax[2]).toBeLessThan(-782 + 9 + 1.25);
    expect(liverMin[0]).toBeGreaterThan(-85 - 10 - 1);
  });

  it('STL: 84 + 50 bytes per triangle, all structures, same enclosed volume as the meshes', async () => {
    const structures = await meshLabelVolume(volume, { budgetTriangles: 2000 });
    const stl = structuresToStl(structures);
    const triangles = structures.reduce((n, s) => n + s.mesh.indices.length / 3, 0);
    expect(stl.byteLength).toBe(84 + 50 * triangles);
    const back = readBinaryStl(stl);
    const total = structures.reduce((v, s) => v + signedVolumeMm3(s.mesh.positionsLps, s.mesh.indices), 0);
    expect(signedVolumeMm3(back.positionsLps, back.indices)).toBeCloseTo(total, 0);
    expect(() => readBinaryStl(stl.slice(0, 100))).toThrow(/says \d+ triangles/);
  });

  it('GLB by default: glTF metres, +Y up = superior, +Z = anterior, outward winding kept, LPS recorded; 0 validator errors', async () => {
    const structures = await meshLabelVolume(volume, { budgetTriangles: 2000 });
    const glb = structuresToGlb(structures);
    const report = await validateBytes(new Uint8Array(glb));
    expect(report.issues.numErrors).toBe(0);
    expect(report.issues.numWarnings).toBe(0);
    const dv = new DataView(glb);
    const jsonLen = dv.getUint32(12, true);
    const gltf = JSON.parse(new TextDecoder().decode(new Uint8Array(glb, 20, jsonLen))) as {
      accessors: Array<{ min?: number[]; max?: number[]; count: number; bufferView: number }>;
      bufferViews: Array<{ byteOffset: number; byteLength: number }>;
      asset: { extras: { frame: string; unit: string; patientFrame: string; lpsMmFromFile: number[] } };
    };
    expect(gltf.asset.extras).toMatchObject({ frame: 'glTF', unit: 'm', patientFrame: 'LPS', lpsMmFromFile: [...LPS_MM_FROM_GLTF] });
    // Liver: LPS centre (−85, 68, −782) mm, radii (10, 8, 9) → glTF X = L, Y = S, Z = −P in metres.
    const [min, max] = [gltf.accessors[0]!.min!, gltf.accessors[0]!.max!];
    const centre = [0, 1, 2].map((a) => (min[a]! + max[a]!) / 2);
    expect(centre[0]).toBeCloseTo(-0.085, 3);
    expect(centre[1]).toBeCloseTo(-0.782, 3);
    expect(centre[2]).toBeCloseTo(-0.068, 3);
    expect(max[1]! - min[1]!).toBeCloseTo(0.018, 2); // 2 × 9 mm superior–inferior is the vertical extent
    // Positions back to LPS with the recorded matrix equal the mesh; the enclosed volume stays positive (outward winding).
    const binStart = 20 + jsonLen + 8;
    const view = gltf.bufferViews[gltf.accessors[0]!.bufferView]!;
    const pos = new Float32Array(glb.slice(binStart + view.byteOffset, binStart + view.byteOffset + view.byteLength));
    const m = LPS_MM_FROM_GLTF;
    const back = new Float32Array(pos.length);
    for (let i = 0; i < pos.length; i += 3) {
      for (let r = 0; r < 3; r++) back[i + r] = m[r]! * pos[i]! + m[4 + r]! * pos[i + 1]! + m[8 + r]! * pos[i + 2]! + m[12 + r]!;
    }
    const lps = structures[0]!.mesh.positionsLps;
    for (let i = 0; i < lps.length; i++) expect(Math.abs(back[i]! - lps[i]!)).toBeLessThan(1e-3);
    const idx = structures[0]!.mesh.indices;
    expect(signedVolumeMm3(pos, idx) * 1e9).toBeCloseTo(signedVolumeMm3(lps, idx), -1);
    expect(signedVolumeMm3(pos, idx)).toBeGreaterThan(0);
  });

  it('STL per structure: one file each, named in the header, LPS mm', async () => {
    const structures = await meshLabelVolume(volume, { budgetTriangles: 2000 });
    for (const s of structures) {
      const stl = structuresToStl([s], `Twinscope ${s.name}, patient LPS mm`);
      expect(new TextDecoder().decode(new Uint8Array(stl, 0, 80))).toContain(`Twinscope ${s.name}, patient LPS mm`);
      const back = readBinaryStl(stl);
      expect(signedVolumeMm3(back.positionsLps, back.indices)).toBeCloseTo(signedVolumeMm3(s.mesh.positionsLps, s.mesh.indices), 0);
    }
  });
});
