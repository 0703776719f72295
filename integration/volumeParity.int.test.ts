// Issue 17, first reproduction, as a regression test across every path that builds a volume:
// three CT slices 1 mm apart plus a copy of the middle one under a new SOP Instance UID.
// - local import (and the CLI): importDicomFiles → planStack;
// - the Imaging view's PACS path: STOW → WADO-RS metadata → imageIdsFromMetadata → planStack;
// - the Anatomy view's PACS path: WADO-RS Part 10 files → volumeFromPart10 → buildVolume.
// Each must give 3 slices at 1 mm with the same notice; before, the PACS path gave 4 at 0.67 mm.
import Fastify, { type FastifyInstance } from 'fastify';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { volumeFromPart10 } from '../workers/anatomy/anatomyWorkerApi';
import { imageIdsFromMetadata } from '../src/compute/imaging/dicomweb';
import type { DicomJson } from '../core/dicom/dicomJson';
import { importDicomFiles } from '../core/dicom/import';
import { threeSlicesWithRepeat } from '../core/dicom/syntheticSlices';
import { buildMultipart } from '../server/dicomweb/multipart';
import { registerDicomweb } from '../server/dicomweb/routes';
import { DicomStore } from '../server/dicomweb/store';

const STUDY = '2.25.1701';
const SERIES = '2.25.1702';
const NOTICE = '1 of 4 slices repeat a position already present (several phases or echoes?); the first at each position is used';

describe('one volume planner: a repeated slice position gives 3 slices at 1 mm with a notice in every path', () => {
  const dir = mkdtempSync(join(tmpdir(), 'twinscope-volume-parity-'));
  let store: DicomStore;
  let app: FastifyInstance;
  const files = threeSlicesWithRepeat(STUDY, SERIES);
  beforeAll(async () => {
    store = DicomStore.open(dir);
    app = Fastify();
    await registerDicomweb(app, { mode: { kind: 'embedded', store } });
    const body = buildMultipart('b', files.map((f) => ({ contentType: 'application/dicom', body: f.bytes })));
    const res = await app.inject({ method: 'POST', url: '/dicomweb/studies', headers: { 'content-type': 'multipart/related; type="application/dicom"; boundary=b' }, payload: body });
    expect(res.statusCode).toBe(200);
  });
  afterAll(async () => {
    await app.close();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('local import', async () => {
    const r = await importDicomFiles(files);
    const plan = r.studies[0]!.series[0]!;
    expect(plan.slices.map((s) => s.file)).toEqual(['s1.dcm', 's2.dcm', 's3.dcm']);
    expect(plan.geometry.dimensions).toEqual([4, 4, 3]);
    expect(plan.geometry.spacingMm[2]).toBeCloseTo(1, 9);
    expect(plan.warnings.map((w) => w.message)).toEqual([NOTICE]);
  });

  it('Imaging, from the PACS (WADO-RS metadata)', async () => {
    const res = await app.inject({ method: 'GET', url: `/dicomweb/studies/${STUDY}/series/${SERIES}/metadata` });
    expect(res.statusCode).toBe(200);
    const ids = imageIdsFromMetadata('http://pacs/dicomweb', STUDY, SERIES, res.json<DicomJson[]>());
    expect(ids.imageIds).toHaveLength(3);
    // The first copy at each position is kept (instance number decides between equals): s2, not its copy.
    expect(ids.imageIds.map((id) => id.split('/instances/')[1])).toEqual(['2.25.17031/frames/1', '2.25.17032/frames/1', '2.25.17033/frames/1']);
    expect(ids.warnings).toEqual([NOTICE]);
  });

  it('Anatomy, from the PACS (WADO-RS Part 10): the same volume, so the liver volume does not depend on the tab', async () => {
    const parts = store.searchInstances(STUDY, SERIES, { limit: 100, offset: 0 }).map((row, i) => ({ name: `instance-${i + 1}.dcm`, bytes: new Uint8Array(store.readFile(row)).buffer }));
    expect(parts).toHaveLength(4);
    const v = await volumeFromPart10(parts);
    expect(v.dimensions).toEqual([4, 4, 3]);
    expect(v.spacingMm[2]).toBeCloseTo(1, 9);
    expect(v.originLps).toEqual([0, 0, 0]);
  });
});
