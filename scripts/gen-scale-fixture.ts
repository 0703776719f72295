// `npm run fixture:scale -- --patients 1000 --out DIR`: writes the deterministic Synthea-like
// record (scripts/scale-fixture.ts) into the embedded store of data folder DIR (TWIN_DATA_DIR
// layout), through the store's own write path: one SQLite transaction per patient, indexed at
// write time. Prints one JSON line: patients, resources, seconds, resources per second.
import { mkdirSync } from 'node:fs';
import { FhirStore } from '../server/fhir/store';
import { openDatabase } from '../server/storage/database';
import { generateScalePatient, SCALE_FIXTURE_SEED } from './scale-fixture';

export interface ScaleImportResult {
  patients: number;
  resources: number;
  seconds: number;
  resourcesPerSecond: number;
}

/** Imports patients [from, to) into an open store. */
export async function importScalePatients(store: FhirStore, from: number, to: number, seed = SCALE_FIXTURE_SEED, onProgress?: (done: number) => void): Promise<ScaleImportResult> {
  const t0 = performance.now();
  let resources = 0;
  for (let i = from; i < to; i++) {
    const record = generateScalePatient(i, seed);
    await store.putAll(record);
    resources += record.length;
    if (onProgress && (i + 1 - from) % 50 === 0) onProgress(i + 1 - from);
  }
  const seconds = (performance.now() - t0) / 1000;
  return { patients: to - from, resources, seconds, resourcesPerSecond: resources / seconds };
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const patients = Number(arg('patients') ?? 1000);
  const out = arg('out');
  const seed = Number(arg('seed') ?? SCALE_FIXTURE_SEED);
  if (!out || !Number.isInteger(patients) || patients < 1) {
    process.stderr.write('usage: npm run fixture:scale -- --patients N --out DATA_DIR [--seed S]\n');
    process.exit(2);
  }
  mkdirSync(out, { recursive: true });
  const db = openDatabase(out);
  const store = await FhirStore.open(db);
  const existing = await store.count('Patient');
  if (existing > 0) {
    process.stderr.write(`fixture: ${out} already holds ${existing} patients; use an empty folder\n`);
    process.exit(1);
  }
  const result = await importScalePatients(store, 0, patients, seed, (done) => process.stderr.write(`fixture: ${done}/${patients} patients\n`));
  store.close();
  db.close();
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((err: unknown) => {
    process.stderr.write(`fixture: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
