// The STOW spool keeps nothing of a body over the cap, and the removal is done before the caller
// hears of the refusal (the route answers 413 at that moment; a file left behind after the answer
// was a CI failure: the file's asynchronous open completed after the removal).
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { spoolToFile, StowTooLargeError } from './stowSpool';

const dir = mkdtempSync(join(tmpdir(), 'twinscope-spool-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function chunks(sizes: number[]): Readable {
  return Readable.from((function* () {
    for (const n of sizes) yield Buffer.alloc(n, 7);
  })());
}

describe('spoolToFile', () => {
  it('keeps a body under the cap byte for byte, and dispose removes it', async () => {
    const body = await spoolToFile(chunks([100, 200, 300]), dir, 4096);
    expect(body.sizeBytes).toBe(600);
    expect(readFileSync(body.path).length).toBe(600);
    body.dispose();
    expect(readdirSync(dir)).toEqual([]);
  });

  // Generated variants: the cap is crossed on the first chunk (before the file is even open),
  // in the middle, and on the last chunk, with chunk sizes from 1 byte to 8 KiB.
  const variants: { sizes: number[]; cap: number }[] = [];
  for (const cap of [1, 100, 4096]) {
    for (const chunk of [1, 17, 1024, 8192]) {
      const over = Math.floor(cap / chunk) + 1;
      variants.push({ sizes: Array.from({ length: over + 3 }, () => chunk), cap });
      variants.push({ sizes: Array.from({ length: over }, () => chunk), cap });
    }
  }
  it.each(variants)('refuses over the cap ($cap bytes, $sizes.length chunks of $sizes.0) with nothing left on disk when it rejects', async ({ sizes, cap }) => {
    const err = await spoolToFile(chunks(sizes), dir, cap).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StowTooLargeError);
    expect((err as StowTooLargeError).limitBytes).toBe(cap);
    expect(readdirSync(dir)).toEqual([]);
  });
});
