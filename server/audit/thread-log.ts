// audit.log written by a worker thread (issue 14): the event-loop thread serialises each record
// once, collects the records of one event-loop turn and posts them as one batch to the audit
// writer thread (audit.worker.ts, through the one WorkerPool), which appends them with one
// write + fdatasync and — embedded mode — inserts their AuditEvents on its own SQLite connection.
// While a batch is in the thread, the next one collects (group commit). append() resolves only on
// the thread's ack, which comes after the fsync: no response is released before its record is
// durable. A thread that dies (or fails to write) rejects every record of the batch it held —
// their requests are answered 503, never served — and the next batch starts a fresh thread.
import { closeSync } from 'node:fs';
import { WorkerPool, type WorkerFactory } from '../../core/workerPool/workerPool';
import type { AuditWriterApi, EventsReport } from './audit.worker';
import { GroupCommit } from './groupCommit';
import { AuditLogError, openAuditLogFile, readAuditLog, type AuditLogLine, type AuditLogWriter } from './log';

interface Waiter {
  id: string;
  line: string;
  resolve: () => void;
  reject: (err: Error) => void;
  onEventStored: ((stored: boolean) => void) | undefined;
}

/** How long close()/settle() wait for AuditEvents held back by a locked database. */
const SETTLE_MAX_MS = 10_000;
/** How long an AuditEvent search waits for the thread's queued AuditEvents while the database is locked. */
const FLUSH_MAX_MS = 2_000;

export class ThreadedAuditLog implements AuditLogWriter {
  readonly storesEvents: boolean;
  private readonly fd: number;
  private readonly pool: WorkerPool<AuditWriterApi>;
  private readonly commits = new GroupCommit<Waiter>((batch, done) => this.writeBatch(batch, done));
  private closed = false;
  /** AuditEvents handed to the thread, not yet reported stored or failed: id → callback. */
  private readonly awaitingEvent = new Map<string, (stored: boolean) => void>();

  /**
   * `dbFile`: the embedded store's SQLite file, whose audit_events table (created already) the
   * thread inserts into; null when AuditEvents go elsewhere (upstream mode, tests).
   */
  constructor(
    readonly file: string,
    private readonly dbFile: string | null,
    threads: WorkerFactory,
    /** How long the thread holds a short group of AuditEvents before inserting it (default audit.worker.ts EVENT_DELAY_MS). */
    private readonly eventDelayMs?: number,
  ) {
    this.fd = openAuditLogFile(file);
    this.storesEvents = dbFile !== null;
    this.pool = new WorkerPool<AuditWriterApi>({ name: 'audit log', create: threads, size: 1 });
  }

  /** Batches written so far (each one write + fdatasync in the thread). */
  get syncs(): number {
    return this.commits.batches;
  }

  append(entry: AuditLogLine, onEventStored?: (stored: boolean) => void): Promise<void> {
    if (this.closed) return Promise.reject(new AuditLogError('audit log is closed'));
    return new Promise<void>((resolve, reject) => {
      // One batch per event-loop turn, one batch in the thread at a time (groupCommit.ts).
      this.commits.push({ id: entry.id, line: JSON.stringify(entry), resolve, reject, onEventStored: this.storesEvents ? onEventStored : undefined });
    });
  }

  private writeBatch(batch: Waiter[], next: () => void): void {
    const lines = batch.map((w) => w.line);
    const storeAt = batch.map((w) => w.onEventStored !== undefined);
    for (const w of batch) if (w.onEventStored) this.awaitingEvent.set(w.id, w.onEventStored);
    this.pool
      .run((api) => api.append(this.fd, this.dbFile, lines, storeAt, this.eventDelayMs))
      .then(
        (report) => {
          this.applyReport(report);
          for (const w of batch) w.resolve();
        },
        (err: unknown) => {
          const why = err instanceof Error ? err.message : String(err);
          // Whether the lines reached the disk is unknown: the requests are refused (503); the
          // AuditEvents of lines that did are sent at the next start (AuditTrail.resendMissing).
          for (const w of batch) {
            this.awaitingEvent.delete(w.id);
            w.reject(new AuditLogError(`audit log write failed: ${why}`));
          }
        },
      )
      .finally(next);
  }

  private applyReport(report: EventsReport): void {
    if (report.error) process.stderr.write(`audit: AuditEvents not stored by the audit thread (${report.error.slice(0, 200)}); forwarded again\n`);
    for (const id of report.stored) this.settleEvent(id, true);
    for (const id of report.failed) this.settleEvent(id, false);
  }

  private settleEvent(id: string, stored: boolean): void {
    const callback = this.awaitingEvent.get(id);
    if (!callback) return;
    this.awaitingEvent.delete(id);
    callback(stored);
  }

  /** Waits for queued batches, then for the AuditEvents the thread still holds back. */
  async settle(): Promise<void> {
    await this.commits.drained();
    if (this.awaitingEvent.size === 0) return;
    try {
      this.applyReport(await this.pool.run((api) => api.settle(SETTLE_MAX_MS)));
    } catch {
      // The thread is gone: those AuditEvents are re-sent from the log at the next start.
    }
    // Whatever the thread never reported (it died) is the caller's to forward.
    for (const id of [...this.awaitingEvent.keys()]) this.settleEvent(id, false);
  }

  /**
   * Stores the AuditEvents of every record appended so far (the thread inserts them in groups,
   * audit.worker.ts), without waiting for the log to go idle: called before an AuditEvent search
   * or read, so that it sees every record acknowledged before it. Those still held back by a
   * lock after FLUSH_MAX_MS stay queued in the thread.
   */
  async flushEvents(): Promise<void> {
    if (this.awaitingEvent.size === 0) return;
    try {
      // Queued behind the batch in the thread (one thread, tasks in order).
      this.applyReport(await this.pool.run((api) => api.flush(FLUSH_MAX_MS)));
    } catch {
      // The thread is gone: settle()/close() forward what it never reported; the next start re-sends from the log.
    }
  }

  readAll(): AuditLogLine[] {
    return readAuditLog(this.file);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.settle();
    this.closed = true;
    await this.pool.terminate();
    closeSync(this.fd);
  }

  /** Tests only: the thread's next batch is written and synced, then the thread dies before acking. */
  async exitThreadAfterNextWriteForTest(): Promise<void> {
    await this.pool.run((api) => api.exitAfterNextWrite());
  }
}
