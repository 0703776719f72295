import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { ResourceEvent } from '../../core/contracts';
import { formatEventFrame, HEARTBEAT_FRAME, SseConnection, type SseSink } from './sse';
import { SseParser } from './sse-parse';

/** A real Writable whose consumer is paused until release() — a congested socket. */
function slowSink(highWaterMark: number): { sink: Writable & SseSink; written: string[]; release: () => void } {
  const written: string[] = [];
  const pending: (() => void)[] = [];
  let paused = true;
  const sink = new Writable({
    highWaterMark,
    decodeStrings: false,
    write(chunk: string, _enc, cb) {
      written.push(chunk);
      if (paused) pending.push(cb);
      else cb();
    },
  });
  return {
    sink: sink as Writable & SseSink,
    written,
    release: () => {
      paused = false;
      for (const cb of pending.splice(0)) cb();
    },
  };
}

const ev = (seq: number): ResourceEvent => ({ seq, patientId: 'p', resourceType: 'Observation', id: `o${seq}`, versionId: '1', action: 'create', at: '2026-01-01T00:00:00.000Z' });

describe('SseConnection', () => {
  it('queues while the socket is congested and flushes in order on drain', async () => {
    const { sink, written, release } = slowSink(64);
    const conn = new SseConnection(sink, 1_000_000);
    for (let s = 1; s <= 20; s++) conn.send(formatEventFrame(ev(s)));
    expect(conn.isCongested).toBe(true);
    conn.heartbeat(); // skipped while congested
    release();
    await new Promise((r) => setImmediate(r));
    const parser = new SseParser();
    const frames = parser.push(written.join(''));
    expect(frames.map((f) => f.id)).toEqual(Array.from({ length: 20 }, (_, i) => String(i + 1)));
    expect(written).not.toContain(HEARTBEAT_FRAME);
  });

  it('drops a client that falls too far behind instead of buffering without bound', () => {
    const { sink } = slowSink(16);
    let overflowed = false;
    const conn = new SseConnection(sink, 2000, () => (overflowed = true));
    for (let s = 1; s <= 200; s++) conn.send(formatEventFrame(ev(s)));
    expect(overflowed).toBe(true);
    expect(conn.isClosed).toBe(true);
    expect(sink.destroyed).toBe(true);
  });

  it('formats one event as an SSE frame whose id is the sequence and whose data is one JSON line', () => {
    const frame = formatEventFrame(ev(42));
    expect(frame.startsWith('id: 42\ndata: {')).toBe(true);
    expect(frame.endsWith('\n\n')).toBe(true);
    const parsed = new SseParser().push(frame);
    expect(JSON.parse(parsed[0]?.data ?? '')).toEqual(ev(42));
  });
});

describe('SseParser', () => {
  it('parses frames split anywhere, skips comments and keeps multi-line data', () => {
    const text = `retry: 3000\n\n: heartbeat\n\nid: 7\ndata: a\ndata: b\n\nid: 8\r\ndata: {"x":1}\r\n\r\n`;
    const p = new SseParser();
    const frames = [...text].flatMap((ch) => p.push(ch));
    expect(frames).toEqual([
      { id: '7', data: 'a\nb' },
      { id: '8', data: '{"x":1}' },
    ]);
    expect(p.comments).toBe(1);
  });
});
