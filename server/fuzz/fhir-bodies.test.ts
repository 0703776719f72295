// Fuzzing FHIR write bodies against the validator (issue 10): whatever JSON a client sends, the
// validator answers with a FhirInputError naming elements of the resource, or accepts it — never
// another exception — and the reported bad values (unknown status codes, impossible dates,
// strings for numbers, missing required elements) are always refused.
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { codesOfValueSet } from '../fhir/bindings';
import { loadFhirDefinitions } from '../fhir/definitions';
import { FhirInputError, validateBundle, validateResourceBody } from '../fhir/validate';

beforeAll(() => loadFhirDefinitions());

const VALID = {
  resourceType: 'Observation',
  status: 'final',
  code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }] },
  subject: { reference: 'Patient/p1' },
  effectiveDateTime: '2026-01-02T03:04:05Z',
  valueQuantity: { value: 72, unit: '/min', system: 'http://unitsofmeasure.org', code: '/min' },
};

/** Runs the validator; returns the error (FhirInputError) or null when accepted. Any other exception fails the property. */
function check(body: unknown, type = 'Observation'): FhirInputError | null {
  try {
    validateResourceBody(body, type);
    return null;
  } catch (err) {
    if (err instanceof FhirInputError) return err;
    throw err;
  }
}

const OBSERVATION_STATUS = codesOfValueSet('http://hl7.org/fhir/ValueSet/observation-status|4.0.1');

describe('FHIR body fuzzing against the R4 validator', () => {
  it('knows the required value set of Observation.status', () => {
    expect([...(OBSERVATION_STATUS ?? [])].sort()).toEqual(['amended', 'cancelled', 'corrected', 'entered-in-error', 'final', 'preliminary', 'registered', 'unknown']);
    expect(check(VALID)).toBeNull();
  });

  it('answers arbitrary JSON with a 4xx naming elements, never a crash', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 4 }), { maxKeys: 8 }), (extra) => {
        const err = check({ ...VALID, ...extra, resourceType: 'Observation' });
        if (err) {
          expect(err.status).toBe(400);
          for (const i of err.issues ?? []) expect(i.expression).toMatch(/^Observation/);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('refuses every status outside the value set', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 20 }), (status) => {
        fc.pre(!OBSERVATION_STATUS!.has(status));
        const err = check({ ...VALID, status });
        expect(err?.issues?.some((i) => i.expression === 'Observation.status')).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('refuses impossible dateTimes and strings where numbers belong', () => {
    fc.assert(
      fc.property(fc.integer({ min: 13, max: 99 }), fc.integer({ min: 32, max: 99 }), fc.string({ minLength: 1, maxLength: 10 }), (month, day, word) => {
        expect(check({ ...VALID, effectiveDateTime: `2026-${month}-${day}T99:99` })?.issues?.[0]?.expression).toBe('Observation.effective[x]');
        expect(check({ ...VALID, valueQuantity: { value: word } })?.issues?.[0]?.expression).toBe('Observation.value[x].value');
      }),
      { numRuns: 200 },
    );
  });

  it('refuses a missing required element, whichever it is', () => {
    for (const key of ['status', 'code'] as const) {
      const { [key]: _drop, ...rest } = VALID;
      expect(check(rest)?.issues?.map((i) => i.expression)).toContain(`Observation.${key}`);
    }
  });

  it('validates every resource of a transaction and locates problems by entry', () => {
    fc.assert(
      fc.property(fc.array(fc.boolean(), { minLength: 1, maxLength: 8 }), (goods) => {
        const bundle = {
          resourceType: 'Bundle',
          type: 'transaction',
          entry: goods.map((good) => ({ resource: good ? VALID : { ...VALID, status: 'banana' }, request: { method: 'POST', url: 'Observation' } })),
        };
        let err: FhirInputError | null = null;
        try {
          validateBundle(bundle);
        } catch (e) {
          if (!(e instanceof FhirInputError)) throw e;
          err = e;
        }
        const firstBad = goods.indexOf(false);
        if (firstBad < 0) expect(err).toBeNull();
        else expect(err?.issues?.[0]?.expression).toBe(`Bundle.entry[${firstBad}].resource.status`);
      }),
      { numRuns: 100 },
    );
  });
});
