// The LV volume bundle against the real server (embedded FHIR store, demo record, port 0, temp
// dir): accepted as a twin output with its Provenance, idempotent on retry, found by the search
// the calibration's record load makes, and refused for a patient whose consent denies the twin.
import type { Bundle, Observation } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PATIENT_AS, DEMO_PATIENT_NO_TWIN } from '../../../server/demo/ids';
import { DEMO_AS_IMAGING_STUDY } from '../../../server/demo/imaging/ids';
import { startTestServer, type TestServer } from '../../../server/testing/harness';
import { MESHING_VERSION } from '../../../core/contracts/versions';
import { LV_VOLUME_LOINC, lvVolumeBundle, type LvVolumeArgs } from './lvVolume';

let server: TestServer;
let token: string;

beforeAll(async () => {
  server = await startTestServer();
  token = await server.login('clinician');
}, 60_000);
afterAll(async () => {
  await server?.close();
});

const args = (patientId: string): LvVolumeArgs => ({
  patientId,
  structure: { label: 7, name: 'heart_ventricle_left', meshVolumeMl: 118.43, voxelVolumeMl: 118.9, watertight: true },
  imagingStudyId: DEMO_AS_IMAGING_STUDY,
  seriesInstanceUid: '1.2.3.4',
  segmentation: { kind: 'generated', id: 'twinscope-segmentation-1.2.3.4', description: 'seeded region growing' },
  publishedAt: '2026-11-21T08:00:00Z',
  user: { username: 'clinician', displayName: 'Clinician' },
  meshingVersion: MESHING_VERSION,
});

describe('publishing the LV volume to the record', () => {
  it('is stored once (retry creates nothing) and found by patient + LOINC code', async () => {
    const bundle = lvVolumeBundle(args(DEMO_PATIENT_AS));
    for (let i = 0; i < 2; i++) {
      const res = await server.request('/fhir', { method: 'POST', token, body: bundle });
      const body = (await res.json()) as Bundle;
      expect(res.status, JSON.stringify(body).slice(0, 400)).toBe(200);
      expect(body.entry?.[0]?.response?.status).toMatch(i === 0 ? /^201/ : /^200/);
    }
    const res = await server.request(`/fhir/Observation?patient=${DEMO_PATIENT_AS}&code=${encodeURIComponent(`${LV_VOLUME_LOINC.system}|${LV_VOLUME_LOINC.code}`)}`, { token });
    const found = ((await res.json()) as Bundle).entry?.map((e) => e.resource as Observation).filter((o) => o.method?.text === 'CT segmentation') ?? [];
    expect(found).toHaveLength(1);
    expect(found[0]!.valueQuantity?.value).toBe(118.4);
    const prov = await server.request(`/fhir/Provenance?target=Observation/${found[0]!.id}`, { token });
    expect(((await prov.json()) as Bundle).entry).toHaveLength(1);
  });

  it('is refused for a patient whose consent denies the digital twin', async () => {
    const res = await server.request('/fhir', { method: 'POST', token, body: lvVolumeBundle(args(DEMO_PATIENT_NO_TWIN)) });
    expect(res.status).toBe(403);
    expect(await res.text()).toMatch(/consent denies digital-twin/);
  });
});
