// Faults: restart, kill -9 after acknowledged writes, AuditEvent store outage, corrupt store
// file, port in use. The kill -9 and start-up failures run the real entry point
// (`node --import tsx server/main.ts`) as a child process.
import type { AuditEvent, Bundle, Observation } from '@medplum/fhirtypes';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { describeListenError } from './listen-errors';
import { DB_FILE_NAME } from './storage/database';
import { DEMO_PASSWORD, makeTempDir, startTestServer } from './testing/harness';

const ROOT = resolve(import.meta.dirname, '..');
const dirs: string[] = [];
const children: ChildProcess[] = [];

afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = makeTempDir('twinscope-durability-');
  dirs.push(d);
  return d;
}

interface Child {
  proc: ChildProcess;
  url: Promise<string>;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
}

function startMain(dataDir: string, env: Record<string, string> = {}): Child {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      PORT: '0',
      HOST: '127.0.0.1',
      TWIN_DATA_DIR: dataDir,
      TWIN_DEMO_PASSWORD: DEMO_PASSWORD,
      TWIN_SEED_DEMO: '0',
      TWIN_FEED_INTERVAL_MS: '0',
      TWIN_STATIC_DIR: join(dataDir, 'no-static'),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(proc);
  let stdout = '';
  let stderr = '';
  const url = new Promise<string>((resolveUrl, reject) => {
    proc.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const m = /running at (http:\/\/[^\s]+?)\/?\s/.exec(stdout);
      if (m?.[1]) resolveUrl(m[1]);
    });
    proc.on('exit', () => reject(new Error(`server exited before listening: ${stderr.slice(0, 500)}`)));
  });
  url.catch(() => undefined);
  proc.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((res) => {
    proc.on('exit', (code, signal) => res({ code, signal, stdout, stderr }));
  });
  return { proc, url, exit };
}

async function login(url: string, username = 'clinician'): Promise<string> {
  const res = await fetch(`${url}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password: DEMO_PASSWORD }) });
  expect(res.status).toBe(200);
  return ((await res.json()) as { token: string }).token;
}

function observation(i: number): Observation {
  return { resourceType: 'Observation', status: 'final', code: { text: `burst ${i}` }, subject: { reference: 'Patient/durability-test' }, valueQuantity: { value: 60 + i, unit: '/min', system: 'http://unitsofmeasure.org', code: '/min' } };
}

describe('durability', () => {
  it('keeps every version, id, versionId and lastUpdated across a restart', async () => {
    const dataDir = tempDir();
    const a = await startTestServer({ dataDir, seedFhirDemo: false });
    const token = await a.login('clinician');
    const created = (await (await a.request('/fhir/Observation', { token, body: observation(1) })).json()) as Observation;
    const updated = (await (await a.request(`/fhir/Observation/${created.id}`, { method: 'PUT', token, body: { ...created, status: 'amended' } })).json()) as Observation;
    await a.close({ keepData: true });

    const b = await startTestServer({ dataDir, seedFhirDemo: false });
    try {
      const token2 = await b.login('clinician');
      const read = (await (await b.request(`/fhir/Observation/${created.id}`, { token: token2 })).json()) as Observation;
      expect(read).toEqual(updated);
      const v1 = (await (await b.request(`/fhir/Observation/${created.id}/_history/1`, { token: token2 })).json()) as Observation;
      expect(v1).toEqual(created);
      const found = (await (await b.request('/fhir/Observation?patient=Patient/durability-test', { token: token2 })).json()) as Bundle;
      expect(found.total).toBe(1);
      // The next write continues the version sequence.
      const v3 = (await (await b.request(`/fhir/Observation/${created.id}`, { method: 'PUT', token: token2, body: read })).json()) as Observation;
      expect(v3.meta?.versionId).toBe('3');
      expect(Date.parse(v3.meta!.lastUpdated!)).toBeGreaterThan(Date.parse(updated.meta!.lastUpdated!));
    } finally {
      await b.close();
    }
  });

  it('keeps audit records through an AuditEvent store outage and re-sends them at the next start', async () => {
    const dataDir = tempDir();
    const down = await startTestServer({
      dataDir,
      seedFhirDemo: false,
      overrides: { auditRetryMs: 3_600_000, auditEventStore: { put: () => Promise.reject(new Error('upstream down')), has: async () => false } },
    });
    const token = await down.login('clinician');
    for (const path of ['/fhir/Patient', '/fhir/Observation?patient=p1', '/fhir/Nope']) await down.request(path, { token });
    await down.app.twin.audit.drain();
    // The sign-in and the three requests.
    expect(down.app.twin.audit.pendingCount).toBe(4);
    const ids = readFileSync(join(dataDir, 'audit.log'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { id: string; path: string }).filter((l) => l.path.startsWith('/fhir')).map((l) => l.id);
    expect(ids).toHaveLength(3);
    expect(down.app.twin.auditEvents.read(ids[0]!)).toBeUndefined();
    await down.close({ keepData: true });

    const up = await startTestServer({ dataDir, seedFhirDemo: false });
    try {
      for (const id of ids) expect(up.app.twin.auditEvents.read(id)?.id).toBe(id);
      // Kept in their own table, not in the FHIR store's memory index.
      expect(await up.app.twin.store.read<AuditEvent>('AuditEvent', ids[0]!)).toBeUndefined();
    } finally {
      await up.close();
    }
  });

  it('after kill -9 during a burst of writes, every acknowledged write and its audit line is there', { timeout: 180_000 }, async () => {
    const dataDir = tempDir();
    const first = startMain(dataDir);
    const url = await first.url;
    const token = await login(url);
    const acknowledged: Observation[] = [];
    // Unacknowledged writes race the kill; only the acknowledged ones must survive.
    const inFlight: Promise<unknown>[] = [];
    for (let i = 0; i < 20; i++) {
      const res = await fetch(`${url}/fhir/Observation`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/fhir+json' }, body: JSON.stringify(observation(i)) });
      expect(res.status).toBe(201);
      acknowledged.push((await res.json()) as Observation);
    }
    for (let i = 20; i < 30; i++) {
      inFlight.push(fetch(`${url}/fhir/Observation`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/fhir+json' }, body: JSON.stringify(observation(i)) }).catch(() => undefined));
    }
    first.proc.kill('SIGKILL');
    const killed = await first.exit;
    expect(killed.signal).toBe('SIGKILL');
    await Promise.all(inFlight);

    const auditAfterKill = readFileSync(join(dataDir, 'audit.log'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { entities: string[]; httpStatus: number });
    for (const obs of acknowledged) {
      expect(auditAfterKill.some((l) => l.entities.includes(`Observation/${obs.id}`) && l.httpStatus === 201)).toBe(true);
    }

    const second = startMain(dataDir);
    const url2 = await second.url;
    const token2 = await login(url2);
    for (const obs of acknowledged) {
      const res = await fetch(`${url2}/fhir/Observation/${obs.id}`, { headers: { authorization: `Bearer ${token2}` } });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual(obs);
    }
    second.proc.kill('SIGTERM');
    const stopped = await second.exit;
    expect(stopped.code).toBe(0);
  });

  it('refuses to start on a corrupt store file, with one clear line, and leaves the file untouched', async () => {
    const dataDir = tempDir();
    const file = join(dataDir, DB_FILE_NAME);
    const garbage = Buffer.from('this is not a SQLite database, it is a clinician\'s only copy\n'.repeat(200));
    writeFileSync(file, garbage);
    const child = startMain(dataDir);
    const result = await child.exit;
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(new RegExp(`twinscope: the store file ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} cannot be used`));
    expect(result.stderr).toMatch(/left untouched/);
    expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(readFileSync(file).equals(garbage)).toBe(true);
  });

  it('turns "address in use" into the one-line hint main.ts prints', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const port = (blocker.address() as { port: number }).port;
    try {
      const err = await new Promise<NodeJS.ErrnoException>((res) => {
        const probe = createServer();
        probe.once('error', (e: NodeJS.ErrnoException) => res(e));
        probe.listen(port, '127.0.0.1');
      });
      expect(err.code).toBe('EADDRINUSE');
      expect(describeListenError(err, '127.0.0.1', port)).toBe(`port ${port} is in use; set PORT=… or stop the other process`);
    } finally {
      blocker.close();
    }
  });

  it('refuses demo sign-ins on a non-loopback HOST unless allowed', async () => {
    const child = startMain(tempDir(), { HOST: '0.0.0.0' });
    const result = await child.exit;
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^twinscope: refusing to start the demo sign-ins on HOST=0\.0\.0\.0/);
  });
});
