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

  it('reads revocation and the user row once per session, and again after every write to either table', async () => {
    const users = new UserStore(db);
    const user = await users.create({ username: 'dr.state', password: 'a-long-enough-password', role: 'clinician', displayName: 'Dr State' });
    const other = await users.create({ username: 'dr.other', password: 'a-long-enough-password', role: 'surgeon', displayName: 'Dr Other' });
    const { resolve } = createAuthenticator(users, SECRET);
    const a = issueToken(user.id, user.role, 600, SECRET);
    const b = issueToken(user.id, user.role, 600, SECRET);
    const c = issueToken(other.id, other.role, 600, SECRET);
    const reads = vi.spyOn(users, 'isRevoked');
    for (let i = 0; i < 3; i++) expect(resolve(request(a.token))?.user.username).toBe('dr.state');
    expect(reads).toHaveBeenCalledTimes(1);

    // Signing out one session ends it at once and leaves the user's other session working.
    expect(resolve(request(b.token))).not.toBeNull();
    await users.revoke(a.payload.jti, a.payload.exp);
    expect(resolve(request(a.token))).toBeNull();
    expect(resolve(request(b.token))?.user.role).toBe('clinician');

    // Another user's change drops every cached state too (one epoch for both tables).
    expect(resolve(request(c.token))?.user.role).toBe('surgeon');
    await users.update(other.id, { role: 'cardiologist' });
    expect(resolve(request(c.token))?.user.role).toBe('cardiologist');
    await users.update(other.id, { displayName: 'Dr Renamed' });
    expect(resolve(request(c.token))?.user.displayName).toBe('Dr Renamed');

    // A state read while a change waits in the write queue is not kept past its commit.
    const pending = users.update(user.id, { disabled: true });
    expect(resolve(request(b.token))).not.toBeNull(); // before the queued write ran
    await pending;
    expect(resolve(request(b.token))).toBeNull();
    await users.update(user.id, { disabled: false });
    expect(resolve(request(b.token))).not.toBeNull();

    // A change made through another UserStore on the same connection is seen too.
    const elsewhere = new UserStore(db);
    await elsewhere.update(user.id, { role: 'surgeon' });
    expect(resolve(request(b.token))?.user.role).toBe('surgeon');
    await elsewhere.revoke(b.payload.jti, b.payload.exp);
    expect(resolve(request(b.token))).toBeNull();
    const d = issueToken(user.id, 'surgeon', 600, SECRET);
    expect(resolve(request(d.token))?.user.role).toBe('surgeon');
    await users.update(user.id, { role: 'clinician' });

    // A write that fails (no such user) changes nothing and still leaves no stale state behind.
    await expect(users.update('no-such-user', { role: 'admin' })).rejects.toThrow(/no user/);
    expect(resolve(request(d.token))?.user.role).toBe('clinician');
    reads.mockRestore();
  });
});
