import { describe, expect, it } from 'vitest';
import { mergeStudies, orderSeriesFrames, seriesFromQido, studyFromFhir, studyFromQido, TAG, type DicomJson } from './dicomJson';

function inst(sop: string, o: { pos?: number[]; iop?: number[]; n?: number; frames?: number }): DicomJson {
  const ds: DicomJson = { [TAG.SOPInstanceUID]: { vr: 'UI', Value: [sop] } };
  if (o.pos) ds[TAG.ImagePositionPatient] = { vr: 'DS', Value: o.pos };
  if (o.iop) ds[TAG.ImageOrientationPatient] = { vr: 'DS', Value: o.iop };
  if (o.n !== undefined) ds[TAG.InstanceNumber] = { vr: 'IS', Value: [o.n] };
  if (o.frames !== undefined) ds[TAG.NumberOfFrames] = { vr: 'IS', Value: [String(o.frames)] };
  return ds;
}

const AXIAL = [1, 0, 0, 0, 1, 0];

describe('orderSeriesFrames', () => {
  it('orders slices along the normal, not by instance number or arrival', () => {
    // Instance numbers run opposite to position (a feet-first export), arrival is shuffled.
    const order = orderSeriesFrames([
      inst('b', { pos: [0, 0, -798.5], iop: AXIAL, n: 2 }),
      inst('c', { pos: [0, 0, -800.5], iop: AXIAL, n: 1 }),
      inst('a', { pos: [0, 0, -796.5], iop: AXIAL, n: 3 }),
    ]);
    expect(order.map((f) => f.sopInstanceUid)).toEqual(['c', 'b', 'a']);
  });

  it('projects on the normal of an oblique orientation', () => {
    // Sagittal (rows along y, columns along −z): normal = row × col = (0,1,0)×(0,0,−1) = (−1,0,0).
    const sag = [0, 1, 0, 0, 0, -1];
    const order = orderSeriesFrames([inst('x1', { pos: [10, 0, 0], iop: sag }), inst('x2', { pos: [-10, 0, 0], iop: sag })]);
    expect(order.map((f) => f.sopInstanceUid)).toEqual(['x1', 'x2']);
  });

  it('falls back to instance number when a position is missing or orientations differ', () => {
    const missing = orderSeriesFrames([inst('p', { pos: [0, 0, 5], iop: AXIAL, n: 2 }), inst('q', { iop: AXIAL, n: 1 })]);
    expect(missing.map((f) => f.sopInstanceUid)).toEqual(['q', 'p']);
    const mixed = orderSeriesFrames([inst('r', { pos: [0, 0, 1], iop: AXIAL, n: 9 }), inst('s', { pos: [0, 0, 9], iop: [0, 1, 0, 0, 0, -1], n: 3 })]);
    expect(mixed.map((f) => f.sopInstanceUid)).toEqual(['s', 'r']);
  });

  it('expands multi-frame instances into 1-based frames and drops instances without a UID', () => {
    const order = orderSeriesFrames([inst('mf', { frames: 3 }), { [TAG.InstanceNumber]: { vr: 'IS', Value: [1] } }]);
    expect(order.map((f) => `${f.sopInstanceUid}#${f.frame}`)).toEqual(['mf#1', 'mf#2', 'mf#3']);
  });
});

describe('study lists', () => {
  const qido: DicomJson = {
    [TAG.StudyInstanceUID]: { vr: 'UI', Value: ['1.2.3'] },
    [TAG.StudyDate]: { vr: 'DA', Value: ['20250102'] },
    [TAG.ModalitiesInStudy]: { vr: 'CS', Value: ['CT'] },
    [TAG.NumberOfStudyRelatedInstances]: { vr: 'IS', Value: [300] },
  };

  it('reads QIDO-RS studies and series', () => {
    expect(studyFromQido(qido)).toEqual({
      studyInstanceUid: '1.2.3',
      date: '20250102',
      description: undefined,
      modalities: ['CT'],
      instanceCount: 300,
      foundIn: ['qido'],
    });
    expect(studyFromQido({})).toBeNull();
    expect(
      seriesFromQido('1.2.3', {
        [TAG.SeriesInstanceUID]: { vr: 'UI', Value: ['1.2.3.4'] },
        [TAG.SeriesNumber]: { vr: 'IS', Value: ['2'] },
        [TAG.Modality]: { vr: 'CS', Value: ['CT'] },
      }),
    ).toMatchObject({ seriesInstanceUid: '1.2.3.4', number: 2, modality: 'CT' });
  });

  it('reads the Study Instance UID of an ImagingStudy from its urn:dicom:uid identifier', () => {
    const s = studyFromFhir({
      resourceType: 'ImagingStudy',
      id: 'demo-liver-ct',
      started: '2025-01-02T10:00:00Z',
      description: 'CT abdomen',
      identifier: [{ system: 'urn:dicom:uid', value: 'urn:oid:1.2.3' }],
      series: [{ uid: '1.2.3.4', modality: { code: 'CT' } }],
    });
    expect(s).toMatchObject({ studyInstanceUid: '1.2.3', date: '20250102', modalities: ['CT'], imagingStudyId: 'demo-liver-ct' });
    expect(studyFromFhir({ resourceType: 'ImagingStudy', identifier: [{ system: 'urn:other', value: 'x' }] })).toBeNull();
  });

  it('merges both sources by UID, record text first, newest study first', () => {
    const fhir = studyFromFhir({
      resourceType: 'ImagingStudy',
      id: 'is1',
      description: 'CT abdomen (record)',
      identifier: [{ system: 'urn:dicom:uid', value: 'urn:oid:1.2.3' }],
    })!;
    const older = studyFromQido({ [TAG.StudyInstanceUID]: { vr: 'UI', Value: ['9.9'] }, [TAG.StudyDate]: { vr: 'DA', Value: ['20200101'] } })!;
    const merged = mergeStudies([fhir], [studyFromQido(qido)!, older]);
    expect(merged.map((s) => s.studyInstanceUid)).toEqual(['1.2.3', '9.9']);
    expect(merged[0]).toMatchObject({ description: 'CT abdomen (record)', instanceCount: 300, modalities: ['CT'], foundIn: ['fhir', 'qido'], imagingStudyId: 'is1' });
    expect(merged[1]!.foundIn).toEqual(['qido']);
  });
});
