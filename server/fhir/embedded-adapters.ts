// The embedded store behind the interfaces the app wires: the /fhir backend, the AuditEvent
// store and the consent source. Upstream mode provides its own (server/upstream/).
import type { AuditEvent } from '@medplum/fhirtypes';
import type { AuditEventStore } from '../audit/trail';
import type { ConsentLike } from '../consent/evaluate';
import type { ConsentSource } from '../consent/service';
import type { FhirBackend } from './routes';
import type { FhirStore } from './store';

export function embeddedBackend(store: FhirStore): FhirBackend {
  return {
    mode: 'embedded',
    handle: (req) => store.handle(req),
    health: async () => ({ status: 'ok' }),
  };
}

export function embeddedAuditEvents(store: FhirStore): AuditEventStore {
  // Micro-batch: AuditEvents arriving in the same tick share one SQLite transaction (one fsync).
  let batch: { event: AuditEvent; resolve: () => void; reject: (e: unknown) => void }[] = [];
  const flush = (): void => {
    const current = batch;
    batch = [];
    store
      .putAll(
        current.map((b) => b.event),
        'relaxed', // audit.log (fsync'ed) is the source of truth; missing AuditEvents are re-sent at start
      )
      .then(() => current.forEach((b) => b.resolve()))
      .catch((err: unknown) => current.forEach((b) => b.reject(err)));
  };
  return {
    put: (event) =>
      new Promise<void>((resolve, reject) => {
        if (batch.length === 0) setImmediate(flush);
        batch.push({ event, resolve, reject });
      }),
    has: async (id) => store.repo.has('AuditEvent', id),
  };
}

export function embeddedConsents(store: FhirStore): ConsentSource {
  return async (patientId) => (await store.search('Consent', { patient: `Patient/${patientId}`, status: 'active' })) as ConsentLike[];
}
