// Page object of the Anatomy tab. Canvas clicks in normalised 0–1 coordinates; waits are on the
// 3D canvas's frame counter (window.twinscopeAnatomy.frames) and on visible text, never on sleeps.
import { expect, type Locator, type Page } from '@playwright/test';

export interface CanvasStats {
  width: number;
  height: number;
  /** Pixels that differ from the background (#0b0f14) by more than 24 in any channel. */
  nonBackgroundFraction: number;
}

/** One seeded segmentation as the surgeon enters it in the Segment panel. */
export interface SeedStep {
  /** Axial slice index (0-based, the slider's value). */
  slice: number;
  /** Where to click on that slice, normalised 0–1 from the left / top (see `voxelClick`). */
  click: [number, number];
  /** Preset to choose first (it sets the HU range, the name and the clean-up). */
  preset?: 'liver' | 'contrastBloodPool' | 'bone' | 'lung';
  name?: string;
  minHu?: number;
  maxHu?: number;
  /** "Cut bridges mm" (0 = off). */
  bridgeMm?: number;
}

/** The click at the centre of voxel column `i`, row `j` of an axial slice `nI` × `nJ`. */
export function voxelClick(i: number, j: number, nI: number, nJ: number): [number, number] {
  return [(i + 0.5) / nI, (j + 0.5) / nJ];
}

/** The first "… mL" number of a text (NaN when none). */
export function mlOf(text: string | null): number {
  return Number(/([\d.]+) mL/.exec(text ?? '')?.[1]);
}

export class AnatomyPage {
  readonly canvas3d: Locator;
  readonly structures: Locator;
  readonly slice: Locator;
  readonly loadCt: Locator;
  /** The Segment panel's "Candidate: n voxels, v mL" line. */
  readonly candidate: Locator;

  constructor(readonly page: Page) {
    this.canvas3d = page.getByRole('img', { name: '3D anatomy' });
    this.structures = page.getByRole('list', { name: 'Structures' });
    this.slice = page.getByRole('img', { name: 'CT slice (click to seed)' });
    this.loadCt = page.getByRole('button', { name: 'Load CT' });
    this.candidate = page.getByRole('status').filter({ hasText: /^Candidate:/ });
  }

  /** Load the patient's CT (download + parse in the worker) and wait for its slice. */
  async openCt(timeout = 120_000): Promise<void> {
    await this.loadCt.click();
    await expect(this.slice).toBeVisible({ timeout });
  }

  /**
   * Set up the Segment panel as `step` says, click the seed, and wait for the candidate; returns its
   * volume in mL. Nothing is added yet (see `addCandidate`).
   */
  async segmentFromSeed(step: SeedStep, timeout = 90_000): Promise<number> {
    await expect(this.candidate, 'a previous candidate is still waiting to be added or discarded').toHaveCount(0);
    if (step.preset !== undefined) await this.page.getByLabel('Preset').selectOption(step.preset);
    if (step.name !== undefined) await this.page.getByLabel('Structure name').fill(step.name);
    if (step.minHu !== undefined) await this.page.getByLabel('Minimum HU').fill(String(step.minHu));
    if (step.maxHu !== undefined) await this.page.getByLabel('Maximum HU').fill(String(step.maxHu));
    if (step.bridgeMm !== undefined) await this.page.getByLabel('Cut bridges mm').fill(String(step.bridgeMm));
    await this.page.getByLabel('Axial slice', { exact: true }).fill(String(step.slice));
    await this.clickSlice(...step.click);
    await expect(this.candidate).toHaveText(/Candidate:.*mL/, { timeout });
    return mlOf(await this.candidate.textContent());
  }

  /** Add the candidate as a structure and wait until it is meshed and listed under `name`. */
  async addCandidate(name: string, timeout = 120_000): Promise<Locator> {
    await this.page.getByRole('button', { name: 'Add structure' }).click();
    const item = this.structure(name);
    await expect(item).toBeVisible({ timeout });
    return item;
  }

  /** `segmentFromSeed` then `addCandidate`; returns the candidate's mL. */
  async addFromSeed(step: SeedStep & { name: string }, timeout = 120_000): Promise<number> {
    const ml = await this.segmentFromSeed(step, timeout);
    await this.addCandidate(step.name, timeout);
    return ml;
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

  /**
   * Orbit the 3D view by about `degrees` about the vertical: a drag on empty canvas from near its
   * right edge leftwards (the orbit turns by the drag's share of the canvas height), in 8 steps,
   * from height `fromV` to `toV` (0–1 from the top).
   */
  async orbitByDrag(degrees: number, fromV: number, toV = fromV): Promise<void> {
    const box = await this.canvas3d.boundingBox();
    if (!box) throw new Error('3D anatomy is not visible');
    const x0 = box.x + 0.9 * box.width;
    await this.page.mouse.move(x0, box.y + fromV * box.height);
    await this.page.mouse.down();
    for (let i = 1; i <= 8; i++) await this.page.mouse.move(x0 - (i / 8) * (degrees / 360) * box.height, box.y + toV * box.height);
    await this.page.mouse.up();
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
    return this.structures.getByRole('listitem', { name, exact: true });
  }

  stepNotes(): Locator {
    return this.page.getByRole('list', { name: 'Plan steps' }).getByRole('textbox');
  }
}
