// Profiles one WADO-RS frame request through the real app (sign-in, roles, audit), split into
// spans: `node --import tsx bench/dicom-frame-profile.ts` (add --cpu-prof for a CPU profile).
// Serial requests so each time is one request's latency, not queueing. Compares the frame
// route with the cheapest authenticated route (QIDO of one study) and /healthz (no auth), so
// the share of the global hooks (auth + audit) is visible.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp } from '../server/app';
import { loadConfig } from '../server/config';
import { generatePhantom } from '../server/demo/imaging/phantom';
import { uidFromName, writeCtSlice } from '../server/demo/imaging/writer';
import { readdirSync, readFileSync } from 'node:fs';
import { readFrames } from '../server/dicomweb/instance';
import { DicomStore } from '../server/dicomweb/store';
import { hasSharedData, sharedDataPath } from '../test-support/shared-data';

const N = Number(process.env.N ?? 300);

function stats(xs: number[]): string {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number): number => s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
  return `median ${q(0.5).toFixed(2)} ms, p90 ${q(0.9).toFixed(2)} ms`;
}

const dir = mkdtempSync(join(tmpdir(), 'twinscope-frame-profile-'));
try {
  const { ct } = generatePhantom({ dimensions: [512, 512, 20], spacingMm: [0.75, 0.75, 1], seed: 3, noiseSdHu: 12, liverLesion: false, aorticValveCalcification: false });
  const header = {
    patientId: 'PROFILE', patientName: 'Profile^Phantom', patientBirthDate: '19700101', patientSex: 'O' as const,
    studyInstanceUid: uidFromName('profile|study'), seriesInstanceUid: uidFromName('profile|series'), frameOfReferenceUid: uidFromName('profile|for'),
    sopInstanceUidRoot: uidFromName('profile|sop').slice(0, 40), studyDate: '20260101', studyTime: '120000', accessionNumber: 'P',
    studyDescription: 'profile', seriesDescription: 'profile', seriesNumber: 1, bodyPartExamined: 'CHEST', windowCenter: 40, windowWidth: 400,
  };
  const store = DicomStore.open(dir);
  for (const o of store.putMany(Array.from({ length: 20 }, (_, k) => writeCtSlice(ct, k, header)))) if (!o.ok) throw o.error;
  const sops = store.instancesOf(header.studyInstanceUid).map((r) => r.sop_uid);
  store.close();
  const app = await buildApp(loadConfig({ TWIN_DATA_DIR: dir, TWIN_STATIC_DIR: join(dir, 'no-spa'), TWIN_FEED_INTERVAL_MS: '0' }, dir), { seedDemo: false });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const addr = app.server.address();
  const base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  const login = await fetch(`${base}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'clinician', password: 'twinscope-demo' }) });
  const { token } = (await login.json()) as { token: string };
  const h = { authorization: `Bearer ${token}` };
  const time = async (url: string, headers: Record<string, string>): Promise<number[]> => {
    const out: number[] = [];
    for (let i = 0; i < N; i++) {
      const t0 = performance.now();
      const res = await fetch(`${base}${url.replace('{i}', sops[i % sops.length]!)}`, { headers });
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`${url}: HTTP ${res.status}`);
      out.push(performance.now() - t0);
    }
    return out;
  };
  const frameUrl = `/dicomweb/studies/${header.studyInstanceUid}/series/${header.seriesInstanceUid}/instances/{i}/frames/1`;
  const accept = 'multipart/related; type=application/octet-stream; transfer-syntax=*';
  await time(frameUrl, { ...h, accept }); // warm-up
  console.log(`GET /healthz (no auth, no audit):          ${stats(await time('/healthz', {}))}`);
  console.log(`QIDO one study (auth + audit, tiny body):  ${stats(await time(`/dicomweb/studies?StudyInstanceUID=${header.studyInstanceUid}`, h))}`);
  console.log(`WADO frame 512×512×2 (auth + audit):       ${stats(await time(frameUrl, { ...h, accept }))}`);
  await app.close();

  // Compressed frames, server side only: the per-request parse of the whole Part 10 file (the
  // path before frame positions were indexed, still the fallback) vs positioned reads.
  const ABDOMEN = ['dicom', 'ct-abdomen-totalseg-20slice-j2k', 'series'];
  if (hasSharedData(...ABDOMEN)) {
    const j2kStore = DicomStore.open(join(dir, 'j2k'));
    const files = readdirSync(sharedDataPath(...ABDOMEN)).map((n) => new Uint8Array(readFileSync(sharedDataPath(...ABDOMEN, n))));
    const rows = j2kStore.putMany(files).map((o) => {
      if (!o.ok) throw o.error;
      return o.result.instance;
    });
    const parse: number[] = [];
    const ranged: number[] = [];
    for (let i = 0; i < N; i++) {
      const row = rows[i % rows.length]!;
      let t0 = performance.now();
      const a = readFrames(j2kStore.readFile(row), [1])[0]!.bytes;
      parse.push(performance.now() - t0);
      t0 = performance.now();
      const r = j2kStore.frameRanges(row, [1])![0]!;
      const out = new Uint8Array(r[1]!);
      j2kStore.readRanges(row, r, out, 0);
      ranged.push(performance.now() - t0);
      if (out.length !== a.length) throw new Error('frame sizes differ');
    }
    j2kStore.close();
    console.log(`J2K frame, parse whole file per request:  ${stats(parse)}`);
    console.log(`J2K frame, indexed positions:             ${stats(ranged)}`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
