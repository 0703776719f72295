// The patient's record as the twin reads it: Patient, every Observation (paged) and medications,
// normalised once by src/ingest/fhir-vitals. The query key is outside ['fhir', 'Observation'] on
// purpose: live events must not refetch years of vitals every few seconds; new readings are
// fetched one by one (useLiveReadings) and appended in the twin store instead.
import { useCallback, useEffect, useRef } from 'react';
import { useQuery } from '@tanstack/react-query';
import type { Bundle, Condition, Device, MedicationRequest, MedicationStatement, Observation, Patient, Resource } from '@medplum/fhirtypes';
import { assessTwinCapability, readClinicalRecord, type TwinCapability } from '../../../core/domain/clinical-record';
import { fhir, http } from '../../sources/api';
import { usePatientEvents } from '../../sources/events';
import { isTwinOutputResource } from '../../../core/domain/twinRecords';
import { ingestFhirVitals, type VitalsIngestResult } from '../../../core/vitals/fhir-vitals';
import { assimilateLive, type TwinCompute } from '../../twin/twinState';
import type { ResourceEvent } from '../../../core/contracts';

export interface TwinRecord {
  resources: Resource[];
  vitals: VitalsIngestResult;
  /** `Observation/id` of every record observation (Provenance inputs). */
  observationRefs: string[];
  /**
   * What the twin can do for this patient, assessed from the whole record before any calibration
   * (core/domain/clinical-record): refused (child, no patient), no live forecast (deceased, no
   * vitals, newest vital older than the forecast horizon), limitations named. The views act on it.
   */
  capability: TwinCapability;
}

const PAGE = 1000;
const MAX_PAGES = 50;

async function searchAll<T extends Resource>(type: T['resourceType'], patientId: string): Promise<T[]> {
  const out: T[] = [];
  for (let page = 0; page < MAX_PAGES; page++) {
    const r = await fhir.search<T>(type, { patient: `Patient/${patientId}`, _count: PAGE, _offset: page > 0 ? page * PAGE : undefined });
    out.push(...r.resources);
    if (!r.hasNext) break;
  }
  return out;
}

export async function loadTwinRecord(patientId: string): Promise<TwinRecord> {
  const [patient, observations, statements, requests, conditions, devices] = await Promise.all([
    fhir.read<Patient>('Patient', patientId),
    searchAll<Observation>('Observation', patientId),
    searchAll<MedicationStatement>('MedicationStatement', patientId),
    searchAll<MedicationRequest>('MedicationRequest', patientId).catch(() => [] as MedicationRequest[]),
    // Diagnoses set the calibration's prior and name what the model lacks (pregnancy, congenital disease, AF).
    searchAll<Condition>('Condition', patientId),
    // Not every FHIR server (nor this proxy's embedded store) serves Device: without it, no cardiac device is named.
    searchAll<Device>('Device', patientId).catch(() => [] as Device[]),
  ]);
  // The twin's own forecasts are outputs, never inputs.
  const measured = observations.filter((o) => !isTwinOutputResource(o));
  const resources: Resource[] = [patient, ...measured, ...statements, ...requests, ...conditions, ...devices];
  return {
    resources,
    vitals: ingestFhirVitals(resources),
    observationRefs: measured.flatMap((o) => (o.id ? [`Observation/${o.id}`] : [])),
    capability: assessTwinCapability(readClinicalRecord(resources)),
  };
}

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
