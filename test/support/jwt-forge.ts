import {
  constants,
  createHmac,
  generateKeyPairSync,
  randomBytes,
  sign,
  type KeyObject,
} from 'node:crypto';
import type { JwtOptions } from 'nestjs-gatehouse';

/**
 * Crafts JWTs the way an attacker (or another issuer) would, with node:crypto only: nothing here
 * goes through the library, so the tests check it against an independent signer.
 */

export const b64url = (value: string | Buffer): string => Buffer.from(value).toString('base64url');
export const part = (value: unknown): string => b64url(JSON.stringify(value));
/** What a JSON part holds: the inverse of {@link part}. */
export const unpart = (text: string): Record<string, unknown> =>
  JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as Record<string, unknown>;
/** The header of a compact JWS, decoded and not verified. */
export const headerOf = (token: string) => unpart(token.split('.')[0]!);
/** The claims of a compact JWS, decoded and not verified (to see what an issuer put in). */
export const claimsOf = (token: string) => unpart(token.split('.')[1]!);

export type ForgeAlg =
  'HS256' | 'HS384' | 'HS512' | 'RS256' | 'PS256' | 'ES256' | 'EdDSA' | (string & {});

/** Signs `input` with `alg` and `key` (a secret as Buffer/string, or a private KeyObject). */
export function signature(alg: ForgeAlg, key: KeyObject | Buffer | string, input: string): string {
  const data = Buffer.from(input);
  const hash = `sha${alg.slice(2)}`;
  if (alg.startsWith('HS')) return createHmac(hash, key).update(data).digest('base64url');
  if (alg.startsWith('RS')) return sign(hash, data, key as KeyObject).toString('base64url');
  if (alg.startsWith('PS')) {
    return sign(hash, data, {
      key: key as KeyObject,
      padding: constants.RSA_PKCS1_PSS_PADDING,
      saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
    }).toString('base64url');
  }
  if (alg.startsWith('ES')) {
    // The low-S spelling, as canonical signers emit: its twin is `ecdsaTwin`.
    const raw = sign(hash, data, { key: key as KeyObject, dsaEncoding: 'ieee-p1363' });
    const { size, n } = ECDSA[alg]!;
    const s = BigInt(`0x${raw.subarray(size).toString('hex')}`);
    return (s * 2n > n ? flipS(raw, size, n) : raw).toString('base64url');
  }
  return sign(null, data, key as KeyObject).toString('base64url');
}

/** A compact JWS from a header and payload (objects, or raw already-encoded parts). */
export function forge(
  header: Record<string, unknown> | string,
  payload: unknown,
  alg: ForgeAlg,
  key: KeyObject | Buffer | string,
): string {
  const h = typeof header === 'string' ? header : part(header);
  const p = typeof payload === 'string' ? payload : part(payload);
  const input = `${h}.${p}`;
  return `${input}.${signature(alg, key, input)}`;
}

/** The key material of the test apps, generated once per spec file. */
export function makeKeys() {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const ps = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const ed = generateKeyPairSync('ed25519');
  const attacker = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return {
    hsNew: randomBytes(48),
    hsOld: randomBytes(48),
    rsa,
    ps,
    ec,
    ed,
    attacker,
    rsaPublicPem: rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

export type TestKeys = ReturnType<typeof makeKeys>;

/**
 * The JWT options the specs verify with: a key of every family under its `kid` (`hs-new` signs,
 * `hs-old` is a retired HMAC key), 5 s of clock tolerance, 15-minute access tokens, 1-hour
 * refresh tokens in 2-hour families.
 */
export function testJwtOptions(
  keys: TestKeys,
  claims: { issuer: string; audience: string },
): JwtOptions {
  return {
    algorithms: ['HS256', 'RS256', 'PS256', 'ES256', 'EdDSA'],
    keys: [
      { kid: 'hs-new', algorithm: 'HS256', secret: keys.hsNew },
      { kid: 'hs-old', algorithm: 'HS256', secret: keys.hsOld },
      { kid: 'rsa', algorithm: 'RS256', publicKey: keys.rsa.publicKey },
      { kid: 'ps', algorithm: 'PS256', publicKey: keys.ps.publicKey },
      { kid: 'ec', algorithm: 'ES256', publicKey: keys.ec.publicKey },
      { kid: 'ed', algorithm: 'EdDSA', publicKey: keys.ed.publicKey },
    ],
    signingKeyId: 'hs-new',
    issuer: claims.issuer,
    audience: claims.audience,
    clockToleranceSeconds: 5,
    accessTokenTtlSeconds: 900,
    refreshTokenTtlSeconds: 3600,
    refreshFamilyLifetimeSeconds: 7200,
  };
}

/** A random `jti`, as the library would write. */
export const jti = (): string => randomBytes(16).toString('base64url');

/** Valid access-token parts at a clock's time, to be spoiled one claim or header at a time. */
export interface TokenMaker {
  /** The clock's time in whole seconds. */
  now(): number;
  /** The claims of a valid access token issued now, with `extra` on top (`undefined` drops one). */
  claims(extra?: Record<string, unknown>): Record<string, unknown>;
  /** An access-token header naming `kid` and `alg`, with `extra` on top. */
  header(kid: string, alg: string, extra?: Record<string, unknown>): Record<string, unknown>;
  /** A valid HS256 access token signed with the maker's key, with overrides. */
  hs(extraClaims?: Record<string, unknown>, extraHeader?: Record<string, unknown>): string;
}

/** A {@link TokenMaker} for tokens of `issuer` for `audience`, HS256-signed as `kid`. */
export function tokenMaker(
  nowMs: () => number,
  options: { issuer: string; audience: string; kid: string; secret: Buffer },
): TokenMaker {
  const now = () => Math.floor(nowMs() / 1000);
  const claims = (extra: Record<string, unknown> = {}) => ({
    sub: 'alice',
    iss: options.issuer,
    aud: options.audience,
    iat: now(),
    nbf: now(),
    exp: now() + 600,
    jti: jti(),
    ...extra,
  });
  const header = (kid: string, alg: string, extra: Record<string, unknown> = {}) => ({
    alg,
    typ: 'at+jwt',
    kid,
    ...extra,
  });
  const hs = (extraClaims: Record<string, unknown> = {}, extraHeader = {}) =>
    forge(header(options.kid, 'HS256', extraHeader), claims(extraClaims), 'HS256', options.secret);
  return { now, claims, header, hs };
}

/**
 * The order n of each ECDSA curve, and the size of R and S in a JWS signature (RFC 7518 §3.4),
 * written out here rather than taken from the library, so the specs check it independently.
 */
const ECDSA: Readonly<Record<string, { readonly n: bigint; readonly size: number }>> = {
  ES256: {
    n: BigInt('0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551'),
    size: 32,
  },
  ES384: {
    n: BigInt(
      '0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973',
    ),
    size: 48,
  },
  ES512: {
    n: BigInt(
      '0x1fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffa51868783bf2f966b7fcc0148f709a5d03bb5c9b8899c47aebb6fb71e91386409',
    ),
    size: 66,
  },
};

/** The S of an ES256/384/512 token's signature, and its curve's order n. */
export function ecdsaS(token: string, alg: string): { s: bigint; n: bigint } {
  const { n, size } = ECDSA[alg]!;
  const signatureBytes = Buffer.from(token.split('.')[2]!, 'base64url');
  return { s: BigInt(`0x${signatureBytes.subarray(size).toString('hex')}`), n };
}

/**
 * The same ECDSA token with S replaced by n − S: the other signature that verifies for the same
 * header and payload. Of a token and its twin, exactly one has S above n/2.
 */
export function ecdsaTwin(token: string, alg: string): string {
  const { size, n } = ECDSA[alg]!;
  const [h, p, sig] = token.split('.') as [string, string, string];
  return `${h}.${p}.${b64url(flipS(Buffer.from(sig, 'base64url'), size, n))}`;
}

/** R || S with S replaced by n − S. */
function flipS(signatureBytes: Buffer, size: number, n: bigint): Buffer {
  const s = BigInt(`0x${signatureBytes.subarray(size).toString('hex')}`);
  const flipped = Buffer.from((n - s).toString(16).padStart(size * 2, '0'), 'hex');
  return Buffer.concat([signatureBytes.subarray(0, size), flipped]);
}

/** A token and its ECDSA twin, sorted: `low` has S at most n/2, `high` above it. */
export function ecdsaSpellings(token: string, alg: string): { low: string; high: string } {
  const twin = ecdsaTwin(token, alg);
  const { s, n } = ecdsaS(token, alg);
  return s * 2n > n ? { low: twin, high: token } : { low: token, high: twin };
}

/** `value` as a JSON part preceded by a UTF-8 byte order mark (EF BB BF). */
export const bomPart = (value: unknown): string =>
  b64url(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify(value))]));
