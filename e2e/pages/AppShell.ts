import { expect, type Locator, type Page } from '@playwright/test';

/** The signed-in frame: top bar with user, role and Sign out; the connectivity banner. */
export class AppShell {
  readonly signOutButton: Locator;
  readonly user: Locator;

  constructor(readonly page: Page) {
    this.signOutButton = page.getByRole('button', { name: 'Sign out' });
    this.user = page.getByLabel('Signed in user');
  }

  async expectRole(role: string): Promise<void> {
    await expect(this.page.getByLabel(`Role: ${role}`)).toBeVisible();
  }

  async signOut(): Promise<void> {
    await this.signOutButton.click();
  }
}
