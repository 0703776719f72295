import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadFhirDefinitions } from './definitions';
import { classify, FhirInputError, MAX_COUNT, validateBundle, validateResourceBody, validateSearch } from './validate';

beforeAll(() => loadFhirDefinitions());

function inputError(fn: () => unknown): FhirInputError {
  try {
    fn();
  } catch (err) {
    if (err instanceof FhirInputError) return err;
    throw err;
  }
  throw new Error('expected a FhirInputError');
}

describe('FHIR interaction classification', () => {
  it('recognises the supported interactions', () => {
    expect(classify('GET', ['metadata'])).toEqual({ kind: 'capabilities' });
    expect(classify('GET', ['Patient'])).toEqual({ kind: 'search', resourceType: 'Patient', viaPost: false });
    expect(classify('POST', ['Patient', '_search'])).toEqual({ kind: 'search', resourceType: 'Patient', viaPost: true });
    expect(classify('POST', ['Observation'])).toEqual({ kind: 'create', resourceType: 'Observation' });
    expect(classify('GET', ['Observation', 'o-1'])).toEqual({ kind: 'read', resourceType: 'Observation', id: 'o-1' });
    expect(classify('PUT', ['Observation', 'o-1'])).toEqual({ kind: 'update', resourceType: 'Observation', id: 'o-1' });
    expect(classify('GET', ['Observation', 'o-1', '_history'])).toEqual({ kind: 'history', resourceType: 'Observation', id: 'o-1' });
    expect(classify('GET', ['Observation', 'o-1', '_history', '2'])).toEqual({ kind: 'vread', resourceType: 'Observation', id: 'o-1', versionId: '2' });
    expect(classify('POST', [])).toEqual({ kind: 'batch' });
  });

  it('names the problem for unknown types, bad ids, deletes, patches and operations', () => {
    expect(inputError(() => classify('GET', ['Nope'])).status).toBe(404);
    expect(inputError(() => classify('GET', ['Patient', '../etc'])).message).toMatch(/invalid id/);
    expect(inputError(() => classify('GET', ['Patient', 'x'.repeat(65)])).status).toBe(400);
    expect(inputError(() => classify('DELETE', ['Patient', '1'])).status).toBe(405);
    expect(inputError(() => classify('PATCH', ['Patient', '1'])).status).toBe(405);
    expect(inputError(() => classify('POST', ['$graphql'])).message).toMatch(/operations/);
    expect(inputError(() => classify('GET', ['Patient', '1', 'foo'])).status).toBe(404);
  });
});

describe('search validation', () => {
  it('defaults and caps _count', () => {
    expect(validateSearch('Patient', { name: 'hale' })._count).toBe('100');
    expect(validateSearch('Patient', { _count: '5' })._count).toBe('5');
    expect(inputError(() => validateSearch('Patient', { _count: String(MAX_COUNT + 1) })).message).toMatch(/at most 1000/);
    expect(inputError(() => validateSearch('Patient', { _count: '-1' })).message).toMatch(/whole number/);
    expect(inputError(() => validateSearch('Patient', { _count: ['1', '2'] })).message).toMatch(/more than once/);
  });

  it('rejects unknown, chained and unsupported parameters by name', () => {
    expect(inputError(() => validateSearch('Patient', { nmae: 'x' })).message).toBe('unknown search parameter "nmae" for Patient');
    expect(inputError(() => validateSearch('Observation', { 'subject:Patient.name': 'x' })).message).toMatch(/chained/);
    expect(inputError(() => validateSearch('Observation', { _include: 'Observation:patient' })).message).toMatch(/_include is not supported/);
    expect(inputError(() => validateSearch('Observation', { '_has:Observation:patient:code': 'x' })).status).toBe(400);
  });

  it('accepts standard parameters with modifiers and prefixes, and expands a bare patient id', () => {
    const q = validateSearch('Observation', { patient: 'demo-as-72f', code: 'http://loinc.org|8867-4', date: 'ge2026-01-01', _sort: '-date', _lastUpdated: 'gt2026-01-01' });
    expect(q.patient).toBe('Patient/demo-as-72f');
    expect(validateSearch('Patient', { 'name:contains': 'ha', _id: 'a,b' })).toMatchObject({ 'name:contains': 'ha' });
    expect(validateSearch('AuditEvent', { agent: 'Practitioner/u', entity: 'Patient/p', action: 'R', date: 'ge2026-01-01', altid: 'surgeon' })).toBeTruthy();
  });
});

describe('body validation', () => {
  it('requires an object whose resourceType and id match the URL', () => {
    expect(inputError(() => validateResourceBody(undefined, 'Patient')).code).toBe('required');
    expect(inputError(() => validateResourceBody([], 'Patient')).code).toBe('structure');
    expect(inputError(() => validateResourceBody({ resourceType: 'Observation' }, 'Patient')).message).toMatch(/does not match the URL/);
    expect(inputError(() => validateResourceBody({ resourceType: 'Patient', id: 'b' }, 'Patient', 'a')).message).toMatch(/does not match the URL id/);
    expect(() => validateResourceBody({ resourceType: 'Patient', id: 'a' }, 'Patient', 'a')).not.toThrow();
  });

  it('checks batch/transaction bundles entry by entry', () => {
    expect(inputError(() => validateBundle({ resourceType: 'Bundle', type: 'collection', entry: [] })).message).toMatch(/batch or transaction/);
    expect(inputError(() => validateBundle({ resourceType: 'Bundle', type: 'batch', entry: [{ request: { method: 'GET' } }] })).message).toMatch(/entry\[0\]/);
    expect(inputError(() => validateBundle({ resourceType: 'Bundle', type: 'batch', entry: [{ request: { method: 'GET', url: 'Patient?bogus=1' } }] })).message).toMatch(/unknown search parameter/);
    expect(inputError(() => validateBundle({ resourceType: 'Bundle', type: 'batch', entry: [{ request: { method: 'DELETE', url: 'Patient/1' } }] })).status).toBe(405);
    expect(
      validateBundle({
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [
          { request: { method: 'POST', url: 'Observation' }, resource: { resourceType: 'Observation', status: 'final', code: { text: 'x' } } },
          { request: { method: 'GET', url: 'Patient?name=x' } },
        ],
      }),
    ).toEqual([
      { method: 'POST', resourceType: 'Observation' },
      { method: 'GET', resourceType: 'Patient' },
    ]);
    // Entry resources are validated against R4 too (status and code are required).
    const missing = inputError(() => validateBundle({ resourceType: 'Bundle', type: 'transaction', entry: [{ request: { method: 'POST', url: 'Observation' }, resource: { resourceType: 'Observation' } }] }));
    expect(missing.issues?.map((i) => i.expression)).toEqual(['Bundle.entry[0].resource.status', 'Bundle.entry[0].resource.code']);
  });
});

describe('fuzz: request parsing never fails with anything but a named 4xx', () => {
  it('classify() on arbitrary path segments', () => {
    fc.assert(
      fc.property(fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE'), fc.array(fc.string({ maxLength: 80 }), { maxLength: 6 }), (method, segments) => {
        try {
          classify(method, segments);
        } catch (err) {
          expect(err).toBeInstanceOf(FhirInputError);
          expect((err as FhirInputError).status).toBeGreaterThanOrEqual(400);
          expect((err as FhirInputError).status).toBeLessThan(500);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('validateSearch() on arbitrary (incl. injection-looking) parameters', () => {
    const key = fc.oneof(fc.constantFrom('name', 'birthdate', '_id', '_count', '_sort', 'identifier', 'gender', "name' OR 1=1 --", '_offset'), fc.string({ maxLength: 20 }));
    const value = fc.oneof(fc.string({ maxLength: 40 }), fc.constantFrom("'; DROP TABLE fhir_versions; --", '../../etc/passwd', 'gt', 'le2020-13-45', '<script>', '99999999999'));
    fc.assert(
      fc.property(fc.dictionary(key, value, { maxKeys: 4 }), (query) => {
        try {
          validateSearch('Patient', query);
        } catch (err) {
          expect(err).toBeInstanceOf(FhirInputError);
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('audit details of refusals carry no request values', () => {
  it('ids, types, resourceType and search values are named, never quoted, in auditDetail', () => {
    const cases: [() => unknown, string][] = [
      [() => classify('GET', ['Jane Doe']), 'Jane Doe'],
      [() => classify('GET', ['Patient', 'Jane Doe 1957']), 'Jane Doe 1957'],
      [() => classify('GET', ['Patient', 'p1', 'Smith1957', 'x', 'y']), 'Smith1957'],
      [() => validateResourceBody({ resourceType: 'SmithJane' }, 'Observation'), 'SmithJane'],
      [() => validateResourceBody({ resourceType: 'Observation', id: 'SmithJane' }, 'Observation', 'p1'), 'SmithJane'],
      [() => validateSearch('Observation', { date: 'Smith-1957' }), 'Smith-1957'],
      [() => validateBundle({ resourceType: 'Bundle', type: 'batch', entry: [{ request: { method: 'GET', url: 'Patient/Jane Doe' } }] }), 'Jane Doe'],
    ];
    for (const [fn, value] of cases) {
      const err = inputError(fn);
      expect(err.message).toContain(value); // the client is told what was wrong with its request
      expect(err.auditDetail).not.toContain(value);
    }
    expect(inputError(() => validateSearch('Observation', { date: 'Smith-1957' })).auditDetail).toContain('date');
  });
});
