// The AuditSink: each record is made durable in the local log first, then forwarded as a FHIR
// AuditEvent to the store best-effort. Records the store did not take (outage, upstream down)
// stay pending and are retried in the background and at the next start, from the log.
import type { AuditEvent } from '@medplum/fhirtypes';
import { randomUUID } from 'node:crypto';
import type { AuditRecordInput, AuditSink } from '../contracts';
import type { AuditLog, AuditLogLine } from './log';
import { toAuditEvent } from './record';

/** Where AuditEvents go: the embedded store, or an upstream FHIR server. */
export interface AuditEventStore {
  /** Stores the event under its own id (idempotent: a re-send of the same id is harmless). */
  put(event: AuditEvent): Promise<void>;
  /** True when an AuditEvent with this id is already stored. */
  has(id: string): Promise<boolean>;
}

export class AuditTrail implements AuditSink {
  private readonly pending = new Map<string, AuditLogLine>();
  private retryTimer: NodeJS.Timeout | undefined;
  private forwarding = new Set<Promise<void>>();

  constructor(
    private readonly log: AuditLog,
    private readonly store: AuditEventStore,
    private readonly retryMs = 5000,
  ) {}

  async record(entry: AuditRecordInput): Promise<void> {
    const line: AuditLogLine = { id: randomUUID(), ...entry };
    await this.log.append(line); // durable before the response completes
    this.forward(line);
  }

  /** Number of records not yet accepted by the AuditEvent store. */
  get pendingCount(): number {
    return this.pending.size;
  }

  private forward(line: AuditLogLine): void {
    const p = this.store
      .put(toAuditEvent(line.id, line))
      .then(() => {
        this.pending.delete(line.id);
      })
      .catch(() => {
        this.pending.set(line.id, line);
        this.scheduleRetry();
      })
      .finally(() => this.forwarding.delete(p));
    this.forwarding.add(p);
  }

  private scheduleRetry(): void {
    if (this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      for (const line of [...this.pending.values()]) this.forward(line);
    }, this.retryMs);
    this.retryTimer.unref();
  }

  /** At start: re-sends every logged record whose AuditEvent the store does not have. Returns how many. */
  async resendMissing(): Promise<number> {
    let n = 0;
    for (const line of this.log.readAll()) {
      if (await this.store.has(line.id)) continue;
      n++;
      try {
        await this.store.put(toAuditEvent(line.id, line));
      } catch {
        this.pending.set(line.id, line);
        this.scheduleRetry();
      }
    }
    return n;
  }

  /** Waits for in-flight forwards (used at shutdown and by tests). */
  async drain(): Promise<void> {
    while (this.forwarding.size > 0) await Promise.allSettled([...this.forwarding]);
  }

  async close(): Promise<void> {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    await this.drain();
    await this.log.close();
  }
}
