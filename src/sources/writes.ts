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
  connectivityStore.getState().setPendingWrites((await outbox.pending()).length);
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
