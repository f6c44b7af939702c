import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  ApiKeyService,
  ApiKeyStore,
  AuthEvents,
  Clock,
  InMemoryApiKeyStore,
  type ApiKeyRecord,
} from 'nestjs-gatehouse';
import { FakeClock } from 'nestjs-gatehouse/testing';
import { apiKeyApp } from './apps/api-key.app.js';
import type { RecordingEvents } from './support/recording-events.js';
import { adapters, startApp, type RunningApp } from './support/http-app.js';
import { body, GENERIC_BODIES } from './support/http.js';
import { secretOf } from './support/api-keys.js';
import { rawGet } from './support/raw-request.js';

const START = Date.parse('2026-03-01T09:00:00Z');
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const PEPPER = 'pepper-for-tests-0123456789abcdef-0123456789';

/** Asserts the exact generic 401, with no trace of the configured prefix anywhere in it. */
async function expectGeneric401(response: Response, prefix: string): Promise<void> {
  const text = await response.clone().text();
  expect(response.status).toBe(401);
  expect(await body(response)).toEqual(GENERIC_BODIES[401]);
  expect(text).not.toContain(prefix);
  expect(response.headers.get('www-authenticate') ?? '').not.toContain(prefix);
}

describe.each(adapters)('API keys (%s)', (adapter) => {
  let app: RunningApp;
  let clock: FakeClock;
  let keys: ApiKeyService;
  let events: RecordingEvents;
  const asKey = (key: string, path = '/me') => app.get(path, { 'x-api-key': key });

  beforeAll(async () => {
    clock = new FakeClock(START);
    app = await startApp(adapter, apiKeyApp(), (b) => b.overrideProvider(Clock).useValue(clock));
    keys = app.app.get(ApiKeyService);
    events = app.app.get(AuthEvents) as RecordingEvents;
  });
  afterAll(() => app.close());
  beforeEach(() => clock.set(START));

  describe('lifecycle', () => {
    it('a created key authenticates as its owner, through the apikey backend', async () => {
      const { key, record } = await keys.create({ owner: 'alice', name: 'ci' });
      expect(key).toMatch(new RegExp(`^gk_${record.id}_[A-Za-z0-9_-]{32}$`));
      const res = await asKey(key);
      expect(res.status).toBe(200);
      expect(await body(res)).toEqual({
        identity: 'alice',
        auth: 'apikey',
        credentialId: record.id,
        scopes: null,
        permissions: ['reports:read', 'reports:write', 'users:manage'],
      });
    });

    it('lists keys without any secret or hash', async () => {
      const { key, record } = await keys.create({
        owner: 'bob',
        name: 'laptop',
        scopes: ['reports:read'],
      });
      const res = await asKey(key, '/keys');
      const text = await res.clone().text();
      expect(res.status).toBe(200);
      const listed = (await body(res)) as Record<string, unknown>[];
      expect(listed.find((k) => k.id === record.id)).toEqual({
        id: record.id,
        prefix: 'gk',
        owner: 'bob',
        name: 'laptop',
        scopes: ['reports:read'],
        createdAt: START,
        expiresAt: null,
        revokedAt: null,
        lastUsedAt: START,
        rotatedFrom: null,
      });
      const stored = (await app.app.get(ApiKeyStore).findById(record.id))!;
      expect(text).not.toContain(secretOf(key));
      expect(text).not.toContain(stored.hash);
      expect(text).not.toContain('hash');
    });

    it('revocation takes effect on the very next request', async () => {
      const { key, record } = await keys.create({ owner: 'alice', name: 'to revoke' });
      expect((await asKey(key)).status).toBe(200);
      expect(await keys.revoke(record.id, 'alice')).toBe(true);
      await expectGeneric401(await asKey(key), 'gk');
      expect((await keys.list('alice')).map((k) => k.id)).not.toContain(record.id);
    });

    it("only the owner's revoke counts", async () => {
      const { key, record } = await keys.create({ owner: 'alice', name: 'mine' });
      expect(await keys.revoke(record.id, 'bob')).toBe(false);
      expect((await asKey(key)).status).toBe(200);
    });

    it('an expired key is refused', async () => {
      const { key } = await keys.create({
        owner: 'alice',
        name: 'short-lived',
        expiresAt: START + HOUR,
      });
      clock.advance(HOUR - 1);
      expect((await asKey(key)).status).toBe(200);
      clock.advance(1);
      await expectGeneric401(await asKey(key), 'gk');
    });

    it('rotation: both keys work during the grace period, then only the new one', async () => {
      const old = await keys.create({ owner: 'alice', name: 'deploy', scopes: ['reports:read'] });
      const rotated = (await keys.rotate(old.record.id, { owner: 'alice', graceSeconds: 300 }))!;
      expect(rotated.key).not.toBe(old.key);
      expect(rotated.record).toMatchObject({
        owner: 'alice',
        name: 'deploy',
        scopes: ['reports:read'],
        rotatedFrom: old.record.id,
      });
      expect(rotated.previous.expiresAt).toBe(START + 300_000);
      expect((await asKey(old.key)).status).toBe(200);
      expect((await asKey(rotated.key)).status).toBe(200);
      clock.advance(300_000);
      await expectGeneric401(await asKey(old.key), 'gk');
      expect((await asKey(rotated.key)).status).toBe(200);
    });

    it('rotation without a grace period leaves the old key until its own expiry', async () => {
      const old = await keys.create({ owner: 'bob', name: 'x', expiresAt: START + 2 * HOUR });
      const rotated = (await keys.rotate(old.record.id))!;
      expect(rotated.previous.expiresAt).toBe(START + 2 * HOUR);
      // The new key gets the old key's lifetime, counted from now.
      expect(rotated.record.expiresAt).toBe(START + 2 * HOUR);
      clock.advance(HOUR);
      expect((await asKey(old.key)).status).toBe(200);
      clock.advance(HOUR);
      expect((await asKey(old.key)).status).toBe(401);
    });

    it('refuses to rotate a revoked key or another owner’s key', async () => {
      const { record } = await keys.create({ owner: 'alice', name: 'r' });
      expect(await keys.rotate(record.id, { owner: 'bob' })).toBeNull();
      await keys.revoke(record.id);
      expect(await keys.rotate(record.id)).toBeNull();
    });

    it('emits api_key_created and api_key_revoked without the key', async () => {
      const before = events.events.length;
      const { key, record } = await keys.create({ owner: 'bob', name: 'audited' });
      await keys.revoke(record.id);
      const emitted = events.events.slice(before);
      expect(emitted.map((e) => [e.type, e.identity, e.credentialId])).toEqual([
        ['api_key_created', 'bob', record.id],
        ['api_key_revoked', 'bob', record.id],
      ]);
      expect(JSON.stringify(emitted)).not.toContain(secretOf(key));
    });
  });

  describe('scopes narrow the owner’s permissions', () => {
    it('a read-only key of an admin can read but not write (403)', async () => {
      const { key } = await keys.create({ owner: 'alice', name: 'ro', scopes: ['reports:read'] });
      expect(await body(await asKey(key))).toMatchObject({
        scopes: ['reports:read'],
        permissions: ['reports:read'],
      });
      expect((await asKey(key, '/reports')).status).toBe(200);
      const res = await app.send('/reports', { method: 'POST', headers: { 'x-api-key': key } });
      expect(res.status).toBe(403);
      expect(await body(res)).toEqual(GENERIC_BODIES[403]);
    });

    it('a scope the owner does not hold grants nothing', async () => {
      const { key } = await keys.create({
        owner: 'bob',
        name: 'greedy',
        scopes: ['reports:write'],
      });
      expect(await body(await asKey(key))).toMatchObject({ permissions: [] });
      const res = await app.send('/reports', { method: 'POST', headers: { 'x-api-key': key } });
      expect(res.status).toBe(403);
      expect((await asKey(key, '/reports')).status).toBe(403);
    });

    it('an empty scope list leaves no permission at all', async () => {
      const { key } = await keys.create({ owner: 'alice', name: 'none', scopes: [] });
      expect((await asKey(key)).status).toBe(200);
      expect((await asKey(key, '/reports')).status).toBe(403);
    });
  });

  describe('last use', () => {
    it('is recorded at most once a minute, with one store write per minute', async () => {
      const { key, record } = await keys.create({ owner: 'alice', name: 'busy' });
      const writes = vi.spyOn(app.app.get(ApiKeyStore), 'recordUse');
      try {
        const lastUsed = async () => (await keys.get(record.id))!.lastUsedAt;
        expect(await lastUsed()).toBeNull();
        await asKey(key);
        expect(await lastUsed()).toBe(START);
        clock.advance(30_000);
        await asKey(key);
        clock.advance(29_999);
        await asKey(key);
        expect(await lastUsed()).toBe(START);
        clock.advance(1);
        await asKey(key);
        expect(await lastUsed()).toBe(START + MINUTE);
        expect(writes.mock.calls).toEqual([
          [record.id, START, MINUTE],
          [record.id, START + MINUTE, MINUTE],
        ]);
      } finally {
        writes.mockRestore();
      }
    });
  });

  describe('malformed and forged keys all get the generic 401', () => {
    let valid: string;
    let id: string;
    let secret: string;
    beforeAll(async () => {
      const created = await keys.create({ owner: 'alice', name: 'target' });
      valid = created.key;
      id = created.record.id;
      secret = valid.slice(`gk_${id}_`.length);
    });

    it('the valid key works (control)', async () => {
      expect((await asKey(valid)).status).toBe(200);
    });

    it.each([
      ['wrong prefix', () => `zz_${id}_${secret}`],
      ['prefix in another case', () => `GK_${id}_${secret}`],
      ['missing prefix', () => `${id}_${secret}`],
      ['prefix only', () => 'gk_'],
      ['tampered secret, right id', () => `gk_${id}_${flip(secret)}`],
      ['unknown id', () => `gk_${'0'.repeat(16)}_${secret}`],
      ['key with trailing junk', () => `${valid}x`],
      ['non-key text', () => 'hello world'],
      ['oversized value', () => `gk_${id}_${'A'.repeat(8000)}`],
    ])('%s', async (_case, make) => {
      await expectGeneric401(await asKey(make()), 'gk');
    });

    it('an empty header', async () => {
      const res = await rawGet(app.url, '/me', { 'X-API-Key': '' });
      expect(res.status).toBe(401);
      expect(JSON.parse(res.text)).toEqual(GENERIC_BODIES[401]);
    });

    it('a doubled header, even when both copies hold the valid key', async () => {
      for (const values of [
        [valid, valid],
        [valid, 'junk'],
        ['', valid],
      ]) {
        const res = await rawGet(app.url, '/me', { 'X-API-Key': values });
        expect(res.status).toBe(401);
        expect(JSON.parse(res.text)).toEqual(GENERIC_BODIES[401]);
        expect(res.text).not.toContain('gk');
      }
    });

    it('the header name is matched case-insensitively', async () => {
      for (const name of ['x-api-key', 'X-API-KEY', 'x-Api-kEy']) {
        const res = await rawGet(app.url, '/me', { [name]: valid });
        expect(res.status).toBe(200);
        expect(JSON.parse(res.text)).toMatchObject({ identity: 'alice', auth: 'apikey' });
      }
    });

    it('the Authorization header is not read when no scheme is configured', async () => {
      await expectGeneric401(await app.get('/me', { authorization: `ApiKey ${valid}` }), 'gk');
    });

    it('offers no ApiKey challenge while the Authorization scheme is off', async () => {
      // Only schemes the route really accepts are named; before, "ApiKey" was offered anyway.
      const res = await app.get('/me');
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate') ?? '').not.toMatch(/apikey/i);
    });

    it('a bad key on a public route leaves the caller anonymous', async () => {
      const res = await asKey(`gk_${id}_${flip(secret)}`, '/public');
      expect(res.status).toBe(200);
      expect(await body(res)).toEqual({ identity: '', authenticated: false });
    });

    it('records why in auth events, never the key or the expected prefix', async () => {
      const before = events.events.length;
      await asKey(`gk_${id}_${flip(secret)}`);
      await asKey(`zz_${id}_${secret}`);
      const failures = events.events.slice(before);
      expect(failures.map((e) => [e.type, e.reason, e.detail])).toEqual([
        ['authentication_failed', 'API_KEY_SECRET_MISMATCH', undefined],
        ['authentication_failed', 'API_KEY_MALFORMED', 'wrong prefix'],
      ]);
      expect(JSON.stringify(failures)).not.toContain(secret.slice(0, 10));
    });
  });

  describe('a failing store', () => {
    it('answers 503 with a generic body, and never lets the request through', async () => {
      const { key } = await keys.create({ owner: 'alice', name: 'store down' });
      const store = app.app.get(ApiKeyStore) as InMemoryApiKeyStore;
      const original = store.findById.bind(store);
      store.findById = async () => {
        throw new Error('SQLITE_BUSY: database is locked at /var/lib/keys.db');
      };
      try {
        for (const path of ['/me', '/public']) {
          const res = await asKey(key, path);
          const text = await res.clone().text();
          expect(res.status).toBe(503);
          expect(await body(res)).toEqual(GENERIC_BODIES[503]);
          expect(text).not.toContain('SQLITE');
        }
      } finally {
        store.findById = original;
      }
      expect((await asKey(key)).status).toBe(200);
    });
  });
});

describe.each(adapters)('API keys with a scheme, a prefix and a pepper (%s)', (adapter) => {
  let app: RunningApp;
  let keys: ApiKeyService;
  let key: string;

  beforeAll(async () => {
    app = await startApp(
      adapter,
      apiKeyApp({ header: 'X-Acme-Key', scheme: 'ApiKey', prefix: 'acme', pepper: PEPPER }),
    );
    keys = app.app.get(ApiKeyService);
    key = (await keys.create({ owner: 'bob', name: 'peppered' })).key;
  });
  afterAll(() => app.close());

  it('issues keys with the configured prefix and stores an HMAC, not a plain SHA-256', async () => {
    expect(key.startsWith('acme_')).toBe(true);
    const id = key.split('_')[1]!;
    const stored = (await app.app.get(ApiKeyStore).findById(id)) as ApiKeyRecord;
    const { createHash, createHmac } = await import('node:crypto');
    expect(stored.hash).toBe(createHmac('sha256', PEPPER).update(key).digest('base64url'));
    expect(stored.hash).not.toBe(createHash('sha256').update(key).digest('base64url'));
  });

  it('reads the configured header, and no longer X-API-Key', async () => {
    expect((await app.get('/me', { 'x-acme-key': key })).status).toBe(200);
    await expectGeneric401(await app.get('/me', { 'x-api-key': key }), 'acme');
  });

  it('accepts Authorization: <scheme> <key>, the scheme in any case', async () => {
    for (const scheme of ['ApiKey', 'apikey', 'APIKEY']) {
      const res = await app.get('/me', { authorization: `${scheme} ${key}` });
      expect(res.status).toBe(200);
      expect(await body(res)).toMatchObject({ identity: 'bob', auth: 'apikey' });
    }
  });

  it('challenges with the scheme', async () => {
    const res = await app.get('/me');
    expect(res.headers.get('www-authenticate')).toBe('ApiKey realm="api"');
    await expectGeneric401(res, 'acme');
  });

  it.each([
    ['another scheme', () => `Bearer ${key}`],
    ['the scheme without a key', () => 'ApiKey '],
    ['the scheme glued to the key', () => `ApiKey${key}`],
    ['wrong prefix', () => `ApiKey gk_${key.slice(5)}`],
    ['missing prefix', () => `ApiKey ${key.slice(5)}`],
    ['tampered secret', () => `ApiKey ${key.slice(0, -1)}${key.endsWith('A') ? 'B' : 'A'}`],
    ['oversized value', () => `ApiKey acme_${'A'.repeat(6000)}`],
  ])('Authorization with %s: generic 401', async (_case, make) => {
    await expectGeneric401(await app.get('/me', { authorization: make() }), 'acme');
  });

  it('a doubled Authorization header is refused, though Node keeps only the first', async () => {
    const res = await rawGet(app.url, '/me', {
      Authorization: [`ApiKey ${key}`, 'ApiKey other'],
    });
    expect(res.status).toBe(401);
    expect(JSON.parse(res.text)).toEqual(GENERIC_BODIES[401]);
    expect(res.text).not.toContain('acme');
  });

  it('a key verified with the pepper would not verify without it', async () => {
    const { verifyKey } = await import('nestjs-gatehouse');
    const id = key.split('_')[1]!;
    const stored = (await app.app.get(ApiKeyStore).findById(id))!;
    expect(verifyKey(key, stored.hash, { pepper: PEPPER })).toBe(true);
    expect(verifyKey(key, stored.hash)).toBe(false);
  });
});

/** Changes the first character of a base64url string to another valid one. */
function flip(text: string): string {
  return (text[0] === 'A' ? 'B' : 'A') + text.slice(1);
}
