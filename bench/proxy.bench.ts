// `npm run bench -- proxy`: the FHIR proxy's cost and the live-event fan-out.
//  1. A patient's Observation search, 50 concurrent keep-alive connections on loopback, ~10 s
//     each: through the full proxy (sign-in, roles, consent, audit with fsync) and, in the same
//     run, the same request answered by the same store with none of those checks (the peer).
//     Reports throughput, p50 and p99 latency, and the ratio proxy/direct.
//  2. 500 concurrent /events subscribers for 60 s while an Observation is POSTed every second:
//     time from the POST to the event's arrival at each subscriber (p50/p99 over every
//     subscriber × event), and the server's resident memory after the subscribers connected
//     and at the end.
//  3. In-process, the floor a durable audit sets under a read (issue 14): CPU per audit record
//     (all threads: serialise + post on the event loop, the audit thread's write + fdatasync per
//     50-record turn and its AuditEvent insert) against the store's own Patient read, in one run.
//     A proxied read costs at least the direct read (its HTTP CPU per request measured in 1.) plus
//     the audit, so proxied/direct ≤ direct / (direct + audit) for a CPU-bound server, before
//     auth, roles, the proxy's hooks and the load generator's share of the cores.
// The server runs as its own process (bench/proxy-server.ts); this process only generates load.
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nodeThreadFactory } from '../workers/nodeThread/nodeThread';
import { AuditEventTable } from '../server/audit/event-table';
import { AUDIT_LOG_FILE, type AuditLogLine } from '../server/audit/log';
import { ThreadedAuditLog } from '../server/audit/thread-log';
import { DEMO_MONITORED_PATIENT } from '../server/demo/ids';
import { buildDemoResources } from '../server/demo/patients';
import { FhirStore } from '../server/fhir/store';
import { DB_FILE_NAME, openDatabase } from '../server/storage/database';
import { SseParser } from '../server/events/sse-parse';
import { benchLogin, type BenchServer, closedLoopLoad, loadAverage, percentile, round, rssMb, startBenchServer, stopBenchServer, waitForIdleServer } from './benchServer';
import { withServerProfile } from './cpu-profile';
import { report } from './report';

const CONNECTIONS = 50;
const LOAD_SECONDS = Number(process.env.BENCH_PROXY_LOAD_SEC ?? 10);
const SUBSCRIBERS = 500;
const SSE_SECONDS = Number(process.env.BENCH_PROXY_SSE_SEC ?? 60);
const SEARCH = `/fhir/Observation?subject=Patient/${DEMO_MONITORED_PATIENT}&code=8867-4&_sort=-date&_count=20`;
/** A cheap request for the store, so the proxy's own per-request cost is visible too. */
const READ = `/fhir/Patient/${DEMO_MONITORED_PATIENT}`;

/** Returns the direct peer's server CPU per request (ms). */
async function requestBench(server: BenchServer, token: string, name: string, path: string, what: string): Promise<number> {
  const proxied = await withServerProfile(server.directPort, `${name}-proxy`, () => closedLoopLoad(server.proxyPort, token, CONNECTIONS, LOAD_SECONDS, () => ({ path })));
  const direct = await withServerProfile(server.directPort, `${name}-direct`, () => closedLoopLoad(server.directPort, undefined, CONNECTIONS, LOAD_SECONDS, () => ({ path })));
  const common = { connections: CONNECTIONS, durationSec: LOAD_SECONDS, request: what, load: loadAverage() };
  // Server CPU per request by stage (bench/cpu-profile.ts): what the proxy's checks cost, independent of the machine's load.
  report({
    bench: 'proxy',
    metric: `${name}-cpu-per-request`,
    value: proxied.breakdown.cpuMsPerRequest,
    unit: 'ms',
    peer: 'store-direct',
    peerValue: direct.breakdown.cpuMsPerRequest,
    ratio: round(direct.breakdown.cpuMsPerRequest / proxied.breakdown.cpuMsPerRequest, 3),
    ratioMeaning: 'direct CPU / proxy CPU per request: the throughput ratio a CPU-bound server reaches',
    mainThreadMs: proxied.breakdown.mainThreadCpuMsPerRequest,
    peerMainThreadMs: direct.breakdown.mainThreadCpuMsPerRequest,
    mainThreadRatio: round(direct.breakdown.mainThreadCpuMsPerRequest / proxied.breakdown.mainThreadCpuMsPerRequest, 3),
    stagesMs: proxied.breakdown.stagesMsPerRequest,
    // The audit log's group commit over the phase (records per write + fdatasync).
    ...(proxied.breakdown.audit ? { audit: proxied.breakdown.audit } : {}),
    peerStagesMs: direct.breakdown.stagesMsPerRequest,
    // The load generator shares the 2 cores: its CPU per request bounds both runs.
    loadGeneratorMs: proxied.breakdown.loadGeneratorCpuMsPerRequest,
    peerLoadGeneratorMs: direct.breakdown.loadGeneratorCpuMsPerRequest,
    ...common,
  });
  report({ bench: 'proxy', metric: `${name}-throughput`, value: round(proxied.rps, 1), unit: 'req/s', peer: 'store-direct', peerValue: round(direct.rps, 1), ratio: round(proxied.rps / direct.rps, 3), errors: proxied.errors + direct.errors, ...common });
  for (const p of [50, 99]) {
    const a = percentile(proxied.latenciesMs, p);
    const b = percentile(direct.latenciesMs, p);
    // With the p99: what can make the tail (the server's event-loop delay and GC pauses over each phase).
    const tail = p === 99 ? { tail: proxied.breakdown.tail, peerTail: direct.breakdown.tail } : {};
    report({ bench: 'proxy', metric: `${name}-latency-p${p}`, value: round(a), unit: 'ms', peer: 'store-direct', peerValue: round(b), ratio: round(a / b, 3), ...tail, ...common });
  }
  return direct.breakdown.cpuMsPerRequest;
}

async function sseBench(server: BenchServer, token: string): Promise<void> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: SUBSCRIBERS + 10 });
  /** Arrival times (epoch-relative performance.now) per resource id, one per subscriber. */
  const arrivals = new Map<string, number[]>();
  const requests: http.ClientRequest[] = [];
  let connected = 0;
  await Promise.all(
    Array.from(
      { length: SUBSCRIBERS },
      () =>
        new Promise<void>((resolve, reject) => {
          const req = http.request(
            { host: '127.0.0.1', port: server.proxyPort, path: `/events?patient=${DEMO_MONITORED_PATIENT}`, agent, headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' } },
            (res) => {
              if (res.statusCode !== 200) return reject(new Error(`subscriber got HTTP ${res.statusCode}`));
              connected++;
              resolve();
              const parser = new SseParser();
              res.setEncoding('utf8');
              res.on('data', (text: string) => {
                const now = performance.now();
                for (const f of parser.push(text)) {
                  const id = (JSON.parse(f.data) as { id: string }).id;
                  let list = arrivals.get(id);
                  if (!list) arrivals.set(id, (list = []));
                  list.push(now);
                }
              });
              res.on('error', () => undefined);
            },
          );
          req.on('error', reject);
          req.end();
          requests.push(req);
        }),
    ),
  );
  const rssStart = rssMb(server.pid);
  const postedAt = new Map<string, number>();
  const postAgent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const t0 = performance.now();
  for (let i = 0; performance.now() - t0 < SSE_SECONDS * 1000; i++) {
    const body = JSON.stringify({
      resourceType: 'Observation',
      status: 'final',
      code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }] },
      subject: { reference: `Patient/${DEMO_MONITORED_PATIENT}` },
      effectiveDateTime: new Date().toISOString(),
      valueQuantity: { value: 70 + (i % 10), unit: '/min', system: 'http://unitsofmeasure.org', code: '/min' },
    });
    const sentAt = performance.now();
    const id = await new Promise<string>((resolve, reject) => {
      const req = http.request(
        { host: '127.0.0.1', port: server.proxyPort, path: '/fhir/Observation', method: 'POST', agent: postAgent, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/fhir+json' } },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (d: string) => (text += d));
          res.on('end', () => (res.statusCode === 201 ? resolve((JSON.parse(text) as { id: string }).id) : reject(new Error(`POST got HTTP ${res.statusCode}`))));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
    postedAt.set(id, sentAt);
    const nextAt = t0 + (i + 1) * 1000;
    await new Promise((r) => setTimeout(r, Math.max(0, nextAt - performance.now())));
  }
  // Let the last event arrive everywhere.
  await new Promise((r) => setTimeout(r, 2000));
  const rssEnd = rssMb(server.pid);
  const delaysMs: number[] = [];
  let missing = 0;
  for (const [id, sentAt] of postedAt) {
    const got = arrivals.get(id) ?? [];
    missing += SUBSCRIBERS - got.length;
    for (const t of got) delaysMs.push(t - sentAt);
  }
  delaysMs.sort((a, b) => a - b);
  for (const r of requests) r.destroy();
  agent.destroy();
  postAgent.destroy();
  const common = { subscribers: connected, events: postedAt.size, durationSec: SSE_SECONDS, undelivered: missing };
  report({ bench: 'proxy', metric: 'sse-delivery-p50', value: round(percentile(delaysMs, 50)), unit: 'ms', ...common });
  report({ bench: 'proxy', metric: 'sse-delivery-p99', value: round(percentile(delaysMs, 99)), unit: 'ms', ...common });
  report({ bench: 'proxy', metric: 'sse-server-rss-start', value: rssStart, unit: 'MB', ...common });
  report({ bench: 'proxy', metric: 'sse-server-rss-end', value: rssEnd, unit: 'MB', ratio: round(rssEnd / rssStart, 3), ...common });
}

/** Process CPU (user + system, every thread), ms. */
const processCpuMs = (): number => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1000;
};

export async function auditFloorBench(directReadCpuMs?: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'twinscope-bench-audit-floor-'));
  const db = openDatabase(dir);
  new AuditEventTable(db); // the audit thread inserts into it
  const store = await FhirStore.open(db);
  const log = new ThreadedAuditLog(join(dir, AUDIT_LOG_FILE), join(dir, DB_FILE_NAME), nodeThreadFactory(new URL('../server/audit/audit.worker.ts', import.meta.url), 'bench-audit'));
  try {
    await store.putAll(buildDemoResources(Date.now()));
    const patients = (await store.search('Patient', { _count: '1000' })).map((p) => p.id);
    const line = (i: number): AuditLogLine => {
      const patient = `Patient/${patients[i % patients.length]}`;
      return { id: `bench-${i}`, at: new Date().toISOString(), user: { id: 'bench-user', username: 'bench', role: 'clinician' }, action: 'R', method: 'GET', path: `/fhir/${patient}`, entities: [patient], httpStatus: 200, outcome: '0', requestId: `req-${i}`, sourceIp: '127.0.0.1' };
    };
    const N = 10_000;
    const PER_TURN = 50; // one record per connection per turn, as under 50 connections
    // Small batches: the same records 3 per turn, each turn waiting for its ack, say what a
    // record costs when the log's writes carry few (per-batch work: the post to the thread and
    // back, the fsync). Round 8 estimated 2–4 per write under the HTTP load; round 9 counts them
    // (each phase's `audit.recordsPerWrite`): 18–22 at 50 connections, 4–5 for the 10-connection writes.
    const SMALL = 3;
    const NSMALL = 3000;
    let id = 0;
    const small: number[] = [];
    const rounds: { audit: number; read: number }[] = [];
    for (let round = 0; round < 3; round++) {
      let c0 = processCpuMs();
      for (let i = 0; i < N; i += PER_TURN) {
        const turn: Promise<void>[] = [];
        for (let j = 0; j < PER_TURN; j++) turn.push(log.append(line(id++), () => undefined));
        await Promise.all(turn);
      }
      await log.settle();
      const audit = (processCpuMs() - c0) / N;
      c0 = processCpuMs();
      for (let i = 0; i < NSMALL; i += SMALL) await Promise.all(Array.from({ length: SMALL }, () => log.append(line(id++), () => undefined)));
      await log.settle();
      small.push((processCpuMs() - c0) / NSMALL);
      c0 = processCpuMs();
      for (let i = 0; i < N; i++) {
        const r = await store.handle({ method: 'GET', url: `Patient/${patients[(i * 7919) % patients.length]}`, jsonRead: true });
        if (r.status !== 200) throw new Error(`bench read failed: ${r.status}`);
      }
      rounds.push({ audit, read: (processCpuMs() - c0) / N });
    }
    // The first round warms the JIT and the page cache: the later ones are reported (their median).
    const later = rounds.slice(1).sort((a, b) => a.audit / a.read - b.audit / b.read);
    const mid = later[Math.floor(later.length / 2)] as { audit: number; read: number };
    report({
      bench: 'proxy',
      metric: 'read-audit-floor-cpu-per-record',
      value: round(mid.audit, 4),
      unit: 'ms',
      peer: 'the store\'s Patient read (stored JSON + parse), in-process',
      peerValue: round(mid.read, 4),
      ratio: round(mid.audit / mid.read, 2),
      ratioMeaning: 'audit CPU per record / the store read CPU',
      ...(directReadCpuMs !== undefined
        ? {
            directReadCpuMs,
            ceilingReadRatio: round(directReadCpuMs / (directReadCpuMs + mid.audit), 3),
            ceilingMeaning: 'direct / (direct + audit), direct = the bare store\'s HTTP read CPU from this run: the highest proxied/direct read throughput a CPU-bound server can reach with a durable per-request audit, before auth, roles, hooks and the load generator',
          }
        : {}),
      fsyncBatches: log.syncs,
      records: 3 * N,
      load: loadAverage(),
    });
    report({
      bench: 'proxy',
      metric: 'read-audit-cpu-per-record-3-per-batch',
      value: round(small.slice(1).sort((a, b) => a - b)[0] as number, 4),
      unit: 'ms',
      note: `the durable audit record (all threads) when each write + fdatasync carries ${SMALL} records, as under the HTTP load (the lower of the two later rounds)`,
      peer: 'read-audit-floor-cpu-per-record (50 records per batch)',
      peerValue: round(mid.audit, 4),
      ratio: round((small.slice(1).sort((a, b) => a - b)[0] as number) / mid.audit, 2),
      records: 3 * NSMALL,
      load: loadAverage(),
    });
  } finally {
    await log.close();
    store.close();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function run(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'twinscope-bench-proxy-'));
  const server = await startBenchServer(dataDir);
  let directReadCpuMs: number | undefined;
  try {
    await waitForIdleServer(server.proxyPort);
    const token = await benchLogin(server.proxyPort);
    await requestBench(server, token, 'search', SEARCH, 'Observation search of one patient (code, _sort=-date, _count=20)');
    directReadCpuMs = await requestBench(server, token, 'read', READ, 'Patient read');
    if (SSE_SECONDS > 0) await sseBench(server, token);
  } finally {
    await stopBenchServer(server);
    rmSync(dataDir, { recursive: true, force: true });
  }
  await auditFloorBench(directReadCpuMs);
}
