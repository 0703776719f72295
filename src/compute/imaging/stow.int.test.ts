// STOW-RS from the viewer's client into a real Orthanc PACS, read back with QIDO-RS.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasOrthanc, startOrthanc, type OrthancHandle } from '../../../test-support/orthanc';
import { hasSharedData, sharedDataPath } from '../../../test-support/shared-data';
import { stowFiles, type StowProgress } from './stow';

const ready = hasOrthanc() && hasSharedData('dicom', 'ct-cardiac-DERIVED-from-totalseg-nifti');

describe.skipIf(!ready)('stowFiles against Orthanc', () => {
  let orthanc: OrthancHandle;
  beforeAll(async () => {
    orthanc = await startOrthanc();
  });
  afterAll(async () => {
    await orthanc?.stop();
  });

  it('stores a whole series in batches with progress, and the PACS lists every instance', async () => {
    const dir = sharedDataPath('dicom', 'ct-cardiac-DERIVED-from-totalseg-nifti');
    const names = readdirSync(dir).filter((n) => !n.endsWith('.txt') && !n.endsWith('.md')).slice(0, 24);
    const files = names.map((n) => {
      const b = readFileSync(join(dir, n));
      return { name: n, bytes: b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer };
    });
    const progress: StowProgress[] = [];
    // A small batch budget forces several requests, as a large folder would.
    const result = await stowFiles(orthanc.dicomwebUrl, files, { batchBytes: 200_000, onProgress: (p) => progress.push(p) });
    expect(result.failures).toEqual([]);
    expect(result.storedSopInstanceUids).toHaveLength(files.length);
    expect(progress.length).toBeGreaterThan(2);
    expect(progress.at(-1)).toMatchObject({ sentFiles: files.length, totalFiles: files.length });
    const qido = (await (await fetch(`${orthanc.dicomwebUrl}/instances`)).json()) as unknown[];
    expect(qido).toHaveLength(files.length);
  });

  it('reports a non-DICOM part as a failure, not a crash', async () => {
    const junk = new TextEncoder().encode('this is not DICOM').buffer as ArrayBuffer;
    const result = await stowFiles(orthanc.dicomwebUrl, [{ name: 'notes.txt', bytes: junk }]);
    expect(result.storedSopInstanceUids).toEqual([]);
    expect(result.failures.length).toBeGreaterThan(0);
  });
});
