// WADO-RS series pixel data end to end: the real app (sign-in, roles, audit) serving a generated
// CT series and the real JPEG 2000 abdominal CT from the embedded store, read by the viewer's
// SeriesPixelStream. Every frame must equal the per-frame WADO-RS answer, byte for byte, with one
// audit record for the whole series.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { splitMultipart, multipartBoundary } from '../../../core/dicom/multipart';
import { buildApp } from '../../../server/app';
import { loadConfig } from '../../../server/config';
import { generatePhantom } from '../../../server/demo/imaging/phantom';
import { uidFromName, writeCtSlice } from '../../../server/demo/imaging/writer';
import { DicomStore } from '../../../server/dicomweb/store';
import { hasSharedData, sharedDataPath } from '../../../test-support/shared-data';
import { SeriesPixelStream, frameKey, partTransferSyntax } from './seriesPixelStream';
import { isNativeLittleEndian, writeNativeFrame } from './volumeFill';

const ABDOMEN = ['dicom', 'ct-abdomen-totalseg-20slice-j2k', 'series'];
const SLICES = 12;
const header = {
  patientId: 'PIXELDATA', patientName: 'Pixel^Data', patientBirthDate: '19700101', patientSex: 'O' as const,
  studyInstanceUid: uidFromName('pixeldata|study'), seriesInstanceUid: uidFromName('pixeldata|series'), frameOfReferenceUid: uidFromName('pixeldata|for'),
  sopInstanceUidRoot: uidFromName('pixeldata|sop').slice(0, 40), studyDate: '20260101', studyTime: '120000', accessionNumber: 'PD',
  studyDescription: 'pixeldata', seriesDescription: 'pixeldata', seriesNumber: 1, bodyPartExamined: 'CHEST', windowCenter: 40, windowWidth: 400,
};
const FRAME_ACCEPT = 'multipart/related; type=application/octet-stream; transfer-syntax=*';

describe('WADO-RS series pixel data → SeriesPixelStream', () => {
  let dir: string;
  let app: FastifyInstance;
  let base: string;
  let auth: Record<string, string>;
  const series: Array<{ study: string; series: string; sops: string[] }> = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'twinscope-pixeldata-'));
    const { ct } = generatePhantom({ dimensions: [64, 64, SLICES], spacingMm: [1, 1, 2], seed: 5, noiseSdHu: 12, liverLesion: false, aorticValveCalcification: false });
    const store = DicomStore.open(dir);
    for (const o of store.putMany(Array.from({ length: SLICES }, (_, k) => writeCtSlice(ct, k, header)))) if (!o.ok) throw o.error;
    series.push({ study: header.studyInstanceUid, series: header.seriesInstanceUid, sops: store.instancesOf(header.studyInstanceUid).map((r) => r.sop_uid) });
    if (hasSharedData(...ABDOMEN)) {
      const files = readdirSync(sharedDataPath(...ABDOMEN)).map((n) => new Uint8Array(readFileSync(sharedDataPath(...ABDOMEN, n))));
      const rows = store.putMany(files).map((o) => {
        if (!o.ok) throw o.error;
        return o.result.instance;
      });
      series.push({ study: rows[0]!.study_uid, series: rows[0]!.series_uid, sops: rows.map((r) => r.sop_uid) });
    }
    store.close();
    app = await buildApp(loadConfig({ TWIN_DATA_DIR: dir, TWIN_STATIC_DIR: join(dir, 'no-spa'), TWIN_FEED_INTERVAL_MS: '0' }, dir), { seedDemo: false });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const addr = app.server.address();
    base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
    const login = await fetch(`${base}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'clinician', password: 'twinscope-demo' }) });
    auth = { authorization: `Bearer ${((await login.json()) as { token: string }).token}` };
  });

  afterAll(async () => {
    await app?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const authedFetch: typeof fetch = (input, init) => fetch(input, { ...init, headers: { ...(init?.headers as Record<string, string>), ...auth } });

  async function perFrame(s: (typeof series)[number], sop: string): Promise<{ bytes: Uint8Array; ts: string }> {
    const res = await fetch(`${base}/dicomweb/studies/${s.study}/series/${s.series}/instances/${sop}/frames/1`, { headers: { ...auth, accept: FRAME_ACCEPT } });
    expect(res.status).toBe(200);
    const ct = res.headers.get('content-type') ?? '';
    return { bytes: splitMultipart(new Uint8Array(await res.arrayBuffer()), multipartBoundary(ct))[0]!, ts: partTransferSyntax(ct) };
  }

  it('delivers every frame of a series, identical to the per-frame answers, in one audited request', async () => {
    for (const s of series) {
      const imageIds = s.sops.map((sop) => `wadors:${base}/dicomweb/studies/${s.study}/series/${s.series}/instances/${sop}/frames/1`);
      const auditBefore = readFileSync(join(dir, 'audit.log'), 'utf8').split('\n').filter(Boolean).length;
      const stream = new SeriesPixelStream(`${base}/dicomweb/studies/${s.study}/series/${s.series}/pixeldata`, imageIds, authedFetch);
      const frames = await Promise.all(imageIds.map((id) => stream.wait(frameKey(id)!)));
      await stream.finished;
      expect(stream.stats).toMatchObject({ frames: s.sops.length, failure: null });
      const audit = readFileSync(join(dir, 'audit.log'), 'utf8').split('\n').filter(Boolean).slice(auditBefore).map((l) => JSON.parse(l) as { path: string; entities: string[] });
      expect(audit.map((a) => a.path)).toEqual([`/dicomweb/studies/${s.study}/series/${s.series}/pixeldata`]);
      expect(audit[0]!.entities).toEqual([`Study/${s.study}`, `Series/${s.series}`]);
      for (let i = 0; i < s.sops.length; i++) {
        const ref = await perFrame(s, s.sops[i]!);
        expect(frames[i]!.transferSyntaxUid).toBe(ref.ts);
        expect(Buffer.compare(Buffer.from(frames[i]!.bytes), Buffer.from(ref.bytes))).toBe(0);
      }
      stream.dispose();
    }
    expect(series.length).toBeGreaterThanOrEqual(1);
  });

  it('consume: every frame goes to the volume as it arrives, and written natively it equals the phantom in HU', async () => {
    const s = series[0]!;
    const imageIds = s.sops.map((sop) => `wadors:${base}/dicomweb/studies/${s.study}/series/${s.series}/instances/${sop}/frames/1`);
    const stream = new SeriesPixelStream(`${base}/dicomweb/studies/${s.study}/series/${s.series}/pixeldata`, imageIds, authedFetch);
    const keyIndex = new Map(imageIds.map((id, i) => [frameKey(id)!, i]));
    const sliceLength = 64 * 64;
    const volume = new Int16Array(sliceLength * SLICES);
    const seen = new Set<string>();
    stream.consume((key, frame) => {
      seen.add(key);
      expect(isNativeLittleEndian(frame.transferSyntaxUid)).toBe(true);
      // The writer's header: 16 bits allocated, unsigned, rescale intercept −1024 (writer.ts).
      writeNativeFrame(volume, keyIndex.get(key)!, sliceLength, frame.bytes, { bitsAllocated: 16, pixelRepresentation: 0, samplesPerPixel: 1, rescaleSlope: 1, rescaleIntercept: -1024 });
    });
    await stream.finished;
    expect(seen.size).toBe(SLICES);
    expect(stream.take(frameKey(imageIds[0]!)!)).toBeUndefined(); // handed out, not held
    // The phantom the series was written from, in HU (same seed): every voxel back exactly, as
    // the writer stored it (clamped to its 12-bit range, −1024…3071 HU).
    const { ct } = generatePhantom({ dimensions: [64, 64, SLICES], spacingMm: [1, 1, 2], seed: 5, noiseSdHu: 12, liverLesion: false, aorticValveCalcification: false });
    const order = s.sops.map((sop) => Number(/\.(\d+)$/.exec(sop)?.[1]));
    let worst = 0;
    for (let i = 0; i < SLICES; i++) {
      const k = order[i]! - 1;
      for (let p = 0; p < sliceLength; p++) {
        const hu = Math.min(3071, Math.max(-1024, ct.voxels[k * sliceLength + p]!));
        worst = Math.max(worst, Math.abs(volume[i * sliceLength + p]! - hu));
      }
    }
    expect(worst).toBe(0);
    stream.dispose();
    expect(stream.stats.failure).toBeNull();
  });

  it('a series the store does not hold fails the stream by name, and waiting frames are rejected (the viewer then asks per frame)', async () => {
    const ghost = `${base}/dicomweb/studies/1.2.3/series/4.5.6/pixeldata`;
    const stream = new SeriesPixelStream(ghost, [`wadors:${base}/dicomweb/studies/1.2.3/series/4.5.6/instances/7.8/frames/1`], authedFetch);
    await expect(stream.wait('7.8|1')).rejects.toThrow(/HTTP 404/);
    expect(stream.covers('7.8|1')).toBe(false);
  });

  it('refuses a transfer syntax it would have to transcode (406), and admin is refused (403)', async () => {
    const s = series[0]!;
    const url = `${base}/dicomweb/studies/${s.study}/series/${s.series}/pixeldata`;
    const jpeg = await fetch(url, { headers: { ...auth, accept: 'multipart/related; type="image/jpeg"' } });
    expect(jpeg.status).toBe(406);
    const login = await fetch(`${base}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: 'twinscope-demo' }) });
    const admin = await fetch(url, { headers: { authorization: `Bearer ${((await login.json()) as { token: string }).token}` } });
    expect(admin.status).toBe(403);
  });

  it('held: the request is sent and audited at once, but no body byte is read until release; then every frame comes', async () => {
    const s = series[0]!;
    const imageIds = s.sops.map((sop) => `wadors:${base}/dicomweb/studies/${s.study}/series/${s.series}/instances/${sop}/frames/1`);
    const auditBefore = readFileSync(join(dir, 'audit.log'), 'utf8').split('\n').filter(Boolean).length;
    const stream = new SeriesPixelStream(`${base}/dicomweb/studies/${s.study}/series/${s.series}/pixeldata`, imageIds, authedFetch, { held: true });
    await vi.waitFor(() => expect(stream.stats.headersMs).not.toBeNull(), { timeout: 20_000, interval: 10 });
    // Answered (headers in), audited, and yet nothing read or handed out.
    await vi.waitFor(() => expect(readFileSync(join(dir, 'audit.log'), 'utf8').split('\n').filter(Boolean).length).toBe(auditBefore + 1), { timeout: 20_000, interval: 10 });
    expect(stream.stats).toMatchObject({ bytes: 0, frames: 0, releasedMs: null });
    expect(stream.take(frameKey(imageIds[0]!)!)).toBeUndefined();
    const frames = Promise.all(imageIds.map((id) => stream.wait(frameKey(id)!)));
    stream.release();
    expect((await frames).length).toBe(imageIds.length);
    await stream.finished;
    expect(stream.stats).toMatchObject({ frames: imageIds.length, failure: null });
    expect(stream.stats.releasedMs).toBeGreaterThanOrEqual(stream.stats.startedMs);
    stream.dispose();
  });

  it('a held stream disposed before release settles as cancelled: waiting frames reject as AbortError', async () => {
    const s = series[0]!;
    const imageIds = s.sops.map((sop) => `wadors:${base}/dicomweb/studies/${s.study}/series/${s.series}/instances/${sop}/frames/1`);
    const stream = new SeriesPixelStream(`${base}/dicomweb/studies/${s.study}/series/${s.series}/pixeldata`, imageIds, authedFetch, { held: true });
    const waiting = stream.wait(frameKey(imageIds[0]!)!);
    stream.dispose();
    await expect(waiting).rejects.toMatchObject({ name: 'AbortError' });
    await stream.finished;
    expect(stream.stats.frames).toBe(0);
  });

  it('dispose cancels: waiting frames reject as AbortError', async () => {
    const s = series[0]!;
    const stream = new SeriesPixelStream(`${base}/dicomweb/studies/${s.study}/series/${s.series}/pixeldata`, [`wadors:${base}/x/instances/9.9.9/frames/1`], authedFetch);
    const waiting = stream.wait('9.9.9|1');
    stream.dispose();
    await expect(waiting).rejects.toMatchObject({ name: 'AbortError' });
  });
});
