// Sign-in throttling, pure and in-process (per replica). Two keys, both checked before the
// password is: the normalised account name (users.normaliseUsername: spaces, case and Unicode
// compatibility forms do not make a new account) and the client address.
//  - account: after `accountFailures` failed sign-ins within `windowMs`, further attempts are
//    refused until a back-off has passed, doubling with each further failure up to
//    `maxBackoffMs` (OWASP Authentication Cheat Sheet, "Login Throttling"). A success clears it.
//  - client: at most `clientFailures` failed sign-ins (any account) within `windowMs`, so one
//    client cannot spray many accounts. Only failures count: behind a proxy without
//    TWIN_TRUST_PROXY every user shares one address, and their good sign-ins must not lock it.
// Memory is bounded: entries expire with their window and at most `maxKeys` are kept.

export interface ThrottleOptions {
  accountFailures: number;
  clientFailures: number;
  windowMs: number;
  maxBackoffMs: number;
  maxKeys: number;
}

export const DEFAULT_THROTTLE: ThrottleOptions = {
  accountFailures: 10,
  clientFailures: 50,
  windowMs: 60_000,
  maxBackoffMs: 15 * 60_000,
  maxKeys: 50_000,
};

interface Entry {
  /** Failures counted in the current window. */
  count: number;
  windowStart: number;
  /** Account: refused until this time (0: not locked). */
  lockedUntil: number;
}

export type ThrottleVerdict = { ok: true } | { ok: false; retryAfterSec: number; reason: string };

export class SignInThrottle {
  private readonly accounts = new Map<string, Entry>();
  private readonly clients = new Map<string, Entry>();
  private readonly opts: ThrottleOptions;

  constructor(options: Partial<ThrottleOptions> = {}, private readonly now: () => number = Date.now) {
    this.opts = { ...DEFAULT_THROTTLE, ...options };
  }

  /** Called before the password is checked. */
  attempt(account: string, client: string): ThrottleVerdict {
    const t = this.now();
    const acc = this.fresh(this.accounts, account, t, true);
    if (acc && acc.lockedUntil > t) {
      return { ok: false, retryAfterSec: Math.ceil((acc.lockedUntil - t) / 1000), reason: 'too many failed sign-ins for this account' };
    }
    const cli = this.fresh(this.clients, client, t, false);
    if (cli && cli.count >= this.opts.clientFailures) {
      return { ok: false, retryAfterSec: Math.max(1, Math.ceil((cli.windowStart + this.opts.windowMs - t) / 1000)), reason: 'too many failed sign-ins from this client' };
    }
    return { ok: true };
  }

  failed(account: string, client?: string): void {
    const t = this.now();
    if (client !== undefined) (this.fresh(this.clients, client, t, false) ?? this.put(this.clients, client, t)).count++;
    const acc = this.fresh(this.accounts, account, t, true) ?? this.put(this.accounts, account, t);
    acc.count++;
    const over = acc.count - this.opts.accountFailures;
    if (over >= 0) {
      // 1 window at the limit, then doubling: 1, 2, 4, … windows, capped.
      acc.lockedUntil = t + Math.min(this.opts.windowMs * 2 ** Math.min(over, 20), this.opts.maxBackoffMs);
    }
  }

  succeeded(account: string): void {
    this.accounts.delete(account);
  }

  /** The entry if still current; an expired one is dropped (a lock outlives its window). */
  private fresh(map: Map<string, Entry>, key: string, t: number, isAccount: boolean): Entry | undefined {
    const e = map.get(key);
    if (!e) return undefined;
    const windowOver = t - e.windowStart >= this.opts.windowMs;
    if (windowOver && !(isAccount && e.lockedUntil > t)) {
      const quietSince = t - Math.max(e.windowStart, e.lockedUntil);
      if (isAccount && e.lockedUntil > 0 && e.count >= this.opts.accountFailures && quietSince < this.opts.maxBackoffMs) {
        // The back-off served; keep counting from the limit so the next failure locks longer.
        e.windowStart = t;
        e.lockedUntil = 0;
        return e;
      }
      map.delete(key);
      return undefined;
    }
    return e;
  }

  private put(map: Map<string, Entry>, key: string, t: number): Entry {
    if (map.size >= this.opts.maxKeys) {
      // Oldest first (Map keeps insertion order).
      const oldest = map.keys().next();
      if (!oldest.done) map.delete(oldest.value);
    }
    const e: Entry = { count: 0, windowStart: t, lockedUntil: 0 };
    map.set(key, e);
    return e;
  }
}
