import { describe, expect, it } from 'vitest';
import { TAG, type DicomJson } from '../../../core/dicom/dicomJson';
import { imageIdsFromMetadata } from './dicomweb';

function inst(sop: string, z: number, ts = '1.2.840.10008.1.2.1'): DicomJson {
  return {
    [TAG.SOPInstanceUID]: { vr: 'UI', Value: [sop] },
    [TAG.Modality]: { vr: 'CS', Value: ['CT'] },
    [TAG.ImagePositionPatient]: { vr: 'DS', Value: [0, 0, z] },
    [TAG.ImageOrientationPatient]: { vr: 'DS', Value: [1, 0, 0, 0, 1, 0] },
    [TAG.TransferSyntaxUID]: { vr: 'UI', Value: [ts] },
  };
}

describe('imageIdsFromMetadata', () => {
  it('builds ordered wadors frame ids with their metadata', () => {
    const r = imageIdsFromMetadata('http://h/dicomweb', '1.2', '1.2.3', [inst('s2', 2), inst('s1', 1)]);
    expect(r.imageIds).toEqual([
      'wadors:http://h/dicomweb/studies/1.2/series/1.2.3/instances/s1/frames/1',
      'wadors:http://h/dicomweb/studies/1.2/series/1.2.3/instances/s2/frames/1',
    ]);
    expect(r.metadataByImageId.get(r.imageIds[0]!)?.[TAG.SOPInstanceUID]?.Value).toEqual(['s1']);
    expect(r.modality).toBe('CT');
    expect(r.unsupported).toEqual([]);
  });

  it('leaves out frames no browser codec decodes, naming the transfer syntax', () => {
    const r = imageIdsFromMetadata('http://h/dicomweb', '1.2', '1.2.3', [inst('ok', 1), inst('bad', 2, '1.2.840.10008.1.2.4.55')]);
    expect(r.imageIds).toHaveLength(1);
    expect(r.unsupported).toEqual([{ sopInstanceUid: 'bad', message: 'JPEG Full Progression, Non-Hierarchical (Process 10 & 12, retired) (1.2.840.10008.1.2.4.55) is not supported' }]);
  });
});
