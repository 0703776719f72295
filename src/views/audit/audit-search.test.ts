process.env.TZ = 'Europe/Paris';
import { describe, expect, it } from 'vitest';
import type { AuditEvent } from '@medplum/fhirtypes';
import { AUDIT_PAGE_SIZE, auditCsv, auditRow, auditSearchParams, EMPTY_AUDIT_FILTERS, formatAuditTime, serviceCountParams } from './audit-search';

describe('auditSearchParams', () => {
  it('asks for the newest first, one page, with an accurate total, service accounts left out', () => {
    expect(auditSearchParams(EMPTY_AUDIT_FILTERS, 0)).toMatchObject({ _sort: '-date', _count: AUDIT_PAGE_SIZE, _offset: undefined, 'altid:not': 'monitor-feed' });
    expect(auditSearchParams(EMPTY_AUDIT_FILTERS, 2)._offset).toBe(2 * AUDIT_PAGE_SIZE);
    expect(auditSearchParams({ ...EMPTY_AUDIT_FILTERS, includeService: true }, 0)['altid:not']).toBeUndefined();
  });
  it('maps every filter to its AuditEvent search parameter, local days and times as instants', () => {
    const p = auditSearchParams({ ...EMPTY_AUDIT_FILTERS, user: ' clinician ', patientId: 'Patient/demo-as', action: 'R', fromDate: '2026-11-01', toDate: '2026-11-30' }, 0);
    expect(p.altid).toBe('clinician');
    expect(p['altid:not']).toBeUndefined(); // a named user is shown even if a service account
    expect(p.patient).toBe('Patient/demo-as');
    expect(p.action).toBe('R');
    // Paris is UTC+1 in November: local midnight is 23:00Z the day before; inclusive of the whole "to" day.
    expect(p.date).toEqual(['ge2026-10-31T23:00:00Z', 'lt2026-11-30T23:00:00Z']);
    const t = auditSearchParams({ ...EMPTY_AUDIT_FILTERS, fromDate: '2026-07-01 14:05', toDate: '2026-07-01 14:05' }, 0);
    expect(t.date).toEqual(['ge2026-07-01T12:05:00Z', 'lt2026-07-01T12:06:00Z']);
  });
  it('explains bad filters', () => {
    expect(() => auditSearchParams({ ...EMPTY_AUDIT_FILTERS, fromDate: '2026-12-01', toDate: '2026-11-01' }, 0)).toThrow(/swap/);
    expect(() => auditSearchParams({ ...EMPTY_AUDIT_FILTERS, patientId: 'a b' }, 0)).toThrow(/not a patient id/);
    expect(() => auditSearchParams({ ...EMPTY_AUDIT_FILTERS, toDate: '01/02/2026' }, 0)).toThrow(/YYYY-MM-DD/);
    expect(() => auditSearchParams({ ...EMPTY_AUDIT_FILTERS, toDate: '2026-02-30' }, 0)).toThrow(/not a real date/);
  });
  it('counts the hidden service-account events with the same filters', () => {
    expect(serviceCountParams({ ...EMPTY_AUDIT_FILTERS, patientId: 'p1' })).toMatchObject({ altid: 'monitor-feed', patient: 'Patient/p1', _summary: 'count' });
    expect(serviceCountParams({ ...EMPTY_AUDIT_FILTERS, includeService: true })).toBeUndefined();
  });
});

const event: AuditEvent = {
  resourceType: 'AuditEvent',
  id: 'ae1',
  type: { code: 'rest' },
  action: 'C',
  recorded: '2026-11-21T06:00:00Z',
  outcome: '0',
  outcomeDesc: 'transaction: create CarePlan, update Provenance',
  subtype: [{ system: 'urn:twinscope:http-method', code: 'POST' }],
  agent: [{ requestor: true, altId: 'cardiologist', role: [{ coding: [{ system: 'urn:twinscope:role', code: 'cardiologist' }] }], who: { reference: 'Practitioner/u2' } }],
  source: { observer: { display: 'twinscope-proxy' } },
  entity: [
    { what: { reference: 'Patient/demo-as' } },
    { what: { reference: 'CarePlan/cp1' } },
    { what: { reference: 'Provenance/pv1' } },
    { what: { reference: 'Patient/demo-as' } },
    { what: { display: '/fhir' }, type: { code: 'request' }, detail: [{ type: 'http-status', valueString: '200' }] },
  ],
};

describe('auditRow', () => {
  it('reads who, what it did, the patients it touched and the outcome', () => {
    expect(auditRow(event)).toEqual({
      id: 'ae1',
      timeIso: '2026-11-21T06:00:00Z',
      user: 'cardiologist',
      role: 'cardiologist',
      service: false,
      action: 'Create',
      patients: ['demo-as'],
      entities: ['CarePlan/cp1', 'Provenance/pv1'],
      outcome: { text: 'Success', ok: true },
      detail: 'transaction: create CarePlan, update Provenance',
      request: 'POST /fhir → 200',
    });
  });
  it('drops a bare resource type already named with an id, and marks service accounts', () => {
    const row = auditRow({
      resourceType: 'AuditEvent',
      type: { code: 'rest' },
      action: 'E',
      recorded: '2026-11-21T06:00:00Z',
      agent: [{ requestor: true, altId: 'monitor-feed' }],
      source: { observer: {} },
      entity: [{ what: { reference: 'Patient/p' } }, { what: { display: 'Observation' } }, { what: { reference: 'Observation/o1' } }, { what: { display: 'Condition' } }],
    });
    expect(row.entities).toEqual(['Observation/o1', 'Condition']);
    expect(row.service).toBe(true);
    expect(row.action).toBe('Search');
  });
});

describe('audit time and CSV', () => {
  it('uses the app time format with seconds and zone', () => {
    expect(formatAuditTime('2026-11-21T06:00:05Z')).toBe('2026-11-21 07:00:05 UTC+01:00');
    expect(formatAuditTime('')).toBe('—');
  });
  it('exports rows as CSV with quoting', () => {
    const csv = auditCsv([auditRow(event)]);
    const [head, line] = csv.trim().split('\n');
    expect(head).toBe('time_iso,user,role,service_account,action,patients,entities,outcome,detail,request,audit_event_id');
    expect(line).toBe('2026-11-21T06:00:00Z,cardiologist,cardiologist,false,Create,demo-as,CarePlan/cp1 Provenance/pv1,Success,"transaction: create CarePlan, update Provenance",POST /fhir → 200,ae1');
  });
});
