import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AuthUnavailableError } from '../core/auth-error.js';
import { ASYMMETRIC_ALGORITHMS } from '../jws/jws-algorithms.js';
import { FakeClock } from '../testing/fake-clock.js';
import { MAX_KEYS, ProviderKeySet } from './provider-key-set.js';

const jwk = (kid: string | undefined, alg = 'RS256') => {
  const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { ...publicKey.export({ format: 'jwk' }), ...(kid ? { kid } : {}), alg };
};
const K1 = jwk('k1');
const K2 = jwk('k2');

/** A key set over a fake JWKS endpoint that counts its calls and can be taken down. */
function harness(initial: unknown[] = [K1]) {
  const clock = new FakeClock(Date.parse('2030-01-01T00:00:00Z'));
  const state = {
    keys: initial,
    /** Answered instead of `{ keys }` when set. */
    document: undefined as unknown,
    down: false,
    calls: 0,
    gate: undefined as Promise<void> | undefined,
  };
  const warnings: string[] = [];
  const set = new ProviderKeySet(
    async () => {
      state.calls++;
      await state.gate;
      if (state.down) throw new Error('connect ECONNREFUSED 127.0.0.1:9');
      return state.document ?? { keys: state.keys };
    },
    {
      issuer: 'https://idp.example.com',
      algorithms: new Set(ASYMMETRIC_ALGORITHMS),
      jwksMaxAgeMs: 600_000,
      jwksCooldownMs: 30_000,
    },
    clock,
    { warn: (message) => warnings.push(message) },
  );
  return { clock, state, set, warnings };
}

describe('ProviderKeySet', () => {
  it('finds keys by kid and alg; a kid-less token needs exactly one key of its alg', async () => {
    const { set } = harness([K1, K2]);
    await set.refresh();
    expect(await set.find('k1', 'RS256')).toMatchObject({ kid: 'k1', algorithm: 'RS256' });
    expect(await set.find('k1', 'PS256')).toMatchObject({
      reason: 'JWT_ALG_NOT_ALLOWED',
    });
    expect(await set.find(undefined, 'RS256')).toMatchObject({
      reason: 'OIDC_KID_UNKNOWN',
      detail: 'no kid, and several keys use its alg',
    });
    expect(await set.find(42, 'RS256')).toEqual({
      reason: 'JWT_MALFORMED',
      detail: 'kid is a number',
    });
  });

  it('fetches again for an unknown kid at most once per cooldown, concurrent tokens sharing it', async () => {
    const h = harness();
    await h.set.refresh();
    expect(h.state.calls).toBe(1);
    const flood = await Promise.all(
      Array.from({ length: 50 }, (_, i) => h.set.find(`random-${i}`, 'RS256')),
    );
    expect(flood.every((r) => 'reason' in r && r.reason === 'OIDC_KID_UNKNOWN')).toBe(true);
    expect(h.state.calls).toBe(1);
    h.clock.advance(30_000);
    await Promise.all(Array.from({ length: 50 }, (_, i) => h.set.find(`again-${i}`, 'RS256')));
    expect(h.state.calls).toBe(2);
    h.state.keys = [K1, K2];
    expect(await h.set.find('k2', 'RS256')).toMatchObject({ reason: 'OIDC_KID_UNKNOWN' });
    h.clock.advance(30_000);
    expect(await h.set.find('k2', 'RS256')).toMatchObject({ kid: 'k2' });
    expect(h.state.calls).toBe(3);
  });

  it('keeps a key object across fetches while the provider publishes it unchanged', async () => {
    const h = harness([K1]);
    await h.set.refresh();
    const first = await h.set.find('k1', 'RS256');
    h.state.keys = [K2, K1];
    h.clock.advance(30_000);
    await h.set.refresh();
    expect(await h.set.find('k1', 'RS256')).toBe(first);
    expect(h.set.holds(first as never)).toBe(true);
    h.state.keys = [K2];
    await h.set.refresh();
    expect(h.set.holds(first as never)).toBe(false);
  });

  it('refreshes a stale set in the background, without holding the request', async () => {
    const h = harness();
    await h.set.refresh();
    const key = await h.set.find('k1', 'RS256');
    h.clock.advance(600_000);
    let release!: () => void;
    h.state.gate = new Promise((resolve) => (release = resolve));
    h.state.keys = [K2];
    expect(h.set.holds(key as never)).toBe(true);
    expect(h.state.calls).toBe(2);
    // A second look while the refresh runs starts no other one.
    expect(h.set.holds(key as never)).toBe(true);
    release();
    await h.set.refresh();
    expect(h.state.calls).toBe(2);
    expect(h.set.holds(key as never)).toBe(false);
  });

  it('keeps the old keys while the provider is down; a kid never seen gets 503, then 401 once it answers', async () => {
    const h = harness();
    await h.set.refresh();
    h.state.down = true;
    h.clock.advance(600_000);
    expect(await h.set.find('k1', 'RS256')).toMatchObject({ kid: 'k1' });
    await h.set.refresh();
    expect(h.warnings.at(-1)).toMatch(/the keys fetched before stay in use/);
    expect(await h.set.find('k1', 'RS256')).toMatchObject({ kid: 'k1' });
    await expect(h.set.find('k9', 'RS256')).rejects.toBeInstanceOf(AuthUnavailableError);
    const calls = h.state.calls;
    await expect(h.set.find('k9', 'RS256')).rejects.toMatchObject({
      reason: 'OIDC_KEYS_UNAVAILABLE',
      detail: 'a kid never fetched, from https://idp.example.com',
    });
    expect(h.state.calls).toBe(calls);
    h.state.down = false;
    h.clock.advance(30_000);
    expect(await h.set.find('k9', 'RS256')).toMatchObject({ reason: 'OIDC_KID_UNKNOWN' });
  });

  it('answers 503 until the first fetch succeeds, trying once per cooldown', async () => {
    const h = harness();
    h.state.down = true;
    expect(await h.set.refresh()).toBeInstanceOf(Error);
    expect(h.warnings.at(-1)).toMatch(/its tokens get 503 until a fetch succeeds/);
    await expect(h.set.find('k1', 'RS256')).rejects.toMatchObject({
      reason: 'OIDC_KEYS_UNAVAILABLE',
      detail: 'the keys were never fetched, from https://idp.example.com',
    });
    expect(h.state.calls).toBe(1);
    h.state.down = false;
    await expect(h.set.find('k1', 'RS256')).rejects.toBeInstanceOf(AuthUnavailableError);
    h.clock.advance(30_000);
    expect(await h.set.find('k1', 'RS256')).toMatchObject({ kid: 'k1' });
  });

  it('refuses a malformed or oversized key set as a failed fetch, and skips unusable keys', async () => {
    const h = harness();
    await h.set.refresh();
    const malformed = [
      'null',
      { keys: 'x' },
      { keys: Array.from({ length: MAX_KEYS + 1 }, () => K1) },
    ];
    for (const bad of malformed) {
      h.state.document = bad;
      h.clock.advance(30_000);
      expect(await h.set.refresh()).toBeInstanceOf(Error);
      expect(await h.set.find('k1', 'RS256')).toMatchObject({ kid: 'k1' });
    }
    h.state.document = undefined;
    h.state.keys = [K1, { kty: 'oct', k: 'c2VjcmV0', kid: 'hs', alg: 'HS256' }];
    expect(await h.set.refresh()).toBeUndefined();
    expect(h.warnings.at(-1)).toMatch(/skipped: #1: kty "oct"/);
    expect(await h.set.find('hs', 'RS256')).toMatchObject({ reason: 'OIDC_KID_UNKNOWN' });
  });
});
