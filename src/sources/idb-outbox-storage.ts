// IndexedDB adapter for the outbox: one object store keyed by the idempotency key. Thin on
// purpose; the queue rules live in outbox.ts and are tested there.
import type { OutboxEntry, OutboxStorage } from './outbox';

const DB_NAME = 'twinscope-outbox';
const STORE = 'writes';

function req<T>(r: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error ?? new Error('IndexedDB request failed'));
  });
}

export async function openIdbOutboxStorage(factory: IDBFactory = indexedDB): Promise<OutboxStorage> {
  const open = factory.open(DB_NAME, 1);
  open.onupgradeneeded = () => {
    if (!open.result.objectStoreNames.contains(STORE)) open.result.createObjectStore(STORE, { keyPath: 'key' });
  };
  const db = await req(open);
  const tx = (mode: IDBTransactionMode) => db.transaction(STORE, mode).objectStore(STORE);
  const done = (t: IDBTransaction) =>
    new Promise<void>((resolve, reject) => {
      t.oncomplete = () => resolve();
      t.onerror = () => reject(t.error ?? new Error('IndexedDB transaction failed'));
      t.onabort = () => reject(t.error ?? new Error('IndexedDB transaction aborted'));
    });
  return {
    list: () => req(tx('readonly').getAll() as IDBRequest<OutboxEntry[]>),
    async put(entry) {
      const store = tx('readwrite');
      store.put(entry);
      // Resolve only once the transaction is committed: "queued" must mean durable.
      await done(store.transaction);
    },
    async remove(key) {
      const store = tx('readwrite');
      store.delete(key);
      await done(store.transaction);
    },
  };
}
