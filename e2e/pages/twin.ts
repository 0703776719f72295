// Page objects of the Twin and Scenarios tabs. Selectors are the PRODUCT.md UI names and roles.
import { expect, type Locator, type Page } from '@playwright/test';

export class TwinPage {
  readonly timeline: Locator;
  readonly recalibrate: Locator;
  readonly provenance: Locator;
  readonly forecastSummary: Locator;
  readonly bandAlert: Locator;
  readonly acknowledge: Locator;
  readonly currentVitals: Locator;

  constructor(readonly page: Page) {
    this.currentVitals = page.getByRole('region', { name: 'Current vitals' });
    this.timeline = page.getByRole('figure', { name: 'Vitals timeline' });
    this.recalibrate = page.getByRole('button', { name: 'Recalibrate' });
    this.provenance = page.getByRole('region', { name: 'Provenance' });
    this.forecastSummary = page.getByTestId('forecast-summary');
    this.bandAlert = page.getByRole('alert').filter({ hasText: 'forecast band' });
    this.acknowledge = this.bandAlert.getByRole('button', { name: 'Acknowledge' });
  }

  async goto(patientId: string): Promise<void> {
    await this.page.goto(`/patients/${patientId}/twin`);
    await expect(this.timeline).toBeVisible({ timeout: 60_000 }); // years of vitals: slow on a loaded machine
  }

  /** Waits until the twin is calibrated and a forecast is drawn. */
  async waitForForecast(): Promise<void> {
    await expect(this.forecastSummary).toBeVisible({ timeout: 60_000 });
  }

  async forecastId(): Promise<string> {
    return (await this.forecastSummary.getAttribute('data-forecast-id')) ?? '';
  }

  /** A tile of the `Current vitals` strip by vital key (hrBpm, sbpMmHg, …). */
  vital(kind: string): Locator {
    return this.currentVitals.locator(`[data-vital="${kind}"]`);
  }

  /** The visible window of the timeline, ms. */
  async windowSpanMs(): Promise<number> {
    const [a, b] = await Promise.all([this.timeline.getAttribute('data-window-start'), this.timeline.getAttribute('data-window-end')]);
    return Date.parse(b ?? '') - Date.parse(a ?? '');
  }

  async assimilatedCount(): Promise<number> {
    const m = /(\d+) live readings assimilated/.exec((await this.forecastSummary.textContent()) ?? '');
    return m ? Number(m[1]) : 0;
  }
}

export class ScenariosPage {
  readonly newScenario: Locator;
  readonly runScenarios: Locator;
  readonly comparison: Locator;
  readonly acceptPlan: Locator;
  readonly progress: Locator;

  constructor(readonly page: Page) {
    this.newScenario = page.getByRole('button', { name: 'New scenario' });
    this.runScenarios = page.getByRole('button', { name: 'Run scenarios' });
    this.comparison = page.getByRole('table', { name: 'Scenario comparison' });
    this.acceptPlan = page.getByRole('button', { name: 'Accept plan' });
    this.progress = page.getByRole('progressbar', { name: 'Running scenarios' });
  }

  async goto(patientId: string): Promise<void> {
    await this.page.goto(`/patients/${patientId}/scenarios`);
    await expect(this.newScenario).toBeVisible();
  }

  async addFromTemplate(label: string): Promise<void> {
    await this.newScenario.click();
    await this.page.getByLabel('Template', { exact: true }).selectOption({ label });
    await this.page.getByRole('button', { name: 'Add scenario' }).click();
  }

  /** The median shown for one scenario column (by its header index) and endpoint key. */
  cell(scenarioId: string, endpoint: string): Locator {
    return this.comparison.locator(`td[data-scenario="${scenarioId}"][data-endpoint="${endpoint}"] .median`);
  }
}
