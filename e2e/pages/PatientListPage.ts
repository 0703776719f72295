import { expect, type Locator, type Page } from '@playwright/test';

export class PatientListPage {
  readonly search: Locator;
  readonly table: Locator;
  readonly rows: Locator;

  constructor(readonly page: Page) {
    this.search = page.getByLabel('Search patients');
    this.table = page.getByRole('table', { name: 'Patients' });
    // Data rows only: the header row sits in <thead>.
    this.rows = this.table.locator('tbody tr');
  }

  async goto(): Promise<void> {
    await this.page.goto('/patients');
    await expect(this.table).toBeVisible();
  }

  /** The row whose name link matches, e.g. /HALE, Margaret/. */
  row(name: string | RegExp): Locator {
    return this.rows.filter({ has: this.page.getByRole('link', { name }) });
  }

  async open(name: string | RegExp): Promise<void> {
    await this.table.getByRole('link', { name }).click();
  }
}
