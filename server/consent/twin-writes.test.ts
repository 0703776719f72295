import { describe, expect, it } from 'vitest';
import { TWIN_OUTPUT_TAG } from '../../core/contracts';
import { analyseTwinWrite, isTwinOutput } from './twin-writes';

const tagged = (r: Record<string, unknown>) => ({ ...r, meta: { tag: [TWIN_OUTPUT_TAG] } });
const forecast = tagged({ resourceType: 'Observation', status: 'final', code: { text: 'MAP forecast' }, subject: { reference: 'Patient/p1' } });

describe('twin output analysis', () => {
  it('recognises the twin-output tag only with the right system', () => {
    expect(isTwinOutput(forecast)).toBe(true);
    expect(isTwinOutput({ meta: { tag: [{ system: 'other', code: 'twin-output' }] } })).toBe(false);
    expect(isTwinOutput({ resourceType: 'Observation' })).toBe(false);
  });

  it('ignores writes that are not twin outputs', () => {
    const r = analyseTwinWrite({ resourceType: 'Observation', subject: { reference: 'Patient/p1' } });
    expect(r.problems).toEqual([]);
    expect([...r.patientIds]).toEqual([]);
  });

  it('requires a twin output to come with its Provenance in a transaction', () => {
    const r = analyseTwinWrite(forecast);
    expect(r.problems.join()).toMatch(/transaction Bundle together with a Provenance/);
    expect([...r.patientIds]).toEqual(['p1']);
  });

  it('accepts output + Provenance (urn:uuid target) in a transaction and names the patient', () => {
    const bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { fullUrl: 'urn:uuid:1', resource: forecast, request: { method: 'POST', url: 'Observation' } },
        { resource: { resourceType: 'Provenance', target: [{ reference: 'urn:uuid:1' }] }, request: { method: 'POST', url: 'Provenance' } },
      ],
    };
    const r = analyseTwinWrite(bundle);
    expect(r.problems).toEqual([]);
    expect([...r.patientIds]).toEqual(['p1']);
  });

  it('finds the patient of an untagged Provenance through its twin-output target', () => {
    const bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { resource: { ...tagged({ resourceType: 'CarePlan', id: 'cp1', subject: { reference: 'Patient/p2' } }) }, request: { method: 'PUT', url: 'CarePlan/cp1' } },
        { resource: { resourceType: 'Provenance', target: [{ reference: 'CarePlan/cp1' }] }, request: { method: 'POST', url: 'Provenance' } },
      ],
    };
    const r = analyseTwinWrite(bundle);
    expect(r.problems).toEqual([]);
    expect([...r.patientIds]).toEqual(['p2']);
  });

  it('refuses a batch (not transaction) even with a Provenance: the pair must be atomic', () => {
    const bundle = {
      resourceType: 'Bundle',
      type: 'batch',
      entry: [
        { fullUrl: 'urn:uuid:1', resource: forecast, request: { method: 'POST', url: 'Observation' } },
        { resource: { resourceType: 'Provenance', target: [{ reference: 'urn:uuid:1' }] }, request: { method: 'POST', url: 'Provenance' } },
      ],
    };
    expect(analyseTwinWrite(bundle).problems).toHaveLength(1);
  });

  it('requires a twin output to name its patient', () => {
    const r = analyseTwinWrite(tagged({ resourceType: 'Observation', status: 'final' }));
    expect(r.problems.join()).toMatch(/must reference its patient/);
  });

  it('accepts a tagged Provenance that targets a patient directly', () => {
    const r = analyseTwinWrite(tagged({ resourceType: 'Provenance', target: [{ reference: 'Patient/p3' }] }));
    expect(r.problems).toEqual([]);
    expect([...r.patientIds]).toEqual(['p3']);
  });
});
