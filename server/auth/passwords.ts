// Password hashing with Node's scrypt (memory-hard KDF, RFC 7914). Stored format:
//   scrypt$<N>$<r>$<p>$<salt base64url>$<key base64url>
// so parameters can be raised later without breaking existing hashes.
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

export interface ScryptParams {
  N: number;
  r: number;
  p: number;
}

/** N=2^15, r=8, p=1: the OWASP-recommended minimum (32 MiB per hash). */
export const DEFAULT_SCRYPT: ScryptParams = { N: 2 ** 15, r: 8, p: 1 };
const KEY_BYTES = 32;

function scryptAsync(password: string, salt: Buffer, params: ScryptParams): Promise<Buffer> {
  const options: ScryptOptions = { N: params.N, r: params.r, p: params.p, maxmem: 256 * params.N * params.r + 1024 * 1024 };
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFKC'), salt, KEY_BYTES, options, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

export async function hashPassword(password: string, params: ScryptParams = DEFAULT_SCRYPT): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(password, salt, params);
  return ['scrypt', params.N, params.r, params.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

/** True when `password` matches `stored`. Malformed hashes verify as false, never throw. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [, nRaw, rRaw, pRaw, saltRaw, keyRaw] = parts as [string, string, string, string, string, string];
  const params = { N: Number(nRaw), r: Number(rRaw), p: Number(pRaw) };
  if (![params.N, params.r, params.p].every((v) => Number.isInteger(v) && v > 0) || params.N > 2 ** 20) return false;
  const expected = Buffer.from(keyRaw, 'base64url');
  if (expected.length !== KEY_BYTES) return false;
  const actual = await scryptAsync(password, Buffer.from(saltRaw, 'base64url'), params);
  return timingSafeEqual(actual, expected);
}

/**
 * A hash of a random password, verified against when the username is unknown, so that a wrong
 * username and a wrong password take the same time.
 */
let dummyHash: Promise<string> | undefined;
export function dummyPasswordHash(): Promise<string> {
  dummyHash ??= hashPassword(randomBytes(16).toString('hex'));
  return dummyHash;
}

export const MIN_PASSWORD_LENGTH = 12;

/**
 * Why a new password is refused (a sentence for the user), or null when it is acceptable:
 * at least 12 characters (NIST SP 800-63B §5.1.1.2 asks ≥ 8 and screening against trivially
 * guessable values), not one short pattern repeated ("aaaaaaaaaaaa", "abcabcabcabc"), not a run of
 * consecutive characters ("123456789012", "abcdefghijkl", "zyxwvuts…"), not the account name.
 * Length counts characters (code points) after NFKC, as the hash does.
 */
export function passwordPolicyProblem(password: string, username?: string): string | null {
  const chars = [...password.normalize('NFKC')];
  if (chars.length < MIN_PASSWORD_LENGTH) return `the password must be at least ${MIN_PASSWORD_LENGTH} characters`;
  const lower = chars.map((c) => c.toLowerCase());
  for (let period = 1; period <= 4; period++) {
    if (lower.every((c, i) => c === lower[i % period])) return 'the password must not be one short pattern repeated';
  }
  const codes = lower.map((c) => c.codePointAt(0) ?? 0);
  const steps = new Set(codes.slice(1).map((c, i) => c - (codes[i] ?? 0)));
  // Digits wrap (…8 9 0 1…) on a keyboard row: treat 9→0 as +1 and 0→9 as −1.
  const wrapped = new Set([...steps].map((s) => (s === -9 ? 1 : s === 9 ? -1 : s)));
  if (wrapped.size === 1 && (wrapped.has(1) || wrapped.has(-1))) return 'the password must not be a run of consecutive characters';
  if (username && username.length >= 3 && lower.join('').includes(username.normalize('NFKC').toLowerCase())) {
    return 'the password must not contain the account name';
  }
  return null;
}
