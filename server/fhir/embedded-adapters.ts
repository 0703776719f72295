// The embedded store behind the interfaces the app wires: the /fhir backend and the consent
// source. (AuditEvents have their own table: audit/event-table.ts.) Upstream mode provides its own (server/upstream/).
import type { ConsentLike } from '../consent/evaluate';
import type { ConsentSource } from '../consent/service';
import type { IntegrityState } from '../storage/database';
import type { FhirBackend } from './routes';
import type { FhirStore } from './store';

/** `integrity`: the background check of the store file (storage/database.ts); damage found → degraded. */
export function embeddedBackend(store: FhirStore, integrity?: IntegrityState): FhirBackend {
  return {
    mode: 'embedded',
    handle: (req) => store.handle(req),
    health: async () => {
      if (integrity?.status === 'failed') return { status: 'degraded', detail: `the store file failed its integrity check: ${integrity.detail ?? 'unknown'}; restore it from a backup` };
      // Both are background work after start: the store answers meanwhile (searches by the general plan).
      const index = store.indexState;
      const notes = [
        ...(integrity?.status === 'running' ? ['integrity check of the store file running'] : []),
        ...(index.status === 'building' ? [`patient timeline index being built (${index.done} of ${index.total} resources)`] : []),
      ];
      return { status: 'ok', ...(notes.length > 0 ? { detail: notes.join('; ') } : {}) };
    },
  };
}

export function embeddedConsents(store: FhirStore): ConsentSource {
  return async (patientId) => (await store.search('Consent', { patient: `Patient/${patientId}`, status: 'active' })) as ConsentLike[];
}
