import { generateKeyPairSync, sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { FakeClock } from 'nestjs-gatehouse/testing';
import {
  b64url,
  ecdsaSpellings,
  forge,
  jti,
  makeKeys,
  part,
  testJwtOptions,
  tokenMaker,
  unpart,
} from '../../test/support/jwt-forge.js';
import { InMemoryRevocationStore } from './revocation/in-memory-revocation.store.js';
import type { JwtOptions } from './jwt-options.js';
import { JwtSettings } from './jwt-settings.js';
import type { TokenType, VerifiedToken } from './token-claims.js';
import { JwtVerifier } from './jwt-verifier.js';

const keys = makeKeys();
const START = Date.parse('2030-01-01T00:00:00Z');
const ISS = 'gatehouse-test';
const AUD = 'gatehouse-api';
const OPTIONS = testJwtOptions(keys, { issuer: ISS, audience: AUD });
const TOLERANCE_MS = OPTIONS.clockToleranceSeconds! * 1000;
/** The longest lifetime these options allow an access token, the tolerance included. */
const ACCESS_LONGEST_S = OPTIONS.accessTokenTtlSeconds! + OPTIONS.clockToleranceSeconds!;

/** A verifier over `options` (validated as at bootstrap), on a fake clock. */
function verifierFor(options: JwtOptions = OPTIONS) {
  const clock = new FakeClock(START);
  const verifier = new JwtVerifier(new JwtSettings(options), clock);
  const maker = tokenMaker(() => clock.now(), {
    issuer: ISS,
    audience: AUD,
    kid: 'hs-new',
    secret: keys.hsNew,
  });
  return { clock, verifier, ...maker };
}

/** Verifies and expects a token; the reason of a refusal is shown, never pinned. */
async function accepted(
  verifier: JwtVerifier,
  token: string,
  type: TokenType = 'access',
): Promise<VerifiedToken> {
  const result = await verifier.verify(token, type);
  if (!result.ok) expect.fail(`refused: ${JSON.stringify(result)}`);
  return result.token;
}

async function refused(verifier: JwtVerifier, token: string, type: TokenType = 'access') {
  const result = await verifier.verify(token, type);
  expect(result.ok, 'accepted a token that must be refused').toBe(false);
}

describe('JwtVerifier', () => {
  describe('what it returns', () => {
    it('verifies every configured key with its own algorithm (HS old and new, RS, PS, ES, EdDSA)', async () => {
      const { verifier, header, claims } = verifierFor();
      const cases = [
        ['hs-new', 'HS256', keys.hsNew],
        ['hs-old', 'HS256', keys.hsOld],
        ['rsa', 'RS256', keys.rsa.privateKey],
        ['ps', 'PS256', keys.ps.privateKey],
        ['ec', 'ES256', keys.ec.privateKey],
        ['ed', 'EdDSA', keys.ed.privateKey],
      ] as const;
      for (const [kid, alg, key] of cases) {
        const token = forge(header(kid, alg), claims({ sub: `user-${kid}` }), alg, key);
        const verified = await accepted(verifier, token);
        expect(verified).toMatchObject({ kid, subject: `user-${kid}`, type: 'access' });
      }
    });

    it('reports the claims in milliseconds, with the jti as id, and frozen', async () => {
      const { verifier, hs, now } = verifierFor();
      const id = jti();
      const iat = now() - 10.25;
      const token = hs({ iat, nbf: now() - 5, exp: now() + 60, jti: id, ctx: { tenant: 't1' } });
      const verified = await accepted(verifier, token);
      expect(verified).toMatchObject({
        type: 'access',
        kid: 'hs-new',
        subject: 'alice',
        id,
        family: undefined,
        issuedAt: Math.round(iat * 1000),
        expiresAt: (now() + 60) * 1000,
        notBefore: (now() - 5) * 1000,
        fresh: false,
        scopes: undefined,
      });
      expect(verified.claims).toMatchObject({ iss: ISS, aud: AUD, ctx: { tenant: 't1' } });
      expect(Object.isFrozen(verified)).toBe(true);
      expect(Object.isFrozen(verified.claims)).toBe(true);
      expect(Object.isFrozen(verified.claims.ctx)).toBe(true);
    });

    it('splits the scope claim on spaces', async () => {
      const { verifier, hs } = verifierFor();
      const verified = await accepted(verifier, hs({ scope: ' reports:read  reports:write ' }));
      expect(verified.scopes).toEqual(['reports:read', 'reports:write']);
      expect((await accepted(verifier, hs({ scope: '' }))).scopes).toEqual([]);
      await refused(verifier, hs({ scope: ['reports:read'] }));
    });

    it('calls an access token fresh only when its fresh claim is exactly true', async () => {
      const { verifier, hs } = verifierFor();
      expect((await accepted(verifier, hs({ fresh: true }))).fresh).toBe(true);
      expect((await accepted(verifier, hs({ fresh: 'true' }))).fresh).toBe(false);
      expect((await accepted(verifier, hs({ fresh: 1 }))).fresh).toBe(false);
    });

    it('reads the identity from the configured claim', async () => {
      const { verifier, hs } = verifierFor({ ...OPTIONS, identityClaim: 'uid' });
      expect((await accepted(verifier, hs({ uid: 'u-7' }))).subject).toBe('u-7');
      await refused(verifier, hs());
    });
  });

  describe('algorithms: an allowlist, and each key bound to one', () => {
    it('never accepts alg "none", in any spelling, signed or not', async () => {
      const { verifier, header, claims } = verifierFor();
      for (const alg of ['none', 'None', 'NONE', 'nOnE']) {
        await refused(verifier, `${part(header('hs-new', alg))}.${part(claims())}.`);
        await refused(verifier, `${part({ alg, typ: 'at+jwt' })}.${part(claims())}.`);
        await refused(verifier, `${part(header('hs-new', alg))}.${part(claims())}.${b64url('x')}`);
      }
    });

    it('refuses an algorithm outside the allowlist, even signed with a configured secret', async () => {
      const { verifier, header, claims } = verifierFor();
      for (const alg of ['HS512', 'HS384']) {
        await refused(verifier, forge(header('hs-new', alg), claims(), alg, keys.hsNew));
      }
      // Names are case-sensitive: a lower-case spelling is another, unknown algorithm.
      await refused(verifier, forge(header('hs-new', 'hs256'), claims(), 'HS256', keys.hsNew));
    });

    it('refuses a missing or non-string alg', async () => {
      const { verifier, header, claims } = verifierFor();
      for (const alg of [undefined, 256, ['HS256'], { name: 'HS256' }]) {
        const token = forge({ ...header('hs-new', 'HS256'), alg }, claims(), 'HS256', keys.hsNew);
        await refused(verifier, token);
      }
    });

    it('refuses an HS256 token "signed" with the RSA public key, whatever its kid', async () => {
      const { verifier, header, claims } = verifierFor();
      for (const kid of ['rsa', 'hs-new', undefined]) {
        const h = kid === undefined ? { alg: 'HS256', typ: 'at+jwt' } : header(kid, 'HS256');
        await refused(verifier, forge(h, claims(), 'HS256', keys.rsaPublicPem));
      }
    });

    it('refuses HS256 signed with the public key where RS256 is the only algorithm', async () => {
      const { verifier, claims } = verifierFor({
        algorithms: ['RS256'],
        publicKey: keys.rsa.publicKey,
        issuer: ISS,
        audience: AUD,
      });
      const rs = forge({ alg: 'RS256', typ: 'at+jwt' }, claims(), 'RS256', keys.rsa.privateKey);
      await accepted(verifier, rs);
      await refused(
        verifier,
        forge({ alg: 'HS256', typ: 'at+jwt' }, claims(), 'HS256', keys.rsaPublicPem),
      );
    });

    it("refuses a token whose alg is allowed but is not its key's algorithm", async () => {
      const { verifier, header, claims } = verifierFor();
      // An RS256 signature under the PS256 key's kid, and the other way round.
      await refused(verifier, forge(header('ps', 'RS256'), claims(), 'RS256', keys.ps.privateKey));
      await refused(
        verifier,
        forge(header('rsa', 'PS256'), claims(), 'PS256', keys.rsa.privateKey),
      );
      await refused(verifier, forge(header('ed', 'ES256'), claims(), 'ES256', keys.ec.privateKey));
    });

    it('refuses an ES256 signature in DER form instead of the JWS form', async () => {
      const { verifier, header, claims } = verifierFor();
      const input = `${part(header('ec', 'ES256'))}.${part(claims())}`;
      const der = sign('sha256', Buffer.from(input), keys.ec.privateKey).toString('base64url');
      await refused(verifier, `${input}.${der}`);
      await accepted(verifier, forge(header('ec', 'ES256'), claims(), 'ES256', keys.ec.privateKey));
    });
  });

  describe('ECDSA signatures have one spelling: S at most n/2', () => {
    it.each([
      ['ES256', 'P-256'],
      ['ES384', 'P-384'],
      ['ES512', 'P-521'],
    ] as const)(
      '%s: accepts the low-S signature and refuses its high-S twin',
      async (alg, curve) => {
        const ec = generateKeyPairSync('ec', { namedCurve: curve });
        const { verifier, claims } = verifierFor({
          algorithms: [alg],
          keys: [{ kid: 'ec', publicKey: ec.publicKey }],
        });
        const token = forge({ alg, typ: 'at+jwt', kid: 'ec' }, claims(), alg, ec.privateKey);
        const { low, high } = ecdsaSpellings(token, alg);
        expect(await verifier.verify(high, 'access')).toMatchObject({
          ok: false,
          reason: 'JWT_SIGNATURE_NOT_CANONICAL',
        });
        await accepted(verifier, low);
        // Cached or not, the twin stays refused.
        expect(await verifier.verify(high, 'access')).toMatchObject({
          reason: 'JWT_SIGNATURE_NOT_CANONICAL',
        });
      },
    );
  });

  describe('kid selects among the configured keys only', () => {
    it('refuses an unknown kid, and a kid naming a key that did not sign', async () => {
      const { verifier, header, claims } = verifierFor();
      await refused(verifier, forge(header('nope', 'HS256'), claims(), 'HS256', keys.hsNew));
      await refused(verifier, forge(header('hs-old', 'HS256'), claims(), 'HS256', keys.hsNew));
      await refused(
        verifier,
        forge(header('ec', 'ES256'), claims(), 'ES256', keys.attacker.privateKey),
      );
    });

    it('refuses a kid that is not a string', async () => {
      const { verifier, claims } = verifierFor();
      for (const kid of [1, null, ['hs-new'], { id: 'hs-new' }, '']) {
        const h = { alg: 'HS256', typ: 'at+jwt', kid };
        await refused(verifier, forge(h, claims(), 'HS256', keys.hsNew));
      }
    });

    it('picks the only key of the algorithm when kid is absent, and refuses when there are several', async () => {
      const { verifier, claims } = verifierFor();
      const noKid = (alg: string) => ({ alg, typ: 'at+jwt' });
      await accepted(verifier, forge(noKid('ES256'), claims(), 'ES256', keys.ec.privateKey));
      await accepted(verifier, forge(noKid('EdDSA'), claims(), 'EdDSA', keys.ed.privateKey));
      // Two HS256 keys: which one is meant cannot be guessed, not even by trying both.
      await refused(verifier, forge(noKid('HS256'), claims(), 'HS256', keys.hsNew));
      await refused(verifier, forge(noKid('HS256'), claims(), 'HS256', keys.hsOld));
    });

    it('never follows jwk, jku or x5u headers', async () => {
      const { verifier, header, claims } = verifierFor();
      const attacker = keys.attacker.privateKey;
      const jwk = keys.attacker.publicKey.export({ format: 'jwk' });
      await refused(
        verifier,
        forge({ alg: 'ES256', typ: 'at+jwt', jwk }, claims(), 'ES256', attacker),
      );
      await refused(
        verifier,
        forge(
          { alg: 'ES256', typ: 'at+jwt', kid: 'evil', jku: 'https://evil.example/jwks.json' },
          claims(),
          'ES256',
          attacker,
        ),
      );
      await refused(
        verifier,
        forge(
          header('ec', 'ES256', { x5u: 'https://evil.example/c.pem' }),
          claims(),
          'ES256',
          attacker,
        ),
      );
    });

    it('refuses a validly signed token with a crit header', async () => {
      const { verifier, hs } = verifierFor();
      await refused(verifier, hs({}, { crit: ['exp'] }));
      await refused(verifier, hs({}, { crit: [] }));
    });
  });

  describe('signatures and tampering', () => {
    it('refuses a tampered payload under the original signature, also once the original is cached', async () => {
      const { verifier, hs } = verifierFor();
      const token = hs();
      await accepted(verifier, token);
      const [h, p, s] = token.split('.') as [string, string, string];
      const root = part({ ...unpart(p), sub: 'root' });
      await refused(verifier, `${h}.${root}.${s}`);
      const header = part({ ...unpart(h), kid: 'hs-old' });
      await refused(verifier, `${header}.${p}.${s}`);
      await accepted(verifier, token);
    });

    it('refuses a flipped, cut or borrowed signature', async () => {
      const { verifier, hs, header, claims } = verifierFor();
      const [h, p, s] = hs().split('.') as [string, string, string];
      const flipped = Buffer.from(s, 'base64url');
      flipped[0]! ^= 1;
      await refused(verifier, `${h}.${p}.${flipped.toString('base64url')}`);
      await refused(verifier, `${h}.${p}.${s.slice(0, 20)}`);
      await refused(verifier, `${h}.${p}.${hs().split('.')[2]}`);
      const ed = forge(header('ed', 'EdDSA'), claims(), 'EdDSA', keys.ed.privateKey);
      const [eh, ep, es] = ed.split('.') as [string, string, string];
      const edFlipped = Buffer.from(es, 'base64url');
      edFlipped[10]! ^= 0x80;
      await refused(verifier, `${eh}.${ep}.${edFlipped.toString('base64url')}`);
      await refused(verifier, `${eh}.${part({ ...claims(), sub: 'root' })}.${es}`);
    });

    it('refuses malformed tokens before any key is used', async () => {
      const { verifier, hs } = verifierFor();
      const [h, p, s] = hs().split('.') as [string, string, string];
      for (const token of [`${h}.${p}`, `${h}.${p}.${s}=`, `${h}.${p}.${s}.${s}`, '', 'a.b.c']) {
        await refused(verifier, token);
      }
    });
  });

  describe('token types (typ)', () => {
    it('accepts at+jwt in any case and with the application/ prefix', async () => {
      const { verifier, hs } = verifierFor();
      for (const typ of ['at+jwt', 'AT+JWT', 'application/at+jwt', 'Application/At+Jwt']) {
        await accepted(verifier, hs({}, { typ }));
      }
    });

    it('refuses a generic, missing or other type as an access token', async () => {
      const { verifier, hs } = verifierFor();
      for (const typ of ['JWT', 'jwt', 'application/jwt', 'refresh+jwt', 'at+jwt ', undefined, 1]) {
        await refused(verifier, hs({}, { typ }));
      }
    });

    it('refuses an access token where a refresh token is expected, also from the cache', async () => {
      const { verifier, hs } = verifierFor();
      const token = hs();
      await accepted(verifier, token, 'access');
      await refused(verifier, token, 'refresh');
    });
  });

  describe('refresh tokens carry their family', () => {
    const refreshClaims = (now: number, extra: Record<string, unknown> = {}) => ({
      fam: 'family-1',
      fam_exp: now + 3600,
      fam_gen: 0,
      ...extra,
    });

    it('accepts a refresh token with fam, fam_exp and fam_gen, never fresh', async () => {
      const { verifier, hs, now } = verifierFor();
      const token = hs({ ...refreshClaims(now()), fresh: true }, { typ: 'refresh+jwt' });
      const verified = await accepted(verifier, token, 'refresh');
      expect(verified).toMatchObject({ type: 'refresh', family: 'family-1', fresh: false });
      await refused(verifier, token, 'access');
    });

    it.each([
      ['no family', { fam: undefined }],
      ['an empty family', { fam: '' }],
      ['a numeric family', { fam: 7 }],
      ['no family expiry', { fam_exp: undefined }],
      ['a family expiry that is not a time', { fam_exp: 'soon' }],
      ['no generation', { fam_gen: undefined }],
      ['a negative generation', { fam_gen: -1 }],
      ['a fractional generation', { fam_gen: 1.5 }],
    ])('refuses a refresh token with %s', async (_case, extra) => {
      const { verifier, hs, now } = verifierFor();
      await refused(verifier, hs(refreshClaims(now(), extra), { typ: 'refresh+jwt' }), 'refresh');
    });
  });

  describe('required claims', () => {
    it.each([
      ['no exp', { exp: undefined }],
      ['a string exp', { exp: 'tomorrow' }],
      ['a negative exp', { exp: -1 }],
      ['no iat', { iat: undefined }],
      ['a string iat', { iat: '2030-01-01' }],
      ['a string nbf', { nbf: 'now' }],
      ['no jti', { jti: undefined }],
      ['an empty jti', { jti: '' }],
      ['a numeric jti', { jti: 42 }],
      ['a jti of 257 characters', { jti: 'j'.repeat(257) }],
      ['no sub', { sub: undefined }],
      ['an empty sub', { sub: '' }],
      ['a numeric sub', { sub: 42 }],
      ['a sub of 1025 characters', { sub: 's'.repeat(1025) }],
      ['an empty fam on an access token', { fam: '' }],
    ])('refuses a validly signed token with %s', async (_case, extra) => {
      const { verifier, hs } = verifierFor();
      await refused(verifier, hs(extra));
    });

    it('accepts the longest jti and sub', async () => {
      const { verifier, hs } = verifierFor();
      await accepted(verifier, hs({ jti: 'j'.repeat(256), sub: 's'.repeat(1024) }));
    });

    it('refuses a token that claims to live longer than its type may, the tolerance included', async () => {
      const { verifier, hs, now } = verifierFor();
      await accepted(verifier, hs({ iat: now(), exp: now() + ACCESS_LONGEST_S }));
      await refused(verifier, hs({ iat: now(), exp: now() + ACCESS_LONGEST_S + 1 }));
      // A refresh token: its own TTL (3600 s), and a family ending at most 7200 s after its iat.
      const refresh = (extra: Record<string, unknown>) =>
        hs(
          { fam: 'f', fam_gen: 0, fam_exp: now() + 7205, exp: now() + 3605, ...extra },
          { typ: 'refresh+jwt' },
        );
      await accepted(verifier, refresh({}), 'refresh');
      await refused(verifier, refresh({ exp: now() + 3606 }), 'refresh');
      await refused(verifier, refresh({ fam_exp: now() + 7206 }), 'refresh');
      // A custom token (createJwt): 900 s by default.
      const custom = (exp: number) => hs({ iat: now(), exp }, { typ: 'custom+jwt' });
      await accepted(verifier, custom(now() + 905), 'custom');
      await refused(verifier, custom(now() + 906), 'custom');
      await refused(verifier, custom(now() + 60), 'access');
    });
  });

  describe('time, against the Clock, with the tolerance', () => {
    it('honours exp up to the tolerance and not a millisecond more, also for a cached token', async () => {
      const { verifier, hs, now, clock } = verifierFor();
      const exp = now() + 30;
      const token = hs({ exp });
      await accepted(verifier, token);
      clock.set(exp * 1000 + TOLERANCE_MS - 1);
      await accepted(verifier, token);
      clock.advance(1);
      await refused(verifier, token);
    });

    it('honours nbf from the tolerance on', async () => {
      const { verifier, hs, now, clock } = verifierFor();
      const nbf = now() + 60;
      const token = hs({ nbf, iat: nbf });
      await refused(verifier, token);
      clock.set(nbf * 1000 - TOLERANCE_MS - 1);
      await refused(verifier, token);
      clock.advance(1);
      await accepted(verifier, token);
    });

    it('refuses a token issued in the future beyond the tolerance', async () => {
      const { verifier, hs, now } = verifierFor();
      await accepted(verifier, hs({ iat: now() + TOLERANCE_MS / 1000 }));
      await refused(verifier, hs({ iat: now() + TOLERANCE_MS / 1000 + 0.001 }));
    });

    it('with no tolerance, a token expires on the millisecond of its exp', async () => {
      const { verifier, hs, now, clock } = verifierFor({ ...OPTIONS, clockToleranceSeconds: 0 });
      const exp = now() + 30;
      const token = hs({ exp });
      clock.set(exp * 1000 - 1);
      await accepted(verifier, token);
      clock.advance(1);
      await refused(verifier, token);
    });

    it('refuses a token older than maxTokenAgeSeconds, whatever its exp says', async () => {
      const { verifier, hs, now, clock } = verifierFor({ ...OPTIONS, maxTokenAgeSeconds: 60 });
      const iat = now();
      const token = hs({ iat, exp: iat + 600 });
      clock.set(iat * 1000 + 60_000 + TOLERANCE_MS - 1);
      await accepted(verifier, token);
      clock.advance(1);
      await refused(verifier, token);
    });
  });

  describe('issuer and audience', () => {
    it('refuses a wrong or missing issuer', async () => {
      const { verifier, hs } = verifierFor();
      for (const iss of ['someone-else', undefined, '', 'GATEHOUSE-TEST', ['gatehouse-test']]) {
        await refused(verifier, hs({ iss }));
      }
    });

    it('accepts a token whose audience list names one of the accepted audiences', async () => {
      const { verifier, hs } = verifierFor({ ...OPTIONS, audience: [AUD, 'reports-api'] });
      for (const aud of [AUD, 'reports-api', ['other', 'reports-api'], [42, AUD]]) {
        await accepted(verifier, hs({ aud }));
      }
    });

    it('refuses a wrong, missing or malformed audience', async () => {
      const { verifier, hs } = verifierFor();
      for (const aud of [
        'other-api',
        ['other-api', 'more'],
        [],
        undefined,
        42,
        [42],
        { aud: AUD },
      ]) {
        await refused(verifier, hs({ aud }));
      }
    });

    it('checks neither when they are not configured', async () => {
      const { issuer: _issuer, audience: _audience, ...open } = OPTIONS;
      const { verifier, hs } = verifierFor(open);
      await accepted(verifier, hs({ iss: 'anyone', aud: 'anything' }));
      await accepted(verifier, hs({ iss: undefined, aud: undefined }));
    });
  });

  it('leaves revocation to its callers: a revoked token still verifies', async () => {
    // TokenService and JwtBackend ask the RevocationStore on every use, cached or not; the
    // verifier only says whether the token itself is sound.
    const { verifier, hs, clock } = verifierFor();
    const store = new InMemoryRevocationStore(clock);
    const token = hs();
    const verified = await accepted(verifier, token);
    await store.revokeToken(verified.id!, verified.expiresAt);
    const probe = { tokenId: verified.id, subject: verified.subject, issuedAt: verified.issuedAt };
    expect(await store.isRevoked(probe)).toBe(true);
    expect(await accepted(verifier, token)).toMatchObject({ id: verified.id });
  });
});
