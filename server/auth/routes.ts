// /auth/login, /auth/logout, /auth/me and the admin user management API.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AuthUser } from '../../core/contracts';
import type { Guards } from './guards';
import { sendOutcome } from '../http/operation-outcome';
import { dummyPasswordHash } from './passwords';
import { SESSION_COOKIE, type ResolvedAuth } from './session';
import { issueToken } from './tokens';
import { UserError, isRole, type UserRecord, type UserStore } from './users';

export interface AuthRouteDeps {
  users: UserStore;
  guards: Guards;
  resolve: (req: FastifyRequest) => ResolvedAuth | null;
  secret: string;
  sessionTtlSec: number;
  /** Sign-in attempts allowed per client IP and username per minute. */
  loginAttemptsPerMinute?: number;
}

function publicUser(u: AuthUser): AuthUser {
  return { id: u.id, username: u.username, role: u.role, displayName: u.displayName };
}

function adminView(u: UserRecord): AuthUser & { disabled: boolean; demo: boolean; createdAt: string } {
  return { ...publicUser(u), disabled: u.disabled, demo: u.demo, createdAt: u.createdAt };
}

function usernameOf(body: unknown): string {
  const u = body && typeof body === 'object' ? (body as { username?: unknown }).username : undefined;
  return typeof u === 'string' ? u.slice(0, 64).toLowerCase() : '';
}

export async function registerAuthRoutes(app: FastifyInstance, deps: AuthRouteDeps): Promise<void> {
  const { users, guards, resolve, secret, sessionTtlSec } = deps;

  app.post(
    '/auth/login',
    {
      config: {
        rateLimit: {
          max: deps.loginAttemptsPerMinute ?? 10,
          timeWindow: 60_000,
          // preHandler: the body is parsed, so the key can include the username.
          hook: 'preHandler',
          keyGenerator: (req: FastifyRequest) => `${req.ip}|${usernameOf(req.body)}`,
        },
      },
    },
    async (req, reply) => {
      const body = req.body as { username?: unknown; password?: unknown } | undefined;
      const username = body?.username;
      const password = body?.password;
      if (typeof username !== 'string' || typeof password !== 'string' || username.length > 64 || password.length > 1024) {
        return sendOutcome(reply, 400, 'invalid', 'send JSON {"username": "...", "password": "..."}');
      }
      const user = await users.verifyLogin(username.trim().toLowerCase(), password, await dummyPasswordHash());
      if (!user) return sendOutcome(reply, 401, 'login', 'wrong username or password');
      const { token, payload } = issueToken(user.id, user.role, sessionTtlSec, secret);
      reply.setCookie(SESSION_COOKIE, token, {
        httpOnly: true,
        sameSite: 'strict',
        path: '/',
        secure: req.protocol === 'https',
        maxAge: sessionTtlSec,
      });
      return reply.send({ user: publicUser(user), token, expiresAt: new Date(payload.exp * 1000).toISOString() });
    },
  );

  app.post('/auth/logout', async (req, reply) => {
    const auth = resolve(req);
    if (auth) await users.revoke(auth.payload.jti, auth.payload.exp);
    reply.clearCookie(SESSION_COOKIE, { path: '/', httpOnly: true, sameSite: 'strict', secure: req.protocol === 'https' });
    return reply.code(204).send();
  });

  app.get('/auth/me', async (req, reply) => {
    const user = await guards.requireUser(req, reply);
    if (!user) return reply;
    return reply.header('cache-control', 'no-store').send({ user: publicUser(user) });
  });

  // ---- admin: user management (the RBAC hook already limits /api/admin to admins) ----
  const requireAdmin = guards.requireRole(['admin']);

  app.get('/api/admin/users', async (req, reply) => {
    if (!(await requireAdmin(req, reply))) return reply;
    return reply.send({ users: users.list().map(adminView) });
  });

  app.post('/api/admin/users', async (req, reply) => {
    if (!(await requireAdmin(req, reply))) return reply;
    const body = (req.body ?? {}) as Record<string, unknown>;
    const { username, password, role, displayName } = body;
    if (typeof username !== 'string' || typeof password !== 'string' || !isRole(role)) {
      return sendOutcome(reply, 400, 'invalid', 'send {"username", "password", "role": surgeon|cardiologist|clinician|admin, "displayName"?}');
    }
    try {
      const created = await users.create({
        username: username.trim().toLowerCase(),
        password,
        role,
        displayName: typeof displayName === 'string' && displayName.trim() ? displayName.trim().slice(0, 128) : username,
      });
      return reply.code(201).send({ user: adminView(created) });
    } catch (err) {
      if (err instanceof UserError) return sendOutcome(reply, err.status, err.status === 409 ? 'conflict' : 'invalid', err.message);
      throw err;
    }
  });

  app.patch<{ Params: { id: string } }>('/api/admin/users/:id', async (req, reply) => {
    const admin = await requireAdmin(req, reply);
    if (!admin) return reply;
    const body = (req.body ?? {}) as Record<string, unknown>;
    const unknownKeys = Object.keys(body).filter((k) => !['role', 'disabled', 'displayName'].includes(k));
    if (unknownKeys.length > 0) return sendOutcome(reply, 400, 'invalid', `unknown field(s): ${unknownKeys.join(', ')}; allowed: role, disabled, displayName`);
    if (body.role !== undefined && !isRole(body.role)) return sendOutcome(reply, 400, 'value', 'role must be surgeon, cardiologist, clinician or admin');
    if (body.disabled !== undefined && typeof body.disabled !== 'boolean') return sendOutcome(reply, 400, 'value', 'disabled must be true or false');
    if (body.displayName !== undefined && typeof body.displayName !== 'string') return sendOutcome(reply, 400, 'value', 'displayName must be a string');
    if (req.params.id === admin.id && (body.disabled === true || (body.role !== undefined && body.role !== 'admin'))) {
      return sendOutcome(reply, 409, 'conflict', 'you cannot disable yourself or remove your own admin role');
    }
    try {
      const updated = await users.update(req.params.id, {
        ...(isRole(body.role) ? { role: body.role } : {}),
        ...(typeof body.disabled === 'boolean' ? { disabled: body.disabled } : {}),
        ...(typeof body.displayName === 'string' ? { displayName: body.displayName.trim().slice(0, 128) } : {}),
      });
      return reply.send({ user: adminView(updated) });
    } catch (err) {
      if (err instanceof UserError) return sendOutcome(reply, err.status, err.status === 404 ? 'not-found' : 'invalid', err.message);
      throw err;
    }
  });
}
