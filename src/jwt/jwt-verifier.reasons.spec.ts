import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { FakeClock } from 'nestjs-gatehouse/testing';
import { b64url, bomPart, forge, jti, part, signature } from '../../test/support/jwt-forge.js';
import { MAX_RECEIVED_LENGTH } from '../core/auth-reason.js';
import type { JwtOptions } from './jwt-options.js';
import { JwtSettings } from './jwt-settings.js';
import type { TokenType } from './token-claims.js';
import { JwtVerifier } from './jwt-verifier.js';

const START = Date.parse('2030-01-01T00:00:00Z');
const secret = randomBytes(48);
const otherSecret = randomBytes(48);
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });

const OPTIONS: JwtOptions = {
  algorithms: ['HS256', 'RS256'],
  keys: [
    { kid: 'hs', algorithm: 'HS256', secret },
    { kid: 'hs-2', algorithm: 'HS256', secret: otherSecret },
    { kid: 'rsa', algorithm: 'RS256', publicKey: rsa.publicKey },
  ],
  signingKeyId: 'hs',
  issuer: 'api',
  audience: ['api', 'admin'],
  clockToleranceSeconds: 0,
  accessTokenTtlSeconds: 900,
  refreshTokenTtlSeconds: 3600,
  refreshFamilyLifetimeSeconds: 7200,
};

const verifier = new JwtVerifier(new JwtSettings(OPTIONS), new FakeClock(START));
const now = Math.floor(START / 1000);
const claims = (extra: Record<string, unknown> = {}) => ({
  sub: 'alice',
  iss: 'api',
  aud: 'api',
  iat: now,
  nbf: now,
  exp: now + 600,
  jti: jti(),
  ...extra,
});
const header = (extra: Record<string, unknown> = {}) => ({
  alg: 'HS256',
  typ: 'at+jwt',
  kid: 'hs',
  ...extra,
});
const hs = (h: Record<string, unknown> = {}, c: Record<string, unknown> = {}) =>
  forge(header(h), claims(c), 'HS256', secret);

/** The refusal of `token`: its code and detail, nothing else. */
async function refusal(token: string, type: TokenType = 'access') {
  const result = await verifier.verify(token, type);
  expect(result.ok, 'a token that must be refused was accepted').toBe(false);
  return result.ok ? undefined : { reason: result.reason, detail: result.detail };
}

describe('JwtVerifier refusals: a code, and the expected and received values', () => {
  it('accepts the well-formed token the cases below break one field of', async () => {
    const result = await verifier.verify(hs(), 'access');
    expect(result.ok && result.token.subject).toBe('alice');
  });

  it('typ', async () => {
    expect(await refusal(hs({ typ: 'JWT' }))).toEqual({
      reason: 'JWT_TYP_MISMATCH',
      detail: 'expected "at+jwt", received "JWT"',
    });
    expect(await refusal(hs({ typ: undefined }))).toEqual({
      reason: 'JWT_TYP_MISMATCH',
      detail: 'expected "at+jwt", received none',
    });
    expect(await refusal(hs(), 'refresh')).toEqual({
      reason: 'JWT_TYP_MISMATCH',
      detail: 'expected "refresh+jwt", received "at+jwt"',
    });
  });

  it('typ, for a token the cache already holds', async () => {
    const token = hs();
    expect((await verifier.verify(token, 'access')).ok).toBe(true);
    expect(await refusal(token, 'refresh')).toEqual({
      reason: 'JWT_TYP_MISMATCH',
      detail: 'expected "refresh+jwt", received "at+jwt"',
    });
  });

  it('alg outside the allowlist, and alg other than its key', async () => {
    expect(await refusal(hs({ alg: 'none' }))).toEqual({
      reason: 'JWT_ALG_NOT_ALLOWED',
      detail: 'expected one of "HS256", "RS256", received "none"',
    });
    expect(await refusal(hs({ alg: 7 }))).toEqual({
      reason: 'JWT_ALG_NOT_ALLOWED',
      detail: 'expected one of "HS256", "RS256", received a number',
    });
    // The RSA public key used as an HMAC secret: the classic key-confusion forgery.
    const pem = rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    expect(await refusal(forge(header({ kid: 'rsa' }), claims(), 'HS256', pem))).toEqual({
      reason: 'JWT_ALG_NOT_ALLOWED',
      detail: 'expected "RS256" (the algorithm of key "rsa"), received "HS256"',
    });
  });

  it('kid unknown, absent among several keys, or not a string', async () => {
    expect(await refusal(hs({ kid: 'nope' }))).toEqual({
      reason: 'JWT_KID_UNKNOWN',
      detail: 'expected one of "hs", "hs-2", "rsa", received "nope"',
    });
    expect(await refusal(hs({ kid: undefined }))).toEqual({
      reason: 'JWT_KID_UNKNOWN',
      detail: 'no kid, and 2 keys use "HS256"',
    });
    expect(await refusal(hs({ kid: ['hs'] }))).toEqual({
      reason: 'JWT_MALFORMED',
      detail: 'kid is ["hs"]',
    });
  });

  it('aud and iss', async () => {
    expect(await refusal(hs({}, { aud: ['web', 'mobile'] }))).toEqual({
      reason: 'JWT_AUD_MISMATCH',
      detail: 'expected one of "api", "admin", received ["web", "mobile"]',
    });
    expect(await refusal(hs({}, { aud: undefined }))).toEqual({
      reason: 'JWT_AUD_MISMATCH',
      detail: 'expected one of "api", "admin", received none',
    });
    expect(await refusal(hs({}, { iss: 'https://evil.example' }))).toEqual({
      reason: 'JWT_ISS_MISMATCH',
      detail: 'expected "api", received "https://evil.example"',
    });
  });

  it('signature, claims, lifetime and times', async () => {
    expect(await refusal(forge(header(), claims(), 'HS256', otherSecret))).toEqual({
      reason: 'JWT_SIGNATURE_INVALID',
      detail: undefined,
    });
    expect(await refusal(hs({ crit: ['exp'] }))).toMatchObject({ reason: 'JWT_CRIT_UNSUPPORTED' });
    expect(await refusal(hs({}, { exp: undefined }))).toEqual({
      reason: 'JWT_CLAIM_INVALID',
      detail: 'exp missing',
    });
    expect(await refusal(hs({}, { jti: 42 }))).toEqual({
      reason: 'JWT_CLAIM_INVALID',
      detail: 'jti malformed',
    });
    expect(await refusal(hs({}, { exp: now + 901 }))).toEqual({
      reason: 'JWT_LIFETIME_TOO_LONG',
      detail: 'lives 901 s, at most 900 s as an access token',
    });
    expect(await refusal(hs({}, { iat: now - 60, exp: now - 1 }))).toEqual({
      reason: 'JWT_EXPIRED',
      detail: 'exp passed',
    });
    expect(await refusal(hs({}, { nbf: now + 60 }))).toEqual({
      reason: 'JWT_NOT_YET_VALID',
      detail: 'nbf in the future',
    });
  });

  it('malformed compact serialisations name the part', async () => {
    const [h, p, s] = hs().split('.') as [string, string, string];
    expect(await refusal(`${h}.${p}`)).toEqual({
      reason: 'JWT_MALFORMED',
      detail: 'not three parts',
    });
    expect(await refusal(`${h}.${p}=.${s}`)).toEqual({
      reason: 'JWT_MALFORMED',
      detail: 'payload not base64url',
    });
    expect(await refusal(`${part([1])}.${p}.${s}`)).toEqual({
      reason: 'JWT_MALFORMED',
      detail: 'header not a JSON object',
    });
  });

  it('an attacker-chosen value is stripped of control characters and cut', async () => {
    const injected = `at+jwt\r\n2030-01-01 INFO admin logged in\u001b[2J\u202e${'x'.repeat(500)}`;
    const result = await refusal(hs({ typ: injected }));
    expect(result?.reason).toBe('JWT_TYP_MISMATCH');
    const detail = result?.detail ?? '';
    // eslint-disable-next-line no-control-regex
    expect(detail).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202e]/);
    expect(detail.startsWith('expected "at+jwt", received "at+jwt2030-01-01 INFO admin')).toBe(
      true,
    );
    const quoted = detail.slice(detail.indexOf('received "') + 'received "'.length, -1);
    expect(quoted.length).toBe(MAX_RECEIVED_LENGTH);
    expect(quoted.endsWith('…')).toBe(true);
  });

  it('never puts the token or the key in a detail', async () => {
    const token = forge(header({ typ: 'JWT' }), claims(), 'HS256', secret);
    const detail = (await refusal(token))?.detail ?? '';
    for (const segment of token.split('.')) expect(detail).not.toContain(segment);
    expect(detail).not.toContain(secret.toString('base64url'));
  });
});

describe('JwtVerifier: the payload passport-jwt hands over is held to the strict parse', () => {
  /** A token signed with the right key around a payload part given as raw text. */
  const signedAround = (payloadText: string, h: Record<string, unknown> = {}) => {
    const input = `${part(header(h))}.${payloadText}`;
    return `${input}.${signature('HS256', secret, input)}`;
  };

  it('refuses a payload changed after signing, though only the header was parsed before the check', async () => {
    const [h, , s] = hs().split('.') as [string, string, string];
    const tampered = `${h}.${part(claims({ sub: 'admin' }))}.${s}`;
    expect(await refusal(tampered)).toEqual({ reason: 'JWT_SIGNATURE_INVALID', detail: undefined });
  });

  it('refuses a correctly signed payload that the strict parse refuses, with its detail', async () => {
    const invalidUtf8 = b64url(
      Buffer.concat([
        Buffer.from(JSON.stringify(claims()).slice(0, -1) + ',"x":"'),
        Buffer.from([0xc0, 0xaf]),
        Buffer.from('"}'),
      ]),
    );
    expect(await refusal(signedAround(invalidUtf8))).toEqual({
      reason: 'JWT_MALFORMED',
      detail: 'payload not JSON',
    });
    expect(await refusal(signedAround(part([claims()])))).toEqual({
      reason: 'JWT_MALFORMED',
      detail: 'payload not a JSON object',
    });
    expect(await refusal(signedAround(b64url('not json')))).toEqual({
      reason: 'JWT_MALFORMED',
      detail: 'payload not JSON',
    });
    expect(await refusal(signedAround(bomPart(claims())))).toEqual({
      reason: 'JWT_MALFORMED',
      detail: 'payload starts with a byte order mark',
    });
  });

  it('reports a malformed payload before a header or signature refusal, as a full parse does', async () => {
    const notJson = b64url('not json');
    for (const h of [{ kid: 'nope' }, { alg: 'HS512' }, { typ: 'JWT' }, { crit: ['exp'] }]) {
      expect(await refusal(signedAround(notJson, h))).toEqual({
        reason: 'JWT_MALFORMED',
        detail: 'payload not JSON',
      });
    }
    const [h, , s] = hs().split('.') as [string, string, string];
    expect(await refusal(`${h}.${notJson}.${s}`)).toEqual({
      reason: 'JWT_MALFORMED',
      detail: 'payload not JSON',
    });
  });

  it('answers without a promise when passport-jwt checks synchronously, and from the cache', () => {
    const token = hs();
    const first = verifier.verify(token, 'access');
    expect(first).not.toBeInstanceOf(Promise);
    expect(first).toMatchObject({ ok: true, token: { subject: 'alice' } });
    const again = verifier.verify(token, 'access');
    expect(again).not.toBeInstanceOf(Promise);
    expect(again).toBe(first);
  });
});
