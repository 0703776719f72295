// The audit writer thread (issue 14): started by ThreadedAuditLog (thread-log.ts) through the one
// WorkerPool on a Node worker thread (workers/nodeThread). It takes batches of pre-serialised
// audit records from the event-loop thread, appends them to audit.log with one write +
// fdatasync (the file descriptor is the main thread's: fds are per process, so a thread that dies
// leaks none), and — embedded mode — inserts their AuditEvents on its own SQLite connection,
// so neither the fsync wait nor the AuditEvent building, JSON and SQL run on the event loop.
//
// Order: the ack of a batch is returned only after its fdatasync; the record is durable then.
// The AuditEvents — copies of the log's records, for the admin's searches — are inserted in
// groups: at once when EVENT_GROUP are queued, else EVENT_DELAY_MS after the first of a group
// (the log's batches hold 2–22 records under load, and an insert transaction per batch cost
// ~0.08 ms of this thread's CPU per record against ~0.03 in groups of 50: issue 14, round 8).
// A search or read of AuditEvents first calls settle() (AuditTrail.flushEvents), so it sees
// every record acknowledged before it. When another connection holds the write lock (a FHIR
// transaction open across awaits, an import) the insert is retried a few ms later instead of
// blocking the log, and the outcome comes back with a later ack or settle().
import Database from 'better-sqlite3';
import { fdatasyncSync, writeSync } from 'node:fs';
import type { AuditEvent } from '@medplum/fhirtypes';
import { expose } from '../../core/workerPool/workerPool';
import { AuditEventInserter } from './event-table';
import { EVENT_DELAY_MS, EVENT_GROUP } from './groupCommit';
import type { AuditLogLine } from './log';
import { toAuditEvent } from './record';

/** Outcome of AuditEvent inserts since the previous report: record ids stored, and failed. */
export interface EventsReport {
  stored: string[];
  failed: string[];
  /** Why the failed ones failed (first error), for the server's error line. */
  error?: string;
}

export interface AuditWriterApi {
  /**
   * Appends `lines` (JSON texts, no newline) to the log at `fd`, then fdatasync. `storeAt[i]`
   * marks the lines whose AuditEvent goes into the table of `dbFile`. Resolves after the fsync,
   * with the AuditEvent outcomes known by then; throws when the write or the sync failed.
   */
  append(fd: number, dbFile: string | null, lines: string[], storeAt: boolean[], eventDelayMs?: number): EventsReport;
  /** Resolves once every queued AuditEvent is stored or failed (retried while the lock is busy, at most `maxWaitMs`). */
  settle(maxWaitMs: number): Promise<EventsReport>;
  /** Inserts every queued AuditEvent now (retried while the lock is busy, at most `maxWaitMs`; what is left stays queued). */
  flush(maxWaitMs: number): Promise<EventsReport>;
  /** Tests only: the next append writes and syncs its lines, then the thread exits before answering. */
  exitAfterNextWrite(): void;
}

/** How long an insert waits between tries while another connection holds the write lock. */
const RETRY_MS = 5;

let db: Database.Database | undefined;
let dbPath: string | null = null;
let inserter: AuditEventInserter | undefined;
let queued: { id: string; event: AuditEvent }[] = [];
let report: EventsReport = { stored: [], failed: [] };
let retryTimer: NodeJS.Timeout | undefined;
let exitAfterWrite = false;

function connection(file: string): AuditEventInserter {
  if (inserter && dbPath === file) return inserter;
  db?.close();
  db = new Database(file, { fileMustExist: true });
  // Never wait inside SQLite for the lock: a busy database must not hold up the log (see top).
  db.pragma('busy_timeout = 0');
  // Copies of the fsync'ed audit.log: NORMAL is enough (survives a process crash).
  db.pragma('synchronous = NORMAL');
  dbPath = file;
  inserter = new AuditEventInserter(db);
  return inserter;
}

function isBusy(err: unknown): boolean {
  const code = (err as { code?: string }).code ?? '';
  return code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED');
}

/** Tries to insert everything queued: true when the queue is empty afterwards. */
function insertQueued(): boolean {
  if (queued.length === 0 || !inserter) return true;
  const batch = queued;
  try {
    inserter.insertAll.immediate(batch.map((q) => q.event));
  } catch (err) {
    if (isBusy(err)) return false;
    queued = [];
    for (const q of batch) report.failed.push(q.id);
    report.error ??= err instanceof Error ? err.message : String(err);
    return true;
  }
  queued = [];
  for (const q of batch) report.stored.push(q.id);
  return true;
}

/** Inserts what is queued after `ms` (one timer at a time), and again every RETRY_MS while the lock is busy. */
function scheduleRetry(ms = RETRY_MS): void {
  if (retryTimer) return;
  retryTimer = setTimeout(() => {
    retryTimer = undefined;
    if (!insertQueued()) scheduleRetry();
  }, ms);
}

function takeReport(): EventsReport {
  const r = report;
  report = { stored: [], failed: [] };
  return r;
}

function writeAll(fd: number, data: Buffer): void {
  let offset = 0;
  while (offset < data.length) offset += writeSync(fd, data, offset, data.length - offset);
}

const api: AuditWriterApi = {
  append(fd, dbFile, lines, storeAt, eventDelayMs = EVENT_DELAY_MS) {
    writeAll(fd, Buffer.from(`${lines.join('\n')}\n`));
    fdatasyncSync(fd);
    if (exitAfterWrite) process.exit(70);
    if (dbFile !== null) {
      connection(dbFile);
      for (let i = 0; i < lines.length; i++) {
        if (!storeAt[i]) continue;
        const line = JSON.parse(lines[i]!) as AuditLogLine;
        queued.push({ id: line.id, event: toAuditEvent(line.id, line) });
      }
      if (queued.length >= EVENT_GROUP) {
        if (!insertQueued()) scheduleRetry();
      } else if (queued.length > 0) {
        scheduleRetry(eventDelayMs);
      }
    }
    return takeReport();
  },
  async settle(maxWaitMs) {
    const until = Date.now() + maxWaitMs;
    while (!insertQueued() && Date.now() < until) await new Promise((r) => setTimeout(r, RETRY_MS));
    if (queued.length > 0) {
      for (const q of queued) report.failed.push(q.id);
      report.error ??= 'the database stayed locked';
      queued = [];
    }
    return takeReport();
  },
  async flush(maxWaitMs) {
    const until = Date.now() + maxWaitMs;
    while (!insertQueued() && Date.now() < until) await new Promise((r) => setTimeout(r, RETRY_MS));
    if (queued.length > 0) scheduleRetry();
    return takeReport();
  },
  exitAfterNextWrite() {
    exitAfterWrite = true;
  },
};

expose(api);
