import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  AuthenticationFailedError,
  AuthUnavailableError,
  PermissionDeniedError,
} from './auth-error.js';
import { dependencyCall, unavailable, withTimeout } from './dependency-call.js';

describe('a failing dependency', () => {
  it('becomes a 503 with the given reason, keeping the original error as its cause', () => {
    const cause = new Error('ECONNREFUSED 127.0.0.1:6379');
    const error = unavailable(cause, 'REVOCATION_STORE_UNAVAILABLE', 'isRevoked');
    expect(error).toBeInstanceOf(AuthUnavailableError);
    expect(error.getStatus()).toBe(503);
    expect(error.reason).toBe('REVOCATION_STORE_UNAVAILABLE');
    expect(error.detail).toBe('isRevoked');
    expect(error.cause).toBe(cause);
    // The generic body never carries the cause.
    expect(JSON.stringify(error.getResponse())).not.toContain('ECONNREFUSED');
  });

  it('lets an auth error thrown on purpose pass as it is', () => {
    const denied = new PermissionDeniedError('PERMISSION_MISSING', { detail: 'scoped key' });
    expect(unavailable(denied, 'DEPENDENCY_UNAVAILABLE')).toBe(denied);
    const gone = new AuthUnavailableError('SESSION_STORE_UNAVAILABLE');
    expect(unavailable(gone, 'DEPENDENCY_UNAVAILABLE')).toBe(gone);
    expect(unavailable(new AuthenticationFailedError(), 'DEPENDENCY_UNAVAILABLE').getStatus()).toBe(
      401,
    );
  });

  it('is refused whether it rejects, or throws before returning a promise', async () => {
    await expect(
      dependencyCall('API_KEY_STORE_UNAVAILABLE', Promise.reject(new Error('down'))),
    ).rejects.toThrow(AuthUnavailableError);
    const throwsAtOnce = (): Promise<number> => {
      throw new TypeError('not a store');
    };
    await expect(dependencyCall('API_KEY_STORE_UNAVAILABLE', throwsAtOnce)).rejects.toBeInstanceOf(
      AuthUnavailableError,
    );
    await expect(dependencyCall('API_KEY_STORE_UNAVAILABLE', async () => 7)).resolves.toBe(7);
  });
});

describe('the time bound', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('rejects a call that does not answer in time', async () => {
    vi.useFakeTimers();
    const hanging = withTimeout(new Promise<never>(() => undefined), 1000, 'Redis');
    const outcome = expect(hanging).rejects.toThrow('Redis did not answer within 1000 ms');
    await vi.advanceTimersByTimeAsync(999);
    expect(vi.getTimerCount()).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    await outcome;
  });

  it("never keeps the process alive: its timer is unref'd", () => {
    const spy = vi.spyOn(globalThis, 'setTimeout');
    const pending = withTimeout(new Promise<never>(() => undefined), 60_000, 'Redis');
    pending.catch(() => undefined);
    const timer = spy.mock.results.at(-1)!.value as NodeJS.Timeout;
    expect(timer.hasRef()).toBe(false);
    clearTimeout(timer);
    spy.mockRestore();
  });

  it('clears its timer as soon as the call answers', async () => {
    vi.useFakeTimers();
    await expect(withTimeout(Promise.resolve('ok'), 1000, 'Redis')).resolves.toBe('ok');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('adds no timer at all when the client bounds its own commands', () => {
    const operation = Promise.resolve(1);
    expect(withTimeout(operation, undefined, 'Redis')).toBe(operation);
  });
});
