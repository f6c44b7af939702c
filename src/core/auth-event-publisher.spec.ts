import { Logger } from '@nestjs/common';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FakeClock } from 'nestjs-gatehouse/testing';
import { AuthEventPublisher } from './auth-event-publisher.js';
import type { AuthEvent } from './auth-event.js';
import { AuthEvents, LoggerAuthEvents } from './auth-events.js';

class Kept extends AuthEvents {
  readonly events: AuthEvent[] = [];
  emit(event: AuthEvent): void {
    this.events.push(event);
  }
}

describe('AuthEventPublisher', () => {
  afterEach(() => vi.restoreAllMocks());

  it('stamps the time from the Clock and hands the event on, detail sanitised', () => {
    const clock = new FakeClock(Date.parse('2030-01-01T00:00:00Z'));
    const kept = new Kept();
    const publisher = new AuthEventPublisher(kept, clock);
    publisher.publish({ type: 'login', backend: null, identity: 'ada', detail: 'a\r\nb' });
    clock.advance(1500);
    publisher.publish({ type: 'authentication_failed', backend: 'jwt', reason: 'JWT_EXPIRED' });
    expect(kept.events).toEqual([
      {
        type: 'login',
        at: Date.parse('2030-01-01T00:00:00Z'),
        backend: null,
        identity: 'ada',
        detail: 'ab',
      },
      {
        type: 'authentication_failed',
        at: Date.parse('2030-01-01T00:00:01.500Z'),
        backend: 'jwt',
        reason: 'JWT_EXPIRED',
      },
    ]);
  });

  it('logs a throwing sink once per event, with its type, and never throws', () => {
    const logged = vi.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const broken = new (class extends AuthEvents {
      emit(): void {
        throw new Error('audit database unreachable');
      }
    })();
    const publisher = new AuthEventPublisher(broken, new FakeClock(0));
    expect(() => publisher.publish({ type: 'token_issued', identity: 'ada' })).not.toThrow();
    expect(() =>
      publisher.publish({ type: 'csrf_rejected', reason: 'CSRF_TOKEN_INVALID' }),
    ).not.toThrow();
    expect(logged.mock.calls.map((call) => call[0])).toEqual([
      'auth event sink failed on token_issued',
      'auth event sink failed on csrf_rejected',
    ]);
    expect(String(logged.mock.calls[0]![1])).toContain('audit database unreachable');
  });

  it('logs nothing while the sink works', () => {
    const logged = vi.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    new AuthEventPublisher(new Kept(), new FakeClock(0)).publish({ type: 'logout' });
    expect(logged).not.toHaveBeenCalled();
  });

  it('hands each stamped event to its listeners after the sink, under the same policy', () => {
    const logged = vi.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const kept = new Kept();
    const publisher = new AuthEventPublisher(kept, new FakeClock(5));
    const heard: AuthEvent[] = [];
    const stop = publisher.subscribe((event) => heard.push(event));
    publisher.subscribe(() => {
      throw new Error('listener bug');
    });
    expect(() =>
      publisher.publish({
        type: 'token_revoked',
        identity: 'ada',
        transport: 'ws',
        operation: 'x',
      }),
    ).not.toThrow();
    expect(heard).toEqual([kept.events[0]]);
    expect(heard[0]).toMatchObject({ at: 5, transport: 'ws', operation: 'x' });
    expect(logged.mock.calls.map((call) => call[0])).toEqual([
      'auth event listener failed on token_revoked',
    ]);
    stop();
    publisher.publish({ type: 'logout' });
    expect(heard).toHaveLength(1);
  });

  it('hands a listener that named types only events of those types', () => {
    const publisher = new AuthEventPublisher(new Kept(), new FakeClock(0));
    const heard: string[] = [];
    const everything: string[] = [];
    publisher.subscribe((event) => heard.push(event.type), ['logout', 'token_revoked']);
    publisher.subscribe((event) => everything.push(event.type));
    for (const type of ['authenticated', 'logout', 'login', 'token_revoked']) {
      publisher.publish({ type });
    }
    expect(heard).toEqual(['logout', 'token_revoked']);
    expect(everything).toEqual(['authenticated', 'logout', 'login', 'token_revoked']);
  });

  it('takes one type given as a string as that type, not as the letters of its name', () => {
    const publisher = new AuthEventPublisher(new Kept(), new FakeClock(0));
    const heard: string[] = [];
    publisher.subscribe((event) => heard.push(event.type), 'logout');
    for (const type of ['login', 'logout', 'authenticated']) publisher.publish({ type });
    expect(heard).toEqual(['logout']);
  });

  it('hands successes to a default sink whose emit was replaced after start-up, as a spy is', () => {
    const sink = new LoggerAuthEvents();
    const publisher = new AuthEventPublisher(sink, new FakeClock(0));
    expect(publisher.wants('authenticated')).toBe(false);
    const seen: string[] = [];
    sink.emit = (event) => void seen.push(event.type);
    expect(publisher.wants('authenticated')).toBe(true);
    publisher.publish({ type: 'authenticated' });
    expect(seen).toEqual(['authenticated']);
  });

  it('wants every event for a sink of its own, and a success only when a listener reads it with the default sink', () => {
    const own = new AuthEventPublisher(new Kept(), new FakeClock(0));
    expect(own.wants('authenticated')).toBe(true);
    // A subclass of the default sink with its own emit may log successes: it gets them.
    const logsAll = new (class extends LoggerAuthEvents {
      override emit(): void {}
    })();
    expect(new AuthEventPublisher(logsAll, new FakeClock(0)).wants('authenticated')).toBe(true);

    const quiet = new AuthEventPublisher(new LoggerAuthEvents(), new FakeClock(0));
    expect(quiet.wants('authenticated')).toBe(false);
    expect(quiet.wants('authentication_failed')).toBe(true);
    const stopRevocations = quiet.subscribe(() => undefined, ['token_revoked']);
    expect(quiet.wants('authenticated')).toBe(false);
    const stopAll = quiet.subscribe(() => undefined);
    expect(quiet.wants('authenticated')).toBe(true);
    stopAll();
    expect(quiet.wants('authenticated')).toBe(false);
    stopRevocations();
  });
});
