import { describe, expect, it } from 'vitest';
import { SignInThrottle } from './throttle';
import { normaliseUsername } from './users';

describe('sign-in throttle (issue 10)', () => {
  it('locks an account after the allowed failures whatever client tries, with a doubling back-off', () => {
    let t = 0;
    const th = new SignInThrottle({ accountFailures: 3, clientFailures: 100, windowMs: 1000, maxBackoffMs: 8000 }, () => t);
    for (let i = 0; i < 3; i++) {
      expect(th.attempt('cardiologist', `10.0.0.${i}`).ok).toBe(true);
      th.failed('cardiologist');
    }
    const refused = th.attempt('cardiologist', '10.0.0.99');
    expect(refused).toMatchObject({ ok: false, retryAfterSec: 1 });
    t = 1000; // back-off served
    expect(th.attempt('cardiologist', '10.0.0.1').ok).toBe(true);
    th.failed('cardiologist');
    t = 2000;
    expect(th.attempt('cardiologist', '10.0.0.1').ok).toBe(false); // now 2 windows
    t = 3000;
    expect(th.attempt('cardiologist', '10.0.0.1').ok).toBe(true);
    th.succeeded('cardiologist');
    th.failed('cardiologist');
    expect(th.attempt('cardiologist', '10.0.0.1').ok).toBe(true);
  });

  it('limits failures per client across accounts; successes never lock a shared address', () => {
    const th = new SignInThrottle({ accountFailures: 100, clientFailures: 5, windowMs: 60_000 }, () => 0);
    for (let i = 0; i < 100; i++) expect(th.attempt(`good${i}`, '10.0.0.1').ok).toBe(true); // good sign-ins: not counted
    for (let i = 0; i < 5; i++) {
      expect(th.attempt(`user${i}`, '10.0.0.1').ok).toBe(true);
      th.failed(`user${i}`, '10.0.0.1');
    }
    expect(th.attempt('user9', '10.0.0.1')).toMatchObject({ ok: false, reason: /client/ });
    expect(th.attempt('user9', '10.0.0.2').ok).toBe(true);
  });

  it('keys on the normalised account name: spaces, tabs, case and full-width forms are one account', () => {
    const th = new SignInThrottle({ accountFailures: 2, clientFailures: 100 }, () => 0);
    for (const typed of [' cardiologist', 'cardiologist\t']) {
      expect(th.attempt(normaliseUsername(typed), 'c').ok).toBe(true);
      th.failed(normaliseUsername(typed));
    }
    for (const typed of ['CARDIOLOGIST', 'ｃａｒｄｉｏｌｏｇｉｓｔ', 'cardiologist']) expect(th.attempt(normaliseUsername(typed), 'c').ok, typed).toBe(false);
  });

  it('keeps at most maxKeys entries', () => {
    const th = new SignInThrottle({ maxKeys: 10, clientFailures: 1 }, () => 0);
    for (let i = 0; i < 100; i++) th.failed(`a${i}`, `c${i}`);
    expect(th.attempt('x', 'c0').ok).toBe(true); // c0 was evicted
    expect(th.attempt('x', 'c99').ok).toBe(false);
  });
});
