// A whole series' frames in one request: WADO-RS series pixel data
// (`…/studies/{s}/series/{r}/pixeldata`, PS3.18 §10.4), read as it downloads. Each frame is handed
// out the moment its last byte arrives, so the volume fills while the rest is on the wire; the
// proxy authenticates and audits once per series instead of once per frame.
//
// Cornerstone keeps fetching through its `wadors:` image ids: `streamingWadorsLoader` is
// registered for that scheme in place of the loader's own, takes a frame from the open stream
// when it has it (or waits for it, for volume loads), decodes it with the loader's `createImage`
// (in its decode workers), and falls back to the loader's per-frame request for anything the
// stream does not deliver (a PACS without the resource, a cut-off answer, a frame the series
// answer lacks). Nothing is lost by the fallback but speed.
//
// Lifetime: a stream belongs to the series being opened (viewer.ts creates and disposes it); a
// frame is handed out once and then dropped, so the stream holds only frames not yet consumed.
import { MultipartStreamParser, multipartBoundary } from '../../../core/dicom/multipart';

export interface StreamedFrame {
  bytes: Uint8Array;
  transferSyntaxUid: string;
  /**
   * The bytes are lent (`consume` sinks only): valid during the call, their buffer then takes the
   * next frame. A sink that keeps them, or transfers them to a worker, copies them first.
   */
  borrowed?: boolean;
}

/** Times (performance.now(), ms) and sizes of one series stream, for the benchmark's profile. */
export interface StreamStats {
  startedMs: number;
  headersMs: number | null;
  firstFrameMs: number | null;
  lastFrameMs: number | null;
  frames: number;
  bytes: number;
  /** Main-thread time spent splitting the multipart body (ms). */
  parseMs: number;
  /** When a held stream was released and began reading its body (ms); null until then. */
  releasedMs: number | null;
  failure: string | null;
}

/** "SOP UID|frame" of a WADO-RS frame URL or `wadors:` image id; null for anything else. */
export function frameKey(urlOrImageId: string): string | null {
  const m = /\/instances\/([^/?#]+)\/frames\/(\d+)(?:$|[?#])/.exec(urlOrImageId);
  return m ? `${decodeURIComponent(m[1]!)}|${Number(m[2])}` : null;
}

// Default transfer syntax of a frame part by media type (PS3.18 Table 8.7.3-2), as Cornerstone's
// wadors loader reads them; an octet-stream part without the parameter is implicit VR LE.
const TS_OF_TYPE: Record<string, string> = {
  'image/jpeg': '1.2.840.10008.1.2.4.50',
  'image/x-dicom-rle': '1.2.840.10008.1.2.5',
  'image/jls': '1.2.840.10008.1.2.4.80',
  'image/x-jls': '1.2.840.10008.1.2.4.80',
  'image/jll': '1.2.840.10008.1.2.4.70',
  'image/jp2': '1.2.840.10008.1.2.4.90',
  'image/jpx': '1.2.840.10008.1.2.4.92',
  'image/jphc': '3.2.840.10008.1.2.4.96',
};

/** Transfer syntax of a frame part from its Content-Type. */
export function partTransferSyntax(contentType: string | undefined): string {
  const ct = contentType ?? '';
  const ts = /transfer-syntax\s*=\s*"?([0-9.]+)"?/i.exec(ct)?.[1];
  if (ts) return ts;
  const type = ct.split(';')[0]!.trim().toLowerCase();
  return TS_OF_TYPE[type] ?? '1.2.840.10008.1.2';
}

interface Waiter {
  resolve: (f: StreamedFrame) => void;
  reject: (e: Error) => void;
}

const ACCEPT = 'multipart/related; type="application/octet-stream"; transfer-syntax=*';

/** The streams open now (one per series being loaded), consulted by `streamingWadorsLoader`. */
const openStreams = new Set<SeriesPixelStream>();

export class SeriesPixelStream {
  private readonly wanted: Set<string>;
  private readonly arrived = new Map<string, StreamedFrame>();
  private readonly waiters = new Map<string, Waiter[]>();
  /** Set by `consume`: every frame goes here as it arrives instead of being held. */
  private sink: ((key: string, frame: StreamedFrame) => void) | null = null;
  private readonly ac = new AbortController();
  /** undefined while running; null once complete; the reason when it failed or was aborted. */
  private outcome: Error | null | undefined;
  readonly stats: StreamStats;
  /** Settles when the download has ended (complete or not); never rejects. */
  readonly finished: Promise<void>;
  /** Opens the gate a held stream waits at before reading its body (`release`). */
  private openGate: () => void = () => undefined;
  private readonly gate: Promise<void>;

  /**
   * `held`: the request is sent at once (the server authenticates, audits and starts its
   * answer) but the body is not read until `release()` — the transfer then stalls on flow
   * control after the first socket buffers, so the series takes no server, network-service or
   * main-thread time from something more urgent (the first image's own frame request, decode
   * and paint: viewer.ts).
   */
  constructor(
    url: string,
    imageIds: readonly string[],
    fetchFn: typeof fetch = (...a) => fetch(...a),
    options: { held?: boolean } = {},
  ) {
    this.wanted = new Set(imageIds.map(frameKey).filter((k): k is string => k !== null));
    this.stats = { startedMs: performance.now(), headersMs: null, firstFrameMs: null, lastFrameMs: null, frames: 0, bytes: 0, parseMs: 0, releasedMs: null, failure: null };
    this.gate = new Promise((resolve) => {
      this.openGate = resolve;
    });
    if (!options.held) this.release();
    openStreams.add(this);
    this.finished = this.run(url, fetchFn).then(
      () => this.settle(null),
      (err: unknown) => this.settle(err instanceof Error ? err : new Error(String(err))),
    );
  }

  /** Whether this stream may still deliver the frame (it is in the series and the download has not failed). */
  covers(key: string): boolean {
    return this.arrived.has(key) || (this.outcome === undefined && this.wanted.has(key));
  }

  /** The frame if it has arrived; handed out once. */
  take(key: string): StreamedFrame | undefined {
    const f = this.arrived.get(key);
    if (f) this.arrived.delete(key);
    return f;
  }

  /** The frame when it arrives; rejects if the download fails or ends without it. */
  wait(key: string): Promise<StreamedFrame> {
    const now = this.take(key);
    if (now) return Promise.resolve(now);
    if (!this.covers(key)) return Promise.reject(this.outcome ?? new Error('the series answer does not hold this frame'));
    return new Promise((resolve, reject) => {
      const list = this.waiters.get(key) ?? [];
      list.push({ resolve, reject });
      this.waiters.set(key, list);
    });
  }

  /**
   * Hand every frame to `onFrame` as it arrives (those already arrived first, then each new
   * one), holding none. Frames that come after this call are lent (`borrowed`: the consumer, the
   * volume being filled, writes them at once or copies them). Frames handed out this way are
   * not offered to `take` / `wait` any more.
   */
  consume(onFrame: (key: string, frame: StreamedFrame) => void): void {
    this.sink = onFrame;
    const ready = [...this.arrived];
    this.arrived.clear();
    for (const [key, frame] of ready) onFrame(key, frame);
  }

  get aborted(): boolean {
    return this.ac.signal.aborted;
  }

  /** Start reading the body of a `held` stream (no effect on one already reading). */
  release(): void {
    this.stats.releasedMs ??= performance.now();
    this.openGate();
  }

  /** Stop the download (series closed or cancelled): waiting frames are rejected as AbortError. */
  dispose(): void {
    if (!this.ac.signal.aborted) this.ac.abort();
    this.release(); // a held stream's reader then sees the abort
    openStreams.delete(this);
    this.arrived.clear();
    // Closed once every wanted frame has come (only the close delimiter was still on the way):
    // complete, not cancelled.
    if (this.outcome === undefined) this.settle(this.stats.frames >= this.wanted.size ? null : new DOMException('Loading cancelled', 'AbortError'));
  }

  private async run(url: string, fetchFn: typeof fetch): Promise<void> {
    const res = await fetchFn(url, { headers: { Accept: ACCEPT }, signal: this.ac.signal, credentials: 'same-origin' });
    this.stats.headersMs = performance.now();
    if (!res.ok || !res.body) throw new Error(`the PACS answered HTTP ${res.status} to the series pixel data request`);
    const boundary = multipartBoundary(res.headers.get('content-type') ?? '');
    // Bodies are lent (no allocation per frame) to the consuming volume; a frame held for later
    // keeps its buffer (`deliver` returns true).
    const parser = new MultipartStreamParser(
      boundary,
      (part) => {
        const key = frameKey(part.headers['content-location'] ?? '');
        if (key === null || !this.wanted.has(key)) return false; // a frame the viewer does not show
        return this.deliver(key, { bytes: part.body, transferSyntaxUid: partTransferSyntax(part.headers['content-type']), borrowed: true });
      },
      true,
    );
    const reader = res.body.getReader();
    await this.gate;
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      this.stats.bytes += value.byteLength;
      const t0 = performance.now();
      parser.push(value);
      this.stats.parseMs += performance.now() - t0;
    }
    parser.end();
  }

  /** Hands a frame on; true when the bytes are kept past this call (held or given to a waiter). */
  private deliver(key: string, lent: StreamedFrame): boolean {
    const now = performance.now();
    this.stats.firstFrameMs ??= now;
    this.stats.lastFrameMs = now;
    this.stats.frames++;
    if (this.sink) {
      this.sink(key, lent);
      return false;
    }
    // Kept: the parser does not lend this buffer again, so the frame owns it.
    const frame: StreamedFrame = { bytes: lent.bytes, transferSyntaxUid: lent.transferSyntaxUid };
    const list = this.waiters.get(key);
    if (list && list.length > 0) {
      this.waiters.delete(key);
      // One waiter gets these bytes (they may be transferred to a decode worker); others get copies.
      list[0]!.resolve(frame);
      for (const w of list.slice(1)) w.resolve({ bytes: frame.bytes.slice(), transferSyntaxUid: frame.transferSyntaxUid });
    } else this.arrived.set(key, frame);
    return true;
  }

  private settle(outcome: Error | null): void {
    if (this.outcome !== undefined) return;
    this.outcome = outcome;
    if (outcome) this.stats.failure = outcome.message;
    // Whatever is still waited for now comes by another road (or not at all when aborted).
    const reason = outcome ?? new Error('the series answer ended without this frame');
    for (const list of this.waiters.values()) for (const w of list) w.reject(reason);
    this.waiters.clear();
  }
}

// Cornerstone's image-loader shapes, kept minimal (the packages type them loosely).
type LoadResult = { promise: Promise<unknown>; cancelFn?: (() => void) | undefined };
type LoadImage = (imageId: string, options?: Record<string, unknown>) => LoadResult;
type CreateImage = (imageId: string, pixelData: Uint8Array, transferSyntax: string, options: Record<string, unknown>) => Promise<unknown>;

/**
 * The `wadors:` loader with series streams in front: a frame an open stream holds is decoded
 * from it; a volume load waits for a frame the stream will bring; everything else (and any
 * frame a failed stream did not bring) goes to `fallback`, the loader's per-frame request.
 */
export function streamingWadorsLoader(fallback: LoadImage, createImage: CreateImage): LoadImage {
  return (imageId, options = {}) => {
    const key = frameKey(imageId);
    if (key !== null) {
      for (const stream of openStreams) {
        const decode = (f: StreamedFrame): Promise<unknown> =>
          createImage(imageId, f.bytes, f.transferSyntaxUid, options).then((image) => {
            (image as { transferSyntaxUID?: string }).transferSyntaxUID = f.transferSyntaxUid;
            return image;
          });
        const ready = stream.take(key);
        if (ready) return { promise: decode(ready), cancelFn: undefined };
        const forVolume = (options.additionalDetails as { volumeId?: string } | undefined)?.volumeId !== undefined;
        if (forVolume && stream.covers(key)) {
          return {
            promise: stream.wait(key).then(decode, (err: unknown) => (stream.aborted ? Promise.reject(err) : fallback(imageId, options).promise)),
            cancelFn: undefined,
          };
        }
      }
    }
    return fallback(imageId, options);
  };
}
