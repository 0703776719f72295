import { describe, expect, it } from 'vitest';
import { EXPLICIT_LE_ACCEPT, EXPLICIT_VR_LITTLE_ENDIAN, frameUrlOf, onFrameRetry, reasonOf, retryExplicitLe, withExplicitLeRetry, type FrameRetryReport } from './frameRetry';

describe('frame retry helpers', () => {
  it('asks for explicit VR little endian in the Accept header', () => {
    expect(EXPLICIT_LE_ACCEPT).toBe('multipart/related; type="application/octet-stream"; transfer-syntax=1.2.840.10008.1.2.1');
  });
  it('finds the WADO-RS frame URL of a wadors: image id', () => {
    expect(frameUrlOf('wadors:/dicomweb/studies/1/series/2/instances/3.4/frames/1')).toBe('/dicomweb/studies/1/series/2/instances/3.4/frames/1');
    expect(frameUrlOf('dicomfile:7')).toBeNull();
  });
  it('puts loader rejections in words', () => {
    expect(reasonOf(new Error('boom'))).toBe('boom');
    expect(reasonOf({ status: 500, statusText: 'Internal Server Error' })).toBe('HTTP 500 Internal Server Error');
    expect(reasonOf({ error: new Error('decode failed') })).toBe('decode failed');
    expect(reasonOf(42)).toBe('unknown error');
  });
  it('passes cancellation through without a retry, and names a non-WADO image that fails', async () => {
    const abort = withExplicitLeRetry(() => ({ promise: Promise.reject(new DOMException('x', 'AbortError')) }), () => Promise.reject(new Error('not called')));
    await expect(abort('wadors:/s/instances/1/frames/1').promise).rejects.toMatchObject({ name: 'AbortError' });
    const local = withExplicitLeRetry(() => ({ promise: Promise.reject(new Error('bad file')) }), () => Promise.reject(new Error('not called')));
    await expect(local('dicomfile:3').promise).rejects.toThrow('dicomfile:3: bad file');
  });
});

/** A WADO-RS frame answer as the PACS sends it: one multipart/related part. */
function frameAnswer(pixels: Uint8Array, ts: string): Response {
  const boundary = 'b0undary';
  const head = new TextEncoder().encode(`--${boundary}\r\nContent-Type: application/octet-stream; transfer-syntax=${ts}\r\n\r\n`);
  const tail = new TextEncoder().encode(`\r\n--${boundary}--\r\n`);
  const body = new Uint8Array(head.length + pixels.length + tail.length);
  body.set(head);
  body.set(pixels, head.length);
  body.set(tail, head.length + pixels.length);
  return new Response(body, { status: 200, headers: { 'content-type': `multipart/related; type="application/octet-stream"; boundary=${boundary}` } });
}

describe('retryExplicitLe (the one retry, also taken by streamed frames of the filled volume)', () => {
  const imageId = 'wadors:/dicomweb/studies/1/series/2/instances/3.4/frames/1';

  it('asks again in explicit VR little endian, decodes that and reports the frame as recovered', async () => {
    const reports: FrameRetryReport[] = [];
    const off = onFrameRetry((r) => reports.push(r));
    const asked: Array<{ url: string; accept: string }> = [];
    const fetchFn = ((url: string, init: RequestInit) => {
      asked.push({ url, accept: (init.headers as Record<string, string>).Accept! });
      return Promise.resolve(frameAnswer(new Uint8Array([1, 0, 2, 0]), EXPLICIT_VR_LITTLE_ENDIAN));
    }) as unknown as typeof fetch;
    const decoded: Array<{ bytes: number[]; ts: string; options: Record<string, unknown> }> = [];
    const createImage = (_id: string, bytes: Uint8Array, ts: string, options: Record<string, unknown>) => {
      decoded.push({ bytes: [...bytes], ts, options });
      return Promise.resolve({ imageId: _id });
    };
    try {
      const image = await retryExplicitLe(imageId, new Error('JPEG decode failed'), createImage, { targetBuffer: { type: 'Int16Array' } }, fetchFn);
      expect(image).toMatchObject({ imageId, transferSyntaxUID: EXPLICIT_VR_LITTLE_ENDIAN });
      expect(asked).toEqual([{ url: '/dicomweb/studies/1/series/2/instances/3.4/frames/1', accept: EXPLICIT_LE_ACCEPT }]);
      expect(decoded).toEqual([{ bytes: [1, 0, 2, 0], ts: EXPLICIT_VR_LITTLE_ENDIAN, options: { targetBuffer: { type: 'Int16Array' } } }]);
      expect(reports).toEqual([{ imageId, image: 'instance 3.4 frame 1', firstError: 'JPEG decode failed', outcome: 'recovered' }]);
    } finally {
      off();
    }
  });

  it('rejects naming both reasons and reports the frame as failed when the retry fails too', async () => {
    const reports: FrameRetryReport[] = [];
    const off = onFrameRetry((r) => reports.push(r));
    const fetchFn = (() => Promise.resolve(new Response('', { status: 500 }))) as unknown as typeof fetch;
    try {
      await expect(retryExplicitLe(imageId, new Error('JPEG decode failed'), () => Promise.reject(new Error('not called')), {}, fetchFn)).rejects.toThrow(
        'instance 3.4 frame 1: JPEG decode failed; asked again as explicit VR little endian: the PACS answered HTTP 500 when asked for explicit VR little endian',
      );
      expect(reports).toMatchObject([{ outcome: 'failed', retryError: 'the PACS answered HTTP 500 when asked for explicit VR little endian' }]);
    } finally {
      off();
    }
  });
});
