// Tests read real third-party data from the repository's test-data/ folder (sources, licences and
// checks in test-data/SOURCES.md). Where a file is absent a test skips with a visible note, except
// under CI=true, where its absence is a failure.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const sharedDataRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'test-data');

export function sharedDataPath(...parts: string[]): string {
  return join(sharedDataRoot, ...parts);
}

/**
 * True when the shared data file or folder exists. When it is missing: under CI this throws,
 * elsewhere it prints a note and returns false so the caller can `it.skipIf(!hasSharedData(...))`.
 */
export function hasSharedData(...parts: string[]): boolean {
  const p = sharedDataPath(...parts);
  if (existsSync(p)) return true;
  if (process.env.CI === 'true') {
    throw new Error(`test data missing under CI: ${p}`);
  }
  console.warn(`[skip] test data not found: ${p}`);
  return false;
}
