// Consent in upstream mode is read where the record lives: the patient's active Consents on the
// upstream. Not cached: a withdrawn consent must apply to the very next write, on every proxy copy.
import type { Bundle, Consent } from '@medplum/fhirtypes';
import type { ConsentLike } from '../consent/evaluate';
import type { ConsentSource } from '../consent/service';
import type { UpstreamFhirClient } from './client';
import { UpstreamError } from './errors';

export function upstreamConsentSource(client: UpstreamFhirClient): ConsentSource {
  return async (patientId: string): Promise<ConsentLike[]> => {
    const q = new URLSearchParams({ patient: `Patient/${patientId}`, status: 'active', _count: '100' });
    const { status, body } = await client.json('GET', `Consent?${q.toString()}`);
    if (status >= 400) {
      // Failing closed: without the consent record, a twin write must not go through.
      throw new UpstreamError(502, 'transient', `the FHIR server could not be asked for the patient's consent (HTTP ${status}); try again later`);
    }
    return ((body as Bundle<Consent> | undefined)?.entry ?? []).flatMap((e) => (e.resource ? [e.resource as ConsentLike] : []));
  };
}
