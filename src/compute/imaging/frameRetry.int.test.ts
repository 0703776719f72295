// A frame that fails, retried in explicit VR little endian, against real servers (no mocks):
//  - a real Orthanc PACS (1.10, DICOMweb plugin 1.7) holding a CT slice in JPEG spectral selection
//    (1.2.840.10008.1.2.4.53, retired; no browser codec decodes it): the first request
//    (transfer-syntax=*, as Cornerstone asks) fails — Orthanc answers HTTP 500 for that instance
//    (measured; a viewer given the stored bytes would refuse them by name anyway); the retry asks
//    for explicit VR little endian, Orthanc transcodes, and the frame is recovered — the same
//    picture as the raw slice (lossy JPEG: r ≥ 0.98, as the transfer-syntax table in
//    src/views/imaging/README.md states for the lossy processes);
//  - our embedded store (which does not transcode) holding the same file: both requests fail and
//    the error names the image and both reasons.
// The first request's "decoder" is the viewer's transfer-syntax table (unsupportedMessage), the
// same refusal the browser path reports; the retry's bytes are read as Int16 LE pixels.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MultipartStreamParser, multipartBoundary } from '../../../core/dicom/multipart';
import { parseDicomPart10 } from '../../../core/dicom/parse';
import { DicomStore } from '../../../server/dicomweb/store';
import { makeTempDir, startTestServer, type TestServer } from '../../../server/testing/harness';
import { hasOrthanc, startOrthanc, type OrthancHandle } from '../../../test-support/orthanc';
import { EXPLICIT_VR_LITTLE_ENDIAN, fetchFrameExplicitLe, frameUrlOf, onFrameRetry, withExplicitLeRetry, type FrameRetryReport } from './frameRetry';
import { unsupportedMessage } from './transferSyntaxes';

const DIR = join(process.cwd(), 'test-data', 'dicom', 'misc', 'ct-slice-16-transfer-syntaxes-cornerstone');
const SPECTRAL = readFileSync(join(DIR, 'CTImage.dcm_JPEGProcess6_8TransferSyntax_1.2.840.10008.1.2.4.53.dcm'));
const RAW = readFileSync(join(DIR, 'CTImage.dcm_LittleEndianExplicitTransferSyntax_1.2.840.10008.1.2.1.dcm'));
const info = parseDicomPart10('spectral.dcm', new Uint8Array(SPECTRAL));
const rawInfo = parseDicomPart10('raw.dcm', new Uint8Array(RAW));
// Pixel Data is the raw file's last element: its last rows × columns × 2 bytes.
const rawPixels = (() => {
  const n = rawInfo.rows * rawInfo.columns;
  const b = new Uint8Array(RAW).slice(RAW.byteLength - 2 * n);
  return new Int16Array(b.buffer, 0, n);
})();

/** The first request as Cornerstone's wadors loader makes it, with the viewer's decoder refusal. */
function firstRequest(headers: Record<string, string> = {}) {
  return (imageId: string) => ({
    promise: (async () => {
      const res = await fetch(frameUrlOf(imageId)!, { headers: { ...headers, Accept: 'multipart/related; type=application/octet-stream; transfer-syntax=*' } });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      const parts: Array<{ headers: Record<string, string> }> = [];
      const p = new MultipartStreamParser(multipartBoundary(res.headers.get('content-type') ?? ''), (x) => parts.push(x));
      p.push(new Uint8Array(await res.arrayBuffer()));
      p.end();
      const ts = /transfer-syntax=([0-9.]+)/.exec(parts[0]?.headers['content-type'] ?? '')?.[1] ?? '';
      const refused = unsupportedMessage(ts);
      if (refused) throw new Error(refused);
      return { decodedFrom: ts };
    })(),
    cancelFn: undefined,
  });
}

/** Raw little endian bytes → 16-bit pixels (what the loader's createImage does for this syntax). */
async function readRaw(_id: string, bytes: Uint8Array, ts: string): Promise<{ pixels: Int16Array; ts: string }> {
  const copy = bytes.slice();
  return { pixels: new Int16Array(copy.buffer, 0, copy.byteLength >> 1), ts };
}

function correlation(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let sa = 0;
  let sb = 0;
  for (let i = 0; i < a.length; i++) {
    sa += a[i]!;
    sb += b[i]!;
  }
  const ma = sa / a.length;
  const mb = sb / b.length;
  let num = 0;
  let da = 0;
  let db = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i]! - ma) * (b[i]! - mb);
    da += (a[i]! - ma) ** 2;
    db += (b[i]! - mb) ** 2;
  }
  return num / Math.sqrt(da * db);
}

function frameUrl(root: string): string {
  return `${root}/studies/${info.studyInstanceUid}/series/${info.seriesInstanceUid}/instances/${info.sopInstanceUid}/frames/1`;
}

describe.skipIf(!hasOrthanc())('a failed frame against a real Orthanc: retried as explicit VR little endian', () => {
  let orthanc: OrthancHandle;
  beforeAll(async () => {
    orthanc = await startOrthanc();
    const res = await fetch(`${orthanc.url}/instances`, { method: 'POST', body: SPECTRAL, headers: { 'content-type': 'application/dicom' } });
    expect(res.ok).toBe(true);
  }, 60_000);
  afterAll(async () => {
    await orthanc?.stop();
  });

  it('the retry recovers the frame, reported by image', async () => {
    expect(info.transferSyntax.uid).toBe('1.2.840.10008.1.2.4.53');
    const reports: FrameRetryReport[] = [];
    const off = onFrameRetry((r) => reports.push(r));
    try {
      const load = withExplicitLeRetry(firstRequest(), readRaw as never);
      const image = (await load(`wadors:${frameUrl(orthanc.dicomwebUrl)}`).promise) as { pixels: Int16Array; ts: string; transferSyntaxUID: string };
      expect(image.ts).toBe(EXPLICIT_VR_LITTLE_ENDIAN);
      expect(image.transferSyntaxUID).toBe(EXPLICIT_VR_LITTLE_ENDIAN);
      expect(image.pixels.length).toBe(rawPixels.length);
      expect(correlation(image.pixels, rawPixels)).toBeGreaterThan(0.98);
      expect(reports).toEqual([
        {
          imageId: `wadors:${frameUrl(orthanc.dicomwebUrl)}`,
          image: `instance ${info.sopInstanceUid} frame 1`,
          // The PACS fails to deliver this frame; were the stored bytes sent, the viewer would refuse .4.53 by name.
          firstError: expect.stringMatching(/^HTTP 500$|1\.2\.840\.10008\.1\.2\.4\.53\) is not supported/) as unknown as string,
          outcome: 'recovered',
        },
      ]);
    } finally {
      off();
    }
  }, 60_000);
});

describe('a failed frame against our embedded store (no transcoding): named with both reasons', () => {
  let server: TestServer;
  let token: string;
  beforeAll(async () => {
    const dir = makeTempDir('twinscope-frameretry-');
    const store = DicomStore.open(dir);
    for (const o of store.putMany([new Uint8Array(SPECTRAL)])) if (!o.ok) throw o.error;
    store.close();
    server = await startTestServer({ dataDir: dir });
    token = await server.login('clinician');
  }, 60_000);
  afterAll(async () => {
    await server?.close();
  });

  it('asks for explicit little endian, is refused (406), and says so naming the image', async () => {
    const auth = { authorization: `Bearer ${token}` };
    const url = frameUrl(`${server.url}/dicomweb`);
    await expect(fetchFrameExplicitLe(url, { headers: auth })).rejects.toThrow(/HTTP 406 when asked for explicit VR little endian/);
    const reports: FrameRetryReport[] = [];
    const off = onFrameRetry((r) => reports.push(r));
    try {
      const withAuth: typeof fetch = (input, init) => fetch(input, { ...init, headers: { ...(init?.headers as Record<string, string>), ...auth } });
      const load = withExplicitLeRetry(firstRequest(auth), readRaw as never, withAuth);
      await expect(load(`wadors:${url}`).promise).rejects.toThrow(
        new RegExp(`^instance ${info.sopInstanceUid.replace(/\./g, '\\.')} frame 1: .*is not supported.*; asked again as explicit VR little endian: the PACS answered HTTP 406`),
      );
      expect(reports.map((r) => r.outcome)).toEqual(['failed']);
    } finally {
      off();
    }
  }, 60_000);
});
