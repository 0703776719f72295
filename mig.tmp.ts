import { FhirStore } from './server/fhir/store';
import { openDatabase } from './server/storage/database';
const t = process.cpuUsage(); const t0 = performance.now();
const db = openDatabase(process.argv[2]!);
const store = await FhirStore.open(db);
const d = process.cpuUsage(t);
console.log(JSON.stringify({ openMs: Math.round(performance.now() - t0), cpuMs: Math.round((d.user + d.system) / 1000), timelineRows: db.prepare('SELECT COUNT(*) FROM idx_timeline').pluck().get() }));
store.close(); db.pragma('wal_checkpoint(TRUNCATE)'); db.close();
