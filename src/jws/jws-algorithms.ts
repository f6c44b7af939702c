import {
  constants,
  createHmac,
  sign as cryptoSign,
  verify as cryptoVerify,
  type KeyObject,
  type SignKeyObjectInput,
  type VerifyKeyObjectInput,
} from 'node:crypto';
import { withLowS } from './ecdsa-signature.js';

/** The JWS signature algorithms the library knows. `none` is not one of them, on purpose. */
export type JwsAlgorithm =
  | 'HS256'
  | 'HS384'
  | 'HS512'
  | 'RS256'
  | 'RS384'
  | 'RS512'
  | 'PS256'
  | 'PS384'
  | 'PS512'
  | 'ES256'
  | 'ES384'
  | 'ES512'
  | 'EdDSA';

/** The algorithms whose verification key is public: everything but HS*. */
export type AsymmetricAlgorithm = Exclude<JwsAlgorithm, 'HS256' | 'HS384' | 'HS512'>;

/** Every asymmetric algorithm, in a stable order (for messages and defaults). */
export const ASYMMETRIC_ALGORITHMS: readonly AsymmetricAlgorithm[] = Object.freeze([
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

/** Every algorithm, HS* first. */
export const SUPPORTED_ALGORITHMS: readonly JwsAlgorithm[] = Object.freeze([
  'HS256',
  'HS384',
  'HS512',
  ...ASYMMETRIC_ALGORITHMS,
]);

/** The curve each ES* algorithm is defined on (RFC 7518 §3.4), as node:crypto names it. */
const EC_CURVE: Partial<Record<JwsAlgorithm, string>> = {
  ES256: 'prime256v1',
  ES384: 'secp384r1',
  ES512: 'secp521r1',
};

/** Whether `value` names an asymmetric algorithm (case-sensitive, as RFC 7515 says). */
export function isAsymmetricAlgorithm(value: unknown): value is AsymmetricAlgorithm {
  return ASYMMETRIC_ALGORITHMS.includes(value as AsymmetricAlgorithm);
}

/** The hash behind `algorithm`, as node:crypto names it; `null` for EdDSA, which has its own. */
function hashOf(algorithm: JwsAlgorithm): string | null {
  return algorithm === 'EdDSA' ? null : `sha${algorithm.slice(2)}`;
}

/** The key with the padding or signature encoding `algorithm` demands. */
function keyInput(
  algorithm: AsymmetricAlgorithm,
  key: KeyObject,
): SignKeyObjectInput & VerifyKeyObjectInput {
  switch (algorithm.slice(0, 2)) {
    case 'RS':
      return { key, padding: constants.RSA_PKCS1_PADDING };
    case 'PS':
      return {
        key,
        padding: constants.RSA_PKCS1_PSS_PADDING,
        saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
      };
    case 'ES':
      // JWS carries the raw r||s pair (RFC 7518 §3.4), not DER.
      return { key, dsaEncoding: 'ieee-p1363' };
    default:
      return { key };
  }
}

/** The base64url JWS signature of `signingInput` with `key` (a secret for HS*, else private). */
export function createSignature(
  algorithm: JwsAlgorithm,
  key: KeyObject,
  signingInput: string,
): string {
  const data = Buffer.from(signingInput);
  if (algorithm.startsWith('HS')) {
    return createHmac(hashOf(algorithm)!, key).update(data).digest('base64url');
  }
  const signature = cryptoSign(
    hashOf(algorithm),
    data,
    keyInput(algorithm as AsymmetricAlgorithm, key),
  );
  // ECDSA signs with the low S only, so a token has one spelling (see ecdsa-signature.ts).
  return (algorithm.startsWith('ES') ? withLowS(algorithm, signature) : signature).toString(
    'base64url',
  );
}

/**
 * Whether `signature` is the JWS signature of `signingInput` under the public `key` with
 * `algorithm`. Only asymmetric algorithms: the caller has bound the key to its algorithm, so a
 * token cannot pick HMAC and turn the public key into a secret.
 */
export function verifySignature(
  algorithm: AsymmetricAlgorithm,
  key: KeyObject,
  signingInput: string,
  signature: Buffer,
): boolean {
  try {
    return cryptoVerify(
      hashOf(algorithm),
      Buffer.from(signingInput),
      keyInput(algorithm, key),
      signature,
    );
  } catch {
    // OpenSSL throws on some malformed signatures (a wrong length for the curve): still "no".
    return false;
  }
}

/**
 * What makes `key` unfit for `algorithm` (wrong type, RSA under 2048 bits, another curve), or
 * `undefined` when it fits.
 */
export function keyProblem(algorithm: AsymmetricAlgorithm, key: KeyObject): string | undefined {
  const type = key.asymmetricKeyType;
  const details = key.asymmetricKeyDetails ?? {};
  const family = algorithm.slice(0, 2);
  if (family === 'RS' || family === 'PS') {
    const ok = type === 'rsa' || (family === 'PS' && type === 'rsa-pss');
    if (!ok) return `is a ${type} key, but ${algorithm} needs an RSA key`;
    if ((details.modulusLength ?? 0) < 2048) {
      return `is a ${details.modulusLength}-bit RSA key; at least 2048 bits are needed`;
    }
    return undefined;
  }
  if (family === 'ES') {
    const curve = EC_CURVE[algorithm];
    if (type !== 'ec' || details.namedCurve !== curve) {
      return `is a ${type} key${details.namedCurve ? ` on ${details.namedCurve}` : ''}, but ${algorithm} needs an EC key on ${curve}`;
    }
    return undefined;
  }
  if (type !== 'ed25519' && type !== 'ed448') {
    return `is a ${type} key, but EdDSA needs an Ed25519 or Ed448 key`;
  }
  return undefined;
}
