// Loads what the Record view lists for one patient: the twin's outputs and the decisions made on
// them, then their Provenance (searched by target: the proxy does not support _revinclude).
import { useQuery } from '@tanstack/react-query';
import type { CarePlan, DocumentReference, Flag, Observation, Provenance, Resource } from '@medplum/fhirtypes';
import { TWIN_TAG } from '../../core/domain/twinRecords';
import { REHEARSAL_PLAN_DOC_CODE as PLAN_DOC_CODE, REHEARSAL_PLAN_DOC_SYSTEM as PLAN_DOC_SYSTEM } from '../../core/domain/twinRecords';
import { provenanceTargets, recordEntries, type RecordEntry } from '../../core/domain/recordEntries';
import { fhir } from './api';

const TAG = `${TWIN_TAG.system}|${TWIN_TAG.code}`;
/** Targets per Provenance search: keeps each `target` value under the proxy's 512-character limit. */
const TARGETS_PER_SEARCH = 12;
const PAGE = 500;

async function all<T extends Resource>(type: T['resourceType'], params: Record<string, string>): Promise<T[]> {
  const out: T[] = [];
  for (let page = 0; page < 20; page++) {
    const r = await fhir.search<T>(type, { ...params, _count: PAGE, _offset: page > 0 ? page * PAGE : undefined });
    out.push(...r.resources);
    if (!r.hasNext) break;
  }
  return out;
}

export async function loadPatientRecord(patientId: string): Promise<RecordEntry[]> {
  const patient = `Patient/${patientId}`;
  const [carePlans, flags, forecasts, rehearsals] = await Promise.all([
    all<CarePlan>('CarePlan', { subject: patient, _tag: TAG }),
    all<Flag>('Flag', { subject: patient, _tag: TAG }),
    all<Observation>('Observation', { subject: patient, _tag: TAG }),
    all<DocumentReference>('DocumentReference', { subject: patient, type: `${PLAN_DOC_SYSTEM}|${PLAN_DOC_CODE}` }),
  ]);
  const targets = provenanceTargets({ carePlans, flags, forecasts, rehearsals });
  const chunks: string[][] = [];
  for (let i = 0; i < targets.length; i += TARGETS_PER_SEARCH) chunks.push(targets.slice(i, i + TARGETS_PER_SEARCH));
  const provenances = (await Promise.all(chunks.map((c) => all<Provenance>('Provenance', { target: c.join(',') })))).flat();
  return recordEntries({ carePlans, flags, forecasts, rehearsals, provenances });
}

export function usePatientRecord(patientId: string) {
  // Decisions are made on other tabs: refetch whenever the Record tab opens.
  return useQuery({ queryKey: ['fhir', 'CarePlan', 'record', patientId], queryFn: () => loadPatientRecord(patientId), staleTime: 0, refetchOnMount: 'always' });
}
