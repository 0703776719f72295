import { describe, expect, it } from 'vitest';
import { parseResourceEvent, queryKeysToInvalidate } from './events';
import { queryKeys } from './queries';

describe('live events', () => {
  it('parses the server frame payload and ignores anything else', () => {
    const e = parseResourceEvent('{"seq":7,"patientId":"p1","resourceType":"Observation","id":"o9","action":"create","at":"2026-11-21T06:00:00Z"}');
    expect(e).toMatchObject({ seq: 7, patientId: 'p1', resourceType: 'Observation', id: 'o9' });
    expect(parseResourceEvent('heartbeat')).toBeNull();
    expect(parseResourceEvent('{"seq":1}')).toBeNull();
    expect(parseResourceEvent('null')).toBeNull();
  });
  it('invalidates every query of the resource type, matching the hook keys', () => {
    const keys = queryKeysToInvalidate({ resourceType: 'Condition', id: 'c1', patientId: 'p1' });
    expect(keys).toEqual([['fhir', 'Condition']]);
    // The prefix must be a prefix of the key useConditions uses.
    expect(queryKeys.conditions('p1').slice(0, 2)).toEqual(keys[0]);
  });
  it('also refreshes the twin permission when a Consent changes', () => {
    const keys = queryKeysToInvalidate({ resourceType: 'Consent', id: 'k1', patientId: 'p1' });
    expect(keys).toContainEqual(queryKeys.twinPermission('p1'));
  });
});
