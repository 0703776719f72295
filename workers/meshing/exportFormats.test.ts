import { validateBytes } from 'gltf-validator';
import { describe, expect, it } from 'vitest';
import { readBinaryStl, structuresToGlb, structuresToStl } from './exportFormats';
import { signedVolumeMm3 } from './meshMetrics';
import { axisAlignedGeometry, ellipsoidPhantom } from './phantoms';
import { meshLabelVolume } from './surfaces';

const g = axisAlignedGeometry([40, 36, 30], [1, 1, 1.25], [-100, 50, -800]);
const volume = ellipsoidPhantom(g, [
  { label: 5, name: 'liver', centreLps: [-85, 68, -782], radiiMm: [10, 8, 9], colorRgb: [221, 130, 101] },
  { label: 52, name: 'aorta', centreLps: [-70, 62, -782], radiiMm: [3, 3, 14], colorRgb: [224, 97, 76] },
]);

describe('exports', () => {
  it('GLB: one named node per structure with its colour, positions in LPS mm, 0 validator errors', async () => {
    const structures = await meshLabelVolume(volume, { budgetTriangles: 2000 });
    expect(structures.map((s) => s.name)).toEqual(['liver', 'aorta']);
    const glb = structuresToGlb(structures);
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
});
