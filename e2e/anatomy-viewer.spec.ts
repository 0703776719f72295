// Viewer ergonomics and named failures (issue 17), in Chromium against the real server:
//  1. Anatomy's slice viewer: wheel and keys (↑ ↓ Page Up/Down Home End) change the slice, the
//     slice number and its position in mm are shown and can be typed, a step is kept, the edges
//     carry orientation letters, a Shift+click sets a crosshair whose other planes follow (the 3D
//     view's CT planes too) and which shows in the 3D scene; visible focus.
//  2. Disabled buttons look disabled (dashed, unfilled), not active.
//  3. No cardiology "Publish as LV volume" panel on the liver case.
//  5. The liver saved to the PACS as DICOM-SEG shows as a coloured overlay on the CT in Imaging,
//     toggled per segment.
//  4. A frame the PACS fails to deliver is asked for again as explicit VR little endian and named.
// Waits are on visible state and render counters, never on sleeps.
import { DEMO_PATIENT_LIVER } from '../server/demo/ids';
import { expect, test } from './fixtures';
import { AnatomyPage } from './pages/anatomy';
import { ImagingPage } from './pages/imaging';

// The demo liver phantom (see e2e/anatomy.spec.ts): the liver on axial slice 86 at column 86, row 131.
const LIVER_SLICE = 86;
const LIVER_CLICK: [number, number] = [86.5 / 256, 131.5 / 256];

test.describe('Viewer ergonomics and named failures', () => {
  test.beforeEach(async ({ signInAs }) => {
    await signInAs('surgeon');
  });

  test('slice viewer: wheel, keys, mm entry, letters, crosshair in 3D; disabled look; no LV panel on a liver case; SEG overlay in Imaging', async ({ page }, testInfo) => {
    test.setTimeout(600_000);
    const anatomy = new AnatomyPage(page);
    await anatomy.goto(DEMO_PATIENT_LIVER);
    await anatomy.loadCt.click();
    await expect(anatomy.slice).toBeVisible({ timeout: 180_000 });

    // 2. A disabled button: no fill, dashed border, not-allowed cursor.
    const add = page.getByRole('button', { name: 'Add structure' });
    await expect(add).toBeDisabled();
    const look = await add.evaluate((b) => {
      const s = getComputedStyle(b);
      return { bg: s.backgroundColor, border: s.borderTopStyle, cursor: s.cursor };
    });
    expect(look).toEqual({ bg: 'rgba(0, 0, 0, 0)', border: 'dashed', cursor: 'not-allowed' });

    // 1. Orientation letters of the axial plane (standard grid: radiological).
    const frame = page.locator('.anatomy-slice-frame');
    await expect(frame.locator('.ori-top')).toHaveText('A');
    await expect(frame.locator('.ori-bottom')).toHaveText('P');
    await expect(frame.locator('.ori-left')).toHaveText('R');
    await expect(frame.locator('.ori-right')).toHaveText('L');
    const number = page.getByLabel('Slice number');
    const where = page.locator('.anatomy-slice-where');
    await page.getByLabel('Axial slice').fill(String(LIVER_SLICE));
    await expect(number).toHaveValue(String(LIVER_SLICE + 1));
    await expect(where).toContainText(`Slice ${LIVER_SLICE + 1} of`);
    await expect(where).toContainText(/S -?\d+\.\d mm/);

    // Keys on the focused slice, reached with Tab (a visible focus ring).
    await page.getByLabel('Slice step').focus();
    await page.keyboard.press('Tab');
    await expect(anatomy.slice).toBeFocused();
    const outline = await anatomy.slice.evaluate((c) => getComputedStyle(c).outlineStyle);
    expect(outline).toBe('solid');
    await page.keyboard.press('ArrowUp');
    await expect(number).toHaveValue(String(LIVER_SLICE + 2));
    await page.keyboard.press('PageDown');
    await expect(number).toHaveValue(String(LIVER_SLICE + 2 - 10));
    await page.keyboard.press('End');
    const count = Number(await number.getAttribute('max'));
    await expect(number).toHaveValue(String(count));
    await page.keyboard.press('Home');
    await expect(number).toHaveValue('1');
    // Step 5: one ↑ moves five slices.
    await page.getByLabel('Slice step').fill('5');
    await anatomy.slice.focus();
    await page.keyboard.press('ArrowUp');
    await expect(number).toHaveValue('6');
    // The wheel: one notch up = one step up.
    const box = (await anatomy.slice.boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.wheel(0, -100);
    await expect(number).toHaveValue('11');
    await page.getByLabel('Slice step').fill('1');

    // The position typed in mm: back to the liver slice by its position.
    await page.getByLabel('Axial slice').fill(String(LIVER_SLICE));
    const liverMm = Number(await page.getByLabel('Slice position mm').inputValue());
    await page.getByLabel('Axial slice').fill('10');
    await page.getByLabel('Slice position mm').fill(String(liverMm));
    await page.getByLabel('Slice position mm').press('Enter');
    await expect(number).toHaveValue(String(LIVER_SLICE + 1));

    // Shift+click: crosshair only (no region growing); the coronal and sagittal planes follow.
    const frames0 = await anatomy.frames();
    const clickBox = (await anatomy.slice.boundingBox())!;
    await page.keyboard.down('Shift');
    await page.mouse.click(clickBox.x + LIVER_CLICK[0] * clickBox.width, clickBox.y + LIVER_CLICK[1] * clickBox.height);
    await page.keyboard.up('Shift');
    await expect(page.locator('.anatomy-slice-lines line')).toHaveCount(2);
    await expect(page.getByRole('status').filter({ hasText: /^Candidate:/ })).toHaveCount(0);
    await anatomy.waitFrames(frames0);
    // Row 131 → coronal slice j = 131, column 86 → sagittal slice i = 86 (± 1: the click lands on a
    // CSS pixel of a scaled picture with a border).
    await page.getByLabel('Slice plane').selectOption('coronal');
    const coronal = Number(await number.inputValue()) - 1;
    expect(Math.abs(coronal - 131)).toBeLessThanOrEqual(1);
    await expect(frame.locator('.ori-top')).toHaveText('S');
    await page.getByLabel('Slice plane').selectOption('sagittal');
    const sagittal = Number(await number.inputValue()) - 1;
    expect(Math.abs(sagittal - 86)).toBeLessThanOrEqual(1);
    await expect(frame.locator('.ori-left')).toHaveText('A');
    await page.getByRole('button', { name: 'CT planes' }).click();
    await expect(page.getByLabel('3D coronal plane')).toHaveValue(String(coronal));
    await expect(page.getByLabel('3D sagittal plane')).toHaveValue(String(sagittal));
    await page.getByRole('button', { name: 'CT planes' }).click();
    await page.getByLabel('Slice plane').selectOption('axial');
    await page.locator('.anatomy-sliceview').screenshot({ path: testInfo.outputPath('slice-viewer.png') });

    // Seed the liver (a plain click), add it: the liver case shows no LV panel.
    await anatomy.clickSlice(...LIVER_CLICK);
    await expect(page.getByRole('status').filter({ hasText: /^Candidate:/ })).toBeVisible({ timeout: 90_000 });
    await add.click();
    await expect(anatomy.structure('liver')).toBeVisible({ timeout: 180_000 });
    await expect(page.getByRole('button', { name: 'Publish as LV volume' })).toHaveCount(0);
    await expect(page.getByLabel('LV blood pool structure')).toHaveCount(0);
    await page.screenshot({ path: testInfo.outputPath('anatomy-viewer.png') });

    // 5. Save it to the PACS as DICOM-SEG; Imaging shows it over the CT.
    await page.getByRole('button', { name: 'Save segmentation to PACS' }).click();
    await expect(page.getByRole('status').filter({ hasText: /Saved as DICOM-SEG/ })).toBeVisible({ timeout: 120_000 });

    const imaging = new ImagingPage(page);
    await imaging.goto(DEMO_PATIENT_LIVER);
    await page.getByRole('region', { name: 'Studies' }).getByRole('button', { name: /^Open CT/ }).first().click();
    for (const name of ['Axial viewport', 'Sagittal viewport', 'Coronal viewport'] as const) await imaging.waitRendered(name, 0, 240_000);
    const panel = page.getByRole('region', { name: 'Segmentation overlay' });
    const show = panel.getByRole('button', { name: 'Show overlay' }).first();
    await expect(show).toBeEnabled({ timeout: 120_000 });
    await show.click();
    const liverToggle = panel.getByRole('checkbox', { name: 'Show segment liver' });
    await expect(liverToggle).toBeChecked({ timeout: 120_000 });
    const painted = (k: string) => page.locator(`[data-viewport-overlay="${k}"]`).evaluate((c) => Number((c as HTMLCanvasElement).dataset.paintedPixels ?? '0'));
    // The axial plane through the volume's middle cuts the liver.
    await expect.poll(() => painted('coronal'), { timeout: 60_000 }).toBeGreaterThan(100);
    await page.locator('.imaging-viewports').screenshot({ path: testInfo.outputPath('imaging-seg-overlay.png') });
    await liverToggle.uncheck();
    await expect.poll(() => painted('coronal'), { timeout: 30_000 }).toBe(0);
  });

  test('a frame the PACS fails to deliver is fetched again as explicit VR little endian and named', async ({ page }) => {
    test.setTimeout(300_000);
    const imaging = new ImagingPage(page);
    // The first image's own WADO-RS frame request fails (HTTP 500) when it asks for any syntax;
    // the explicit little endian retry goes through to the real server.
    const failed: string[] = [];
    const retried: string[] = [];
    await page.route(/\/dicomweb\/studies\/.*\/instances\/[^/]+\/frames\/1$/, async (route) => {
      const accept = route.request().headers()['accept'] ?? '';
      if (failed.length === 0 && !accept.includes('1.2.840.10008.1.2.1')) {
        failed.push(route.request().url());
        return route.fulfill({ status: 500, body: 'frame store unavailable' });
      }
      if (accept.includes('transfer-syntax=1.2.840.10008.1.2.1')) retried.push(route.request().url());
      return route.continue();
    });
    await imaging.goto(DEMO_PATIENT_LIVER);
    await page.getByRole('region', { name: 'Studies' }).getByRole('button', { name: /^Open CT/ }).first().click();
    const notice = page.getByRole('status', { name: 'Recovered images' });
    await expect(notice).toBeVisible({ timeout: 120_000 });
    expect(failed).toHaveLength(1);
    expect(retried).toEqual(failed);
    const sop = /\/instances\/([^/]+)\/frames\/1$/.exec(failed[0]!)![1]!;
    await expect(notice).toContainText(`instance ${decodeURIComponent(sop)} frame 1`);
    await expect(notice).toContainText('explicit VR little endian');
    await imaging.waitRendered('Stack viewport');
  });
});
