import FindMyWay, { type HTTPMethod } from 'find-my-way';
import { describe, expect, it } from 'vitest';
import type { Role } from '../../core/contracts';
import type { BundleEntryShape } from './rbac';
import { decideFhirType } from './rbac';
import { decideProtected, ruleOf } from './route-policy';
import { ROUTE_TABLE, isGuardedPrefix } from './route-table';

const CLINICAL: Role[] = ['surgeon', 'cardiologist', 'clinician'];

// The same router Fastify uses, built from the route table: the decision is taken on the route
// it matches, as the access hooks do.
const router = FindMyWay({ ignoreTrailingSlash: true });
for (const row of ROUTE_TABLE) for (const m of row.methods) router.on(m as HTTPMethod, row.route, () => undefined, { route: row.route });

function decide(role: Role | null, req: { method: string; pathname: string; bundleEntries?: BundleEntryShape[] }) {
  const found = router.find(req.method as HTTPMethod, req.pathname);
  const route = (found?.store as { route?: string } | undefined)?.route;
  const rule = ruleOf(route, req.pathname, req.method);
  if (rule.kind === 'unknown-route') return { allow: false, status: 403 };
  if (rule.kind !== 'protected') return { allow: true };
  return decideProtected(role, rule.row, req);
}

describe('guarded prefixes', () => {
  it('covers /fhir, /dicomweb, /events and /api, not the SPA or /auth', () => {
    for (const p of ['/fhir', '/fhir/Patient/1', '/dicomweb/studies', '/events', '/api/admin/users', '/FHIR/Patient']) expect(isGuardedPrefix(p), p).toBe(true);
    for (const p of ['/fhirx', '/patients/1/twin', '/auth/login']) expect(isGuardedPrefix(p), p).toBe(false);
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
