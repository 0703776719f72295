// Issue 17, the planner on real anatomy, in Chromium: the liver-resection demo patient with the real
// CT it gets from `npm start` (TCIA Colorectal-Liver-Metastases CRLM-CT-1006, portal-venous, 512 ×
// 512 × 51 at 0.80 × 0.80 × 5 mm; test-data/SOURCES.md), not the phantom the other specs use. This
// spec runs its own server (port E2E_PORT + 1, fresh data folder, TWIN_DEMO_LIVER_CT unset) and
// waits for it and for the demo imaging by readiness, never by sleeping. The surgeon loads the CT,
// grows the liver, a metastasis and the portal vein from one seed each, checks their volumes, extracts
// the portal centrelines, reads the territories, draws a cut, saves the plan, reloads the page and
// reopens it with identical numbers.
//
// How the seeds and HU windows were found (on this CT, with the product's own kernels run in Node on
// the shipped files, then checked here): parenchyma measures 112–123 HU (mean of 21 × 21 voxel
// patches), spleen 107, portal vein 155–164, the metastasis 65 ± 9. Every window that holds the liver
// (60–135 … 110–150 HU) also leaks from it into the heart, spleen, kidneys and bowel (2.0–3.2 L,
// slices 0–50), so HU alone cannot separate organs of the same density touching it; "Cut bridges"
// (an opening that keeps the seed's piece) does: 60–200 HU (parenchyma with its enhanced vessels)
// with 12 mm bridges gives the liver alone on slices 12–40, 1 572 mL. The metastasis (segment VII/VIII,
// slices 35–37, ~1.1 cm across) is hypodense at the liver's edge against the diaphragm, so its window
// meets the muscle there; 30–90 HU with 2 mm bridges keeps the lesion alone, 1.3 mL (1.30–1.33 mL
// from 30–90 or 40–90 HU). The portal vein at the hilum (slice 24) grows with the contrast preset
// (150–600 HU) to 5.7 mL; 145 HU already leaks along the noisy parenchyma.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEMO_PATIENT_LIVER } from '../server/demo/ids';
import { loadScaledTimeoutMs } from '../test-support/load';
import { expect, sessionCookies, test } from './fixtures';
import { AnatomyPage, mlOf, voxelClick } from './pages/anatomy';
import { ImagingPage } from './pages/imaging';

const PORT = Number(process.env.E2E_REAL_CT_PORT ?? Number(process.env.E2E_PORT ?? 8181) + 1);
const BASE = `http://127.0.0.1:${PORT}`;
// The CT's grid (test-data/SOURCES.md): axial slices are 512 × 512.
const N = 512;
const LIVER = { slice: 28, click: voxelClick(150, 250, N, N), name: 'liver', preset: 'liver', minHu: 60, maxHu: 200, bridgeMm: 12 } as const;
const TUMOUR = { slice: 35, click: voxelClick(157, 273, N, N), name: 'liver metastasis', minHu: 30, maxHu: 90, bridgeMm: 2 } as const;
const PORTAL = { slice: 24, click: voxelClick(208, 238, N, N), preset: 'contrastBloodPool', name: 'portal vein', bridgeMm: 0 } as const;

test.use({ baseURL: BASE });
test.describe.configure({ mode: 'serial' });

let server: ChildProcess | null = null;
let dataDir = '';
let serverLog = '';

test.beforeAll(async () => {
  test.setTimeout(loadScaledTimeoutMs(240_000));
  dataDir = mkdtempSync(join(tmpdir(), 'twinscope-e2e-real-ct-'));
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(PORT), HOST: '127.0.0.1', TWIN_DATA_DIR: dataDir, TWIN_FEED_INTERVAL_MS: '0', NODE_ENV: 'production' };
  delete env.TWIN_DEMO_LIVER_CT; // TWIN_FEED_INTERVAL_MS 0: no monitor feed, nothing here reads vitals
  server = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const keep = (b: Buffer): void => {
    serverLog = (serverLog + b.toString()).slice(-8000);
  };
  server.stdout?.on('data', keep);
  server.stderr?.on('data', keep);
  // Ready when /healthz answers and the demo imaging (the real CT, stored under the demo patient) is seeded.
  await expect
    .poll(
      async () => {
        if (server?.exitCode !== null) return `server exited (${String(server?.exitCode)}): ${serverLog.slice(-500)}`;
        try {
          const r = await fetch(`${BASE}/healthz`);
          const h = (await r.json()) as { checks?: { dicom?: { demoImaging?: string } }; dicom?: { demoImaging?: string } };
          return h.checks?.dicom?.demoImaging ?? h.dicom?.demoImaging ?? `healthz ${r.status}: ${JSON.stringify(h).slice(0, 200)}`;
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

// Issue 14, the Imaging → Anatomy hand-off (first, before anything is saved on this server): the
// volume the Imaging tab filled is the one Anatomy segments — its exact Int16 buffer, shared, not
// copied — so switching tabs downloads nothing, and the liver grown from the seed below measures what
// Anatomy's own loader gives in the next test (1 572 mL: same voxels, same kernel).
test('the CT opened in Imaging is the one Anatomy segments: no second download, the liver as from its own loader', async ({ page, context }) => {
  test.setTimeout(loadScaledTimeoutMs(300_000));
  await context.addCookies(await sessionCookies(BASE, 'surgeon'));

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

test('real liver CT: liver, metastasis and portal vein from seeds → territories → cut → saved plan reopened identical', async ({ page, context }, testInfo) => {
  test.setTimeout(loadScaledTimeoutMs(600_000));
  // Sign in on this server (its own session: the fixtures' cookies for the worker server do not apply here).
  await context.addCookies(await sessionCookies(BASE, 'surgeon'));

  const anatomy = new AnatomyPage(page);
  await anatomy.goto(DEMO_PATIENT_LIVER);
  await anatomy.openCt(loadScaledTimeoutMs(120_000));
  // The real series, not the phantom: 51 axial slices.
  await expect(page.getByText('/51', { exact: false }).first()).toBeVisible();

  // Adult liver volume on CT, bounds 1.2–2.0 L: Vauthey et al., Liver Transpl 2002;8:233–240 (Western
  // adults, total liver volume = −794.41 + 1 267.28 × BSA m² → 1.23–1.99 L for BSA 1.6–2.2 m²); Feng et
  // al., World J Gastroenterol 2017;23(27):4968 (CT volumetry of 369 adults: 1 205 ± 258 mL).
  const liverMl = await anatomy.segmentFromSeed(LIVER);
  expect(liverMl).toBeGreaterThan(1200);
  expect(liverMl).toBeLessThan(2000);
  await anatomy.addCandidate(LIVER.name);

  // The metastasis: ~1.1–1.4 cm across on three 5 mm slices → 0.7–1.4 mL as a sphere; partial volume
  // on 5 mm slices can double it. Bounds 0.5–3 mL.
  const tumourMl = await anatomy.segmentFromSeed(TUMOUR);
  expect(tumourMl).toBeGreaterThan(0.5);
  expect(tumourMl).toBeLessThan(3);
  await anatomy.addCandidate(TUMOUR.name);

  // The portal vein at the hilum: 9.3 ± 1.5 mm wide on CT (Feng et al. 2017, above); the trunk and
  // its first branches this window holds, 4–10 cm of 8–13 mm vessel → 2–20 mL.
  const portalMl = await anatomy.segmentFromSeed(PORTAL);
  expect(portalMl).toBeGreaterThan(2);
  expect(portalMl).toBeLessThan(20);
  await anatomy.addCandidate(PORTAL.name);
  const liverSurfaceMl = mlOf(await anatomy.structure(LIVER.name).textContent());
  // The listed volume is the surface's; it agrees with the voxel count within 3 %.
  expect(Math.abs(liverSurfaceMl - liverMl) / liverMl).toBeLessThan(0.03);

  // Territories of the portal branches over the liver.
  const panel = page.getByRole('region', { name: 'Vascular territories' });
  await expect(panel.getByRole('checkbox', { name: 'portal vein' })).toBeChecked();
  await panel.getByLabel('Liver structure').selectOption({ label: LIVER.name });
  await panel.getByRole('button', { name: 'Extract centrelines' }).click();
  const table = panel.getByRole('table', { name: 'Territories' });
  await expect(table).toBeVisible({ timeout: loadScaledTimeoutMs(180_000) });
  const rows = table.getByRole('row');
  const territoryMl = (await rows.allTextContents()).slice(1).map(mlOf);
  expect(territoryMl.length).toBeGreaterThanOrEqual(2);
  // The territories partition the liver's voxels.
  expect(Math.abs(territoryMl.reduce((a, b) => a + b, 0) - liverMl) / liverMl).toBeLessThan(0.03);

  // A cut plane through the liver; the remnant per territory follows it.
  await page.getByLabel('Organ to cut').selectOption({ label: LIVER.name });
  await page.getByRole('button', { name: 'Add cut plane' }).click();
  await expect(panel.getByRole('table', { name: 'Remnant per territory' })).toBeVisible({ timeout: loadScaledTimeoutMs(60_000) });
  const remnant = page.getByTestId('remnant-percent');
  await expect(remnant).toHaveText(/\(\d+\.\d%\)/, { timeout: loadScaledTimeoutMs(60_000) });
  const flr = panel.getByTestId('territory-flr');
  await expect(flr).toHaveText(/\(\d+\.\d%\)/, { timeout: loadScaledTimeoutMs(60_000) });
  await page.getByLabel('Axial slice', { exact: true }).fill(String(TUMOUR.slice));
  await page.screenshot({ path: testInfo.outputPath('real-ct-plan.png'), fullPage: true });

  // Save, reload, reopen: the same numbers.
  const savedRows = (await rows.allTextContents()).slice(1);
  const savedRemnant = (await remnant.textContent())!.replace(/below.*$/, '').trim();
  const savedFlr = (await flr.textContent())!.replace(/below.*$/, '').trim();
  await page.getByLabel('Plan title').fill('Real CT plan');
  await page.getByRole('button', { name: 'Save plan' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Saved “Real CT plan”' })).toBeVisible({ timeout: loadScaledTimeoutMs(120_000) });
  await page.reload();
  await expect(anatomy.canvas3d).toBeVisible({ timeout: loadScaledTimeoutMs(30_000) });
  const open = page.getByRole('button', { name: /^Open plan Real CT plan/ }).first();
  await expect(open).toBeVisible({ timeout: loadScaledTimeoutMs(30_000) });
  await open.click();
  await expect(page.getByTestId('plan-reproduced')).toHaveText('Numbers identical to the saved plan.', { timeout: loadScaledTimeoutMs(300_000) });
  const table2 = page.getByRole('region', { name: 'Vascular territories' }).getByRole('table', { name: 'Territories' });
  await expect(table2.getByRole('row')).toHaveCount(savedRows.length + 1, { timeout: loadScaledTimeoutMs(60_000) });
  expect((await table2.getByRole('row').allTextContents()).slice(1)).toEqual(savedRows);
  await expect(page.getByTestId('remnant-percent')).toContainText(savedRemnant, { timeout: loadScaledTimeoutMs(60_000) });
  await expect(page.getByTestId('territory-flr')).toContainText(savedFlr, { timeout: loadScaledTimeoutMs(60_000) });
  await page.screenshot({ path: testInfo.outputPath('real-ct-reopened.png'), fullPage: true });
});
