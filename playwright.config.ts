import { defineConfig } from '@playwright/test';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadScaledTimeoutMs } from './test-support/load';
import { E2E_WORKERS, serverPort, serverURL } from './e2e/servers';

// End-to-end tests run against the production build served by the real server, with a fresh
// embedded data directory per run, in Debian's Chromium (Playwright cannot download its own here).
// One server per worker (e2e/servers.ts), each with its own data folder under dataDir.
const dataDir = process.env.E2E_DATA_DIR ?? mkdtempSync(join(tmpdir(), 'twinscope-e2e-'));
process.env.E2E_DATA_DIR = dataDir;
// The suite's own bundle (Vite mode `e2e`, scripts/bootstrap.mjs `build-e2e`): the product's but for
// the Twin tab's acknowledgement undo window (src/views/twin/ackUndo.ts, 4 s instead of 10 s). Set
// here so that a spec starting its own server (liver-real-ct.spec.ts) serves the same bundle.
process.env.TWIN_STATIC_DIR = 'dist-e2e';

export default defineConfig({
  testDir: 'e2e',
  testMatch: '**/*.spec.ts',
  // Files are shared out between the workers; the tests of a file run in order in one worker.
  fullyParallel: false,
  workers: E2E_WORKERS,
  retries: process.env.CI ? 1 : 0,
  timeout: 90_000,
  // Per-test timeouts are stretched by the load factor at each test's start (e2e/fixtures.ts);
  // assertion and server start-up waits by the load factor when the run starts.
  expect: { timeout: loadScaledTimeoutMs(15_000) },
  reporter: [['list']],
  outputDir: 'test-results',
  use: {
    // Worker 0's server; e2e/fixtures.ts gives each test its own worker's server.
    baseURL: serverURL(0),
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
  webServer: Array.from({ length: E2E_WORKERS }, (_, i) => {
    const serverDataDir = join(dataDir, `server-${i}`);
    mkdirSync(serverDataDir, { recursive: true });
    return {
      // The first rebuilds dist-e2e/ when a source is newer than it (a no-op after `npm test`'s build
      // step); the servers start one after the other, so the others serve the finished bundle.
      command: `${i === 0 ? 'node scripts/bootstrap.mjs build-e2e && ' : ''}node --import tsx server/main.ts`,
      url: `${serverURL(i)}/healthz`,
      reuseExistingServer: false,
      timeout: loadScaledTimeoutMs(120_000),
      stdout: 'pipe' as const,
      stderr: 'pipe' as const,
      env: {
        PORT: String(serverPort(i)),
        HOST: '127.0.0.1',
        TWIN_DATA_DIR: serverDataDir,
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
    };
  }),
});
