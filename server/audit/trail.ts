// The AuditSink: each record is made durable in the local log first, then forwarded as a FHIR
// AuditEvent to the store best-effort. Records the store did not take (outage, upstream down)
// stay pending and are retried in the background and at the next start, from the log.
//
// A watermark file (`audit.sent`: "the first N records of audit.log are in the store") keeps the
// start-up check short: only records after it are looked up. It is a hint, written without
// fsync: if it is stale, more records are checked, and re-sending is idempotent (same id).
import type { AuditEvent } from '@medplum/fhirtypes';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { AuditRecordInput, AuditSink } from '../../core/contracts';
import type { AuditLogLine, AuditLogWriter } from './log';
import { toAuditEvent } from './record';

/** Where AuditEvents go: the embedded store, or an upstream FHIR server. */
export interface AuditEventStore {
  /** Stores the event under its own id (idempotent: a re-send of the same id is harmless). */
  put(event: AuditEvent): Promise<void>;
  /** True when an AuditEvent with this id is already stored. */
  has(id: string): Promise<boolean>;
}

export const AUDIT_WATERMARK_FILE = 'audit.sent';

interface Pending {
  line: AuditLogLine;
  /** Position of the record in audit.log (0-based, complete records only). */
  index: number;
}

export class AuditTrail implements AuditSink {
  private readonly pending = new Map<string, Pending>();
  private retryTimer: NodeJS.Timeout | undefined;
  private readonly forwarding = new Set<Promise<void>>();
  private readonly watermarkFile: string;
  /** Records known to be in the log (complete lines); the next record gets this index. */
  private nextIndex = 0;
  /** All records with index < confirmed are in the store. */
  private confirmed = 0;
  /** Indexes ≥ confirmed already stored, waiting for the gap below them to close. */
  private readonly storedAhead = new Set<number>();
  private lastPersisted = 0;
  /** False until the position in the log is known (resendMissing, or the first record). */
  private positioned = false;
  /** The watermark being written in the background (markStored), if any. */
  private watermarkWrite: Promise<void> | undefined;

  constructor(
    private readonly log: AuditLogWriter,
    private readonly store: AuditEventStore,
    private readonly retryMs = 5000,
  ) {
    this.watermarkFile = join(dirname(log.file), AUDIT_WATERMARK_FILE);
  }

  async record(entry: AuditRecordInput): Promise<void> {
    const line: AuditLogLine = { id: randomUUID(), ...entry };
    if (!this.positioned) this.position(this.log.readAll().length, this.readWatermark());
    // Index in call order = order in the file (the log appends its queue in order).
    const index = this.nextIndex++;
    if (this.log.storesEvents) {
      // The log's writer thread stores the AuditEvent itself (thread-log.ts); one it could not
      // store is forwarded from here like any other.
      await this.log.append(line, (stored) => (stored ? this.markStored(index) : this.forward({ line, index })));
      return;
    }
    await this.log.append(line); // durable before the response completes
    this.forward({ line, index });
  }

  /**
   * Logs (durably) that a write is about to be forwarded, before it is. Not sent to the
   * AuditEvent store: the completion record (record()) is; if it never comes, the next start
   * sends this one, marked as interrupted. Rejects when the log cannot be written: the caller
   * must then refuse the write.
   */
  async recordIntent(entry: AuditRecordInput): Promise<void> {
    const line: AuditLogLine = { id: randomUUID(), ...entry, phase: 'intent' };
    if (!this.positioned) this.position(this.log.readAll().length, this.readWatermark());
    const index = this.nextIndex++;
    await this.log.append(line);
    this.markStored(index); // nothing to forward for an intent (see resendMissing)
  }

  /** Records (completions and intents) appended to the log and log writes so far, for the benches' batch size. */
  get counts(): { records: number; writes: number | undefined } {
    return { records: this.nextIndex, writes: this.log.syncs };
  }

  /** Number of records not yet accepted by the AuditEvent store. */
  get pendingCount(): number {
    return this.pending.size;
  }

  private position(recordsInLog: number, watermark: number): void {
    this.nextIndex = recordsInLog;
    this.confirmed = Math.min(watermark, recordsInLog);
    this.lastPersisted = this.confirmed;
    this.positioned = true;
  }

  private markStored(index: number): void {
    this.storedAhead.add(index);
    while (this.storedAhead.delete(this.confirmed)) this.confirmed++;
    if (this.confirmed - this.lastPersisted >= 500 && !this.watermarkWrite) this.persistWatermarkInBackground();
  }

  /**
   * Under load (every 500 records) the watermark is written without blocking the event loop: a
   * synchronous write + rename there took up to 2.4 ms on this machine (issue 14). One write at a
   * time; a hint only, so a failure or a stale value merely lengthens the next start's check.
   */
  private persistWatermarkInBackground(): void {
    const value = this.confirmed;
    const tmp = `${this.watermarkFile}.bg.tmp`;
    this.watermarkWrite = writeFile(tmp, `${value}\n`, { mode: 0o600 })
      .then(() => rename(tmp, this.watermarkFile))
      .then(
        () => {
          this.lastPersisted = Math.max(this.lastPersisted, value);
        },
        () => undefined,
      )
      .finally(() => {
        this.watermarkWrite = undefined;
        if (this.confirmed - this.lastPersisted >= 500 && this.positioned) this.persistWatermarkInBackground();
      });
  }

  private persistWatermark(): void {
    try {
      const tmp = `${this.watermarkFile}.tmp`;
      writeFileSync(tmp, `${this.confirmed}\n`, { mode: 0o600 });
      renameSync(tmp, this.watermarkFile);
      this.lastPersisted = this.confirmed;
    } catch {
      // Only a hint: a stale watermark means a longer check at the next start.
    }
  }

  private readWatermark(): number {
    if (!existsSync(this.watermarkFile)) return 0;
    const n = Number(readFileSync(this.watermarkFile, 'utf8').trim());
    return Number.isInteger(n) && n >= 0 ? n : 0;
  }

  private forward(p: Pending): void {
    const promise = this.store
      .put(toAuditEvent(p.line.id, p.line))
      .then(() => {
        this.pending.delete(p.line.id);
        this.markStored(p.index);
      })
      .catch(() => {
        this.pending.set(p.line.id, p);
        this.scheduleRetry();
      })
      .finally(() => this.forwarding.delete(promise));
    this.forwarding.add(promise);
  }

  private scheduleRetry(): void {
    if (this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      for (const p of [...this.pending.values()]) this.forward(p);
    }, this.retryMs);
    this.retryTimer.unref();
  }

  /**
   * At start: re-sends every logged record after the watermark whose AuditEvent the store does
   * not have. Returns how many were re-sent (or left pending when the store is unreachable).
   */
  async resendMissing(): Promise<number> {
    const lines = this.log.readAll();
    const watermark = Math.min(this.readWatermark(), lines.length);
    this.position(lines.length, watermark);
    let resent = 0;
    // Intents whose request has a completion record later in the log need nothing more.
    const completed = new Set<string>();
    for (let index = watermark; index < lines.length; index++) {
      const line = lines[index] as AuditLogLine;
      if (line.phase !== 'intent') completed.add(line.requestId);
    }
    for (let index = watermark; index < lines.length; index++) {
      let line = lines[index] as AuditLogLine;
      if (line.phase === 'intent') {
        if (completed.has(line.requestId)) {
          this.markStored(index);
          continue;
        }
        line = interruptedRecord(line);
      }
      let stored = false;
      try {
        stored = await this.store.has(line.id);
      } catch {
        stored = false;
      }
      if (stored) {
        this.markStored(index);
        continue;
      }
      resent++;
      try {
        await this.store.put(toAuditEvent(line.id, line));
        this.markStored(index);
      } catch {
        this.pending.set(line.id, { line, index });
        this.scheduleRetry();
      }
    }
    this.persistWatermark();
    return resent;
  }

  /**
   * Before an AuditEvent search or read: the AuditEvents of the records acknowledged so far are
   * stored (the audit thread inserts them in groups), and forwards in flight have landed.
   */
  async flushEvents(): Promise<void> {
    await this.log.flushEvents?.();
    if (this.forwarding.size > 0) await Promise.allSettled([...this.forwarding]);
  }

  /** Waits for in-flight forwards (used at shutdown and by tests). */
  async drain(): Promise<void> {
    await this.log.settle?.();
    while (this.forwarding.size > 0) await Promise.allSettled([...this.forwarding]);
  }

  async close(): Promise<void> {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    await this.drain();
    // A background write still in flight would otherwise land after this one with a lower value.
    while (this.watermarkWrite) await this.watermarkWrite;
    this.persistWatermark();
    await this.log.close();
  }
}

/** The AuditEvent for a write whose intent was logged but whose outcome never was (crash). */
export function interruptedRecord(intent: AuditLogLine): AuditLogLine {
  const { phase: _phase, ...rest } = intent;
  return {
    ...rest,
    httpStatus: 0,
    outcome: '8',
    detail: `interrupted: the server stopped before the outcome was recorded; the write may have been committed${intent.detail ? ` (${intent.detail})` : ''}`.slice(0, 200),
  };
}
