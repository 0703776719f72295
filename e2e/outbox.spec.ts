// The offline outbox end to end in Chromium with the network cut (issue 13): the clinician
// acknowledges an alarm while the browser is offline; the acknowledgement waits in the outbox
// (IndexedDB), the banner names it (`Outbox`), nothing reaches the server; the network returns and
// the page is reloaded at once, so the replay comes from IndexedDB: exactly one Flag and one
// Provenance. Then a write whose response is lost (the server stored it, the browser never heard):
// queued, replayed, and the conditional create finds the stored one — still exactly one of each.
import type { APIRequestContext, Page } from '@playwright/test';
import { DEMO_PATIENT_AS } from '../server/demo/ids';
import { expect, test } from './fixtures';
import { savePicture } from './pictures';
import { TwinPage } from './pages/twin';
import { loadScaledTimeoutMs } from '../test-support/load';

const RUN = Date.now().toString(36);
const NOTE_OFFLINE = `Offline ack ${RUN}`;
const NOTE_LOST = `Lost-response ack ${RUN}`;

/** Flags of the patient carrying this acknowledgement note, and the Provenance of each (server side). */
async function recorded(request: APIRequestContext, note: string): Promise<{ flags: number; provenances: number } | string> {
  const r = await request.get(`/fhir/Flag?patient=${DEMO_PATIENT_AS}&_count=1000`);
  if (!r.ok()) return `HTTP ${r.status()}`; // the proxy may answer 429 while the page's live traffic is heavy
  const b = (await r.json()) as { entry?: { resource: { id: string; extension?: { valueString?: string }[] } }[] };
  const flags = (b.entry ?? []).filter((e) => (e.resource.extension ?? []).some((x) => x.valueString === note));
  if (flags.length === 0) return { flags: 0, provenances: 0 };
  const p = await request.get(`/fhir/Provenance?target=${flags.map((f) => `Flag/${f.resource.id}`).join(',')}`);
  if (!p.ok()) return `HTTP ${p.status()}`;
  return { flags: flags.length, provenances: ((await p.json()) as { entry?: unknown[] }).entry?.length ?? 0 };
}

/** How many alerts the pending acknowledgement covers ("2 alerts acknowledged by … Recorded in 4 s unless undone"). */
async function acknowledgedCount(page: Page): Promise<number> {
  const pending = page.getByRole('status').filter({ hasText: 'unless undone' });
  await expect(pending).toBeVisible();
  const m = /(\d+) alerts? acknowledged by/.exec((await pending.textContent()) ?? '');
  expect(m).not.toBeNull();
  return Number(m![1]);
}

async function raiseAlarm(request: APIRequestContext, origin: string, sbpMmHg: number): Promise<void> {
  const res = await request.post('/fhir/Observation', {
    headers: { 'Content-Type': 'application/fhir+json', Origin: origin },
    data: {
      resourceType: 'Observation',
      status: 'final',
      category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }] }],
      code: { coding: [{ system: 'http://loinc.org', code: '8480-6', display: 'Systolic blood pressure' }] },
      subject: { reference: `Patient/${DEMO_PATIENT_AS}` },
      effectiveDateTime: new Date().toISOString(),
      valueQuantity: { value: sbpMmHg, unit: 'mmHg', system: 'http://unitsofmeasure.org', code: 'mm[Hg]' },
    },
  });
  expect(res.status()).toBe(201);
}

test('offline outbox: an acknowledgement made offline is queued, named, and replayed exactly once', async ({ page, context, signInAs }, testInfo) => {
  test.setTimeout(480_000); // generous: on a shared 2-core machine the Twin tab renders slowly
  await signInAs('clinician');
  const twin = new TwinPage(page);
  await twin.goto(DEMO_PATIENT_AS);
  await twin.waitForForecast();
  const origin = new URL(page.url()).origin;

  // 1. An alarm, acknowledged with a note while the network is down (cut before Confirm, so the
  // e2e bundle's short undo window can never end first on a busy machine).
  await raiseAlarm(page.request, origin, 251);
  const alarm = page.getByRole('alert', { name: /(Advisory|Warning|Critical) alarm/ });
  await expect(alarm).toContainText('SBP 251 mmHg', { timeout: loadScaledTimeoutMs(60_000) });
  await alarm.getByRole('button', { name: 'Acknowledge…' }).click();
  await page.getByLabel('Note (optional)').fill(NOTE_OFFLINE);
  await context.setOffline(true);
  await page.getByRole('button', { name: 'Confirm acknowledgement' }).click();
  // Every open alert is acknowledged at once (the monitor feed may have raised others): one write each.
  const n1 = await acknowledgedCount(page);
  // After the undo window the write fails to reach the server and waits in the outbox.
  await expect(page.getByRole('status').filter({ hasText: 'waiting in the outbox' })).toBeVisible({ timeout: loadScaledTimeoutMs(60_000) });
  const outbox = page.getByRole('status', { name: 'Outbox' });
  await expect(outbox).toHaveAttribute('data-pending', String(n1));
  await expect(outbox).toContainText(n1 === 1 ? '1 write waits to be sent' : `${n1} writes wait to be sent`);
  await expect(page.getByRole('alert').filter({ hasText: 'Offline: the Twinscope server cannot be reached.' })).toBeVisible();
  await savePicture(page, testInfo, 'src/views/twin/images/twin-offline-outbox.png');
  expect(await recorded(page.request, NOTE_OFFLINE)).toEqual({ flags: 0, provenances: 0 });

  // 2. The network returns and the page is reloaded at once: the replay comes from IndexedDB.
  await context.setOffline(false);
  await page.reload();
  await expect.poll(() => recorded(page.request, NOTE_OFFLINE), { timeout: loadScaledTimeoutMs(60_000) }).toEqual({ flags: n1, provenances: n1 });
  await expect(page.getByRole('status', { name: 'Outbox' })).toHaveCount(0, { timeout: loadScaledTimeoutMs(30_000) });
  // A second reload replays nothing more.
  await page.reload();
  await twin.waitForForecast();
  expect(await recorded(page.request, NOTE_OFFLINE)).toEqual({ flags: n1, provenances: n1 });

  // 3. A response lost on the way back: the server stores the write, the browser sees a network error.
  await raiseAlarm(page.request, origin, 252);
  await expect(alarm).toContainText('SBP 252 mmHg', { timeout: loadScaledTimeoutMs(60_000) });
  let lost = 0;
  await page.route('**/fhir', async (route) => {
    if (route.request().method() === 'POST' && lost === 0 && (route.request().postData() ?? '').includes(NOTE_LOST)) {
      lost++;
      await route.fetch(); // reaches the server, which stores the Flag and its Provenance
      return route.abort('connectionreset');
    }
    return route.continue();
  });
  await alarm.getByRole('button', { name: 'Acknowledge…' }).click();
  await page.getByLabel('Note (optional)').fill(NOTE_LOST);
  await page.getByRole('button', { name: 'Confirm acknowledgement' }).click();
  const n3 = await acknowledgedCount(page);
  await expect.poll(() => lost, { timeout: loadScaledTimeoutMs(60_000) }).toBe(1);
  await expect(page.getByRole('status').filter({ hasText: 'waiting in the outbox' })).toBeVisible({ timeout: loadScaledTimeoutMs(30_000) });
  await expect.poll(() => recorded(page.request, NOTE_LOST), { timeout: loadScaledTimeoutMs(30_000) }).toEqual({ flags: n3, provenances: n3 });
  // The browser queued it; the banner's health check finds the server and the outbox replays it.
  await expect(page.getByRole('status', { name: 'Outbox' })).toHaveCount(0, { timeout: loadScaledTimeoutMs(60_000) });
  await page.unroute('**/fhir');
  await page.reload();
  await twin.waitForForecast();
  expect(await recorded(page.request, NOTE_LOST)).toEqual({ flags: n3, provenances: n3 });
  expect(await recorded(page.request, NOTE_OFFLINE)).toEqual({ flags: n1, provenances: n1 });
});
