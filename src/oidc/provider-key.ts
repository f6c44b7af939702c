import { createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { keyProblem, type AsymmetricAlgorithm } from '../jws/jws-algorithms.js';

/** One public key of an identity provider, a `KeyObject` bound to one algorithm. */
export interface ProviderKey {
  readonly kid: string | undefined;
  readonly algorithm: AsymmetricAlgorithm;
  readonly key: KeyObject;
}

/** The algorithm a key without `alg` is used with: the one its type implies. */
const IMPLIED: Readonly<Record<string, AsymmetricAlgorithm>> = {
  RSA: 'RS256',
  'EC:P-256': 'ES256',
  'EC:P-384': 'ES384',
  'EC:P-521': 'ES512',
  'OKP:Ed25519': 'EdDSA',
  'OKP:Ed448': 'EdDSA',
};

/**
 * Turns one JWK of a provider's key set into a {@link ProviderKey}, or says why it is skipped:
 * not a signature key, a symmetric (`oct`) key (HS* is never accepted from outside), an
 * algorithm not in `allowed`, or key material unfit for its algorithm. The key is bound to its
 * `alg`, or without one to the algorithm its type implies (RS256 for RSA, the curve's ES*,
 * EdDSA), so a token can never choose how its key is used.
 */
export function importJwk(
  jwk: unknown,
  allowed: ReadonlySet<AsymmetricAlgorithm>,
): ProviderKey | string {
  if (jwk === null || typeof jwk !== 'object' || Array.isArray(jwk)) return 'not a JSON object';
  const { kty, crv, alg, use, key_ops: ops, kid } = jwk as Record<string, unknown>;
  if (kid !== undefined && (typeof kid !== 'string' || kid === '')) return 'a malformed kid';
  if (use !== undefined && use !== 'sig') return `use ${JSON.stringify(use)}, not "sig"`;
  if (ops !== undefined && !(Array.isArray(ops) && ops.includes('verify'))) {
    return 'key_ops without "verify"';
  }
  if (kty !== 'RSA' && kty !== 'EC' && kty !== 'OKP') {
    return `kty ${JSON.stringify(kty)}: only RSA, EC and OKP public keys are used`;
  }
  const algorithm = alg ?? IMPLIED[kty === 'RSA' ? kty : `${kty}:${String(crv)}`];
  if (typeof algorithm !== 'string' || !allowed.has(algorithm as AsymmetricAlgorithm)) {
    return `algorithm ${JSON.stringify(algorithm)} is not accepted`;
  }
  let key: KeyObject;
  try {
    // Only the public members: a published private key must not be kept around either.
    key = createPublicKey({ key: publicMembers(jwk as JsonWebKey), format: 'jwk' });
  } catch (error) {
    return `not a readable ${kty} key (${(error as Error).message})`;
  }
  const problem = keyProblem(algorithm as AsymmetricAlgorithm, key);
  if (problem !== undefined) return `the key ${problem}`;
  return Object.freeze({
    kid: kid as string | undefined,
    algorithm: algorithm as AsymmetricAlgorithm,
    key,
  });
}

function publicMembers(jwk: JsonWebKey): JsonWebKey {
  const members: JsonWebKey = {};
  for (const name of ['kty', 'crv', 'n', 'e', 'x', 'y'] as const) {
    if (jwk[name] !== undefined) members[name] = jwk[name];
  }
  return members;
}
