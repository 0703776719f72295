// Confidence travels with every output (issue 12, the views' half), in Chromium against the real
// server: a child imported with current vitals gets no twin, the reason shown on the Twin and
// Scenarios tabs; an adult whose newest vital is 400 days old gets a twin "as of" that day, no live
// forecast, and a plan from it is accepted only through an explicit confirmation that is recorded
// in the plan's Provenance and shown in Record.
import { randomUUID } from 'node:crypto';
import type { APIRequestContext } from '@playwright/test';
import { expect, test } from './fixtures';
import { savePicture } from './pictures';
import { ScenariosPage } from './pages/twin';

const DAY_MS = 86_400_000;
const RUN = Date.now().toString(36);

function vitals(patientUrn: string, atMs: number, tag: string): Record<string, unknown>[] {
  const obs = (code: string, display: string, value: number, unit: string, ucum: string, k: number) => ({
    fullUrl: `urn:uuid:${randomUUID()}`,
    resource: {
      resourceType: 'Observation',
      identifier: [{ system: 'urn:e2e:capability', value: `${RUN}-${tag}-${code}-${k}` }],
      status: 'final',
      category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }] }],
      code: { coding: [{ system: 'http://loinc.org', code, display }] },
      subject: { reference: patientUrn },
      effectiveDateTime: new Date(atMs - k * 3_600_000).toISOString(),
      valueQuantity: { value, unit, system: 'http://unitsofmeasure.org', code: ucum },
    },
    request: { method: 'POST', url: 'Observation' },
  });
  return [0, 1, 2].flatMap((k) => [
    obs('8867-4', 'Heart rate', 74 + k, 'beats/minute', '/min', 10 * k + 1),
    obs('8480-6', 'Systolic blood pressure', 132 - k, 'mmHg', 'mm[Hg]', 10 * k + 2),
    obs('8462-4', 'Diastolic blood pressure', 80, 'mmHg', 'mm[Hg]', 10 * k + 3),
  ]);
}

function patient(urn: string, tag: string, family: string, birthDate: string): Record<string, unknown> {
  return {
    fullUrl: urn,
    resource: {
      resourceType: 'Patient',
      identifier: [{ system: 'urn:e2e:capability-patient', value: `${RUN}-${tag}` }],
      name: [{ family, given: ['Cap'] }],
      gender: 'female',
      birthDate,
    },
    request: { method: 'POST', url: 'Patient' },
  };
}

/** Imports a transaction Bundle through the app's import endpoint; returns the imported patient ids by family name. */
async function importBundle(request: APIRequestContext, origin: string, entries: Record<string, unknown>[]): Promise<Map<string, string>> {
  const res = await request.post('/api/import?name=capability-e2e.json', {
    headers: { 'content-type': 'application/fhir+json', accept: 'application/x-ndjson', Origin: origin },
    data: JSON.stringify({ resourceType: 'Bundle', type: 'transaction', entry: entries }),
  });
  expect(res.status(), await res.text()).toBe(200);
  const lines = (await res.text()).split('\n').filter(Boolean).map((l) => JSON.parse(l) as { report?: { patients: { id: string; name: string }[] }; error?: string });
  const report = lines.find((l) => l.report)?.report;
  expect(report, JSON.stringify(lines.at(-1))).toBeTruthy();
  return new Map(report!.patients.map((p) => [p.name.split(' ').at(-1)!, p.id]));
}

test.describe.serial('what the twin cannot do, in the views (issue 12)', () => {
  let childId = '';
  let staleId = '';

  test('import a child with current vitals and an adult whose vitals are 400 days old', async ({ page, signInAs }) => {
    await signInAs('cardiologist');
    await page.goto('/patients');
    const now = Date.now();
    const childUrn = `urn:uuid:${randomUUID()}`;
    const staleUrn = `urn:uuid:${randomUUID()}`;
    const childBirth = new Date(now - 9.5 * 365.25 * DAY_MS).toISOString().slice(0, 10);
    const ids = await importBundle(page.request, new URL(page.url()).origin, [
      patient(childUrn, 'child', `Child${RUN}`, childBirth),
      ...vitals(childUrn, now - 3_600_000, 'child'),
      patient(staleUrn, 'stale', `Stale${RUN}`, '1950-05-01'),
      ...vitals(staleUrn, now - 400 * DAY_MS, 'stale'),
    ]);
    childId = ids.get(`Child${RUN}`) ?? '';
    staleId = ids.get(`Stale${RUN}`) ?? '';
    expect(childId).not.toBe('');
    expect(staleId).not.toBe('');
  });

  test('child: no twin on the Twin and Scenarios tabs, the reason shown', async ({ page, signInAs }) => {
    await signInAs('cardiologist');
    await page.goto(`/patients/${childId}/twin`);
    const notice = page.getByRole('status', { name: 'What the twin cannot do' });
    await expect(notice).toContainText('No twin for this patient', { timeout: 60_000 });
    await expect(notice).toContainText(/Patient is 9 y: the physiology model is adult-only/);
    await expect(page.getByRole('button', { name: 'Recalibrate' })).toBeDisabled();
    await expect(page.getByTestId('forecast-summary')).toHaveCount(0);
    await expect(page.getByRole('progressbar', { name: 'Calibrating the twin' })).toHaveCount(0);
    await page.goto(`/patients/${childId}/scenarios`);
    await expect(page.getByRole('status', { name: 'What the twin cannot do' })).toContainText('No scenario can be run or plan accepted', { timeout: 60_000 });
    await expect(page.getByRole('button', { name: 'Run scenarios' })).toHaveCount(0);
    await expect(page.getByRole('button', { name: 'Accept plan' })).toHaveCount(0);
  });

  test('stale adult: no live forecast, "last reading 400 days ago", calibrated as of that day', async ({ page, signInAs }, testInfo) => {
    test.setTimeout(180_000);
    await signInAs('clinician');
    await page.goto(`/patients/${staleId}/twin`);
    const notice = page.getByRole('status', { name: 'What the twin cannot do' });
    await expect(notice).toContainText('Last reading 400 days ago: no live forecast.', { timeout: 60_000 });
    await expect(notice).toContainText(/calibration as of \d{4}-\d{2}-\d{2}/);
    // Calibrated (Provenance says as of when), yet no forecast is drawn or can be saved.
    await expect(page.getByTestId('calibration-as-of')).toContainText('400 days ago', { timeout: 120_000 });
    await expect(page.getByTestId('forecast-summary')).toHaveCount(0);
    await expect(page.getByRole('button', { name: 'Save forecast to record' })).toBeDisabled();
    await savePicture(page, testInfo, 'src/views/twin/images/twin-stale-record.png', { fullPage: true });
  });

  test('stale adult: a plan is accepted only through an explicit confirmation, recorded in its Provenance', async ({ page, signInAs }, testInfo) => {
    test.setTimeout(420_000);
    await signInAs('cardiologist');
    const sc = new ScenariosPage(page);
    await sc.goto(staleId);
    await expect(page.getByTestId('baseline-as-of')).toBeVisible({ timeout: 120_000 });
    await expect(page.getByTestId('baseline-missing')).toContainText('LV ejection fraction');
    await sc.addFromTemplate('TAVR');
    await expect(sc.runScenarios).toBeEnabled({ timeout: 60_000 });
    await sc.runScenarios.click();
    await expect(sc.comparison).toBeVisible({ timeout: 240_000 });
    await expect(sc.progress).toHaveCount(0, { timeout: 240_000 });
    const conf = page.getByTestId('plan-confidence');
    await expect(conf).toContainText('missing inputs: ');
    await expect(conf).toContainText('accepting needs an explicit confirmation');
    await page.getByRole('radio', { name: /TAVR/ }).check();
    await page.getByLabel(/Reason/).fill('Symptomatic; re-assess after new echo');
    await sc.acceptPlan.click();
    const dialog = page.getByRole('dialog', { name: 'Confirm plan from a weak twin' });
    await expect(dialog).toBeVisible();
    await expect(dialog).toContainText(/The twin is stale: last reading 400 days ago/);
    await savePicture(page, testInfo, 'src/views/scenarios/images/scenarios-confirm-stale.png');
    // Cancel writes nothing; confirming writes the plan with the confirmation in its Provenance.
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await expect(dialog).toHaveCount(0);
    await expect(sc.acceptPlan).toBeEnabled();
    await sc.acceptPlan.click();
    await page.getByRole('dialog', { name: 'Confirm plan from a weak twin' }).getByRole('button', { name: 'Accept plan anyway' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'recorded with its Provenance' })).toBeVisible({ timeout: 30_000 });

    const provenances = async (): Promise<string[]> => {
      const r = await page.request.get(`/fhir/CarePlan?subject=Patient/${staleId}`);
      if (!r.ok()) return [];
      const plans = ((await r.json()) as { entry?: { resource: { id: string } }[] }).entry ?? [];
      if (plans.length === 0) return [];
      const p = await page.request.get(`/fhir/Provenance?target=${plans.map((e) => `CarePlan/${e.resource.id}`).join(',')}`);
      const b = (await p.json()) as { entry?: { resource: { extension?: { url: string; valueString?: string }[] } }[] };
      return (b.entry ?? []).flatMap((e) => (e.resource.extension ?? []).map((x) => `${x.url.split('/').at(-1)}: ${x.valueString ?? ''}`));
    };
    await expect.poll(provenances, { timeout: 30_000 }).toContainEqual(expect.stringMatching(/^plan-confirmed-despite: accepted after explicit confirmation despite: .*the twin is stale: last reading 400 days ago/));
    expect(await provenances()).toContainEqual(expect.stringMatching(/^twin-confidence: calibration confidence (high|moderate|low); missing inputs: .*; calibrated as of \d{4}-\d{2}-\d{2} \(no live data\)$/));

    await page.getByTestId('plan-accepted').getByRole('link', { name: 'Record' }).click();
    const row = page.getByRole('table', { name: 'Decisions and twin outputs' }).locator('tr[data-kind="plan"]');
    await expect(row.getByTestId('confirmed-despite')).toContainText('the twin is stale', { timeout: 30_000 });
  });
});
