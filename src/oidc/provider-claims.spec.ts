import { describe, expect, it } from 'vitest';
import { OidcSettings } from './oidc-settings.js';
import type { OidcIssuerOptions } from './oidc-options.js';
import { acceptClaims, type ClaimsSource } from './provider-claims.js';

const ISS = 'https://idp.example.com/';
const NOW = Date.parse('2030-01-01T00:00:00Z');
const t = NOW / 1000;

function accept(
  claims: Record<string, unknown>,
  options: Partial<OidcIssuerOptions> = {},
  source: ClaimsSource = 'jwt',
) {
  const settings = new OidcSettings({ issuers: [{ issuer: ISS, audience: 'api', ...options }] });
  return acceptClaims(
    'oidc',
    settings.issuers[0]!,
    { iss: ISS, aud: 'api', sub: 'ada', iat: t, exp: t + 60, ...claims },
    source,
    NOW,
  );
}

describe('acceptClaims', () => {
  it('builds the result: identity, issuer, scopes, roles, jti, frozen claims, never fresh', () => {
    const result = accept(
      { scope: 'a b', jti: 'j1', realm_access: { roles: ['x', 7, 'y'] } },
      {
        rolesClaim: 'realm_access.roles',
      },
    );
    expect(result).toMatchObject({
      success: {
        backend: 'oidc',
        identity: 'ada',
        issuer: ISS,
        scopes: ['a', 'b'],
        roles: ['x', 'y'],
        credentialId: 'j1',
        fresh: false,
        issuedAt: NOW,
      },
    });
    const success = 'success' in result ? result.success : undefined;
    expect(Object.isFrozen(success?.claims?.realm_access)).toBe(true);
  });

  it('reads scp as an array (Okta) or a string (Entra ID), and scope first', () => {
    expect(accept({ scp: ['a', 'b'] })).toMatchObject({ success: { scopes: ['a', 'b'] } });
    expect(accept({ scp: 'a b' })).toMatchObject({ success: { scopes: ['a', 'b'] } });
    expect(accept({ scope: 'c', scp: ['a'] })).toMatchObject({ success: { scopes: ['c'] } });
    expect(accept({})).toMatchObject({ success: { scopes: undefined } });
    expect(accept({ scope: 'a' }, { narrowByScopes: false })).toMatchObject({
      success: { scopes: undefined },
    });
    expect(accept({ scope: ['a'] })).toEqual({
      reason: 'JWT_CLAIM_INVALID',
      detail: 'scope malformed',
    });
    expect(accept({ scp: [1] })).toEqual({
      reason: 'JWT_CLAIM_INVALID',
      detail: 'scope malformed',
    });
  });

  it('finds roles by a whole dotted name first, then by the path, else none', () => {
    const roles = (
      claims: Record<string, unknown>,
      rolesClaim: OidcIssuerOptions['rolesClaim'],
    ) => {
      const result = accept(claims, { rolesClaim });
      return 'success' in result ? result.success.roles : result;
    };
    expect(roles({ 'https://example.com/roles': ['admin'] }, 'https://example.com/roles')).toEqual([
      'admin',
    ]);
    expect(roles({ a: { b: 'one' } }, 'a.b')).toEqual(['one']);
    expect(roles({ 'a.b': ['whole'], a: { b: ['path'] } }, 'a.b')).toEqual(['whole']);
    expect(roles({ a: { b: 5 } }, 'a.b')).toEqual([]);
    expect(roles({}, 'roles')).toEqual([]);
    expect(roles({ roles: { constructor: ['x'] } }, 'roles.constructor')).toEqual(['x']);
    expect(roles({ roles: {} }, 'roles.constructor')).toEqual([]);
    expect(roles({ roles: ['r'] }, undefined)).toBeUndefined();
  });

  it('requires iss, aud, exp and the identity in a JWT; an introspection answer may omit iss and exp', () => {
    expect(accept({ iss: undefined })).toMatchObject({ reason: 'OIDC_ISS_MISMATCH' });
    expect(accept({ aud: undefined })).toEqual({
      reason: 'JWT_AUD_MISMATCH',
      detail: 'expected "api", received none',
    });
    expect(accept({ exp: undefined })).toEqual({
      reason: 'JWT_CLAIM_INVALID',
      detail: 'exp missing',
    });
    expect(accept({ sub: '' })).toEqual({ reason: 'JWT_CLAIM_INVALID', detail: 'sub malformed' });
    expect(accept({ sub: 'x'.repeat(1025) })).toEqual({
      reason: 'JWT_CLAIM_INVALID',
      detail: 'sub malformed',
    });
    expect(accept({ iss: undefined, exp: undefined }, {}, 'introspection')).toMatchObject({
      success: { identity: 'ada' },
    });
    expect(accept({ iss: 'https://other/' }, {}, 'introspection')).toMatchObject({
      reason: 'OIDC_ISS_MISMATCH',
      detail: 'expected "https://idp.example.com/", received "https://other/"',
    });
    expect(accept({ exp: 'soon' }, {}, 'introspection')).toEqual({
      reason: 'JWT_CLAIM_INVALID',
      detail: 'exp malformed',
    });
  });

  it('needs iat for a maximum age, and applies it with the tolerance', () => {
    expect(accept({ iat: undefined }, { maxTokenAgeSeconds: 60 })).toEqual({
      reason: 'JWT_CLAIM_INVALID',
      detail: 'iat missing',
    });
    expect(accept({ iat: t - 64 }, { maxTokenAgeSeconds: 60 })).toHaveProperty('success');
    expect(accept({ iat: t - 65 }, { maxTokenAgeSeconds: 60 })).toEqual({
      reason: 'JWT_EXPIRED',
      detail: 'older than oidc.issuers[0].maxTokenAgeSeconds',
    });
    expect(accept({ iat: undefined })).toHaveProperty('success');
  });

  it('shows received values cut short and without control characters', () => {
    const result = accept({ aud: `evil\n\u0007${'x'.repeat(100)}` });
    expect(result).toMatchObject({ reason: 'JWT_AUD_MISMATCH' });
    const detail = 'detail' in result ? result.detail! : '';
    expect(detail).not.toContain('\n');
    expect(detail).not.toContain(String.fromCharCode(7));
    expect(detail.length).toBeLessThan(100);
  });
});
