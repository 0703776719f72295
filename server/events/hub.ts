// The live-event hub behind GET /events: fans ResourceEvents out to per-patient subscribers,
// keeps a bounded ring of recent events for Last-Event-ID replay, and asks a durable backfill
// source for anything older than the ring.
//
// Sequence numbers: in embedded mode `seq` is the store's own durable row sequence (so it survives
// restarts and is the same for every reader of that store); in upstream mode it is the upstream's
// `meta.lastUpdated` in epoch milliseconds (the same for every proxy copy polling that upstream).
// The hub itself therefore never invents numbers for sequenced events: see `publishSequenced`.
// `publish` (the EventHub contract) is kept for callers with no durable sequence; it allocates
// `max(last seen) + 1`, which is only unique within this process.
import type { EventHub, ResourceEvent } from '../../core/contracts';

/** Durable history of events, consulted when a subscriber resumes from before the ring's window. */
export interface EventBackfill {
  /** Events for `patientId` with seq > afterSeq and seq <= upToSeq, ascending by seq, at most `limit`. */
  eventsBetween(patientId: string, afterSeq: number, upToSeq: number, limit: number): Promise<ResourceEvent[]>;
}

export interface HubOptions {
  /** How many recent events (all patients) are kept in memory for replay. */
  ringSize?: number;
  /** Every event with seq > floorSeq has been (or will be) published to this hub; older ones come from backfill. */
  floorSeq?: number;
  backfill?: EventBackfill;
  /** The most events one resume may replay; a client that is further behind should reload its data. */
  maxReplay?: number;
  /**
   * False when the ring may miss events even above its floor (upstream mode: only patients with
   * subscribers are polled), so every resume asks the backfill for everything after its id.
   */
  ringIsComplete?: boolean;
}

export interface Subscription {
  /** Stops delivery. Idempotent. */
  unsubscribe(): void;
  /** Resolves when the replay (ring and/or backfill) has been delivered; rejects if backfill failed. */
  ready: Promise<void>;
}

type Listener = (e: ResourceEvent) => void;

interface Subscriber {
  patientId: string;
  onEvent: Listener;
  /** While a backfill is running, live events wait here so that order is replay-then-live. */
  pending: ResourceEvent[] | null;
  closed: boolean;
}

function eventKey(e: Pick<ResourceEvent, 'resourceType' | 'id' | 'versionId' | 'action'>): string {
  return `${e.resourceType}/${e.id}/${e.versionId ?? ''}/${e.action}`;
}

export class PatientEventHub implements EventHub {
  private readonly ring: (ResourceEvent | undefined)[];
  private ringStart = 0;
  private ringLength = 0;
  /** Seq of the newest event evicted from the ring (or the initial floor): replay above it is complete. */
  private floorSeq: number;
  private lastSeq: number;
  /** Keys of events in the ring, so that the same resource version announced twice (proxy write + upstream poll) is sent once. */
  private readonly ringKeys = new Map<string, number>();
  private readonly byPatient = new Map<string, Set<Subscriber>>();
  private readonly backfill: EventBackfill | undefined;
  private readonly maxReplay: number;
  private readonly ringIsComplete: boolean;

  constructor(options: HubOptions = {}) {
    const ringSize = options.ringSize ?? 4096;
    if (!Number.isInteger(ringSize) || ringSize < 1) throw new Error(`ringSize must be a positive integer, got ${ringSize}`);
    this.ring = new Array<ResourceEvent | undefined>(ringSize);
    this.floorSeq = options.floorSeq ?? 0;
    this.lastSeq = this.floorSeq;
    this.backfill = options.backfill;
    this.maxReplay = options.maxReplay ?? 10_000;
    this.ringIsComplete = options.ringIsComplete ?? true;
  }

  /** Number of live subscribers (all patients). */
  get subscriberCount(): number {
    let n = 0;
    for (const set of this.byPatient.values()) n += set.size;
    return n;
  }

  /** Patients that currently have at least one subscriber (the upstream poller watches only these). */
  subscribedPatients(): string[] {
    return [...this.byPatient.keys()];
  }

  get newestSeq(): number {
    return this.lastSeq;
  }

  publish(event: Omit<ResourceEvent, 'seq'>): ResourceEvent {
    const sequenced: ResourceEvent = { ...event, seq: this.lastSeq + 1 };
    this.publishSequenced(sequenced);
    return sequenced;
  }

  /**
   * Publishes an event whose seq came from a durable source. Returns false (and delivers nothing)
   * when the same resource version and action is already in the ring.
   */
  publishSequenced(event: ResourceEvent): boolean {
    if (!Number.isSafeInteger(event.seq) || event.seq < 0) throw new Error(`event seq must be a non-negative safe integer, got ${event.seq}`);
    const key = eventKey(event);
    if (this.ringKeys.has(key)) return false;
    this.push(event, key);
    if (event.seq > this.lastSeq) this.lastSeq = event.seq;
    const subs = this.byPatient.get(event.patientId);
    if (subs) {
      for (const s of subs) {
        if (s.pending) s.pending.push(event);
        else deliver(s, event);
      }
    }
    return true;
  }

  subscribe(patientId: string, afterSeq: number | null, onEvent: Listener): () => void {
    const sub = this.open(patientId, afterSeq, onEvent);
    // The contract's subscribe has no error channel: a failed backfill just means no replay.
    sub.ready.catch(() => undefined);
    return sub.unsubscribe;
  }

  /** Like `subscribe`, with a promise that says when (and whether) the replay was delivered. */
  open(patientId: string, afterSeq: number | null, onEvent: Listener): Subscription {
    const sub: Subscriber = { patientId, onEvent, pending: null, closed: false };
    let set = this.byPatient.get(patientId);
    if (!set) {
      set = new Set();
      this.byPatient.set(patientId, set);
    }
    set.add(sub);
    const unsubscribe = (): void => {
      if (sub.closed) return;
      sub.closed = true;
      sub.pending = null;
      const current = this.byPatient.get(patientId);
      if (current) {
        current.delete(sub);
        if (current.size === 0) this.byPatient.delete(patientId);
      }
    };
    if (afterSeq === null) return { unsubscribe, ready: Promise.resolve() };

    const fromRing = this.ringEventsAfter(patientId, afterSeq);
    if ((this.ringIsComplete && afterSeq >= this.floorSeq) || !this.backfill) {
      for (const e of fromRing.slice(-this.maxReplay)) deliver(sub, e);
      return { unsubscribe, ready: Promise.resolve() };
    }
    // Older than the ring: fetch (afterSeq, floor] from the durable source, then the ring, then
    // whatever arrived live meanwhile — each at most once.
    sub.pending = [];
    const floorAtStart = this.ringIsComplete ? this.floorSeq : Number.MAX_SAFE_INTEGER;
    const backfill = this.backfill;
    const ready = backfill.eventsBetween(patientId, afterSeq, floorAtStart, this.maxReplay).then(
      (older) => {
        if (sub.closed) return;
        const seen = new Set<string>();
        const emit = (e: ResourceEvent): void => {
          const k = eventKey(e);
          if (seen.has(k)) return;
          seen.add(k);
          deliver(sub, e);
        };
        for (const e of older) emit(e);
        for (const e of fromRing) emit(e);
        const live = sub.pending ?? [];
        sub.pending = null;
        for (const e of live) emit(e);
      },
      (err: unknown) => {
        // Deliver what the ring has so the subscriber is not left silent, then report.
        if (!sub.closed) {
          const live = sub.pending ?? [];
          sub.pending = null;
          for (const e of fromRing) deliver(sub, e);
          for (const e of live) deliver(sub, e);
        }
        throw err instanceof Error ? err : new Error(String(err));
      },
    );
    return { unsubscribe, ready };
  }

  private ringEventsAfter(patientId: string, afterSeq: number): ResourceEvent[] {
    const out: ResourceEvent[] = [];
    const cap = this.ring.length;
    for (let i = 0; i < this.ringLength; i++) {
      const e = this.ring[(this.ringStart + i) % cap];
      if (e && e.patientId === patientId && e.seq > afterSeq) out.push(e);
    }
    return out;
  }

  private push(event: ResourceEvent, key: string): void {
    const cap = this.ring.length;
    if (this.ringLength === cap) {
      const evicted = this.ring[this.ringStart];
      if (evicted) {
        const k = eventKey(evicted);
        if (this.ringKeys.get(k) === evicted.seq) this.ringKeys.delete(k);
        if (evicted.seq > this.floorSeq) this.floorSeq = evicted.seq;
      }
      this.ring[this.ringStart] = event;
      this.ringStart = (this.ringStart + 1) % cap;
    } else {
      this.ring[(this.ringStart + this.ringLength) % cap] = event;
      this.ringLength++;
    }
    this.ringKeys.set(key, event.seq);
  }
}

function deliver(sub: Subscriber, e: ResourceEvent): void {
  if (sub.closed) return;
  try {
    sub.onEvent(e);
  } catch {
    // One subscriber's failure must not stop delivery to the others; its connection cleans itself up.
  }
}
