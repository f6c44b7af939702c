import { describe, expect, it } from 'vitest';
import { expectConfigurationError } from '../../test/support/configuration-error.js';
import type { OidcOptions } from './oidc-options.js';
import { OidcSettings } from './oidc-settings.js';

const ISSUER = 'https://login.example.com/tenant/';
const minimal = { issuer: ISSUER, audience: 'api' };

/** Expects the options to fail at bootstrap, naming `option`. */
function refuses(options: unknown, option: string, problem?: RegExp): void {
  expectConfigurationError(() => new OidcSettings(options as OidcOptions), option, problem);
}

describe('OIDC options validation', () => {
  it('fills the defaults of a minimal issuer', () => {
    const s = new OidcSettings({ issuers: [minimal] });
    expect(s.name).toBe('oidc');
    expect(s.cacheSize).toBe(10_000);
    const [issuer] = s.issuers;
    expect(issuer).toMatchObject({
      issuer: ISSUER,
      audience: ['api'],
      discoveryUrl: 'https://login.example.com/tenant/.well-known/openid-configuration',
      acceptTypJwt: false,
      identityClaim: 'sub',
      rolesClaim: undefined,
      narrowByScopes: true,
      toleranceMs: 5000,
      maxAgeMs: undefined,
      jwksMaxAgeMs: 600_000,
      jwksCooldownMs: 30_000,
      timeoutMs: 5000,
      introspection: undefined,
    });
    expect([...issuer!.algorithms]).toEqual([
      'RS256',
      'RS384',
      'RS512',
      'PS256',
      'PS384',
      'PS512',
      'ES256',
      'ES384',
      'ES512',
      'EdDSA',
    ]);
  });

  it('requires the oidc section, issuers, an issuer URL and an audience', () => {
    refuses(undefined, 'oidc', /missing/);
    refuses({ issuers: [] }, 'oidc.issuers', /no issuer/);
    refuses({ issuers: [{ audience: 'api' }] }, 'oidc.issuers[0].issuer', /missing/);
    refuses({ issuers: [{ issuer: ISSUER }] }, 'oidc.issuers[0].audience', /any other API/);
    refuses({ issuers: [{ issuer: ISSUER, audience: [] }] }, 'oidc.issuers[0].audience');
    refuses(
      { issuers: [{ ...minimal, audiences: 'api' }] },
      'oidc.issuers[0].audiences',
      /not a known option/,
    );
    refuses({ issuers: [minimal], issuer: ISSUER }, 'oidc.issuer', /not a known option/);
  });

  it('takes HTTPS, or plain HTTP on loopback only, without query, fragment or credentials', () => {
    for (const issuer of [
      'http://login.example.com',
      'http://10.0.0.1',
      'ftp://login.example.com',
      'https://user:pass@login.example.com',
      'https://login.example.com/#x',
      'not a url',
    ]) {
      refuses({ issuers: [{ issuer, audience: 'api' }] }, 'oidc.issuers[0].issuer');
    }
    refuses(
      { issuers: [{ issuer: `${ISSUER}?tenant=a`, audience: 'api' }] },
      'oidc.issuers[0].issuer',
      /query/,
    );
    refuses(
      {
        issuers: [
          { ...minimal, discoveryUrl: 'http://sso.example.com/.well-known/openid-configuration' },
        ],
      },
      'oidc.issuers[0].discoveryUrl',
      /loopback/,
    );
    for (const issuer of [
      'http://127.0.0.1:8080',
      'http://[::1]:8080/x',
      'http://localhost:9000',
    ]) {
      expect(() => new OidcSettings({ issuers: [{ issuer, audience: 'api' }] })).not.toThrow();
    }
  });

  it('derives the discovery URL without doubling a trailing slash, or takes the given one', () => {
    const s = new OidcSettings({
      issuers: [
        { issuer: 'https://a.example.com', audience: 'api' },
        {
          issuer: 'https://b.example.com/',
          audience: 'api',
          discoveryUrl: 'https://b.example.com/meta',
        },
      ],
    });
    expect(s.issuers.map((i) => i.discoveryUrl)).toEqual([
      'https://a.example.com/.well-known/openid-configuration',
      'https://b.example.com/meta',
    ]);
  });

  it('never accepts HS*, none or unknown algorithms', () => {
    for (const alg of ['HS256', 'hs512', 'none', 'NONE']) {
      refuses(
        { issuers: [{ ...minimal, algorithms: [alg] }] },
        'oidc.issuers[0].algorithms',
        /never accepted/,
      );
    }
    refuses(
      { issuers: [{ ...minimal, algorithms: ['RS999'] }] },
      'oidc.issuers[0].algorithms',
      /unknown/,
    );
    refuses({ issuers: [{ ...minimal, algorithms: [] }] }, 'oidc.issuers[0].algorithms');
    const s = new OidcSettings({ issuers: [{ ...minimal, algorithms: ['ES256'] }] });
    expect([...s.issuers[0]!.algorithms]).toEqual(['ES256']);
  });

  it('refuses an issuer configured twice, and introspection on more than one issuer', () => {
    refuses(
      { issuers: [minimal, { ...minimal, audience: 'other' }] },
      'oidc.issuers[1].issuer',
      /twice/,
    );
    const introspection = { clientId: 'rs', clientSecret: 'secret' };
    refuses(
      {
        issuers: [
          { ...minimal, introspection },
          { issuer: 'https://other.example.com', audience: 'api', introspection },
        ],
      },
      'oidc.issuers[1].introspection',
      /opaque token does not say who issued it/,
    );
    refuses(
      { issuers: [{ ...minimal, introspection: { clientId: 'rs' } }] },
      'oidc.issuers[0].introspection.clientSecret',
      /missing/,
    );
    refuses(
      {
        issuers: [
          {
            ...minimal,
            introspection: { ...introspection, endpoint: 'http://idp.example.com/introspect' },
          },
        ],
      },
      'oidc.issuers[0].introspection.endpoint',
    );
    const s = new OidcSettings({ issuers: [{ ...minimal, introspection }] });
    expect(s.issuers[0]!.introspection).toEqual({
      clientId: 'rs',
      clientSecret: 'secret',
      endpoint: undefined,
      cacheMs: 60_000,
      cacheSize: 10_000,
    });
  });

  it('reads the roles claim as paths: a dotted name whole first, then split; an array as given', () => {
    const paths = (rolesClaim: unknown) =>
      new OidcSettings({ issuers: [{ ...minimal, rolesClaim } as never] }).issuers[0]!.rolesClaim;
    expect(paths('roles')).toEqual([['roles']]);
    expect(paths('realm_access.roles')).toEqual([
      ['realm_access.roles'],
      ['realm_access', 'roles'],
    ]);
    expect(paths('https://example.com/roles')).toEqual([
      ['https://example.com/roles'],
      ['https://example', 'com/roles'],
    ]);
    expect(paths(['https://example.com/roles'])).toEqual([['https://example.com/roles']]);
    expect(paths('a..b')).toEqual([['a..b']]);
    refuses({ issuers: [{ ...minimal, rolesClaim: '' }] }, 'oidc.issuers[0].rolesClaim');
    refuses({ issuers: [{ ...minimal, rolesClaim: [] }] }, 'oidc.issuers[0].rolesClaim');
  });

  it('checks names, durations and the tolerance', () => {
    refuses({ name: 'has space', issuers: [minimal] }, 'oidc.name', /backend name/);
    expect(new OidcSettings({ name: 'staff', issuers: [minimal] }).name).toBe('staff');
    refuses(
      { issuers: [{ ...minimal, clockToleranceSeconds: 301 }] },
      'oidc.issuers[0].clockToleranceSeconds',
      /300/,
    );
    refuses(
      { issuers: [{ ...minimal, jwks: { cooldownSeconds: 0 } }] },
      'oidc.issuers[0].jwks.cooldownSeconds',
    );
    refuses(
      { issuers: [{ ...minimal, jwks: { maxAge: 5 } }] },
      'oidc.issuers[0].jwks.maxAge',
      /not a known option/,
    );
    refuses(
      { issuers: [{ ...minimal, requestTimeoutSeconds: 61 }] },
      'oidc.issuers[0].requestTimeoutSeconds',
    );
    refuses({ issuers: [{ ...minimal, acceptTypJwt: 'yes' }] }, 'oidc.issuers[0].acceptTypJwt');
    const s = new OidcSettings({
      issuers: [
        { ...minimal, jwks: { maxAgeSeconds: 60, cooldownSeconds: 5 }, maxTokenAgeSeconds: 3600 },
      ],
    });
    expect(s.issuers[0]).toMatchObject({
      jwksMaxAgeMs: 60_000,
      jwksCooldownMs: 5000,
      maxAgeMs: 3_600_000,
    });
  });
});
