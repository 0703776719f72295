import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateBytes } from 'gltf-validator';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { hasSharedData, sharedDataPath } from '../../test-support/shared-data';
import { runMeshCli } from './cli';
import { writeDicomSeg } from './dicomSeg';
import { axisAlignedGeometry, ellipsoidPhantom } from './phantoms';

const dir = mkdtempSync(join(tmpdir(), 'twin-mesh-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => ((out += String(s)), true));
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => ((err += String(s)), true));
  try {
    const code = await runMeshCli(args);
    return { code, out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

interface Report {
  structures: Array<{ name: string; voxelVolumeMl: number; meshVolumeMl: number; triangles: number; watertight: boolean }>;
}

describe('twin mesh', () => {
  it('DICOM-SEG → STL with --json: names, volumes in mL, triangle counts', async () => {
    const g = axisAlignedGeometry([40, 40, 24], [1, 1, 2], [-20, -20, -24]);
    const vol = ellipsoidPhantom(g, [
      { label: 1, name: 'left ventricle blood pool', centreLps: [0, 0, 0], radiiMm: [12, 10, 16] },
      { label: 2, name: 'aorta', centreLps: [12, 12, 0], radiiMm: [4, 4, 20] },
    ]);
    const seg = join(dir, 'phantom.dcm');
    writeFileSync(seg, new Uint8Array(writeDicomSeg(vol)));
    const out = join(dir, 'phantom.stl');
    const r = await run(['--segmentation', seg, '--out', out, '--json', '--budget', '3000']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.out) as Report;
    expect(report.structures.map((s) => s.name)).toEqual(['left ventricle blood pool', 'aorta']);
    const lv = report.structures[0]!;
    // Ellipsoid 4/3·π·12·10·16 mm³ = 8.04 mL.
    expect(lv.voxelVolumeMl).toBeGreaterThan(8.04 * 0.97);
    expect(lv.voxelVolumeMl).toBeLessThan(8.04 * 1.03);
    expect(Math.abs(lv.meshVolumeMl / lv.voxelVolumeMl - 1)).toBeLessThan(0.03);
    expect(lv.triangles).toBeLessThanOrEqual(3000);
    const triangles = report.structures.reduce((n, s) => n + s.triangles, 0);
    expect(readFileSync(out).byteLength).toBe(84 + 50 * triangles);
  });

  it.skipIf(!hasSharedData('dicom', 'ct-abdomen-totalseg-20slice-j2k', 'series'))(
    'NIfTI (LAS) + label table + --reference CT folder → GLB that passes the Khronos validator',
    async () => {
      const base = sharedDataPath('dicom', 'ct-abdomen-totalseg-20slice-j2k');
      const out = join(dir, 'abdomen.glb');
      const r = await run([
        '--segmentation', join(base, 'seg', 'example_seg_dicom.nii.gz'),
        '--labels', join(base, 'seg', 'totalseg_total_labels.json'),
        '--reference', join(base, 'series'),
        '--out', out, '--json', '--budget', '20000',
      ]);
      expect(r.err).toBe('');
      expect(r.code).toBe(0);
      const report = JSON.parse(r.out) as Report;
      expect(report.structures.length).toBe(31);
      const liver = report.structures.find((s) => s.name === 'liver')!;
      // 366 708 voxels × 0.9765625² × 2 mm³ = 699.44 mL (resampling onto the CT grid is a pure flip).
      expect(liver.voxelVolumeMl).toBeCloseTo(699.44, 2);
      expect(Math.abs(liver.meshVolumeMl / liver.voxelVolumeMl - 1)).toBeLessThan(0.03);
      expect(report.structures.every((s) => s.watertight)).toBe(true);
      const v = await validateBytes(new Uint8Array(readFileSync(out)));
      expect(v.issues.numErrors).toBe(0);
    },
  );

  it('bad input exits 2 with a message naming the problem', async () => {
    const cases: Array<[string[], RegExp]> = [
      [[], /--segmentation FILE is required/],
      [['--segmentation', 'x.nii'], /--out FILE.glb or FILE.stl is required/],
      [['--segmentation', 'x.nii', '--out', 'y.obj'], /must end in .glb or .stl/],
      [['--segmentation', join(dir, 'missing.nii.gz'), '--out', join(dir, 'y.glb')], /cannot be read/],
      [['--segmentation', 'x.nii', '--out', 'y.glb', '--budget', 'lots'], /--budget must be a whole number/],
      [['--segmentation', 'x.nii', '--out', 'y.glb', '--colour', 'red'], /unknown option "--colour"/],
      [['--segmentation', join(dir, 'x.txt'), '--out', join(dir, 'y.glb')], /cannot be read|must be a NIfTI/],
    ];
    writeFileSync(join(dir, 'not-nifti.nii'), 'hello');
    cases.push([['--segmentation', join(dir, 'not-nifti.nii'), '--out', join(dir, 'y.glb')], /not a NIfTI/]);
    for (const [args, message] of cases) {
      const r = await run(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err).toMatch(message);
    }
  });
});
