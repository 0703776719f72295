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

  it('names an unknown series key', async () => {
    await expect(new DicomImportSession().buildVolume('nope')).rejects.toThrow(/no series nope/);
  });
});
