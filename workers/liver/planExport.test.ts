// The plan in the exports (issue 17), through the Anatomy worker API as the page calls it: a liver
// ellipsoid meshed by the real pipeline, its voxels, two territories (x below / above the centre),
// a plane cut and a bent surface → a GLB that the Khronos validator accepts, with a named node per
// resection surface and per territory (volume in extras) in glTF metres, and one STL per plan surface.
import { validateBytes } from 'gltf-validator';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ExportPlan } from '../../core/contracts/anatomy-worker';
import { ijkToLps, mm3ToMl, voxelVolumeMm3 } from '../../core/domain/imaging';
import type { StructureMesh } from '../../core/domain/mesh';
import { createAnatomyWorkerApi } from '../anatomy/anatomyWorkerApi';
import { LPS_MM_FROM_GLTF, readBinaryStl } from '../meshing/exportFormats';
import { axisAlignedGeometry, ellipsoidPhantom } from '../meshing/phantoms';
import { meshLabelVolume } from '../meshing/surfaces';

const g = axisAlignedGeometry([72, 60, 40], [1, 1, 1.5], [-100, 50, -30]);
const centre: [number, number, number] = [-64, 80, 0];
const radii: [number, number, number] = [30, 24, 27];
const volume = ellipsoidPhantom(g, [{ label: 5, name: 'liver', centreLps: centre, radiiMm: radii, colorRgb: [221, 130, 101] }]);

interface Gltf {
  nodes: Array<{ name: string; mesh: number; extras: Record<string, unknown> }>;
  meshes: Array<{ primitives: Array<{ attributes: { POSITION: number } }> }>;
  accessors: Array<{ min?: number[]; max?: number[]; count: number }>;
  materials: Array<{ doubleSided: boolean }>;
  asset: { extras: { frame: string; lpsMmFromFile: number[] } };
}
function gltfJson(glb: ArrayBuffer): Gltf {
  const dv = new DataView(glb);
  return JSON.parse(new TextDecoder().decode(new Uint8Array(glb, 20, dv.getUint32(12, true)))) as Gltf;
}

describe('plan export (GLB nodes and STL files for the resection surface and the territories)', () => {
  let liver: StructureMesh;
  let voxels: Uint32Array;
  let territoryLabels: Uint16Array;
  const ml = { one: 0, two: 0 };
  beforeAll(async () => {
    liver = (await meshLabelVolume(volume, { budgetTriangles: 8000 }))[0]!;
    const list: number[] = [];
    territoryLabels = new Uint16Array(volume.labels.length);
    const [nI, nJ, nK] = g.dimensions;
    const p: [number, number, number] = [0, 0, 0];
    const v = mm3ToMl(voxelVolumeMm3(g));
    for (let k = 0; k < nK; k++) {
      for (let j = 0; j < nJ; j++) {
        for (let i = 0; i < nI; i++) {
          const x = i + nI * (j + nJ * k);
          if (volume.labels[x] !== 5) continue;
          list.push(x);
          ijkToLps(g, i, j, k, p);
          territoryLabels[x] = p[0] < centre[0] ? 1 : 2;
          if (p[0] < centre[0]) ml.one += v;
          else ml.two += v;
        }
      }
    }
    voxels = Uint32Array.from(list);
  });

  const plan = (): ExportPlan => ({
    resections: [
      // A plane cut through the centre, normal +x (patient's left resected): the ellipse 24 × 27 mm.
      { name: 'Cut 1 on liver (plane)', organLabel: 5, plane: { pointLps: centre, normalLps: [1, 0, 0] } },
      // The same plane bent: the middle control points 8 mm towards the resected side.
      { name: 'Cut 2 on liver (curved)', organLabel: 5, plane: { pointLps: centre, normalLps: [1, 0, 0] }, patch: { uRangeMm: [-40, 40], vRangeMm: [-40, 40], heightsMm: [0, 0, 0, 0, 0, 8, 8, 0, 0, 8, 8, 0, 0, 0, 0, 0] } },
    ],
    territories: {
      liverLabel: 5,
      grid: g,
      labels: territoryLabels,
      generation: 1,
      liverMl: ml.one + ml.two,
      items: [
        { id: 1, name: 'portal vein 1.1 · right', colorRgb: [230, 159, 0], volumeMl: ml.one },
        { id: 2, name: 'portal vein 1.2 · left', colorRgb: [86, 180, 233], volumeMl: ml.two },
      ],
    },
  });

  it('GLB: a node per structure, resection surface and territory, named, extras with volumes, glTF metres; 0 validator errors or warnings', async () => {
    const api = createAnatomyWorkerApi();
    api.setMeshes([liver]);
    api.setStructureVoxels(5, g, voxels);
    const glb = api.exportGlb([5], [[5, 0.5]], plan());
    const report = await validateBytes(new Uint8Array(glb));
    expect(report.issues.numErrors, JSON.stringify(report.issues.messages.slice(0, 5))).toBe(0);
    expect(report.issues.numWarnings, JSON.stringify(report.issues.messages.slice(0, 5))).toBe(0);
    const gltf = gltfJson(glb);
    expect(gltf.nodes.map((n) => n.name)).toEqual(['liver', 'Cut 1 on liver (plane)', 'Cut 2 on liver (curved)', 'portal vein 1.1 · right', 'portal vein 1.2 · left']);
    expect(gltf.asset.extras.frame).toBe('glTF');
    expect(gltf.asset.extras.lpsMmFromFile).toEqual([...LPS_MM_FROM_GLTF]);
    const [, cut1, cut2, t1, t2] = gltf.nodes;
    expect(cut1!.extras).toMatchObject({ kind: 'resectionSurface', organ: 'liver', shape: 'plane', trimmedToOrgan: true, normalLps: [1, 0, 0] });
    expect(cut2!.extras).toMatchObject({ kind: 'resectionSurface', shape: 'bicubic Bézier height field over the plane', heightsMm: [0, 0, 0, 0, 0, 8, 8, 0, 0, 8, 8, 0, 0, 0, 0, 0] });
    // The plane trimmed to the liver's voxels is the ellipse π·24·27 mm² = 20.36 cm², within the
    // voxel staircase of its rim (perimeter ≈ 160 mm × ≤ 0.75 mm → 6 %).
    const ellipseCm2 = (Math.PI * radii[1] * radii[2]) / 100;
    expect(Math.abs((cut1!.extras.areaCm2 as number) - ellipseCm2) / ellipseCm2).toBeLessThan(0.06);
    // The bent surface bulges 4.5 mm at the patch centre (Bézier: 8 mm × (3/8 + 3/8)², a vertex of the 96-cell grid).
    const acc2 = gltf.accessors[gltf.meshes[cut2!.mesh]!.primitives[0]!.attributes.POSITION]!;
    expect(acc2.max![0]).toBeCloseTo(-0.064 + 0.0045, 5);
    expect(acc2.min![0]).toBeGreaterThanOrEqual(-0.064 - 1e-6); // heights ≥ 0: never behind the plane
    // The plane surface in glTF metres: X = L/1000 at the plane (x = −64 mm), Y = S within the ellipse (±27 mm).
    const acc = gltf.accessors[gltf.meshes[cut1!.mesh]!.primitives[0]!.attributes.POSITION]!;
    expect(acc.min![0]).toBeCloseTo(-0.064, 4);
    expect(acc.max![0]).toBeCloseTo(-0.064, 4);
    expect(acc.max![1]).toBeLessThan(0.0285);
    expect(acc.min![1]).toBeGreaterThan(-0.0285);
    expect(gltf.materials[gltf.nodes.indexOf(cut1!)]!.doubleSided).toBe(true);
    // Territories: volumes and shares as given, the two parts tiling the liver's surface (x below / above the centre).
    expect(t1!.extras).toMatchObject({ kind: 'vascularTerritory', territoryId: 1, liver: 'liver', branchGeneration: 1 });
    expect(t1!.extras.volumeMl as number).toBeCloseTo(ml.one, 2);
    expect((t1!.extras.percentOfLiver as number) + (t2!.extras.percentOfLiver as number)).toBeCloseTo(100, 1);
    const a1 = gltf.accessors[gltf.meshes[t1!.mesh]!.primitives[0]!.attributes.POSITION]!;
    const a2 = gltf.accessors[gltf.meshes[t2!.mesh]!.primitives[0]!.attributes.POSITION]!;
    // Territory 1 is x < −64 mm (the patient's right of the centre): X ≤ −0.064 m up to a voxel and a triangle.
    expect(a1.max![0]).toBeLessThan(-0.064 + 0.003);
    expect(a2.min![0]).toBeGreaterThan(-0.064 - 0.003);
  });

  it('STL: one file per plan surface, named, in LPS mm; a surface that misses the organ is refused by name', () => {
    const api = createAnatomyWorkerApi();
    api.setMeshes([liver]);
    api.setStructureVoxels(5, g, voxels);
    const files = api.exportPlanStl(plan());
    expect(files.map((f) => f.name)).toEqual(['Cut 1 on liver (plane)', 'Cut 2 on liver (curved)', 'portal vein 1.1 · right', 'portal vein 1.2 · left']);
    const cut = readBinaryStl(files[0]!.bytes);
    for (let q = 0; q < cut.positionsLps.length; q += 3) expect(cut.positionsLps[q]).toBeCloseTo(-64, 3);
    const t1 = readBinaryStl(files[2]!.bytes);
    const t2 = readBinaryStl(files[3]!.bytes);
    expect(t1.indices.length + t2.indices.length).toBe(liver.mesh.indices.length);
    const miss: ExportPlan = { resections: [{ name: 'Cut 3', organLabel: 5, plane: { pointLps: [0, 0, 0], normalLps: [1, 0, 0] }, patch: { uRangeMm: [-10, 10], vRangeMm: [-10, 10], heightsMm: new Array<number>(16).fill(0) } }] };
    expect(() => api.exportPlanStl(miss)).toThrow(/"Cut 3" does not cross liver/);
  });
});
