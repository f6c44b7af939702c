import { parseOptions } from '@node-rs/argon2';
import { describe, expect, it } from 'vitest';
import { ARGON2_PARAMS, PasswordHasher } from '../src/passwords/password-hasher.js';
import { PasswordPolicy } from '../src/passwords/password-policy.js';

describe('PasswordPolicy', () => {
  const policy = new PasswordPolicy();

  it('accepts 8 characters and more, without composition rules', () => {
    expect(policy.check('orbit lamp')).toEqual([]);
    expect(policy.check('zq8kp2vxmw')).toEqual([]);
    expect(policy.check('correct horse battery staple')).toEqual([]);
  });

  it('refuses fewer than 8 characters, counted as characters not bytes', () => {
    expect(policy.check('x7#kQ2!')).toEqual(['password must be at least 8 characters long']);
    // 4 emoji are 8 UTF-16 code units but 4 characters.
    expect(policy.check('🦊🐙🦉🐢')).toEqual(['password must be at least 8 characters long']);
  });

  it('accepts 64 characters and more, up to 256', () => {
    const long = 'the quick brown fox jumps over a lazy dog while rain hits the roof';
    expect(long.length).toBeGreaterThan(64);
    expect(policy.check(long)).toEqual([]);
    expect(policy.check('tangerine-'.repeat(25) + 'zebra!')).toEqual([]);
    expect(policy.check('x'.repeat(257))).toEqual(['password must be at most 256 characters long']);
  });

  it.each(['password', 'password1', '12345678', 'qwertyuiop', 'iloveyou', 'letmein!!', 'P@ssw0rd'])(
    'refuses the common password %s',
    (password) => {
      expect(policy.check(password)[0]).toMatch(/too common or too easy to guess/);
    },
  );

  it('refuses a password made of the username or email', () => {
    expect(policy.check('quorvantix', [])).toEqual([]);
    expect(policy.check('quorvantix', ['quorvantix', 'q@example.com'])[0]).toMatch(/too common/);
  });
});

describe('PasswordHasher', () => {
  const hasher = new PasswordHasher();

  it('hashes with argon2id at OWASP minimum parameters or above, salted', async () => {
    const a = await hasher.hash('correct horse battery staple');
    const b = await hasher.hash('correct horse battery staple');
    expect(a).toMatch(/^\$argon2id\$v=19\$/);
    expect(a).not.toBe(b);
    const options = parseOptions(a);
    expect(options.memoryCost).toBeGreaterThanOrEqual(19_456);
    expect(options.timeCost).toBeGreaterThanOrEqual(2);
    expect(options.parallelism).toBe(1);
    expect(options).toMatchObject(ARGON2_PARAMS);
    expect(hasher.needsRehash(a)).toBe(false);
  });

  it('verifies, and never matches a wrong password or a malformed hash', async () => {
    const stored = await hasher.hash('correct horse battery staple');
    expect(await hasher.verify(stored, 'correct horse battery staple')).toBe(true);
    expect(await hasher.verify(stored, 'correct horse battery stapl')).toBe(false);
    expect(await hasher.verify('not-a-hash', 'correct horse battery staple')).toBe(false);
    expect(await hasher.verifyDummy('anything')).toBe(false);
  });

  it('does not truncate: passwords differing after 72 bytes differ', async () => {
    const prefix = 'a'.repeat(100);
    const stored = await hasher.hash(`${prefix}-one`);
    expect(await hasher.verify(stored, `${prefix}-two`)).toBe(false);
    expect(await hasher.verify(stored, `${prefix}-one`)).toBe(true);
  });

  it('treats composed and decomposed Unicode as the same password', async () => {
    const stored = await hasher.hash('caf\u00e9 au lait noir');
    expect(await hasher.verify(stored, 'cafe\u0301 au lait noir')).toBe(true);
  });

  it('asks for a rehash of weaker hashes', async () => {
    const { hash } = await import('@node-rs/argon2');
    const weak = await hash('correct horse battery staple', { memoryCost: 4096, timeCost: 1 });
    expect(hasher.needsRehash(weak)).toBe(true);
    expect(hasher.needsRehash('garbage')).toBe(true);
  });
});
