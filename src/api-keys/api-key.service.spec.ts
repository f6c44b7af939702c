import { Logger } from '@nestjs/common';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeClock } from '../testing/fake-clock.js';
import { AuthUnavailableError } from '../core/auth-error.js';
import type { AuthEvent } from '../core/auth-event.js';
import { AuthEvents } from '../core/auth-events.js';
import { AuthEventPublisher } from '../core/auth-event-publisher.js';
import { ApiKeySettings } from './api-key-settings.js';
import type { ApiKeyRecord } from './api-key-store.js';
import { ApiKeyService } from './api-key.service.js';
import { InMemoryApiKeyStore } from './in-memory-api-key.store.js';

const NOW = Date.parse('2026-02-01T12:00:00Z');

/** Counts every store call, to show what verification reads. */
class CountingStore extends InMemoryApiKeyStore {
  readonly calls: string[] = [];
  override async findById(id: string) {
    this.calls.push(`findById:${id}`);
    return super.findById(id);
  }
  override async listByOwner(owner: string) {
    this.calls.push(`listByOwner:${owner}`);
    return super.listByOwner(owner);
  }
}

class Events extends AuthEvents {
  readonly seen: AuthEvent[] = [];
  emit(event: AuthEvent): void {
    this.seen.push(event);
  }
}

describe('ApiKeyService', () => {
  let store: CountingStore;
  let clock: FakeClock;
  let events: Events;
  let service: ApiKeyService;

  beforeEach(() => {
    store = new CountingStore();
    clock = new FakeClock(NOW);
    events = new Events();
    service = new ApiKeyService(
      store,
      new ApiKeySettings({}),
      clock,
      new AuthEventPublisher(events, clock),
    );
  });

  it('create stores the hash and the metadata, and returns the key once', async () => {
    const { key, record } = await service.create({
      owner: 'alice',
      name: 'ci',
      scopes: ['reports:read', 'reports:read'],
      expiresAt: new Date(NOW + 1000),
    });
    const stored = (await store.findById(record.id)) as ApiKeyRecord;
    expect(stored).toEqual({
      ...record,
      hash: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
    });
    expect(record).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{16}$/),
      prefix: 'gk',
      owner: 'alice',
      name: 'ci',
      scopes: ['reports:read'],
      createdAt: NOW,
      expiresAt: NOW + 1000,
      revokedAt: null,
      lastUsedAt: null,
      rotatedFrom: null,
    });
    expect('hash' in record).toBe(false);
    expect(JSON.stringify(stored)).not.toContain(key.slice(-32));
  });

  it('verify reads exactly one record, by id, and never lists keys', async () => {
    await service.create({ owner: 'alice', name: 'a' });
    await service.create({ owner: 'alice', name: 'b' });
    const { key, record } = await service.create({ owner: 'alice', name: 'c' });
    store.calls.length = 0;
    expect(await service.verify(key)).toMatchObject({ valid: true, key: { id: record.id } });
    expect(store.calls).toEqual([`findById:${record.id}`]);
  });

  it('verify does not read the store at all for a malformed key or a foreign prefix', async () => {
    const { key } = await service.create({ owner: 'alice', name: 'a' });
    store.calls.length = 0;
    expect(await service.verify(`xx${key.slice(2)}`)).toEqual({
      valid: false,
      reason: 'API_KEY_MALFORMED',
      detail: 'wrong prefix',
    });
    expect(await service.verify('garbage')).toEqual({
      valid: false,
      reason: 'API_KEY_MALFORMED',
      detail: 'not in the key format',
    });
    expect(store.calls).toEqual([]);
  });

  it('verify gives a reason for each refusal, none naming the prefix', async () => {
    const live = await service.create({ owner: 'alice', name: 'live', expiresAt: NOW + 10_000 });
    const revoked = await service.create({ owner: 'alice', name: 'revoked' });
    await service.revoke(revoked.record.id);
    const reasons = [
      await service.verify(`${live.key.slice(0, -1)}${live.key.endsWith('A') ? 'B' : 'A'}`),
      await service.verify(`gk_${'f'.repeat(16)}_${live.key.slice(-32)}`),
      await service.verify(revoked.key),
    ];
    clock.advance(10_000);
    reasons.push(await service.verify(live.key));
    expect(reasons).toEqual([
      { valid: false, reason: 'API_KEY_SECRET_MISMATCH' },
      { valid: false, reason: 'API_KEY_UNKNOWN' },
      { valid: false, reason: 'API_KEY_REVOKED' },
      { valid: false, reason: 'API_KEY_EXPIRED' },
    ]);
  });

  it('verify returns the key without its hash', async () => {
    const { key } = await service.create({ owner: 'alice', name: 'a' });
    const result = await service.verify(key);
    expect(result.valid && 'hash' in result.key).toBe(false);
  });

  it('a failing store is AuthUnavailableError, for verify and for management calls', async () => {
    const { key } = await service.create({ owner: 'alice', name: 'a' });
    const cause = new Error('connection reset');
    store.findById = () => Promise.reject(cause);
    store.listByOwner = () => {
      throw cause;
    };
    await expect(service.verify(key)).rejects.toSatisfy(
      (e: unknown) => e instanceof AuthUnavailableError && e.cause === cause,
    );
    await expect(service.revoke('0123456789abcdef')).rejects.toThrow(AuthUnavailableError);
    await expect(service.list('alice')).rejects.toThrow(AuthUnavailableError);
  });

  it('a failing last-use write refuses the request too (fails closed)', async () => {
    const { key } = await service.create({ owner: 'alice', name: 'a' });
    store.recordUse = () => Promise.reject(new Error('read-only database'));
    await expect(service.verify(key)).rejects.toThrow(AuthUnavailableError);
  });

  it('list leaves out revoked and expired keys unless asked', async () => {
    const a = await service.create({ owner: 'alice', name: 'a' });
    const b = await service.create({ owner: 'alice', name: 'b', expiresAt: NOW + 1 });
    const c = await service.create({ owner: 'alice', name: 'c' });
    await service.create({ owner: 'bob', name: 'bobs' });
    await service.revoke(c.record.id);
    clock.advance(1);
    expect((await service.list('alice')).map((k) => k.name)).toEqual(['a']);
    const all = await service.list('alice', { includeInactive: true });
    expect(all.map((k) => k.id)).toEqual([a.record.id, b.record.id, c.record.id]);
    expect(all.every((k) => !('hash' in k))).toBe(true);
  });

  it('revoke with an owner only revokes that owner’s key', async () => {
    const { key, record } = await service.create({ owner: 'alice', name: 'a' });
    expect(await service.revoke(record.id, 'bob')).toBe(false);
    expect((await service.verify(key)).valid).toBe(true);
    expect(await service.revoke(record.id, 'alice')).toBe(true);
    expect((await service.verify(key)).valid).toBe(false);
    expect(await service.revoke('nope')).toBe(false);
  });

  it('rotate keeps owner, name and scopes and can shorten, never lengthen, the old key', async () => {
    const old = await service.create({
      owner: 'alice',
      name: 'deploy',
      scopes: ['x'],
      expiresAt: NOW + 60_000,
    });
    const long = (await service.rotate(old.record.id, { graceSeconds: 3600 }))!;
    expect(long.previous.expiresAt).toBe(NOW + 60_000);
    const short = (await service.rotate(old.record.id, { graceSeconds: 5 }))!;
    expect(short.previous.expiresAt).toBe(NOW + 5_000);
    expect(short.record).toMatchObject({ owner: 'alice', name: 'deploy', scopes: ['x'] });
    expect(short.record.rotatedFrom).toBe(old.record.id);
    await expect(service.rotate(old.record.id, { graceSeconds: -1 })).rejects.toThrow(TypeError);
  });

  it('rotate can set the new key’s expiry, and emits api_key_created for it', async () => {
    const old = await service.create({ owner: 'alice', name: 'deploy' });
    events.seen.length = 0;
    const rotated = (await service.rotate(old.record.id, { expiresAt: NOW + 99_000 }))!;
    expect(rotated.record.expiresAt).toBe(NOW + 99_000);
    expect(rotated.previous.expiresAt).toBeNull();
    expect(events.seen.map((e) => [e.type, e.credentialId])).toEqual([
      ['api_key_created', rotated.record.id],
    ]);
  });

  it('create refuses bad input with a TypeError that says what is wrong', async () => {
    const bad: [object, RegExp][] = [
      [{ owner: '', name: 'n' }, /owner must be a string/],
      [{ owner: 'a', name: '' }, /name must be a string of 1-100/],
      [{ owner: 'a', name: 'x'.repeat(101) }, /name must be a string of 1-100/],
      [{ owner: 'a', name: 'n', scopes: 'reports:read' }, /scopes must be an array/],
      [{ owner: 'a', name: 'n', scopes: [''] }, /scopes must be an array of non-empty/],
      [{ owner: 'a', name: 'n', expiresAt: NOW }, /expiresAt must be in the future/],
      [{ owner: 'a', name: 'n', expiresAt: 'tomorrow' }, /expiresAt must be a Date/],
      [{ owner: 'a', name: 'n', expiresAt: new Date('nope') }, /expiresAt must be a Date/],
    ];
    for (const [input, message] of bad) {
      await expect(service.create(input as never)).rejects.toThrowError(message);
    }
    expect(events.seen).toEqual([]);
  });

  it('a throwing event sink does not break key management; it is logged', async () => {
    const logged = vi.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const throwing = new (class extends AuthEvents {
      emit(): void {
        throw new Error('sink down');
      }
    })();
    const quiet = new ApiKeyService(
      store,
      new ApiKeySettings({}),
      clock,
      new AuthEventPublisher(throwing, clock),
    );
    const { record } = await quiet.create({ owner: 'alice', name: 'a' });
    expect(await quiet.revoke(record.id)).toBe(true);
    expect(logged.mock.calls.map((c) => c[0])).toEqual([
      'auth event sink failed on api_key_created',
      'auth event sink failed on api_key_revoked',
    ]);
    logged.mockRestore();
  });
});
