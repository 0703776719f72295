// The app's one write path for twin outputs and plans: a transaction Bundle (the output and its
// Provenance, all or nothing) or a single conditional create, sent through the proxy, or kept in
// the outbox while the server is unreachable and replayed when it answers. Every write is
// idempotent (conditional creates on business identifiers, Provenance PUT to derived ids), so a
// replay of a write that did arrive creates nothing new. The outbox length is mirrored into the
// connectivity store for the banner.
import type { Bundle, Resource } from '@medplum/fhirtypes';
import { connectivityStore } from './connectivity-store';
import { fhir } from './api';
import { openIdbOutboxStorage } from './idb-outbox-storage';
import { createOrQueue, MemoryOutboxStorage, Outbox, type ReplayResult, type WriteOutcome } from './outbox';

let outboxPromise: Promise<Outbox> | null = null;

function getOutbox(): Promise<Outbox> {
  outboxPromise ??= (async () => {
    try {
      return new Outbox(await openIdbOutboxStorage());
    } catch (err) {
      // Private browsing or a blocked database: writes still queue, but only until reload.
      console.warn('Outbox: IndexedDB unavailable, offline writes are kept in memory only', err);
      return new Outbox(new MemoryOutboxStorage());
    }
  })();
  return outboxPromise;
}

const send = (resource: Resource, ifNoneExist: string): Promise<Resource> =>
  resource.resourceType === 'Bundle' ? fhir.transaction(resource) : fhir.create(resource, { ifNoneExist });

async function publishCount(outbox: Outbox): Promise<void> {
  const entries = await outbox.pending();
  const s = connectivityStore.getState();
  s.setPendingWrites(entries.filter((e) => !e.rejected).length);
  s.setRejectedWrites(
    entries.flatMap((e) => (e.rejected ? [{ key: e.key, resourceType: e.resource.resourceType, message: e.rejected.message }] : [])),
  );
}

/** Drops a refused write once the user has read why. */
export async function discardRejectedWrite(key: string): Promise<void> {
  const outbox = await getOutbox();
  await outbox.discard(key);
  await publishCount(outbox);
}

/** Publishes what the outbox holds from an earlier visit (IndexedDB survives reloads) and replays it. */
export async function resumeOutbox(): Promise<ReplayResult> {
  return replayOutbox();
}

export async function writeResource(resource: Resource): Promise<WriteOutcome> {
  const outbox = await getOutbox();
  const outcome = await createOrQueue(outbox, send, resource);
  await publishCount(outbox);
  return outcome;
}

/**
 * Writes a transaction Bundle (a twin output or plan with its Provenance). The Bundle's
 * `identifier` is the outbox key: the same decision saved twice while offline is queued once.
 */
export async function writeTransaction(bundle: Bundle): Promise<WriteOutcome> {
  if (bundle.type !== 'transaction') throw new Error('writeTransaction takes a transaction Bundle');
  return writeResource(bundle);
}

/** `Type/id` of each resource a sent transaction created or found (its response locations). */
export function transactionLocations(outcome: WriteOutcome): string[] {
  if (outcome.status !== 'sent' || outcome.resource.resourceType !== 'Bundle') return [];
  return (outcome.resource.entry ?? []).flatMap((e) => (e.response?.location ? [e.response.location.split('/_history')[0]!] : []));
}

export async function replayOutbox(): Promise<ReplayResult> {
  const outbox = await getOutbox();
  const result = await outbox.replay(send);
  await publishCount(outbox);
  return result;
}
