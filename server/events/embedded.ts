// Embedded mode wiring: the store's commit hook → the hub, with the store's row sequence as the
// event id and the store itself as the replay source for ids older than the ring.
import type { FhirStore, ResourceWrite } from '../fhir/store';
import type { Db } from '../storage/database';
import { PatientEventHub } from './hub';
import { StoreEventBackfill, storeMaxSeq } from './store-backfill';

export interface EmbeddedEvents {
  hub: PatientEventHub;
  /** Detaches from the store. */
  stop(): void;
}

export function createEmbeddedEvents(db: Db, store: FhirStore, options: { ringSize?: number } = {}): EmbeddedEvents {
  const hub = new PatientEventHub({
    floorSeq: storeMaxSeq(db),
    backfill: new StoreEventBackfill(db),
    ...(options.ringSize !== undefined ? { ringSize: options.ringSize } : {}),
  });
  // The write hook reports the version, not its row number; the UNIQUE (type, id, version) index
  // makes this lookup a single b-tree probe, and it runs after the commit, so the row is there.
  const seqOf = db.prepare('SELECT seq FROM fhir_versions WHERE resource_type = ? AND id = ? AND version_id = ?').pluck();
  const onWrite = (w: ResourceWrite): void => {
    if (!w.patientId || w.resourceType === 'AuditEvent') return;
    const seq = seqOf.get(w.resourceType, w.id, w.versionId) as number | undefined;
    if (seq === undefined) return;
    hub.publishSequenced({
      seq,
      patientId: w.patientId,
      resourceType: w.resourceType,
      id: w.id,
      versionId: w.versionId,
      action: w.action,
      at: w.lastUpdated,
    });
  };
  const off = store.onWrite(onWrite);
  return { hub, stop: off };
}
