// An import and the other requests of a real server (in-process, SQLite on disk), at the same
// time: a read during an import that then fails never sees a resource of it; another request's
// write during an import is committed on its own and survives the import's failure; the same
// Bundle imported twice at once creates each resource once.
//
// The failure is a real SQLite error in the middle of the import's transaction: a TEMP trigger
// on the server's write connection aborts the 101st version row the import inserts.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, startTestServer, type TestServer } from '../testing/harness';

const BUNDLE = readFileSync(join(__dirname, '..', '..', 'test-data', 'fhir', 'synthea', 'Beatrice_Aufderhar.json'), 'utf8');
const ENTRIES = (JSON.parse(BUNDLE) as { entry: unknown[] }).entry.length;
const IDENTIFIER = 'https://github.com/synthetichealth/synthea|5451401c-ab1b-4adc-9df6-c02e856e492a';

let server: TestServer;
let token: string;

beforeAll(async () => {
  server = await startTestServer({ dataDir: makeTempDir() });
  token = await server.login('clinician');
}, 60_000);

afterAll(async () => {
  await server?.close();
});

interface Line {
  progress?: { done: number; total: number; phase: string };
  report?: { status: string; counts: { created: number; updated: number; unchanged: number; refused: number } };
  error?: string;
}

/** POSTs an import and reads its NDJSON stream line by line; `onLine` sees each as it arrives. */
async function importFile(name: string, onLine: (line: Line) => void = () => undefined): Promise<Line[]> {
  const res = await fetch(`${server.url}/api/import?name=${name}`, { method: 'POST', body: BUNDLE, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/fhir+json' } });
  expect(res.status).toBe(200);
  const lines: Line[] = [];
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
      const line = JSON.parse(buffer.slice(0, nl)) as Line;
      buffer = buffer.slice(nl + 1);
      lines.push(line);
      onLine(line);
    }
  }
  return lines;
}

/** Rows of the import (server ids "imp-…") in the store: committed, as any reader sees them. */
function importedRows(): number {
  return server.app.twin.db.prepare("SELECT COUNT(*) FROM fhir_current WHERE id LIKE 'imp-%'").pluck().get() as number;
}

/** Makes the import's transaction fail with a real SQLite error after `after` version rows. */
function failImportAfter(after: number): () => void {
  const db = server.app.twin.db;
  db.exec(`CREATE TEMP TRIGGER fail_import BEFORE INSERT ON fhir_versions
    WHEN NEW.id LIKE 'imp-%' AND (SELECT COUNT(*) FROM fhir_versions WHERE id LIKE 'imp-%') >= ${after}
    BEGIN SELECT RAISE(ABORT, 'injected failure: no room for the import'); END`);
  return () => db.exec('DROP TRIGGER IF EXISTS temp.fail_import');
}

const get = (path: string) => fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${token}` } });

describe('an import alongside other requests', () => {
  it('a read during an import that fails never returns a resource of that import', async () => {
    const t0 = new Date(Date.now() - 1000).toISOString();
    const restore = failImportAfter(100);
    let importing = true;
    let readsDuringImport = 0;
    const seen: string[] = [];
    const statuses = new Set<number>();
    let started!: () => void;
    const firstProgress = new Promise<void>((r) => (started = r));
    const reader = (async () => {
      await firstProgress;
      while (importing) {
        for (const path of [`/fhir/Patient?identifier=${encodeURIComponent(IDENTIFIER)}`, `/fhir/Encounter?_lastUpdated=ge${t0}&_count=5`, `/fhir/Observation?_lastUpdated=ge${t0}&_count=5`]) {
          const res = await get(path);
          statuses.add(res.status);
          const bundle = (await res.json()) as { entry?: { resource: { resourceType: string; id: string } }[] };
          for (const e of bundle.entry ?? []) seen.push(`${e.resource.resourceType}/${e.resource.id}`);
          if (importing) readsDuringImport += 1;
        }
      }
    })();
    try {
      const lines = await importFile('fails.json', (l) => l.progress && started());
      importing = false;
      await reader;
      expect(lines.at(-1)?.error).toMatch(/import failed, nothing was written: .*injected failure/);
    } finally {
      importing = false;
      started();
      restore();
    }
    // The reads ran while the import was in progress, were answered, and saw none of it.
    expect(readsDuringImport).toBeGreaterThanOrEqual(3);
    expect([...statuses]).toEqual([200]);
    expect(seen.filter((ref) => /\/imp-/.test(ref))).toEqual([]);
    expect(importedRows()).toBe(0);
  }, 120_000);

  it("another request's write during an import is committed on its own and survives the import's failure", async () => {
    const restore = failImportAfter(100);
    let write: Promise<{ status: number; id: string; committedBeforeImportEnded: boolean }> | undefined;
    let importEnded = false;
    try {
      const lines = await importFile('fails-again.json', (l) => {
        if (!l.progress || write) return;
        write = (async () => {
          const res = await fetch(`${server.url}/fhir/Observation`, {
            method: 'POST',
            headers: { authorization: `Bearer ${token}`, 'content-type': 'application/fhir+json' },
            body: JSON.stringify({ resourceType: 'Observation', status: 'final', code: { text: 'written during an import' }, subject: { reference: 'Patient/demo-as' }, valueQuantity: { value: 72, unit: '/min', system: 'http://unitsofmeasure.org', code: '/min' } }),
          });
          const body = (await res.json()) as { id: string };
          return { status: res.status, id: body.id, committedBeforeImportEnded: !importEnded };
        })();
      });
      importEnded = true;
      expect(lines.at(-1)?.error).toMatch(/injected failure/);
    } finally {
      restore();
    }
    expect(write).toBeDefined();
    const w = await write!;
    expect(w.status).toBe(201);
    // Not queued behind the whole import: the import holds the write connection only for its inserts.
    expect(w.committedBeforeImportEnded).toBe(true);
    const read = await get(`/fhir/Observation/${w.id}`);
    expect(read.status).toBe(200);
    expect(((await read.json()) as { code: { text: string } }).code.text).toBe('written during an import');
    expect(importedRows()).toBe(0);
  }, 120_000);

  it('the same Bundle imported twice at once creates each resource once', async () => {
    const before = importedRows();
    const [a, b] = await Promise.all([importFile('twice-a.json'), importFile('twice-b.json')]);
    const ra = a.at(-1)?.report;
    const rb = b.at(-1)?.report;
    expect(ra?.counts.refused).toBe(0);
    expect(rb?.counts.refused).toBe(0);
    // One of them created everything, the other found everything already there.
    expect([ra!.counts.created, rb!.counts.created].sort((x, y) => x - y)).toEqual([0, ENTRIES]);
    expect([ra!.counts.unchanged, rb!.counts.unchanged].sort((x, y) => x - y)).toEqual([0, ENTRIES]);
    expect(ra!.counts.updated + rb!.counts.updated).toBe(0);
    expect(importedRows() - before).toBe(ENTRIES);
    const patients = (await (await get(`/fhir/Patient?identifier=${encodeURIComponent(IDENTIFIER)}`)).json()) as { total: number };
    expect(patients.total).toBe(1);
  }, 120_000);
});
