// Issue 14, the Imaging → Anatomy hand-off on the real liver CT (TCIA CRLM-CT-1006, 512 × 512 × 51;
// test-data/SOURCES.md), the CT `npm start` gives the demo patient: the volume the Imaging tab
// filled is the one Anatomy segments — its exact Int16 buffer, shared, not copied — so switching tabs
// downloads nothing, and the liver grown from liver-real-ct.spec.ts's seed measures what that spec
// gets from Anatomy's own loader (1 572 mL: same voxels, same kernel). Own server (port E2E_PORT + 9,
// fresh data folder, TWIN_DEMO_LIVER_CT unset), waited for by readiness, as liver-real-ct.spec.ts.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from '@playwright/test';
import { DEMO_PATIENT_LIVER } from '../server/demo/ids';
import { loadScaledTimeoutMs } from '../test-support/load';
import { DEMO_PASSWORD, expect, test } from './fixtures';
import { AnatomyPage, voxelClick } from './pages/anatomy';
import { ImagingPage } from './pages/imaging';

// Above the worker servers (E2E_PORT, E2E_PORT + 1 + i) and liver-real-ct.spec.ts's (E2E_PORT + 1).
const PORT = Number(process.env.E2E_HANDOFF_PORT ?? Number(process.env.E2E_PORT ?? 8181) + 9);
const BASE = `http://127.0.0.1:${PORT}`;

test.use({ baseURL: BASE });
test.describe.configure({ mode: 'serial' });

let server: ChildProcess | null = null;
let dataDir = '';
let serverLog = '';

test.beforeAll(async () => {
  test.setTimeout(loadScaledTimeoutMs(240_000));
  dataDir = mkdtempSync(join(tmpdir(), 'twinscope-e2e-handoff-'));
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(PORT), HOST: '127.0.0.1', TWIN_DATA_DIR: dataDir, TWIN_FEED_INTERVAL_MS: '0', NODE_ENV: 'production' };
  delete env.TWIN_DEMO_LIVER_CT;
  server = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const keep = (b: Buffer): void => {
    serverLog = (serverLog + b.toString()).slice(-8000);
  };
  server.stdout?.on('data', keep);
  server.stderr?.on('data', keep);
  await expect
    .poll(
      async () => {
        if (server?.exitCode !== null) return `server exited (${String(server?.exitCode)}): ${serverLog.slice(-500)}`;
        try {
          const h = (await (await fetch(`${BASE}/healthz`)).json()) as { dicom?: { demoImaging?: string } };
          return h.dicom?.demoImaging ?? 'no demo imaging state yet';
        } catch {
          return 'not listening yet';
        }
      },
      { timeout: loadScaledTimeoutMs(180_000), intervals: [250, 500, 1000], message: 'the real-CT server never finished seeding its demo imaging' },
    )
    .toBe('done');
});

test.afterAll(async () => {
  if (server !== null && server.exitCode === null) {
    const exited = new Promise((resolve) => server!.once('exit', resolve));
    server.kill('SIGTERM');
    await exited;
  }
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

test('the CT opened in Imaging is the one Anatomy segments: no second download, the liver as from its own loader', async ({ page, context }) => {
  test.setTimeout(loadScaledTimeoutMs(300_000));
  const api = await request.newContext({ baseURL: BASE });
  const login = await api.post('/auth/login', { data: { username: 'surgeon', password: DEMO_PASSWORD } });
  expect(login.ok(), await login.text()).toBe(true);
  await context.addCookies((await api.storageState()).cookies);
  await api.dispose();

  const imaging = new ImagingPage(page);
  await imaging.goto(DEMO_PATIENT_LIVER);
  await page.getByRole('region', { name: 'Studies' }).getByRole('button', { name: /^Open CT/ }).first().click();
  await imaging.waitRendered('Axial viewport', 0, 120_000);
  await expect(imaging.progress.filter({ hasText: /Loading/ })).toHaveCount(0, { timeout: 120_000 });
  expect(await page.evaluate(() => window.twinscopeImaging?.textureFormat() ?? '')).toBe('R16F');
  const published = await page.evaluate(() => window.twinscopeImaging?.publishedVolume() ?? null);
  expect(published?.dimensions).toEqual([512, 512, 51]);

  const downloads: string[] = [];
  page.on('request', (r) => {
    if (/\/dicomweb\/studies\/[^?]*\/series\/[^/?]+(\/pixeldata)?(\?.*)?$/.test(r.url())) downloads.push(r.url());
  });
  await page.getByRole('link', { name: 'Anatomy' }).or(page.getByRole('tab', { name: 'Anatomy' })).first().click();
  const anatomy = new AnatomyPage(page);
  // The CT is there at once: Anatomy took the published volume (no Load CT, no series download).
  await expect(anatomy.slice).toBeVisible({ timeout: 60_000 });
  // liver-real-ct.spec.ts's liver step: 60–200 HU with 12 mm bridges from voxel (150, 250) of slice 28.
  const liverMl = await anatomy.segmentFromSeed({ slice: 28, click: voxelClick(150, 250, 512, 512), preset: 'liver', name: 'liver', minHu: 60, maxHu: 200, bridgeMm: 12 }, loadScaledTimeoutMs(180_000));
  expect(downloads, 'series downloaded again for Anatomy').toEqual([]);
  // 1 572 mL from Anatomy's own loader (liver-real-ct.spec.ts); the panel shows 0.1 mL.
  expect(Math.abs(liverMl - 1572.3)).toBeLessThanOrEqual(0.5);
  await page.screenshot({ path: test.info().outputPath('anatomy-from-imaging.png') });
});
