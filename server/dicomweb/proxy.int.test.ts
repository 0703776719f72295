// Upstream failures: a PACS that is down answers 502, one that hangs answers 504 within the
// configured bound. The upstream here is a real TCP listener that accepts and never replies.
import Fastify, { type FastifyInstance } from 'fastify';
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerDicomweb } from './routes';

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const a = server.address();
  return typeof a === 'object' && a ? a.port : 0;
}

describe('DICOMweb proxy failure modes', () => {
  const sockets: Socket[] = [];
  const silent = createServer((s) => sockets.push(s));
  let silentPort = 0;
  let closedPort = 0;
  const apps: FastifyInstance[] = [];

  beforeAll(async () => {
    silentPort = await listen(silent);
    const probe = createServer();
    closedPort = await listen(probe);
    await new Promise<void>((resolve) => probe.close(() => resolve()));
  });
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => silent.close(() => resolve()));
    for (const a of apps) await a.close();
  });

  async function proxyTo(url: string, headersTimeoutMs: number): Promise<FastifyInstance> {
    const app = Fastify();
    await registerDicomweb(app, { mode: { kind: 'upstream', url, headersTimeoutMs } });
    apps.push(app);
    return app;
  }

  it('502 names the unreachable PACS', async () => {
    const app = await proxyTo(`http://127.0.0.1:${closedPort}/dicom-web`, 2000);
    const res = await app.inject({ method: 'GET', url: '/dicomweb/studies' });
    expect(res.statusCode).toBe(502);
    expect(res.json<{ issue: { diagnostics: string }[] }>().issue[0]!.diagnostics).toMatch(new RegExp(`127\\.0\\.0\\.1:${closedPort} could not be reached \\(ECONNREFUSED\\)`));
  });

  it('504 when the PACS accepts but does not answer within the bound', async () => {
    const app = await proxyTo(`http://127.0.0.1:${silentPort}/dicom-web`, 300);
    const res = await app.inject({ method: 'GET', url: '/dicomweb/studies?PatientID=x' });
    expect(res.statusCode).toBe(504);
    expect(res.json<{ issue: { diagnostics: string }[] }>().issue[0]!.diagnostics).toMatch(/did not answer within/);
  });

  it('refuses encoded-slash segments instead of forwarding them', async () => {
    const app = await proxyTo(`http://127.0.0.1:${closedPort}/dicom-web`, 300);
    const res = await app.inject({ method: 'GET', url: '/dicomweb/studies/1.2%2F..%2F..%2Fsystem' });
    expect(res.statusCode).toBe(400);
  });
});
