import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../storage/database';
import { dummyPasswordHash } from './passwords';
import { DEMO_USERS, UserStore } from './users';

const dir = mkdtempSync(join(tmpdir(), 'users-'));
const db = openDatabase(dir);
afterAll(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('users', () => {
  it('creates the demo users in demo mode, follows a password change, and removes them otherwise', async () => {
    const users = new UserStore(db);
    const dummy = await dummyPasswordHash();
    await users.syncDemoUsers(true, 'first-password');
    expect(users.list().map((u) => u.username).sort()).toEqual(DEMO_USERS.map((u) => u.username).sort());
    expect((await users.verifyLogin('surgeon', 'first-password', dummy))?.role).toBe('surgeon');

    await users.syncDemoUsers(true, 'second-password');
    expect(await users.verifyLogin('surgeon', 'first-password', dummy)).toBeUndefined();
    expect((await users.verifyLogin('admin', 'second-password', dummy))?.id).toBe('demo-admin');

    const real = await users.create({ username: 'dr.real', password: 'a-real-long-password', role: 'cardiologist', displayName: 'Dr Real' });
    await users.syncDemoUsers(false, 'second-password');
    expect(users.list().map((u) => u.username)).toEqual(['dr.real']);
    expect(users.get(real.id)?.demo).toBe(false);
  });

  it('creates a first administrator once and never overwrites an existing account', async () => {
    const users = new UserStore(db);
    const dummy = await dummyPasswordHash();
    expect(await users.ensureAdmin('root-admin', 'a-bootstrap-password')).toBe(true);
    expect((await users.verifyLogin('root-admin', 'a-bootstrap-password', dummy))?.role).toBe('admin');
    expect(await users.ensureAdmin('root-admin', 'another-password-here')).toBe(false);
    expect(await users.verifyLogin('root-admin', 'another-password-here', dummy)).toBeUndefined();
  });

  it('refuses disabled accounts and keeps revoked token ids until they expire', async () => {
    const users = new UserStore(db);
    const dummy = await dummyPasswordHash();
    const u = await users.create({ username: 'dr.off', password: 'another-long-password', role: 'clinician', displayName: 'Off' });
    await users.update(u.id, { disabled: true });
    expect(await users.verifyLogin('dr.off', 'another-long-password', dummy)).toBeUndefined();
    const future = Math.floor(Date.now() / 1000) + 60;
    await users.revoke('jti-1', future);
    expect(users.isRevoked('jti-1')).toBe(true);
    await users.revoke('jti-old', 1); // already expired: pruned on the next revoke
    await users.revoke('jti-2', future);
    expect(users.isRevoked('jti-old')).toBe(false);
  });
});
