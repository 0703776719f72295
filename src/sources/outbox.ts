// Writes made while the server or its upstream is unreachable wait here and are replayed, in
// order, when it answers again. Every entry is a conditional create keyed by a business
// identifier (`If-None-Exist: identifier=system|value`), so replaying a write the server did
// receive before the connection broke returns the existing resource instead of a duplicate.
//
// The queue logic is pure over an OutboxStorage; idb-outbox-storage.ts adapts IndexedDB.
import type { Identifier, Resource } from '@medplum/fhirtypes';
import { ApiError } from './http';

export interface OutboxEntry {
  /** `system|value` of the identifier; also the idempotency key. */
  key: string;
  resource: Resource;
  ifNoneExist: string;
  enqueuedAtIso: string;
  attempts: number;
  /** Set when the server refused it for a reason retrying cannot fix; kept for the user to see. */
  rejected?: { status: number; message: string };
  /** Insertion order; storage may not keep it. */
  seq: number;
}

export interface OutboxStorage {
  list(): Promise<OutboxEntry[]>;
  put(entry: OutboxEntry): Promise<void>;
  remove(key: string): Promise<void>;
}

/** A Map-backed storage: for tests and for browsers without IndexedDB (entries then live until reload). */
export class MemoryOutboxStorage implements OutboxStorage {
  private readonly entries = new Map<string, OutboxEntry>();
  list(): Promise<OutboxEntry[]> {
    return Promise.resolve([...this.entries.values()].map((e) => structuredClone(e)));
  }
  put(entry: OutboxEntry): Promise<void> {
    this.entries.set(entry.key, structuredClone(entry));
    return Promise.resolve();
  }
  remove(key: string): Promise<void> {
    this.entries.delete(key);
    return Promise.resolve();
  }
}

function identifierOf(resource: Resource): Identifier | undefined {
  const ids = (resource as { identifier?: Identifier | Identifier[] }).identifier;
  const list = Array.isArray(ids) ? ids : ids ? [ids] : [];
  return list.find((i) => i.system && i.value);
}

/** The idempotency key and If-None-Exist header for a resource; throws when it has no usable identifier. */
export function idempotencyOf(resource: Resource): { key: string; ifNoneExist: string } {
  const id = identifierOf(resource);
  if (!id?.system || !id.value) {
    throw new Error(
      `${resource.resourceType} cannot be queued offline: it needs an identifier with system and value, so a replay cannot create a duplicate.`,
    );
  }
  // Search token syntax: "|" separates system and value; commas and backslashes in values are escaped.
  const esc = (s: string) => s.replace(/\\/g, '\\\\').replace(/,/g, '\\,').replace(/\|/g, '\\|').replace(/\$/g, '\\$');
  return { key: `${id.system}|${id.value}`, ifNoneExist: `identifier=${esc(id.system)}|${esc(id.value)}` };
}

export type SendFn = (resource: Resource, ifNoneExist: string) => Promise<Resource>;

export interface ReplayResult {
  sent: string[];
  rejected: string[];
  /** Stopped at the first connectivity failure (order matters: later writes may depend on earlier ones). */
  stoppedBy?: ApiError;
  remaining: number;
}

export class Outbox {
  private replaying: Promise<ReplayResult> | null = null;
  constructor(
    private readonly storage: OutboxStorage,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async enqueue(resource: Resource): Promise<OutboxEntry> {
    const { key, ifNoneExist } = idempotencyOf(resource);
    const existing = (await this.storage.list()).find((e) => e.key === key);
    if (existing) return existing; // the same write queued twice is one write
    const seq = (await this.storage.list()).reduce((m, e) => Math.max(m, e.seq), 0) + 1;
    const entry: OutboxEntry = { key, resource, ifNoneExist, enqueuedAtIso: this.now().toISOString(), attempts: 0, seq };
    await this.storage.put(entry);
    return entry;
  }

  async pending(): Promise<OutboxEntry[]> {
    return (await this.storage.list()).sort((a, b) => a.seq - b.seq);
  }

  /**
   * Sends waiting entries oldest first. Success (201 created, or 200 because the identifier already
   * exists) removes the entry. A connectivity failure stops the run and keeps everything from there.
   * Any other refusal marks that entry rejected (not retried automatically) and moves on.
   * Concurrent calls share one run.
   */
  replay(send: SendFn): Promise<ReplayResult> {
    this.replaying ??= this.runReplay(send).finally(() => {
      this.replaying = null;
    });
    return this.replaying;
  }

  private async runReplay(send: SendFn): Promise<ReplayResult> {
    const result: ReplayResult = { sent: [], rejected: [], remaining: 0 };
    const entries = await this.pending();
    for (const entry of entries) {
      if (entry.rejected) continue;
      try {
        await send(entry.resource, entry.ifNoneExist);
        await this.storage.remove(entry.key);
        result.sent.push(entry.key);
      } catch (err) {
        const apiErr = err instanceof ApiError ? err : null;
        if (!apiErr || apiErr.isConnectivity || apiErr.kind === 'server' || apiErr.kind === 'rate-limited') {
          await this.storage.put({ ...entry, attempts: entry.attempts + 1 });
          result.stoppedBy = apiErr ?? new ApiError('network', 0, err instanceof Error ? err.message : String(err));
          break;
        }
        await this.storage.put({
          ...entry,
          attempts: entry.attempts + 1,
          rejected: { status: apiErr.status, message: apiErr.message },
        });
        result.rejected.push(entry.key);
      }
    }
    result.remaining = (await this.storage.list()).length;
    return result;
  }

  /** Drops a rejected entry once the user has seen why. */
  async discard(key: string): Promise<void> {
    await this.storage.remove(key);
  }
}

export type WriteOutcome = { status: 'sent'; resource: Resource } | { status: 'queued'; entry: OutboxEntry };

/**
 * Conditional create now, or into the outbox when the server or its upstream cannot be reached.
 * Refusals (400, 403 consent, …) are thrown: queueing them would only postpone the error.
 */
export async function createOrQueue(outbox: Outbox, send: SendFn, resource: Resource): Promise<WriteOutcome> {
  const { ifNoneExist } = idempotencyOf(resource);
  try {
    return { status: 'sent', resource: await send(resource, ifNoneExist) };
  } catch (err) {
    if (err instanceof ApiError && err.isConnectivity) return { status: 'queued', entry: await outbox.enqueue(resource) };
    throw err;
  }
}
