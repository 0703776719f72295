import { describe, expect, it } from 'vitest';
import { defaultTabForRole, landingPathForRole, parseRoute, roleMayOpen, safeNextPath, workspacePath } from './routing';

describe('role landing and default tab (PRODUCT.md)', () => {
  it('maps each clinical role to its tab and admin to none', () => {
    expect(defaultTabForRole('surgeon')).toBe('anatomy');
    expect(defaultTabForRole('cardiologist')).toBe('scenarios');
    expect(defaultTabForRole('clinician')).toBe('twin');
    expect(defaultTabForRole('admin')).toBeNull();
  });
  it('lands clinicians on the patient list and admin on the audit trail', () => {
    expect(landingPathForRole('surgeon')).toBe('/patients');
    expect(landingPathForRole('admin')).toBe('/admin/audit');
  });
});

describe('parseRoute', () => {
  it('parses the app routes', () => {
    expect(parseRoute('/')).toEqual({ kind: 'patients' });
    expect(parseRoute('/sign-in')).toEqual({ kind: 'sign-in' });
    expect(parseRoute('/patients')).toEqual({ kind: 'patients' });
    expect(parseRoute('/patients/')).toEqual({ kind: 'patients' });
    expect(parseRoute('/patients/demo-as-1')).toEqual({ kind: 'workspace', patientId: 'demo-as-1', tab: null });
    expect(parseRoute('/patients/demo-as-1/anatomy')).toEqual({ kind: 'workspace', patientId: 'demo-as-1', tab: 'anatomy' });
    expect(parseRoute('/admin/audit')).toEqual({ kind: 'admin', section: 'audit' });
    expect(parseRoute('/admin/users')).toEqual({ kind: 'admin', section: 'users' });
  });
  it('rejects unknown tabs, extra segments and ids that are not FHIR ids', () => {
    expect(parseRoute('/patients/x/audit')).toEqual({ kind: 'unknown' });
    expect(parseRoute('/patients/x/anatomy/extra')).toEqual({ kind: 'unknown' });
    expect(parseRoute('/patients/a%2Fb/twin')).toEqual({ kind: 'unknown' });
    expect(parseRoute('/admin/secrets')).toEqual({ kind: 'unknown' });
    expect(parseRoute('/nowhere')).toEqual({ kind: 'unknown' });
  });
  it('builds workspace paths that parse back', () => {
    expect(parseRoute(workspacePath('p-1', 'twin'))).toEqual({ kind: 'workspace', patientId: 'p-1', tab: 'twin' });
  });
});

describe('roleMayOpen', () => {
  it('keeps admin out of clinical routes and clinicians out of admin routes', () => {
    expect(roleMayOpen('admin', parseRoute('/patients'))).toBe(false);
    expect(roleMayOpen('admin', parseRoute('/patients/p/twin'))).toBe(false);
    expect(roleMayOpen('admin', parseRoute('/admin/audit'))).toBe(true);
    expect(roleMayOpen('clinician', parseRoute('/admin/audit'))).toBe(false);
    expect(roleMayOpen('surgeon', parseRoute('/patients/p/anatomy'))).toBe(true);
  });
});

describe('safeNextPath', () => {
  it('keeps same-origin paths with query and hash', () => {
    expect(safeNextPath('/patients/p1/anatomy')).toBe('/patients/p1/anatomy');
    expect(safeNextPath('/patients?q=smith#top')).toBe('/patients?q=smith#top');
  });
  it('refuses other origins, protocol-relative and smuggled URLs, and the sign-in page', () => {
    for (const bad of ['https://evil.example/', '//evil.example', '/\\evil.example', '/\t/evil.example', 'patients', '', null, undefined, '/sign-in']) {
      expect(safeNextPath(bad)).toBeNull();
    }
  });
});
