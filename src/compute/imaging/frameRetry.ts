// A frame the PACS fails to deliver, or that cannot be decoded, is asked for once more in
// explicit VR little endian (PS3.18 §8.7.3.5: `transfer-syntax=1.2.840.10008.1.2.1` in the
// Accept header), the one syntax every WADO-RS server must be able to send and every browser
// decodes without a codec. What happened is reported by image (instance UID and frame), so the
// viewer can name it: a frame recovered by the retry, or one that failed both ways with both
// reasons. Without this a failed frame left the viewer black and silent (issue 17).
//
// `withExplicitLeRetry` wraps the `wadors:` image loader (cornerstone.ts registers it around the
// series-stream loader); `fetchFrameExplicitLe` is the request itself.
import { MultipartStreamParser, multipartBoundary } from '../../../core/dicom/multipart';
import { describeImageId } from './viewer';

export const EXPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2.1';
const IMPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2';
/** Accept header of the retry: one frame, uncompressed, explicit VR little endian. */
export const EXPLICIT_LE_ACCEPT = `multipart/related; type="application/octet-stream"; transfer-syntax=${EXPLICIT_VR_LITTLE_ENDIAN}`;

/** The WADO-RS frame URL behind a `wadors:` image id (or the URL itself); null if it is not a frame URL. */
export function frameUrlOf(imageId: string): string | null {
  const url = imageId.startsWith('wadors:') ? imageId.slice('wadors:'.length) : imageId;
  return /\/instances\/[^/?#]+\/frames\/\d+(?:$|[?#])/.test(url) ? url : null;
}

/** A rejection from Cornerstone's loaders in words (they reject with Errors, strings, XHRs or plain objects). */
export function reasonOf(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (typeof err === 'string') return err;
  if (err && typeof err === 'object') {
    const o = err as { message?: unknown; status?: unknown; statusText?: unknown; error?: unknown };
    if (typeof o.message === 'string' && o.message) return o.message;
    if (typeof o.status === 'number') return `HTTP ${o.status}${typeof o.statusText === 'string' && o.statusText ? ` ${o.statusText}` : ''}`;
    if (o.error !== undefined && o.error !== err) return reasonOf(o.error);
  }
  return 'unknown error';
}

function isAbort(err: unknown): boolean {
  return (err instanceof DOMException || err instanceof Error) && err.name === 'AbortError';
}

/**
 * One frame in explicit VR little endian: the pixel bytes of the first part. Refuses an answer in
 * another syntax (a server that ignores the parameter must not pass compressed bytes off as raw).
 */
export async function fetchFrameExplicitLe(url: string, opts: { fetchFn?: typeof fetch; signal?: AbortSignal; headers?: Record<string, string> } = {}): Promise<Uint8Array> {
  const fetchFn = opts.fetchFn ?? ((...a: Parameters<typeof fetch>) => fetch(...a));
  const res = await fetchFn(url, { headers: { ...opts.headers, Accept: EXPLICIT_LE_ACCEPT }, credentials: 'same-origin', ...(opts.signal ? { signal: opts.signal } : {}) });
  if (!res.ok) throw new Error(`the PACS answered HTTP ${res.status} when asked for explicit VR little endian`);
  const body = new Uint8Array(await res.arrayBuffer());
  const parts: Array<{ headers: Record<string, string>; body: Uint8Array }> = [];
  const parser = new MultipartStreamParser(multipartBoundary(res.headers.get('content-type') ?? ''), (p) => parts.push(p));
  parser.push(body);
  parser.end();
  const part = parts[0];
  if (!part) throw new Error('the PACS answer to the explicit little endian request holds no frame');
  const ts = /transfer-syntax\s*=\s*"?([0-9.]+)"?/i.exec(part.headers['content-type'] ?? res.headers.get('content-type') ?? '')?.[1];
  if (ts !== undefined && ts !== EXPLICIT_VR_LITTLE_ENDIAN && ts !== IMPLICIT_VR_LITTLE_ENDIAN) {
    throw new Error(`asked for explicit VR little endian, the PACS sent ${ts}`);
  }
  if (part.body.byteLength === 0) throw new Error('the PACS sent an empty frame');
  return part.body;
}

/** What the retry did for one image. */
export interface FrameRetryReport {
  imageId: string;
  /** The image in words: "instance 1.2.3 frame 1". */
  image: string;
  /** Why the first request failed. */
  firstError: string;
  outcome: 'recovered' | 'failed';
  /** Why the explicit little endian retry failed too (outcome 'failed'). */
  retryError?: string;
}

type Listener = (r: FrameRetryReport) => void;
const listeners = new Set<Listener>();

/** Be told of every retried frame (the Imaging view names them in its notice). Returns the unsubscribe. */
export function onFrameRetry(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function report(r: FrameRetryReport): void {
  for (const l of listeners) l(r);
}

// Cornerstone's image-loader shapes, kept minimal (as in seriesPixelStream.ts).
type LoadResult = { promise: Promise<unknown>; cancelFn?: (() => void) | undefined };
type LoadImage = (imageId: string, options?: Record<string, unknown>) => LoadResult;
type CreateImage = (imageId: string, pixelData: Uint8Array, transferSyntax: string, options: Record<string, unknown>) => Promise<unknown>;

/**
 * The loader `load` with one retry per failed frame, asking for explicit VR little endian and
 * decoding that with `createImage`. A frame that fails both ways rejects with an Error naming the
 * image and both reasons. Cancellation (AbortError) is passed through untouched.
 */
export function withExplicitLeRetry(load: LoadImage, createImage: CreateImage, fetchFn?: typeof fetch): LoadImage {
  return (imageId, options = {}) => {
    const first = load(imageId, options);
    const promise = first.promise.catch(async (err: unknown) => {
      if (isAbort(err)) throw err;
      const image = describeImageId(imageId);
      const firstError = reasonOf(err);
      const url = frameUrlOf(imageId);
      if (url === null) throw new Error(`${image}: ${firstError}`);
      try {
        const bytes = await fetchFrameExplicitLe(url, fetchFn ? { fetchFn } : {});
        const img = await createImage(imageId, bytes, EXPLICIT_VR_LITTLE_ENDIAN, options);
        (img as { transferSyntaxUID?: string }).transferSyntaxUID = EXPLICIT_VR_LITTLE_ENDIAN;
        report({ imageId, image, firstError, outcome: 'recovered' });
        return img;
      } catch (err2) {
        const retryError = reasonOf(err2);
        report({ imageId, image, firstError, outcome: 'failed', retryError });
        throw new Error(`${image}: ${firstError}; asked again as explicit VR little endian: ${retryError}`);
      }
    });
    return { promise, cancelFn: first.cancelFn };
  };
}
