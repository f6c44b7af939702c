import {
  createHash,
  createPrivateKey,
  createPublicKey,
  createSecretKey,
  type JsonWebKey,
  KeyObject,
} from 'node:crypto';
import { AuthConfigurationError } from '../core/auth-error.js';
import { createSignature, keyProblem, type AsymmetricAlgorithm } from '../jws/jws-algorithms.js';
import type { JwtAlgorithm } from './jwt-options.js';

/**
 * One configured key, turned into `KeyObject`s once at bootstrap and bound to one algorithm.
 * Internal: built by the JWT settings, used by the verifier and `TokenService`.
 */
export class JwtKey {
  constructor(
    readonly kid: string,
    readonly algorithm: JwtAlgorithm,
    /** The secret (HS*) or the public key: what verifies. */
    readonly verifyKey: KeyObject,
    /** The secret (HS*) or the private key; absent for a verify-only key. */
    readonly signKey: KeyObject | undefined,
  ) {}

  /** Whether this key can sign new tokens. */
  get canSign(): boolean {
    return this.signKey !== undefined;
  }

  /** The base64url JWS signature of `signingInput`. */
  sign(signingInput: string): string {
    return createSignature(this.algorithm, this.signKey!, signingInput);
  }

  /** The public JWK of an asymmetric key, for a JWKS; `undefined` for a secret. */
  publicJwk(): (JsonWebKey & { kid: string; alg: string; use: 'sig' }) | undefined {
    if (this.verifyKey.type !== 'public') return undefined;
    return {
      ...this.verifyKey.export({ format: 'jwk' }),
      kid: this.kid,
      alg: this.algorithm,
      use: 'sig',
    };
  }
}

/** Builds and checks one key. `where` names the option in errors. */
export function buildKey(
  where: string,
  kid: string,
  algorithm: JwtAlgorithm,
  material: { secret?: unknown; privateKey?: unknown; publicKey?: unknown },
): JwtKey {
  const given = (['secret', 'privateKey', 'publicKey'] as const).filter(
    (k) => material[k] !== undefined && material[k] !== null,
  );
  const hmac = algorithm.startsWith('HS');
  if (hmac) {
    if (given.length !== 1 || given[0] !== 'secret') {
      throw new AuthConfigurationError(
        where,
        `${algorithm} needs exactly one HMAC \`secret\` (got ${given.join(', ') || 'none'})`,
        'give `secret` only; a public or private key can never be used as an HMAC secret',
      );
    }
    const secret = toSecretKey(`${where}.secret`, material.secret);
    const needed = hashBytes(algorithm);
    if (secret.symmetricKeySize! < needed) {
      throw new AuthConfigurationError(
        `${where}.secret`,
        `is ${secret.symmetricKeySize} bytes, shorter than the ${needed} bytes ${algorithm} needs`,
        `use a random secret of at least ${needed} bytes, for example \`openssl rand -base64 ${needed + 16}\``,
      );
    }
    return new JwtKey(kid, algorithm, secret, secret);
  }
  if (given.includes('secret')) {
    throw new AuthConfigurationError(
      `${where}.secret`,
      `${algorithm} is asymmetric and takes no secret`,
      'give `privateKey` (to sign) or `publicKey` (to verify only)',
    );
  }
  if (given.length === 0) {
    throw new AuthConfigurationError(
      where,
      `${algorithm} needs a \`privateKey\` or a \`publicKey\``,
      'give the PEM (or JWK) of the key pair',
    );
  }
  const privateKey =
    material.privateKey === undefined
      ? undefined
      : toAsymmetric(`${where}.privateKey`, material.privateKey, 'private');
  const publicKey =
    material.publicKey === undefined
      ? createPublicKey(privateKey!)
      : toAsymmetric(`${where}.publicKey`, material.publicKey, 'public');
  if (privateKey) {
    checkAsymmetric(`${where}.privateKey`, algorithm, privateKey);
    const derived = createPublicKey(privateKey).export({ format: 'jwk' });
    if (!sameJwk(derived, publicKey.export({ format: 'jwk' }))) {
      throw new AuthConfigurationError(
        `${where}.publicKey`,
        'is not the public half of the private key',
        'omit `publicKey` (it is derived from `privateKey`) or give the matching one',
      );
    }
  }
  checkAsymmetric(`${where}.publicKey`, algorithm, publicKey);
  return new JwtKey(kid, algorithm, publicKey, privateKey);
}

/** The RFC 7638 thumbprint of a key, used as the default `kid`. */
export function thumbprint(key: KeyObject): string {
  const jwk = key.export({ format: 'jwk' });
  const members: Record<string, string[]> = {
    RSA: ['e', 'kty', 'n'],
    EC: ['crv', 'kty', 'x', 'y'],
    OKP: ['crv', 'kty', 'x'],
    oct: ['k', 'kty'],
  };
  const required = members[jwk.kty ?? ''] ?? Object.keys(jwk).sort();
  const canonical = JSON.stringify(
    Object.fromEntries(required.map((name) => [name, (jwk as Record<string, unknown>)[name]])),
  );
  return createHash('sha256').update(canonical).digest('base64url');
}

/** Bytes of the hash behind an HS* algorithm. */
export function hashBytes(algorithm: JwtAlgorithm): number {
  return Number(algorithm.slice(2)) / 8;
}

function toSecretKey(where: string, value: unknown): KeyObject {
  let key: KeyObject;
  if (value instanceof KeyObject) {
    if (value.type !== 'secret') {
      throw new AuthConfigurationError(
        where,
        `is a ${value.type} key, not a secret`,
        'give the HMAC secret; never a public or private key',
      );
    }
    key = value;
  } else if (typeof value === 'string' || Buffer.isBuffer(value)) {
    key = createSecretKey(Buffer.from(value));
  } else {
    throw new AuthConfigurationError(
      where,
      'is not a string, Buffer or secret KeyObject',
      'give the secret as a string or a Buffer',
    );
  }
  // Whatever wrapping it came in (`readFileSync('key.pem')` is a Buffer), the bytes of a key
  // pair's half must never become an HMAC secret: a public key would let anyone sign tokens.
  if (isAsymmetricKeyMaterial(key.export())) {
    throw new AuthConfigurationError(
      where,
      'holds a public or private key (PEM or DER), which must never be used as an HMAC secret',
      'use a random secret for HS*, or configure the key pair with an RS/PS/ES/EdDSA algorithm',
    );
  }
  return key;
}

function isAsymmetricKeyMaterial(bytes: Buffer): boolean {
  if (/-----BEGIN [A-Z0-9 ]*KEY-----/.test(bytes.toString('latin1'))) return true;
  // DER starts with a SEQUENCE tag; only then is it worth asking OpenSSL.
  if (bytes[0] !== 0x30) return false;
  const attempts = [
    () => createPublicKey({ key: bytes, format: 'der', type: 'spki' }),
    () => createPublicKey({ key: bytes, format: 'der', type: 'pkcs1' }),
    () => createPrivateKey({ key: bytes, format: 'der', type: 'pkcs8' }),
    () => createPrivateKey({ key: bytes, format: 'der', type: 'pkcs1' }),
    () => createPrivateKey({ key: bytes, format: 'der', type: 'sec1' }),
  ];
  return attempts.some((attempt) => {
    try {
      attempt();
      return true;
    } catch {
      return false;
    }
  });
}

function toAsymmetric(where: string, value: unknown, kind: 'private' | 'public'): KeyObject {
  try {
    if (value instanceof KeyObject) {
      if (kind === 'private' && value.type !== 'private') throw new Error(`a ${value.type} key`);
      if (kind === 'public') return value.type === 'public' ? value : createPublicKey(value);
      return value;
    }
    const input =
      typeof value === 'string' || Buffer.isBuffer(value)
        ? value
        : { key: value as JsonWebKey, format: 'jwk' as const };
    return kind === 'private' ? createPrivateKey(input) : createPublicKey(input);
  } catch (error) {
    throw new AuthConfigurationError(
      where,
      `is not a readable ${kind} key (${(error as Error).message})`,
      `give a PEM string, a Buffer, a JWK object or a ${kind} KeyObject`,
    );
  }
}

function checkAsymmetric(where: string, algorithm: JwtAlgorithm, key: KeyObject): void {
  const problem = keyProblem(algorithm as AsymmetricAlgorithm, key);
  if (problem) {
    throw new AuthConfigurationError(
      where,
      problem,
      `give a key made for ${algorithm}, or set the key's \`algorithm\` to match it`,
    );
  }
}

function sameJwk(a: JsonWebKey, b: JsonWebKey): boolean {
  return a.kty === b.kty && a.n === b.n && a.e === b.e && a.x === b.x && a.y === b.y;
}
