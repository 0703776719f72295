// Issue 3, end to end: a vital posted by the demo monitor feed (through the same audited write path
// as clinicians) appears live in the clinician's Twin tab without a reload, and the admin finds that
// very write in the Audit tab.
import { DEMO_PATIENT_AS } from '../server/demo/ids';
import { expect, test } from './fixtures';
import { AdminPage } from './pages/AdminPage';
import { TwinPage } from './pages/twin';
import { loadScaledTimeoutMs } from '../test-support/load';

interface SearchBundle {
  entry?: { resource: { id: string; meta?: { lastUpdated?: string } } }[];
}

test('a monitor-feed vital arrives live in the Twin tab and the admin finds its write in the audit trail', async ({ page, signInAs }) => {
  await signInAs('clinician');
  const twin = new TwinPage(page);
  await twin.goto(DEMO_PATIENT_AS);
  await twin.waitForForecast();
  const before = await twin.assimilatedCount();
  // The feed posts every 5 s in e2e (playwright.config.ts); the page learns of it over /events, with no reload.
  await expect.poll(() => twin.assimilatedCount(), { timeout: loadScaledTimeoutMs(30_000) }).toBeGreaterThan(before);

  // The newest heart-rate Observation of the patient is one the feed wrote.
  const res = await page.request.get(`/fhir/Observation?patient=${DEMO_PATIENT_AS}&code=http://loinc.org|8867-4&_sort=-_lastUpdated&_count=1`);
  expect(res.status()).toBe(200);
  const newest = ((await res.json()) as SearchBundle).entry?.[0]?.resource;
  expect(newest, 'newest heart-rate Observation').toBeDefined();
  const observationRef = `Observation/${newest!.id}`;

  await page.context().clearCookies();
  await signInAs('admin');
  const admin = new AdminPage(page);
  await admin.gotoAudit();
  await admin.filter({ user: 'monitor-feed', patientId: DEMO_PATIENT_AS });
  await expect(page).toHaveURL(/user=monitor-feed/);
  await expect(admin.auditRows.first()).toContainText('monitor-feed');
  // The create of that very Observation is on record, made by the feed's service account.
  await expect
    .poll(async () => (await admin.auditTable.textContent()) ?? '', { timeout: 20_000 })
    .toContain(observationRef);
  await page.screenshot({ path: 'test-results/admin-audit-feed.png', fullPage: true });
});
