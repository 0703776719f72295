// The embedded store behind the interfaces the app wires: the /fhir backend and the consent
// source. (AuditEvents have their own table: audit/event-table.ts.) Upstream mode provides its own (server/upstream/).
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

export function embeddedConsents(store: FhirStore): ConsentSource {
  return async (patientId) => (await store.search('Consent', { patient: `Patient/${patientId}`, status: 'active' })) as ConsentLike[];
}
