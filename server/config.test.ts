import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, isLoopbackHost, loadConfig } from './config';

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'twin-config-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) {
    rmSync(d, { recursive: true, force: true });
  }
});

function configError(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err.message;
    throw err;
  }
  throw new Error('expected ConfigError');
}

describe('configuration', () => {
  it('TWIN_AUDIT_THREAD: on unless 0/false; anything else is refused by name', () => {
    const dir = tempDir();
    expect(loadConfig({ TWIN_DATA_DIR: dir, TWIN_AUDIT_THREAD: '0' }, '/srv/app').auditThread).toBe(false);
    expect(loadConfig({ TWIN_DATA_DIR: dir, TWIN_AUDIT_THREAD: '1' }, '/srv/app').auditThread).toBe(true);
    expect(configError(() => loadConfig({ TWIN_DATA_DIR: dir, TWIN_AUDIT_THREAD: 'maybe' }, '/srv/app'))).toMatch(/TWIN_AUDIT_THREAD must be 1 or 0/);
  });


  it('has the documented defaults', () => {
    const dir = tempDir();
    const c = loadConfig({ TWIN_DATA_DIR: dir }, '/srv/app');
    expect(c).toMatchObject({
      port: 8080,
      host: '127.0.0.1',
      dataDir: dir,
      demoPassword: 'twinscope-demo',
      demoMode: true,
      fhirUpstream: null,
      dicomwebUpstreamUrl: null,
      auditThread: true,
      staticDir: '/srv/app/dist',
      trustProxy: false,
    });
  });

  it('resolves a relative data dir against the working directory', () => {
    const cwd = tempDir();
    expect(loadConfig({ TWIN_DATA_DIR: 'data' }, cwd).dataDir).toBe(join(cwd, 'data'));
  });

  it('generates a session secret once, mode 0600, and reuses it', () => {
    const dir = tempDir();
    const a = loadConfig({ TWIN_DATA_DIR: dir });
    const b = loadConfig({ TWIN_DATA_DIR: dir });
    expect(a.sessionSecret).toBe(b.sessionSecret);
    expect(a.sessionSecret.length).toBeGreaterThanOrEqual(32);
    expect(statSync(join(dir, 'session-secret')).mode & 0o777).toBe(0o600);
    expect(loadConfig({ TWIN_DATA_DIR: dir, TWIN_SESSION_SECRET: 'x'.repeat(40) }).sessionSecret).toBe('x'.repeat(40));
  });

  it('names the bad setting', () => {
    const dir = tempDir();
    expect(configError(() => loadConfig({ TWIN_DATA_DIR: dir, PORT: 'eighty' }))).toMatch(/^PORT must be a whole number/);
    expect(configError(() => loadConfig({ TWIN_DATA_DIR: dir, PORT: '70000' }))).toMatch(/^PORT must be between/);
    expect(configError(() => loadConfig({ TWIN_DATA_DIR: dir, FHIR_UPSTREAM_URL: 'ftp://x' }))).toMatch(/FHIR_UPSTREAM_URL must use http/);
    expect(configError(() => loadConfig({ TWIN_DATA_DIR: dir, FHIR_UPSTREAM_URL: 'not a url' }))).toMatch(/FHIR_UPSTREAM_URL must be an absolute/);
    expect(configError(() => loadConfig({ TWIN_DATA_DIR: dir, TWIN_ALLOW_DEMO_ON_NETWORK: 'maybe' }))).toMatch(/TWIN_ALLOW_DEMO_ON_NETWORK must be 1 or 0/);
    expect(configError(() => loadConfig({ TWIN_DATA_DIR: dir, TWIN_SESSION_SECRET: 'short' }))).toMatch(/TWIN_SESSION_SECRET must be at least 32/);
    expect(configError(() => loadConfig({ TWIN_DATA_DIR: dir, TWIN_FEED_INTERVAL_MS: '1.5' }))).toMatch(/TWIN_FEED_INTERVAL_MS/);
    expect(configError(() => loadConfig({ TWIN_DATA_DIR: dir, FHIR_UPSTREAM_URL: 'http://x', FHIR_UPSTREAM_CLIENT_ID: 'a' }))).toMatch(/need all of FHIR_UPSTREAM_TOKEN_URL/);
    expect(configError(() => loadConfig({ TWIN_DATA_DIR: dir, TWIN_ADMIN_USERNAME: 'root' }))).toMatch(/both TWIN_ADMIN_USERNAME and TWIN_ADMIN_PASSWORD/);
    expect(configError(() => loadConfig({ TWIN_DATA_DIR: dir, TWIN_ADMIN_USERNAME: 'root', TWIN_ADMIN_PASSWORD: 'short' }))).toMatch(/TWIN_ADMIN_PASSWORD must be at least 12/);
    expect(loadConfig({ TWIN_DATA_DIR: dir, TWIN_ADMIN_USERNAME: 'Root', TWIN_ADMIN_PASSWORD: 'long-enough-pass' }).bootstrapAdmin).toEqual({ username: 'root', password: 'long-enough-pass' });
  });

  it('refuses demo sign-ins on a network-reachable host unless explicitly allowed', () => {
    const dir = tempDir();
    expect(configError(() => loadConfig({ TWIN_DATA_DIR: dir, HOST: '0.0.0.0' }))).toMatch(/refusing to start the demo sign-ins on HOST=0.0.0.0/);
    expect(loadConfig({ TWIN_DATA_DIR: dir, HOST: '0.0.0.0', TWIN_ALLOW_DEMO_ON_NETWORK: '1' }).host).toBe('0.0.0.0');
    // With an upstream there are no demo users, so any host is fine.
    const up = loadConfig({ TWIN_DATA_DIR: dir, HOST: '0.0.0.0', FHIR_UPSTREAM_URL: 'https://fhir.example.org/r4/', FHIR_UPSTREAM_TOKEN: 't' });
    expect(up).toMatchObject({ demoMode: false, fhirUpstream: { url: 'https://fhir.example.org/r4', token: 't' } });
    expect(['127.0.0.1', 'localhost', '::1', '[::1]', '127.0.1.1'].every(isLoopbackHost)).toBe(true);
    expect(['0.0.0.0', '10.0.0.1', 'example.org', '::'].some(isLoopbackHost)).toBe(false);
  });

  it('reports an unusable data directory with the path, and changes nothing there', () => {
    // A regular file where the folder should be: fails for root too (permission bits would not).
    const dir = tempDir();
    const file = join(dir, 'not-a-dir');
    writeFileSync(file, 'keep me');
    expect(configError(() => loadConfig({ TWIN_DATA_DIR: file }))).toMatch(new RegExp(`the data directory ${file} is not writable \\((EEXIST|ENOTDIR)\\); set TWIN_DATA_DIR`));
    expect(readFileSync(file, 'utf8')).toBe('keep me');
  });
});
