// Imaging tab end to end, in Chromium on SwiftShader WebGL against the real server:
// - the demo patient's CT from the embedded PACS (QIDO-RS + WADO-RS) in stack and MPR;
// - window presets, a length measurement, orientation markers;
// - the shared abdominal CT (JPEG 2000, empty UIDs) opened from disk without upload;
// - every transfer syntax of test-data/dicom/misc, decoded pixels compared with the
//   uncompressed slice (bit-identical for lossless, stated tolerances for lossy).
// Waits are on the viewer's render counters (IMAGE_RENDERED), never on sleeps.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import dicomParser from 'dicom-parser';
import { DEMO_PATIENT_LIVER } from '../server/demo/ids';
import { hasSharedData, sharedDataPath } from '../test-support/shared-data';
import { expect, test } from './fixtures';
import { ImagingPage, type ViewportName } from './pages/imaging';

const MPR: ViewportName[] = ['Axial viewport', 'Sagittal viewport', 'Coronal viewport'];
// Paths relative to the repository (test-data/...), resolved from the cwd.
const rel = (p: string) => relative(process.cwd(), p);

function gridDistance(a: number[], b: number[]): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs((a[i] ?? 0) - (b[i] ?? 0));
  return s / a.length;
}

test.describe('Imaging', () => {
  test.beforeEach(async ({ signInAs }) => {
    await signInAs('clinician');
  });

  test('opens the demo CT from the PACS: stack first, then three planes; presets, measurement, markers', async ({ page }) => {
    // Every WebGL context the page makes is counted (issue 14: Cornerstone's rendering engine made
    // a pool of 7 at start-up, each with its own textures and shaders under SwiftShader).
    await page.addInitScript(() => {
      let count = 0;
      const getContext = HTMLCanvasElement.prototype.getContext;
      const made = new WeakSet<object>();
      HTMLCanvasElement.prototype.getContext = function (this: HTMLCanvasElement, type: string, ...rest: unknown[]) {
        const ctx = (getContext as (this: HTMLCanvasElement, t: string, ...r: unknown[]) => RenderingContext | null).call(this, type, ...rest);
        if (ctx && /webgl/.test(type) && !made.has(ctx)) {
          made.add(ctx);
          count++;
        }
        return ctx;
      } as typeof getContext;
      Object.defineProperty(window, '__webglContextsCreated', { get: () => count });
    });
    const imaging = new ImagingPage(page);
    await imaging.goto(DEMO_PATIENT_LIVER);
    const openSeries = page.getByRole('region', { name: 'Studies' }).getByRole('button', { name: /^Open CT/ }).first();
    await expect(openSeries).toBeVisible({ timeout: 30_000 });
    // Pixel requests: the series arrives in one WADO-RS series pixel data request, not per frame.
    const pixelRequests: string[] = [];
    const codecRequests: string[] = [];
    page.on('request', (r) => {
      if (/\/dicomweb\/.*\/(frames\/\d+|pixeldata)$/.test(r.url())) pixelRequests.push(r.url().replace(/^.*\//, ''));
      // An uncompressed CT needs no codec: none of their chunks is fetched (vite.config.ts lazyCodecs).
      if (/\/assets\/(decode(?!ImageFrameWorker)[A-Za-z0-9]+|[a-z0-9]+wasm_decode|openjphjs)[\w-]*\.(js|wasm)$/.test(r.url())) codecRequests.push(r.url());
    });
    // The tools are not part of the first image: they load once it is up.
    expect(await page.evaluate(() => window.twinscopeImaging?.toolsReady() ?? false)).toBe(false);
    // The first image as painted, captured in the page when Cornerstone says it drew it (its
    // render event, caught in the capture phase): the small demo series may replace the stack
    // with the planes soon after, so nothing is read later from the stack.
    const firstImage = page.evaluate(
      () =>
        new Promise<{ desc: string; preset: string; png: string; nonBlank: number }>((resolve) => {
          const onRendered = (e: Event) => {
            const el = e.target as HTMLElement;
            const canvas = el.closest?.('[data-viewport="stack"]') ? el.querySelector('canvas') : null;
            if (!canvas || !window.twinscopeImaging?.displayedPixels('stack')) return;
            document.removeEventListener('CORNERSTONE_IMAGE_RENDERED', onRendered, { capture: true });
            const copy = document.createElement('canvas');
            copy.width = canvas.width;
            copy.height = canvas.height;
            const ctx = copy.getContext('2d')!;
            ctx.drawImage(canvas, 0, 0);
            const d = ctx.getImageData(0, 0, copy.width, copy.height).data;
            let lit = 0;
            for (let i = 0; i < d.length; i += 4) if (d[i]! > 16 || d[i + 1]! > 16 || d[i + 2]! > 16) lit++;
            const shot = { png: copy.toDataURL('image/png'), nonBlank: lit / (copy.width * copy.height) };
            // The slice caption and the preset follow in React's next render.
            const waitDesc = (tries: number) => {
              const desc = document.querySelector('#vp-desc-stack')?.textContent ?? '';
              const preset = [...document.querySelectorAll('select')].find((x) => x.labels?.[0]?.textContent?.includes('Window preset'))?.value ?? '';
              if ((desc.includes('Slice') && preset !== '') || tries === 0) resolve({ ...shot, desc, preset });
              else requestAnimationFrame(() => waitDesc(tries - 1));
            };
            waitDesc(120);
          };
          document.addEventListener('CORNERSTONE_IMAGE_RENDERED', onRendered, { capture: true });
        }),
    );
    await openSeries.click();
    // The first image shows in the stack viewport while the series is still arriving: the middle
    // slice, in the soft-tissue window (issue 14: its own frame request, the series held behind it).
    await imaging.waitRendered('Stack viewport');
    const shownFirst = await firstImage;
    writeFileSync(test.info().outputPath('demo-first-image.png'), Buffer.from(shownFirst.png.split(',')[1]!, 'base64'));
    expect(shownFirst.desc).toContain('Slice 101 of 200.');
    expect(shownFirst.preset).toBe('soft-tissue');
    expect(shownFirst.nonBlank, 'the first image shows the body').toBeGreaterThan(0.05);
    await expect.poll(() => page.evaluate(() => window.twinscopeImaging?.toolsReady() ?? false), { timeout: 60_000 }).toBe(true);
    for (const name of MPR) await imaging.waitRendered(name, 0, 60_000);
    await expect(imaging.progress.filter({ hasText: /Loading/ })).toHaveCount(0);
    expect(pixelRequests.filter((u) => u === 'pixeldata')).toHaveLength(1);
    // At most the first image's own frame request besides it (51 slices would be 51 requests).
    expect(pixelRequests.length).toBeLessThanOrEqual(3);
    expect(codecRequests, 'codec chunks fetched for an uncompressed CT').toEqual([]);
    // The volume filled from that answer, handed to the Anatomy view: every slice, in HU (air
    // about −1000 HU, contrast-enhanced organs and bone well above water).
    const published = await page.evaluate(() => window.twinscopeImaging?.publishedVolume() ?? null);
    expect(published).not.toBeNull();
    expect(published!.dimensions[2]).toBe(200);
    expect(published!.unit).toBe('HU');
    expect(published!.minValue).toBeLessThanOrEqual(-950);
    expect(published!.maxValue).toBeGreaterThanOrEqual(200);
    // One WebGL context draws the stack and the three planes (cornerstone.ts webGlContextCount 1);
    // the others are start-up probes (WebGL 2 available, Cornerstone's and vtk.js's capability
    // checks), each released or idle. Was 11 with Cornerstone's pool of 7.
    expect(await page.evaluate(() => (window as unknown as { __webglContextsCreated: number }).__webglContextsCreated)).toBeLessThanOrEqual(5);
    // No 16-bit normalised textures under SwiftShader: the CT's texture is half float, its voxels
    // stay exact (halfFloatTexture.ts; the published volume's HU above come from them).
    expect(await page.evaluate(() => window.twinscopeImaging?.textureFormat() ?? '')).toBe('R16F');
    // Each slice went to the GPU once, as it streamed in (not again when the planes opened).
    expect(await page.evaluate(() => window.twinscopeImaging?.textureSlicesUploaded() ?? -1)).toBe(200);
    // CT opens in the soft-tissue window and keeps it when the planes get the volume (setting a
    // volume made Cornerstone apply its own default window, the full stored range, washed out).
    await expect(imaging.preset).toHaveValue('soft-tissue');
    for (const name of MPR) {
      const s = await imaging.canvasStats(name);
      // A torso phantom in the soft-tissue window fills a good part of each plane.
      expect(s.nonBlankFraction, `${name} shows the image`).toBeGreaterThan(0.05);
      await imaging.screenshot(name, test.info().outputPath(`demo-${name.split(' ')[0]!.toLowerCase()}.png`));
    }
    // Orientation markers of the standard planes (radiological convention).
    const axial = page.locator('[data-viewport="axial"]');
    await expect(axial.locator('.ori-top')).toHaveText('A');
    await expect(axial.locator('.ori-right')).toHaveText('L');
    await expect(page.locator('[data-viewport="sagittal"] .ori-top')).toHaveText('S');

    const before = await imaging.canvasStats('Axial viewport');
    const renders = await imaging.renderCount('Axial viewport');
    await imaging.preset.selectOption({ label: 'Lung (1500/-600)' });
    await imaging.waitRendered('Axial viewport', renders);
    const after = await imaging.canvasStats('Axial viewport');
    expect(gridDistance(before.grid, after.grid), 'lung window changes what is shown').toBeGreaterThan(5);

    await imaging.selectTool('Length');
    await imaging.drag('Axial viewport', [0.35, 0.5], [0.65, 0.5]);
    await expect(imaging.measurements().first()).toContainText(/\d+(\.\d)? mm/);

    // Keyboard: the controls and the viewports are in the Tab order; keys step slices and presets.
    await imaging.preset.focus();
    const reached: string[] = [];
    for (let i = 0; i < 12 && !reached.includes('Coronal viewport'); i++) {
      await page.keyboard.press('Tab');
      reached.push(await page.evaluate(() => document.activeElement?.getAttribute('aria-label') ?? document.activeElement?.textContent?.trim() ?? ''));
    }
    expect(reached).toEqual(expect.arrayContaining(['Keyboard shortcuts', 'Axial viewport', 'Sagittal viewport', 'Coronal viewport']));
    const axialDesc = page.locator('#vp-desc-axial');
    const sliceBefore = await axialDesc.innerText();
    await imaging.viewport('Axial viewport').focus();
    await page.keyboard.press('PageDown');
    await expect(axialDesc).not.toHaveText(sliceBefore);
    await page.keyboard.press('4');
    await expect(imaging.preset).toHaveValue('bone');

    // Back in the stack, scrolling reads the loaded volume's slices: no frame is asked for again
    // (issue 14: the filled volume left nothing under the wadors: ids, so each slice was refetched).
    const requestsAfterLoad = pixelRequests.length;
    await page.getByRole('button', { name: 'Stack', exact: true }).click();
    await imaging.waitRendered('Stack viewport');
    const stackDesc = page.locator('#vp-desc-stack');
    await imaging.viewport('Stack viewport').focus();
    for (let i = 0; i < 5; i++) {
      const was = await stackDesc.innerText();
      const renders = await imaging.renderCount('Stack viewport');
      await page.keyboard.press('PageDown');
      await expect(stackDesc).not.toHaveText(was);
      await imaging.waitRendered('Stack viewport', renders);
    }
    const shown = await imaging.displayedSummary();
    expect(shown?.preScaled).toBe(true);
    expect(shown!.min).toBeLessThanOrEqual(-950);
    expect(shown!.max).toBeGreaterThan(0);
    expect((await imaging.canvasStats('Stack viewport')).nonBlankFraction).toBeGreaterThan(0.05);
    expect(pixelRequests.slice(requestsAfterLoad)).toEqual([]);
  });

  test('the same window gives the same grey for the same HU: first (stack) image, axial plane, stack read from the volume', async ({ page }) => {
    // Issue 14: the first image looked slightly darker than the axial plane at 400/40 (by eye, on
    // the TCIA liver CT). Measured on the canvases: each view's grey against the linear window's
    // 255 × (HU − lower) / (upper − lower) for the voxel it shows, over uniform soft tissue. The
    // first image is read while the series request is held (the demo series would replace it at once).
    const SOFT = { lowerHu: -160, upperHu: 240 }; // 400/40 (windowPresets.ts)
    let releasePixelData: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (releasePixelData = resolve));
    await page.route('**/dicomweb/**/pixeldata', async (route) => {
      await held;
      await route.continue().catch(() => undefined);
    });
    const imaging = new ImagingPage(page);
    await imaging.goto(DEMO_PATIENT_LIVER);
    const openSeries = page.getByRole('region', { name: 'Studies' }).getByRole('button', { name: /^Open CT/ }).first();
    await expect(openSeries).toBeVisible({ timeout: 30_000 });
    await openSeries.click();
    await imaging.waitRendered('Stack viewport');
    await expect(imaging.preset).toHaveValue('soft-tissue');
    // The render event can precede the canvas's composited pixels: wait for the image to be there.
    await expect.poll(async () => (await imaging.canvasStats('Stack viewport')).nonBlankFraction, { timeout: 15_000 }).toBeGreaterThan(0.05);
    const first = (await imaging.canvasStats('Stack viewport', SOFT)).window!;
    const firstId = (await imaging.displayedSummary())?.imageId ?? '';
    expect(firstId, 'the first image is its own wadors frame, not a slice of the volume').toMatch(/^wadors:/);
    releasePixelData();
    for (const name of MPR) await imaging.waitRendered(name, 0, 60_000);
    await expect(imaging.progress.filter({ hasText: /Loading/ })).toHaveCount(0);
    const axial = (await imaging.canvasStats('Axial viewport', SOFT)).window!;
    await page.getByRole('button', { name: 'Stack', exact: true }).click();
    await imaging.waitRendered('Stack viewport');
    await expect.poll(async () => (await imaging.canvasStats('Stack viewport')).nonBlankFraction, { timeout: 15_000 }).toBeGreaterThan(0.05);
    const fromVolume = (await imaging.canvasStats('Stack viewport', SOFT)).window!;
    const report = `grey − window grey (levels of 255), mean / median over n uniform soft-tissue points: first image ${first.meanResidual.toFixed(2)} / ${first.medianResidual.toFixed(2)} (n ${first.points}, mean ${first.meanHu.toFixed(0)} HU); axial ${axial.meanResidual.toFixed(2)} / ${axial.medianResidual.toFixed(2)} (n ${axial.points}); stack from the volume ${fromVolume.meanResidual.toFixed(2)} / ${fromVolume.medianResidual.toFixed(2)} (n ${fromVolume.points})`;
    await test.info().attach('grey-vs-window', { body: report, contentType: 'text/plain' });
    console.log(report);
    // Tolerance: within 1 grey level of 255 of the window's grey on average, each view, and of each
    // other (a window off by one HU-step of 400/255 ≈ 1.6 HU shifts it by 1; "darker" by eye is ≥ 5).
    for (const [what, r] of [['first image', first], ['axial plane', axial], ['stack from the volume', fromVolume]] as const) {
      expect(r.points, `${what}: uniform soft-tissue points sampled`).toBeGreaterThan(300);
      expect(Math.abs(r.meanResidual), `${what}: mean grey − window grey`).toBeLessThanOrEqual(1);
      expect(Math.abs(r.medianResidual), `${what}: median grey − window grey`).toBeLessThanOrEqual(1);
    }
    expect(Math.abs(first.meanResidual - axial.meanResidual), 'first image vs axial plane').toBeLessThanOrEqual(1);
    expect(Math.abs(fromVolume.meanResidual - axial.meanResidual), 'stack from the volume vs axial plane').toBeLessThanOrEqual(1);
  });

  test('imports the shared abdominal CT from disk and reads it in three planes', async ({ page }) => {
    test.skip(!hasSharedData('dicom', 'ct-abdomen-totalseg-20slice-j2k', 'series'), 'shared abdominal CT not present');
    const dir = sharedDataPath('dicom', 'ct-abdomen-totalseg-20slice-j2k', 'series');
    const files = readdirSync(dir).map((f) => rel(join(dir, f)));
    const imaging = new ImagingPage(page);
    await imaging.goto(DEMO_PATIENT_LIVER);
    await imaging.openOtherPatientFromDisk(files);
    await expect(page.getByRole('status').filter({ hasText: '1 series found' })).toBeVisible({ timeout: 30_000 });
    await imaging.waitRendered('Stack viewport');
    for (const name of MPR) await imaging.waitRendered(name, 0, 60_000);
    for (const name of MPR) {
      const s = await imaging.canvasStats(name);
      // Sagittal and coronal are a 40 mm slab of a 500 mm field: a thin band, but not blank.
      expect(s.nonBlankFraction, `${name} shows the image`).toBeGreaterThan(name === 'Axial viewport' ? 0.2 : 0.02);
      await imaging.screenshot(name, test.info().outputPath(`abdomen-${name.split(' ')[0]!.toLowerCase()}.png`));
    }
    // The volume handed to the Anatomy view: SOURCES.md geometry, voxels in HU (air near −1024).
    const published = await page.evaluate(() => window.twinscopeImaging?.publishedVolume() ?? null);
    expect(published).not.toBeNull();
    expect(published!.dimensions).toEqual([512, 512, 20]);
    expect(published!.spacingMm[0]).toBeCloseTo(0.9765625, 6);
    expect(published!.spacingMm[2]).toBeCloseTo(2.0, 6);
    expect(published!.originLps[2]).toBeCloseTo(-804.5, 3);
    expect(published!.directionLps).toEqual([1, 0, 0, 0, 1, 0, 0, 0, 1]);
    expect(published!.unit).toBe('HU');
    expect(published!.minValue).toBeLessThanOrEqual(-1000);
    expect(published!.minValue).toBeGreaterThanOrEqual(-1024);
    expect(published!.patientId).toBeNull();
    // Liver window: the liver (about 89 HU here, SOURCES.md) reads mid-grey, so the picture changes.
    const before = await imaging.canvasStats('Axial viewport');
    const renders = await imaging.renderCount('Axial viewport');
    await imaging.preset.selectOption({ label: 'Liver (150/90)' });
    await imaging.waitRendered('Axial viewport', renders);
    expect(gridDistance(before.grid, (await imaging.canvasStats('Axial viewport')).grid)).toBeGreaterThan(3);

    await imaging.selectTool('Length');
    await imaging.drag('Axial viewport', [0.3, 0.55], [0.7, 0.55]);
    await expect(imaging.measurements().first()).toContainText(/\d+(\.\d)? mm/);
    // 40 % of the viewport width across a 500 mm field fitted to the shorter side: order 200 mm.
    const mm = Number((await imaging.measurements().first().innerText()).match(/([\d.]+) mm/)?.[1]);
    expect(mm).toBeGreaterThan(100);
    expect(mm).toBeLessThan(400);
  });

  test('loading shows a progress bar with a percentage and can be cancelled', async ({ page }) => {
    const imaging = new ImagingPage(page);
    // Throttle the frame responses (the real server still answers them) so the series cannot finish
    // loading before the click on Cancel lands: on a fast machine 200 local frames load in about a second.
    await page.route('**/dicomweb/**/frames/**', async (route) => {
      await new Promise((resolve) => setTimeout(resolve, 250));
      await route.continue();
    });
    // The series pixel data request (the whole volume in one answer) is held until Cancel has been
    // clicked: once it is let through, the volume fills in well under a second.
    let releasePixelData: () => void = () => undefined;
    const pixelDataHeld = new Promise<void>((resolve) => (releasePixelData = resolve));
    let pixelDataAsked = false;
    await page.route('**/dicomweb/**/pixeldata', async (route) => {
      pixelDataAsked = true;
      await pixelDataHeld;
      await route.continue().catch(() => undefined); // the viewer has cancelled it by then
    });
    await imaging.goto(DEMO_PATIENT_LIVER);
    const openSeries = page.getByRole('region', { name: 'Studies' }).getByRole('button', { name: /^Open CT/ }).first();
    await expect(openSeries).toBeVisible({ timeout: 30_000 });
    await openSeries.click();
    const bar = page.getByRole('progressbar', { name: /^Loading/ });
    await expect(bar).toBeVisible();
    await expect(bar).toHaveAttribute('aria-valuetext', /^\d+% \(\d+ of \d+ images\)$/);
    // Cancel while the volume is loading: its one pixel data request is out (and held).
    await expect.poll(() => pixelDataAsked, { timeout: 30_000 }).toBe(true);
    // The volume exists (filling as frames come): MPR is offered while the progress bar and Cancel stay.
    await expect(page.getByRole('button', { name: 'MPR', exact: true })).toBeEnabled({ timeout: 30_000 });
    await expect(bar).toBeVisible();
    await page.getByRole('button', { name: 'Cancel' }).click();
    releasePixelData();
    await expect(page.getByRole('status').filter({ hasText: 'Loading cancelled.' })).toBeVisible();
    await expect(bar).toHaveCount(0);
    // The three-plane view never became available for the cancelled series.
    await expect(page.getByRole('button', { name: 'MPR', exact: true })).toBeDisabled();
  });

  test('a streamed frame that cannot be written takes the explicit little endian retry and is named as recovered', async ({ page }) => {
    // The series answer comes from the real server; one frame in it is cut short by two bytes (as
    // a broken proxy or PACS would), so the volume fill cannot write it and must ask for it again.
    await page.route('**/dicomweb/**/pixeldata', async (route) => {
      const res = await route.fetch();
      const body = await res.body();
      const boundary = /boundary="?([^";]+)"?/i.exec(res.headers()['content-type'] ?? '')?.[1];
      if (!boundary) throw new Error('series answer without a multipart boundary');
      const delimiter = Buffer.from(`\r\n--${boundary}`);
      const firstEnd = body.indexOf(delimiter, body.indexOf(Buffer.from(`--${boundary}`)) + 1);
      // The first part's own Content-Length is made to agree (as it would from a server that cut it).
      const headEnd = body.indexOf(Buffer.from('\r\n\r\n')) + 4;
      const head = body.subarray(0, headEnd).toString('latin1').replace(/Content-Length: (\d+)/i, (_m, n: string) => `Content-Length: ${Number(n) - 2}`);
      // The body comes decoded: the answer goes back without its content-encoding and length.
      const headers = Object.fromEntries(Object.entries(res.headers()).filter(([k]) => k !== 'content-encoding' && k !== 'content-length'));
      await route.fulfill({ status: res.status(), headers, body: Buffer.concat([Buffer.from(head, 'latin1'), body.subarray(headEnd, firstEnd - 2), body.subarray(firstEnd)]) });
    });
    const retries: string[] = [];
    page.on('request', (r) => {
      if (/\/frames\/\d+$/.test(r.url()) && /transfer-syntax=1\.2\.840\.10008\.1\.2\.1(?!\.)/.test(r.headers()['accept'] ?? '')) retries.push(r.url());
    });
    const imaging = new ImagingPage(page);
    await imaging.goto(DEMO_PATIENT_LIVER);
    const openSeries = page.getByRole('region', { name: 'Studies' }).getByRole('button', { name: /^Open CT/ }).first();
    await expect(openSeries).toBeVisible({ timeout: 30_000 });
    await openSeries.click();
    for (const name of MPR) await imaging.waitRendered(name, 0, 60_000);
    await expect(imaging.progress.filter({ hasText: /Loading/ })).toHaveCount(0);
    const notice = page.getByRole('status', { name: 'Recovered images' });
    await expect(notice).toContainText(/^1 image failed and was loaded again as explicit VR little endian: instance [\d.]+ frame 1 \(the frame holds \d+ bytes where a \d+-pixel 16-bit slice needs \d+\)\.$/);
    await expect(page.getByRole('alert', { name: 'Failed images' })).toHaveCount(0);
    expect(retries).toHaveLength(1);
    // The recovered slice is in the volume: every slice arrived, none is reported black.
    await expect(page.getByText(/could not be loaded \(shown black\)/)).toHaveCount(0);
  });

  test('uploads files opened from disk to the PACS with STOW-RS', async ({ page }) => {
    test.skip(!hasSharedData('dicom', 'ct-cardiac-DERIVED-from-totalseg-nifti'), 'cardiac CT not present');
    const dir = sharedDataPath('dicom', 'ct-cardiac-DERIVED-from-totalseg-nifti');
    const files = readdirSync(dir)
      .filter((f) => f.endsWith('.dcm'))
      .map((f) => rel(join(dir, f)));
    const imaging = new ImagingPage(page);
    await imaging.goto(DEMO_PATIENT_LIVER);
    await imaging.openOtherPatientFromDisk(files);
    await expect(page.getByRole('status').filter({ hasText: '1 series found' })).toBeVisible({ timeout: 30_000 });
    for (const name of MPR) await imaging.waitRendered(name, 0, 60_000);
    await page.getByRole('button', { name: 'Upload to PACS' }).click();
    await expect(page.getByRole('status').filter({ hasText: `Stored ${files.length} of ${files.length} files in the PACS` })).toBeVisible({ timeout: 60_000 });
  });

  test.describe('transfer syntaxes of one CT slice', () => {
    const dir = sharedDataPath('dicom', 'misc', 'ct-slice-16-transfer-syntaxes-cornerstone');
    const base = 'CTImage.dcm';

    /** Stored pixel values of the uncompressed slice (implicit VR LE, signed 16-bit), read in Node. */
    function reference(): { raw: Int16Array; slope: number; intercept: number } {
      const b = readFileSync(join(dir, base));
      const ds = dicomParser.parseDicom(new Uint8Array(b.buffer, b.byteOffset, b.byteLength));
      const el = ds.elements['x7fe00010'];
      if (!el) throw new Error('reference slice has no pixel data');
      const raw = new Int16Array(b.buffer.slice(b.byteOffset + el.dataOffset, b.byteOffset + el.dataOffset + el.length));
      return { raw, slope: Number(ds.string('x00281053') ?? 1), intercept: Number(ds.string('x00281052') ?? 0) };
    }

    // Tolerances: lossless syntaxes are bit-identical (SOURCES.md: pydicom+GDCM agree). JPEG 2000
    // lossy (.91) differs by at most 5 and JPEG-LS near-lossless (.81) by at most 1 (SOURCES.md).
    // .50 and .51 were re-quantised to 8 and 12 bits by the data's producer, so only their
    // structure is compared (Pearson correlation with the raw slice).
    const CASES: Array<{ uid: string; name: string; maxAbs?: number; minCorrelation?: number; unsupported?: boolean }> = [
      { uid: '1.2.840.10008.1.2', name: 'LittleEndianImplicit', maxAbs: 0 },
      { uid: '1.2.840.10008.1.2.1', name: 'LittleEndianExplicit', maxAbs: 0 },
      { uid: '1.2.840.10008.1.2.2', name: 'BigEndianExplicit', maxAbs: 0 },
      { uid: '1.2.840.10008.1.2.1.99', name: 'DeflatedExplicitVRLittleEndian', maxAbs: 0 },
      { uid: '1.2.840.10008.1.2.5', name: 'RLELossless', maxAbs: 0 },
      { uid: '1.2.840.10008.1.2.4.57', name: 'JPEGProcess14', maxAbs: 0 },
      { uid: '1.2.840.10008.1.2.4.70', name: 'JPEGProcess14SV1', maxAbs: 0 },
      { uid: '1.2.840.10008.1.2.4.80', name: 'JPEGLSLossless', maxAbs: 0 },
      { uid: '1.2.840.10008.1.2.4.90', name: 'JPEG2000LosslessOnly', maxAbs: 0 },
      { uid: '1.2.840.10008.1.2.4.81', name: 'JPEGLSLossy', maxAbs: 1 },
      { uid: '1.2.840.10008.1.2.4.91', name: 'JPEG2000', maxAbs: 5 },
      { uid: '1.2.840.10008.1.2.4.50', name: 'JPEGProcess1', minCorrelation: 0.98 },
      { uid: '1.2.840.10008.1.2.4.51', name: 'JPEGProcess2_4', minCorrelation: 0.98 },
      { uid: '1.2.840.10008.1.2.4.53', name: 'JPEGProcess6_8', unsupported: true },
      { uid: '1.2.840.10008.1.2.4.55', name: 'JPEGProcess10_12', unsupported: true },
    ];

    test('each syntax displays with the right pixels, or says by name that it is not supported', async ({ page }) => {
      test.skip(!hasSharedData('dicom', 'misc', 'ct-slice-16-transfer-syntaxes-cornerstone'), 'transfer-syntax slices not present');
      test.setTimeout(180_000);
      const ref = reference();
      const imaging = new ImagingPage(page);
      await imaging.goto(DEMO_PATIENT_LIVER);
      await imaging.setReference('ct-raw', ref.raw);
      await imaging.setReference('ct-hu', Array.from(ref.raw, (v) => v * ref.slope + ref.intercept));
      const report: string[] = [];
      // Codecs load in the decode workers per transfer syntax, on first use (vite.config.ts
      // lazyCodecs): none before the first compressed slice, then the one its syntax needs.
      const codecChunks = new Set<string>();
      page.on('request', (r) => {
        const m = /\/assets\/(decode[A-Za-z0-9]+)(?:-js)?-[\w-]+\.js$/.exec(r.url());
        if (m && m[1] !== 'decodeImageFrameWorker') codecChunks.add(m[1]!);
      });
      const CODEC_CHUNK: Record<string, string> = {
        '1.2.840.10008.1.2.5': 'decodeRLE',
        '1.2.840.10008.1.2.4.57': 'decodeJPEGLossless',
        '1.2.840.10008.1.2.4.80': 'decodeJPEGLS',
        '1.2.840.10008.1.2.4.90': 'decodeJPEG2000',
      };
      for (const c of CASES) {
        if (c.uid === '1.2.840.10008.1.2.5') expect([...codecChunks], 'codec chunks fetched for uncompressed slices').toEqual([]);
        const file = rel(join(dir, `${base}_${c.name}TransferSyntax_${c.uid}.dcm`));
        const renders = await imaging.renderCount('Stack viewport');
        const previous = (await imaging.displayedSummary())?.imageId ?? '';
        // Files of other patients: opened by explicit choice (issue 17); an unsupported one has nothing to open.
        await (c.unsupported ? imaging.openFromDisk([file]) : imaging.openOtherPatientFromDisk([file]));
        if (c.unsupported) {
          const series = page.getByRole('region', { name: 'Files from disk' });
          await expect(series).toContainText(`(${c.uid})`);
          await expect(series).toContainText(/not supported/);
          report.push(`${c.uid}: refused by name`);
          continue;
        }
        await imaging.waitRendered('Stack viewport', renders);
        // Wait for this file's image, not a re-render of the previous one.
        await expect.poll(async () => (await imaging.displayedSummary())?.imageId ?? previous, { timeout: 15_000 }).not.toBe(previous);
        const shown = (await imaging.displayedSummary())!;
        expect([shown.rows, shown.columns]).toEqual([512, 512]);
        const cmp = await imaging.compareWithReference(shown.preScaled ? 'ct-hu' : 'ct-raw');
        expect(cmp.length).toBe(512 * 512);
        if (c.maxAbs !== undefined) {
          expect(cmp.maxAbs, `${c.uid}: max |decoded − raw|`).toBeLessThanOrEqual(c.maxAbs);
          report.push(`${c.uid}: max abs diff ${cmp.maxAbs}`);
        } else {
          expect(cmp.pearson, `${c.uid}: correlation with raw`).toBeGreaterThanOrEqual(c.minCorrelation!);
          report.push(`${c.uid}: correlation ${cmp.pearson.toFixed(4)}`);
        }
        const chunk = CODEC_CHUNK[c.uid];
        if (chunk) expect([...codecChunks], `${c.uid} loads its codec chunk`).toContain(chunk);
      }
      await test.info().attach('transfer-syntaxes', { body: report.join('\n'), contentType: 'text/plain' });
      console.log(report.join('\n'));
    });
  });
});

test.describe('other transfer syntaxes in test-data/dicom/misc', () => {
  test.beforeEach(async ({ signInAs }) => {
    await signInAs('clinician');
  });

  test('enhanced multi-frame MR: all five syntaxes decode to the frames of the uncompressed file', async ({ page }) => {
    test.skip(!hasSharedData('dicom', 'misc', 'mr-enhanced-multiframe-pydicom-data'), 'MR multi-frame files not present');
    test.setTimeout(120_000);
    const dir = sharedDataPath('dicom', 'misc', 'mr-enhanced-multiframe-pydicom-data');
    // Reference frames from the explicit VR little endian file, read in Node: 10 frames of 64×64,
    // 16 bits allocated (SOURCES.md: all five variants decode to identical frames).
    const b = readFileSync(join(dir, 'emri_small.dcm'));
    const ds = dicomParser.parseDicom(new Uint8Array(b.buffer, b.byteOffset, b.byteLength));
    const px = ds.elements['x7fe00010']!;
    const signed = ds.uint16('x00280103') === 1;
    const all = signed
      ? new Int16Array(b.buffer.slice(b.byteOffset + px.dataOffset, b.byteOffset + px.dataOffset + px.length))
      : new Uint16Array(b.buffer.slice(b.byteOffset + px.dataOffset, b.byteOffset + px.dataOffset + px.length));
    expect(all.length).toBe(10 * 64 * 64);
    const imaging = new ImagingPage(page);
    await imaging.goto(DEMO_PATIENT_LIVER);
    await imaging.setReference('mr', all);
    for (const f of ['emri_small.dcm', 'emri_small_big_endian.dcm', 'emri_small_RLE.dcm', 'emri_small_jpeg_2k_lossless.dcm', 'emri_small_jpeg_ls_lossless.dcm']) {
      const renders = await imaging.renderCount('Stack viewport');
      const previous = (await imaging.displayedSummary())?.imageId ?? '';
      await imaging.openOtherPatientFromDisk([rel(join(dir, f))]);
      await imaging.waitRendered('Stack viewport', renders);
      await expect.poll(async () => (await imaging.displayedSummary())?.imageId ?? previous, { timeout: 15_000 }).not.toBe(previous);
      const shown = (await imaging.displayedSummary())!;
      expect(shown.imageId).toMatch(/\?frame=\d+$/);
      const frame = Number(shown.imageId.match(/frame=(\d+)$/)![1]) - 1;
      const { maxAbs, length } = await imaging.compareWithReference('mr', frame * 4096);
      expect(length).toBe(4096);
      expect(maxAbs, `${f} frame ${frame + 1}`).toBe(0);
    }
  });

  test('HTJ2K RGB and the NEMA JPEG 2000 CT slices display', async ({ page }) => {
    test.skip(!hasSharedData('dicom', 'misc', 'mr-enhanced-multiframe-pydicom-data'), 'misc files not present');
    const imaging = new ImagingPage(page);
    await imaging.goto(DEMO_PATIENT_LIVER);
    const cases: Array<[string, number, number, number]> = [
      [sharedDataPath('dicom', 'misc', 'mr-enhanced-multiframe-pydicom-data', 'HTJ2KLossless_08_RGB.dcm'), 480, 640, 3],
      [sharedDataPath('dicom', 'misc', 'ct-slice-16-transfer-syntaxes-cornerstone', 'CT1_J2KR'), 512, 512, 1],
      [sharedDataPath('dicom', 'misc', 'ct-slice-16-transfer-syntaxes-cornerstone', 'CT2_J2KR'), 512, 512, 1],
    ];
    for (const [path, rows, columns, samples] of cases) {
      const renders = await imaging.renderCount('Stack viewport');
      const previous = (await imaging.displayedSummary())?.imageId ?? '';
      await imaging.openOtherPatientFromDisk([rel(path)]);
      await imaging.waitRendered('Stack viewport', renders);
      await expect.poll(async () => (await imaging.displayedSummary())?.imageId ?? previous, { timeout: 15_000 }).not.toBe(previous);
      expect((await imaging.displayedSummary())?.length).toBe(rows * columns * samples);
      const shown = (await imaging.displayedSummary())!;
      expect([shown.rows, shown.columns]).toEqual([rows, columns]);
      // No uncompressed twin exists for these: check the decode is an image, not a constant.
      expect(shown.max - shown.min, path).toBeGreaterThan(100);
      // The render event can precede the canvas's composited pixels on a loaded machine (seen once
      // at 2 workers: 0 right after the render, an image on the retry): wait for the pixels.
      await expect.poll(async () => (await imaging.canvasStats('Stack viewport')).nonBlankFraction, { message: path, timeout: 15_000 }).toBeGreaterThan(0.1);
    }
  });
});
