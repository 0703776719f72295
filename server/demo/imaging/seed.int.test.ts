// Seeding the demo CTs into a real embedded DICOM store and a real FHIR store, with a small
// phantom so the test stays fast; the demo size is covered by phantom.test.ts.
import type { Endpoint, ImagingStudy, Patient } from '@medplum/fhirtypes';
import { afterAll, describe, expect, it } from 'vitest';
import { DicomStore } from '../../dicomweb/store';
import { type FhirStore } from '../../fhir/store';
import { openTempFhirStore, type TempFhirStore } from '../../../test-support/fhirStore';
import { importDicomFiles } from '../../../core/dicom/import';
import { DEMO_LIVER_IMAGING_STUDY, DEMO_PATIENT_AS, DEMO_PATIENT_LIVER, MRN_SYSTEM } from '../ids';
import { seedDemoData } from '../seed';
import { DEMO_AS_IMAGING_STUDY, DEMO_DICOMWEB_ENDPOINT } from './ids';
import { phantomGeometry } from './phantom';
import { demoCtPhantomOptions, demoCtUids, seedDemoImaging } from './seed';

describe('seedDemoImaging', () => {
  let temp: TempFhirStore | undefined;
  let fhir: FhirStore;
  let store: DicomStore;
  afterAll(() => {
    store?.close();
    temp?.close();
  });
  const phantom = { dimensions: [64, 64, 24] as [number, number, number], spacingMm: [6, 6, 12.5] as [number, number, number] };

  it('stores one CT per patient and links it by ImagingStudy (identifier urn:dicom:uid, series, endpoint)', async () => {
    temp = await openTempFhirStore('twinscope-seed-imaging-');
    fhir = temp.store;
    await seedDemoData(fhir);
    store = DicomStore.open(temp.dir);
    const result = await seedDemoImaging(store, fhir, { phantom, liverCt: 'phantom' });
    expect(result.generated).toEqual([DEMO_PATIENT_LIVER, DEMO_PATIENT_AS]);
    expect(result.instancesWritten).toBe(48);

    for (const [patient, studyId] of [
      [DEMO_PATIENT_LIVER, DEMO_LIVER_IMAGING_STUDY],
      [DEMO_PATIENT_AS, DEMO_AS_IMAGING_STUDY],
    ] as const) {
      const uids = demoCtUids(patient);
      const row = store.study(uids.study);
      expect(row?.instance_count).toBe(24);
      expect(row?.modalities).toBe('CT');
      expect(row?.patient_id).toMatch(/^MRN-/);
      const is = await fhir.read<ImagingStudy>('ImagingStudy', studyId);
      expect(is?.subject?.reference).toBe(`Patient/${patient}`);
      expect(is?.identifier).toEqual([{ system: 'urn:dicom:uid', value: `urn:oid:${uids.study}` }]);
      expect(is?.series?.[0]?.uid).toBe(uids.series);
      expect(is?.numberOfInstances).toBe(24);
      expect(is?.endpoint?.[0]?.reference).toBe(`Endpoint/${DEMO_DICOMWEB_ENDPOINT}`);
      expect(is?.status).toBe('available');
    }
    // The ground-truth label map regenerates on the stored grid (first slice position = origin).
    const uids = demoCtUids(DEMO_PATIENT_LIVER);
    const first = store.searchInstances(uids.study, uids.series, { instanceNumber: 1, limit: 1, offset: 0 })[0]!;
    const ipp = store.metadata(first.sop_uid)!['00200032']!.Value!.map(Number);
    const grid = phantomGeometry({ ...demoCtPhantomOptions(DEMO_PATIENT_LIVER)!, ...phantom });
    ipp.forEach((v, a) => expect(v).toBeCloseTo(grid.originLps[a]!, 4));
    expect(demoCtPhantomOptions(DEMO_PATIENT_LIVER)?.liverLesion).toBe(true);
    expect(demoCtPhantomOptions(DEMO_PATIENT_AS)?.aorticValveCalcification).toBe(true);
    // The foundation's placeholder fields survive (its reason for the study).
    const liver = await fhir.read<ImagingStudy>('ImagingStudy', DEMO_LIVER_IMAGING_STUDY);
    expect(liver?.reasonReference?.[0]?.reference).toMatch(/^Condition\//);
    const endpoint = await fhir.read<Endpoint>('Endpoint', DEMO_DICOMWEB_ENDPOINT);
    expect(endpoint?.address).toBe('/dicomweb');
  });

  it('is idempotent: a second run generates nothing', async () => {
    const again = await seedDemoImaging(store, fhir, { phantom, liverCt: 'phantom' });
    expect(again.generated).toEqual([]);
    expect(again.alreadyPresent).toEqual([DEMO_PATIENT_LIVER, DEMO_PATIENT_AS]);
    expect(store.counts().instances).toBe(48);
  });
});

describe('seedDemoImaging with the real liver CT (the default)', () => {
  let temp: TempFhirStore | undefined;
  let fhir: FhirStore;
  let store: DicomStore;
  afterAll(() => {
    store?.close();
    temp?.close();
  });
  const phantom = { dimensions: [32, 32, 8] as [number, number, number], spacingMm: [12, 12, 37.5] as [number, number, number] };

  it('files the TCIA CT (51 slices, 512×512) under the liver patient, identity rewritten, UIDs consistent, ImagingStudy series[] pointing at it; the AS patient keeps the phantom', async () => {
    temp = await openTempFhirStore('twinscope-seed-tcia-');
    fhir = temp.store;
    await seedDemoData(fhir);
    store = DicomStore.open(temp.dir);
    const result = await seedDemoImaging(store, fhir, { phantom });
    expect(result.generated).toEqual([DEMO_PATIENT_LIVER, DEMO_PATIENT_AS]);
    expect(result.instancesWritten).toBe(51 + 8);
    const patient = await fhir.read<Patient>('Patient', DEMO_PATIENT_LIVER);
    const mrn = patient!.identifier!.find((i) => i.system === MRN_SYSTEM)!.value!;
    const is = await fhir.read<ImagingStudy>('ImagingStudy', DEMO_LIVER_IMAGING_STUDY);
    const studyUid = is!.identifier![0]!.value!.replace('urn:oid:', '');
    const seriesUid = is!.series![0]!.uid;
    expect(is!.numberOfInstances).toBe(51);
    expect(is!.series![0]!.numberOfInstances).toBe(51);
    expect(is!.series![0]!.description).toMatch(/TCIA CRLM-CT-1006, CC BY 4\.0/);
    const row = store.study(studyUid)!;
    expect(row.instance_count).toBe(51);
    expect(row.patient_id).toBe(mrn);
    expect(row.patient_name).toContain(patient!.name![0]!.family!);
    expect(row.patient_birth_date).toBe(patient!.birthDate!.replace(/-/g, ''));
    // Every slice in one series of the study, with one frame of reference, source UIDs gone.
    const instances = store.searchInstances(studyUid, seriesUid, { limit: 100, offset: 0 });
    expect(instances).toHaveLength(51);
    const frames = new Set(instances.map((r) => String(store.metadata(r.sop_uid)!['00200052']!.Value![0])));
    expect(frames.size).toBe(1);
    expect([...frames][0]).toMatch(/^2\.25\./);
    expect(instances.every((r) => r.sop_uid.startsWith('2.25.'))).toBe(true);
    // The volume the viewer builds: 512×512×51 at 0.804688 × 0.804688 × 5 mm (test-data/SOURCES.md).
    const r = await importDicomFiles(instances.map((row, i) => ({ name: `i${i}.dcm`, bytes: new Uint8Array(store.readFile(row)) })));
    const plan = r.studies[0]!.series[0]!;
    expect(plan.geometry.dimensions).toEqual([512, 512, 51]);
    expect(plan.geometry.spacingMm[0]).toBeCloseTo(0.804688, 6);
    expect(plan.geometry.spacingMm[2]).toBeCloseTo(5, 4);
    expect(plan.warnings).toEqual([]);
    // The AS patient keeps the generated phantom.
    expect(store.study(demoCtUids(DEMO_PATIENT_AS).study)?.instance_count).toBe(8);
    // Idempotent.
    const again = await seedDemoImaging(store, fhir, { phantom });
    expect(again.alreadyPresent).toEqual([DEMO_PATIENT_LIVER, DEMO_PATIENT_AS]);
    expect(store.counts().instances).toBe(59);
  });
});
