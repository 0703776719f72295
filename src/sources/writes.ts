// The app's write path for twin outputs and plans: conditional create through the proxy, or the
// outbox while offline. The outbox length is mirrored into the connectivity store for the banner.
import type { Resource } from '@medplum/fhirtypes';
import { connectivityStore } from '../twin/connectivity-store';
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

const send = (resource: Resource, ifNoneExist: string) => fhir.create(resource, { ifNoneExist });

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

export async function replayOutbox(): Promise<ReplayResult> {
  const outbox = await getOutbox();
  const result = await outbox.replay(send);
  await publishCount(outbox);
  return result;
}
