import { expect, type Locator, type Page } from '@playwright/test';

export type TabName = 'Imaging' | 'Anatomy' | 'Twin' | 'Scenarios' | 'Record';

export class WorkspacePage {
  readonly banner: Locator;
  readonly tablist: Locator;
  readonly panel: Locator;

  constructor(readonly page: Page) {
    this.banner = page.getByRole('region', { name: 'Patient' });
    this.tablist = page.getByRole('tablist', { name: 'Patient workspace' });
    this.panel = page.getByRole('tabpanel');
  }

  tab(name: TabName): Locator {
    return this.tablist.getByRole('tab', { name, exact: true });
  }

  async goto(patientId: string, tab?: 'imaging' | 'anatomy' | 'twin' | 'scenarios'): Promise<void> {
    await this.page.goto(`/patients/${patientId}${tab ? `/${tab}` : ''}`);
    await expect(this.tablist).toBeVisible();
  }

  async expectSelected(name: TabName): Promise<void> {
    await expect(this.tab(name)).toHaveAttribute('aria-selected', 'true');
    await expect(this.panel).toHaveAttribute('aria-labelledby', (await this.tab(name).getAttribute('id')) ?? '');
  }
}
