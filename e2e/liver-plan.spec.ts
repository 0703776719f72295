// Issue 17, the liver planner end to end in Chromium (SwiftShader WebGL) against the real server and
// the demo liver patient's phantom CT: segment the liver and its tumour, start a cut from a plane,
// bend it into a curved (Bézier) resection surface, see the safety-margin map painted on it and the
// minimum margin to the tumour, save the plan, reload, reopen it with identical numbers, export.
import { readFileSync } from 'node:fs';
import { validateBytes } from 'gltf-validator';
import { DEMO_PATIENT_LIVER } from '../server/demo/ids';
import { expect, test } from './fixtures';
import { AnatomyPage, mlOf } from './pages/anatomy';

// Demo CT: 256×256×200 at 1.5 mm, centred on 0 (server/demo/imaging/phantom.ts). The liver
// ellipsoid is centred at LPS (−62, 5, −20) mm (slice 86, column 86, row 131; as e2e/anatomy.spec.ts);
// its lesion (40 HU in a 90 HU liver, radii 17 × 16 × 18 mm, 20.5 mL) at (−88, 10, 0) mm:
// slice (0 + 149.25)/1.5 ≈ 100, column (−88 + 191.25)/1.5 ≈ 69, row (10 + 191.25)/1.5 ≈ 134.
const LIVER_SLICE = 86;
const LIVER_CLICK: [number, number] = [86.5 / 256, 131.5 / 256];
const TUMOUR_SLICE = 100;
const TUMOUR_CLICK: [number, number] = [69.5 / 256, 134.5 / 256];

const mmOf = (text: string | null): number => Number(/([\d.]+) mm/.exec(text ?? '')?.[1]);

test.describe('Liver planner', () => {
  test.beforeEach(async ({ signInAs }) => {
    await signInAs('surgeon');
  });

  test('plane → curved resection surface with a margin map → saved, reopened with identical numbers → exported', async ({ page }, testInfo) => {
    test.setTimeout(600_000);
    const anatomy = new AnatomyPage(page);
    await anatomy.goto(DEMO_PATIENT_LIVER);
    await anatomy.openCt();

    // Liver from one seed (liver preset); hole filling takes the lesion in.
    await anatomy.addFromSeed({ slice: LIVER_SLICE, click: LIVER_CLICK, name: 'liver' });

    // The tumour: 40 HU inside a 90 HU liver (noise SD 12 HU), grown from a seed at its centre.
    const tumourMl = await anatomy.segmentFromSeed({ slice: TUMOUR_SLICE, click: TUMOUR_CLICK, name: 'liver tumour', minHu: 5, maxHu: 62 });
    // Ground truth 20.5 mL (ellipsoid 17 × 16 × 18 mm); the noisy border at 62 HU loses or gains a shell.
    expect(tumourMl).toBeGreaterThan(14);
    expect(tumourMl).toBeLessThan(28);
    await anatomy.addCandidate('liver tumour');

    // A plane first: the default sagittal plane through the liver's centre, the patient's right resected.
    await page.getByLabel('Organ to cut').selectOption({ label: 'liver' });
    await page.getByRole('button', { name: 'Add cut plane' }).click();
    const readout = page.getByLabel('Cut readout');
    const remnant = page.getByTestId('remnant-percent');
    await expect(remnant).toHaveText(/\(\d+\.\d%\)/, { timeout: 30_000 });
    const planeRemnant = (await remnant.textContent())!.replace(/below.*$/, '').trim();

    // Bend it: a flat surface reads exactly the plane's numbers, with the margin to the tumour.
    await page.getByRole('button', { name: 'Bend into a curved surface' }).click();
    await expect(page.getByRole('group', { name: 'Curved surface' })).toBeVisible();
    await expect(page.getByRole('checkbox', { name: 'Margin to liver tumour' })).toBeChecked();
    const minMargin = page.getByTestId('min-margin');
    await expect(minMargin).toHaveText(/[\d.]+ mm to liver tumour/, { timeout: 60_000 });
    await expect(remnant).toContainText(planeRemnant);
    const flatMarginMm = mmOf(await minMargin.textContent());
    const flatRemnantMl = mlOf(await remnant.textContent());

    // Bend the middle control points 10 mm towards the resected side (towards the tumour): the
    // remnant grows, the margin shrinks. Arrow keys step 1 mm.
    const p22 = page.getByLabel('Control point row 2 column 2 height mm');
    const p23 = page.getByLabel('Control point row 2 column 3 height mm');
    const p32 = page.getByLabel('Control point row 3 column 2 height mm');
    const p33 = page.getByLabel('Control point row 3 column 3 height mm');
    for (const p of [p22, p23, p32]) await p.fill('10');
    await p33.fill('9');
    await p33.press('ArrowUp');
    await expect(p33).toHaveValue('10');
    // Never stale: the numbers shown are for the surface drawn, or "Computing…".
    await expect(readout).toHaveAttribute('data-state', 'current', { timeout: 60_000 });
    await expect.poll(async () => mlOf(await remnant.textContent()), { timeout: 60_000 }).toBeGreaterThan(flatRemnantMl + 5);
    await expect.poll(async () => mmOf(await minMargin.textContent()), { timeout: 60_000 }).toBeLessThan(flatMarginMm - 2);
    await expect(page.getByRole('list', { name: 'Margin colour legend' })).toContainText('< 1 mm (R1)');
    // The margin map inside the liver: the liver made translucent, seen from the front and the
    // patient's right (orbit 70° from the anterior view by a drag on empty canvas).
    let frames = await anatomy.frames();
    await page.getByLabel('Opacity of liver', { exact: true }).fill('0.45');
    frames = await anatomy.waitFrames(frames);
    await page.getByRole('button', { name: 'Anterior' }).click();
    frames = await anatomy.waitFrames(frames);
    const cbox = await anatomy.canvas3d.boundingBox();
    if (!cbox) throw new Error('3D anatomy is not visible');
    await page.mouse.move(cbox.x + 0.9 * cbox.width, cbox.y + 0.9 * cbox.height);
    await page.mouse.down();
    for (let i = 1; i <= 8; i++) await page.mouse.move(cbox.x + 0.9 * cbox.width - (i / 8) * (70 / 360) * cbox.height, cbox.y + 0.88 * cbox.height);
    await page.mouse.up();
    frames = await anatomy.waitFrames(frames);
    await anatomy.canvas3d.screenshot({ path: testInfo.outputPath('liver-plan-curved-oblique.png') });
    await page.getByRole('button', { name: 'Lateral' }).click();
    await anatomy.waitFrames(frames);
    await anatomy.canvas3d.screenshot({ path: testInfo.outputPath('liver-plan-curved-lateral.png') });
    await page.screenshot({ path: testInfo.outputPath('liver-plan-workflow.png') });
    const shownRemnant = (await remnant.textContent())!.replace(/below.*$/, '').trim();
    const shownMargin = (await minMargin.textContent())!.trim();

    await page.getByLabel('Plan title').fill('E2E curved right hepatectomy');
    await page.getByRole('button', { name: 'Save plan' }).click();
    const saved = page.getByRole('status').filter({ hasText: 'Saved “E2E curved right hepatectomy”' });
    await expect(saved).toBeVisible({ timeout: 120_000 });
    await expect(saved).toContainText(/min margin [\d.]+ mm/);

    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Export GLB' }).click();
    const report = await validateBytes(new Uint8Array(readFileSync(await (await download).path())));
    expect(report.issues.numErrors, JSON.stringify(report.issues.messages.slice(0, 5))).toBe(0);

    // A fresh page: the plan reopens its structures from the PACS and recomputes the same numbers.
    await page.reload();
    await expect(anatomy.canvas3d).toBeVisible({ timeout: 30_000 });
    const open = page.getByRole('button', { name: /^Open plan E2E curved right hepatectomy/ }).first();
    await expect(open).toBeVisible({ timeout: 30_000 });
    await open.click();
    await expect(page.getByTestId('plan-reproduced')).toHaveText('Numbers identical to the saved plan.', { timeout: 240_000 });
    await expect(p22).toHaveValue('10');
    await expect(page.getByTestId('remnant-percent')).toContainText(shownRemnant, { timeout: 60_000 });
    await expect(page.getByTestId('min-margin')).toHaveText(shownMargin, { timeout: 60_000 });
    await anatomy.canvas3d.screenshot({ path: testInfo.outputPath('liver-plan-reopened.png') });
  });
});
