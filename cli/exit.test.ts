import { describe, expect, it } from 'vitest';
import { exitAfterFlush, type FlushableStream } from './exit';

/** A stream whose writes complete only when the test says so (a pipe whose reader is slow). */
function slowPipe(): FlushableStream & { pending: Array<() => void>; drain(): void } {
  const pending: Array<() => void> = [];
  return {
    pending,
    write(_chunk, callback) {
      pending.push(() => callback());
      return false;
    },
    drain() {
      for (const cb of pending.splice(0)) cb();
    },
  };
}

describe('exitAfterFlush', () => {
  it('does not exit while a stream still holds unwritten output, and exits once both have flushed', async () => {
    const out = slowPipe();
    const err = slowPipe();
    const exits: number[] = [];
    const done = exitAfterFlush(3, [out, err], (c) => exits.push(c));
    await Promise.resolve();
    expect(exits).toEqual([]);
    out.drain();
    await Promise.resolve();
    expect(exits).toEqual([]);
    err.drain();
    await done;
    expect(exits).toEqual([3]);
    expect(process.exitCode).toBe(3);
    process.exitCode = 0;
  });
});
