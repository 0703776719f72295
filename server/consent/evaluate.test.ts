import { describe, expect, it } from 'vitest';
import { CONSENT_ACTION_SYSTEM } from '../../core/contracts';
import { CONSENT_DENIED_MESSAGE, evaluateTwinPermission, type ConsentLike } from './evaluate';

const twin = { coding: [{ system: CONSENT_ACTION_SYSTEM, code: 'digital-twin' }] };
const other = { coding: [{ system: CONSENT_ACTION_SYSTEM, code: 'research' }] };
const NOW = Date.parse('2026-06-01T00:00:00Z');

function consent(provision: ConsentLike['provision'], status = 'active'): ConsentLike {
  return { resourceType: 'Consent', id: 'c1', status, provision };
}

describe('twin permission from Consent', () => {
  it('allows when there is no consent at all', () => {
    expect(evaluateTwinPermission([], NOW)).toEqual({ allowed: true });
  });

  it('denies for a permit base with a nested deny of digital-twin (the demo patient shape)', () => {
    const r = evaluateTwinPermission([consent({ type: 'permit', provision: [{ type: 'deny', action: [twin] }] })], NOW);
    expect(r).toEqual({ allowed: false, reason: CONSENT_DENIED_MESSAGE, consent: 'Consent/c1' });
    expect(r.reason).toBe('consent denies digital-twin for this patient');
  });

  it('denies for a base deny naming digital-twin, and for a base deny without actions (deny all)', () => {
    expect(evaluateTwinPermission([consent({ type: 'deny', action: [twin] })], NOW).allowed).toBe(false);
    expect(evaluateTwinPermission([consent({ type: 'deny' })], NOW).allowed).toBe(false);
  });

  it('allows when the deny is about another action', () => {
    expect(evaluateTwinPermission([consent({ type: 'permit', provision: [{ type: 'deny', action: [other] }] })], NOW).allowed).toBe(true);
  });

  it('lets a nested permit of digital-twin override a base deny-all', () => {
    expect(evaluateTwinPermission([consent({ type: 'deny', provision: [{ type: 'permit', action: [twin] }] })], NOW).allowed).toBe(true);
  });

  it('ignores inactive consents and provisions outside their period', () => {
    expect(evaluateTwinPermission([consent({ type: 'deny', action: [twin] }, 'inactive')], NOW).allowed).toBe(true);
    expect(evaluateTwinPermission([consent({ type: 'deny', action: [twin] }, 'proposed')], NOW).allowed).toBe(true);
    const expired = consent({ type: 'permit', provision: [{ type: 'deny', action: [twin], period: { end: '2026-01-01' } }] });
    expect(evaluateTwinPermission([expired], NOW).allowed).toBe(true);
    const future = consent({ type: 'permit', provision: [{ type: 'deny', action: [twin], period: { start: '2027-01-01' } }] });
    expect(evaluateTwinPermission([future], NOW).allowed).toBe(true);
  });

  it('is conservative with several consents: any active deny wins', () => {
    const permit = consent({ type: 'permit', action: [twin] });
    const deny = { ...consent({ type: 'deny', action: [twin] }), id: 'c2' };
    expect(evaluateTwinPermission([permit, deny], NOW)).toMatchObject({ allowed: false, consent: 'Consent/c2' });
  });
});
