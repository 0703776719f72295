// Group commit for the audit log writers (log.ts on the event loop, thread-log.ts through the audit
// thread): the first item after an idle moment waits for the rest of this event-loop turn, so the
// requests whose data arrived in the same poll join one write + fsync instead of each starting one
// (on a disk with fast fsync, group commit otherwise degenerated into about one fdatasync per
// request under load). While a batch is being written the next one collects; one batch at a time.

/** The audit thread inserts AuditEvents at once when this many are queued… (audit.worker.ts) */
export const EVENT_GROUP = 64;
/** …else this long after the first of the group was queued (ThreadedAuditLog may say otherwise: tests). */
export const EVENT_DELAY_MS = 10;

export class GroupCommit<T> {
  /** Batches handed to `write` so far. */
  batches = 0;
  private queue: T[] = [];
  private writing = false;
  private scheduled = false;

  /** `write` must call `done` exactly once, when the batch is durable or has failed. */
  constructor(private readonly write: (batch: T[], done: () => void) => void) {}

  push(item: T): void {
    this.queue.push(item);
    if (this.writing || this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      if (!this.writing) this.next();
    });
  }

  /** Nothing queued, scheduled or being written. */
  get idle(): boolean {
    return !this.writing && !this.scheduled && this.queue.length === 0;
  }

  /** Resolves once idle (polls: used on close and settle only). */
  async drained(pollMs = 2): Promise<void> {
    while (!this.idle) await new Promise((r) => setTimeout(r, pollMs));
  }

  private next(): void {
    const batch = this.queue;
    this.queue = [];
    if (batch.length === 0) {
      this.writing = false;
      return;
    }
    this.writing = true;
    this.batches++;
    this.write(batch, () => this.next());
  }
}
