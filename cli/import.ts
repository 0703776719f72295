// `npm run import -- FILE|DIR… [--json]`: FHIR R4 records (Bundles — transaction, batch,
// collection — single resources, or NDJSON; Synthea output as it comes) into the embedded store
// in TWIN_DATA_DIR (default ./.twin-data), through the same importer as POST /api/import.
// One audit record per file, with its counts. Stop the server first: it holds the store in memory
// (if it answers on PORT, the command refuses and says so).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { userInfo } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { randomUUID } from 'node:crypto';
import { AuditEventTable } from '../server/audit/event-table';
import { AuditLog } from '../server/audit/log';
import { buildAuditRecord } from '../server/audit/record';
import { AuditTrail } from '../server/audit/trail';
import { loadConfig } from '../server/config';
import { FhirStore } from '../server/fhir/store';
import { ImportCancelledError, importRecords, type ImportReport } from '../server/import/importer';
import { auditDetailOf } from '../server/import/routes';
import { ImportFileError } from '../server/import/parse';
import { openDatabase } from '../server/storage/database';


const USAGE = 'usage: npm run import -- FILE|DIR… [--json]   (FHIR R4 Bundles, resources or NDJSON; a DIR imports its *.json and *.ndjson files)';

function filesOf(paths: readonly string[]): string[] {
  const out: string[] = [];
  for (const p of paths) {
    const st = statSync(p);
    if (st.isDirectory()) {
      for (const name of readdirSync(p).sort()) if (/\.(json|ndjson)$/i.test(name)) out.push(join(p, name));
    } else out.push(p);
  }
  return out;
}

async function serverIsRunning(port: number): Promise<boolean> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(800) });
    return res.ok;
  } catch {
    return false;
  }
}

function printReport(r: ImportReport): void {
  const c = r.counts;
  process.stdout.write(`${r.file}: ${c.received} received, ${c.created} created, ${c.updated} updated, ${c.unchanged} unchanged, ${c.refused} refused (${(r.elapsedMs / 1000).toFixed(1)} s)\n`);
  for (const p of r.patients) {
    process.stdout.write(`  Patient/${p.id}  ${p.name}  born ${p.birthDate ?? '?'}  ${p.outcome}\n`);
    process.stdout.write(`    twin: ${p.twin || 'can be calibrated and forecast'}\n`);
    for (const n of p.notes) process.stdout.write(`    limitation: ${n}\n`);
  }
  for (const x of r.refused.slice(0, 20)) process.stdout.write(`  refused ${x.where}${x.resourceType ? ` ${x.resourceType}` : ''}${x.id ? `/${x.id}` : ''}: ${x.reason}\n`);
  if (r.refused.length > 20) process.stdout.write(`  … and ${r.refused.length - 20} more refused (use --json for all)\n`);
}

export async function runImportCli(argv: string[]): Promise<number> {
  const json = argv.includes('--json');
  const paths = argv.filter((a) => a !== '--json');
  if (paths.length === 0 || paths.some((p) => p.startsWith('-'))) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  // npm runs scripts from the package root; paths are the user's, relative to where they typed.
  const base = process.env.INIT_CWD ?? process.cwd();
  let files: string[];
  try {
    files = filesOf(paths.map((p) => (isAbsolute(p) ? p : resolve(base, p))));
  } catch (err) {
    process.stderr.write(`import: ${err instanceof Error ? err.message : String(err)}\n`);
    return 2;
  }
  if (files.length === 0) {
    process.stderr.write('import: no .json or .ndjson files found\n');
    return 2;
  }
  const config = loadConfig();
  if (config.fhirUpstream) {
    process.stderr.write('import: FHIR_UPSTREAM_URL is set: this server reads an upstream FHIR server; import the records there\n');
    return 2;
  }
  if (await serverIsRunning(config.port)) {
    process.stderr.write(`import: the Twinscope server is running on port ${config.port} and holds the store in memory; stop it, import, then start it again (or use "Import record" in the app)\n`);
    return 2;
  }
  const db = openDatabase(config.dataDir);
  const store = await FhirStore.open(db);
  const auditEvents = new AuditEventTable(db);
  const audit = new AuditTrail(AuditLog.inDir(config.dataDir), auditEvents);
  await audit.resendMissing();
  const os = userInfo().username;
  const controller = new AbortController();
  process.once('SIGINT', () => {
    process.stderr.write('\nimport: cancelling (the current file is not written)…\n');
    controller.abort();
  });
  let failures = 0;
  const reports: ImportReport[] = [];
  try {
    for (const [i, file] of files.entries()) {
      if (controller.signal.aborted) break;
      const name = file.split(/[\\/]/).pop() ?? file;
      process.stderr.write(`import: [${i + 1}/${files.length}] ${name}\n`);
      const record = (httpStatus: number, detail: string, entities: string[] = []) =>
        audit.record(
          buildAuditRecord({
            at: new Date().toISOString(),
            method: 'POST',
            url: '/api/import',
            user: { id: `cli:${os}`, username: `${os} (command line)`, role: 'clinician' },
            httpStatus,
            requestId: randomUUID(),
            sourceIp: 'local',
            detail,
            entities,
          }),
        );
      try {
        const report = await importRecords(store, readFileSync(file, 'utf8'), name, { signal: controller.signal });
        await record(200, auditDetailOf(report), report.patients.slice(0, 50).map((p) => `Patient/${p.id}`));
        reports.push(report);
        if (!json) printReport(report);
        if (report.counts.refused > 0) failures += 1;
      } catch (err) {
        failures += 1;
        if (err instanceof ImportCancelledError) {
          await record(499, 'import cancelled');
          process.stderr.write(`import: ${name}: cancelled, nothing written\n`);
        } else if (err instanceof ImportFileError) {
          await record(400, 'import refused: unusable file');
          process.stderr.write(`import: ${name}: ${err.message}\n`);
        } else {
          await record(500, 'import failed');
          process.stderr.write(`import: ${name}: failed, nothing from this file was written: ${err instanceof Error ? err.message : String(err)}\n`);
        }
      }
    }
  } finally {
    await audit.close();
    store.close();
    db.close();
  }
  if (json) process.stdout.write(`${JSON.stringify(reports, null, 2)}\n`);
  return controller.signal.aborted ? 130 : failures > 0 ? 1 : 0;
}

runImportCli(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`import: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
