import { describe, expect, it } from 'vitest';
import type { AuditEvent } from '@medplum/fhirtypes';
import { AUDIT_PAGE_SIZE, auditRow, auditSearchParams, EMPTY_AUDIT_FILTERS, formatLocalTimestamp } from './audit-search';

describe('auditSearchParams', () => {
  it('asks for the newest first, one page, with an accurate total', () => {
    expect(auditSearchParams(EMPTY_AUDIT_FILTERS, 0)).toMatchObject({ _sort: '-date', _count: AUDIT_PAGE_SIZE, _offset: undefined });
    expect(auditSearchParams(EMPTY_AUDIT_FILTERS, 2)._offset).toBe(2 * AUDIT_PAGE_SIZE);
  });
  it('maps every filter to its AuditEvent search parameter', () => {
    const p = auditSearchParams({ user: ' clinician ', patientId: 'Patient/demo-as', action: 'R', fromDate: '2026-11-01', toDate: '2026-11-30' }, 0);
    expect(p.altid).toBe('clinician');
    expect(p.entity).toBe('Patient/demo-as');
    expect(p.action).toBe('R');
    // Inclusive of the whole "to" day, across a month end.
    expect(p.date).toEqual(['ge2026-11-01', 'lt2026-12-01']);
  });
  it('explains bad filters', () => {
    expect(() => auditSearchParams({ ...EMPTY_AUDIT_FILTERS, fromDate: '2026-12-01', toDate: '2026-11-01' }, 0)).toThrow(/swap/);
    expect(() => auditSearchParams({ ...EMPTY_AUDIT_FILTERS, patientId: 'a b' }, 0)).toThrow(/not a patient id/);
    expect(() => auditSearchParams({ ...EMPTY_AUDIT_FILTERS, toDate: '01/02/2026' }, 0)).toThrow(/YYYY-MM-DD/);
  });
});

describe('auditRow', () => {
  it('reads who, what and the outcome of an event', () => {
    const e: AuditEvent = {
      resourceType: 'AuditEvent',
      id: 'ae1',
      type: { code: 'rest' },
      action: 'R',
      recorded: '2026-11-21T06:00:00Z',
      outcome: '8',
      outcomeDesc: 'forbidden: role admin may not read Patient',
      subtype: [{ system: 'urn:twinscope:http-method', code: 'GET' }],
      agent: [
        {
          requestor: true,
          altId: 'admin',
          role: [{ coding: [{ system: 'urn:twinscope:role', code: 'admin' }] }],
          who: { reference: 'Practitioner/u4', display: 'admin' },
        },
      ],
      source: { observer: { display: 'twinscope-proxy' } },
      entity: [
        { what: { reference: 'Patient/demo-as' } },
        { what: { display: '/fhir/Patient/demo-as' }, type: { code: 'request' }, detail: [{ type: 'http-status', valueString: '403' }] },
      ],
    };
    expect(auditRow(e)).toEqual({
      id: 'ae1',
      timeIso: '2026-11-21T06:00:00Z',
      user: 'admin',
      role: 'admin',
      action: 'Read',
      entities: ['Patient/demo-as'],
      outcome: { text: 'Serious failure', ok: false },
      detail: 'forbidden: role admin may not read Patient · GET /fhir/Patient/demo-as → 403',
    });
  });
});

describe('auditRow entities', () => {
  it('drops a bare resource type already named with an id', () => {
    const row = auditRow({
      resourceType: 'AuditEvent',
      type: { code: 'rest' },
      recorded: '2026-11-21T06:00:00Z',
      agent: [{ requestor: true }],
      source: { observer: {} },
      entity: [{ what: { reference: 'Patient/p' } }, { what: { display: 'Observation' } }, { what: { reference: 'Observation/o1' } }, { what: { display: 'Condition' } }],
    });
    expect(row.entities).toEqual(['Patient/p', 'Observation/o1', 'Condition']);
  });
});

describe('formatLocalTimestamp', () => {
  it('formats in local time, zero-padded, and passes through what it cannot parse', () => {
    const d = new Date(2026, 0, 2, 3, 4, 5);
    expect(formatLocalTimestamp(d.toISOString())).toBe('2026-01-02 03:04:05');
    expect(formatLocalTimestamp('garbage')).toBe('garbage');
    expect(formatLocalTimestamp('')).toBe('—');
  });
});
