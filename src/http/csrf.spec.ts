import { describe, expect, it } from 'vitest';
import type { AuthRequest } from '../core/auth-request.js';
import { AuthConfigurationError } from '../core/auth-error.js';
import { OptionsReader } from '../core/options-reader.js';
import { csrfFailure, newCsrfToken, normaliseOrigin, readTrustedOrigins } from './csrf.js';

const policy = {
  trustedOrigins: new Set(['https://app.example.com']),
  csrfHeader: 'x-csrf-token',
};
const token = newCsrfToken();

const MISSING = { reason: 'CSRF_TOKEN_INVALID', detail: 'header missing' };
const WRONG = { reason: 'CSRF_TOKEN_INVALID', detail: 'header does not match' };
const REPEATED = { reason: 'CSRF_ORIGIN_REJECTED', detail: 'Origin or Sec-Fetch-Site sent twice' };
const crossSite = (site: string) => ({
  reason: 'CSRF_ORIGIN_REJECTED',
  detail: `Sec-Fetch-Site "${site}"`,
});
const crossOrigin = (origin: string) => ({
  reason: 'CSRF_ORIGIN_REJECTED',
  detail: `Origin "${origin}"`,
});

function request(headers: Record<string, string | string[]>): AuthRequest {
  return { method: 'POST', url: '/write', headers: { host: 'api.example.com', ...headers } };
}

describe('csrfFailure', () => {
  it('lets a same-origin write with the right token through', () => {
    const req = request({ origin: 'https://api.example.com', 'x-csrf-token': token });
    expect(csrfFailure(req, token, policy)).toBeNull();
  });

  it('lets a client that sends neither Origin nor Sec-Fetch-Site through on the token alone', () => {
    expect(csrfFailure(request({ 'x-csrf-token': token }), token, policy)).toBeNull();
  });

  it('refuses a cross-site Sec-Fetch-Site whatever the token', () => {
    for (const site of ['cross-site', 'same-site']) {
      const req = request({ 'sec-fetch-site': site, 'x-csrf-token': token });
      expect(csrfFailure(req, token, policy)).toEqual(crossSite(site));
    }
    const own = request({ 'sec-fetch-site': 'same-origin', 'x-csrf-token': token });
    expect(csrfFailure(own, token, policy)).toBeNull();
  });

  it('refuses an Origin that names another host, or is not an origin at all', () => {
    for (const origin of ['https://evil.example', 'https://api.example.com.evil.example', 'null']) {
      const req = request({ origin, 'x-csrf-token': token });
      expect(csrfFailure(req, token, policy)).toEqual(crossOrigin(origin));
    }
  });

  it('compares the port too, with default ports written out or not', () => {
    const other = request({ origin: 'https://api.example.com:8443', 'x-csrf-token': token });
    expect(csrfFailure(other, token, policy)).toEqual(crossOrigin('https://api.example.com:8443'));
    const explicit = request({ origin: 'https://api.example.com:443', 'x-csrf-token': token });
    expect(csrfFailure(explicit, token, policy)).toBeNull();
  });

  it('lets a trusted origin through even with a cross-site Sec-Fetch-Site, but still wants the token', () => {
    const trusted = { origin: 'https://APP.example.com', 'sec-fetch-site': 'cross-site' };
    expect(csrfFailure(request({ ...trusted, 'x-csrf-token': token }), token, policy)).toBeNull();
    expect(csrfFailure(request(trusted), token, policy)).toEqual(MISSING);
  });

  it('refuses a repeated Origin or Sec-Fetch-Site header', () => {
    const req = request({ origin: ['https://api.example.com', 'https://evil.example'] });
    expect(csrfFailure(req, token, policy)).toEqual(REPEATED);
  });

  it('refuses a missing, empty, wrong, repeated or overlong token', () => {
    expect(csrfFailure(request({}), token, policy)).toEqual(MISSING);
    expect(csrfFailure(request({ 'x-csrf-token': '' }), token, policy)).toEqual(MISSING);
    expect(csrfFailure(request({ 'x-csrf-token': `${token}x` }), token, policy)).toEqual(WRONG);
    expect(csrfFailure(request({ 'x-csrf-token': [token, token] }), token, policy)).toEqual(
      MISSING,
    );
    const long = 'a'.repeat(300);
    expect(csrfFailure(request({ 'x-csrf-token': long }), long, policy)).toEqual(WRONG);
  });

  it('refuses any token when there is nothing to compare it with (no CSRF cookie)', () => {
    expect(csrfFailure(request({ 'x-csrf-token': token }), undefined, policy)).toEqual(WRONG);
    expect(csrfFailure(request({ 'x-csrf-token': '' }), '', policy)).toEqual(MISSING);
  });

  it('makes a new 256-bit token each time', () => {
    const a = newCsrfToken();
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(newCsrfToken()).not.toBe(a);
  });
});

describe('trusted origins', () => {
  const read = (value: unknown) =>
    readTrustedOrigins(
      OptionsReader.of('session', { trustedOrigins: value }, ['trustedOrigins']),
      'trustedOrigins',
    );

  it('normalises them to scheme://host[:port], lower case', () => {
    expect([...read(['https://App.Example.com/', 'http://localhost:5173'])]).toEqual([
      'https://app.example.com',
      'http://localhost:5173',
    ]);
    expect(normaliseOrigin('ftp://example.com')).toBeUndefined();
  });

  it('refuses wildcards, paths and non-http schemes, naming the entry', () => {
    for (const bad of [['*'], ['https://a.example/x'], ['ftp://a.example'], 'https://a.example']) {
      expect(() => read(bad)).toThrowError(AuthConfigurationError);
    }
    expect(() => read(['https://ok.example', 'a.example'])).toThrowError(
      /"session\.trustedOrigins\[1\]"/,
    );
  });
});
