// Foundation flows (issue 2): sign-in per role, patient list and search, workspace tabs, deep
// links and reload, sign-out, wrong password, 401/403, admin audit. Runs against the production
// build served by the real server with its seeded demo record (playwright.config.ts).
import type { Route } from '@playwright/test';
import { DEMO_PATIENT_AS, DEMO_PATIENT_HFREF, DEMO_PATIENT_NO_TWIN } from '../server/demo/ids';
import { DEMO_PASSWORD, expect, test } from './fixtures';
import { AdminPage } from './pages/AdminPage';
import { AppShell } from './pages/AppShell';
import { PatientListPage } from './pages/PatientListPage';
import { SignInPage } from './pages/SignInPage';
import { WorkspacePage } from './pages/WorkspacePage';

test.describe('sign-in', () => {
  const landings = [
    { role: 'surgeon', url: /\/patients$/ },
    { role: 'cardiologist', url: /\/patients$/ },
    { role: 'clinician', url: /\/patients$/ },
    { role: 'admin', url: /\/admin\/audit$/ },
  ] as const;
  for (const { role, url } of landings) {
    test(`${role} signs in through the form and lands on their start page`, async ({ page }) => {
      const signIn = new SignInPage(page);
      await signIn.goto();
      await signIn.signIn(role, DEMO_PASSWORD);
      await expect(page).toHaveURL(url);
      await new AppShell(page).expectRole(role);
    });
  }

  test('shows the demo usernames in demo mode', async ({ page }) => {
    await new SignInPage(page).goto();
    await expect(page.getByText(/Demo mode\. Sign in as surgeon, cardiologist, clinician, admin/)).toBeVisible();
  });

  test('a wrong password is refused where the user looks, and the password is cleared', async ({ page }) => {
    const signIn = new SignInPage(page);
    await signIn.goto();
    // A username of its own so the rate limit of the real accounts is not spent here.
    await signIn.signIn('nobody-e2e', 'not-the-password');
    await expect(signIn.alert).toHaveText('Wrong username or password.');
    await expect(signIn.password).toHaveValue('');
    await expect(signIn.password).toBeFocused();
    await expect(page).toHaveURL(/\/sign-in/);
  });

  test('too many attempts: the user is told to wait', async ({ page }) => {
    // Its own username: the limit is per client and username, so real accounts are unaffected.
    const username = 'ratelimit-e2e';
    for (let i = 0; i < 10; i++) {
      const res = await page.request.post('/auth/login', { data: { username, password: 'wrong-password' } });
      expect([401, 429]).toContain(res.status());
    }
    const signIn = new SignInPage(page);
    await signIn.goto();
    await signIn.signIn(username, 'wrong-password');
    await expect(signIn.alert).toHaveText(/^Too many sign-in attempts\. Wait (\d+ s|a minute) and try again\.$/);
  });

  test('sign-out ends the session: protected pages send back to sign-in', async ({ page }) => {
    const signIn = new SignInPage(page);
    await signIn.goto();
    await signIn.signIn('clinician', DEMO_PASSWORD);
    await expect(page).toHaveURL(/\/patients$/);
    await new AppShell(page).signOut();
    await signIn.expectShown();
    const me = await page.request.get('/auth/me');
    expect(me.status()).toBe(401);
    await page.goto('/patients');
    await signIn.expectShown();
  });

  test('a deep link opened signed out returns there after sign-in', async ({ page }) => {
    await page.goto(`/patients/${DEMO_PATIENT_AS}/imaging`);
    const signIn = new SignInPage(page);
    await signIn.expectShown();
    expect(new URL(page.url()).searchParams.get('next')).toBe(`/patients/${DEMO_PATIENT_AS}/imaging`);
    await signIn.signIn('surgeon', DEMO_PASSWORD);
    await expect(page).toHaveURL(new RegExp(`/patients/${DEMO_PATIENT_AS}/imaging$`));
    await new WorkspacePage(page).expectSelected('Imaging');
  });
});

test.describe('patient list', () => {
  test('lists the demo patients with age, sex, MRN, conditions and consent', async ({ page, signInAs }) => {
    await signInAs('cardiologist');
    const list = new PatientListPage(page);
    await list.goto();
    await expect(list.rows).toHaveCount(5);
    const hale = list.row(/HALE, Margaret/);
    await expect(hale).toContainText('72 y');
    await expect(hale).toContainText('F');
    await expect(hale).toContainText('MRN-100072');
    await expect(hale).toContainText(/aortic valve stenosis/i);
    await expect(hale).toContainText(/hypertension/i);
    await expect(hale).toContainText('Twin allowed');
    await expect(list.row(/LINDQVIST, Walter/)).toContainText('Consent denied');
  });

  test('searches by name and by MRN, and says when nothing matches', async ({ page, signInAs }) => {
    await signInAs('cardiologist');
    const list = new PatientListPage(page);
    await list.goto();
    await list.search.fill('Berg');
    await expect(list.rows).toHaveCount(1);
    await expect(list.row(/BERG, Thomas/)).toBeVisible();
    await list.search.fill('MRN-100058');
    await expect(list.rows).toHaveCount(1);
    await expect(list.row(/NOVAK, Elena/)).toBeVisible();
    await list.search.fill('zzzz-no-such-patient');
    await expect(list.table).toContainText('No patient matches');
    // The search survives a reload (it lives in the URL).
    await page.reload();
    await expect(list.search).toHaveValue('zzzz-no-such-patient');
  });
});

test.describe('workspace', () => {
  const defaults = [
    { role: 'surgeon', tab: 'Anatomy', path: 'anatomy' },
    { role: 'cardiologist', tab: 'Scenarios', path: 'scenarios' },
    { role: 'clinician', tab: 'Twin', path: 'twin' },
  ] as const;
  for (const { role, tab, path } of defaults) {
    test(`${role} opening a patient lands on ${tab}`, async ({ page, signInAs }) => {
      await signInAs(role);
      const list = new PatientListPage(page);
      await list.goto();
      await list.open(/HALE, Margaret/);
      await expect(page).toHaveURL(new RegExp(`/patients/${DEMO_PATIENT_AS}/${path}$`));
      const ws = new WorkspacePage(page);
      await ws.expectSelected(tab);
      for (const name of ['Imaging', 'Anatomy', 'Twin', 'Scenarios'] as const) await expect(ws.tab(name)).toBeVisible();
      await expect(ws.banner).toContainText('HALE, Margaret');
      await expect(ws.banner).toContainText('72 y');
      await expect(ws.banner).toContainText('MRN-100072');
      await expect(ws.banner).toContainText('Digital twin: allowed');
    });
  }

  test('arrow keys move between tabs and the URL follows', async ({ page, signInAs }) => {
    await signInAs('surgeon');
    const ws = new WorkspacePage(page);
    await ws.goto(DEMO_PATIENT_HFREF, 'anatomy');
    await ws.tab('Anatomy').focus();
    await page.keyboard.press('ArrowRight');
    await ws.expectSelected('Twin');
    await expect(ws.tab('Twin')).toBeFocused();
    await expect(page).toHaveURL(new RegExp(`/patients/${DEMO_PATIENT_HFREF}/twin$`));
    await page.keyboard.press('Home');
    await ws.expectSelected('Imaging');
    await page.keyboard.press('ArrowLeft');
    await ws.expectSelected('Record');
  });

  test('a deep link survives a reload', async ({ page, signInAs }) => {
    await signInAs('clinician');
    const ws = new WorkspacePage(page);
    await ws.goto(DEMO_PATIENT_AS, 'anatomy');
    await ws.expectSelected('Anatomy');
    await page.reload();
    await expect(page).toHaveURL(new RegExp(`/patients/${DEMO_PATIENT_AS}/anatomy$`));
    await ws.expectSelected('Anatomy');
    await expect(ws.banner).toContainText('HALE, Margaret');
  });

  test('the banner says when consent denies the digital twin', async ({ page, signInAs }) => {
    await signInAs('clinician');
    const ws = new WorkspacePage(page);
    await ws.goto(DEMO_PATIENT_NO_TWIN, 'twin');
    await expect(ws.banner).toContainText('Digital twin: consent denied');
  });

  test('an unknown tab or page says so', async ({ page, signInAs }) => {
    await signInAs('clinician');
    await page.goto(`/patients/${DEMO_PATIENT_AS}/nonsense`);
    await expect(page.getByRole('alert')).toContainText('Page not found');
  });

  test('loads views lazily: the first screen does not fetch the view chunks', async ({ page, signInAs }) => {
    await signInAs('clinician');
    const scripts: string[] = [];
    page.on('request', (r) => {
      if (r.resourceType() === 'script') scripts.push(new URL(r.url()).pathname);
    });
    await new PatientListPage(page).goto();
    expect(scripts.some((s) => /\/(imaging|anatomy|twin|scenarios)-[^/]*\.js$/.test(s))).toBe(false);
    await new WorkspacePage(page).goto(DEMO_PATIENT_AS, 'twin');
    await expect.poll(() => scripts.some((s) => /\/twin-[^/]*\.js$/.test(s))).toBe(true);
  });
});

test.describe('connectivity', () => {
  test('an unreachable server shows the offline banner and the page keeps its data; it clears when the server answers', async ({ page, signInAs }) => {
    await signInAs('clinician');
    const list = new PatientListPage(page);
    await list.goto();
    await expect(list.rows).toHaveCount(5);
    // The server stays unreachable until the user presses Retry now: the banner also retries by itself
    // every 5 s, and on a busy machine that retry could clear it before the click lands (the click
    // then waits for a button that is gone). A capturing listener marks the press in the page before
    // the button's own request, and the routes let requests through from then on.
    await page.evaluate(() => {
      window.addEventListener(
        'click',
        (e) => {
          if (e.target instanceof Element && e.target.closest('button')?.textContent === 'Retry now') document.documentElement.dataset.e2eRetryPressed = 'yes';
        },
        true,
      );
    });
    const retryPressed = (): Promise<boolean> => page.evaluate(() => document.documentElement.dataset.e2eRetryPressed === 'yes').catch(() => false);
    const unreachableUntilRetry = async (r: Route): Promise<void> => ((await retryPressed()) ? r.continue() : r.abort('connectionrefused'));
    await page.route('**/fhir/**', unreachableUntilRetry);
    await page.route('**/healthz', unreachableUntilRetry);
    await list.search.fill('Okafor');
    const banner = page.getByRole('alert').filter({ hasText: 'Offline' });
    await expect(banner).toContainText('the Twinscope server cannot be reached');
    await expect(list.rows).toHaveCount(5);
    await banner.getByRole('button', { name: 'Retry now' }).click();
    await expect(banner).toHaveCount(0);
    await expect(list.rows).toHaveCount(1);
    await page.unrouteAll();
  });

  test('a 502 from the proxy says the clinical record system is unavailable', async ({ page, signInAs }) => {
    await signInAs('clinician');
    await page.route('**/fhir/Patient/**', (r) =>
      r.fulfill({
        status: 502,
        contentType: 'application/fhir+json',
        body: JSON.stringify({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'transient', diagnostics: 'upstream unreachable' }] }),
      }),
    );
    await page.goto(`/patients/${DEMO_PATIENT_AS}/twin`);
    await expect(page.getByRole('alert').filter({ hasText: 'Clinical record system unavailable.' })).toBeVisible();
  });
});

test.describe('access control', () => {
  test('an unauthenticated API call gets 401 as an OperationOutcome', async ({ playwright, baseURL }) => {
    const api = await playwright.request.newContext({ baseURL });
    const res = await api.get('/fhir/Patient');
    expect(res.status()).toBe(401);
    expect((await res.json()) as unknown).toMatchObject({ resourceType: 'OperationOutcome' });
    await api.dispose();
  });

  test('a session that ends while working sends the user to sign-in and back to the same place', async ({ page, context, signInAs }) => {
    await signInAs('surgeon');
    const list = new PatientListPage(page);
    await list.goto();
    await expect(list.rows).toHaveCount(5);
    // The session disappears (expired, revoked): the next request answers 401, without a reload.
    await context.clearCookies();
    await list.search.fill('Novak');
    const signIn = new SignInPage(page);
    await signIn.expectShown();
    expect(new URL(page.url()).searchParams.get('next')).toBe('/patients?q=Novak');
    await signIn.signIn('surgeon', DEMO_PASSWORD);
    await expect(page).toHaveURL(/\/patients\?q=Novak$/);
    await expect(list.rows).toHaveCount(1);
    await expect(list.row(/NOVAK, Elena/)).toBeVisible();
  });

  test('admin gets 403 for clinical data and is kept to the admin area', async ({ page, signInAs }) => {
    await signInAs('admin');
    await page.goto('/admin/audit');
    const res = await page.request.get('/fhir/Patient');
    expect(res.status()).toBe(403);
    expect((await res.json()) as unknown).toMatchObject({ resourceType: 'OperationOutcome' });
    await page.goto('/patients');
    await expect(page).toHaveURL(/\/admin\/audit$/);
  });

  test('admin sees the audit trail, filters it, and lists users', async ({ page, signInAs }) => {
    // Make an auditable clinical read first, as a clinician.
    await signInAs('clinician');
    await new WorkspacePage(page).goto(DEMO_PATIENT_HFREF, 'twin');
    await expect(new WorkspacePage(page).banner).toContainText('BERG, Thomas');
    await page.context().clearCookies();

    await signInAs('admin');
    const admin = new AdminPage(page);
    await admin.gotoAudit();
    await expect(admin.tab('Audit')).toHaveAttribute('aria-selected', 'true');
    await expect(admin.auditRows.first()).toBeVisible();
    await admin.filter({ user: 'clinician', patientId: DEMO_PATIENT_HFREF });
    await expect(page).toHaveURL(/user=clinician/);
    await expect(admin.auditRows.first()).toContainText('clinician');
    await expect(admin.auditRows.first()).toContainText(DEMO_PATIENT_HFREF);
    // Narrow to reads of the patient record itself, today.
    const today = new Date();
    const iso = `${today.getFullYear()}-${String(today.getMonth() + 1).padStart(2, '0')}-${String(today.getDate()).padStart(2, '0')}`;
    await page.getByLabel('From', { exact: true }).fill(iso);
    await page.getByLabel('To', { exact: true }).fill(iso);
    await admin.filter({ action: 'Read' });
    await expect(page).toHaveURL(/action=R/);
    await expect(admin.auditTable).toContainText(`GET /fhir/Patient/${DEMO_PATIENT_HFREF} → 200`);
    // The table keeps the previous page's rows until the filtered query answers: poll until it has.
    await expect
      .poll(async () => new Set(await admin.auditRows.locator('td:nth-child(4)').allTextContents()))
      .toEqual(new Set(['Read']));
    await admin.tab('Users').click();
    await expect(page).toHaveURL(/\/admin\/users$/);
    await expect(admin.usersTable).toContainText('cardiologist');
  });

  test('admin adds a user, who can sign in; disabled, they cannot', async ({ page, signInAs, browser }) => {
    await signInAs('admin');
    const admin = new AdminPage(page);
    await page.goto('/admin/users');
    await admin.addUser({ username: 'e2e-nurse', displayName: 'E2E Nurse', password: 'a-long-e2e-password', role: 'clinician' });
    const row = admin.usersTable.locator('tbody tr', { hasText: 'e2e-nurse' });
    await expect(row).toContainText('Active');
    await expect(row.getByLabel('Role of e2e-nurse')).toHaveValue('clinician');

    const other = await browser.newContext();
    const otherPage = await other.newPage();
    const signIn = new SignInPage(otherPage);
    await signIn.goto();
    await signIn.signIn('e2e-nurse', 'a-long-e2e-password');
    await expect(otherPage).toHaveURL(/\/patients$/);

    await row.getByRole('button', { name: 'Disable e2e-nurse' }).click();
    await expect(row).toContainText('Disabled');
    await other.clearCookies();
    await signIn.goto();
    await signIn.signIn('e2e-nurse', 'a-long-e2e-password');
    await expect(signIn.alert).toBeVisible();
    await other.close();
  });

  test('the server’s refusal of a weak password is shown', async ({ page, signInAs }) => {
    await signInAs('admin');
    const admin = new AdminPage(page);
    await page.goto('/admin/users');
    await page.getByLabel('Initial password').evaluate((el) => el.removeAttribute('minlength'));
    await admin.addUser({ username: 'e2e-weak', password: 'short-pw', role: 'surgeon' });
    await expect(page.getByRole('alert').filter({ hasText: 'User not added' })).toContainText('at least 12 characters');
  });
});
