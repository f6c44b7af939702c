import { describe, expect, it } from 'vitest';
import {
  AuthEventPublisher,
  AuthEvents,
  LoginThrottledError,
  type AuthEvent,
  type AuthRequest,
} from 'nestjs-gatehouse';
import { FakeClock } from 'nestjs-gatehouse/testing';
import { InMemoryLoginThrottleStore } from './in-memory-login-throttle.store.js';
import { LoginThrottle } from './login-throttle.js';
import { LoginThrottleSettings } from './login-throttle-settings.js';

class Kept extends AuthEvents {
  readonly events: AuthEvent[] = [];
  emit(event: AuthEvent): void {
    this.events.push(event);
  }
}

const deviceTokenSecret = 'device-token-secret-0123456789-abcdefghijklmnop';

function throttle(maxAttempts = 2) {
  const clock = new FakeClock(Date.parse('2030-01-01T00:00:00Z'));
  const events = new Kept();
  const service = new LoginThrottle(
    new LoginThrottleSettings({ deviceTokenSecret, maxAttempts, lockoutSeconds: 60 }),
    new InMemoryLoginThrottleStore(clock),
    clock,
    new AuthEventPublisher(events, clock),
  );
  return { service, events, clock };
}

const request = (headers: Record<string, string> = {}): AuthRequest => ({
  method: 'POST',
  url: '/login?next=/home',
  headers,
  ip: '192.0.2.1',
});

describe('LoginThrottle', () => {
  it('refuses an empty account name as a programming error', async () => {
    const { service } = throttle();
    await expect(service.attempt(request(), '')).rejects.toBeInstanceOf(TypeError);
  });

  it('reads the device token from the Cookie header, and trusts it for its account only', async () => {
    const { service } = throttle();
    const token = await (await service.attempt(request(), 'alice')).succeeded();
    const cookie = { cookie: `other=1; __Host-device=${token}` };
    expect((await service.attempt(request(cookie), 'alice')).trusted).toBe(true);
    expect((await service.attempt(request(cookie), 'bob')).trusted).toBe(false);
    expect((await service.attempt(request(), 'alice', { deviceToken: token })).trusted).toBe(true);
  });

  it('sets Retry-After on the response it was given, and publishes one event per refusal', async () => {
    const { service, events } = throttle(1);
    await service.attempt(request(), 'carol');
    const headers = new Map<string, string>();
    const response = { setHeader: (name: string, value: string) => headers.set(name, value) };
    const refused = await service
      .attempt(request(), 'carol', { response, backend: 'session' })
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(LoginThrottledError);
    expect((refused as LoginThrottledError).getStatus()).toBe(429);
    expect((refused as LoginThrottledError).retryAfterSeconds).toBe(60);
    expect((refused as LoginThrottledError).getResponse()).toEqual({
      statusCode: 429,
      message: 'Too Many Requests',
    });
    expect(headers.get('Retry-After')).toBe('60');
    expect(events.events).toEqual([
      expect.objectContaining({
        type: 'login_throttled',
        backend: 'session',
        reason: 'LOGIN_THROTTLED',
        path: '/login',
        ip: '192.0.2.1',
      }),
    ]);
  });
});
