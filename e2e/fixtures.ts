// Shared e2e fixtures. Sign-in through the form is tested in foundation.spec.ts; other tests get
// their session from one API sign-in per role, cached for the run, so the suite stays under the
// server's sign-in rate limit (10 per user per minute) and fast.
import { request, test as base, type BrowserContext } from '@playwright/test';
import type { Role } from '../core/contracts';

export const DEMO_PASSWORD = process.env.TWIN_DEMO_PASSWORD ?? 'twinscope-demo';

type Cookies = Parameters<BrowserContext['addCookies']>[0];
const sessions = new Map<Role, Promise<Cookies>>();

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

export const test = base.extend<{ signInAs: (role: Role) => Promise<void> }>({
  signInAs: async ({ context, baseURL }, provide) => {
    await provide(async (role) => {
      if (!baseURL) throw new Error('baseURL is not configured');
      let cookies = sessions.get(role);
      if (!cookies) {
        cookies = cookiesFor(baseURL, role);
        sessions.set(role, cookies);
      }
      await context.addCookies(await cookies);
    });
  },
});

export { expect } from '@playwright/test';
