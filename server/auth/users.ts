// Users and revoked sessions, in the SQLite database.
import { randomUUID } from 'node:crypto';
import type { AuthUser, Role } from '../../core/contracts';
import type { Db } from '../storage/database';
import { writeQueueOf } from '../storage/write-queue';
import { hashPassword, passwordPolicyProblem, verifyPassword } from './passwords';

export const ROLES: readonly Role[] = ['surgeon', 'cardiologist', 'clinician', 'admin'];

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

export interface UserRecord extends AuthUser {
  disabled: boolean;
  demo: boolean;
  createdAt: string;
}

interface UserRow {
  id: string;
  username: string;
  display_name: string;
  role: string;
  password_hash: string;
  disabled: number;
  demo: number;
  created_at: string;
}

export const USERNAME_PATTERN = /^[a-z0-9][a-z0-9._-]{1,63}$/;

/**
 * The account name a typed username stands for: NFKC (full-width and compatibility forms fold
 * to ASCII), surrounding white space removed, case folded. Sign-in, user creation and the
 * sign-in throttle all key on this, so " cardiologist", "cardiologist\t" and "ＣＡＲＤＩＯＬＯＧＩＳＴ"
 * are one account (issue 10: the rate limit was bypassed with them).
 */
export function normaliseUsername(typed: string): string {
  return typed.normalize('NFKC').trim().toLowerCase().normalize('NFKC');
}

/** The demo sign-ins of the embedded mode (PRODUCT.md). Stable ids so audit trails stay readable. */
export const DEMO_USERS: readonly { id: string; username: string; role: Role; displayName: string }[] = [
  { id: 'demo-surgeon', username: 'surgeon', role: 'surgeon', displayName: 'Dr. Demo Surgeon' },
  { id: 'demo-cardiologist', username: 'cardiologist', role: 'cardiologist', displayName: 'Dr. Demo Cardiologist' },
  { id: 'demo-clinician', username: 'clinician', role: 'clinician', displayName: 'Demo Clinician' },
  { id: 'demo-admin', username: 'admin', role: 'admin', displayName: 'Demo Administrator' },
];

export class UserError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

function toRecord(row: UserRow): UserRecord {
  return {
    id: row.id,
    username: row.username,
    role: isRole(row.role) ? row.role : 'clinician',
    displayName: row.display_name,
    disabled: row.disabled !== 0,
    demo: row.demo !== 0,
    createdAt: row.created_at,
  };
}

/** A session's state as the database says now: its token id revoked or not, its user's row. */
export interface SessionState {
  revoked: boolean;
  user: UserRecord | undefined;
}

/** Sessions whose state is kept between requests (bounded: the oldest is dropped first). */
const SESSION_CACHE_SIZE = 4096;

/** One write epoch per database connection, shared by every UserStore on it (see UserStore.epoch). */
const epochs = new WeakMap<Db, { n: number }>();
function epochOf(db: Db): { n: number } {
  let e = epochs.get(db);
  if (!e) epochs.set(db, (e = { n: 0 }));
  return e;
}

export class UserStore {
  private readonly byId;
  private readonly byUsername;
  private readonly isRevokedStmt;
  /**
   * Bumped before and after every write to `users` or `revoked_tokens` — all of them go through
   * write() below, on this process's one connection (the audit thread's connection writes only
   * AuditEvents); shared by every UserStore on the connection — so a session state read under
   * another epoch is never used again.
   */
  private readonly epoch: { n: number };
  /** `jti` + user id → the session's state, read from the database at `epoch`. */
  private readonly sessions = new Map<string, { epoch: number; state: SessionState }>();

  constructor(private readonly db: Db) {
    this.byId = db.prepare<[string], UserRow>('SELECT * FROM users WHERE id = ?');
    this.byUsername = db.prepare<[string], UserRow>('SELECT * FROM users WHERE username = ?');
    this.isRevokedStmt = db.prepare<[string], { jti: string }>('SELECT jti FROM revoked_tokens WHERE jti = ?');
    this.epoch = epochOf(db);
  }

  get(id: string): UserRecord | undefined {
    const row = this.byId.get(id);
    return row ? toRecord(row) : undefined;
  }

  hasUsername(username: string): boolean {
    return this.byUsername.get(username) !== undefined;
  }

  list(): UserRecord[] {
    return this.db.prepare<[], UserRow>('SELECT * FROM users ORDER BY username').all().map(toRecord);
  }

  /** Returns the user when the password matches and the account is enabled. */
  async verifyLogin(username: string, password: string, dummyHash: string): Promise<UserRecord | undefined> {
    const row = this.byUsername.get(username);
    // Verify against a dummy hash for unknown users so both paths cost one scrypt.
    const ok = await verifyPassword(password, row?.password_hash ?? dummyHash);
    if (!row || !ok || row.disabled) return undefined;
    return toRecord(row);
  }

  async create(input: { username: string; password: string; role: Role; displayName: string; demo?: boolean; id?: string }): Promise<UserRecord> {
    if (!USERNAME_PATTERN.test(input.username)) {
      throw new UserError('username must be 2–64 characters of a-z 0-9 . _ - starting with a letter or digit', 400);
    }
    if (!input.demo) {
      const problem = passwordPolicyProblem(input.password, input.username);
      if (problem) throw new UserError(problem, 400);
    }
    if (this.byUsername.get(input.username)) throw new UserError(`username "${input.username}" is taken`, 409);
    const hash = await hashPassword(input.password);
    const id = input.id ?? randomUUID();
    await this.write(() => {
      // Checked again in the queue: another create may have taken the name during the scrypt.
      if (this.byUsername.get(input.username)) throw new UserError(`username "${input.username}" is taken`, 409);
      this.db
        .prepare('INSERT INTO users (id, username, display_name, role, password_hash, disabled, demo, created_at) VALUES (?, ?, ?, ?, ?, 0, ?, ?)')
        .run(id, input.username, input.displayName, input.role, hash, input.demo ? 1 : 0, new Date().toISOString());
    });
    const created = this.get(id);
    if (!created) throw new UserError('user was not stored', 500);
    return created;
  }

  async update(id: string, patch: { role?: Role; disabled?: boolean; displayName?: string }): Promise<UserRecord> {
    // One IMMEDIATE transaction: the changes land together, and the read before the writes cannot
    // meet SQLITE_BUSY_SNAPSHOT from the audit thread's connection (storage/second-writer.int.test.ts).
    return this.write(() =>
      this.db
        .transaction(() => {
          const existing = this.get(id);
          if (!existing) throw new UserError(`no user with id ${id}`, 404);
          if (patch.role !== undefined) this.db.prepare('UPDATE users SET role = ? WHERE id = ?').run(patch.role, id);
          if (patch.disabled !== undefined) this.db.prepare('UPDATE users SET disabled = ? WHERE id = ?').run(patch.disabled ? 1 : 0, id);
          if (patch.displayName !== undefined) this.db.prepare('UPDATE users SET display_name = ? WHERE id = ?').run(patch.displayName, id);
          return this.get(id) ?? existing;
        })
        .immediate(),
    );
  }

  /**
   * Every write on the shared connection waits its turn behind the FHIR store's transactions
   * (storage/write-queue.ts): run in the middle of one, it would be committed or rolled back
   * with somebody else's request.
   */
  private write<T>(fn: () => T): Promise<T> {
    // Cached session states are dropped when the write runs and again once it has settled
    // (committed or not), so none read before its commit outlives it (sessionState).
    return writeQueueOf(this.db)
      .run(() => {
        this.epoch.n++;
        return fn();
      })
      .finally(() => {
        this.epoch.n++;
      });
  }

  /**
   * Makes the demo users exist with the configured password (demo mode), or removes them
   * (upstream mode: demo sign-ins must not exist next to real data).
   */
  async syncDemoUsers(enabled: boolean, password: string): Promise<void> {
    if (!enabled) {
      await this.write(() => this.db.prepare('DELETE FROM users WHERE demo = 1').run());
      return;
    }
    // In parallel: each check is one scrypt on libuv's thread pool.
    await Promise.all(
      DEMO_USERS.map(async (demo) => {
        const row = this.byId.get(demo.id);
        if (!row) {
          // A real account may already use the name; keep it and skip that demo user.
          if (this.byUsername.get(demo.username)) return;
          await this.create({ ...demo, password, demo: true });
          return;
        }
        if (!(await verifyPassword(password, row.password_hash))) {
          const hash = await hashPassword(password);
          await this.write(() => this.db.prepare('UPDATE users SET password_hash = ? WHERE id = ?').run(hash, demo.id));
        }
      }),
    );
  }

  /** Creates the first administrator if that username does not exist yet (never changes an existing account). */
  async ensureAdmin(username: string, password: string): Promise<boolean> {
    if (this.byUsername.get(username)) return false;
    await this.create({ username, password, role: 'admin', displayName: 'Administrator' });
    return true;
  }

  /**
   * Changes a user's own password: the current one must verify, the new one pass the policy and
   * differ from the current. Demo accounts keep the configured demo password (409).
   */
  async changePassword(id: string, current: string, next: string): Promise<void> {
    const row = this.byId.get(id);
    if (!row || row.disabled) throw new UserError('no such enabled account', 404);
    if (row.demo) throw new UserError('demo accounts use the configured demo password (TWIN_DEMO_PASSWORD); it cannot be changed here', 409);
    if (!(await verifyPassword(current, row.password_hash))) throw new UserError('the current password is wrong', 403);
    const problem = passwordPolicyProblem(next, row.username);
    if (problem) throw new UserError(problem, 400);
    if (next.normalize('NFKC') === current.normalize('NFKC')) throw new UserError('the new password must differ from the current one', 400);
    const hash = await hashPassword(next);
    await this.write(() => this.db.prepare('UPDATE users SET password_hash = ? WHERE id = ?').run(hash, id));
  }

  async revoke(jti: string, expiresAtSec: number): Promise<void> {
    await this.write(() => {
      this.db.prepare('INSERT OR IGNORE INTO revoked_tokens (jti, expires_at_sec) VALUES (?, ?)').run(jti, expiresAtSec);
      // Expired tokens fail verification anyway; keep the list small.
      this.db.prepare('DELETE FROM revoked_tokens WHERE expires_at_sec < ?').run(Math.floor(Date.now() / 1000));
    });
  }

  isRevoked(jti: string): boolean {
    return this.isRevokedStmt.get(jti) !== undefined;
  }

  /**
   * Whether token id `jti` is revoked and the row of user `userId`, as the database says now.
   * Read once per session and kept until the next write to users or revocations (any: a
   * sign-out, a role change, a disabled account, a new password), so every request after such a
   * write — from its commit on — sees it, as when each request read both rows (issue 14: the two
   * lookups were 0.02 ms of a 0.3 ms proxied read).
   */
  sessionState(jti: string, userId: string): SessionState {
    const key = `${jti}\n${userId}`;
    const hit = this.sessions.get(key);
    if (hit && hit.epoch === this.epoch.n) return hit.state;
    const state: SessionState = { revoked: this.isRevoked(jti), user: this.get(userId) };
    if (hit) this.sessions.delete(key);
    else if (this.sessions.size >= SESSION_CACHE_SIZE) this.sessions.delete(this.sessions.keys().next().value as string);
    this.sessions.set(key, { epoch: this.epoch.n, state });
    return state;
  }
}
