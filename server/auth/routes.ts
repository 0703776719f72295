// /auth/login, /auth/logout, /auth/me, /auth/password and the admin user management API.
// Every sign-in (success, failure, throttled), sign-out, password change and user-management
// action leaves an audit record; changes to accounts log their intent durably first and are
// refused (503, nothing changed) when the audit log cannot be written.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AuthUser } from '../../core/contracts';
import type { Guards } from './guards';
import { sendOutcome } from '../http/operation-outcome';
import { dummyPasswordHash } from './passwords';
import { SESSION_COOKIE, type ResolvedAuth } from './session';
import { SignInThrottle, type ThrottleOptions } from './throttle';
import { issueToken } from './tokens';
import { UserError, isRole, normaliseUsername, type UserRecord, type UserStore } from './users';

export interface AuthRouteDeps {
  users: UserStore;
  guards: Guards;
  resolve: (req: FastifyRequest) => ResolvedAuth | null;
  secret: string;
  sessionTtlSec: number;
  /** Failed sign-ins per account per minute before the back-off (default 10). */
  loginAttemptsPerMinute?: number;
  throttle?: Partial<ThrottleOptions>;
}

function publicUser(u: AuthUser): AuthUser {
  return { id: u.id, username: u.username, role: u.role, displayName: u.displayName };
}

function adminView(u: UserRecord): AuthUser & { disabled: boolean; demo: boolean; createdAt: string } {
  return { ...publicUser(u), disabled: u.disabled, demo: u.demo, createdAt: u.createdAt };
}

const AUDIT_DOWN = 'the audit log could not be written; nothing was changed';

export async function registerAuthRoutes(app: FastifyInstance, deps: AuthRouteDeps): Promise<void> {
  const { users, guards, resolve, secret, sessionTtlSec } = deps;
  const throttle = new SignInThrottle({ ...(deps.loginAttemptsPerMinute !== undefined ? { accountFailures: deps.loginAttemptsPerMinute } : {}), ...deps.throttle });

  /** The request's audit record (the /auth and /api routes are not audited by the hooks). */
  const audit = async (req: FastifyRequest, status: number, detail: string): Promise<boolean> => {
    try {
      await app.twin.auditRequest(req, status, { detail });
      return true;
    } catch {
      return false;
    }
  };
  /** Durable intent before an account change; false (and a 503 sent) when the log is down. */
  const intent = async (req: FastifyRequest, reply: FastifyReply, detail: string): Promise<boolean> => {
    try {
      await app.twin.auditIntent(req, { detail });
      return true;
    } catch {
      sendOutcome(reply, 503, 'exception', AUDIT_DOWN);
      return false;
    }
  };

  app.post('/auth/login', async (req, reply) => {
    const body = req.body as { username?: unknown; password?: unknown } | undefined;
    const typed = body?.username;
    const password = body?.password;
    if (typeof typed !== 'string' || typeof password !== 'string' || typed.length > 256 || password.length > 1024) {
      await audit(req, 400, 'sign-in: malformed request');
      return sendOutcome(reply, 400, 'invalid', 'send JSON {"username": "...", "password": "..."}');
    }
    const account = normaliseUsername(typed).slice(0, 64);
    const verdict = throttle.attempt(account, req.ip);
    if (!verdict.ok) {
      await audit(req, 429, `sign-in throttled: ${verdict.reason}`);
      reply.header('retry-after', String(verdict.retryAfterSec));
      return sendOutcome(reply, 429, 'throttled', `too many sign-in attempts (${verdict.reason}); try again in ${verdict.retryAfterSec} s`);
    }
    const user = await users.verifyLogin(account, password, await dummyPasswordHash());
    if (!user) {
      throttle.failed(account, req.ip);
      // The account name only when it exists: a password typed into the name field stays out of the log.
      const known = users.hasUsername(account);
      if (!(await audit(req, 401, `sign-in failed${known ? ` for ${account}` : ' (unknown account)'}`))) {
        return sendOutcome(reply, 503, 'exception', 'the audit log could not be written; sign-in is unavailable');
      }
      return sendOutcome(reply, 401, 'login', 'wrong username or password');
    }
    throttle.succeeded(account);
    const { token, payload } = issueToken(user.id, user.role, sessionTtlSec, secret);
    // The record names who signed in; the token is handed out only once the record is durable.
    req.twinAuth = { user: publicUser(user), payload, via: 'bearer' };
    if (!(await audit(req, 200, 'signed in'))) {
      return sendOutcome(reply, 503, 'exception', 'the audit log could not be written; sign-in is unavailable');
    }
    reply.setCookie(SESSION_COOKIE, token, {
      httpOnly: true,
      sameSite: 'strict',
      path: '/',
      secure: req.protocol === 'https',
      maxAge: sessionTtlSec,
    });
    return reply.send({ user: publicUser(user), token, expiresAt: new Date(payload.exp * 1000).toISOString() });
  });

  app.post('/auth/logout', async (req, reply) => {
    const auth = resolve(req);
    if (auth) await users.revoke(auth.payload.jti, auth.payload.exp);
    // Signing out is never refused: with the audit log down the session still ends.
    await audit(req, 204, auth ? 'signed out' : 'sign-out without a session');
    reply.clearCookie(SESSION_COOKIE, { path: '/', httpOnly: true, sameSite: 'strict', secure: req.protocol === 'https' });
    return reply.code(204).send();
  });

  app.get('/auth/me', async (req, reply) => {
    const user = await guards.requireUser(req, reply);
    if (!user) return reply;
    return reply.header('cache-control', 'no-store').send({ user: publicUser(user) });
  });

  app.post('/auth/password', async (req, reply) => {
    const user = await guards.requireUser(req, reply);
    if (!user) return reply;
    const body = (req.body ?? {}) as { currentPassword?: unknown; newPassword?: unknown };
    if (typeof body.currentPassword !== 'string' || typeof body.newPassword !== 'string' || body.newPassword.length > 1024 || body.currentPassword.length > 1024) {
      await audit(req, 400, 'password change: malformed request');
      return sendOutcome(reply, 400, 'invalid', 'send JSON {"currentPassword": "...", "newPassword": "..."}');
    }
    // The current password is a credential check: throttled like a sign-in.
    const verdict = throttle.attempt(user.username, req.ip);
    if (!verdict.ok) {
      await audit(req, 429, `password change throttled: ${verdict.reason}`);
      reply.header('retry-after', String(verdict.retryAfterSec));
      return sendOutcome(reply, 429, 'throttled', `too many attempts (${verdict.reason}); try again in ${verdict.retryAfterSec} s`);
    }
    if (!(await intent(req, reply, 'password change'))) return reply;
    try {
      await users.changePassword(user.id, body.currentPassword, body.newPassword);
    } catch (err) {
      if (!(err instanceof UserError)) throw err;
      if (err.status === 403) throttle.failed(user.username, req.ip);
      await audit(req, err.status, `password change refused: ${err.status === 403 ? 'wrong current password' : err.status === 400 ? 'policy' : 'not allowed'}`);
      return sendOutcome(reply, err.status, err.status === 403 ? 'security' : err.status === 409 ? 'conflict' : 'invalid', err.message);
    }
    await audit(req, 204, 'password changed');
    return reply.code(204).send();
  });

  // ---- admin: user management (the route table already limits /api/admin to admins) ----
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
      await audit(req, 400, 'user create: malformed request');
      return sendOutcome(reply, 400, 'invalid', 'send {"username", "password", "role": surgeon|cardiologist|clinician|admin, "displayName"?}');
    }
    const name = normaliseUsername(username);
    if (!(await intent(req, reply, `user create: ${name.slice(0, 64)} as ${role}`))) return reply;
    try {
      const created = await users.create({
        username: name,
        password,
        role,
        displayName: typeof displayName === 'string' && displayName.trim() ? displayName.trim().slice(0, 128) : name,
      });
      await audit(req, 201, `user created: ${created.username} (${created.id}) as ${created.role}`);
      return reply.code(201).send({ user: adminView(created) });
    } catch (err) {
      if (err instanceof UserError) {
        await audit(req, err.status, `user create refused (${err.status})`);
        return sendOutcome(reply, err.status, err.status === 409 ? 'conflict' : 'invalid', err.message);
      }
      throw err;
    }
  });

  app.patch<{ Params: { id: string } }>('/api/admin/users/:id', async (req, reply) => {
    const admin = await requireAdmin(req, reply);
    if (!admin) return reply;
    const body = (req.body ?? {}) as Record<string, unknown>;
    const refuse = async (status: number, code: 'invalid' | 'value' | 'conflict', message: string): Promise<FastifyReply> => {
      await audit(req, status, `user change refused (${status})`);
      return sendOutcome(reply, status, code, message);
    };
    const unknownKeys = Object.keys(body).filter((k) => !['role', 'disabled', 'displayName'].includes(k));
    if (unknownKeys.length > 0) return refuse(400, 'invalid', `unknown field(s): ${unknownKeys.join(', ').slice(0, 200)}; allowed: role, disabled, displayName`);
    if (body.role !== undefined && !isRole(body.role)) return refuse(400, 'value', 'role must be surgeon, cardiologist, clinician or admin');
    if (body.disabled !== undefined && typeof body.disabled !== 'boolean') return refuse(400, 'value', 'disabled must be true or false');
    if (body.displayName !== undefined && typeof body.displayName !== 'string') return refuse(400, 'value', 'displayName must be a string');
    if (req.params.id === admin.id && (body.disabled === true || (body.role !== undefined && body.role !== 'admin'))) {
      return refuse(409, 'conflict', 'you cannot disable yourself or remove your own admin role');
    }
    const before = users.get(req.params.id);
    const what = [
      ...(isRole(body.role) ? [`role ${before?.role ?? '?'} → ${body.role}`] : []),
      ...(typeof body.disabled === 'boolean' ? [body.disabled ? 'disabled' : 'enabled'] : []),
      ...(typeof body.displayName === 'string' ? ['display name changed'] : []),
    ].join(', ');
    const target = `user ${before?.username ?? '(unknown)'} (${req.params.id.slice(0, 64)})`;
    if (!(await intent(req, reply, `user change: ${target}: ${what}`))) return reply;
    try {
      const updated = await users.update(req.params.id, {
        ...(isRole(body.role) ? { role: body.role } : {}),
        ...(typeof body.disabled === 'boolean' ? { disabled: body.disabled } : {}),
        ...(typeof body.displayName === 'string' ? { displayName: body.displayName.trim().slice(0, 128) } : {}),
      });
      await audit(req, 200, `user changed: ${target}: ${what}`);
      return reply.send({ user: adminView(updated) });
    } catch (err) {
      if (err instanceof UserError) {
        await audit(req, err.status, `user change refused (${err.status})`);
        return sendOutcome(reply, err.status, err.status === 404 ? 'not-found' : 'invalid', err.message);
      }
      throw err;
    }
  });
}
