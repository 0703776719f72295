import { describe, expect, it } from 'vitest';
import { issueToken, signToken, verifyToken } from './tokens';

const SECRET = 'a'.repeat(43);

describe('session tokens', () => {
  it('round-trips a signed payload', () => {
    const { token, payload } = issueToken('u1', 'surgeon', 3600, SECRET, 1_000_000);
    const check = verifyToken(token, SECRET, 1_000_100);
    expect(check).toEqual({ ok: true, payload });
    expect(payload).toMatchObject({ sub: 'u1', role: 'surgeon', iat: 1_000_000, exp: 1_003_600 });
    expect(payload.jti).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });

  it('gives each token a different random id', () => {
    const a = issueToken('u1', 'admin', 60, SECRET).payload.jti;
    const b = issueToken('u1', 'admin', 60, SECRET).payload.jti;
    expect(a).not.toBe(b);
  });

  it('rejects a token signed with another secret', () => {
    const { token } = issueToken('u1', 'surgeon', 3600, SECRET);
    expect(verifyToken(token, 'b'.repeat(43))).toEqual({ ok: false, reason: 'bad-signature' });
  });

  it('rejects a payload edited to escalate the role', () => {
    const { token } = issueToken('u1', 'clinician', 3600, SECRET);
    const [v, body, sig] = token.split('.') as [string, string, string];
    const payload = JSON.parse(Buffer.from(body, 'base64url').toString()) as Record<string, unknown>;
    payload.role = 'admin';
    const forged = `${v}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${sig}`;
    expect(verifyToken(forged, SECRET)).toEqual({ ok: false, reason: 'bad-signature' });
  });

  it('rejects a flipped signature character', () => {
    const { token } = issueToken('u1', 'clinician', 3600, SECRET);
    const last = token.at(-2) === 'A' ? 'B' : 'A';
    const tampered = token.slice(0, -2) + last + token.slice(-1);
    expect(verifyToken(tampered, SECRET).ok).toBe(false);
  });

  it('rejects an expired token, exactly at expiry', () => {
    const { token } = issueToken('u1', 'clinician', 60, SECRET, 1000);
    expect(verifyToken(token, SECRET, 1059).ok).toBe(true);
    expect(verifyToken(token, SECRET, 1060)).toEqual({ ok: false, reason: 'expired' });
  });

  it('rejects malformed input without throwing', () => {
    for (const t of ['', 'abc', 'v1.x', 'v2.a.b', 'v1..', 'v1.!!!.###', 'x'.repeat(5000)]) {
      expect(verifyToken(t, SECRET).ok).toBe(false);
    }
  });

  it('rejects a correctly signed payload that lacks required fields', () => {
    const token = signToken({ sub: 'u1' } as never, SECRET);
    expect(verifyToken(token, SECRET)).toEqual({ ok: false, reason: 'malformed' });
  });
});
