// Screenshots the READMEs show. A test run writes them to the test's own output folder
// (`testInfo.outputPath`, under the git-ignored `test-results/`), so `npm test` leaves a clone
// clean; with `UPDATE_PICTURES=1` the same picture is also copied over the README's file.
import type { Locator, Page, TestInfo } from '@playwright/test';
import { copyFileSync, mkdirSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Whether this run refreshes the README pictures (`UPDATE_PICTURES=1`). */
export function updatingPictures(): boolean {
  return process.env.UPDATE_PICTURES === '1';
}

/**
 * Screenshot of a page or an element into the test's output folder; returns the written path.
 * `readmePath` is the picture's place in the repository (relative to its root, e.g.
 * `src/views/scenarios/images/scenarios-peak.png`): it is written there only when updating pictures.
 */
export async function savePicture(target: Page | Locator, testInfo: TestInfo, readmePath: string, options: { fullPage?: boolean } = {}): Promise<string> {
  if (isAbsolute(readmePath) || relative(REPO_ROOT, join(REPO_ROOT, readmePath)).startsWith('..')) {
    throw new Error(`savePicture: ${readmePath} is not a path inside the repository`);
  }
  const out = testInfo.outputPath(basename(readmePath));
  // A Locator's screenshot has no fullPage option; a Page's does.
  if ('goto' in target) await target.screenshot({ path: out, fullPage: options.fullPage === true });
  else await target.screenshot({ path: out });
  if (updatingPictures()) {
    const dest = join(REPO_ROOT, readmePath);
    mkdirSync(dirname(dest), { recursive: true });
    copyFileSync(out, dest);
  }
  return out;
}
