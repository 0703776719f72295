// Import record (issue 12): a clinician imports a Synthea bundle from the patient list, sees the
// report (counts, the patient, what the twin can do and why not), opens the patient; importing the
// same file again creates nothing; the surgeon and admin have no Import action.
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from './fixtures';
import { savePicture } from './pictures';
import { PatientListPage } from './pages/PatientListPage';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const SYNTHEA = join(ROOT, 'test-data', 'fhir', 'synthea');
const BUNDLE = join(SYNTHEA, 'Oda_Gerlach.json');
const OUT = join(ROOT, 'test-results', 'import-inputs');

/** A record with social findings (as Synthea's social-determinants module writes them) and one clinical problem. */
function socialRecord(): string {
  const cond = (id: string, code: string, display: string) => ({
    fullUrl: `urn:uuid:5e0c1a1e-0000-4000-8000-00000000000${id}`,
    resource: { resourceType: 'Condition', clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }] }, code: { coding: [{ system: 'http://snomed.info/sct', code, display }], text: display }, subject: { reference: 'urn:uuid:5e0c1a1e-0000-4000-8000-000000000000' } },
    request: { method: 'POST', url: 'Condition' },
  });
  const bundle = {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: [
      {
        fullUrl: 'urn:uuid:5e0c1a1e-0000-4000-8000-000000000000',
        resource: { resourceType: 'Patient', identifier: [{ system: 'urn:twinscope:e2e', value: 'social-1' }], name: [{ family: 'Socialfinding', given: ['Test'] }], gender: 'male', birthDate: '1949-03-02' },
        request: { method: 'POST', url: 'Patient' },
      },
      cond('1', '73438004', 'Unemployed (finding)'),
      cond('2', '266948004', 'Has a criminal record (finding)'),
      cond('3', '59621000', 'Essential hypertension (disorder)'),
    ],
  };
  return JSON.stringify(bundle);
}

/** One transaction Bundle of the four Synthea samples cloned `copies` times with fresh uuids (a large file). */
function largeBundle(copies: number): string {
  const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;
  const entries: unknown[] = [];
  const sources = readdirSync(SYNTHEA).filter((f) => f.endsWith('.json')).sort().map((f) => readFileSync(join(SYNTHEA, f), 'utf8'));
  for (let k = 0; k < copies; k++) {
    for (const text of sources) {
      const tag = (0xe000 + k).toString(16);
      entries.push(...(JSON.parse(text.replace(UUID, (u) => `${u.slice(0, 24)}${tag}${u.slice(28)}`)) as { entry: unknown[] }).entry);
    }
  }
  return JSON.stringify({ resourceType: 'Bundle', type: 'transaction', entry: entries });
}

test.describe('Import record', () => {
  test('a clinician imports a Synthea bundle, reads the report and opens the patient', async ({ page, signInAs }, testInfo) => {
    await signInAs('clinician');
    const list = new PatientListPage(page);
    await list.goto();
    await page.getByRole('button', { name: 'Import record' }).click();
    const panel = page.getByRole('region', { name: 'Import record' });
    await panel.getByLabel('FHIR files (Bundle JSON or NDJSON)').setInputFiles(BUNDLE);
    await panel.getByRole('button', { name: 'Import file' }).click();

    const report = panel.getByRole('region', { name: 'Import report' });
    await expect(report).toContainText(/Oda_Gerlach\.json \(Bundle \(transaction\)\): 227 resources — (227 created|0 created, 0 updated, 227 already there)/, { timeout: 60_000 });
    const patients = report.getByRole('table', { name: /Patients imported from/ });
    await expect(patients).toContainText('Oda Gerlach');
    // The record's patient died in 2008: the twin says so instead of forecasting.
    await expect(patients).toContainText(/patient deceased \(2008-12-24\): no forecast/);
    await savePicture(page, testInfo, 'src/views/patients/import-report.png', { fullPage: true });

    // Listed with her age at death on one line and marked deceased; social findings are not key conditions.
    await list.search.fill('Gerlach');
    const row = list.row(/GERLACH, Oda/);
    await expect(row).toBeVisible();
    await expect(row).toContainText(/71 y\s*Deceased/);
    await expect(row).toContainText('Chronic congestive heart failure');

    await patients.getByRole('link', { name: 'Oda Gerlach' }).click();
    await expect(page).toHaveURL(/\/patients\/imp-[0-9a-f]{32}/);
    await expect(page.getByText(/GERLACH, Oda/).first()).toBeVisible();
  });

  test('importing the same file again creates nothing', async ({ page, signInAs }) => {
    await signInAs('clinician');
    await new PatientListPage(page).goto();
    await page.getByRole('button', { name: 'Import record' }).click();
    const panel = page.getByRole('region', { name: 'Import record' });
    await panel.getByLabel('FHIR files (Bundle JSON or NDJSON)').setInputFiles(BUNDLE);
    await panel.getByRole('button', { name: 'Import file' }).click();
    await expect(panel.getByRole('region', { name: 'Import report' })).toContainText('0 created, 0 updated, 227 already there', { timeout: 60_000 });
  });

  test('the surgeon has no Import record action', async ({ page, signInAs }) => {
    await signInAs('surgeon');
    await new PatientListPage(page).goto();
    await expect(page.getByRole('button', { name: 'Import record' })).toHaveCount(0);
  });

  test('four Synthea records and one with social findings: clinical problems as key conditions, age on one line', async ({ page, signInAs }, testInfo) => {
    mkdirSync(OUT, { recursive: true });
    const social = join(OUT, 'social-findings.json');
    writeFileSync(social, socialRecord());
    const files = [...readdirSync(SYNTHEA).filter((f) => f.endsWith('.json')).sort().map((f) => join(SYNTHEA, f)), social];
    await signInAs('clinician');
    const list = new PatientListPage(page);
    await list.goto();
    await page.getByRole('button', { name: 'Import record' }).click();
    const panel = page.getByRole('region', { name: 'Import record' });
    await panel.getByLabel('FHIR files (Bundle JSON or NDJSON)').setInputFiles(files);
    await panel.getByRole('button', { name: 'Import 5 files' }).click();
    const report = panel.getByRole('region', { name: 'Import report' });
    await expect(report.getByRole('table', { name: /Patients imported from/ })).toHaveCount(5, { timeout: 120_000 });
    await expect(report).toContainText('social-findings.json');
    await panel.getByRole('button', { name: 'Close' }).click();

    for (const [name, problem] of [
      [/AUFDERHAR, Beatrice/, 'Chronic congestive heart failure'],
      [/DIETRICH, Isaura/, 'Atrial Fibrillation'],
      [/GERLACH, Oda/, 'Hypertension'],
      [/CASPER, Parker/, 'Coronary Heart Disease'],
      [/SOCIALFINDING, Test/, 'Essential hypertension'],
    ] as const) {
      const row = list.row(name);
      await expect(row).toBeVisible();
      await expect(row).toContainText(problem);
      // "77 y" (with "Deceased" beside it when the patient died) on one line.
      const ageCell = row.locator('td').nth(1);
      await expect(ageCell).toContainText(/^~?\d{1,3} y/);
      const lines = await ageCell.evaluate((td) => {
        const range = document.createRange();
        range.selectNodeContents(td);
        const rects = [...range.getClientRects()].filter((r) => r.width > 0);
        // One line: every box (the age text, the Deceased badge) overlaps every other vertically.
        return Math.max(...rects.map((r) => r.top)) < Math.min(...rects.map((r) => r.bottom)) ? 1 : 2;
      });
      expect(lines).toBe(1);
    }
    const social1 = list.row(/SOCIALFINDING, Test/);
    await expect(social1).not.toContainText(/Unemployed|criminal record/);
    await savePicture(page, testInfo, 'src/views/patients/patient-list-imported.png');
  });

  test('a large file shows progress; Cancel writes nothing', async ({ page, signInAs }, testInfo) => {
    mkdirSync(OUT, { recursive: true });
    const large = join(OUT, 'synthea-x64.json');
    writeFileSync(large, largeBundle(16));
    await signInAs('clinician');
    // Patients, not Observations: the demo monitor feed keeps adding vital signs meanwhile.
    const count = async () => ((await (await page.request.get('/fhir/Patient?_count=0&_total=accurate')).json()) as { total: number }).total;
    const list = new PatientListPage(page);
    await list.goto();
    const before = await count();
    await page.getByRole('button', { name: 'Import record' }).click();
    const panel = page.getByRole('region', { name: 'Import record' });
    await panel.getByLabel('FHIR files (Bundle JSON or NDJSON)').setInputFiles(large);
    await panel.getByRole('button', { name: 'Import file' }).click();
    await expect(panel.getByRole('progressbar', { name: 'Import progress' })).toBeVisible();
    // The server is working through the resources (progress streamed back), then the user cancels.
    await expect(panel).toContainText(/validating \d+\/\d+ resources/, { timeout: 60_000 });
    await savePicture(page, testInfo, 'src/views/patients/import-progress.png');
    await panel.getByRole('button', { name: 'Cancel import' }).click();
    await expect(panel.getByRole('alert')).toContainText('cancelled: nothing from this file was written', { timeout: 60_000 });
    // The server finished cancelling (audited) before the count is compared.
    await expect.poll(count, { timeout: 30_000 }).toBe(before);
    expect(await count()).toBe(before);
  });
});
