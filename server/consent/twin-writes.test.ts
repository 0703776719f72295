import { describe, expect, it } from 'vitest';
import { TWIN_OUTPUT_TAG } from '../../core/contracts';
import { analyseTwinWrite, isTwinOutput } from './twin-writes';

const tagged = (r: Record<string, unknown>) => ({ ...r, meta: { tag: [TWIN_OUTPUT_TAG] } });
const forecast = tagged({ resourceType: 'Observation', status: 'final', code: { text: 'MAP forecast' }, subject: { reference: 'Patient/p1' } });

describe('twin output analysis', () => {
  it('recognises the twin-output code wherever the client put it (issue 10)', () => {
    expect(isTwinOutput(forecast)).toBe(true);
    // Claiming to be a twin output under any system, in meta.security, or in a contained resource counts.
    expect(isTwinOutput({ meta: { tag: [{ system: 'http://twinscope.dev/fhir/CodeSystem/tags', code: 'twin-output' }] } })).toBe(true);
    expect(isTwinOutput({ meta: { tag: [{ system: 'other', code: 'twin-output' }] } })).toBe(true);
    expect(isTwinOutput({ meta: { security: [TWIN_OUTPUT_TAG] } })).toBe(true);
    expect(isTwinOutput({ resourceType: 'Observation', contained: [{ resourceType: 'Observation', meta: { tag: [TWIN_OUTPUT_TAG] } }] })).toBe(true);
    expect(isTwinOutput({ resourceType: 'Observation' })).toBe(false);
    expect(isTwinOutput({ meta: { tag: [{ system: TWIN_OUTPUT_TAG.system, code: 'measured' }] } })).toBe(false);
  });

  it('finds every patient a twin output references: focus, Task.for, contained, Provenance targets (issue 10)', () => {
    const inTransaction = (r: Record<string, unknown>) => ({
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { fullUrl: 'urn:uuid:1', resource: r, request: { method: 'POST', url: String(r.resourceType) } },
        { resource: { resourceType: 'Provenance', target: [{ reference: 'urn:uuid:1' }] }, request: { method: 'POST', url: 'Provenance' } },
      ],
    });
    const focus = analyseTwinWrite(inTransaction(tagged({ resourceType: 'Observation', status: 'final', code: { text: 'x' }, focus: [{ reference: 'Patient/p9' }] })));
    expect([...focus.patientIds]).toEqual(['p9']);
    const task = analyseTwinWrite(inTransaction(tagged({ resourceType: 'Task', status: 'requested', intent: 'order', for: { reference: 'Patient/p3' } })));
    expect(task.problems).toEqual([]);
    expect([...task.patientIds]).toEqual(['p3']);
    const contained = analyseTwinWrite(
      inTransaction({ resourceType: 'DiagnosticReport', status: 'final', code: { text: 'x' }, contained: [tagged({ resourceType: 'Observation', id: 'o', status: 'final', code: { text: 'x' }, subject: { reference: 'Patient/p4' } })] }),
    );
    expect([...contained.patientIds]).toEqual(['p4']);
    const twoPatients = analyseTwinWrite(inTransaction(tagged({ resourceType: 'Observation', subject: { reference: 'Patient/p5' }, focus: [{ reference: 'http://elsewhere/fhir/Patient/p6' }] })));
    expect([...twoPatients.patientIds].sort()).toEqual(['p5', 'p6']);
    // A tagged Provenance makes its targets twin outputs, with their patients.
    const provTagged = analyseTwinWrite({
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { fullUrl: 'urn:uuid:2', resource: { resourceType: 'Observation', status: 'final', code: { text: 'x' }, subject: { reference: 'Patient/p7' } }, request: { method: 'POST', url: 'Observation' } },
        { resource: tagged({ resourceType: 'Provenance', target: [{ reference: 'urn:uuid:2' }] }), request: { method: 'POST', url: 'Provenance' } },
      ],
    });
    expect([...provTagged.patientIds]).toEqual(['p7']);
  });

  it('refuses twin outputs whose patient cannot be checked: contained or conditional Patient references', () => {
    const r = analyseTwinWrite(tagged({ resourceType: 'Observation', subject: { reference: '#pt' }, contained: [{ resourceType: 'Patient', id: 'pt' }] }));
    expect(r.problems.join()).toMatch(/by id/);
    expect(analyseTwinWrite(tagged({ resourceType: 'Observation', subject: { reference: 'Patient?identifier=x|1' } })).problems.join()).toMatch(/by id/);
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
