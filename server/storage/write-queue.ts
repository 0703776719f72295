// One write queue per SQLite connection. The embedded FHIR store keeps a transaction open across
// awaits (medplum's repository API is async), and SQLite transactions belong to the connection,
// not to a request: any other statement that ran on the connection meanwhile — a logout's
// revocation, an admin's user change — became part of that request's transaction (and was
// silently rolled back with it), and any other BEGIN failed with "cannot start a transaction
// within a transaction". So every write on the shared connection goes through this queue: one
// at a time, each to its end (commit or rollback) before the next starts.
import type { Db } from './database';

export class WriteQueue {
  private tail: Promise<unknown> = Promise.resolve();

  constructor(private readonly db: Db) {}

  /** Runs `fn` when every earlier write has finished; its own failure does not block later ones. */
  async run<T>(fn: () => Promise<T> | T): Promise<T> {
    const previous = this.tail;
    let release!: () => void;
    this.tail = new Promise<void>((resolve) => {
      release = resolve;
    });
    await previous;
    try {
      // A transaction left open here would swallow this write: a bug upstream, refuse loudly.
      if (this.db.inTransaction) throw new Error('a SQLite transaction was left open on the shared connection');
      return await fn();
    } finally {
      release();
    }
  }
}

const queues = new WeakMap<Db, WriteQueue>();

/** The write queue of a connection (created on first use). */
export function writeQueueOf(db: Db): WriteQueue {
  let q = queues.get(db);
  if (!q) {
    q = new WriteQueue(db);
    queues.set(db, q);
  }
  return q;
}
