// Scenarios tab (issue 7): the cardiologist compares TAVR with current medical therapy on the
// calibrated twin and accepts a plan, which appears in the record as a CarePlan with Provenance.
import { DEMO_PATIENT_AS, DEMO_PATIENT_HFREF, DEMO_PATIENT_NO_TWIN } from '../server/demo/ids';
import { expect, test } from './fixtures';
import { ScenariosPage } from './pages/twin';

test.describe('Scenarios tab', () => {
  test.beforeEach(async ({ signInAs }) => {
    await signInAs('cardiologist');
  });

  test('TAVR vs medical therapy → comparison → Accept plan → CarePlan + Provenance', async ({ page }, testInfo) => {
    test.setTimeout(180_000);
    const sc = new ScenariosPage(page);
    await sc.goto(DEMO_PATIENT_AS);
    await sc.addFromTemplate('TAVR');
    await expect(page.getByRole('group', { name: /TAVR/ })).toBeVisible();
    await expect(sc.runScenarios).toBeEnabled({ timeout: 60_000 }); // calibrated
    await sc.runScenarios.click();
    await expect(sc.progress).toBeVisible();
    await expect(sc.comparison).toBeVisible({ timeout: 120_000 });
    await expect(sc.progress).toHaveCount(0, { timeout: 120_000 });
    const tavrId = (await page.locator('td[data-endpoint="avMeanGradientMmHg"]').nth(1).getAttribute('data-scenario')) ?? '';
    const baseline = Number(await sc.cell('baseline', 'avMeanGradientMmHg').textContent());
    const tavr = Number(await sc.cell(tavrId, 'avMeanGradientMmHg').textContent());
    // Severe AS (mean gradient ≥ 40 mmHg) → a TAVR gradient below 20 mmHg (PARTNER: ≈ 10 mmHg).
    expect(baseline).toBeGreaterThan(25);
    expect(tavr).toBeLessThan(20);
    await expect(sc.comparison).toContainText('no overlap');
    await page.screenshot({ path: testInfo.outputPath('scenarios-comparison.png'), fullPage: true });

    await page.getByRole('radio', { name: /TAVR/ }).check();
    await page.getByLabel(/Reason/).fill('Symptomatic severe AS; heart team agrees.');
    await sc.acceptPlan.click();
    const done = page.getByRole('status').filter({ hasText: 'recorded with its Provenance' });
    await expect(done).toBeVisible();
    const ref = /CarePlan\/[A-Za-z0-9\-.]+/.exec((await done.textContent()) ?? '')?.[0];
    expect(ref).toBeTruthy();
    const plans = (await (await page.request.get(`/fhir/CarePlan?patient=${DEMO_PATIENT_AS}`)).json()) as { entry?: { resource: { id: string; title?: string } }[] };
    const plan = plans.entry?.map((e) => e.resource).find((p) => `CarePlan/${p.id}` === ref);
    expect(plan?.title).toMatch(/TAVR/);
    const prov = (await (await page.request.get(`/fhir/Provenance?target=${ref}`)).json()) as { entry?: { resource: { reason?: { text?: string }[] } }[] };
    expect(prov.entry?.[0]?.resource.reason?.[0]?.text).toContain('heart team');
    await page.screenshot({ path: testInfo.outputPath('scenarios-plan.png'), fullPage: true });
  });

  test('HFrEF twin: dobutamine and nitroprusside are clearly different from current therapy (issue 11)', async ({ page }, testInfo) => {
    test.setTimeout(240_000);
    const sc = new ScenariosPage(page);
    await sc.goto(DEMO_PATIENT_HFREF);
    await sc.addFromTemplate('Inotrope');
    await sc.addFromTemplate('Vasodilator');
    await expect(sc.runScenarios).toBeEnabled({ timeout: 60_000 }); // calibrated
    await sc.runScenarios.click();
    await expect(sc.comparison).toBeVisible({ timeout: 150_000 });
    await expect(sc.progress).toHaveCount(0, { timeout: 150_000 });
    const ids = await page.locator('td[data-endpoint="coLPerMin"]').evaluateAll((tds) => tds.map((td) => td.getAttribute('data-scenario') ?? ''));
    expect(ids).toHaveLength(3);
    const [baseId, dobutamineId, nitroprussideId] = ids as [string, string, string];
    const co = async (id: string): Promise<number> => Number(await sc.cell(id, 'coLPerMin').textContent());
    const pcwp = async (id: string): Promise<number> => Number(await sc.cell(id, 'pcwpMmHg').textContent());
    // HFrEF: dobutamine 5 µg/kg/min raises CO by well over a third (Leier 1978: ≈ +70 % in severe
    // HFrEF) and nitroprusside 1 µg/kg/min lowers PCWP and MAP (Mikulic 1977, Guiha 1974). In this
    // calibrated twin the CO and EF bands of dobutamine and the MAP band of nitroprusside leave
    // the baseline's 90 % band; nitroprusside's PCWP fall is clear in the median only (the
    // record has no filling pressure, so the baseline PCWP band is wide).
    expect(await co(dobutamineId)).toBeGreaterThan(1.3 * (await co(baseId)));
    expect(await pcwp(nitroprussideId)).toBeLessThan((await pcwp(baseId)) - 4);
    const cellOf = (id: string, endpoint: string) => page.locator(`td[data-scenario="${id}"][data-endpoint="${endpoint}"]`);
    await expect(cellOf(dobutamineId, 'coLPerMin')).toContainText('no overlap');
    await expect(cellOf(dobutamineId, 'ef')).toContainText('no overlap');
    await expect(cellOf(nitroprussideId, 'mapMmHg')).toContainText('no overlap');
    await page.screenshot({ path: testInfo.outputPath('scenarios-hfref-drugs.png'), fullPage: true });
  });

  test('a consent-denied patient cannot run or record scenarios, and the tab says why', async ({ page }) => {
    await page.goto(`/patients/${DEMO_PATIENT_NO_TWIN}/scenarios`);
    await expect(page.getByText('Scenarios cannot be run or recorded for this patient.')).toBeVisible();
    await expect(page.getByRole('button', { name: 'Run scenarios' })).toHaveCount(0);
  });
});
