// `npm run bench -- store`: the embedded FHIR store at hospital scale (issue 14), with the scale
// fixture's 1,000 Synthea-like patients (scripts/scale-fixture.ts, ~290 k resources) loaded.
//  - import rate: patients written through the store's write path (one transaction each,
//    indexed at write time) into a fresh store;
//  - start-up time and resident memory of the server process with 0 and with 1,000 patients;
//  - a patient's Observation search (code, _sort=-date, _count=20; a different patient on each
//    request), 50 keep-alive connections on loopback, ~10 s: throughput, p50, p99 — through the
//    store alone (HTTP, no proxy checks) and through the full proxy (sign-in, roles, consent,
//    audit with fsync); a Patient read the same way; writes (POST Observation) through the proxy;
//  - for each load phase, the server's CPU time per request split by stage (auth, audit, SQL,
//    JSON, fastify, node http…: bench/cpu-profile.ts; BENCH_PROFILE_DIR keeps the profiles), so
//    the cost is visible even when the machine is too loaded for throughput to mean much;
//  - peer: medplum's MemoryRepository (in-process, FHIRPath over every resource) on the same
//    fixture, as many patients as BENCH_STORE_PEER_PATIENTS (default 250: its search time grows
//    with the record), against this store in-process on the same search.
// The fixture is generated once into BENCH_STORE_DIR (default $TMPDIR/twinscope-bench-store-1000),
// reused while its generator version, seed and size match (fixture-complete.json), and copied for
// each run, so the run's writes never change it.
import { parseSearchRequest } from '@medplum/core';
import { MemoryRepository } from '@medplum/fhir-router';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FhirStore } from '../server/fhir/store';
import { buildDemoResources } from '../server/demo/patients';
import { DEMO_MONITORED_PATIENT } from '../server/demo/ids';
import { DB_FILE_NAME, openDatabase } from '../server/storage/database';
import { importScalePatients } from '../scripts/gen-scale-fixture';
import { generateScalePatient, HEART_RATE_LOINC, SCALE_FIXTURE_SEED, SCALE_FIXTURE_VERSION, scalePatientId } from '../scripts/scale-fixture';
import { benchLogin, closedLoopLoad, loadAverage, percentile, round, rssMb, startBenchServer, stopBenchServer, waitForIdleServer } from './benchServer';
import { withServerProfile, type StageBreakdown } from './cpu-profile';
import { report } from './report';

const PATIENTS = Number(process.env.BENCH_STORE_PATIENTS ?? 1000);
const PEER_PATIENTS = Number(process.env.BENCH_STORE_PEER_PATIENTS ?? 250);
const IMPORT_PATIENTS = Number(process.env.BENCH_STORE_IMPORT_PATIENTS ?? 20);
const LOAD_SECONDS = Number(process.env.BENCH_STORE_LOAD_SEC ?? 10);
const CONNECTIONS = 50;
/** Written after a complete generation: a half-written fixture (interrupted run) is regenerated. */
const COMPLETE_MARKER = 'fixture-complete.json';
const FIXTURE_DIR = process.env.BENCH_STORE_DIR ?? join(tmpdir(), `twinscope-bench-store-${PATIENTS}`);

const searchPath = (i: number): string => `/fhir/Observation?patient=Patient/${scalePatientId(i % PATIENTS)}&code=http://loinc.org|${HEART_RATE_LOINC}&_sort=-date&_count=20`;
const readPath = (i: number): string => `/fhir/Patient/${scalePatientId(i % PATIENTS)}`;

/**
 * What the cached fixture was generated from: a fixture made by another generator version, seed
 * or size is regenerated. (The store's own schema is not part of it: a fixture from an older
 * store is brought up to date by the store itself, once, in place — FhirStore.indexReady.)
 */
const FIXTURE_KEY = { generator: SCALE_FIXTURE_VERSION, seed: SCALE_FIXTURE_SEED, patients: PATIENTS };

async function ensureFixture(): Promise<void> {
  const marker = join(FIXTURE_DIR, COMPLETE_MARKER);
  const saved = existsSync(marker) ? (JSON.parse(readFileSync(marker, 'utf8')) as { key?: typeof FIXTURE_KEY }) : undefined;
  if (existsSync(join(FIXTURE_DIR, DB_FILE_NAME)) && JSON.stringify(saved?.key) === JSON.stringify(FIXTURE_KEY)) {
    // Reused. Opened once here, so that an index the store builds after an upgrade is built in
    // the cached copy (its progress printed by the store), not in every run's copy.
    const t0 = performance.now();
    const db = openDatabase(FIXTURE_DIR);
    const store = await FhirStore.open(db);
    const building = store.indexState.status === 'building';
    await store.indexReady;
    store.close();
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
    if (building) report({ bench: 'store', metric: 'fixture-index-upgrade', value: round((performance.now() - t0) / 1000, 1), unit: 's', patients: PATIENTS, note: 'the cached fixture was given the current search index after open (background batches), once', load: loadAverage() });
    return;
  }
  rmSync(FIXTURE_DIR, { recursive: true, force: true });
  mkdirSync(FIXTURE_DIR, { recursive: true });
  process.stderr.write(`bench store: generating ${PATIENTS} patients into ${FIXTURE_DIR} (once; reused while the generator version, seed and size match)…\n`);
  const db = openDatabase(FIXTURE_DIR);
  const store = await FhirStore.open(db);
  const result = await importScalePatients(store, 0, PATIENTS, undefined, (n) => process.stderr.write(`bench store: ${n}/${PATIENTS}\n`));
  store.close();
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  writeFileSync(marker, `${JSON.stringify({ key: FIXTURE_KEY, ...result })}\n`);
  report({ bench: 'store', metric: 'fixture-import-rate', value: round(result.resourcesPerSecond, 0), unit: 'resources/s', patients: result.patients, resources: result.resources, seconds: round(result.seconds, 1), load: loadAverage() });
}

async function importRate(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-store-import-'));
  try {
    const db = openDatabase(dir);
    const store = await FhirStore.open(db);
    const r = await importScalePatients(store, 0, IMPORT_PATIENTS);
    store.close();
    db.close();
    report({ bench: 'store', metric: 'import-rate', value: round(r.resourcesPerSecond, 0), unit: 'resources/s', patients: r.patients, resources: r.resources, note: 'one transaction (fsync) per patient, indexed at write time' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function reportLoad(metric: string, r: { rps: number; latenciesMs: number[]; errors: number; breakdown: StageBreakdown }, extra: Record<string, unknown>, peer?: { name: string; rps: number }): void {
  const common = { connections: extra.connections ?? CONNECTIONS, durationSec: LOAD_SECONDS, patients: PATIENTS, errors: r.errors, load: loadAverage(), ...extra };
  report({ bench: 'store', metric: `${metric}-throughput`, value: round(r.rps, 1), unit: 'req/s', ...(peer ? { peer: peer.name, peerValue: round(peer.rps, 1), ratio: round(r.rps / peer.rps, 3) } : {}), ...common });
  // Server CPU per request, split by stage (bench/cpu-profile.ts): meaningful on a loaded machine.
  report({ bench: 'store', metric: `${metric}-cpu-per-request`, value: r.breakdown.cpuMsPerRequest, unit: 'ms', mainThreadMs: r.breakdown.mainThreadCpuMsPerRequest, stagesMs: r.breakdown.stagesMsPerRequest, ...(r.breakdown.audit?.records ? { audit: r.breakdown.audit } : {}), loadGeneratorMs: r.breakdown.loadGeneratorCpuMsPerRequest, ...common });
  report({ bench: 'store', metric: `${metric}-latency-p50`, value: round(percentile(r.latenciesMs, 50)), unit: 'ms', ...common });
  // The tail and what can make it: the server's event-loop delay and GC pauses over the phase.
  const mean = r.latenciesMs.reduce((a, b) => a + b, 0) / Math.max(1, r.latenciesMs.length);
  report({ bench: 'store', metric: `${metric}-latency-p99`, value: round(percentile(r.latenciesMs, 99)), unit: 'ms', meanMs: round(mean), p90Ms: round(percentile(r.latenciesMs, 90)), p999Ms: round(percentile(r.latenciesMs, 99.9)), maxMs: round(r.latenciesMs.at(-1) ?? NaN), ...(r.breakdown.tail ?? {}), ...common });
}

async function serverBench(): Promise<void> {
  // Start-up and memory with an empty store (0 patients), then with the fixture.
  const emptyDir = mkdtempSync(join(tmpdir(), 'bench-store-empty-'));
  const runDir = mkdtempSync(join(tmpdir(), 'bench-store-run-'));
  try {
    const empty = await startBenchServer(emptyDir);
    const rssEmpty = rssMb(empty.pid);
    await stopBenchServer(empty);
    // A first start of the empty folder seeds the demo record; measure a restart like the fixture's.
    const emptyAgain = await startBenchServer(emptyDir);
    const rssEmptyAgain = rssMb(emptyAgain.pid);
    const startupEmptyMs = emptyAgain.startupMs;
    await stopBenchServer(emptyAgain);

    copyFileSync(join(FIXTURE_DIR, DB_FILE_NAME), join(runDir, DB_FILE_NAME));
    const server = await startBenchServer(runDir);
    const rssLoaded = rssMb(server.pid);
    report({ bench: 'store', metric: 'startup', value: round(server.startupMs, 0), unit: 'ms', patients: PATIENTS, peer: 'same server, demo record only', peerValue: round(startupEmptyMs, 0), ratio: round(server.startupMs / startupEmptyMs, 3), note: 'spawn to listening, whole server process (FHIR definitions, store open, app)' });
    report({ bench: 'store', metric: 'rss-after-start', value: rssLoaded, unit: 'MB', patients: PATIENTS, peer: 'same server, demo record only', peerValue: rssEmptyAgain, ratio: round(rssLoaded / rssEmptyAgain, 3), firstStartEmptyMb: rssEmpty });

    // The full integrity check of the 1 GB file (and any index build) runs beside the server after start: not measured as load.
    const backgroundMs = await waitForIdleServer(server.proxyPort);
    report({ bench: 'store', metric: 'background-work-after-start', value: round(backgroundMs / 1000, 1), unit: 's', patients: PATIENTS, note: 'listening to idle: full integrity check of the store file in its child process, answered meanwhile', load: loadAverage() });
    const token = await benchLogin(server.proxyPort);
    const profiled = (label: string, port: number, auth: string | undefined, connections: number, next: (i: number) => { path: string; body?: string }) =>
      withServerProfile(server.directPort, label, () => closedLoopLoad(port, auth, connections, LOAD_SECONDS, next));
    const direct = await profiled('search-direct', server.directPort, undefined, CONNECTIONS, (i) => ({ path: searchPath(i * 7919) }));
    reportLoad('search-direct', direct, { request: 'Observation?patient=P&code=8867-4&_sort=-date&_count=20, P over all patients', via: 'store alone (HTTP, no proxy checks)', targetRps: 1000, targetP99Ms: 50 });
    const proxied = await profiled('search-proxy', server.proxyPort, token, CONNECTIONS, (i) => ({ path: searchPath(i * 7919) }));
    reportLoad('search-proxy', proxied, { request: 'same', via: 'full proxy (auth, roles, consent, audit fsync)', targetRps: 1000, targetP99Ms: 50 }, { name: 'search-direct', rps: direct.rps });
    const reads = await profiled('read-direct', server.directPort, undefined, CONNECTIONS, (i) => ({ path: readPath(i * 7919) }));
    reportLoad('read-direct', reads, { request: 'Patient/{id}', via: 'store alone' });
    const readsProxied = await profiled('read-proxy', server.proxyPort, token, CONNECTIONS, (i) => ({ path: readPath(i * 7919) }));
    reportLoad('read-proxy', readsProxied, { request: 'Patient/{id}', via: 'full proxy', targetRatio: 0.8 }, { name: 'read-direct', rps: reads.rps });
    const writes = await profiled('write-proxy', server.proxyPort, token, 10, (i) => ({
      path: '/fhir/Observation',
      body: JSON.stringify({ resourceType: 'Observation', status: 'final', code: { coding: [{ system: 'http://loinc.org', code: HEART_RATE_LOINC }] }, subject: { reference: `Patient/${scalePatientId((i * 7919) % PATIENTS)}` }, effectiveDateTime: new Date().toISOString(), valueQuantity: { value: 70, unit: '/min', system: 'http://unitsofmeasure.org', code: '/min' } }),
    }));
    reportLoad('write-proxy', writes, { request: 'POST Observation (one transaction + fsync each, plus the audit)', via: 'full proxy', connections: 10 });
    report({ bench: 'store', metric: 'rss-after-load', value: rssMb(server.pid), unit: 'MB', patients: PATIENTS });
    await stopBenchServer(server);
  } finally {
    rmSync(emptyDir, { recursive: true, force: true });
    rmSync(runDir, { recursive: true, force: true });
  }
}

/** In-process: this store on the fixture vs medplum's MemoryRepository on PEER_PATIENTS of it. */
async function peerBench(): Promise<void> {
  const runDir = mkdtempSync(join(tmpdir(), 'bench-store-peer-'));
  try {
    copyFileSync(join(FIXTURE_DIR, DB_FILE_NAME), join(runDir, DB_FILE_NAME));
    const db = openDatabase(runDir);
    const store = await FhirStore.open(db);
    const peer = new MemoryRepository();
    const peerPatients = Math.min(PEER_PATIENTS, PATIENTS);
    const t0 = performance.now();
    let peerResources = 0;
    for (let i = 0; i < peerPatients; i++) {
      for (const r of generateScalePatient(i)) {
        await peer.createResource(r);
        peerResources++;
      }
    }
    const peerLoadSec = (performance.now() - t0) / 1000;
    const query = (i: number): Record<string, string> => ({ patient: `Patient/${scalePatientId(i)}`, code: `http://loinc.org|${HEART_RATE_LOINC}`, _sort: '-date', _count: '20' });
    const time = async (n: number, patients: number, f: (q: Record<string, string>) => Promise<unknown>): Promise<number[]> => {
      const out: number[] = [];
      for (let i = 0; i < n; i++) {
        const s = performance.now();
        await f(query((i * 7919) % patients));
        out.push(performance.now() - s);
      }
      return out.sort((a, b) => a - b);
    };
    const ours = await time(300, PATIENTS, (q) => store.repo.search(parseSearchRequest('Observation', q)));
    const oursSame = await time(300, peerPatients, (q) => store.repo.search(parseSearchRequest('Observation', q)));
    const theirs = await time(10, peerPatients, (q) => peer.search(parseSearchRequest('Observation', q)));
    for (const p of [50, 99]) {
      report({
        bench: 'store',
        metric: `search-in-process-p${p}`,
        value: round(percentile(ours, p), 3),
        unit: 'ms',
        patients: PATIENTS,
        peer: `medplum MemoryRepository (${peerPatients} patients, ${peerResources} resources)`,
        peerValue: round(percentile(theirs, p), 1),
        ratio: round(percentile(theirs, p) / percentile(oursSame, p), 1),
        ratioMeaning: `peer time / this store's time on the same ${peerPatients} patients' searches (${round(percentile(oursSame, p), 3)} ms)`,
        peerLoadSec: round(peerLoadSec, 1),
      });
    }
    store.close();
    db.close();
  } finally {
    rmSync(runDir, { recursive: true, force: true });
  }
}

/**
 * In-process, the demo record: the monitored patient's heart rates (600 of her ~3,000
 * Observations; the proxy bench's search), this store vs medplum's MemoryRepository on the same
 * resources. Printed beside the fixture's figures: a search plan must hold on both (a plan tuned
 * on the fixture once made this one 23× slower).
 */
export async function demoBench(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-store-demo-'));
  try {
    const db = openDatabase(dir);
    const store = await FhirStore.open(db);
    const resources = buildDemoResources(Date.now());
    await store.putAll(resources);
    const peer = new MemoryRepository();
    for (const r of resources) await peer.createResource(r);
    const query = { subject: `Patient/${DEMO_MONITORED_PATIENT}`, code: '8867-4', _sort: '-date', _count: '20' };
    const time = async (n: number, f: () => Promise<unknown>): Promise<{ sorted: number[]; cpuMs: number }> => {
      await f();
      const out: number[] = [];
      const cpu0 = process.cpuUsage();
      for (let i = 0; i < n; i++) {
        const s = performance.now();
        await f();
        out.push(performance.now() - s);
      }
      const cpu = process.cpuUsage(cpu0);
      return { sorted: out.sort((a, b) => a - b), cpuMs: (cpu.user + cpu.system) / 1000 / n };
    };
    const ours = await time(500, () => store.repo.search(parseSearchRequest('Observation', query)));
    const theirs = await time(20, () => peer.search(parseSearchRequest('Observation', query)));
    report({
      bench: 'store',
      metric: 'search-in-process-demo-cpu',
      value: round(ours.cpuMs, 3),
      unit: 'ms',
      resources: resources.length,
      request: 'Observation?subject=<monitored demo patient>&code=8867-4&_sort=-date&_count=20 (600 matches)',
      p50Ms: round(percentile(ours.sorted, 50), 3),
      p99Ms: round(percentile(ours.sorted, 99), 3),
      peer: 'medplum MemoryRepository, same resources',
      peerValue: round(theirs.cpuMs, 2),
      ratio: round(theirs.cpuMs / ours.cpuMs, 1),
      ratioMeaning: 'peer CPU / this store CPU per search',
      load: loadAverage(),
    });
    store.close();
    db.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function run(): Promise<void> {
  // BENCH_STORE_PARTS: a comma list of demo, import, server, peer (default all).
  const parts = new Set((process.env.BENCH_STORE_PARTS ?? 'demo,import,server,peer').split(','));
  if (parts.has('demo')) await demoBench();
  await ensureFixture();
  if (parts.has('import')) await importRate();
  if (parts.has('server')) await serverBench();
  if (parts.has('peer')) await peerBench();
}
