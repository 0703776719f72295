import { describe, expect, it } from 'vitest';
import { ijkToLps, mm3ToMl, voxelVolumeMm3 } from '../../../core/domain/imaging';
import { importDicomFiles } from '../../../core/dicom/import';
import { buildVolume } from '../../../core/dicom/volume';
import { DEMO_PHANTOM_OPTIONS, generatePhantom, generatePhantomInSlabs, PHANTOM_SEGMENTS, phantomLabelVolume, TISSUE_HU } from './phantom';
import { uidFromName, writeCtSlice, type CtSeriesHeader } from './writer';

describe('demo CT phantom (256×256×200 at 1.5 mm)', () => {
  const opts = { ...DEMO_PHANTOM_OPTIONS, seed: 58, liverLesion: true, aorticValveCalcification: false };
  const { ct, labels } = generatePhantom(opts);
  const [nx, ny, nz] = ct.dimensions;
  const byLabel = new Map<number, { n: number; sum: number; sumSq: number }>();
  for (let p = 0; p < ct.voxels.length; p++) {
    const l = labels.labels[p]!;
    const s = byLabel.get(l) ?? { n: 0, sum: 0, sumSq: 0 };
    const v = ct.voxels[p]!;
    s.n++;
    s.sum += v;
    s.sumSq += v * v;
    byLabel.set(l, s);
  }
  const stats = (name: string): { mean: number; sd: number; ml: number } => {
    const label = PHANTOM_SEGMENTS.find((s) => s.name === name)!.label;
    const s = byLabel.get(label)!;
    const mean = s.sum / s.n;
    return { mean, sd: Math.sqrt(s.sumSq / s.n - mean * mean), ml: mm3ToMl(s.n * voxelVolumeMm3(ct)) };
  };

  it('meets the size and spacing the issue asks for, centred on the patient in LPS', () => {
    expect([nx, ny, nz]).toEqual([256, 256, 200]);
    expect(ct.spacingMm).toEqual([1.5, 1.5, 1.5]);
    const centre = ijkToLps(ct, (nx - 1) / 2, (ny - 1) / 2, (nz - 1) / 2);
    centre.forEach((c) => expect(c).toBeCloseTo(0, 9));
    expect(labels.dimensions).toEqual(ct.dimensions);
  });

  // Reference HU: the table in phantom.ts (portal venous phase; the shared abdominal CT
  // measures liver 89 HU). Tolerance: 4 × the standard error of a mean of ≥ 10⁴ voxels with
  // 12 HU noise is < 0.5 HU; 2 HU also absorbs clamping at the cortical/cancellous boundary.
  it.each([
    ['liver', 90],
    ['liver_lesion', 40],
    ['subcutaneous_fat', -100],
    ['heart_ventricle_left', 300],
    ['heart_atrium_left', 300],
    ['aorta', 300],
    ['spleen', 100],
    ['lung_left', -850],
    ['lung_right', -850],
    ['spinal_canal', 15],
    ['intervertebral_disc', 80],
  ])('%s has mean HU %d ± 2', (name, hu) => {
    expect(stats(name).mean).toBeCloseTo(hu, 0);
    expect(Math.abs(stats(name).mean - hu)).toBeLessThan(2);
  });

  it('myocardium, kidneys and bones sit in their documented ranges', () => {
    expect(stats('heart_myocardium').mean).toBeGreaterThan(95);
    expect(stats('heart_myocardium').mean).toBeLessThan(130); // RV wall shares the label
    for (const k of ['kidney_left', 'kidney_right']) {
      expect(stats(k).mean).toBeGreaterThan(115);
      expect(stats(k).mean).toBeLessThan(150);
    }
    // Cortical shell 900 with a 250 HU cancellous core: the mix lies between them.
    for (const b of ['vertebrae', 'ribs']) {
      expect(stats(b).mean).toBeGreaterThan(300);
      expect(stats(b).mean).toBeLessThan(900);
    }
    let maxBone = -Infinity;
    for (let p = 0; p < ct.voxels.length; p++) if (labels.labels[p] === 20 && ct.voxels[p]! > maxBone) maxBone = ct.voxels[p]!;
    expect(maxBone).toBeGreaterThan(900);
  });

  it('has realistic noise (SD 12 HU in homogeneous liver) and clean air outside', () => {
    expect(stats('liver').sd).toBeGreaterThan(11.5);
    expect(stats('liver').sd).toBeLessThan(12.5);
    expect(ct.voxels[0]).toBe(-1000);
  });

  it('has organs of plausible adult size (mL)', () => {
    expect(stats('liver').ml).toBeGreaterThan(1200);
    expect(stats('liver').ml).toBeLessThan(2200);
    expect(stats('heart_ventricle_left').ml).toBeGreaterThan(50);
    expect(stats('heart_ventricle_left').ml).toBeLessThan(200);
    expect(stats('kidney_left').ml).toBeGreaterThan(100);
    expect(stats('kidney_left').ml).toBeLessThan(250);
    expect(stats('liver_lesion').ml).toBeGreaterThan(10);
  });

  it('has the liver lesion only when asked, and valve calcium only for the AS patient', () => {
    expect(byLabel.get(22)).toBeUndefined();
    const lesionFree = phantomLabelVolume({ ...opts, liverLesion: false, aorticValveCalcification: true });
    let calcium = 0;
    let lesion = 0;
    for (const l of lesionFree.labels) {
      if (l === 22) calcium++;
      if (l === 13) lesion++;
    }
    expect(lesion).toBe(0);
    expect(calcium).toBeGreaterThan(20);
    expect(TISSUE_HU[17]).toBe(900);
  });

  it('is deterministic for a seed', () => {
    const again = generatePhantom({ ...opts, dimensions: [64, 64, 40], spacingMm: [6, 6, 7.5] });
    const twice = generatePhantom({ ...opts, dimensions: [64, 64, 40], spacingMm: [6, 6, 7.5] });
    expect(Buffer.compare(Buffer.from(again.ct.voxels.buffer), Buffer.from(twice.ct.voxels.buffer))).toBe(0);
  });
});

describe('CT writer → ingest round trip', () => {
  it('writes valid Part 10 CT slices that load back to the same HU and geometry', async () => {
    const { ct } = generatePhantom({ dimensions: [48, 40, 12], spacingMm: [8, 9.5, 25], seed: 3, noiseSdHu: 12, liverLesion: true, aorticValveCalcification: true });
    const h: CtSeriesHeader = {
      patientId: 'MRN-TEST',
      patientName: 'Test^Phantom',
      patientBirthDate: '19680101',
      patientSex: 'F',
      studyInstanceUid: uidFromName('t|study'),
      seriesInstanceUid: uidFromName('t|series'),
      frameOfReferenceUid: uidFromName('t|for'),
      sopInstanceUidRoot: uidFromName('t|sop').slice(0, 40),
      studyDate: '20260101',
      studyTime: '120000',
      accessionNumber: 'A1',
      studyDescription: 'd',
      seriesDescription: 's',
      seriesNumber: 2,
      bodyPartExamined: 'ABDOMEN',
      windowCenter: 40,
      windowWidth: 400,
    };
    const files = Array.from({ length: 12 }, (_, k) => ({ name: `s${k}.dcm`, bytes: writeCtSlice(ct, k, h) })).reverse();
    const r = await importDicomFiles(files);
    expect(r.rejected).toEqual([]);
    const plan = r.studies[0]!.series[0]!;
    expect(plan.warnings).toEqual([]);
    expect(plan.geometry.spacingMm[0]).toBeCloseTo(8, 6);
    expect(plan.geometry.spacingMm[1]).toBeCloseTo(9.5, 6);
    expect(plan.geometry.spacingMm[2]).toBeCloseTo(25, 6);
    plan.geometry.originLps.forEach((v, a) => expect(v).toBeCloseTo(ct.originLps[a]!, 4));
    expect(r.instances[0]!.sopClassUid).toBe('1.2.840.10008.5.1.4.1.1.2');
    expect(r.instances[0]!.windowCenter).toBe(40);
    const v = await buildVolume(plan, r.instances);
    expect(v.unit).toBe('HU');
    expect(Array.from(v.voxels)).toEqual(Array.from(ct.voxels));
    expect(h.sopInstanceUidRoot.length + 4).toBeLessThanOrEqual(64);
    expect(uidFromName('t|study')).toMatch(/^2\.25\.\d{1,39}$/);
  });
});

describe('generatePhantomInSlabs (the server generates with yields in between)', () => {
  it('gives the same volume voxel for voxel as one pass, for any slab size, and reports slabs in order', async () => {
    const o = { ...DEMO_PHANTOM_OPTIONS, dimensions: [48, 40, 30] as [number, number, number], spacingMm: [7, 7, 9] as [number, number, number], seed: 72, liverLesion: true, aorticValveCalcification: true };
    const whole = generatePhantom(o);
    for (const slicesPerSlab of [1, 4, 7, 30]) {
      const reported: number[] = [];
      const slabbed = await generatePhantomInSlabs(o, { slicesPerSlab, onSlab: (_p, kHi) => void reported.push(kHi) });
      expect(Buffer.from(slabbed.ct.voxels.buffer).equals(Buffer.from(whole.ct.voxels.buffer)), `slab ${slicesPerSlab}`).toBe(true);
      expect(Buffer.from(slabbed.labels.labels).equals(Buffer.from(whole.labels.labels))).toBe(true);
      expect(reported.at(-1)).toBe(30);
      expect(reported).toEqual([...reported].sort((a, b) => a - b));
    }
    // Not a trivially equal pair: the volume has anatomy and noise.
    expect(new Set(whole.labels.labels).size).toBeGreaterThan(10);
  });

  it('stops when aborted', async () => {
    const controller = new AbortController();
    const o = { ...DEMO_PHANTOM_OPTIONS, dimensions: [32, 32, 20] as [number, number, number], spacingMm: [10, 10, 14] as [number, number, number], seed: 1, liverLesion: false, aorticValveCalcification: false };
    await expect(generatePhantomInSlabs(o, { slicesPerSlab: 2, signal: controller.signal, onSlab: (_p, kHi) => (kHi >= 6 ? controller.abort() : undefined) })).rejects.toThrow();
  });
});
