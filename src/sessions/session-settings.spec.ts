import { Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { describe, expect, it } from 'vitest';
import {
  AuthConfigurationError,
  AuthModule,
  SessionBackend,
  type SessionOptions,
} from 'nestjs-gatehouse';
import { SESSION_SECRET, SessionUsers } from '../../test/apps/session.app.js';
import { SessionSettings } from './session-settings.js';

/** Compiles a module with `session` options and returns its SessionSettings. */
async function settings(session: SessionOptions | undefined): Promise<SessionSettings> {
  @Module({
    imports: [
      AuthModule.forRoot({
        backends: [SessionBackend],
        userModel: SessionUsers,
        ...(session === undefined ? {} : { session }),
      }),
    ],
  })
  class AppModule {}
  const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
  return moduleRef.get(SessionSettings);
}

const secret = SESSION_SECRET;

describe('session options are validated at bootstrap', () => {
  it('has secure defaults', async () => {
    const s = await settings({ secret });
    // Secure by default, and so __Host- by default: a sibling subdomain cannot plant it.
    expect(s.cookieName).toBe('__Host-gatehouse.sid');
    expect((await settings({ secret, secure: false })).cookieName).toBe('gatehouse.sid');
    expect((await settings({ secret, hostPrefix: false })).cookieName).toBe('gatehouse.sid');
    expect(s.secure).toBe(true);
    expect(s.sameSite).toBe('lax');
    expect(s.idleTimeoutMs).toBe(30 * 60_000);
    expect(s.absoluteTimeoutMs).toBe(8 * 3_600_000);
    expect(s.csrfHeader).toBe('x-csrf-token');
    expect(s.trustedOrigins.size).toBe(0);
  });

  it('prefixes the name with __Host- on request, and normalises origins', async () => {
    const s = await settings({
      secret: [secret, `${secret}-old`],
      cookieName: 'app.sid',
      hostPrefix: true,
      trustedOrigins: ['https://App.Example.com/', 'http://localhost:5173'],
      csrfHeader: 'X-XSRF-Token',
    });
    expect(s.cookieName).toBe('__Host-app.sid');
    expect(s.secrets).toHaveLength(2);
    expect([...s.trustedOrigins]).toEqual(['https://app.example.com', 'http://localhost:5173']);
    expect(s.csrfHeader).toBe('x-xsrf-token');
  });

  const invalid: [string, SessionOptions | undefined, RegExp][] = [
    ['no session options', undefined, /"session": is missing/],
    ['no secret', { secret: '' }, /"session.secret": is shorter than 32/],
    ['a short secret', { secret: 'short' }, /"session.secret": is shorter than 32/],
    ['an empty secret list', { secret: [] }, /"session.secret": is missing/],
    ['a short rotated secret', { secret: [secret, 'x'] }, /"session.secret\[1\]"/],
    ['the express default name', { secret, cookieName: 'connect.sid' }, /framework default/],
    ['the fastify default name', { secret, cookieName: 'sessionId' }, /framework default/],
    ['an invalid name', { secret, cookieName: 'a b;c' }, /not a valid cookie name/],
    ['a hand-written prefix', { secret, cookieName: '__Host-x' }, /hostPrefix: true/],
    ['__Host- without Secure', { secret, hostPrefix: true, secure: false }, /needs a Secure/],
    ['SameSite=None without Secure', { secret, sameSite: 'none', secure: false }, /sameSite/],
    ['an unknown SameSite', { secret, sameSite: 'loose' as 'lax' }, /not one of/],
    ['a zero idle timeout', { secret, idleTimeoutSeconds: 0 }, /idleTimeoutSeconds/],
    ['a fractional timeout', { secret, absoluteTimeoutSeconds: 1.5 }, /absoluteTimeoutSeconds/],
    [
      'an absolute timeout below the idle one',
      { secret, idleTimeoutSeconds: 600, absoluteTimeoutSeconds: 60 },
      /shorter than idleTimeoutSeconds/,
    ],
    [
      'a trusted origin with a path',
      { secret, trustedOrigins: ['https://a.example/x'] },
      /not an origin/,
    ],
    ['a trusted origin without scheme', { secret, trustedOrigins: ['a.example'] }, /not an origin/],
    ['a wildcard origin', { secret, trustedOrigins: ['*'] }, /not an origin/],
    ['an invalid CSRF header', { secret, csrfHeader: 'X CSRF' }, /csrfHeader/],
    ['a non-boolean secure', { secret, secure: 'no' as unknown as boolean }, /session.secure/],
  ];

  it.each(invalid)('refuses %s', async (_name, session, message) => {
    const error = await settings(session).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthConfigurationError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).toMatch(/Fix: /);
  });
});
