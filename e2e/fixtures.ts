// Shared e2e fixtures. Sign-in through the form is tested in foundation.spec.ts; other tests get
// their session from one API sign-in per role and server, cached for the run, so the suite stays under the
// server's sign-in rate limit (10 per user per minute) and fast.
import { expect, request, test as base, type BrowserContext, type Page } from '@playwright/test';
import type { Role } from '../core/contracts';
import { loadScaledTimeoutMs } from '../test-support/load';
import { serverURL } from './servers';

export const DEMO_PASSWORD = process.env.TWIN_DEMO_PASSWORD ?? 'twinscope-demo';

type Cookies = Parameters<BrowserContext['addCookies']>[0];
/** Sessions by server and role (`${baseURL} ${role}`): each server has its own sessions. */
const sessions = new Map<string, Promise<Cookies>>();

async function cookiesFor(baseURL: string, role: Role): Promise<Cookies> {
  const api = await request.newContext({ baseURL });
  try {
    const res = await api.post('/auth/login', { data: { username: role, password: DEMO_PASSWORD } });
    if (!res.ok()) throw new Error(`API sign-in as ${role} failed: HTTP ${res.status()} ${await res.text()}`);
    return (await api.storageState()).cookies;
  } finally {
    await api.dispose();
  }
}

/**
 * The cookies of the run's one API sign-in as `role` (cached): for a describe that shares one page
 * between its tests and so creates its context in `beforeAll`, where the `signInAs` fixture is not available.
 */
export function sessionCookies(baseURL: string, role: Role): Promise<Cookies> {
  const key = `${baseURL} ${role}`;
  let cookies = sessions.get(key);
  if (!cookies) {
    cookies = cookiesFor(baseURL, role);
    sessions.set(key, cookies);
  }
  return cookies;
}

export const test = base.extend<{ signInAs: (role: Role) => Promise<void>; loadScaledTimeout: void }, { workerServerURL: string }>({
  // This worker's own server (e2e/servers.ts): worker-scoped, so a `beforeAll` that builds its own
  // context (a describe sharing one page) reaches the same server as the tests' `baseURL`.
  workerServerURL: [
    // eslint-disable-next-line no-empty-pattern
    async ({}, provide, workerInfo) => {
      await provide(serverURL(workerInfo.parallelIndex));
    },
    { scope: 'worker' },
  ],
  // Every test talks to its worker's server; a file may still point its tests elsewhere with
  // `test.use({ baseURL })` (liver-real-ct.spec.ts, its own server).
  baseURL: async ({ workerServerURL }, provide) => {
    await provide(workerServerURL);
  },
  // Every test's timeout is what it needs on an idle machine × the load factor measured as it
  // starts (test-support/load.ts): a suite run next to other work on two busy cores stretches its
  // timeouts instead of failing, and stays strict on an idle machine.
  loadScaledTimeout: [
    // Playwright reads a fixture's dependencies from this pattern; this one has none.
    // eslint-disable-next-line no-empty-pattern
    async ({}, provide, testInfo) => {
      testInfo.setTimeout(loadScaledTimeoutMs(testInfo.timeout));
      await provide();
    },
    { auto: true },
  ],
  signInAs: async ({ context, baseURL }, provide) => {
    await provide(async (role) => {
      if (!baseURL) throw new Error('baseURL is not configured');
      await context.addCookies(await sessionCookies(baseURL, role));
    });
  },
});

export { expect };

/**
 * Posts a systolic blood pressure reading (LOINC 8480-6, mmHg, now) to the record as the signed-in
 * user, the way a bedside gateway does: out of the twin's band it raises the alarm. A
 * cookie-authenticated write must say where it comes from (the server refuses a write without
 * Origin or Sec-Fetch-Site as cross-site), as the browser does for the app's own fetches.
 * Resolves with the created Observation's id; fails the test on any other answer than 201.
 */
export async function postSystolicReading(page: Page, patientId: string, mmHg: number): Promise<string> {
  const res = await page.request.post('/fhir/Observation', {
    headers: { 'Content-Type': 'application/fhir+json', Origin: new URL(page.url()).origin },
    data: {
      resourceType: 'Observation',
      status: 'final',
      category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }] }],
      code: { coding: [{ system: 'http://loinc.org', code: '8480-6', display: 'Systolic blood pressure' }] },
      subject: { reference: `Patient/${patientId}` },
      effectiveDateTime: new Date().toISOString(),
      valueQuantity: { value: mmHg, unit: 'mmHg', system: 'http://unitsofmeasure.org', code: 'mm[Hg]' },
    },
  });
  expect(res.status(), await res.text()).toBe(201);
  return ((await res.json()) as { id: string }).id;
}
