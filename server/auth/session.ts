// Resolving the signed-in user of a request (session cookie or Bearer token) and the guard
// helpers of the Guards contract.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AuthUser, Role } from '../../core/contracts';
import type { Authenticate, Guards } from './guards';
import { sendOutcome } from '../http/operation-outcome';
import { verifyToken, type TokenCheck, type TokenPayload } from './tokens';
import type { UserStore } from './users';

export const SESSION_COOKIE = 'twin_session';

declare module 'fastify' {
  interface FastifyRequest {
    /** Memoised result of authenticate(): undefined = not resolved yet. */
    twinAuth?: ResolvedAuth | null;
  }
}

export interface ResolvedAuth {
  user: AuthUser;
  payload: TokenPayload;
  via: 'cookie' | 'bearer';
}

function tokenOf(req: FastifyRequest): { token: string; via: 'cookie' | 'bearer' } | null {
  const header = req.headers.authorization;
  if (typeof header === 'string') {
    const m = /^Bearer\s+(\S+)$/i.exec(header.trim());
    if (m?.[1]) return { token: m[1], via: 'bearer' };
    return null;
  }
  const cookie = req.cookies?.[SESSION_COOKIE];
  return cookie ? { token: cookie, via: 'cookie' } : null;
}

/** Tokens whose signature was verified, kept for the next requests of the same session. */
const VERIFIED_CACHE_SIZE = 4096;

export function createAuthenticator(users: UserStore, secret: string): {
  authenticate: Authenticate;
  resolve: (req: FastifyRequest) => ResolvedAuth | null;
} {
  // A signature once verified with this secret stays valid for that exact token text, so a
  // session's later requests skip the HMAC and the payload decoding. Only that is cached: the
  // expiry is re-checked on every hit, and revocation and the user row (role, disabled) are read
  // from the database (UserStore.sessionState: read again after any write to them). Bounded
  // (oldest dropped first).
  const verified = new Map<string, TokenPayload>();
  const checkToken = (token: string): TokenCheck => {
    const cached = verified.get(token);
    if (cached && cached.exp > Math.floor(Date.now() / 1000)) return { ok: true, payload: cached };
    if (cached) verified.delete(token);
    const result = verifyToken(token, secret);
    if (result.ok) {
      if (verified.size >= VERIFIED_CACHE_SIZE) verified.delete(verified.keys().next().value as string);
      verified.set(token, result.payload);
    }
    return result;
  };
  const resolve = (req: FastifyRequest): ResolvedAuth | null => {
    if (req.twinAuth !== undefined) return req.twinAuth;
    let result: ResolvedAuth | null = null;
    const found = tokenOf(req);
    if (found) {
      const check = checkToken(found.token);
      // The database, not the token, is authoritative for revocation, role and enabled state,
      // so a sign-out or an admin's change applies to live sessions at once (UserStore.sessionState
      // keeps both rows until the next write to either table).
      const state = check.ok ? users.sessionState(check.payload.jti, check.payload.sub) : undefined;
      if (check.ok && state && !state.revoked) {
        const record = state.user;
        if (record && !record.disabled) {
          result = {
            user: { id: record.id, username: record.username, role: record.role, displayName: record.displayName },
            payload: check.payload,
            via: found.via,
          };
        }
      }
    }
    req.twinAuth = result;
    return result;
  };
  const authenticate: Authenticate = (req) => Promise.resolve(resolve(req)?.user ?? null);
  return { authenticate, resolve };
}

export function createGuards(authenticate: Authenticate): Guards {
  const requireUser = async (req: FastifyRequest, reply: FastifyReply): Promise<AuthUser | undefined> => {
    const user = await authenticate(req);
    if (!user) {
      sendOutcome(reply, 401, 'login', 'sign in first: no valid session (missing, expired, revoked or tampered token)');
      return undefined;
    }
    return user;
  };
  const requireRole =
    (roles: readonly Role[]) =>
    async (req: FastifyRequest, reply: FastifyReply): Promise<AuthUser | undefined> => {
      const user = await requireUser(req, reply);
      if (!user) return undefined;
      if (!roles.includes(user.role)) {
        sendOutcome(reply, 403, 'forbidden', `forbidden: role ${user.role} may not use this`);
        return undefined;
      }
      return user;
    };
  return { requireUser, requireRole };
}
