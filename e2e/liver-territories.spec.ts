// Vascular territories end to end (issue 17), in Chromium against the real server: on the demo
// liver-resection patient the surgeon grows the liver and the portal vein (contrast preset) from one
// seed each, extracts the portal centrelines in the worker, reads each first-order branch's territory
// (colour, mL, % of the liver), switches to second-order branches, adds a cut plane and reads the
// remnant per territory, moves the cut and sees the numbers follow (never stale), and the future
// liver remnant flagged against the threshold; names a territory, saves the plan, reloads the page and
// reopens it: the territories come back from the stored centrelines with the same volumes, name and
// remnants ("Numbers identical to the saved plan."). Screenshots are looked at.
import { DEMO_PATIENT_LIVER } from '../server/demo/ids';
import { expect, test } from './fixtures';
import { AnatomyPage, mlOf as ml } from './pages/anatomy';

// Demo CT (server/demo/imaging/phantom.ts, 256×256×200 at 1.5 mm, centred on 0): the liver ellipsoid
// centred at LPS (−62, 5, −20) mm → slice 86, column 86, row 131; the portal trunk (from
// (−20, 30, −55) to the hilum (−35, 15, −22), 7 mm radius) crosses z = −39.75 mm (slice 73) at
// x ≈ −26.6, y ≈ 23.4 mm → column 110, row 143.
const LIVER_SLICE = 86;
const LIVER_CLICK: [number, number] = [86.5 / 256, 131.5 / 256];
const PORTAL_SLICE = 73;
const PORTAL_CLICK: [number, number] = [110.5 / 256, 143.5 / 256];


test.describe('Liver territories', () => {
  test.beforeEach(async ({ signInAs }) => {
    await signInAs('surgeon');
  });

  test('liver + portal vein → centrelines → territories and volumes → cut → remnant per territory', async ({ page }, testInfo) => {
    test.setTimeout(600_000);
    const anatomy = new AnatomyPage(page);
    await anatomy.goto(DEMO_PATIENT_LIVER);
    await anatomy.openCt();
    await anatomy.addFromSeed({ slice: LIVER_SLICE, click: LIVER_CLICK, name: 'liver' });
    const liver = anatomy.structure('liver');

    // The portal vein: contrast preset (150–600 HU), one seed in the trunk. Ground truth: 5 883
    // voxels × 3.375 mm³ = 19.9 mL (phantom label 23).
    const portalMl = await anatomy.segmentFromSeed({ preset: 'contrastBloodPool', name: 'portal vein', slice: PORTAL_SLICE, click: PORTAL_CLICK });
    expect(portalMl).toBeGreaterThan(17);
    expect(portalMl).toBeLessThan(23);
    await anatomy.addCandidate('portal vein');

    const panel = page.getByRole('region', { name: 'Vascular territories' });
    await expect(panel.getByRole('checkbox', { name: 'portal vein' })).toBeChecked();
    await expect(panel.getByLabel('Liver structure')).toHaveValue(/\d+/);
    await panel.getByRole('button', { name: 'Extract centrelines' }).click();
    const table = panel.getByRole('table', { name: 'Territories' });
    await expect(table).toBeVisible({ timeout: 180_000 });
    // The painted tree: trunk, right and left branches each dividing in two → 7 segments, 3 bifurcations.
    await expect(panel.getByLabel('Centreline summary')).toContainText('portal vein: 7 segments, 3 bifurcations');
    const rows = table.getByRole('row');
    await expect(rows).toHaveCount(3);
    const texts = await rows.allTextContents();
    const vols = texts.slice(1).map(ml);
    const liverMl = ml(await liver.textContent());
    // Territories partition the liver's voxels: their sum is the liver's voxel volume (the surface volume is within 3 %).
    expect(Math.abs(vols[0]! + vols[1]! - liverMl) / liverMl).toBeLessThan(0.03);
    await expect(table.getByRole('textbox', { name: /Name of territory/ }).first()).toHaveValue(/portal vein 1\.\d · (right|left)/);
    await panel.screenshot({ path: testInfo.outputPath('territories-g1.png') });

    // Second-order branches: four territories.
    await panel.getByLabel('Branch generation').selectOption('2');
    await expect(rows).toHaveCount(5, { timeout: 120_000 });

    // A cut plane on the liver: the remnant per territory for that plane.
    await page.getByRole('button', { name: 'Add cut plane' }).click();
    const remnantTable = panel.getByRole('table', { name: 'Remnant per territory' });
    await expect(remnantTable).toBeVisible({ timeout: 60_000 });
    const flr = panel.getByTestId('territory-flr');
    const flr0 = Number(/\(([\d.]+)%\)/.exec((await flr.textContent()) ?? '')?.[1]);
    expect(flr0).toBeGreaterThan(20);
    expect(flr0).toBeLessThan(80);
    // Move the plane 40 mm to the patient's left (against the normal): more is resected, and the
    // threshold the surgeon chose for this liver (after chemotherapy, 30 %) is crossed.
    await page.getByLabel('Cut offset mm').fill('-40');
    await page.getByLabel('Future liver remnant threshold').selectOption({ label: 'After chemotherapy — 30 %' });
    await expect.poll(async () => Number(/\(([\d.]+)%\)/.exec((await flr.textContent()) ?? '')?.[1]), { timeout: 60_000 }).toBeLessThan(flr0);
    await expect(panel.getByText('below 30%')).toBeVisible({ timeout: 30_000 });
    await panel.scrollIntoViewIfNeeded();
    await panel.getByLabel('Territory slice').fill(String(LIVER_SLICE));
    await panel.screenshot({ path: testInfo.outputPath('territories-cut.png') });
    await page.screenshot({ path: testInfo.outputPath('territories-page.png'), fullPage: true });

    // Name a territory, save the plan, reload the page and reopen it: same territories, name and remnants.
    const nameBox = table.getByRole('textbox', { name: /Name of territory/ }).first();
    await nameBox.fill('right posterior (S6/7)');
    await nameBox.blur();
    const savedRows = (await rows.allTextContents()).slice(1).map(ml);
    const savedFlr = (await flr.textContent())!.replace(/below.*$/, '').trim();
    await page.getByLabel('Plan title').fill('E2E territory plan');
    await page.getByRole('button', { name: 'Save plan' }).click();
    const saved = page.getByRole('status').filter({ hasText: 'Saved “E2E territory plan”' });
    await expect(saved).toBeVisible({ timeout: 120_000 });
    await expect(saved).toContainText('4 territories');
    await page.reload();
    await expect(anatomy.canvas3d).toBeVisible({ timeout: 30_000 });
    const open = page.getByRole('button', { name: /^Open plan E2E territory plan/ }).first();
    await expect(open).toBeVisible({ timeout: 30_000 });
    await open.click();
    await expect(page.getByTestId('plan-reproduced')).toHaveText('Numbers identical to the saved plan.', { timeout: 300_000 });
    const table2 = page.getByRole('region', { name: 'Vascular territories' }).getByRole('table', { name: 'Territories' });
    await expect(table2.getByRole('row')).toHaveCount(5, { timeout: 60_000 });
    expect((await table2.getByRole('row').allTextContents()).slice(1).map(ml)).toEqual(savedRows);
    await expect(table2.getByRole('textbox', { name: /Name of territory/ }).first()).toHaveValue('right posterior (S6/7)');
    await expect(page.getByRole('region', { name: 'Vascular territories' }).getByLabel('Branch generation')).toHaveValue('2');
    await expect(page.getByTestId('territory-flr')).toContainText(savedFlr, { timeout: 60_000 });
    await page.getByRole('region', { name: 'Vascular territories' }).screenshot({ path: testInfo.outputPath('territories-reopened.png') });
  });
});
