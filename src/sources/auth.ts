// Session endpoints (PRODUCT.md): the cookie is HttpOnly, so the browser learns who it is only
// from GET /auth/me; 401 there simply means "not signed in".
import { ApiError, type Http } from './http';
import type { SessionUser } from './api';

export interface AuthApi {
  me(): Promise<SessionUser | null>;
  login(username: string, password: string): Promise<SessionUser>;
  logout(): Promise<void>;
}

function userOf(body: unknown): SessionUser | null {
  const u = (body as { user?: unknown } | null)?.user;
  if (typeof u !== 'object' || u === null) return null;
  const { id, username, role, displayName } = u as Record<string, unknown>;
  if (typeof id !== 'string' || typeof username !== 'string' || typeof role !== 'string') return null;
  if (role !== 'surgeon' && role !== 'cardiologist' && role !== 'clinician' && role !== 'admin') return null;
  return { id, username, role, displayName: typeof displayName === 'string' ? displayName : username };
}

export function createAuthApi(http: Http): AuthApi {
  const me = async (): Promise<SessionUser | null> => {
    try {
      const { body } = await http<unknown>('/auth/me');
      return userOf(body);
    } catch (err) {
      if (err instanceof ApiError && err.kind === 'unauthenticated') return null;
      throw err;
    }
  };
  return {
    me,
    async login(username, password) {
      const { body } = await http<unknown>('/auth/login', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ username, password }),
      });
      // The login answer may carry the user; if not, ask who we are now.
      const user = userOf(body) ?? (await me());
      if (!user) throw new ApiError('server', 200, 'Signed in, but the server did not say who you are. Reload the page.');
      return user;
    },
    async logout() {
      await http<unknown>('/auth/logout', { method: 'POST' });
    },
  };
}
