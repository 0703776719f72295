// Server side of bench/proxy.bench.ts and bench/store.bench.ts, run as its own process (so its
// memory and CPU are its own): the full app (auth, RBAC, consent, audit) on one port, and on a
// second port the same embedded store answering the same FHIR request with none of the proxy's
// checks — the "direct" peer. Prints one JSON line with both ports once listening.
// The direct port also serves the benches' CPU profiler (bench/cpu-profile.ts):
// POST /bench/profile/start, POST /bench/profile/stop → {cpuMs, profile} (the process's CPU time
// and V8 CPU profile between the two), so each load phase gets its own stage breakdown — and
// what can make the latency tail: the event loop's delay histogram (perf_hooks
// monitorEventLoopDelay: how late a timer ran, i.e. the longest synchronous stretches) and every
// garbage-collection pause (PerformanceObserver 'gc') between the two.
import Fastify from 'fastify';
import { Session } from 'node:inspector/promises';
import { constants as perfConstants, monitorEventLoopDelay, PerformanceObserver, type IntervalHistogram, type PerformanceEntry } from 'node:perf_hooks';
import { buildApp } from '../server/app';
import { loadConfig } from '../server/config';
import type { HttpMethod } from '@medplum/fhir-router';
import { cpuMsOf } from './cpu-profile';

async function main(): Promise<void> {
  const config = loadConfig();
  const app = await buildApp(config);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const direct = Fastify({ logger: false });
  direct.get('/fhir/*', async (req, reply) => {
    const url = req.url.replace(/^\/fhir\//, '');
    // The store's own answer, as the proxy's embedded route gets it (searches and reads as stored JSON text).
    const res = await app.twin.store.handle({ method: 'GET' as HttpMethod, url, jsonSearch: true, jsonRead: true });
    if (res.searchPage) {
      const json = `{"resourceType":"Bundle","type":"searchset"${res.searchPage.total !== undefined ? `,"total":${res.searchPage.total}` : ''},"entry":[${res.searchPage.entries.map((e) => `{"resource":${e.json}}`).join(',')}]}`;
      return reply.code(res.status).type('application/fhir+json').send(json);
    }
    return reply.code(res.status).type('application/fhir+json').send(res.resourceJson ?? res.resource ?? res.outcome);
  });
  const session = new Session();
  session.connect();
  let cpuAtStart: NodeJS.CpuUsage | undefined;
  let mainThreadAtStart = 0;
  let loopDelay: IntervalHistogram | undefined;
  let gcPausesMs: { ms: number; major: boolean }[] = [];
  let auditAtStart = app.twin.audit.counts;
  const gcObserver = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const kind = (e as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind;
      gcPausesMs.push({ ms: e.duration, major: kind === perfConstants.NODE_PERFORMANCE_GC_MAJOR || kind === perfConstants.NODE_PERFORMANCE_GC_INCREMENTAL });
    }
  });
  direct.post('/bench/profile/start', async () => {
    gcPausesMs = [];
    auditAtStart = app.twin.audit.counts;
    gcObserver.observe({ entryTypes: ['gc'] });
    loopDelay = monitorEventLoopDelay({ resolution: 1 });
    loopDelay.enable();
    await session.post('Profiler.enable');
    await session.post('Profiler.start');
    cpuAtStart = process.cpuUsage();
    mainThreadAtStart = cpuMsOf(process.pid, process.pid);
    return { started: true };
  });
  direct.post('/bench/profile/stop', async (_req, reply) => {
    const cpu = process.cpuUsage(cpuAtStart);
    const mainThreadCpuMs = cpuMsOf(process.pid, process.pid) - mainThreadAtStart;
    loopDelay?.disable();
    gcObserver.disconnect();
    const ms = (ns: number | undefined): number => Math.round((ns ?? 0) / 1e4) / 100;
    const sorted = gcPausesMs.map((g) => g.ms).sort((a, b) => a - b);
    const sum = (xs: number[]): number => Math.round(xs.reduce((a, b) => a + b, 0) * 100) / 100;
    const tail = {
      eventLoopDelayMs: { p50: ms(loopDelay?.percentile(50)), p99: ms(loopDelay?.percentile(99)), max: ms(loopDelay?.max) },
      gc: { pauses: sorted.length, totalMs: sum(sorted), majorPauses: gcPausesMs.filter((g) => g.major).length, majorMs: sum(gcPausesMs.filter((g) => g.major).map((g) => g.ms)), maxMs: Math.round((sorted.at(-1) ?? 0) * 100) / 100 },
    };
    const { profile } = await session.post('Profiler.stop');
    await session.post('Profiler.disable');
    // The audit log's group commit over the phase: records and writes (one write + fdatasync each).
    const auditNow = app.twin.audit.counts;
    const records = auditNow.records - auditAtStart.records;
    const writes = (auditNow.writes ?? 0) - (auditAtStart.writes ?? 0);
    const audit = { records, writes, recordsPerWrite: writes > 0 ? Math.round((records / writes) * 100) / 100 : 0 };
    return reply.send({ cpuMs: (cpu.user + cpu.system) / 1000, mainThreadCpuMs, profile, tail, audit });
  });
  await direct.listen({ port: 0, host: '127.0.0.1' });
  const port = (f: typeof direct): number => {
    const a = f.server.address();
    return typeof a === 'object' && a ? a.port : 0;
  };
  process.stdout.write(`${JSON.stringify({ proxyPort: port(app as unknown as typeof direct), directPort: port(direct), pid: process.pid })}\n`);
  const stop = (): void => {
    session.disconnect();
    void Promise.all([app.close(), direct.close()]).finally(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`proxy-server: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
