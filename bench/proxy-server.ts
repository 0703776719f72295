// Server side of bench/proxy.bench.ts and bench/store.bench.ts, run as its own process (so its
// memory and CPU are its own): the full app (auth, RBAC, consent, audit) on one port, and on a
// second port the same embedded store answering the same FHIR request with none of the proxy's
// checks — the "direct" peer. Prints one JSON line with both ports once listening.
// The direct port also serves the benches' CPU profiler (bench/cpu-profile.ts):
// POST /bench/profile/start, POST /bench/profile/stop → {cpuMs, profile} (the process's CPU time
// and V8 CPU profile between the two), so each load phase gets its own stage breakdown.
import Fastify from 'fastify';
import { Session } from 'node:inspector/promises';
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
  direct.post('/bench/profile/start', async () => {
    await session.post('Profiler.enable');
    await session.post('Profiler.start');
    cpuAtStart = process.cpuUsage();
    mainThreadAtStart = cpuMsOf(process.pid, process.pid);
    return { started: true };
  });
  direct.post('/bench/profile/stop', async (_req, reply) => {
    const cpu = process.cpuUsage(cpuAtStart);
    const mainThreadCpuMs = cpuMsOf(process.pid, process.pid) - mainThreadAtStart;
    const { profile } = await session.post('Profiler.stop');
    await session.post('Profiler.disable');
    return reply.send({ cpuMs: (cpu.user + cpu.system) / 1000, mainThreadCpuMs, profile });
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
