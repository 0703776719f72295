// STOW-RS limits on the embedded routes alone (the full app is covered by dicomweb.int.test.ts).
import Fastify, { type FastifyInstance } from 'fastify';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
});
