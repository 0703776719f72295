// Named failures (issue 17), in Chromium against the real server: a frame the PACS fails to deliver
// is asked for again as explicit VR little endian and named. (The slice viewer's ergonomics, the
// disabled look, no LV panel on a liver case and the DICOM-SEG overlay in Imaging are steps of the
// surgeon session in e2e/anatomy-liver.spec.ts.) Waits are on visible state, never on sleeps.
import { DEMO_PATIENT_LIVER } from '../server/demo/ids';
import { expect, test } from './fixtures';
import { ImagingPage } from './pages/imaging';

test.describe('Viewer ergonomics and named failures', () => {
  test.beforeEach(async ({ signInAs }) => {
    await signInAs('surgeon');
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
