import { describe, expect, it } from 'vitest';
import type { Role } from '../../core/contracts';
import { decide, decideFhirType, protectedAreaOf } from './rbac';

const CLINICAL: Role[] = ['surgeon', 'cardiologist', 'clinician'];

describe('protected areas', () => {
  it('covers /fhir, /dicomweb, /events and /api, not the SPA or /auth', () => {
    expect(protectedAreaOf('/fhir')).toBe('fhir');
    expect(protectedAreaOf('/fhir/Patient/1')).toBe('fhir');
    expect(protectedAreaOf('/dicomweb/studies')).toBe('dicomweb');
    expect(protectedAreaOf('/events')).toBe('events');
    expect(protectedAreaOf('/api/admin/users')).toBe('api');
    expect(protectedAreaOf('/fhirx')).toBeNull();
    expect(protectedAreaOf('/patients/1/twin')).toBeNull();
    expect(protectedAreaOf('/auth/login')).toBeNull();
  });
});

describe('role matrix', () => {
  it('refuses everyone unauthenticated with 401', () => {
    for (const path of ['/fhir/Patient', '/dicomweb/studies', '/events', '/api/admin/users', '/api/patients/x/twin-permission']) {
      expect(decide(null, { method: 'GET', pathname: path })).toMatchObject({ allow: false, status: 401 });
    }
  });

  it('lets clinical roles read clinical data and write twin outputs, not demographics', () => {
    for (const role of CLINICAL) {
      expect(decide(role, { method: 'GET', pathname: '/fhir/Patient' }).allow).toBe(true);
      expect(decide(role, { method: 'GET', pathname: '/fhir/Observation/1' }).allow).toBe(true);
      expect(decide(role, { method: 'POST', pathname: '/fhir/Observation' }).allow).toBe(true);
      expect(decide(role, { method: 'PUT', pathname: '/fhir/CarePlan/p1' }).allow).toBe(true);
      expect(decide(role, { method: 'POST', pathname: '/fhir/Provenance' }).allow).toBe(true);
      expect(decide(role, { method: 'POST', pathname: '/fhir/Patient' })).toMatchObject({ allow: false, status: 403 });
      expect(decide(role, { method: 'PUT', pathname: '/fhir/Consent/c1' })).toMatchObject({ allow: false, status: 403 });
      expect(decide(role, { method: 'GET', pathname: '/fhir/AuditEvent' })).toMatchObject({ allow: false, status: 403 });
      expect(decide(role, { method: 'GET', pathname: '/dicomweb/studies' }).allow).toBe(true);
      expect(decide(role, { method: 'GET', pathname: '/events' }).allow).toBe(true);
      expect(decide(role, { method: 'GET', pathname: '/api/admin/users' })).toMatchObject({ allow: false, status: 403 });
      expect(decide(role, { method: 'GET', pathname: '/api/patients/p/twin-permission' }).allow).toBe(true);
    }
  });

  it('lets admin read the audit trail and consents but no clinical data', () => {
    expect(decide('admin', { method: 'GET', pathname: '/fhir/AuditEvent' }).allow).toBe(true);
    expect(decide('admin', { method: 'GET', pathname: '/fhir/Consent' }).allow).toBe(true);
    expect(decide('admin', { method: 'GET', pathname: '/fhir/metadata' }).allow).toBe(true);
    expect(decide('admin', { method: 'GET', pathname: '/api/admin/users' }).allow).toBe(true);
    for (const path of ['/fhir/Patient', '/fhir/Observation/1', '/fhir/Patient/1/_history', '/dicomweb/studies', '/events', '/api/patients/p/twin-permission']) {
      expect(decide('admin', { method: 'GET', pathname: path })).toMatchObject({ allow: false, status: 403 });
    }
    expect(decide('admin', { method: 'POST', pathname: '/fhir/Observation' })).toMatchObject({ allow: false, status: 403 });
  });

  it('never lets anyone write AuditEvent over HTTP, and refuses deletes with 405', () => {
    for (const role of [...CLINICAL, 'admin'] as Role[]) {
      expect(decideFhirType(role, 'write', 'AuditEvent')).toMatchObject({ allow: false, status: 403 });
      expect(decide(role, { method: 'DELETE', pathname: '/fhir/Observation/1' })).toMatchObject({ allow: false, status: 405 });
    }
  });

  it('checks every entry of a batch: one forbidden entry refuses the bundle', () => {
    const ok = decide('clinician', {
      method: 'POST',
      pathname: '/fhir',
      bundleEntries: [
        { method: 'POST', resourceType: 'Observation' },
        { method: 'POST', resourceType: 'Provenance' },
        { method: 'GET', resourceType: 'Patient' },
      ],
    });
    expect(ok.allow).toBe(true);
    const bad = decide('clinician', {
      method: 'POST',
      pathname: '/fhir',
      bundleEntries: [
        { method: 'POST', resourceType: 'Observation' },
        { method: 'PUT', resourceType: 'Patient' },
      ],
    });
    expect(bad).toMatchObject({ allow: false, status: 403 });
    expect(decide('admin', { method: 'POST', pathname: '/fhir', bundleEntries: [{ method: 'GET', resourceType: 'Observation' }] })).toMatchObject({ allow: false, status: 403 });
  });

  it('treats POST _search as a read', () => {
    expect(decide('clinician', { method: 'POST', pathname: '/fhir/Patient/_search' }).allow).toBe(true);
    expect(decide('admin', { method: 'POST', pathname: '/fhir/AuditEvent/_search' }).allow).toBe(true);
    expect(decide('admin', { method: 'POST', pathname: '/fhir/Patient/_search' }).allow).toBe(false);
  });

  it('allows system-wide search only for clinical roles', () => {
    expect(decide('surgeon', { method: 'GET', pathname: '/fhir' }).allow).toBe(true);
    expect(decide('admin', { method: 'GET', pathname: '/fhir' }).allow).toBe(false);
  });
});
