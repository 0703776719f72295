import type { Observation, Provenance, Resource } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { DEMO_PATIENT_AS } from '../../../server/demo/ids';
import { buildDemoResources } from '../../../server/demo/patients';
import { TWIN_OUTPUT_TAG } from '../../../core/contracts';
import { observationsFromVitals } from '../../../workers/physiology/calibration/calibrate';
import { MESHING_VERSION } from '../../../core/contracts/versions';
import { ingestFhirVitals } from '../../../core/vitals/fhir-vitals';
import { isLvBloodPoolName, LV_VOLUME_ID_SYSTEM, lvVolumeBundle, lvVolumeOf, type LvVolumeArgs } from './lvVolume';

const NOW_MS = Date.parse('2026-11-20T12:00:00Z');

function args(over: Partial<LvVolumeArgs> = {}): LvVolumeArgs {
  return {
    patientId: DEMO_PATIENT_AS,
    structure: { label: 7, name: 'heart_ventricle_left', meshVolumeMl: 131.24, voxelVolumeMl: 132.9, watertight: true },
    imagingStudyId: 'demo-as-ct',
    seriesInstanceUid: '1.2.826.0.1.3680043.8.498.1',
    segmentation: { kind: 'dicom-seg', id: '1.2.826.0.1.3680043.8.498.2', description: 'TotalSegmentator' },
    acquiredAt: new Date(NOW_MS - 24 * 3600e3).toISOString(),
    publishedAt: new Date(NOW_MS).toISOString(),
    user: { username: 'clin1', displayName: 'Dr One' },
    meshingVersion: MESHING_VERSION,
    ...over,
  };
}

describe('LV blood pool recognition', () => {
  it('accepts the usual LV cavity names and refuses the wall and other chambers', () => {
    for (const n of ['heart_ventricle_left', 'Left ventricle', 'left-ventricle', 'LV', 'LV blood pool', 'left_ventricle_cavity']) expect(isLvBloodPoolName(n), n).toBe(true);
    for (const n of ['heart_myocardium', 'LV myocardium', 'left_ventricle_myocardium', 'heart_ventricle_right', 'heart_atrium_left', 'liver', 'lv wall']) expect(isLvBloodPoolName(n), n).toBe(false);
  });

  it('publishes the closed surface volume, or the voxel volume when the surface is open', () => {
    expect(lvVolumeOf(args().structure)).toEqual({ volumeMl: 131.24, basis: 'surface' });
    expect(lvVolumeOf({ ...args().structure, watertight: false })).toEqual({ volumeMl: 132.9, basis: 'voxels' });
  });
});

describe('lvVolumeBundle', () => {
  it('is a transaction of a tagged Observation (conditional create) and a Provenance targeting it', () => {
    const b = lvVolumeBundle(args());
    expect(b.type).toBe('transaction');
    expect(b.entry).toHaveLength(2);
    const [oe, pe] = b.entry!;
    const obs = oe!.resource as Observation;
    expect(obs.meta?.tag).toContainEqual({ system: TWIN_OUTPUT_TAG.system, code: TWIN_OUTPUT_TAG.code });
    expect(obs.code.coding?.[0]).toMatchObject({ system: 'http://loinc.org', code: '18026-5' });
    expect(obs.valueQuantity).toEqual({ value: 131.2, unit: 'mL', system: 'http://unitsofmeasure.org', code: 'mL' });
    expect(obs.method?.text).toBe('CT segmentation');
    expect(obs.subject?.reference).toBe(`Patient/${DEMO_PATIENT_AS}`);
    expect(obs.derivedFrom).toEqual([{ reference: 'ImagingStudy/demo-as-ct' }]);
    expect(obs.effectiveDateTime).toBe(args().acquiredAt);
    const id = obs.identifier?.[0];
    expect(id?.system).toBe(LV_VOLUME_ID_SYSTEM);
    expect(id?.value).toMatch(/^[A-Za-z0-9-]{1,64}$/);
    expect(oe!.request).toEqual({ method: 'POST', url: 'Observation', ifNoneExist: `identifier=${LV_VOLUME_ID_SYSTEM}|${id!.value}` });
    expect(oe!.fullUrl).toMatch(/^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-8[0-9a-f]{3}-[0-9a-f]{12}$/);

    const prov = pe!.resource as Provenance;
    expect(pe!.request).toEqual({ method: 'PUT', url: `Provenance/${prov.id}` });
    expect(prov.meta?.tag).toContainEqual({ system: TWIN_OUTPUT_TAG.system, code: TWIN_OUTPUT_TAG.code });
    expect(prov.target).toEqual([{ reference: oe!.fullUrl }]);
    expect(prov.agent.map((a) => a.who.display)).toEqual(['Dr One', MESHING_VERSION]);
    expect(prov.agent[0]!.who.identifier?.value).toBe('clin1');
    expect(prov.entity?.map((e) => e.what.reference ?? e.what.identifier?.value)).toEqual([
      'ImagingStudy/demo-as-ct',
      'urn:oid:1.2.826.0.1.3680043.8.498.1',
      'dicom-seg:1.2.826.0.1.3680043.8.498.2',
    ]);
  });

  it('is idempotent: the same measurement gives the same identifier and Provenance id, a new volume a new one', () => {
    const a = lvVolumeBundle(args());
    const again = lvVolumeBundle(args({ publishedAt: new Date(NOW_MS + 60e3).toISOString() }));
    const other = lvVolumeBundle(args({ structure: { ...args().structure, meshVolumeMl: 140 } }));
    const key = (b: typeof a) => (b.entry![0]!.resource as Observation).identifier![0]!.value;
    expect(key(again)).toBe(key(a));
    expect(again.entry![1]!.resource!.id).toBe(a.entry![1]!.resource!.id);
    expect(key(other)).not.toBe(key(a));
  });

  it('refuses, naming the problem: an implausible volume, no ImagingStudy, no user', () => {
    expect(() => lvVolumeBundle(args({ structure: { ...args().structure, name: 'liver', meshVolumeMl: 1700 } }))).toThrow(/liver measures 1700 mL, outside the plausible 20–600 mL/);
    expect(() => lvVolumeBundle(args({ imagingStudyId: '' }))).toThrow(/no ImagingStudy/);
    expect(() => lvVolumeBundle(args({ user: { username: '', displayName: '' } }))).toThrow(/sign in/);
  });

  it('is read by the ingest as the latest LV end-diastolic volume and mapped to the calibration input lvedvMl', () => {
    const record: Resource[] = buildDemoResources(NOW_MS).filter(
      (r) => (r.resourceType === 'Patient' && r.id === DEMO_PATIENT_AS) || (r as { subject?: { reference?: string } }).subject?.reference === `Patient/${DEMO_PATIENT_AS}`,
    );
    // The demo AS patient's latest echo LVEDV is 104 mL, 14 days old; the CT is 1 day old.
    const before = ingestFhirVitals(record);
    expect(before.latest.lvedvMl?.value).toBe(104);
    // As stored by the server: the Observation gets an id.
    const stored = { ...(lvVolumeBundle(args()).entry![0]!.resource as Observation), id: 'lv-ct-1' };
    const v = ingestFhirVitals([...record, stored]);
    expect(v.latest.lvedvMl).toMatchObject({ value: 131.2, source: 'Observation/lv-ct-1', unit: 'mL', converted: false });
    expect(v.latest.lvedvMl?.implausible).toBeUndefined();
    const { observations, inputs } = observationsFromVitals(v);
    expect(observations).toContainEqual(expect.objectContaining({ key: 'lvedvMl', value: 131.2, source: 'Observation/lv-ct-1' }));
    expect(inputs.used.find((u) => u.kind === 'lvedvMl')?.source).toBe('Observation/lv-ct-1');
  });
});
