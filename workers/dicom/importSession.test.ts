import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { hasSharedData, sharedDataPath } from '../../test-support/shared-data';
import { DicomImportSession } from './importSession';

const CARDIAC = ['dicom', 'ct-cardiac-DERIVED-from-totalseg-nifti'];

describe.skipIf(!hasSharedData(...CARDIAC))('DicomImportSession (the worker behind "Open DICOM files")', () => {
  const names = hasSharedData(...CARDIAC) ? readdirSync(sharedDataPath(...CARDIAC)).sort().slice(0, 30) : [];

  it('imports Blobs with progress, then builds a volume by series key', async () => {
    const session = new DicomImportSession();
    const sources = names.map((name) => ({ name, blob: new Blob([readFileSync(sharedDataPath(...CARDIAC, name))]) }));
    const progress: number[] = [];
    const summary = await session.importFiles(sources, (p) => progress.push(p.filesDone));
    expect(progress).toEqual(names.map((_, i) => i + 1));
    expect(summary.instanceCount).toBe(30);
    expect(summary.rejected).toEqual([]);
    const key = summary.studies[0]!.series[0]!.key;
    const slices: number[] = [];
    const v = await session.buildVolume(key, undefined, (p) => slices.push(p.slicesDone));
    expect(v.dimensions).toEqual([122, 102, 30]);
    expect(slices.at(-1)).toBe(30);
    expect(session.seriesFiles(key)).toHaveLength(30);
  });

  it('cancel() stops a volume build in flight', async () => {
    const session = new DicomImportSession();
    const summary = await session.importFiles(names.map((name) => ({ name, bytes: new Uint8Array(readFileSync(sharedDataPath(...CARDIAC, name))) })));
    const key = summary.studies[0]!.series[0]!.key;
    let cancelled = false;
    const decodeless = session.buildVolume(key, undefined, (p) => {
      if (p.slicesDone === 5 && !cancelled) {
        cancelled = true;
        session.cancel();
      }
    });
    await expect(decodeless).rejects.toThrow(/cancelled/);
  });

  it('names each slice\'s source file by its position in the list, also when names repeat and files are refused', async () => {
    const session = new DicomImportSession();
    // A refused file first, then the slices in reverse order, all called IM0001 (as from 30
    // dropped folders): neither the file order nor the names identify a slice's file.
    const reversed = [...names].reverse();
    const sources = [
      { name: 'notes.txt', bytes: new TextEncoder().encode('not dicom') },
      ...reversed.map((name) => ({ name: 'IM0001', bytes: new Uint8Array(readFileSync(sharedDataPath(...CARDIAC, name))) })),
    ];
    const summary = await session.importFiles(sources);
    expect(summary.rejected.map((r) => r.file)).toEqual(['notes.txt']);
    const plan = summary.studies[0]!.series[0]!;
    expect(plan.slices).toHaveLength(30);
    for (const s of plan.slices) {
      expect(s.file).toBe('IM0001');
      expect(s.fileIndex).toBeGreaterThanOrEqual(1);
    }
    // Every source DICOM file is used once, and seriesFiles hands back the bytes at that index.
    expect(new Set(plan.slices.map((s) => s.fileIndex)).size).toBe(30);
    const files = session.seriesFiles(plan.key);
    for (const f of files) expect(Buffer.compare(Buffer.from(f.bytes), Buffer.from(sources[f.index]!.bytes))).toBe(0);
    expect(files.map((f) => f.index)).toEqual(plan.slices.map((s) => s.fileIndex));
    // The cardiac files are named in slice order, so their reversed positions are monotonic.
    const idx = plan.slices.map((s) => s.fileIndex);
    const diffs = idx.slice(1).map((v, k) => v - idx[k]!);
    expect(diffs.every((d) => d === diffs[0]) && Math.abs(diffs[0]!) === 1).toBe(true);
  });

  it('names an unknown series key', async () => {
    await expect(new DicomImportSession().buildVolume('nope')).rejects.toThrow(/no series nope/);
  });
});
