// Seeds the demo record into an empty embedded store, once. Idempotent: a store that already
// holds the demo patients (or any data at all) is left as it is, so a restart never duplicates.
import type { FhirStore } from '../fhir/store';
import { DEMO_PATIENT_AS } from './ids';
import { buildDemoResources, DEMO_SEED } from './patients';

export interface SeedResult {
  seeded: boolean;
  resourceCount: number;
}

export async function seedDemoData(store: FhirStore, nowMs: number = Date.now(), seed: number = DEMO_SEED): Promise<SeedResult> {
  if (await store.read('Patient', DEMO_PATIENT_AS)) return { seeded: false, resourceCount: 0 };
  if ((await store.count('Patient')) > 0) return { seeded: false, resourceCount: 0 };
  const resources = buildDemoResources(nowMs, seed);
  // One transaction: either the whole demo record is there after a crash, or none of it.
  await store.putAll(resources);
  return { seeded: true, resourceCount: resources.length };
}
