// /dicomweb through the real app (sign-in, roles, audit), in both modes: the embedded store, and
// the proxy to a real Orthanc started on loopback. Store with STOW-RS, find with QIDO-RS, read
// back with WADO-RS: bytes and frames must be identical to what was stored.
import type { FastifyInstance } from 'fastify';
import { mkdtempSync, readdirSync, readFileSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasOrthanc, startOrthanc, type OrthancHandle } from '../../test-support/orthanc';
import { hasSharedData, sharedDataPath } from '../../test-support/shared-data';
import { buildApp } from '../app';
import { loadConfig } from '../config';
import { createRequire } from 'node:module';
import { parseDataSet, parseForStore, readFrames } from './instance';
import { setTopLevelUids } from './uidRepair';
import { buildMultipart, mediaTypeParams, parseMultipart } from './multipart';
import { DicomStore } from './store';

const CARDIAC = ['dicom', 'ct-cardiac-DERIVED-from-totalseg-nifti'];
const MISC = ['dicom', 'misc', 'ct-slice-16-transfer-syntaxes-cornerstone'];
const ABDOMEN = ['dicom', 'ct-abdomen-totalseg-20slice-j2k', 'series'];
const have = hasSharedData(...CARDIAC) && hasSharedData(...MISC) && hasSharedData(...ABDOMEN);

/** StudyInstanceUID of the shared cardiac CT, read from its first file. */
const CARDIAC_STUDY = have ? parseForStore(new Uint8Array(readFileSync(sharedDataPath(...CARDIAC, 'CT0001.dcm')))).studyUid : '';
const J2K_FILE = 'CT1_J2KR';

interface Running {
  app: FastifyInstance;
  base: string;
  dir: string;
  token: (role: 'clinician' | 'admin') => Promise<string>;
}

async function startApp(env: Record<string, string> = {}): Promise<Running> {
  const dir = mkdtempSync(join(tmpdir(), 'twinscope-dicomweb-'));
  // No monitor feed: its writes would add audit lines and CPU noise unrelated to DICOMweb.
  const config = loadConfig({ TWIN_DATA_DIR: dir, TWIN_STATIC_DIR: join(dir, 'no-spa'), TWIN_FEED_INTERVAL_MS: '0', ...env }, dir);
  const app = await buildApp(config, { seedDemo: false });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const addr = app.server.address();
  const base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  const tokens = new Map<string, string>();
  const token = async (role: 'clinician' | 'admin'): Promise<string> => {
    const known = tokens.get(role);
    if (known) return known;
    const res = await fetch(`${base}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: role, password: 'twinscope-demo' }) });
    expect(res.status).toBe(200);
    const t = ((await res.json()) as { token: string }).token;
    tokens.set(role, t);
    return t;
  };
  return { app, base, dir, token };
}

function cardiacFiles(n: number): { name: string; bytes: Uint8Array }[] {
  return readdirSync(sharedDataPath(...CARDIAC))
    .sort()
    .slice(0, n)
    .map((name) => ({ name, bytes: new Uint8Array(readFileSync(sharedDataPath(...CARDIAC, name))) }));
}

function stowBody(files: { name: string; bytes: Uint8Array; type?: string }[]): { body: Uint8Array<ArrayBuffer>; contentType: string } {
  const boundary = 'stow-test-boundary-1234';
  return {
    body: toArrayBufferView(buildMultipart(
      boundary,
      files.map((f) => ({ contentType: f.type ?? 'application/dicom', body: f.bytes, headers: { 'Content-Location': f.name } })),
    )),
    contentType: `multipart/related; type="application/dicom"; boundary=${boundary}`,
  };
}

function toArrayBufferView(b: Buffer): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(b.length);
  out.set(b);
  return out;
}

async function get(r: Running, path: string, accept?: string): Promise<Response> {
  return fetch(`${r.base}${path}`, { headers: { authorization: `Bearer ${await r.token('clinician')}`, ...(accept ? { accept } : {}) } });
}

function multipartParts(res: Response, body: Buffer): { headers: Record<string, string>; body: Uint8Array }[] {
  const { params } = mediaTypeParams(res.headers.get('content-type') ?? '');
  return parseMultipart(body, params.boundary ?? '');
}

/**
 * JPEG 2000 decoder for the pixel comparison: the OpenJPEG WebAssembly build Cornerstone uses in
 * the viewer (@cornerstonejs/codec-openjpeg), so "same pixels" means what the viewer would show.
 */
async function j2kDecoder(): Promise<(codestream: Uint8Array) => { width: number; height: number; pixels: Buffer }> {
  type Decoder = { getEncodedBuffer(n: number): Uint8Array; decode(): void; getDecodedBuffer(): Uint8Array; getFrameInfo(): { width: number; height: number } };
  const factory = createRequire(import.meta.url)('@cornerstonejs/codec-openjpeg/decodewasmjs') as () => Promise<{ J2KDecoder: new () => Decoder }>;
  const codec = await factory();
  return (codestream) => {
    const d = new codec.J2KDecoder();
    d.getEncodedBuffer(codestream.length).set(codestream);
    d.decode();
    const info = d.getFrameInfo();
    return { width: info.width, height: info.height, pixels: Buffer.from(d.getDecodedBuffer()) };
  };
}

/** Reads the audit log lines the app wrote (one JSON object per line). */
function auditLines(dir: string): { path: string; httpStatus: number; user: { role: string } | null; entities: string[] }[] {
  return readFileSync(join(dir, 'audit.log'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { path: string; httpStatus: number; user: { role: string } | null; entities: string[] });
}

/** The shared tests of both modes: STOW, QIDO, WADO, frames, metadata. */
function dicomwebContract(name: string, setup: () => Promise<Running>, teardown: () => Promise<void>): void {
  describe(name, () => {
    let r: Running;
    const files = have ? cardiacFiles(12) : [];
    beforeAll(async () => {
      r = await setup();
    });
    afterAll(teardown);

    it('STOW-RS stores a series (200 with ReferencedSOPSequence)', async () => {
      const { body, contentType } = stowBody(files);
      const res = await fetch(`${r.base}/dicomweb/studies`, {
        method: 'POST',
        headers: { authorization: `Bearer ${await r.token('clinician')}`, 'content-type': contentType, accept: 'application/dicom+json' },
        body,
      });
      expect(res.status).toBe(200);
      const json = (await res.json()) as Record<string, { Value?: Record<string, { Value?: unknown[] }>[] }>;
      expect(json['00081199']?.Value).toHaveLength(12);
      // No failures: the FailedSOPSequence is absent (ours) or empty (Orthanc).
      expect(json['00081198']?.Value ?? []).toEqual([]);
    });

    it('QIDO-RS finds the study by StudyInstanceUID and by Modality, the series and its instances', async () => {
      const studies = (await (await get(r, `/dicomweb/studies?StudyInstanceUID=${CARDIAC_STUDY}`, 'application/dicom+json')).json()) as Record<string, { Value?: unknown[] }>[];
      expect(studies).toHaveLength(1);
      expect(studies[0]!['0020000D']?.Value).toEqual([CARDIAC_STUDY]);
      const byModality = (await (await get(r, '/dicomweb/studies?ModalitiesInStudy=CT')).json()) as unknown[];
      expect(byModality.length).toBeGreaterThanOrEqual(1);
      const none = (await get(r, '/dicomweb/studies?StudyInstanceUID=1.2.3.4.5.6'));
      expect([200, 204]).toContain(none.status);
      if (none.status === 200) expect(await none.json()).toEqual([]);
      const series = (await (await get(r, `/dicomweb/studies/${CARDIAC_STUDY}/series`)).json()) as Record<string, { Value?: unknown[] }>[];
      expect(series).toHaveLength(1);
      expect(series[0]!['00080060']?.Value).toEqual(['CT']);
      const seriesUid = series[0]!['0020000E']!.Value![0] as string;
      const instances = (await (await get(r, `/dicomweb/studies/${CARDIAC_STUDY}/series/${seriesUid}/instances?limit=5&offset=2`)).json()) as Record<string, { Value?: unknown[] }>[];
      expect(instances).toHaveLength(5);
      const all = (await (await get(r, `/dicomweb/studies/${CARDIAC_STUDY}/series/${seriesUid}/instances`)).json()) as Record<string, { Value?: unknown[] }>[];
      expect(all).toHaveLength(12);
    });

    it('WADO-RS returns each instance byte for byte', async () => {
      const series = (await (await get(r, `/dicomweb/studies/${CARDIAC_STUDY}/series`)).json()) as Record<string, { Value?: unknown[] }>[];
      const seriesUid = series[0]!['0020000E']!.Value![0] as string;
      const instances = (await (await get(r, `/dicomweb/studies/${CARDIAC_STUDY}/series/${seriesUid}/instances`)).json()) as Record<string, { Value?: unknown[] }>[];
      const wanted = new Map(files.map((f) => [readSop(f.bytes), f.bytes]));
      const uid = instances[3]!['00080018']!.Value![0] as string;
      expect(wanted.has(uid)).toBe(true);
      const res = await get(r, `/dicomweb/studies/${CARDIAC_STUDY}/series/${seriesUid}/instances/${uid}`, 'multipart/related; type="application/dicom"; transfer-syntax=*');
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^multipart\/related/);
      const parts = multipartParts(res, Buffer.from(await res.arrayBuffer()));
      expect(parts).toHaveLength(1);
      expect(Buffer.compare(Buffer.from(parts[0]!.body), Buffer.from(wanted.get(uid)!))).toBe(0);

      const whole = await get(r, `/dicomweb/studies/${CARDIAC_STUDY}/series/${seriesUid}`, 'multipart/related; type="application/dicom"; transfer-syntax=*');
      const wholeParts = multipartParts(whole, Buffer.from(await whole.arrayBuffer()));
      expect(wholeParts).toHaveLength(12);
      for (const p of wholeParts) expect(Buffer.compare(Buffer.from(p.body), Buffer.from(wanted.get(readSop(p.body))!))).toBe(0);
    });

    it('frames come back as Cornerstone asks for them, identical to the stored pixels', async () => {
      const series = (await (await get(r, `/dicomweb/studies/${CARDIAC_STUDY}/series`)).json()) as Record<string, { Value?: unknown[] }>[];
      const seriesUid = series[0]!['0020000E']!.Value![0] as string;
      const f = files[5]!;
      const uid = readSop(f.bytes);
      const res = await get(r, `/dicomweb/studies/${CARDIAC_STUDY}/series/${seriesUid}/instances/${uid}/frames/1`, 'multipart/related; type=application/octet-stream; transfer-syntax=*');
      expect(res.status).toBe(200);
      const parts = multipartParts(res, Buffer.from(await res.arrayBuffer()));
      expect(parts).toHaveLength(1);
      const expected = readFrames(f.bytes, [1])[0]!.bytes;
      expect(parts[0]!.body.length).toBe(122 * 102 * 2);
      expect(Buffer.compare(Buffer.from(parts[0]!.body), Buffer.from(expected))).toBe(0);
      expect(parts[0]!.headers['content-type']).toMatch(/application\/octet-stream/);
    });

    it('metadata has the right tags and a BulkDataURI for the pixel data', async () => {
      const res = await get(r, `/dicomweb/studies/${CARDIAC_STUDY}/metadata`, 'application/dicom+json');
      expect(res.status).toBe(200);
      const meta = (await res.json()) as Record<string, { vr: string; Value?: unknown[]; BulkDataURI?: string }>[];
      expect(meta).toHaveLength(12);
      const m = meta[0]!;
      expect(m['00280010']?.Value).toEqual([102]);
      expect(m['00280011']?.Value).toEqual([122]);
      expect(m['00280030']?.Value?.map(Number)).toEqual([1.5, 1.5]);
      expect(m['00200037']?.Value?.map(Number)).toEqual([1, 0, 0, 0, 1, 0]);
      expect(m['00080060']?.Value).toEqual(['CT']);
      expect(m['7FE00010']?.BulkDataURI).toMatch(new RegExp(`^${r.base.replace(/[.]/g, '\\.')}/dicomweb/studies/${CARDIAC_STUDY}/series/`));
    });
  });
}

/** The SOP Instance UID of a Part 10 file. */
function readSop(bytes: Uint8Array): string {
  return parseForStore(bytes).sopUid;
}

describe.skipIf(!have)('DICOMweb', () => {
  let embedded: Running | null = null;
  dicomwebContract(
    'embedded store',
    async () => (embedded = await startApp()),
    async () => {
      // Kept open for the embedded-only tests below; closed at the end.
    },
  );

  describe('embedded only', () => {
    afterAll(async () => {
      if (embedded) {
        await embedded.app.close();
        rmSync(embedded.dir, { recursive: true, force: true });
      }
    });

    it('STOW-RS stores the good parts and refuses the bad ones by name (202)', async () => {
      const r = embedded!;
      const j2k = new Uint8Array(readFileSync(sharedDataPath(...MISC, J2K_FILE)));
      // A file whose Study UID is present but invalid: refused, and the refusal names its SOP UID.
      const explicit = new Uint8Array(readFileSync(sharedDataPath(...MISC, 'CTImage.dcm_LittleEndianExplicitTransferSyntax_1.2.840.10008.1.2.1.dcm')));
      const badStudy = setTopLevelUids(explicit, parseDataSet(explicit), true, [{ tag: 'x0020000d', value: '1.2.abc' }]);
      const badSop = parseForStore(explicit);
      const good = cardiacFiles(1)[0]!.bytes;
      const { body, contentType } = stowBody([
        { name: 'ct1-j2k.dcm', bytes: j2k },
        { name: 'truncated.dcm', bytes: good.subarray(0, 3000) },
        { name: 'bad-uid.dcm', bytes: badStudy },
        { name: 'notes.txt', bytes: new TextEncoder().encode('hello'), type: 'text/plain' },
      ]);
      const res = await fetch(`${r.base}/dicomweb/studies`, { method: 'POST', headers: { authorization: `Bearer ${await r.token('clinician')}`, 'content-type': contentType }, body });
      expect(res.status).toBe(202);
      const json = (await res.json()) as Record<string, { Value?: Record<string, { Value?: unknown[] }>[] }>;
      expect(json['00081199']?.Value).toHaveLength(1);
      const failures = json['00081198']!.Value!.map((v) => String(v['00000902']?.Value?.[0]));
      expect(failures).toEqual([expect.stringMatching(/^part 2 \(truncated\.dcm\): /), expect.stringMatching(/^part 3 \(bad-uid\.dcm\): SOP Instance UID /), expect.stringMatching(/^part 4 \(notes\.txt\): Content-Type text\/plain/)]);
      expect(json['00081198']!.Value!.map((v) => v['00081197']?.Value?.[0])).toEqual([0xc000, 0xc000, 0xc000]);
      // ReferencedSOPInstanceUID / SOPClassUID where the part could be read that far.
      expect(json['00081198']!.Value!.map((v) => v['00081155']?.Value?.[0])).toEqual([undefined, badSop.sopUid, undefined]);
      expect(json['00081198']!.Value![1]!['00081150']?.Value).toEqual([badSop.sopClassUid]);
    });

    it('STOW-RS takes the abdominal CT whose dataset UIDs are empty: QIDO finds one series of 20, WADO frames decode to the local pixels', async () => {
      const r = embedded!;
      const names = readdirSync(sharedDataPath(...ABDOMEN)).sort();
      const local = names.map((name) => ({ name, bytes: new Uint8Array(readFileSync(sharedDataPath(...ABDOMEN, name))) }));
      const { body, contentType } = stowBody(local);
      const stow = async (): Promise<Response> =>
        fetch(`${r.base}/dicomweb/studies`, { method: 'POST', headers: { authorization: `Bearer ${await r.token('clinician')}`, 'content-type': contentType }, body });
      const res = await stow();
      expect(res.status).toBe(200);
      const json = (await res.json()) as Record<string, { Value?: unknown[] }>;
      expect((json['00081199']!.Value as unknown[]).length).toBe(20);
      const studyUrl = String(json['00081190']!.Value![0]);
      const studyUid = studyUrl.slice(studyUrl.lastIndexOf('/') + 1);
      expect(studyUid).toMatch(/^2\.25\.\d+$/);
      // Uploading the same files again stores nothing new (the derived UIDs are deterministic).
      expect((await stow()).status).toBe(200);
      const series = (await (await get(r, `/dicomweb/studies/${studyUid}/series`)).json()) as Record<string, { Value?: unknown[] }>[];
      expect(series).toHaveLength(1);
      expect(series[0]!['00201209']?.Value).toEqual([20]);
      expect(series[0]!['00080060']?.Value).toEqual(['CT']);
      const seriesUid = String(series[0]!['0020000E']!.Value![0]);
      const instances = (await (await get(r, `/dicomweb/studies/${studyUid}/series/${seriesUid}/instances`)).json()) as Record<string, { Value?: unknown[] }>[];
      const sops = instances.map((i) => String(i['00080018']!.Value![0]));
      // The SOP Instance UIDs are those of the file meta, which the files are named after.
      expect([...sops].sort()).toEqual(names.map((n) => n.replace(/^CT\./, '')).sort());
      // Metadata carries the filled-in UIDs, so a viewer sees the same study/series it asked for.
      const meta = (await (await get(r, `/dicomweb/studies/${studyUid}/series/${seriesUid}/metadata`)).json()) as Record<string, { Value?: unknown[] }>[];
      expect(meta).toHaveLength(20);
      for (const m of meta) expect([m['0020000D']?.Value?.[0], m['0020000E']?.Value?.[0]]).toEqual([studyUid, seriesUid]);
      const decoder = await j2kDecoder();
      for (const i of [0, 7, 19]) {
        const file = local[i]!;
        const sop = file.name.replace(/^CT\./, '');
        const frameRes = await get(r, `/dicomweb/studies/${studyUid}/series/${seriesUid}/instances/${sop}/frames/1`, 'multipart/related; type=application/octet-stream; transfer-syntax=*');
        expect(frameRes.status).toBe(200);
        const parts = multipartParts(frameRes, Buffer.from(await frameRes.arrayBuffer()));
        expect(parts[0]!.headers['content-type']).toBe('application/octet-stream; transfer-syntax=1.2.840.10008.1.2.4.90');
        const served = decoder(parts[0]!.body);
        const ref = decoder(readFrames(file.bytes, [1])[0]!.bytes);
        expect([served.width, served.height]).toEqual([512, 512]);
        expect(served.pixels.length).toBe(512 * 512 * 2);
        expect(Buffer.compare(served.pixels, ref.pixels)).toBe(0);
      }
    });

    it('study-level STOW refuses an instance of another study (A900) before storing it', async () => {
      const r = embedded!;
      const other = new Uint8Array(readFileSync(sharedDataPath(...MISC, 'CT2_J2KR')));
      const { body, contentType } = stowBody([{ name: 'ct2.dcm', bytes: other }]);
      const res = await fetch(`${r.base}/dicomweb/studies/${CARDIAC_STUDY}`, { method: 'POST', headers: { authorization: `Bearer ${await r.token('clinician')}`, 'content-type': contentType }, body });
      expect(res.status).toBe(409);
      const json = (await res.json()) as Record<string, { Value?: Record<string, { Value?: unknown[] }>[] }>;
      expect(json['00081198']!.Value![0]!['00081197']?.Value).toEqual([0xa900]);
      const p = parseForStore(other);
      expect((await get(r, `/dicomweb/studies?StudyInstanceUID=${p.studyUid}`)).status).toBe(200);
      expect(await (await get(r, `/dicomweb/studies?StudyInstanceUID=${p.studyUid}`)).json()).toEqual([]);
    });

    it('QIDO includefield adds attributes from the stored metadata; unsupported keys are named in a Warning', async () => {
      const r = embedded!;
      const res = await get(r, `/dicomweb/studies/${CARDIAC_STUDY}/series?includefield=BodyPartExamined,00180050&PatientName=x`);
      const series = (await res.json()) as Record<string, { Value?: unknown[] }>[];
      expect(series[0]!['00180015']?.Value).toEqual(['HEART']);
      expect(series[0]!['00180050']?.Value?.map(Number)).toEqual([1.5]);
      expect(res.headers.get('warning')).toMatch(/PatientName/);
      const bad = await get(r, '/dicomweb/studies?limit=-1');
      expect(bad.status).toBe(400);
    });

    it('serves a JPEG 2000 frame as stored, with its transfer syntax, and refuses transcoding with 406', async () => {
      const r = embedded!;
      const j2k = new Uint8Array(readFileSync(sharedDataPath(...MISC, J2K_FILE)));
      const p = parseForStore(j2k);
      const url = `/dicomweb/studies/${p.studyUid}/series/${p.seriesUid}/instances/${p.sopUid}/frames/1`;
      const res = await get(r, url, 'multipart/related; type=application/octet-stream; transfer-syntax=*');
      expect(res.status).toBe(200);
      const parts = multipartParts(res, Buffer.from(await res.arrayBuffer()));
      expect(parts[0]!.headers['content-type']).toBe('application/octet-stream; transfer-syntax=1.2.840.10008.1.2.4.90');
      expect(Buffer.compare(Buffer.from(parts[0]!.body), Buffer.from(readFrames(j2k, [1])[0]!.bytes))).toBe(0);
      const refused = await get(r, url, 'multipart/related; type=application/octet-stream; transfer-syntax=1.2.840.10008.1.2.1');
      expect(refused.status).toBe(406);
    });

    it('401 without sign-in and 403 for admin, each with exactly one audit record', async () => {
      const r = embedded!;
      const before = auditLines(r.dir).length;
      const anon = await fetch(`${r.base}/dicomweb/studies`);
      expect(anon.status).toBe(401);
      expect(((await anon.json()) as { resourceType: string }).resourceType).toBe('OperationOutcome');
      const admin = await fetch(`${r.base}/dicomweb/studies/${CARDIAC_STUDY}/metadata`, { headers: { authorization: `Bearer ${await r.token('admin')}` } });
      expect(admin.status).toBe(403);
      const ok = await get(r, `/dicomweb/studies/${CARDIAC_STUDY}/series`);
      expect(ok.status).toBe(200);
      await ok.arrayBuffer();
      // Only this test's /dicomweb requests (sign-ins and other areas may be audited too).
      const lines = auditLines(r.dir)
        .slice(before)
        .filter((l) => l.path.startsWith('/dicomweb'));
      expect(lines.map((l) => [l.path, l.httpStatus, l.user?.role ?? null])).toEqual([
        ['/dicomweb/studies', 401, null],
        [`/dicomweb/studies/${CARDIAC_STUDY}/metadata`, 403, 'admin'],
        [`/dicomweb/studies/${CARDIAC_STUDY}/series`, 200, 'clinician'],
      ]);
      expect(lines[2]!.entities).toEqual([`Study/${CARDIAC_STUDY}`]);
    });

    it('the index is rebuilt from the files at start (durable store)', () => {
      const r = embedded!;
      const store = DicomStore.open(r.dir);
      const counts = store.counts();
      store.close();
      expect(counts.instances).toBe(33); // 12 cardiac + 1 J2K + the 20 abdominal slices stored with filled-in UIDs
      // A lost index is rebuilt from the files.
      for (const f of ['index.sqlite', 'index.sqlite-wal', 'index.sqlite-shm']) {
        try {
          unlinkSync(join(r.dir, 'dicom', f));
        } catch {
          // WAL side files may not exist
        }
      }
      const reopened = DicomStore.open(r.dir);
      expect(reopened.counts()).toEqual(counts);
      expect(reopened.study(CARDIAC_STUDY)?.instance_count).toBe(12);
      // The abdominal CT's files carry their filled-in UIDs: re-indexed as one study of 20.
      expect(reopened.searchStudies({ limit: 100, offset: 0 }).map((s) => s.instance_count).sort((a, b) => a - b)).toEqual([1, 12, 20]);
      reopened.close();
    });
  });

  describe.skipIf(!hasOrthanc())('upstream: a real Orthanc behind DICOMWEB_UPSTREAM_URL', () => {
    let orthanc: OrthancHandle | undefined;
    let proxied: Running;
    afterAll(async () => {
      await proxied?.app.close();
      await orthanc?.stop();
      if (proxied) rmSync(proxied.dir, { recursive: true, force: true });
    });
    dicomwebContract(
      'through the proxy',
      async () => {
        orthanc = await startOrthanc();
        proxied = await startApp({ DICOMWEB_UPSTREAM_URL: orthanc.dicomwebUrl });
        return proxied;
      },
      async () => {
        // Closed by the afterAll above, after the upstream-only tests.
      },
    );

    it('reads back through the proxy what was stored into Orthanc directly (REST /instances)', async () => {
      const j2k = new Uint8Array(readFileSync(sharedDataPath(...MISC, J2K_FILE)));
      const stored = await fetch(`${orthanc!.url}/instances`, { method: 'POST', body: j2k });
      expect(stored.status).toBe(200);
      await stored.arrayBuffer();
      const p = parseForStore(j2k);
      const studies = (await (await get(proxied, `/dicomweb/studies?StudyInstanceUID=${p.studyUid}`)).json()) as Record<string, { Value?: unknown[] }>[];
      expect(studies).toHaveLength(1);
      // Orthanc's own URLs are rewritten to ours.
      expect(String(studies[0]!['00081190']?.Value?.[0])).toMatch(new RegExp(`^${proxied.base.replace(/[.]/g, '\\.')}/dicomweb/studies/`));
      const frame = await get(proxied, `/dicomweb/studies/${p.studyUid}/series/${p.seriesUid}/instances/${p.sopUid}/frames/1`, 'multipart/related; type=application/octet-stream; transfer-syntax=*');
      expect(frame.status).toBe(200);
      const parts = multipartParts(frame, Buffer.from(await frame.arrayBuffer()));
      expect(Buffer.compare(Buffer.from(parts[0]!.body), Buffer.from(readFrames(j2k, [1])[0]!.bytes))).toBe(0);
      const audit = auditLines(proxied.dir).filter((l) => l.path.startsWith('/dicomweb/studies/') && l.path.endsWith('/frames/1'));
      expect(audit.at(-1)?.entities).toEqual([`Study/${p.studyUid}`]);
    });

    it('admin gets 403 in upstream mode too, and nothing reaches the PACS', async () => {
      const res = await fetch(`${proxied.base}/dicomweb/studies`, { headers: { authorization: `Bearer ${await proxied.token('admin')}` } });
      expect(res.status).toBe(403);
    });
  });
});
