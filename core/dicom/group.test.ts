import { readdirSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import * as nifti from 'nifti-reader-js';
import { describe, expect, it } from 'vitest';
import { ijkToLps } from '../domain/imaging';
import { hasSharedData, sharedDataPath } from '../../test-support/shared-data';
import { groupInstances } from './group';
import { importDicomFiles, type InputFile } from './import';
import { buildVolume } from './volume';

function folder(...parts: string[]): InputFile[] {
  const dir = sharedDataPath(...parts);
  return readdirSync(dir)
    .sort()
    .map((name) => ({ name, bytes: new Uint8Array(readFileSync(`${dir}/${name}`)) }));
}

const ABDOMEN = ['dicom', 'ct-abdomen-totalseg-20slice-j2k', 'series'];
const CARDIAC = ['dicom', 'ct-cardiac-DERIVED-from-totalseg-nifti'];
const MR = ['dicom', 'misc', 'mr-enhanced-multiframe-pydicom-data'];

describe.skipIf(!hasSharedData(...ABDOMEN))('abdominal CT: 20 J2K slices with empty UIDs', () => {
  it('forms one study with one 512×512×20 series at 0.9765625 mm × 2.0 mm, z −804.5 → −766.5 (SOURCES.md)', async () => {
    // Shuffle the input: grouping must not depend on file order.
    const files = folder(...ABDOMEN).reverse();
    const r = await importDicomFiles(files);
    expect(r.rejected).toEqual([]);
    expect(r.studies).toHaveLength(1);
    const series = r.studies[0]!.series;
    expect(series).toHaveLength(1);
    const s = series[0]!;
    expect(s.geometry.dimensions).toEqual([512, 512, 20]);
    expect(s.geometry.spacingMm[0]).toBeCloseTo(0.9765625, 9);
    expect(s.geometry.spacingMm[1]).toBeCloseTo(0.9765625, 9);
    expect(s.geometry.spacingMm[2]).toBeCloseTo(2.0, 6);
    expect(s.geometry.originLps[2]).toBeCloseTo(-804.5, 6);
    expect(s.geometry.directionLps).toEqual([1, 0, 0, 0, 1, 0, 0, 0, 1]);
    const last = ijkToLps(s.geometry, 0, 0, 19);
    expect(last[2]).toBeCloseTo(-766.5, 6);
    expect(s.warnings).toEqual([]);
    expect(s.slices.map((x) => x.distanceMm)).toEqual([...s.slices.map((x) => x.distanceMm)].sort((a, b) => a - b));
    expect(s.transferSyntaxUids).toEqual(['1.2.840.10008.1.2.4.90']);
    expect(s.nativeDecodable).toBe(false);
    expect(s.browserDecodable).toBe(true);
  });

  it('without a decoder, building the J2K volume names the file and the syntax', async () => {
    const r = await importDicomFiles(folder(...ABDOMEN).slice(0, 2));
    await expect(buildVolume(r.studies[0]!.series[0]!, r.instances)).rejects.toThrow(/JPEG 2000 Lossless Only .*needs a codec/);
  });

  it('uses a supplied decode hook for compressed frames, then rescales (intercept −1024)', async () => {
    const r = await importDicomFiles(folder(...ABDOMEN).slice(0, 3));
    const seen: string[] = [];
    const v = await buildVolume(r.studies[0]!.series[0]!, r.instances, {
      decodeFrame: (f) => {
        seen.push(f.transferSyntaxUid);
        expect(f.bytes[0]).toBe(0xff); // J2K codestream starts with the SOC marker FF 4F
        expect(f.bytes[1]).toBe(0x4f);
        return Promise.resolve(new Uint16Array(f.rows * f.columns).fill(1024 + 40));
      },
    });
    expect(seen).toHaveLength(3);
    expect(v.voxels[0]).toBe(40);
    expect(v.unit).toBe('HU');
  });
});

describe.skipIf(!hasSharedData(...CARDIAC) || !hasSharedData('segmentation', 'cardiac-ct-totalseg', 'ct_cropped.nii.gz'))('cardiac CT: 112 slices', () => {
  it('matches the source NIfTI voxel for voxel and in geometry (RAS affine → LPS)', async () => {
    const r = await importDicomFiles(folder(...CARDIAC));
    expect(r.instances).toHaveLength(112);
    const s = r.studies[0]!.series[0]!;
    expect(s.geometry.dimensions).toEqual([122, 102, 112]);
    expect(s.geometry.spacingMm).toEqual([1.5, 1.5, 1.5]);
    const v = await buildVolume(s, r.instances);
    expect(v.voxels).toBeInstanceOf(Int16Array);

    const gz = readFileSync(sharedDataPath('segmentation', 'cardiac-ct-totalseg', 'ct_cropped.nii.gz'));
    const raw = gunzipSync(gz);
    const ab = raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.length);
    const header = nifti.readHeader(ab)!;
    const ref = new Int16Array(nifti.readImage(header, ab));
    expect(ref.length).toBe(v.voxels.length);
    let diff = 0;
    for (let i = 0; i < ref.length; i++) if (ref[i] !== v.voxels[i]) diff++;
    expect(diff).toBe(0);
    // NIfTI affine is RAS: LPS = (−x, −y, z) of the affine's translation column.
    const aff = header.affine as number[][];
    expect(v.originLps[0]).toBeCloseTo(-aff[0]![3]!, 3);
    expect(v.originLps[1]).toBeCloseTo(-aff[1]![3]!, 3);
    expect(v.originLps[2]).toBeCloseTo(aff[2]![3]!, 3);
  });

  it('detects gantry tilt and keeps exact slice positions in the k axis', async () => {
    const r = await importDicomFiles(folder(...CARDIAC).slice(0, 20));
    // Tilt of 10°: each slice steps 1.5 mm in z and 1.5·tan(10°) mm in y.
    const shift = 1.5 * Math.tan((10 * Math.PI) / 180);
    const sorted = [...r.instances].sort((a, b) => a.frames[0]!.positionLps![2] - b.frames[0]!.positionLps![2]);
    sorted.forEach((inst, k) => {
      inst.frames[0]!.positionLps![1] += k * shift;
    });
    const s = groupInstances(r.instances)[0]!.series[0]!;
    const tilt = s.warnings.find((w) => w.code === 'gantry-tilt');
    expect(tilt?.message).toMatch(/10\.00°/);
    expect(s.geometry.spacingMm[2]).toBeCloseTo(1.5 / Math.cos((10 * Math.PI) / 180), 6);
    const p = ijkToLps(s.geometry, 0, 0, 19);
    const want = sorted[19]!.frames[0]!.positionLps!;
    expect(p[1]).toBeCloseTo(want[1], 6);
    expect(p[2]).toBeCloseTo(want[2], 6);
  });

  it('detects uneven spacing (a missing slice) and duplicate positions', async () => {
    const files = folder(...CARDIAC).slice(0, 12);
    const withGap = files.filter((f) => f.name !== 'CT0006.dcm');
    const r = await importDicomFiles(withGap);
    const s = r.studies[0]!.series[0]!;
    expect(s.warnings.map((w) => w.code)).toEqual(['uneven-spacing']);
    expect(s.warnings[0]!.message).toMatch(/1\.50 to 3\.00 mm/);

    const dup = await importDicomFiles(files.slice(0, 4));
    dup.instances[1]!.frames[0]!.positionLps = [...dup.instances[0]!.frames[0]!.positionLps!];
    const d = groupInstances(dup.instances)[0]!.series[0]!;
    expect(d.warnings.map((w) => w.code)).toContain('duplicate-position');
    expect(d.slices).toHaveLength(3);
  });

  it('splits a series that mixes orientations and sizes', async () => {
    const r = await importDicomFiles(folder(...CARDIAC).slice(0, 6));
    // Two slices become a sagittal localiser inside the same SeriesInstanceUID.
    r.instances[4]!.frames[0]!.orientationLps = [0, 1, 0, 0, 0, -1];
    r.instances[5]!.frames[0]!.orientationLps = [0, 1, 0, 0, 0, -1];
    r.instances[5]!.frames[0]!.positionLps![0] += 5;
    const series = groupInstances(r.instances)[0]!.series;
    expect(series.map((s) => s.slices.length)).toEqual([4, 2]);
    expect(series[0]!.warnings[0]!.code).toBe('mixed-series');
    expect(new Set(series.map((s) => s.key)).size).toBe(2);
  });
});

describe.skipIf(!hasSharedData(...MR))('multi-frame MR', () => {
  it('turns the 10 frames of one Enhanced MR file into a 64×64×10 volume; all uncompressed syntaxes agree', async () => {
    const files = folder(...MR).filter((f) => f.name === 'emri_small.dcm' || f.name === 'emri_small_big_endian.dcm');
    const le = await importDicomFiles([files.find((f) => f.name === 'emri_small.dcm')!]);
    const be = await importDicomFiles([files.find((f) => f.name === 'emri_small_big_endian.dcm')!]);
    const s = le.studies[0]!.series[0]!;
    expect(s.geometry.dimensions).toEqual([64, 64, 10]);
    expect(s.slices.map((x) => x.frame)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    // This stripped test file has no plane position/orientation: the loader says so.
    expect(s.warnings.map((w) => w.code)).toEqual(expect.arrayContaining(['missing-position', 'missing-orientation', 'missing-spacing']));
    expect(s.geometry.spacingMm[2]).toBeCloseTo(1.2, 6); // Spacing Between Slices
    const vLe = await buildVolume(s, le.instances);
    const vBe = await buildVolume(be.studies[0]!.series[0]!, be.instances);
    expect(Array.from(vBe.voxels)).toEqual(Array.from(vLe.voxels));
    let max = 0;
    for (const x of vLe.voxels) max = Math.max(max, x);
    expect(max).toBeGreaterThan(100);
    expect(max).toBeLessThan(4096); // 12 bits stored
  });

  it('refuses colour images as a scalar volume, naming the file', async () => {
    const r = await importDicomFiles(folder(...MR).filter((f) => f.name === 'HTJ2KLossless_08_RGB.dcm'));
    await expect(buildVolume(r.studies[0]!.series[0]!, r.instances)).rejects.toThrow(/HTJ2KLossless_08_RGB\.dcm: colour images/);
  });

  it('a dropped folder with non-DICOM files loads the rest and names each refusal', async () => {
    const files: InputFile[] = [
      ...folder(...MR).filter((f) => f.name === 'emri_small.dcm' || f.name === 'LICENSE-MIT.txt'),
      { name: 'scan/broken.dcm', bytes: new Uint8Array(200) },
    ];
    const r = await importDicomFiles(files);
    expect(r.instances.map((i) => i.file)).toEqual(['emri_small.dcm']);
    expect(r.rejected.map((x) => [x.file, x.code])).toEqual([
      ['LICENSE-MIT.txt', 'not-dicom'],
      ['scan/broken.dcm', 'not-dicom'],
    ]);
  });
});

it('cancels an import through its AbortSignal', async () => {
  const ac = new AbortController();
  ac.abort();
  await expect(importDicomFiles([{ name: 'a.dcm', bytes: new Uint8Array(10) }], { signal: ac.signal })).rejects.toThrow(/cancelled/);
});

describe.skipIf(!hasSharedData('dicom', 'misc', 'ct-slice-16-transfer-syntaxes-cornerstone'))('native transfer syntaxes decode bit-identically (SOURCES.md: lossless variants equal the raw slice)', () => {
  it('implicit, explicit, big endian and deflated give the same HU', async () => {
    const dir = ['dicom', 'misc', 'ct-slice-16-transfer-syntaxes-cornerstone'];
    const names = [
      'CTImage.dcm',
      'CTImage.dcm_LittleEndianExplicitTransferSyntax_1.2.840.10008.1.2.1.dcm',
      'CTImage.dcm_BigEndianExplicitTransferSyntax_1.2.840.10008.1.2.2.dcm',
      'CTImage.dcm_DeflatedExplicitVRLittleEndianTransferSyntax_1.2.840.10008.1.2.1.99.dcm',
    ];
    const volumes = [];
    for (const n of names) {
      const r = await importDicomFiles([{ name: n, bytes: new Uint8Array(readFileSync(sharedDataPath(...dir, n))) }]);
      volumes.push(await buildVolume(r.studies[0]!.series[0]!, r.instances));
    }
    const ref = volumes[0]!.voxels;
    expect(ref.length).toBe(512 * 512);
    for (const v of volumes.slice(1)) expect(Array.from(v.voxels)).toEqual(Array.from(ref));
    // Signed 16-bit with intercept −1024: air outside the scan circle is padded at −3024 HU.
    let min = Infinity;
    for (const x of ref) min = Math.min(min, x);
    expect(min).toBe(-3024);
  });
});
