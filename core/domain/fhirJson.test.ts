import { describe, expect, it } from 'vitest';
import { resourcesOf } from './fhirJson';

describe('resourcesOf', () => {
  it('flattens nested Bundles and arrays in document order', () => {
    const inner = { resourceType: 'Bundle', entry: [{ resource: { resourceType: 'Observation', id: 'o1' } }] };
    const out = resourcesOf([{ resourceType: 'Bundle', entry: [{ resource: { resourceType: 'Patient', id: 'p' } }, { resource: inner }] }, { resourceType: 'Condition', id: 'c' }]);
    expect(out.map((r) => `${String(r.resourceType)}/${String(r.id)}`)).toEqual(['Patient/p', 'Observation/o1', 'Condition/c']);
  });

  it('keeps one copy of a resource repeated by id, the newer one winning; identifiers alone do not merge', () => {
    const p1 = { resourceType: 'Patient', id: 'p', meta: { lastUpdated: '2024-01-01T00:00:00Z' }, gender: 'male' };
    const p2 = { resourceType: 'Patient', id: 'p', meta: { lastUpdated: '2025-01-01T00:00:00Z' }, gender: 'female' };
    const older = { ...p1, meta: { lastUpdated: '2020-01-01T00:00:00Z' }, gender: 'other' };
    const obs = { resourceType: 'Observation', id: 'p' };
    const out = resourcesOf({ resourceType: 'Bundle', entry: [p1, obs, p2, older].map((resource) => ({ resource })) });
    expect(out).toHaveLength(2);
    expect(out[0]).toBe(p2);
    expect(out[1]).toBe(obs);
    const shared = [{ system: 's', value: '1' }];
    expect(resourcesOf([{ resourceType: 'Observation', id: 'a', identifier: shared }, { resourceType: 'Observation', id: 'b', identifier: shared }])).toHaveLength(2);
  });
});
