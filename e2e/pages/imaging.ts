// Page object of the Imaging tab. Canvas interaction in normalised 0–1 coordinates of a
// viewport; waits are on the viewer's render counters (IMAGE_RENDERED), never on sleeps.
import { expect, type Locator, type Page } from '@playwright/test';

export type ViewportName = 'Stack viewport' | 'Axial viewport' | 'Sagittal viewport' | 'Coronal viewport';
const KEY: Record<ViewportName, 'stack' | 'axial' | 'sagittal' | 'coronal'> = {
  'Stack viewport': 'stack',
  'Axial viewport': 'axial',
  'Sagittal viewport': 'sagittal',
  'Coronal viewport': 'coronal',
};

export interface CanvasStats {
  width: number;
  height: number;
  /** Pixels brighter than near-black (any channel > 16). */
  nonBlankFraction: number;
  meanLuma: number;
  /** A coarse fingerprint (mean luma of an 8×8 grid) to tell two renderings apart. */
  grid: number[];
  /**
   * With a window: the canvas's grey against the grey a linear window gives the HU of the voxel
   * shown there, 255 × (HU − lower) / (upper − lower), over canvas points (every 2 CSS px) on
   * uniform tissue inside the window (3 × 3 voxel spread ≤ 20 HU, HU ≥ 20 from either edge), where
   * interpolation cannot move the grey. Residual = canvas grey − that grey, in levels of 255.
   */
  window?: { points: number; meanResidual: number; medianResidual: number; meanHu: number };
}

export class ImagingPage {
  readonly preset: Locator;
  readonly openFiles: Locator;
  readonly progress: Locator;

  constructor(readonly page: Page) {
    this.preset = page.getByLabel('Window preset');
    this.openFiles = page.getByRole('button', { name: 'Open DICOM files' });
    this.progress = page.getByRole('progressbar');
  }

  async goto(patientId: string): Promise<void> {
    await this.page.goto(`/patients/${encodeURIComponent(patientId)}/imaging`);
    // The viewer is ready when Cornerstone has started (lazy chunks, WebGL on SwiftShader, decode
    // workers): the first test of a run pays the cold start, over 30 s on a heavily loaded machine.
    await expect(this.openFiles).toBeEnabled({ timeout: 90_000 });
  }

  viewport(name: ViewportName): Locator {
    return this.page.getByRole('img', { name, exact: true });
  }

  async renderCount(name: ViewportName): Promise<number> {
    return this.page.evaluate((k) => window.twinscopeImaging?.renderCount(k) ?? 0, KEY[name]);
  }

  /** Resolves once the viewport has rendered more frames than `after`. */
  async waitRendered(name: ViewportName, after = 0, timeout = 30_000): Promise<number> {
    await expect.poll(() => this.renderCount(name), { timeout, message: `${name} never rendered` }).toBeGreaterThan(after);
    return this.renderCount(name);
  }

  /** Opens files from disk through the `Open DICOM files` file chooser. */
  async openFromDisk(paths: string[]): Promise<void> {
    const chooser = this.page.waitForEvent('filechooser');
    await this.openFiles.click();
    await (await chooser).setFiles(paths);
  }

  /**
   * Opens another patient's files: they are not opened on their own (issue 17), so this
   * chooses the first "Open another patient's series" explicitly, as a user must.
   */
  async openOtherPatientFromDisk(paths: string[]): Promise<void> {
    await this.openFromDisk(paths);
    const other = this.page.getByRole('button', { name: /^Open another patient's series/ }).first();
    await other.click({ timeout: 60_000 });
    await expect(this.page.getByRole('alert').filter({ hasText: "Not this patient's images" }).first()).toBeVisible();
  }

  /**
   * Statistics of what the viewport's WebGL canvas shows (read with drawImage into a 2D canvas);
   * with `huWindow` (HU), also its grey levels against that window's (`CanvasStats.window`).
   */
  async canvasStats(name: ViewportName, huWindow?: { lowerHu: number; upperHu: number }): Promise<CanvasStats> {
    const stats = await this.viewport(name).evaluate((el, [key, win]) => {
      const c = el.querySelector('canvas');
      if (!c) return null;
      const w = c.width;
      const h = c.height;
      const copy = document.createElement('canvas');
      copy.width = w;
      copy.height = h;
      const ctx = copy.getContext('2d');
      if (!ctx) return null;
      ctx.drawImage(c, 0, 0);
      const d = ctx.getImageData(0, 0, w, h).data;
      let nonBlank = 0;
      let sum = 0;
      const grid = new Array<number>(64).fill(0);
      const counts = new Array<number>(64).fill(0);
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          const i = (y * w + x) * 4;
          const r = d[i]!;
          const g = d[i + 1]!;
          const b = d[i + 2]!;
          const l = 0.299 * r + 0.587 * g + 0.114 * b;
          if (r > 16 || g > 16 || b > 16) nonBlank++;
          sum += l;
          const gi = Math.min(7, Math.floor((8 * y) / h)) * 8 + Math.min(7, Math.floor((8 * x) / w));
          grid[gi]! += l;
          counts[gi]!++;
        }
      }
      let vsWindow: CanvasStats['window'];
      if (win) {
        const scale = w / c.clientWidth;
        const points: Array<[number, number]> = [];
        for (let y = 1; y < c.clientHeight; y += 2) for (let x = 1; x < c.clientWidth; x += 2) points.push([x, y]);
        const voxels = window.twinscopeImaging?.voxelsAtCanvas(key, points) ?? [];
        const residuals: number[] = [];
        let huSum = 0;
        points.forEach(([x, y], i) => {
          const v = voxels[i];
          if (!v || v.spread > 20 || v.value < win.lowerHu + 20 || v.value > win.upperHu - 20) return;
          const grey = d[(Math.floor(y * scale) * w + Math.floor(x * scale)) * 4]!;
          residuals.push(grey - (255 * (v.value - win.lowerHu)) / (win.upperHu - win.lowerHu));
          huSum += v.value;
        });
        residuals.sort((a, b) => a - b);
        const n = residuals.length;
        vsWindow = {
          points: n,
          meanResidual: n ? residuals.reduce((a, b) => a + b, 0) / n : NaN,
          medianResidual: n ? residuals[n >> 1]! : NaN,
          meanHu: n ? huSum / n : NaN,
        };
      }
      return {
        width: w,
        height: h,
        nonBlankFraction: nonBlank / (w * h),
        meanLuma: sum / (w * h),
        grid: grid.map((g, i) => g / Math.max(1, counts[i]!)),
        ...(vsWindow ? { window: vsWindow } : {}),
      };
    }, [KEY[name], huWindow ?? null] as const);
    if (!stats) throw new Error(`${name}: no canvas to read`);
    return stats;
  }

  /** Drag across a viewport between two points in normalised 0–1 coordinates. */
  async drag(name: ViewportName, from: [number, number], to: [number, number]): Promise<void> {
    const box = await this.viewport(name).boundingBox();
    if (!box) throw new Error(`${name} is not visible`);
    const at = (p: [number, number]) => [box.x + p[0] * box.width, box.y + p[1] * box.height] as const;
    const [x0, y0] = at(from);
    const [x1, y1] = at(to);
    await this.page.mouse.move(x0, y0);
    await this.page.mouse.down();
    for (let i = 1; i <= 8; i++) await this.page.mouse.move(x0 + ((x1 - x0) * i) / 8, y0 + ((y1 - y0) * i) / 8);
    await this.page.mouse.up();
  }

  async selectTool(label: 'Window/level' | 'Pan' | 'Zoom' | 'Length' | 'Angle' | 'ROI' | 'Crosshairs'): Promise<void> {
    await this.page.getByRole('toolbar', { name: 'Viewer tools' }).getByRole('button', { name: label, exact: true }).click();
  }

  measurements(): Locator {
    return this.page.getByRole('region', { name: 'Measurements' }).getByRole('listitem');
  }

  /** Pixel values of the image in the stack viewport, read from Cornerstone's image cache. */
  async displayedPixels(): Promise<{ imageId: string; rows: number; columns: number; values: number[]; preScaled: boolean } | null> {
    return this.page.evaluate(() => {
      const p = window.twinscopeImaging?.displayedPixels('stack');
      return p ? { imageId: p.imageId, rows: p.rows, columns: p.columns, values: Array.from(p.values), preScaled: p.preScaled } : null;
    });
  }

  /** Identity, size and value range of the stack image, computed in the page (cheap to poll). */
  async displayedSummary(): Promise<{ imageId: string; rows: number; columns: number; length: number; min: number; max: number; preScaled: boolean } | null> {
    return this.page.evaluate(() => {
      const p = window.twinscopeImaging?.displayedPixels('stack');
      if (!p) return null;
      let min = Infinity;
      let max = -Infinity;
      for (let i = 0; i < p.values.length; i++) {
        const v = p.values[i]!;
        if (v < min) min = v;
        if (v > max) max = v;
      }
      return { imageId: p.imageId, rows: p.rows, columns: p.columns, length: p.values.length, min, max, preScaled: p.preScaled };
    });
  }

  /** Keeps reference pixel values in the page, so each comparison moves no pixels over the wire. */
  async setReference(name: string, values: ArrayLike<number>): Promise<void> {
    await this.page.evaluate(
      ([n, v]) => {
        const w = window as unknown as { __refs?: Record<string, number[]> };
        (w.__refs ??= {})[n] = v;
      },
      [name, Array.from(values)] as const,
    );
  }

  /**
   * Compares the stack image with a stored reference (optionally a slice of it): max |a − b| and
   * Pearson's r, computed in the page.
   */
  async compareWithReference(name: string, offset = 0): Promise<{ imageId: string; length: number; maxAbs: number; pearson: number }> {
    const r = await this.page.evaluate(
      ([n, off]) => {
        const ref = (window as unknown as { __refs?: Record<string, number[]> }).__refs?.[n];
        const p = window.twinscopeImaging?.displayedPixels('stack');
        if (!ref || !p) return null;
        const a = p.values;
        const len = a.length;
        let maxAbs = 0;
        let ma = 0;
        let mb = 0;
        for (let i = 0; i < len; i++) {
          ma += a[i]!;
          mb += ref[off + i]!;
        }
        ma /= len;
        mb /= len;
        let sab = 0;
        let saa = 0;
        let sbb = 0;
        for (let i = 0; i < len; i++) {
          const x = a[i]!;
          const y = ref[off + i]!;
          maxAbs = Math.max(maxAbs, Math.abs(x - y));
          sab += (x - ma) * (y - mb);
          saa += (x - ma) ** 2;
          sbb += (y - mb) ** 2;
        }
        return { imageId: p.imageId, length: len, maxAbs, pearson: sab / Math.sqrt(saa * sbb) };
      },
      [name, offset] as const,
    );
    if (!r) throw new Error(`no reference ${name} or no image in the stack viewport`);
    return r;
  }

  /** Screenshot of one viewport's canvas only (scoped, OHIF practice). */
  async screenshot(name: ViewportName, path: string): Promise<void> {
    await this.viewport(name).screenshot({ path });
  }
}
