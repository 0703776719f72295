// The patient's record as the twin reads it, cached: loaded by sources/twinRecord.ts (paged, a
// truncation named in its capability, a failed search an error). The query key is outside
// ['fhir', 'Observation'] on purpose: live events must not refetch years of vitals every few
// seconds; new readings are fetched one by one (useLiveReadings) and appended in the twin store.
import { useCallback, useEffect, useRef } from 'react';
import { useQuery } from '@tanstack/react-query';
import type { Bundle, Observation } from '@medplum/fhirtypes';
import { fhir, http } from '../../sources/api';
import { usePatientEvents } from '../../sources/events';
import { isTwinOutputResource } from '../../../core/domain/twinRecords';
import { ingestFhirVitals } from '../../../core/vitals/fhir-vitals';
import { loadTwinRecord, type TwinRecord } from '../../sources/twinRecord';
import { assimilateLive, type TwinCompute } from '../../twin/twinState';
import type { ResourceEvent } from '../../../core/contracts';

export type { TwinRecord };

export function useTwinRecord(patientId: string) {
  return useQuery({ queryKey: ['twin', 'record', patientId], queryFn: () => loadTwinRecord(patientId), staleTime: Infinity, refetchOnWindowFocus: false });
}

/**
 * Live readings: each Observation announced on /events is read, normalised and handed to the twin
 * store (timeline + assimilation). Announcements that arrive while an update is running are
 * coalesced into the next one, so a fast monitor can never build up a backlog: at most one update
 * runs and at most one batch waits.
 */
export function useLiveReadings(patientId: string, compute: TwinCompute | undefined): void {
  const pending = useRef<string[]>([]);
  const busy = useRef(false);
  const computeRef = useRef(compute);
  useEffect(() => {
    computeRef.current = compute;
  }, [compute]);
  const drain = useCallback(async () => {
    if (busy.current) return;
    busy.current = true;
    try {
      while (pending.current.length > 0) {
        const ids = pending.current.splice(0);
        const read = await Promise.all(ids.map((id) => fhir.read<Observation>('Observation', id).catch(() => undefined)));
        const measured = read.filter((o): o is Observation => o !== undefined && !isTwinOutputResource(o));
        if (measured.length === 0 || !computeRef.current) continue;
        await assimilateLive(computeRef.current, patientId, ingestFhirVitals(measured).observations);
      }
    } finally {
      busy.current = false;
    }
  }, [patientId]);
  const onEvent = useCallback(
    (e: ResourceEvent) => {
      if (e.resourceType !== 'Observation' || e.action !== 'create') return;
      pending.current.push(e.id);
      drain().catch((err: unknown) => console.warn('Twin: a live reading could not be assimilated:', err instanceof Error ? err.message : String(err)));
    },
    [drain],
  );
  usePatientEvents(patientId, onEvent);
}

/** Writes a transaction Bundle (twin output + Provenance) through the proxy. */
export async function postTransaction(bundle: Bundle): Promise<Bundle> {
  const { body } = await http<Bundle>('/fhir', { method: 'POST', headers: { 'Content-Type': 'application/fhir+json' }, body: JSON.stringify(bundle) });
  return body;
}
