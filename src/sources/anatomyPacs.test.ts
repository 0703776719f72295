// The pure parts of the Anatomy session's PACS I/O: which series wins, which study names a CT, and
// how the PACS's STOW answer is judged. (The requests themselves run against the real server in
// e2e/anatomy-liver.spec.ts and e2e/liver-real-ct.spec.ts.)
import type { ImagingStudy } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { largestSeries, storeSegmentation, type StowFn } from './anatomyPacs';
import { ctStudyForSeries } from './anatomyRecord';

const study = (id: string, series: Array<{ uid: string; code?: string; n?: number }>, started?: string): ImagingStudy => ({
  resourceType: 'ImagingStudy',
  id,
  status: 'available',
  subject: { reference: 'Patient/p' },
  ...(started ? { started } : {}),
  series: series.map((s) => ({ uid: s.uid, modality: { code: s.code ?? 'CT' }, ...(s.n === undefined ? {} : { numberOfInstances: s.n }) })),
});

describe('which CT series and study', () => {
  it('picks the series with the most instances, the first of equals, none of none', () => {
    expect(largestSeries([{ id: 'a', instanceCount: 3 }, { id: 'b', instanceCount: 90 }, { id: 'c', instanceCount: 90 }])).toEqual({ id: 'b', instanceCount: 90 });
    expect(largestSeries([])).toBeNull();
  });

  it('names the study holding the loaded series, else the CT study with the most instances, never a SEG', () => {
    const studies = [study('s1', [{ uid: '1.1', n: 300 }]), study('s2', [{ uid: '2.1', n: 20 }, { uid: '2.2', code: 'SEG', n: 999 }], '2024-05-01')];
    expect(ctStudyForSeries(studies, '2.1')).toEqual({ id: 's2', seriesInstanceUid: '2.1', started: '2024-05-01' });
    expect(ctStudyForSeries(studies, 'unknown')).toEqual({ id: 's1', seriesInstanceUid: '1.1' });
    expect(ctStudyForSeries([study('s3', [{ uid: '3.1', code: 'SEG' }])], undefined)).toBeNull();
  });
});

describe('storing a DICOM-SEG', () => {
  const built = { bytes: new ArrayBuffer(8), studyInstanceUid: '1.2', seriesInstanceUid: '1.2.3', sopInstanceUid: '1.2.3.4' };
  const segments = [{ label: 1, name: 'liver' }, { label: 4, name: 'tumour' }];
  const answering =
    (answer: Awaited<ReturnType<StowFn>>): StowFn =>
    async (_base, _files, opts) => {
      opts.onProgress?.({ sentBytes: 8, totalBytes: 8 });
      return answer;
    };

  it('returns the stored UIDs and the segment table once the PACS confirms the instance', async () => {
    const progress: number[] = [];
    const saved = await storeSegmentation(built, segments, answering({ storedSopInstanceUids: ['1.2.3.4'], failures: [] }), { onProgress: (f) => progress.push(f) });
    expect(saved).toEqual({ stored: 1, studyInstanceUid: '1.2', seriesInstanceUid: '1.2.3', sopInstanceUid: '1.2.3.4', segments });
    expect(progress).toEqual([1]);
  });

  it('names a refusal, and an answer that does not confirm the instance', async () => {
    await expect(storeSegmentation(built, segments, answering({ storedSopInstanceUids: [], failures: [{ reason: 'out of resources' }] }))).rejects.toThrow(
      'the PACS refused the segmentation: out of resources',
    );
    await expect(storeSegmentation(built, segments, answering({ storedSopInstanceUids: ['9.9'], failures: [] }))).rejects.toThrow('the PACS did not confirm storing the segmentation');
  });
});
