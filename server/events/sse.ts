// One Server-Sent Events connection: bounded, backpressure-aware writes of SSE frames.
// Pure of Fastify so it can be tested on any Writable-like sink.
import type { ResourceEvent } from '../../core/contracts';

/** The part of http.ServerResponse a connection needs. */
export interface SseSink {
  write(chunk: string): boolean;
  once(event: 'drain', listener: () => void): unknown;
  end(): unknown;
  destroy(): unknown;
  readonly writableEnded: boolean;
  readonly destroyed: boolean;
}

/** Formats one event as an SSE frame. `id` is the resume point the browser sends back as Last-Event-ID. */
export function formatEventFrame(e: ResourceEvent): string {
  // JSON.stringify never emits a raw newline, so the payload is a single `data:` line.
  return `id: ${e.seq}\ndata: ${JSON.stringify(e)}\n\n`;
}

export const HEARTBEAT_FRAME = ': heartbeat\n\n';

/**
 * Wraps a response stream. While the socket is congested (write() returned false) frames queue
 * up to `maxQueuedBytes`; beyond that the client is too slow to keep up, so the connection is
 * dropped — it will reconnect with Last-Event-ID and be replayed from the ring or the store,
 * which is cheaper than holding an unbounded queue per slow client.
 */
export class SseConnection {
  private queue: string[] = [];
  private queuedBytes = 0;
  private congested = false;
  private closed = false;

  constructor(
    private readonly sink: SseSink,
    private readonly maxQueuedBytes: number,
    private readonly onOverflow: () => void = () => undefined,
  ) {}

  get isClosed(): boolean {
    return this.closed || this.sink.destroyed || this.sink.writableEnded;
  }

  get isCongested(): boolean {
    return this.congested;
  }

  send(frame: string): void {
    if (this.isClosed) return;
    if (this.congested) {
      this.queuedBytes += frame.length;
      if (this.queuedBytes > this.maxQueuedBytes) {
        this.onOverflow();
        this.destroy();
        return;
      }
      this.queue.push(frame);
      return;
    }
    if (!this.sink.write(frame)) {
      this.congested = true;
      this.sink.once('drain', this.flush);
    }
  }

  /** Heartbeats are skipped while congested: the queue already proves the stream is alive. */
  heartbeat(): void {
    if (!this.congested) this.send(HEARTBEAT_FRAME);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.queue = [];
    if (!this.sink.writableEnded && !this.sink.destroyed) this.sink.end();
  }

  destroy(): void {
    this.closed = true;
    this.queue = [];
    if (!this.sink.destroyed) this.sink.destroy();
  }

  private readonly flush = (): void => {
    this.congested = false;
    const pending = this.queue;
    this.queue = [];
    this.queuedBytes = 0;
    for (let i = 0; i < pending.length; i++) {
      const frame = pending[i];
      if (frame === undefined) continue;
      if (this.congested) {
        // Congested again part-way: keep the rest, in order.
        this.queue.push(frame);
        this.queuedBytes += frame.length;
      } else {
        this.send(frame);
      }
    }
  };
}
