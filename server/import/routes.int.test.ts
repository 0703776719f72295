// POST /api/import through the real server: roles, the streamed progress and report, one audit
// record with counts and no names, and the imported patient readable through /fhir.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, startTestServer, type TestServer } from '../testing/harness';

const BUNDLE = readFileSync(join(__dirname, '..', '..', 'test-data', 'fhir', 'synthea', 'Beatrice_Aufderhar.json'), 'utf8');

let server: TestServer;
const tokens: Record<string, string> = {};

beforeAll(async () => {
  server = await startTestServer({ dataDir: makeTempDir() });
  for (const u of ['clinician', 'cardiologist', 'surgeon', 'admin']) tokens[u] = await server.login(u);
}, 60_000);

afterAll(async () => {
  await server?.close();
});

interface Line {
  progress?: { done: number; total: number; phase: string };
  report?: { status: string; counts: Record<string, number>; patients: { id: string; name: string; twin: string }[] };
  error?: string;
}

async function post(token: string, body: string, type = 'application/fhir+json'): Promise<{ status: number; lines: Line[] }> {
  const res = await fetch(`${server.url}/api/import?name=Beatrice.json`, { method: 'POST', body, headers: { authorization: `Bearer ${token}`, 'content-type': type } });
  const text = await res.text();
  return { status: res.status, lines: text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Line) };
}

describe('POST /api/import', () => {
  it('refuses the admin and the surgeon, and anyone signed out', async () => {
    for (const who of ['admin', 'surgeon']) {
      const res = await fetch(`${server.url}/api/import`, { method: 'POST', body: '{}', headers: { authorization: `Bearer ${tokens[who]}`, 'content-type': 'application/json' } });
      expect(res.status).toBe(403);
      expect(await res.text()).toMatch(/role \w+ may not POST \/api\/import/);
    }
    const anon = await fetch(`${server.url}/api/import`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
    expect(anon.status).toBe(401);
  });

  it('imports a Synthea bundle for a clinician, streams progress and the report, audits once with counts', async () => {
    const { status, lines } = await post(tokens.clinician!, BUNDLE);
    expect(status).toBe(200);
    const report = lines.at(-1)!.report!;
    expect(report.status).toBe('imported');
    expect(report.counts.refused).toBe(0);
    expect(lines.some((l) => l.progress !== undefined)).toBe(true);
    const patient = report.patients[0]!;
    expect(patient.twin).toMatch(/deceased/);

    const read = await fetch(`${server.url}/fhir/Patient/${patient.id}`, { headers: { authorization: `Bearer ${tokens.cardiologist}` } });
    expect(read.status).toBe(200);

    const audit = readFileSync(join(server.dataDir, 'audit.log'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { path: string; detail?: string; entities?: string[] })
      .filter((a) => a.path.startsWith('/api/import'));
    expect(audit).toHaveLength(1);
    expect(audit[0]!.detail).toMatch(new RegExp(`^import: ${report.counts.received} received, ${report.counts.created} created, 0 updated, 0 unchanged, 0 refused; 1 patients$`));
    expect(JSON.stringify(audit[0])).not.toMatch(/Beatrice|Aufderhar/);

    // Again: nothing new.
    const again = (await post(tokens.cardiologist!, BUNDLE)).lines.at(-1)!.report!;
    expect(again.counts.created).toBe(0);
    expect(again.counts.unchanged).toBe(report.counts.received);
  }, 120_000);

  it('answers an unusable file with an error line naming the problem', async () => {
    const { lines } = await post(tokens.clinician!, 'this is not FHIR', 'text/plain');
    expect(lines.at(-1)!.error).toMatch(/neither JSON nor NDJSON/);
  });
});
