import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../testing/fake-clock.js';
import { AuthUnavailableError } from '../core/auth-error.js';
import type { AuthEvent } from '../core/auth-event.js';
import { AuthEvents } from '../core/auth-events.js';
import { AuthEventPublisher } from '../core/auth-event-publisher.js';
import type { AuthRequest } from '../core/auth-request.js';
import type { ApiKeyOptions } from './api-key-options.js';
import { ApiKeySettings } from './api-key-settings.js';
import { ApiKeyBackend } from './api-key.backend.js';
import { ApiKeyService } from './api-key.service.js';
import { InMemoryApiKeyStore } from './in-memory-api-key.store.js';

const NOW = Date.parse('2026-02-01T12:00:00Z');

class Events extends AuthEvents {
  emit(_event: AuthEvent): void {}
}

function setup(options: ApiKeyOptions = {}) {
  const store = new InMemoryApiKeyStore();
  const clock = new FakeClock(NOW);
  const settings = new ApiKeySettings(options);
  const keys = new ApiKeyService(
    store,
    settings,
    clock,
    new AuthEventPublisher(new Events(), clock),
  );
  return { store, clock, keys, backend: new ApiKeyBackend(keys, settings) };
}

const request = (headers: Record<string, string>): AuthRequest => ({ headers }) as AuthRequest;

describe('ApiKeyBackend', () => {
  it('authenticates the owner with the key’s id and scopes, and no hash anywhere', async () => {
    const { keys, backend } = setup();
    const { key, record } = await keys.create({ owner: 'alice', name: 'ci', scopes: ['a:read'] });
    const result = await backend.authenticate(request({ 'x-api-key': key }));
    expect(result).toMatchObject({
      success: true,
      backend: 'apikey',
      identity: 'alice',
      scopes: ['a:read'],
      credentialId: record.id,
      issuedAt: NOW,
      fresh: false,
    });
    expect(JSON.stringify(result)).not.toContain('hash');
  });

  it('checks revocation and expiry on every request (FakeClock)', async () => {
    const { keys, clock, backend } = setup();
    const live = await keys.create({ owner: 'alice', name: 'a', expiresAt: NOW + 1000 });
    const revoked = await keys.create({ owner: 'alice', name: 'b' });
    const asKey = (key: string) => backend.authenticate(request({ 'x-api-key': key }));
    expect(await asKey(live.key)).toMatchObject({ success: true });
    expect(await asKey(revoked.key)).toMatchObject({ success: true });
    await keys.revoke(revoked.record.id);
    expect(await asKey(revoked.key)).toMatchObject({ success: false, reason: 'API_KEY_REVOKED' });
    clock.advance(999);
    expect(await asKey(live.key)).toMatchObject({ success: true });
    clock.advance(1);
    expect(await asKey(live.key)).toMatchObject({ success: false, reason: 'API_KEY_EXPIRED' });
  });

  it('an Authorization scheme with only whitespace after it is a malformed key', async () => {
    // Node trims a header value's trailing whitespace, but transports that build headers
    // themselves (connection params) may not.
    const { backend } = setup({ scheme: 'ApiKey' });
    expect(await backend.authenticate(request({ authorization: 'ApiKey \t ' }))).toEqual(
      expect.objectContaining({
        success: false,
        missing: false,
        reason: 'API_KEY_MALFORMED',
        detail: 'not in the key format',
      }),
    );
  });

  it('a store that throws is a 503 with the store’s reason, never a pass', async () => {
    const { keys, store, backend } = setup();
    const { key } = await keys.create({ owner: 'alice', name: 'a' });
    store.findById = async () => {
      throw new Error('connection refused');
    };
    const refused = backend.authenticate(request({ 'x-api-key': key }));
    await expect(refused).rejects.toBeInstanceOf(AuthUnavailableError);
    await expect(refused).rejects.toMatchObject({ reason: 'API_KEY_STORE_UNAVAILABLE' });
  });

  it('answers at once with the in-memory store, waiting only to record a use', async () => {
    const { keys, clock, backend } = setup();
    const { key } = await keys.create({ owner: 'alice', name: 'a' });
    const asKey = () => backend.authenticate(request({ 'x-api-key': key }));
    // The first use is written to the store: that request waits for it.
    const first = asKey();
    expect(first).toBeInstanceOf(Promise);
    expect(await first).toMatchObject({ success: true, identity: 'alice' });
    clock.advance(59_999);
    expect(asKey()).toMatchObject({ success: true, identity: 'alice' });
    clock.advance(1);
    const again = asKey();
    expect(again).toBeInstanceOf(Promise);
    expect(await again).toMatchObject({ success: true });
    // A refusal is as immediate as a success.
    expect(backend.authenticate(request({ 'x-api-key': `${key.slice(0, -1)}A` }))).toMatchObject({
      success: false,
      reason: 'API_KEY_SECRET_MISMATCH',
    });
  });

  it('a revocation takes effect on the next request, with no promise in between', async () => {
    const { keys, backend } = setup();
    const { key, record } = await keys.create({ owner: 'alice', name: 'a' });
    await backend.authenticate(request({ 'x-api-key': key }));
    expect(backend.authenticate(request({ 'x-api-key': key }))).toMatchObject({ success: true });
    await keys.revoke(record.id);
    expect(backend.authenticate(request({ 'x-api-key': key }))).toMatchObject({
      success: false,
      reason: 'API_KEY_REVOKED',
    });
  });

  it('an Authorization scheme’s key takes the same check', async () => {
    const { keys, backend } = setup({ scheme: 'ApiKey' });
    const { key } = await keys.create({ owner: 'alice', name: 'a' });
    const asScheme = (value: string) => backend.authenticate(request({ authorization: value }));
    expect(await asScheme(`apikey  ${key}`)).toMatchObject({ success: true, identity: 'alice' });
    expect(await asScheme(`ApiKey ${key}x`)).toMatchObject({ reason: 'API_KEY_MALFORMED' });
  });

  it('keeps no raw key once a request is answered', async () => {
    const { keys, backend } = setup();
    const { key } = await keys.create({ owner: 'alice', name: 'a' });
    await backend.authenticate(request({ 'x-api-key': key }));
    backend.authenticate(request({ 'x-api-key': key }));
    const secret = key.slice(key.lastIndexOf('_') + 1);
    expect(inspect(backend, { depth: 12, showHidden: true })).not.toContain(secret);
  });

  it('a store that throws at once, or whose findById is replaced to fail, is a 503', async () => {
    const { keys, store, backend } = setup();
    const { key } = await keys.create({ owner: 'alice', name: 'a' });
    store.findById = () => {
      throw new Error('connection refused');
    };
    const refused = (async () => backend.authenticate(request({ 'x-api-key': key })))();
    await expect(refused).rejects.toMatchObject({ reason: 'API_KEY_STORE_UNAVAILABLE' });
  });
});
