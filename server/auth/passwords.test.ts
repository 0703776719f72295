import { describe, expect, it } from 'vitest';
import { DEFAULT_SCRYPT, hashPassword, verifyPassword } from './passwords';

describe('scrypt password hashing', () => {
  it('stores the parameters, a salt and a 32-byte key', async () => {
    const hash = await hashPassword('correct horse battery staple');
    const parts = hash.split('$');
    expect(parts.slice(0, 4)).toEqual(['scrypt', String(DEFAULT_SCRYPT.N), '8', '1']);
    expect(Buffer.from(parts[4]!, 'base64url')).toHaveLength(16);
    expect(Buffer.from(parts[5]!, 'base64url')).toHaveLength(32);
  });

  it('uses N = 2^15 by default (memory-hard: 32 MiB per hash)', () => {
    expect(DEFAULT_SCRYPT).toEqual({ N: 32768, r: 8, p: 1 });
  });

  it('verifies the right password and refuses a wrong one', async () => {
    const hash = await hashPassword('s3cret-pass', { N: 1024, r: 8, p: 1 });
    expect(await verifyPassword('s3cret-pass', hash)).toBe(true);
    expect(await verifyPassword('s3cret-pasS', hash)).toBe(false);
    expect(await verifyPassword('', hash)).toBe(false);
  });

  it('salts: the same password hashes differently each time', async () => {
    const a = await hashPassword('same', { N: 1024, r: 8, p: 1 });
    const b = await hashPassword('same', { N: 1024, r: 8, p: 1 });
    expect(a).not.toBe(b);
  });

  it('treats malformed or hostile stored hashes as a mismatch', async () => {
    for (const stored of ['', 'plain', 'scrypt$1$2$3', 'bcrypt$1$2$3$4$5', 'scrypt$0$8$1$AAAA$AAAA', `scrypt$${2 ** 30}$8$1$AAAA$${Buffer.alloc(32).toString('base64url')}`]) {
      expect(await verifyPassword('x', stored)).toBe(false);
    }
  });
});

describe('password policy (issue 10)', () => {
  it('refuses short, repeated, sequential and account-name passwords', async () => {
    const { passwordPolicyProblem } = await import('./passwords');
    expect(passwordPolicyProblem('short-pass')).toMatch(/at least 12/);
    expect(passwordPolicyProblem('aaaaaaaaaaaa')).toMatch(/repeated/);
    expect(passwordPolicyProblem('abcabcabcabc')).toMatch(/repeated/);
    expect(passwordPolicyProblem('AbAbAbAbAbAb')).toMatch(/repeated/);
    expect(passwordPolicyProblem('123456789012')).toMatch(/consecutive/);
    expect(passwordPolicyProblem('abcdefghijklm')).toMatch(/consecutive/);
    expect(passwordPolicyProblem('987654321098')).toMatch(/consecutive/);
    expect(passwordPolicyProblem('xX-cardiologist-1', 'cardiologist')).toMatch(/account name/);
    expect(passwordPolicyProblem('correct horse battery')).toBeNull();
    expect(passwordPolicyProblem('Tr0ub4dor&3x!')).toBeNull();
    // Length in characters after NFKC, not UTF-16 units.
    expect(passwordPolicyProblem('🔒🔒🔒🔒🔒🔒')).toMatch(/at least 12/);
  });
});
