import { describe, expect, it } from 'vitest';
import {
  AuthenticationFailedError,
  AuthUnavailableError,
  PermissionDeniedError,
} from './auth-error.js';
import {
  AUTH_REASONS,
  isAuthReasonCode,
  MAX_DETAIL_LENGTH,
  MAX_RECEIVED_LENGTH,
  mismatch,
  oneOf,
  received,
  sanitizeDetail,
} from './auth-reason.js';
import { AuthResults } from './auth-result.js';

/** A log line an attacker would like to smuggle in: a newline, a fake entry, terminal escapes. */
const FORGED =
  'ok\r\n2030-01-01T00:00:00Z INFO login succeeded user=admin\u001b[31m\u0000\u2028\u202e';

describe('AUTH_REASONS', () => {
  it('is frozen, and lists UPPER_SNAKE codes grouped by feature, each with one line', () => {
    expect(Object.isFrozen(AUTH_REASONS)).toBe(true);
    const codes = Object.keys(AUTH_REASONS);
    expect(codes.length).toBeGreaterThan(20);
    for (const code of codes) {
      expect(code).toMatch(/^[A-Z]+(_[A-Z]+)+$/);
      const description = AUTH_REASONS[code as keyof typeof AUTH_REASONS];
      expect(description).toMatch(/^[A-Z].+\.$/);
      expect(description).not.toContain('\n');
    }
    expect(new Set(Object.values(AUTH_REASONS)).size).toBe(codes.length);
  });

  it('isAuthReasonCode accepts exactly the codes of the table', () => {
    expect(isAuthReasonCode('JWT_EXPIRED')).toBe(true);
    expect(isAuthReasonCode('jwt expired')).toBe(false);
    expect(isAuthReasonCode('toString')).toBe(false);
    expect(isAuthReasonCode(undefined)).toBe(false);
  });
});

describe('details', () => {
  it('sanitizeDetail strips control, separator and bidi characters and caps the length', () => {
    expect(sanitizeDetail(FORGED)).toBe(
      'ok2030-01-01T00:00:00Z INFO login succeeded user=admin[31m',
    );
    const long = sanitizeDetail('y'.repeat(10_000))!;
    expect(long).toHaveLength(MAX_DETAIL_LENGTH);
    expect(long.endsWith('…')).toBe(true);
    expect(sanitizeDetail(undefined)).toBeUndefined();
  });

  it('received quotes a request value, sanitised and cut, and names other kinds', () => {
    expect(received('at+jwt')).toBe('"at+jwt"');
    expect(received(FORGED)).toBe(`"${sanitizeDetail(FORGED)}"`);
    expect(received('z'.repeat(1000))).toHaveLength(MAX_RECEIVED_LENGTH + 2);
    expect(received(['a', 1])).toBe('["a", a number]');
    expect(received(undefined)).toBe('none');
    expect(received(null)).toBe('null');
    expect(received({ kid: 'x' })).toBe('an object');
    // A cut never leaves half of a surrogate pair.
    const emoji = received(`${'e'.repeat(MAX_RECEIVED_LENGTH - 2)}😀😀`);
    expect(emoji).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])/);
  });

  it('mismatch and oneOf say what was expected and what came', () => {
    expect(mismatch(oneOf(['JWT']), 'at+jwt')).toBe('expected "JWT", received "at+jwt"');
    expect(mismatch(oneOf(['a', 'b']), ['c'])).toBe('expected one of "a", "b", received ["c"]');
  });

  it('failures and errors sanitise the detail they are given', () => {
    expect(AuthResults.invalid('x', 'CREDENTIAL_INVALID', FORGED).detail).toBe(
      sanitizeDetail(FORGED),
    );
    expect(AuthResults.forbidden('x', 'CSRF_TOKEN_INVALID', FORGED)).toMatchObject({
      reason: 'CSRF_TOKEN_INVALID',
      detail: sanitizeDetail(FORGED),
      forbidden: true,
    });
    const error = new AuthenticationFailedError('JWT_EXPIRED', { detail: FORGED });
    expect([error.reason, error.detail]).toEqual(['JWT_EXPIRED', sanitizeDetail(FORGED)]);
  });

  it('errors keep their class code, default to a reason code, and answer generically', () => {
    const cases = [
      [new AuthenticationFailedError(), 'AUTHENTICATION_FAILED', 'CREDENTIAL_INVALID', 401],
      [new PermissionDeniedError(), 'PERMISSION_DENIED', 'PERMISSION_MISSING', 403],
      [new AuthUnavailableError(), 'AUTH_UNAVAILABLE', 'DEPENDENCY_UNAVAILABLE', 503],
    ] as const;
    for (const [error, code, reason, status] of cases) {
      expect([error.code, error.reason, error.getStatus()]).toEqual([code, reason, status]);
    }
    const detailed = new PermissionDeniedError('CSRF_ORIGIN_REJECTED', { detail: 'Origin "x"' });
    expect(JSON.stringify(detailed.getResponse())).toBe('{"statusCode":403,"message":"Forbidden"}');
    expect(detailed.message).toBe('Forbidden');
  });
});
