import { describe, expect, it } from 'vitest';
import { isAbortError, raceAbort } from './abort';

describe('raceAbort', () => {
  it('passes the result through without a signal or before it fires', async () => {
    await expect(raceAbort(Promise.resolve(7), undefined)).resolves.toBe(7);
    await expect(raceAbort(Promise.resolve(8), new AbortController().signal)).resolves.toBe(8);
  });

  it('rejects at once with an AbortError when the signal fires first, and when it had fired already', async () => {
    const never = new Promise<number>(() => undefined);
    const c = new AbortController();
    const raced = raceAbort(never, c.signal);
    c.abort();
    const e = await raced.catch((x: unknown) => x);
    expect(isAbortError(e)).toBe(true);
    const fired = await raceAbort(never, AbortSignal.abort()).catch((x: unknown) => x);
    expect(isAbortError(fired)).toBe(true);
  });
});
