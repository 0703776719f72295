import { defineConfig } from '@playwright/test';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadScaledTimeoutMs } from './test-support/load';

// End-to-end tests run against the production build served by the real server, with a fresh
// embedded data directory per run, in Debian's Chromium (Playwright cannot download its own here).
const port = Number(process.env.E2E_PORT ?? 8181);
const dataDir = process.env.E2E_DATA_DIR ?? mkdtempSync(join(tmpdir(), 'twinscope-e2e-'));
process.env.E2E_DATA_DIR = dataDir;
// The suite's own bundle (Vite mode `e2e`, scripts/bootstrap.mjs `build-e2e`): the product's but for
// the Twin tab's acknowledgement undo window (src/views/twin/ackUndo.ts, 4 s instead of 10 s). Set
// here so that a spec starting its own server (liver-real-ct.spec.ts) serves the same bundle.
process.env.TWIN_STATIC_DIR = 'dist-e2e';

export default defineConfig({
  testDir: 'e2e',
  testMatch: '**/*.spec.ts',
  fullyParallel: false,
  workers: 1,
  retries: process.env.CI ? 1 : 0,
  timeout: 90_000,
  // Per-test timeouts are stretched by the load factor at each test's start (e2e/fixtures.ts);
  // assertion and server start-up waits by the load factor when the run starts.
  expect: { timeout: loadScaledTimeoutMs(15_000) },
  reporter: [['list']],
  outputDir: 'test-results',
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    viewport: { width: 1440, height: 900 },
    colorScheme: 'dark',
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--use-angle=swiftshader',
        '--enable-unsafe-swiftshader',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    },
  },
  webServer: {
    // Rebuilds dist-e2e/ first when a source is newer than it (a no-op after `npm test`'s build step).
    command: 'node scripts/bootstrap.mjs build-e2e && node --import tsx server/main.ts',
    url: `http://127.0.0.1:${port}/healthz`,
    reuseExistingServer: false,
    timeout: loadScaledTimeoutMs(120_000),
    stdout: 'pipe',
    stderr: 'pipe',
    env: {
      PORT: String(port),
      HOST: '127.0.0.1',
      TWIN_DATA_DIR: dataDir,
      TWIN_STATIC_DIR: 'dist-e2e',
      // The demo monitor feed at the production default (5 s). At 1.5 s it wrote ~5 Observations (and
      // their audit events) every 1.5 s for the whole run — ~5,000 by the last spec — load the server
      // carried during every spec and data each later Twin tab loaded and assimilated; the waits on the
      // feed (e2e/twin.spec.ts, live-audit.spec.ts, clinical-views.spec.ts) are load-scaled and outlast one interval.
      TWIN_FEED_INTERVAL_MS: '5000',
      NODE_ENV: 'production',
      // The anatomy e2e checks volumes against the liver phantom's ground truth.
      TWIN_DEMO_LIVER_CT: 'phantom',
    },
  },
});
