import { expect, type Locator, type Page } from '@playwright/test';

/** /admin/audit and /admin/users. */
export class AdminPage {
  readonly auditTable: Locator;
  readonly auditRows: Locator;
  readonly usersTable: Locator;

  constructor(readonly page: Page) {
    this.auditTable = page.getByRole('table', { name: 'Audit events' });
    this.auditRows = this.auditTable.locator('tbody tr');
    this.usersTable = page.getByRole('table', { name: 'Users' });
  }

  tab(name: 'Audit' | 'Users'): Locator {
    return this.page.getByRole('tablist', { name: 'Administration' }).getByRole('tab', { name, exact: true });
  }

  async gotoAudit(query = ''): Promise<void> {
    await this.page.goto(`/admin/audit${query}`);
    await expect(this.auditTable).toBeVisible();
  }

  async addUser(u: { username: string; password: string; role: string; displayName?: string }): Promise<void> {
    await this.page.getByLabel('New username').fill(u.username);
    if (u.displayName) await this.page.getByLabel('Display name').fill(u.displayName);
    await this.page.getByLabel('Initial password').fill(u.password);
    await this.page.getByLabel('Role', { exact: true }).selectOption(u.role);
    await this.page.getByRole('button', { name: 'Add user' }).click();
  }

  async filter(f: { user?: string; patientId?: string; action?: string }): Promise<void> {
    if (f.user !== undefined) await this.page.getByLabel('User', { exact: true }).fill(f.user);
    if (f.patientId !== undefined) await this.page.getByLabel('Patient', { exact: true }).fill(f.patientId);
    if (f.action !== undefined) await this.page.getByLabel('Action').selectOption({ label: f.action });
    await this.page.getByRole('button', { name: 'Apply filters' }).click();
  }
}
