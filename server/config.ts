// Environment → typed configuration. Every value is validated here, once, so the rest of the
// server never reads process.env and a bad setting stops the start with a message naming it.
import { passwordPolicyProblem } from './auth/passwords';
import { normaliseUsername } from './auth/users';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export interface UpstreamFhirConfig {
  url: string;
  /** Static bearer token for the upstream, when it uses one. */
  token?: string;
  /** OAuth2 client-credentials grant, when the upstream uses it instead of a static token. */
  clientCredentials?: { tokenUrl: string; clientId: string; clientSecret: string; scope?: string };
}

export interface ServerConfig {
  port: number;
  host: string;
  /** Absolute path of the durable data directory (SQLite store, audit log, session secret). */
  dataDir: string;
  demoPassword: string;
  allowDemoOnNetwork: boolean;
  /** Secret used to sign session tokens; shared by every replica behind a load balancer. */
  sessionSecret: string;
  /** True when the secret came from TWIN_SESSION_SECRET rather than the data directory. */
  sessionSecretFromEnv: boolean;
  sessionTtlSec: number;
  fhirUpstream: UpstreamFhirConfig | null;
  /** Upstream mode: how long to wait for the FHIR upstream before answering 504 (FHIR_UPSTREAM_TIMEOUT_MS). */
  fhirUpstreamTimeoutMs: number;
  /** Upstream mode: how often subscribed patients are polled for changes (FHIR_UPSTREAM_POLL_MS). */
  fhirUpstreamPollMs: number;
  dicomwebUpstreamUrl: string | null;
  feedIntervalMs: number;
  /** audit.log (and the embedded AuditEvents) written by the audit worker thread (TWIN_AUDIT_THREAD, default on) or on the event loop. */
  auditThread: boolean;
  /** Absolute path of the built SPA. */
  staticDir: string;
  /** Trust X-Forwarded-* from a TLS-terminating proxy (sets Secure cookies for https). */
  trustProxy: boolean;
  /**
   * The origin clients reach this server at (TWIN_PUBLIC_BASE_URL, e.g. https://twin.example.org),
   * used for Location, fullUrl and paging links. Null: the address the connection arrived on
   * (never the client's Host header, which anyone can set).
   */
  publicBaseUrl: string | null;
  /** Demo users and seeded patients exist only in the embedded mode (no FHIR upstream). */
  demoMode: boolean;
  /** Seed the demo record (FHIR and imaging) into an empty store in demo mode (TWIN_SEED_DEMO, default 1). */
  seedDemo: boolean;
  /** Largest accepted request body, in bytes. */
  bodyLimitBytes: number;
  /** First administrator, created at start when that username does not exist (TWIN_ADMIN_USERNAME/PASSWORD). */
  bootstrapAdmin: { username: string; password: string } | null;
}

type Env = Record<string, string | undefined>;

function parsePort(env: Env): number {
  const raw = env.PORT?.trim();
  if (raw === undefined || raw === '') return 8080;
  if (!/^\d+$/.test(raw)) throw new ConfigError(`PORT must be a whole number between 0 and 65535, got "${raw}"`);
  const port = Number(raw);
  if (port > 65535) throw new ConfigError(`PORT must be between 0 and 65535, got ${port}`);
  return port;
}

function parseBool(env: Env, name: string): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === '' || raw === '0' || raw === 'false' || raw === 'no') return false;
  if (raw === '1' || raw === 'true' || raw === 'yes') return true;
  throw new ConfigError(`${name} must be 1 or 0 (true/false), got "${env[name] ?? ''}"`);
}

function parsePositiveInt(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(`${name} must be a whole number, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max) throw new ConfigError(`${name} must be between ${min} and ${max}, got ${value}`);
  return value;
}

function parseHttpUrl(env: Env, name: string): string | null {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return null;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`${name} must be an absolute http(s) URL, got "${raw}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(`${name} must use http or https, got "${url.protocol}"`);
  }
  return raw.replace(/\/+$/, '');
}

function parseHost(env: Env): string {
  const host = env.HOST?.trim() || '127.0.0.1';
  if (!/^[A-Za-z0-9.:\-[\]]+$/.test(host)) throw new ConfigError(`HOST must be a host name or IP address, got "${host}"`);
  return host;
}

/** True for addresses that only this machine can reach. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
}

function parseUpstream(env: Env): UpstreamFhirConfig | null {
  const url = parseHttpUrl(env, 'FHIR_UPSTREAM_URL');
  if (!url) return null;
  const upstream: UpstreamFhirConfig = { url };
  const token = env.FHIR_UPSTREAM_TOKEN?.trim();
  if (token) upstream.token = token;
  const tokenUrl = parseHttpUrl(env, 'FHIR_UPSTREAM_TOKEN_URL');
  const clientId = env.FHIR_UPSTREAM_CLIENT_ID?.trim();
  const clientSecret = env.FHIR_UPSTREAM_CLIENT_SECRET?.trim();
  if (tokenUrl || clientId || clientSecret) {
    if (!tokenUrl || !clientId || !clientSecret) {
      throw new ConfigError(
        'client-credentials for the FHIR upstream need all of FHIR_UPSTREAM_TOKEN_URL, FHIR_UPSTREAM_CLIENT_ID and FHIR_UPSTREAM_CLIENT_SECRET',
      );
    }
    if (token) throw new ConfigError('set either FHIR_UPSTREAM_TOKEN or the client-credentials variables, not both');
    const scope = env.FHIR_UPSTREAM_SCOPE?.trim();
    upstream.clientCredentials = { tokenUrl, clientId, clientSecret, ...(scope ? { scope } : {}) };
  }
  return upstream;
}

/**
 * Ensures the data directory exists and is writable. Throws ConfigError with the path and the
 * fix; never deletes or rewrites anything that is there.
 */
export function ensureDataDir(dataDir: string): void {
  try {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    // It holds PHI (the store, the audit log, DICOM files): only the server's own user may enter.
    chmodSync(dataDir, 0o700);
    const probe = join(dataDir, `.write-probe-${process.pid}`);
    writeFileSync(probe, '');
    // Remove only the probe file this process just created.
    rmSync(probe, { force: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new ConfigError(
      `the data directory ${dataDir} is not writable (${code}); set TWIN_DATA_DIR to a writable folder or fix its permissions`,
    );
  }
}

/** Reads the persisted session secret, creating it (mode 0600) on first start. */
function loadOrCreateSessionSecret(dataDir: string): string {
  const file = join(dataDir, 'session-secret');
  if (existsSync(file)) {
    const secret = readFileSync(file, 'utf8').trim();
    if (secret.length < 32) {
      throw new ConfigError(`${file} holds a session secret shorter than 32 characters; fix or remove that file yourself`);
    }
    return secret;
  }
  const secret = randomBytes(32).toString('base64url');
  writeFileSync(file, secret + '\n', { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600);
  return secret;
}

/**
 * Builds the configuration from an environment. Creates the data directory and the session
 * secret file when missing (the only side effects).
 */
export function loadConfig(env: Env = process.env, cwd: string = process.cwd()): ServerConfig {
  const port = parsePort(env);
  const host = parseHost(env);
  const dataDirRaw = env.TWIN_DATA_DIR?.trim() || './.twin-data';
  const dataDir = isAbsolute(dataDirRaw) ? dataDirRaw : resolve(cwd, dataDirRaw);
  const staticRaw = env.TWIN_STATIC_DIR?.trim() || 'dist';
  const staticDir = isAbsolute(staticRaw) ? staticRaw : resolve(cwd, staticRaw);
  const demoPassword = env.TWIN_DEMO_PASSWORD ?? 'twinscope-demo';
  if (demoPassword.length < 8) throw new ConfigError('TWIN_DEMO_PASSWORD must be at least 8 characters');
  const allowDemoOnNetwork = parseBool(env, 'TWIN_ALLOW_DEMO_ON_NETWORK');
  const trustProxy = parseBool(env, 'TWIN_TRUST_PROXY');
  const auditThread = env.TWIN_AUDIT_THREAD === undefined || env.TWIN_AUDIT_THREAD === '' ? true : parseBool(env, 'TWIN_AUDIT_THREAD');
  const publicBaseUrl = parseHttpUrl(env, 'TWIN_PUBLIC_BASE_URL');
  if (publicBaseUrl !== null && /[?#]/.test(publicBaseUrl)) throw new ConfigError('TWIN_PUBLIC_BASE_URL must be an origin with an optional path, without query or fragment');
  const fhirUpstream = parseUpstream(env);
  const dicomwebUpstreamUrl = parseHttpUrl(env, 'DICOMWEB_UPSTREAM_URL');
  const feedIntervalMs = parsePositiveInt(env, 'TWIN_FEED_INTERVAL_MS', 5000, 0, 3_600_000);
  const fhirUpstreamTimeoutMs = parsePositiveInt(env, 'FHIR_UPSTREAM_TIMEOUT_MS', 10_000, 100, 600_000);
  const fhirUpstreamPollMs = parsePositiveInt(env, 'FHIR_UPSTREAM_POLL_MS', 5000, 250, 3_600_000);
  const sessionTtlSec = parsePositiveInt(env, 'TWIN_SESSION_TTL_SEC', 8 * 3600, 60, 30 * 24 * 3600);
  const bodyLimitBytes = parsePositiveInt(env, 'TWIN_BODY_LIMIT_BYTES', 10 * 1024 * 1024, 1024, 512 * 1024 * 1024);
  const demoMode = fhirUpstream === null;
  const adminUser = env.TWIN_ADMIN_USERNAME?.trim();
  const adminPassword = env.TWIN_ADMIN_PASSWORD;
  if (Boolean(adminUser) !== Boolean(adminPassword)) throw new ConfigError('set both TWIN_ADMIN_USERNAME and TWIN_ADMIN_PASSWORD, or neither');
  if (adminPassword !== undefined && adminPassword !== '') {
    const problem = passwordPolicyProblem(adminPassword, adminUser);
    if (problem) throw new ConfigError(`TWIN_ADMIN_PASSWORD ${problem.replace(/^the password /, '')}`);
  }
  const bootstrapAdmin = adminUser && adminPassword ? { username: normaliseUsername(adminUser), password: adminPassword } : null;
  const seedDemo = env.TWIN_SEED_DEMO === undefined || env.TWIN_SEED_DEMO.trim() === '' ? true : parseBool(env, 'TWIN_SEED_DEMO');

  if (demoMode && !isLoopbackHost(host) && !allowDemoOnNetwork) {
    throw new ConfigError(
      `refusing to start the demo sign-ins on HOST=${host}, which other machines can reach; use HOST=127.0.0.1, configure FHIR_UPSTREAM_URL, or set TWIN_ALLOW_DEMO_ON_NETWORK=1 if you really want shared demo passwords on the network`,
    );
  }

  ensureDataDir(dataDir);
  const envSecret = env.TWIN_SESSION_SECRET?.trim();
  if (envSecret !== undefined && envSecret !== '' && envSecret.length < 32) {
    throw new ConfigError('TWIN_SESSION_SECRET must be at least 32 characters');
  }
  const sessionSecret = envSecret ? envSecret : loadOrCreateSessionSecret(dataDir);

  return {
    port,
    host,
    dataDir,
    demoPassword,
    allowDemoOnNetwork,
    sessionSecret,
    sessionSecretFromEnv: Boolean(envSecret),
    sessionTtlSec,
    fhirUpstream,
    fhirUpstreamTimeoutMs,
    fhirUpstreamPollMs,
    dicomwebUpstreamUrl,
    feedIntervalMs,
    auditThread,
    staticDir,
    trustProxy,
    publicBaseUrl,
    demoMode,
    seedDemo,
    bodyLimitBytes,
    bootstrapAdmin,
  };
}
