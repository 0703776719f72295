import { describe, expect, it } from 'vitest';
import { actionOf, bundleAuditFacts, buildAuditRecord, entitiesOfPath, isAuditedPath, outcomeOf, sanitizePath, toAuditEvent } from './record';

const user = { id: 'demo-surgeon', username: 'surgeon', role: 'surgeon' as const };
const base = { at: '2026-01-01T00:00:00.000Z', method: 'GET', user, httpStatus: 200, requestId: 'r1', sourceIp: '127.0.0.1' };

describe('audit records', () => {
  it('audits /fhir, /dicomweb and /events only', () => {
    expect(isAuditedPath('/fhir/Patient')).toBe(true);
    expect(isAuditedPath('/dicomweb/studies')).toBe(true);
    expect(isAuditedPath('/events')).toBe(true);
    expect(isAuditedPath('/auth/login')).toBe(false);
    expect(isAuditedPath('/fhirish')).toBe(false);
  });

  it('drops every query value except an id-shaped patient, and never keeps names or birth dates', () => {
    const r = buildAuditRecord({ ...base, url: '/fhir/Patient?name=Margaret%20Hale&birthdate=1954-01-01&family=Hale' });
    const ev = toAuditEvent('a1', r);
    const text = JSON.stringify([r, ev]);
    expect(text).not.toMatch(/Margaret|Hale|1954/);
    expect(r.path).toBe('/fhir/Patient');
    expect(r.entities).toEqual(['Patient']);
    expect(r.action).toBe('E');
  });

  it('keeps the patient of a search when it is an id, and refuses free text in path segments', () => {
    expect(buildAuditRecord({ ...base, url: '/fhir/Observation?patient=Patient/demo-as-72f&code=8867-4' }).patientId).toBe('demo-as-72f');
    expect(buildAuditRecord({ ...base, url: '/fhir/Observation?subject=abc-1' }).patientId).toBe('abc-1');
    expect(buildAuditRecord({ ...base, url: '/fhir/Observation?patient=Jane Doe' }).patientId).toBeUndefined();
    expect(sanitizePath('/fhir/Patient/Jane%20Doe')).toBe('/fhir/Patient/:invalid');
    expect(sanitizePath('/fhir/Patient/%E0%A4%A')).toBe('/fhir/Patient/:invalid');
  });

  it('names instance entities and the patient of instance reads', () => {
    const r = buildAuditRecord({ ...base, url: '/fhir/Patient/p1/_history/2' });
    expect(r.entities).toEqual(['Patient/p1']);
    expect(r.patientId).toBe('p1');
    expect(entitiesOfPath('/dicomweb/studies/1.2.840.1/series/1.2.3')).toEqual(['Study/1.2.840.1']);
  });

  it('maps methods to FHIR audit actions and statuses to outcomes', () => {
    expect(actionOf('GET', '/fhir/Patient/1')).toBe('R');
    expect(actionOf('GET', '/fhir/Patient')).toBe('E');
    expect(actionOf('POST', '/fhir/Observation')).toBe('C');
    expect(actionOf('POST', '/fhir')).toBe('E');
    expect(actionOf('POST', '/fhir/Patient/_search')).toBe('E');
    expect(actionOf('PUT', '/fhir/Observation/1')).toBe('U');
    expect(actionOf('DELETE', '/fhir/Observation/1')).toBe('D');
    expect(actionOf('GET', '/events')).toBe('R');
    expect(actionOf('POST', '/dicomweb/studies')).toBe('C');
    expect([outcomeOf(200), outcomeOf(201), outcomeOf(401), outcomeOf(403), outcomeOf(500)]).toEqual(['0', '0', '4', '4', '8']);
  });

  it('builds a FHIR AuditEvent with agent, action, entity, outcome, recorded and source', () => {
    const r = buildAuditRecord({ ...base, url: '/fhir/Observation', method: 'POST', httpStatus: 403, detail: 'consent denies digital-twin', patientId: 'p9', entities: ['Observation/o1'] });
    const ev = toAuditEvent('id-1', r);
    expect(ev).toMatchObject({
      resourceType: 'AuditEvent',
      id: 'id-1',
      action: 'C',
      recorded: base.at,
      outcome: '4',
      outcomeDesc: 'consent denies digital-twin',
      source: { observer: { display: 'twinscope-proxy' } },
    });
    expect(ev.agent[0]).toMatchObject({ who: { reference: 'Practitioner/demo-surgeon' }, altId: 'surgeon', requestor: true });
    expect(ev.entity?.map((e) => e.what?.reference ?? e.what?.display)).toEqual(['Patient/p9', 'Observation', 'Observation/o1', '/fhir/Observation']);
  });

  it('records anonymous refusals with no user', () => {
    const r = buildAuditRecord({ ...base, user: null, httpStatus: 401, url: '/fhir/Patient', detail: 'unauthenticated' });
    expect(r.user).toBeNull();
    expect(toAuditEvent('x', r).agent[0]?.who?.display).toBe('anonymous');
  });
});

describe('redactRequestValues (second line of defence against values in details)', () => {
  it('cuts query values and free-text path segments out of a detail, keeps names and ids', async () => {
    const { redactRequestValues } = await import('./record');
    const url = `/fhir/Observation?date=${encodeURIComponent('Smith 1957')}&code=12`;
    expect(redactRequestValues('Invalid format for date search parameter: Smith 1957', url)).toBe('Invalid format for date search parameter: …');
    // Two-character values are left alone: they cannot identify anyone and would cut ordinary words.
    expect(redactRequestValues('code 12 refused', url)).toBe('code 12 refused');
    expect(redactRequestValues('invalid id "Jane Doe"', '/fhir/Patient/Jane%20Doe')).toBe('invalid id "…"');
    expect(redactRequestValues('Observation/abc-1 refused', '/fhir/Observation/abc-1')).toBe('Observation/abc-1 refused');
  });

  it('buildAuditRecord applies it to the detail', () => {
    const r = buildAuditRecord({ ...base, url: '/fhir/Observation?date=Smith-1957', httpStatus: 400, detail: 'bad value Smith-1957 for date' });
    expect(r.detail).toBe('bad value … for date');
  });
});

describe('transactions in the audit (issue 13)', () => {
  // What the Scenarios tab sends when a plan is accepted: a conditional create + a Provenance PUT.
  const request = {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: [
      {
        fullUrl: 'urn:uuid:1',
        resource: { resourceType: 'CarePlan', subject: { reference: 'Patient/demo-as-72f' }, title: 'Metoprolol for Margaret Hale' },
        request: { method: 'POST', url: 'CarePlan', ifNoneExist: 'identifier=x|y' },
      },
      { resource: { resourceType: 'Provenance', id: 'twin-plan-1', target: [{ reference: 'urn:uuid:1' }] }, request: { method: 'PUT', url: 'Provenance/twin-plan-1' } },
    ],
  };
  const response = {
    resourceType: 'Bundle',
    type: 'transaction-response',
    entry: [{ response: { status: '201 Created', location: 'CarePlan/cp1/_history/1' } }, { response: { status: '200 OK', location: 'Provenance/twin-plan-1/_history/2' } }],
  };

  it('names what the transaction did and every patient it touched, PHI-free', () => {
    const f = bundleAuditFacts(request, response);
    expect(f).toEqual({
      action: 'C',
      entities: ['CarePlan/cp1', 'Provenance/twin-plan-1', 'Patient/demo-as-72f'],
      patientIds: ['demo-as-72f'],
      summary: 'transaction: create CarePlan, update Provenance',
    });
    expect(JSON.stringify(f)).not.toMatch(/Margaret|Hale/);
    const r = buildAuditRecord({ ...base, method: 'POST', url: '/fhir', entities: f.entities, patientId: f.patientIds[0], action: f.action, detail: f.summary });
    expect(r.action).toBe('C');
    const ev = toAuditEvent('t1', r);
    // Filtering the AuditEvents by patient finds it: the patient is an entity with the Patient role.
    expect(ev.entity?.filter((e) => e.what?.reference === 'Patient/demo-as-72f' && e.role?.code === '1')).toHaveLength(1);
    expect(ev.outcomeDesc).toBe('transaction: create CarePlan, update Provenance');
  });

  it('attributes several patients, counts repeated interactions and ranks the strongest action', () => {
    const f = bundleAuditFacts(
      {
        type: 'batch',
        entry: [
          { request: { method: 'GET', url: 'Observation?patient=Patient/p1&code=8867-4' } },
          { request: { method: 'GET', url: 'Patient/p2' } },
          { request: { method: 'GET', url: 'Observation?subject=p3' } },
          { request: { method: 'DELETE', url: 'Flag/f1' } },
        ],
      },
      { entry: [] },
    );
    expect(f.action).toBe('D');
    expect(f.patientIds.sort()).toEqual(['p1', 'p2', 'p3']);
    expect(f.summary).toBe('batch: search Observation ×2, read Patient, delete Flag');
    expect(bundleAuditFacts({ type: 'batch', entry: [{ request: { method: 'GET', url: 'Patient/p2' } }] }, {}).action).toBe('R');
    expect(bundleAuditFacts(null, null)).toEqual({ action: 'E', entities: [], patientIds: [], summary: 'batch: no entries' });
  });
});
