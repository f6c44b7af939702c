import { createHash, createHmac } from 'node:crypto';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { createApiKey, parseApiKey, verifyKey } from './api-key.js';

// Wrap timingSafeEqual (keeping its behaviour) to see that digests are compared with it.
const crypto = vi.hoisted(() => ({ calls: [] as [Buffer, Buffer][] }));
vi.mock('node:crypto', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:crypto')>();
  return {
    ...actual,
    timingSafeEqual: (a: Buffer, b: Buffer) => {
      // Copies: the digests are laid out in buffers that every comparison reuses.
      crypto.calls.push([Buffer.from(a), Buffer.from(b)]);
      return actual.timingSafeEqual(a, b);
    },
  };
});

const PEPPER = 'a-server-side-pepper-of-32-bytes-or-more!';

describe('createApiKey', () => {
  it('makes <prefix>_<id>_<secret> keys with a 192-bit secret', () => {
    const { key, id, prefix } = createApiKey();
    expect(prefix).toBe('gk');
    expect(key).toMatch(/^gk_[0-9a-f]{16}_[A-Za-z0-9_-]{32}$/);
    expect(key.split('_')[1]).toBe(id);
    // 32 base64url characters carry 32 * 6 = 192 bits.
    expect(Buffer.from(key.slice(`gk_${id}_`.length), 'base64url')).toHaveLength(24);
  });

  it('never repeats an id or a secret', () => {
    const keys = Array.from({ length: 500 }, () => createApiKey());
    expect(new Set(keys.map((k) => k.id)).size).toBe(500);
    expect(new Set(keys.map((k) => k.key.slice(-32))).size).toBe(500);
  });

  it('returns the SHA-256 of the key as the hash, never the key', () => {
    const { key, hash } = createApiKey({ prefix: 'acme' });
    expect(key.startsWith('acme_')).toBe(true);
    expect(hash).toBe(createHash('sha256').update(key).digest('base64url'));
    expect(hash).not.toContain(key.slice(-32));
  });

  it('returns an HMAC-SHA-256 with a pepper', () => {
    const { key, hash } = createApiKey({ pepper: PEPPER });
    expect(hash).toBe(createHmac('sha256', PEPPER).update(key).digest('base64url'));
  });

  it('refuses a prefix that would break the format', () => {
    for (const prefix of ['', 'a_b', 'has space', 'x'.repeat(17)]) {
      expect(() => createApiKey({ prefix })).toThrow(/prefix must be 1-16 letters or digits/);
    }
  });
});

describe('verifyKey', () => {
  beforeEach(() => {
    crypto.calls.length = 0;
  });

  it('accepts the key its hash was made from', () => {
    const { key, hash } = createApiKey();
    expect(verifyKey(key, hash)).toBe(true);
  });

  it('refuses a key with one character changed, and another key', () => {
    const { key, hash } = createApiKey();
    const tampered = key.slice(0, -1) + (key.endsWith('A') ? 'B' : 'A');
    expect(verifyKey(tampered, hash)).toBe(false);
    expect(verifyKey(createApiKey().key, hash)).toBe(false);
  });

  it('needs the same pepper', () => {
    const { key, hash } = createApiKey({ pepper: PEPPER });
    expect(verifyKey(key, hash, { pepper: PEPPER })).toBe(true);
    expect(verifyKey(key, hash)).toBe(false);
    expect(verifyKey(key, hash, { pepper: Buffer.from(PEPPER) })).toBe(true);
    expect(verifyKey(key, hash, { pepper: PEPPER + '!' })).toBe(false);
  });

  it('compares digests with crypto.timingSafeEqual', () => {
    const { key, hash } = createApiKey();
    verifyKey(key, hash);
    verifyKey(key.slice(0, -1) + '0', hash);
    expect(crypto.calls).toHaveLength(2);
    const [actual, expected] = crypto.calls[0]!;
    expect(actual.toString('latin1')).toBe(hash);
    expect(expected.toString('latin1')).toBe(hash);
  });

  it('carries nothing from one comparison to the next', () => {
    const a = createApiKey();
    const b = createApiKey();
    for (let i = 0; i < 3; i++) {
      expect(verifyKey(a.key, a.hash)).toBe(true);
      expect(verifyKey(b.key, a.hash)).toBe(false);
      expect(verifyKey(b.key, b.hash)).toBe(true);
      expect(verifyKey(a.key, b.hash)).toBe(false);
    }
  });

  it('returns false, without throwing, for anything that is not a key and a hash', () => {
    const { key, hash } = createApiKey();
    for (const [k, h] of [
      [undefined, hash],
      [key, undefined],
      [42, hash],
      ['', hash],
      [key, ''],
      [key, 'not base64 at all!'],
      [key, hash.slice(0, 10)],
      ['x'.repeat(10_000), hash],
      [['array'], hash],
    ] as const) {
      expect(verifyKey(k, h)).toBe(false);
    }
  });
});

describe('parseApiKey', () => {
  it('splits a well-formed key and rejects everything else', () => {
    const { key, id } = createApiKey({ prefix: 'acme' });
    expect(parseApiKey(key)).toEqual({ prefix: 'acme', id });
    for (const bad of [
      '',
      `acme_${id}`,
      `${id}_${key.slice(-32)}`,
      `acme_${id.toUpperCase()}_${key.slice(-32)}`,
      `acme_${id}_${key.slice(-31)}`,
      `${key} `,
      `acme_${id}_${'A'.repeat(300)}`,
    ]) {
      expect(parseApiKey(bad)).toBeNull();
    }
  });
});
