// Import record (issue 12): a clinician imports a Synthea bundle from the patient list, sees the
// report (counts, the patient, what the twin can do and why not), opens the patient; importing the
// same file again creates nothing; the surgeon and admin have no Import action.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from './fixtures';
import { PatientListPage } from './pages/PatientListPage';

const BUNDLE = join(dirname(fileURLToPath(import.meta.url)), '..', 'test-data', 'fhir', 'synthea', 'Oda_Gerlach.json');

test.describe('Import record', () => {
  test('a clinician imports a Synthea bundle, reads the report and opens the patient', async ({ page, signInAs }) => {
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
    await page.screenshot({ path: 'test-results/import-report.png', fullPage: true });

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
});
