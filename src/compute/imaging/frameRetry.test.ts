import { describe, expect, it } from 'vitest';
import { EXPLICIT_LE_ACCEPT, frameUrlOf, reasonOf, withExplicitLeRetry } from './frameRetry';

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
