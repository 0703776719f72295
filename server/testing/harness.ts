// Test harness: a real server (buildApp) on an ephemeral port with its own temp data dir.
// Used by the *.int.test.ts files; never imported by production code.
import type { FastifyInstance } from 'fastify';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp, type AppOverrides } from '../app';
import { loadConfig, type ServerConfig } from '../config';
import { seedDemoData } from '../demo/seed';

export const DEMO_PASSWORD = 'twinscope-demo-test';

export interface TestServer {
  app: FastifyInstance;
  url: string;
  dataDir: string;
  config: ServerConfig;
  /** Signs in and returns the bearer token. */
  login(username: string, password?: string): Promise<string>;
  /** fetch against the server with an optional bearer token and JSON body. */
  request(path: string, init?: { method?: string; token?: string; body?: unknown; headers?: Record<string, string> }): Promise<Response>;
  close(options?: { keepData?: boolean }): Promise<void>;
}

export function makeTempDir(prefix = 'twinscope-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/**
 * Starts a server. By default it seeds only the demo FHIR record (not the demo imaging, whose
 * CT generation would compete for the CPU) and runs no monitor feed (TWIN_FEED_INTERVAL_MS=0),
 * so a test's requests are the only traffic.
 */
export async function startTestServer(
  options: { dataDir?: string; env?: Record<string, string>; overrides?: AppOverrides; seedFhirDemo?: boolean } = {},
): Promise<TestServer> {
  const dataDir = options.dataDir ?? makeTempDir();
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    TWIN_DATA_DIR: dataDir,
    TWIN_DEMO_PASSWORD: DEMO_PASSWORD,
    TWIN_STATIC_DIR: join(dataDir, 'no-static'),
    TWIN_FEED_INTERVAL_MS: '0',
    ...options.env,
  });
  const app = await buildApp(config, { seedDemo: false, ...options.overrides });
  if (options.seedFhirDemo !== false) await seedDemoData(app.twin.store);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const url = `http://127.0.0.1:${port}`;
  const request: TestServer['request'] = (path, init = {}) => {
    const headers: Record<string, string> = { ...init.headers };
    if (init.token) headers.authorization = `Bearer ${init.token}`;
    let body: string | undefined;
    if (init.body !== undefined) {
      body = typeof init.body === 'string' ? init.body : JSON.stringify(init.body);
      headers['content-type'] ??= 'application/fhir+json';
    }
    return fetch(url + path, { method: init.method ?? (body ? 'POST' : 'GET'), headers, ...(body !== undefined ? { body } : {}) });
  };
  const login = async (username: string, password = DEMO_PASSWORD): Promise<string> => {
    const res = await request('/auth/login', { method: 'POST', body: { username, password }, headers: { 'content-type': 'application/json' } });
    if (res.status !== 200) throw new Error(`login ${username} → ${res.status}`);
    return ((await res.json()) as { token: string }).token;
  };
  const close = async (closeOptions: { keepData?: boolean } = {}): Promise<void> => {
    await app.close();
    if (!closeOptions.keepData && !options.dataDir) rmSync(dataDir, { recursive: true, force: true });
  };
  return { app, url, dataDir, config, login, request, close };
}
