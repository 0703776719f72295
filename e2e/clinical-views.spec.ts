// Issue 13 "Done when", as each role in turn on one server: the clinician reads the current
// values, zooms to the last hour, sees an alarm and acknowledges it with a note; the cardiologist
// sees the baseline and the calibration's confidence, compares at the peak effect, accepts a plan
// once and finds it in `Record` with its Provenance; the admin filters the audit by that patient
// and finds the plan, the acknowledgement and the reads. Screenshots go to src/views/*/images/.
import { DEMO_PATIENT_AS } from '../server/demo/ids';
import { expect, postSystolicReading, test } from './fixtures';
import { savePicture } from './pictures';
import { AdminPage } from './pages/AdminPage';
import { ScenariosPage, TwinPage } from './pages/twin';
import { loadScaledTimeoutMs } from '../test-support/load';

const NOTE = 'Cuff re-sited, repeat reading ordered';

test.describe.serial('clinical views as each role (issue 13)', () => {
  test('clinician: current values, last hour, alarm acknowledged with a note (undo first)', async ({ page, signInAs }, testInfo) => {
    test.setTimeout(420_000); // generous: on a shared 2-core machine the Twin tab renders slowly
    await signInAs('clinician');
    const twin = new TwinPage(page);
    await twin.goto(DEMO_PATIENT_AS);
    await twin.waitForForecast();
    // Current values: large numbers with their age; the monitor feed keeps heart rate current.
    await expect(twin.currentVitals).toBeVisible();
    await expect(twin.vital('hrBpm')).toHaveAttribute('data-stale', 'false', { timeout: loadScaledTimeoutMs(30_000) });
    await expect(twin.vital('hrBpm')).toHaveAccessibleName(/^HR \d+ bpm, \d+ s ago/);
    // Zoom to the last hour.
    await page.getByRole('button', { name: 'Last 1 h' }).click();
    await expect.poll(() => twin.windowSpanMs()).toBeLessThanOrEqual(75 * 60_000);
    expect(await twin.windowSpanMs()).toBeGreaterThanOrEqual(60 * 60_000);
    // Ticks on round clock times (HH:00/10/20…): every tick label ends in 0.
    const labels = await twin.timeline.locator('[data-panel="hr"] .recharts-cartesian-axis-tick-value').allTextContents();
    const ticks = labels.filter((t) => t.includes(':'));
    expect(ticks.length).toBeGreaterThan(2);
    for (const t of ticks) expect(t).toMatch(/(^|\s)\d{2}:\d0$/);
    // Keyboard zoom: "-" widens the window.
    await twin.timeline.focus();
    await page.keyboard.press('-');
    await expect.poll(() => twin.windowSpanMs()).toBeGreaterThan(100 * 60_000);
    await page.getByRole('button', { name: 'Last 1 h' }).click();

    // An out-of-band systolic pressure raises an alarm with a severity.
    await postSystolicReading(page, DEMO_PATIENT_AS, 250);
    const alarm = page.getByRole('alert', { name: /(Advisory|Warning|Critical) alarm/ });
    await expect(alarm).toBeVisible({ timeout: 30_000 });
    await expect(alarm).toContainText('SBP 250 mmHg');
    await expect(alarm).toHaveAttribute('data-severity', 'critical');
    // The keyboard zoom above scrolled the timeline to the top: bring the strip and the alarm back into view.
    await twin.currentVitals.evaluate((el) => el.scrollIntoView({ block: 'start' }));
    await expect(alarm).toBeInViewport();
    await savePicture(page, testInfo, 'src/views/twin/images/twin-current-vitals-alarm.png');

    // Acknowledge, then undo: nothing is recorded and the alarm is back.
    await alarm.getByRole('button', { name: 'Acknowledge…' }).click();
    await page.getByLabel('Note (optional)').fill('wrong patient');
    await page.getByRole('button', { name: 'Confirm acknowledgement' }).click();
    // Focus is on Undo: Enter undoes within the window even on a slow machine (the product's 10 s;
    // 4 s in the e2e bundle, src/views/twin/ackUndo.ts, whose unit test pins the product's 10 s).
    await expect(page.getByRole('button', { name: 'Undo' })).toBeFocused();
    await page.keyboard.press('Enter');
    await expect(page.getByRole('status').filter({ hasText: 'Acknowledgement undone' })).toBeVisible();
    await expect(alarm).toBeVisible();
    // Acknowledge with a note: recorded (Flag + Provenance) after the undo window.
    await alarm.getByRole('button', { name: 'Acknowledge…' }).click();
    await page.getByLabel('Note (optional)').fill(NOTE);
    await page.getByRole('button', { name: 'Confirm acknowledgement' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'Recorded in 4 s unless undone' })).toBeVisible();
    await expect(page.getByRole('status').filter({ hasText: 'Acknowledged by' })).toContainText(NOTE, { timeout: 30_000 });
    // The Flag carries the note; the undone acknowledgement left nothing. (Polled: the proxy may
    // answer 429 while the page's live traffic is heavy.)
    const notes = async (): Promise<string[] | string> => {
      const r = await page.request.get(`/fhir/Flag?patient=${DEMO_PATIENT_AS}&_count=1000`);
      if (!r.ok()) return `HTTP ${r.status()}`;
      const b = (await r.json()) as { entry?: { resource: { extension?: { valueString?: string }[] } }[] };
      return (b.entry ?? []).flatMap((e) => (e.resource.extension ?? []).map((x) => x.valueString ?? ''));
    };
    await expect.poll(notes, { timeout: 30_000 }).toContain(NOTE);
    expect(await notes()).not.toContain('wrong patient');
    await savePicture(page, testInfo, 'src/views/twin/images/twin-tab.png', { fullPage: true });
  });

  test('cardiologist: baseline and confidence, peak effect, plan accepted once and found in Record', async ({ page, signInAs }, testInfo) => {
    test.setTimeout(600_000);
    await signInAs('cardiologist');
    const sc = new ScenariosPage(page);
    await sc.goto(DEMO_PATIENT_AS);
    const baseline = page.getByRole('region', { name: 'Baseline' });
    await expect(baseline.getByTestId('calibration-confidence')).toContainText(/high|moderate|low/, { timeout: 90_000 });
    await expect(baseline.getByRole('table', { name: 'Baseline values' })).toContainText('Aortic valve area');
    await expect(baseline.getByRole('table', { name: 'Baseline values' })).toContainText('Aortic valve mean gradient');
    await expect(baseline.getByTestId('baseline-medication')).toBeVisible();
    await sc.addFromTemplate('Beta-blocker up-titration');
    await expect(sc.runScenarios).toBeEnabled({ timeout: 60_000 });
    await sc.runScenarios.click();
    await expect(sc.comparison).toBeVisible({ timeout: 180_000 });
    await expect(sc.progress).toHaveCount(0, { timeout: 180_000 });
    // EF in %.
    await expect(sc.comparison.locator('th[scope="row"]', { hasText: 'ejection fraction' })).toContainText('(%)');
    // Compare at the peak effect on heart rate: its time is named, and the table is recomputed there.
    await page.getByLabel('Trajectory metric').selectOption({ label: 'Heart rate' });
    await page.getByLabel('Compare at', { exact: true }).selectOption('peak');
    await expect(page.getByTestId('peak-effect')).toContainText(/Heart rate [+−]\d+ bpm vs baseline at \d/);
    await expect(page.getByText(/^Endpoints at \d/)).toBeVisible({ timeout: 120_000 });
    await expect(sc.comparison.locator('.diff').first()).toBeVisible({ timeout: 120_000 });
    // Trajectories with the ensemble's 50/90 % bands over time for each scenario (computed once after the table).
    const trajectories = page.getByRole('figure', { name: 'Scenario trajectories with ensemble bands' });
    await expect(trajectories).toHaveAttribute('data-bands', 'done', { timeout: 300_000 });
    await expect(trajectories).toHaveAttribute('data-band-count', '2');
    await expect(trajectories.locator('.recharts-area')).toHaveCount(4);
    await savePicture(page, testInfo, 'src/views/scenarios/images/scenarios-peak.png', { fullPage: true });
    const trajectoryPanel = page.getByRole('region', { name: 'Trajectories' });
    await trajectoryPanel.scrollIntoViewIfNeeded();
    await savePicture(trajectoryPanel, testInfo, 'src/views/scenarios/images/scenarios-bands.png');

    await page.getByRole('radio', { name: /Beta-blocker/ }).check();
    await page.getByLabel(/Reason/).fill('Rate control before TAVR work-up');
    await sc.acceptPlan.click();
    await expect(page.getByRole('status').filter({ hasText: 'recorded with its Provenance' })).toBeVisible({ timeout: 30_000 });
    // Accepting the same plan again is prevented.
    await expect(sc.acceptPlan).toBeDisabled();
    await expect(page.getByTestId('plan-accepted')).toContainText('Record');
    await page.getByTestId('plan-accepted').getByRole('link', { name: 'Record' }).click();
    const table = page.getByRole('table', { name: 'Decisions and twin outputs' });
    const planRow = table.locator('tr[data-kind="plan"]', { hasText: 'Rate control before TAVR work-up' });
    await expect(planRow).toHaveCount(1);
    await expect(planRow).toContainText('plan accepted from twin scenarios');
    await expect(planRow).toContainText('author: Dr. Demo Cardiologist');
    await expect(table.locator('tr[data-kind="alert"]', { hasText: NOTE })).toHaveCount(1);
    await savePicture(page, testInfo, 'src/views/record/images/record-tab.png', { fullPage: true });
  });

  test('admin: audit filtered by the patient finds the plan, the acknowledgement and the reads', async ({ page, signInAs }, testInfo) => {
    test.setTimeout(120_000);
    await signInAs('admin');
    const admin = new AdminPage(page);
    await admin.gotoAudit();
    await admin.filter({ patientId: DEMO_PATIENT_AS });
    await expect(page).toHaveURL(new RegExp(`patient=${DEMO_PATIENT_AS}`));
    // The monitor feed is hidden by default, and says so.
    await expect(page.getByTestId('service-hidden')).toContainText('service-account events');
    await expect(admin.auditTable).not.toContainText('monitor-feed');
    await admin.filter({ action: 'Create' });
    await expect.poll(async () => (await admin.auditTable.textContent()) ?? '', { timeout: 20_000 }).toContain('transaction: create CarePlan, update Provenance');
    await expect(admin.auditTable).toContainText('transaction: create Flag, update Provenance');
    await expect(admin.auditRows.filter({ hasText: 'create CarePlan' }).first()).toContainText('cardiologist');
    await expect(admin.auditRows.filter({ hasText: 'create Flag' }).first()).toContainText('clinician');
    await savePicture(page, testInfo, 'src/views/audit/images/audit-patient-creates.png', { fullPage: true });
    await admin.filter({ action: 'Read' });
    await expect.poll(async () => new Set(await admin.auditRows.locator('td:nth-child(4)').allTextContents()), { timeout: 20_000 }).toEqual(new Set(['Read']));
    await expect(admin.auditTable).toContainText(`GET /fhir/Patient/${DEMO_PATIENT_AS} → 200`);
    // CSV export of what the filters match.
    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Export CSV' }).click();
    const csv = await (await download).path();
    expect(csv).toBeTruthy();
  });
});
