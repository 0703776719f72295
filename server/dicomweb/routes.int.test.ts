// STOW-RS limits on the embedded routes alone (the full app is covered by dicomweb.int.test.ts).
import Fastify, { type FastifyInstance } from 'fastify';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Readable } from 'node:stream';
import { importDicomFiles } from '../../core/dicom/import';
import { syntheticCtSlice, threeSlicesWithRepeat } from '../../core/dicom/syntheticSlices';
import { buildMultipart } from './multipart';
import { registerDicomweb } from './routes';
import { DicomStore } from './store';

describe('STOW-RS limits', () => {
  const dir = mkdtempSync(join(tmpdir(), 'twinscope-stow-limits-'));
  let store: DicomStore;
  let app: FastifyInstance;
  beforeAll(async () => {
    store = DicomStore.open(dir);
    app = Fastify();
    await registerDicomweb(app, { mode: { kind: 'embedded', store }, stowMaxBytes: 4096 });
  });
  afterAll(async () => {
    await app.close();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('413 above the size limit, before anything is parsed or stored', async () => {
    const body = buildMultipart('b', [{ contentType: 'application/dicom', body: new Uint8Array(8000) }]);
    const res = await app.inject({ method: 'POST', url: '/dicomweb/studies', headers: { 'content-type': 'multipart/related; type="application/dicom"; boundary=b' }, payload: body });
    expect(res.statusCode).toBe(413);
    expect(store.counts().instances).toBe(0);
  });

  it('415 for a body that is not multipart/related application/dicom', async () => {
    const res = await app.inject({ method: 'POST', url: '/dicomweb/studies', headers: { 'content-type': 'application/json' }, payload: '{}' });
    expect(res.statusCode).toBe(415);
    expect(res.body).toMatch(/multipart\/related; type=\\"application\/dicom\\"/);
  });

  it('400 names a body whose boundary never appears', async () => {
    const res = await app.inject({ method: 'POST', url: '/dicomweb/studies', headers: { 'content-type': 'multipart/related; type="application/dicom"; boundary=zzz' }, payload: 'garbage' });
    expect(res.statusCode).toBe(400);
    expect(res.body).toMatch(/no part starts with the boundary/);
  });

  it('409 when every part is refused (a part that is not DICOM)', async () => {
    const body = buildMultipart('b', [{ contentType: 'application/dicom', body: new TextEncoder().encode('not dicom at all') }]);
    const res = await app.inject({ method: 'POST', url: '/dicomweb/studies', headers: { 'content-type': 'multipart/related; type="application/dicom"; boundary=b' }, payload: body });
    expect(res.statusCode).toBe(409);
    expect(res.json<Record<string, { Value: Record<string, { Value: string[] }>[] }>>()['00081198']!.Value[0]!['00000902']!.Value[0]).toMatch(/^part 1: /);
  });

  it('413 for a chunked body (no Content-Length) that grows past the cap: spooled, cut off, nothing kept', async () => {
    const chunk = new Uint8Array(1024);
    const stream = Readable.from((function* () {
      yield Buffer.from('--b\r\nContent-Type: application/dicom\r\n\r\n');
      for (let i = 0; i < 16; i++) yield Buffer.from(chunk);
    })());
    const res = await app.inject({ method: 'POST', url: '/dicomweb/studies', headers: { 'content-type': 'multipart/related; type="application/dicom"; boundary=b' }, payload: stream });
    expect(res.statusCode).toBe(413);
    expect(res.body).toMatch(/larger than this PACS accepts \(4096 bytes\)/);
    expect(store.counts().instances).toBe(0);
    expect(readdirSync(store.tmpDir)).toEqual([]);
  });
});

function stow(app: FastifyInstance, files: Uint8Array[], query = ''): Promise<{ statusCode: number; json: () => Record<string, { Value: Record<string, { Value: (string | number)[] }>[] }> }> {
  const body = buildMultipart('b', files.map((f) => ({ contentType: 'application/dicom', body: f })));
  return app.inject({ method: 'POST', url: `/dicomweb/studies${query}`, headers: { 'content-type': 'multipart/related; type="application/dicom"; boundary=b' }, payload: body });
}

describe('STOW-RS refuses what the viewer refuses, and never silently overwrites (issues 10, 17)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'twinscope-stow-guard-'));
  let store: DicomStore;
  let app: FastifyInstance;
  beforeAll(async () => {
    store = DicomStore.open(dir);
    app = Fastify();
    await registerDicomweb(app, { mode: { kind: 'embedded', store } });
  });
  afterAll(async () => {
    await app.close();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const slice = (o: Partial<Parameters<typeof syntheticCtSlice>[0]> = {}) =>
    syntheticCtSlice({ studyUid: '2.25.901', seriesUid: '2.25.902', sopUid: '2.25.903', instanceNumber: 1, positionLps: [0, 0, 0], ...o });

  it('Rows = Columns = 65535 and Rows = 0: refused per instance with the same reason the local import gives', async () => {
    const huge = slice({ sopUid: '2.25.9031', rowsAttribute: 65535, columnsAttribute: 65535 });
    const zero = slice({ sopUid: '2.25.9032', rowsAttribute: 0 });
    const local = await importDicomFiles([
      { name: 'huge.dcm', bytes: huge },
      { name: 'zero.dcm', bytes: zero },
    ]);
    expect(local.rejected.map((r) => r.code)).toEqual(['too-large', 'missing-attribute']);
    const res = await stow(app, [huge, zero]);
    expect(res.statusCode).toBe(409);
    const failed = res.json()['00081198']!.Value;
    expect(failed.map((f) => f['00081155']!.Value[0])).toEqual(['2.25.9031', '2.25.9032']);
    expect(String(failed[0]!['00000902']!.Value[0])).toMatch(/^part 1: SOP Instance UID 2\.25\.9031: image is 65535×65535/);
    expect(String(failed[1]!['00000902']!.Value[0])).toMatch(/^part 2: SOP Instance UID 2\.25\.9032: image has 0 rows/);
    expect(store.counts().instances).toBe(0);
  });

  it('a re-sent SOP Instance UID with other content is refused (0111) and the stored instance is kept; replace=true replaces it, audited', async () => {
    const first = slice({ fill: 1100 });
    expect((await stow(app, [first])).statusCode).toBe(200);
    expect((await stow(app, [first])).statusCode).toBe(200); // the same bytes again: idempotent
    const changed = slice({ fill: 1200 });
    const res = await stow(app, [changed]);
    expect(res.statusCode).toBe(409);
    const f = res.json()['00081198']!.Value[0]!;
    expect(f['00081197']!.Value[0]).toBe(0x0111);
    expect(String(f['00000902']!.Value[0])).toMatch(/stored with other content/);
    expect(Buffer.compare(Buffer.from(store.readFile(store.instance('2.25.903')!)), Buffer.from(first))).toBe(0);
    expect((await stow(app, [changed], '?replace=true')).statusCode).toBe(200);
    expect(Buffer.compare(Buffer.from(store.readFile(store.instance('2.25.903')!)), Buffer.from(changed))).toBe(0);
  });

  it("an instance of a stored study under another PatientID (or name, or birth date) is refused; the study keeps its patient", async () => {
    const other = slice({ sopUid: '2.25.9040', instanceNumber: 2, patientId: 'INTRUDER', patientName: 'Other^Person' });
    const res = await stow(app, [other]);
    expect(res.statusCode).toBe(409);
    expect(String(res.json()['00081198']!.Value[0]!['00000902']!.Value[0])).toMatch(/filed under another patient/);
    expect(store.study('2.25.901')!.patient_id).toBe('PAT-1');
    const otherBirth = slice({ sopUid: '2.25.9041', instanceNumber: 3, patientBirthDate: '19700101' });
    expect((await stow(app, [otherBirth])).statusCode).toBe(409);
    const sameBatch = await stow(app, [
      slice({ studyUid: '2.25.950', sopUid: '2.25.951' }),
      slice({ studyUid: '2.25.950', sopUid: '2.25.952', patientId: 'SOMEONE-ELSE' }),
    ]);
    expect(sameBatch.statusCode).toBe(202);
    expect(store.study('2.25.950')!.patient_id).toBe('PAT-1');
  });

  it('the Imaging reproduction: three slices plus a repeat with a new SOP UID are all stored (the viewer deduplicates, not the PACS)', async () => {
    const res = await stow(app, threeSlicesWithRepeat().map((f) => f.bytes));
    expect(res.statusCode).toBe(200);
  });
});
