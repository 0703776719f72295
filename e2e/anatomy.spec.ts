// Anatomy tab end to end, in Chromium on SwiftShader WebGL against the real server: a TotalSegmentator
// label map imported and exported as STL; loading the CT cancelled and started again, and a patient
// without CT told so. The liver rehearsal on the demo phantom (seeded liver, 3D, cut plane remnant,
// plan saved and reopened, GLB) is one step of the surgeon session in e2e/anatomy-liver.spec.ts.
import { readFileSync } from 'node:fs';
import { DEMO_PATIENT_HEALTHY, DEMO_PATIENT_LIVER } from '../server/demo/ids';
import { hasSharedData, sharedDataPath } from '../test-support/shared-data';
import { expect, test } from './fixtures';
import { AnatomyPage } from './pages/anatomy';

test.describe('Anatomy', () => {
  test.beforeEach(async ({ signInAs }) => {
    await signInAs('surgeon');
  });

  test('imports a TotalSegmentator NIfTI label map with its label table and exports STL', async ({ page }, testInfo) => {
    test.skip(!hasSharedData('segmentation', 'abdomen-ct-totalseg', 'example_seg.nii.gz'), 'shared data not present');
    test.setTimeout(180_000);
    const anatomy = new AnatomyPage(page);
    // No CT is loaded: the label map keeps its own grid (LAS NIfTI → LPS on read).
    await anatomy.goto(DEMO_PATIENT_HEALTHY);
    const chooser = page.waitForEvent('filechooser');
    await page.getByRole('button', { name: 'Import segmentation' }).click();
    await (await chooser).setFiles([
      sharedDataPath('segmentation', 'abdomen-ct-totalseg', 'example_seg.nii.gz'),
      sharedDataPath('segmentation', 'abdomen-ct-totalseg', 'totalseg_total_labels.json'),
    ]);
    const liver = anatomy.structure('liver');
    await expect(liver).toBeVisible({ timeout: 150_000 });
    // workers/meshing/README.md: the liver of this map is 1043.12 mL by voxel count; the final surface −0.03%.
    const liverMl = Number(/([\d.]+) mL/.exec((await liver.textContent()) ?? '')?.[1]);
    expect(Math.abs(liverMl - 1043.12) / 1043.12).toBeLessThan(0.01);
    expect(await anatomy.structures.getByRole('listitem').count()).toBeGreaterThan(20);
    await anatomy.waitFrames(0);
    expect((await anatomy.canvasStats()).nonBackgroundFraction).toBeGreaterThan(0.02);
    await anatomy.canvas3d.screenshot({ path: testInfo.outputPath('anatomy-3d-totalseg.png') });

    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Export STL' }).click();
    const stl = readFileSync(await (await download).path());
    const triangles = stl.readUInt32LE(80);
    expect(triangles).toBeGreaterThan(1000);
    expect(stl.length).toBe(84 + 50 * triangles); // binary STL: 50 bytes per triangle
  });

  test('loading the CT can be cancelled and started again; a patient without CT is told so', async ({ page }) => {
    const anatomy = new AnatomyPage(page);
    await anatomy.goto(DEMO_PATIENT_LIVER);
    await anatomy.loadCt.click();
    const progress = page.getByRole('progressbar', { name: 'Loading CT' });
    await expect(progress).toBeVisible();
    await page.getByRole('button', { name: 'Cancel' }).click();
    await expect(progress).toHaveCount(0);
    await expect(anatomy.loadCt).toBeEnabled();
    await expect(anatomy.slice).toHaveCount(0);
    await anatomy.loadCt.click();
    await expect(anatomy.slice).toBeVisible({ timeout: 120_000 });

    await anatomy.goto(DEMO_PATIENT_HEALTHY);
    await anatomy.loadCt.click();
    await expect(page.getByRole('alert').filter({ hasText: 'this patient has no CT series' })).toBeVisible({ timeout: 30_000 });
  });
});
