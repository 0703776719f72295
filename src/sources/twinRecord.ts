// The patient's record as the twin reads it: Patient, every Observation (paged), medications,
// diagnoses and devices, normalised once by core/vitals/fhir-vitals. I/O only; the react-query
// hook that caches it is views/twin/useTwinRecord.ts.
// Nothing is dropped silently: a search cut at its page limit becomes a named limitation of the
// twin's capability, and a failed search of what calibration needs (medications included — a
// missing MedicationRequest list would calibrate as if the patient took no therapy) fails the load.
import type { Condition, Device, MedicationRequest, MedicationStatement, Observation, Patient, Resource } from '@medplum/fhirtypes';
import { assessTwinCapability, readClinicalRecord, type CapabilityNote, type TwinCapability } from '../../core/domain/clinical-record';
import { isTwinOutputResource } from '../../core/domain/twinRecords';
import { ingestFhirVitals, type VitalsIngestResult } from '../../core/vitals/fhir-vitals';
import { fhir as defaultClient } from './api';
import { type FhirClient, type PagedSearchOptions, type PagedSearchResult, searchAllPages } from './fhir';
import { ApiError } from './http';

export interface TwinRecord {
  resources: Resource[];
  vitals: VitalsIngestResult;
  /** `Observation/id` of every record observation (Provenance inputs). */
  observationRefs: string[];
  /**
   * What the twin can do for this patient, assessed from the whole record before any calibration
   * (core/domain/clinical-record): refused (child, no patient), no live forecast (deceased, no
   * vitals, newest vital older than the forecast horizon), limitations named — an incomplete read
   * of the record among them. The views act on it.
   */
  capability: TwinCapability;
}

/** 50 pages of 1,000: years of minute-by-minute vitals; beyond that the twin says it read part. */
export const TWIN_RECORD_PAGES: Required<PagedSearchOptions> = { pageSize: 1000, maxPages: 50 };

/** A search the twin needs failed: the message names the resource type and why. */
export class TwinRecordError extends Error {
  override name = 'TwinRecordError';
  constructor(
    readonly resourceType: string,
    cause: unknown,
  ) {
    super(`the record's ${resourceType} resources could not be read (${cause instanceof Error ? cause.message : String(cause)}); the twin is not calibrated on a partial record`, { cause });
  }
}

/** The server does not serve this type at all (unknown type, not routed): the record simply has none. */
function notServed(e: unknown): boolean {
  return e instanceof ApiError && (e.status === 404 || (e.status === 400 && /not (supported|found)|unknown resource type/i.test(e.message)));
}

export interface LoadTwinRecordOptions {
  client?: FhirClient;
  pages?: PagedSearchOptions;
}

export async function loadTwinRecord(patientId: string, options: LoadTwinRecordOptions = {}): Promise<TwinRecord> {
  const client = options.client ?? defaultClient;
  const pages = { ...TWIN_RECORD_PAGES, ...options.pages };
  const all = <T extends Resource>(type: T['resourceType']): Promise<PagedSearchResult<T>> =>
    searchAllPages<T>(client, type, { patient: `Patient/${patientId}` }, pages).catch((e: unknown) => {
      throw new TwinRecordError(type, e);
    });
  const [patient, observations, statements, requests, conditions, devices] = await Promise.all([
    client.read<Patient>('Patient', patientId),
    all<Observation>('Observation'),
    all<MedicationStatement>('MedicationStatement'),
    all<MedicationRequest>('MedicationRequest'),
    // Diagnoses set the calibration's prior and name what the model lacks (pregnancy, congenital disease, AF).
    all<Condition>('Condition'),
    // Not every FHIR server (nor this proxy's embedded store) serves Device: a server that does not
    // know the type means no cardiac device is named; any other failure fails the load.
    searchAllPages<Device>(client, 'Device', { patient: `Patient/${patientId}` }, pages).catch((e: unknown) => {
      if (notServed(e)) return { resources: [] as Device[], truncated: false, ...pages };
      throw new TwinRecordError('Device', e);
    }),
  ]);
  // The twin's own forecasts are outputs, never inputs.
  const measured = observations.resources.filter((o) => !isTwinOutputResource(o));
  const resources: Resource[] = [patient, ...measured, ...statements.resources, ...requests.resources, ...conditions.resources, ...devices.resources];
  const capability = assessTwinCapability(readClinicalRecord(resources));
  const cut: [string, PagedSearchResult<Resource>][] = [
    ['Observation', observations],
    ['MedicationStatement', statements],
    ['MedicationRequest', requests],
    ['Condition', conditions],
    ['Device', devices],
  ];
  for (const [type, r] of cut) {
    if (!r.truncated) continue;
    const note: CapabilityNote = {
      code: 'record-incomplete',
      effect: 'limitation',
      message: `the record has more ${type} resources than the ${(r.pageSize * r.maxPages).toLocaleString('en')} read (${r.maxPages} pages of ${r.pageSize.toLocaleString('en')}): the twin is calibrated on those, not on the whole record`,
      source: type,
    };
    capability.notes.push(note);
  }
  return {
    resources,
    vitals: ingestFhirVitals(resources),
    observationRefs: measured.flatMap((o) => (o.id ? [`Observation/${o.id}`] : [])),
    capability,
  };
}
