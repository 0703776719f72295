// `npm run bench -- import`: 100 Synthea patients through POST /api/import on a real server
// (embedded store, SQLite on disk), one file per patient as the UI sends them, while a reader
// fetches a patient every 25 ms. Targets (issue 12): ≤ 60 s in all; patient-read p99 ≤ 200 ms
// during the import. Peer: the same bundles as FHIR transactions through medplum's FhirRouter
// (the store's own /fhir batch path, in-process, no per-resource R4 validation, not idempotent).
//
// The 100 patients are the four Synthea sample records of test-data/fhir/synthea (Claim and
// ExplanationOfBenefit dropped there) cloned 25 times with fresh ids, identifiers and urn:uuids,
// so every clone is a new patient. Synthea's full output (with Claims) is about 1.6× larger.
import { readdirSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FhirStore } from '../server/fhir/store';
import { openDatabase } from '../server/storage/database';
import { makeTempDir, startTestServer } from '../server/testing/harness';
import { report } from './report';

const here = dirname(fileURLToPath(import.meta.url));
const SYNTHEA = join(here, '..', 'test-data', 'fhir', 'synthea');
const PATIENTS = 100;
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;

function clones(): string[] {
  const sources = readdirSync(SYNTHEA)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => readFileSync(join(SYNTHEA, f), 'utf8'));
  const out: string[] = [];
  for (let k = 0; out.length < PATIENTS; k++) {
    const text = sources[k % sources.length]!;
    const tag = (Math.floor(k / sources.length) + 1).toString(16).padStart(4, '0');
    // Every uuid (ids, fullUrls, references, Synthea's patient identifier) gets the clone's tag.
    out.push(text.replace(UUID, (u) => `${u.slice(0, 24)}${tag}${u.slice(28)}`));
  }
  return out;
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

export async function run(): Promise<void> {
  const files = clones();
  const resources = files.reduce((n, f) => n + (JSON.parse(f) as { entry: unknown[] }).entry.length, 0);
  const server = await startTestServer({ dataDir: makeTempDir('bench-import-') });
  let peakRss = process.memoryUsage().rss;
  try {
    const token = await server.login('clinician');
    const headers = { authorization: `Bearer ${token}` };
    const readId = 'demo-as'; // any seeded demo patient
    const probe = await fetch(`${server.url}/fhir/Patient?_count=1`, { headers });
    const firstId = ((await probe.json()) as { entry?: { resource: { id: string } }[] }).entry?.[0]?.resource.id ?? readId;

    const latencies: number[] = [];
    let reading = true;
    const reader = (async () => {
      while (reading) {
        const t = performance.now();
        const res = await fetch(`${server.url}/fhir/Patient/${firstId}`, { headers });
        await res.arrayBuffer();
        latencies.push(performance.now() - t);
        peakRss = Math.max(peakRss, process.memoryUsage().rss);
        await new Promise((r) => setTimeout(r, 25));
      }
    })();

    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    let created = 0;
    let refused = 0;
    for (const [i, body] of files.entries()) {
      const res = await fetch(`${server.url}/api/import?name=clone-${i}.json`, { method: 'POST', body, headers: { ...headers, 'content-type': 'application/fhir+json' } });
      const last = (await res.text()).trim().split('\n').at(-1) ?? '{}';
      const msg = JSON.parse(last) as { report?: { counts: { created: number; refused: number } }; error?: string };
      if (!msg.report) throw new Error(`import of clone ${i} failed: ${msg.error ?? res.status}`);
      created += msg.report.counts.created;
      refused += msg.report.counts.refused;
    }
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const cpuSeconds = (cpu.user + cpu.system) / 1e6;
    reading = false;
    await reader;
    latencies.sort((a, b) => a - b);

    // Peer: the same bundles as transactions through medplum's FhirRouter on a fresh store.
    const peerDir = makeTempDir('bench-import-peer-');
    const db = openDatabase(peerDir);
    const store = await FhirStore.open(db);
    const p0 = performance.now();
    const pcpu0 = process.cpuUsage();
    for (const body of files) {
      const res = await store.handle({ method: 'POST', url: '', body: JSON.parse(body) });
      if (res.status >= 400) throw new Error(`peer transaction failed: ${res.status}`);
    }
    const peerSeconds = (performance.now() - p0) / 1000;
    const pcpu = process.cpuUsage(pcpu0);
    const peerCpuSeconds = (pcpu.user + pcpu.system) / 1e6;
    store.close();
    db.close();

    report({ bench: 'import', metric: 'import-100-patients', value: Math.round(seconds * 10) / 10, unit: 's', peer: 'medplum FhirRouter transaction (no validation, not idempotent)', peerValue: Math.round(peerSeconds * 10) / 10, ratio: Math.round((seconds / peerSeconds) * 100) / 100, target: '≤ 60 s', patients: PATIENTS, resources, created, refused });
    // CPU time of this process (server, importer and the reading client are all in it): the
    // number to compare on a loaded machine, where wall time mostly measures the other load.
    report({ bench: 'import', metric: 'import-cpu-100-patients', value: Math.round(cpuSeconds * 10) / 10, unit: 's CPU', peer: 'medplum FhirRouter transaction', peerValue: Math.round(peerCpuSeconds * 10) / 10, ratio: Math.round((cpuSeconds / peerCpuSeconds) * 100) / 100, loadAverage: Math.round(loadavg()[0]! * 10) / 10 });
    report({ bench: 'import', metric: 'resources-per-second', value: Math.round(resources / seconds), unit: '1/s' });
    report({ bench: 'import', metric: 'patient-read-p50-during-import', value: Math.round(percentile(latencies, 0.5) * 10) / 10, unit: 'ms', reads: latencies.length });
    report({ bench: 'import', metric: 'patient-read-p99-during-import', value: Math.round(percentile(latencies, 0.99) * 10) / 10, unit: 'ms', target: '≤ 200 ms', reads: latencies.length });
    report({ bench: 'import', metric: 'peak-rss', value: Math.round(peakRss / 2 ** 20), unit: 'MiB' });
  } finally {
    await server.close();
  }
}
