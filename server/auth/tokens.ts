// Stateless session tokens: HMAC-SHA256 over a small JSON payload. Any replica holding the
// same secret verifies them, so sessions do not pin a client to one server; logout adds the
// token's random id to a revocation list in the database until the token would have expired.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Role } from '../../core/contracts';

export interface TokenPayload {
  /** user id */
  sub: string;
  role: Role;
  /** issued at, seconds since epoch */
  iat: number;
  /** expires at, seconds since epoch */
  exp: number;
  /** random token id, the revocation key */
  jti: string;
}

const VERSION = 'v1';

function mac(secret: string, data: string): Buffer {
  return createHmac('sha256', secret).update(data).digest();
}

export function signToken(payload: TokenPayload, secret: string): string {
  const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
  const signed = `${VERSION}.${body}`;
  return `${signed}.${mac(secret, signed).toString('base64url')}`;
}

export function issueToken(userId: string, role: Role, ttlSec: number, secret: string, nowSec: number = Math.floor(Date.now() / 1000)): {
  token: string;
  payload: TokenPayload;
} {
  const payload: TokenPayload = { sub: userId, role, iat: nowSec, exp: nowSec + ttlSec, jti: randomBytes(16).toString('base64url') };
  return { token: signToken(payload, secret), payload };
}

export type TokenCheck = { ok: true; payload: TokenPayload } | { ok: false; reason: 'malformed' | 'bad-signature' | 'expired' };

/** Verifies signature and expiry (not revocation: that needs the database). */
export function verifyToken(token: string, secret: string, nowSec: number = Math.floor(Date.now() / 1000)): TokenCheck {
  if (token.length > 2048) return { ok: false, reason: 'malformed' };
  const parts = token.split('.');
  if (parts.length !== 3 || parts[0] !== VERSION) return { ok: false, reason: 'malformed' };
  const [version, body, sig] = parts as [string, string, string];
  const expected = mac(secret, `${version}.${body}`);
  const given = Buffer.from(sig, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'bad-signature' };
  let payload: TokenPayload;
  try {
    payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as TokenPayload;
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  if (typeof payload.sub !== 'string' || typeof payload.exp !== 'number' || typeof payload.jti !== 'string') {
    return { ok: false, reason: 'malformed' };
  }
  if (payload.exp <= nowSec) return { ok: false, reason: 'expired' };
  return { ok: true, payload };
}
