// The bench server's life and the load it is put under, shared by `proxy` and `store`: the server
// runs as its own process (bench/proxy-server.ts: the full proxy and, on a second port, the same
// store with no checks), so this process only generates load and its CPU is not counted.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/** The demo password the bench server is started with (demo sign-ins, loopback only). */
export const BENCH_PASSWORD = 'bench-password';

export interface BenchServer {
  proc: ChildProcess;
  /** The full proxy: sign-in, roles, consent, audit. */
  proxyPort: number;
  /** The same store answering directly: the peer the proxy is measured against. */
  directPort: number;
  pid: number;
  /** Spawn to the ready line (FHIR definitions, store open, app built), ms. */
  startupMs: number;
}

/** Starts bench/proxy-server.ts on `dataDir` and resolves when it prints its ports (its ready line). */
export async function startBenchServer(dataDir: string): Promise<BenchServer> {
  const t0 = performance.now();
  const proc = spawn(process.execPath, ['--import', 'tsx', join(here, 'proxy-server.ts')], {
    env: { ...process.env, TWIN_DATA_DIR: dataDir, TWIN_DEMO_PASSWORD: BENCH_PASSWORD, TWIN_FEED_INTERVAL_MS: '0', TWIN_STATIC_DIR: join(dataDir, 'none'), NODE_ENV: 'production' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const line = await new Promise<string>((resolve, reject) => {
    let out = '';
    proc.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const nl = out.indexOf('\n');
      if (nl >= 0) resolve(out.slice(0, nl));
    });
    proc.once('exit', (code) => reject(new Error(`bench server exited with ${code} before it was ready`)));
  });
  const startupMs = performance.now() - t0;
  return { proc, ...(JSON.parse(line) as { proxyPort: number; directPort: number; pid: number }), startupMs };
}

/** SIGTERM, resolved when the process has exited (its store closed). */
export async function stopBenchServer(s: BenchServer): Promise<void> {
  if (s.proc.exitCode !== null || s.proc.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => s.proc.once('exit', () => resolve()));
  s.proc.kill('SIGTERM');
  await exited;
}

/**
 * Waits for the server's background work after start — the demo imaging, the full integrity
 * check of the store file, a search index build — so that a load phase measures requests only.
 * Returns how long it waited (ms).
 */
export async function waitForIdleServer(port: number, timeoutMs = 600_000): Promise<number> {
  const t0 = Date.now();
  while (Date.now() - t0 < timeoutMs) {
    const health = (await (await fetch(`http://127.0.0.1:${port}/healthz`)).json()) as { fhir?: { detail?: string }; dicom?: { demoImaging?: string } };
    const state = health.dicom?.demoImaging;
    const imagingDone = state === undefined || state === 'done' || state === 'failed';
    const storeDone = !/running|being built/.test(health.fhir?.detail ?? '');
    if (imagingDone && storeDone) return Date.now() - t0;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`the bench server did not finish its start-up work (demo imaging, integrity check, index build) within ${timeoutMs / 1000} s`);
}

/** Signs in as the demo clinician; the bearer token. */
export async function benchLogin(port: number): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${port}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'clinician', password: BENCH_PASSWORD }) });
  if (res.status !== 200) throw new Error(`bench login failed: ${res.status}`);
  return ((await res.json()) as { token: string }).token;
}

/** One request on a keep-alive agent (POST when `body` is given); its status, the body discarded. */
function request(agent: http.Agent, port: number, path: string, token?: string, body?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
    if (body) headers['content-type'] = 'application/fhir+json';
    const req = http.request({ host: '127.0.0.1', port, path, agent, method: body ? 'POST' : 'GET', headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

export interface LoadResult {
  rps: number;
  /** Per-request latencies, sorted ascending, ms. */
  latenciesMs: number[];
  /** Answers outside 2xx, and requests that got none. */
  errors: number;
  requests: number;
}

/**
 * `connections` closed loops on keep-alive connections for `seconds`, after one warm-up request each
 * (connections open, JIT and caches warm). `next(i)` names the i-th request.
 */
export async function closedLoopLoad(port: number, token: string | undefined, connections: number, seconds: number, next: (i: number) => { path: string; body?: string }): Promise<LoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const latenciesMs: number[] = [];
  let errors = 0;
  let i = 0;
  // The warm-up is the load's own request, body included: a POST's warm-up sent without its body
  // was a GET of the whole type — a search over every Observation of the 1,000-patient fixture —
  // whose CPU the write phase then counted over its few POSTs (the "45 ms per write" of round 4).
  await Promise.all(
    Array.from({ length: connections }, () => {
      const w = next(i++);
      return request(agent, port, w.path, token, w.body);
    }),
  );
  const t0 = performance.now();
  const until = t0 + seconds * 1000;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (performance.now() < until) {
        const r = next(i++);
        const s = performance.now();
        const status = await request(agent, port, r.path, token, r.body).catch(() => 0);
        if (status < 200 || status >= 300) errors++;
        latenciesMs.push(performance.now() - s);
      }
    }),
  );
  const elapsedSec = (performance.now() - t0) / 1000;
  agent.destroy();
  latenciesMs.sort((a, b) => a - b);
  return { rps: latenciesMs.length / elapsedSec, latenciesMs, errors, requests: latenciesMs.length };
}

/** Resident memory of a process, MB (Linux /proc). */
export function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? round(Number(m[1]) / 1024, 1) : NaN;
}

/** The 1-minute load average and the core count: how loaded the machine was during the run. */
export function loadAverage(): string {
  return `${readFileSync('/proc/loadavg', 'utf8').split(' ')[0]} on ${availableParallelism()} cores`;
}

/** Nearest-rank percentile of an ascending list. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number;
}

export function round(x: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
