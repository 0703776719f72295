// The authenticator's cache of verified tokens (session.ts) changes no decision: a cached
// session still expires, is still revoked by logout, and still follows the user row.
import type { FastifyRequest } from 'fastify';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { openDatabase } from '../storage/database';
import { createAuthenticator } from './session';
import { issueToken } from './tokens';
import { UserStore } from './users';

const SECRET = 'test-secret-of-sufficient-length-0123456789';
const dir = mkdtempSync(join(tmpdir(), 'session-'));
const db = openDatabase(dir);
afterAll(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});
afterEach(() => {
  vi.useRealTimers();
});

/** A fresh request carrying the token (resolve() memoises per request). */
const request = (token: string): FastifyRequest => ({ headers: { authorization: `Bearer ${token}` }, cookies: {} }) as unknown as FastifyRequest;

describe('verified-token cache', () => {
  it('a cached session still expires, is still revoked, and follows role changes and disabling', async () => {
    const users = new UserStore(db);
    const user = await users.create({ username: 'dr.cache', password: 'a-long-enough-password', role: 'clinician', displayName: 'Dr Cache' });
    const { resolve } = createAuthenticator(users, SECRET);
    const nowSec = Math.floor(Date.now() / 1000);
    const { token, payload } = issueToken(user.id, user.role, 60, SECRET, nowSec);
    expect(resolve(request(token))?.user.role).toBe('clinician');
    expect(resolve(request(token))?.user.role).toBe('clinician'); // from the cache

    await users.update(user.id, { role: 'cardiologist' });
    expect(resolve(request(token))?.user.role).toBe('cardiologist');
    await users.update(user.id, { disabled: true });
    expect(resolve(request(token))).toBeNull();
    await users.update(user.id, { disabled: false });
    expect(resolve(request(token))).not.toBeNull();

    // A tampered copy of a cached token is verified on its own, and fails.
    expect(resolve(request(`${token.slice(0, -2)}xx`))).toBeNull();

    vi.useFakeTimers();
    vi.setSystemTime((nowSec + 61) * 1000);
    expect(resolve(request(token))).toBeNull();
    vi.useRealTimers();

    const second = issueToken(user.id, user.role, 60, SECRET);
    expect(resolve(request(second.token))).not.toBeNull();
    await users.revoke(second.payload.jti, second.payload.exp);
    expect(resolve(request(second.token))).toBeNull();
    expect(payload.sub).toBe(user.id);
  });
});
