// Page object of the Anatomy tab. Canvas clicks in normalised 0–1 coordinates; waits are on the
// 3D canvas's frame counter (window.twinscopeAnatomy.frames) and on visible text, never on sleeps.
import { expect, type Locator, type Page } from '@playwright/test';

export interface CanvasStats {
  width: number;
  height: number;
  /** Pixels that differ from the background (#0b0f14) by more than 24 in any channel. */
  nonBackgroundFraction: number;
}

export class AnatomyPage {
  readonly canvas3d: Locator;
  readonly structures: Locator;
  readonly slice: Locator;
  readonly loadCt: Locator;

  constructor(readonly page: Page) {
    this.canvas3d = page.getByRole('img', { name: '3D anatomy' });
    this.structures = page.getByRole('list', { name: 'Structures' });
    this.slice = page.getByRole('img', { name: 'CT slice (click to seed)' });
    this.loadCt = page.getByRole('button', { name: 'Load CT' });
  }

  async goto(patientId: string): Promise<void> {
    await this.page.goto(`/patients/${encodeURIComponent(patientId)}/anatomy`);
    await expect(this.canvas3d).toBeVisible({ timeout: 30_000 });
  }

  async frames(): Promise<number> {
    return this.page.evaluate(() => window.twinscopeAnatomy?.frames ?? 0);
  }

  async waitFrames(after: number, timeout = 30_000): Promise<number> {
    await expect.poll(() => this.frames(), { timeout, message: '3D anatomy never rendered' }).toBeGreaterThan(after);
    return this.frames();
  }

  /** Click the CT slice at normalised picture coordinates (0–1 from left / top). */
  async clickSlice(u: number, v: number): Promise<void> {
    const box = await this.slice.boundingBox();
    if (!box) throw new Error('the CT slice is not visible');
    await this.page.mouse.click(box.x + u * box.width, box.y + v * box.height);
  }

  async canvasStats(): Promise<CanvasStats> {
    const stats = await this.canvas3d.evaluate((el) => {
      const c = el.querySelector('canvas');
      if (!c) return null;
      const copy = document.createElement('canvas');
      copy.width = c.width;
      copy.height = c.height;
      const ctx = copy.getContext('2d');
      if (!ctx) return null;
      ctx.drawImage(c, 0, 0);
      const d = ctx.getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 0; i < d.length; i += 4) {
        if (Math.abs(d[i]! - 0x0b) > 24 || Math.abs(d[i + 1]! - 0x0f) > 24 || Math.abs(d[i + 2]! - 0x14) > 24) n++;
      }
      return { width: c.width, height: c.height, nonBackgroundFraction: n / (c.width * c.height) };
    });
    if (!stats) throw new Error('3D anatomy: no canvas to read');
    return stats;
  }

  structure(name: string): Locator {
    return this.structures.getByRole('listitem', { name });
  }

  stepNotes(): Locator {
    return this.page.getByRole('list', { name: 'Plan steps' }).getByRole('textbox');
  }
}
