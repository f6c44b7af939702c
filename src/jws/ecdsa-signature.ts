import type { JwsAlgorithm } from './jws-algorithms.js';

/**
 * ECDSA signatures are malleable: if (R, S) verifies, so does (R, n − S), where n is the order of
 * the curve. Anyone can turn a valid token into a second valid token with other bytes, which
 * would get its own cache entry and defeat "one token, one spelling". So the library signs with
 * the low S only and refuses a high one (as Bitcoin's BIP 62 does), and every ES* token has exactly
 * one accepted signature.
 */
interface Curve {
  /** The curve's order n, and half of it. */
  readonly n: bigint;
  readonly half: bigint;
  /** Bytes of R and of S in a JWS signature (RFC 7518 §3.4). */
  readonly size: number;
}

function curve(order: string, size: number): Curve {
  const n = BigInt(`0x${order}`);
  return { n, half: n >> 1n, size };
}

const CURVES: Partial<Record<JwsAlgorithm, Curve>> = {
  ES256: curve('ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551', 32),
  ES384: curve(
    'ffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973',
    48,
  ),
  ES512: curve(
    '1fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffa51868783bf2f966b7fcc0148f709a5d03bb5c9b8899c47aebb6fb71e91386409',
    66,
  ),
};

/**
 * Whether `signature` (R || S, as a JWS carries it) has S above n/2. A signature of the wrong
 * length is not judged here: the signature check refuses it.
 */
export function hasHighS(algorithm: JwsAlgorithm, signature: Buffer): boolean {
  const c = CURVES[algorithm];
  if (c === undefined || signature.length !== c.size * 2) return false;
  return readS(signature, c) > c.half;
}

/** `signature` with S replaced by n − S when S is above n/2: the canonical form of the same signature. */
export function withLowS(algorithm: JwsAlgorithm, signature: Buffer): Buffer {
  const c = CURVES[algorithm];
  if (c === undefined || signature.length !== c.size * 2) return signature;
  const s = readS(signature, c);
  if (s <= c.half) return signature;
  const low = Buffer.from((c.n - s).toString(16).padStart(c.size * 2, '0'), 'hex');
  return Buffer.concat([signature.subarray(0, c.size), low]);
}

function readS(signature: Buffer, c: Curve): bigint {
  return BigInt(`0x${signature.subarray(c.size).toString('hex')}`);
}
