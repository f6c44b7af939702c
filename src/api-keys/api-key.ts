import {
  createHmac,
  createSecretKey,
  hash,
  randomBytes,
  timingSafeEqual,
  type KeyObject,
} from 'node:crypto';

/** The key prefix used when none is configured. */
export const DEFAULT_API_KEY_PREFIX = 'gk';

/**
 * The longest header value the backend hashes. A real key is about 60 characters; anything much
 * longer is refused before any work is done on it.
 */
export const MAX_API_KEY_LENGTH = 256;

/** A key prefix: letters and digits only, because `_` separates the parts of a key. */
export const API_KEY_PREFIX_PATTERN = /^[A-Za-z0-9]{1,16}$/;

// 8 random bytes of id (hex) and 24 of secret (192 bits, base64url). The id is not secret: it
// is the lookup key and appears in listings and audit events.
const ID_BYTES = 8;
const SECRET_BYTES = 24;
const KEY_PATTERN = /^[A-Za-z0-9]{1,16}_[0-9a-f]{16}_[A-Za-z0-9_-]{32}$/;
// What follows the prefix: `_`, the id, `_`, the secret.
const AFTER_PREFIX = 1 + 2 * ID_BYTES + 1 + (SECRET_BYTES / 3) * 4;

/** The public parts of a well-formed key. */
export interface ParsedApiKey {
  readonly prefix: string;
  readonly id: string;
}

/** A pepper as the hashing functions take it. */
export type ApiKeyPepper = string | Buffer | KeyObject;

/** What {@link createApiKey} returns. */
export interface GeneratedApiKey {
  /** The full key, `<prefix>_<id>_<secret>`. Hand it to the client once; never store it. */
  readonly key: string;
  /** The key's id: the part to look the stored record up by. */
  readonly id: string;
  /** The prefix the key starts with. */
  readonly prefix: string;
  /** The digest to store: SHA-256 of the key, or HMAC-SHA-256 with the pepper (base64url). */
  readonly hash: string;
}

/** Options of {@link createApiKey} and {@link verifyKey}. */
export interface ApiKeyHashOptions {
  /**
   * A server-side secret. When set, the stored hash is an HMAC-SHA-256 keyed with it, so a leaked
   * table of hashes cannot be checked against guessed keys without it. Default: none (SHA-256).
   */
  readonly pepper?: ApiKeyPepper;
}

/**
 * Generates a new API key and the hash to store for it.
 *
 * @example
 * const { key, id, hash } = createApiKey({ prefix: 'acme' });
 * // store `id` and `hash`; show `key` to its owner, once
 */
export function createApiKey(
  options: ApiKeyHashOptions & { readonly prefix?: string } = {},
): GeneratedApiKey {
  const prefix = options.prefix ?? DEFAULT_API_KEY_PREFIX;
  if (!API_KEY_PREFIX_PATTERN.test(prefix)) {
    throw new TypeError('createApiKey: the prefix must be 1-16 letters or digits');
  }
  const id = randomBytes(ID_BYTES).toString('hex');
  const key = `${prefix}_${id}_${randomBytes(SECRET_BYTES).toString('base64url')}`;
  return { key, id, prefix, hash: hashApiKey(key, toPepperKey(options.pepper)) };
}

/**
 * Whether `key` matches `storedHash`, compared in constant time. `false` for anything that is
 * not a plausible key; it never throws on bad input.
 *
 * @example
 * function check(presented: string, storedHash: string): void {
 *   if (!verifyKey(presented, storedHash)) throw new UnauthorizedException();
 * }
 */
export function verifyKey(
  key: unknown,
  storedHash: unknown,
  options: ApiKeyHashOptions = {},
): boolean {
  if (typeof key !== 'string' || typeof storedHash !== 'string') return false;
  if (key.length === 0 || key.length > MAX_API_KEY_LENGTH) return false;
  return digestMatches(key, storedHash, toPepperKey(options.pepper));
}

/** Splits a key into its public parts; `null` when it is not a well-formed key. */
export function parseApiKey(key: string): ParsedApiKey | null {
  if (key.length > MAX_API_KEY_LENGTH || !KEY_PATTERN.test(key)) return null;
  // The id and the secret have fixed lengths, so the parts are cut by position: a test and two
  // slices cost less than a match with captures, on every request.
  const prefixEnd = key.length - AFTER_PREFIX;
  return {
    prefix: key.slice(0, prefixEnd),
    id: key.slice(prefixEnd + 1, prefixEnd + 1 + 2 * ID_BYTES),
  };
}

/** The digest to store for `key` (base64url). */
export function hashApiKey(key: string, pepper?: KeyObject): string {
  // crypto.hash is the one-shot form: several times faster than createHash for a short input.
  return pepper
    ? createHmac('sha256', pepper).update(key, 'utf8').digest('base64url')
    : hash('sha256', key, 'base64url');
}

// SHA-256 and HMAC-SHA-256 digests in base64url: 32 bytes, 43 characters.
const DIGEST_LENGTH = 43;
// Where two digests are laid out for timingSafeEqual. Made once rather than per request: a
// comparison runs from start to end without yielding, so no other request can write them
// meanwhile. They only ever hold digests, never a key.
const presentedDigest = Buffer.alloc(DIGEST_LENGTH);
const storedDigest = Buffer.alloc(DIGEST_LENGTH);

/** Compares the digest of `key` with a stored one in constant time. */
export function digestMatches(key: string, storedHash: string, pepper?: KeyObject): boolean {
  const actual = hashApiKey(key, pepper);
  // The length of a digest is public; timingSafeEqual needs equal lengths. Comparing the
  // base64url texts byte for byte is comparing the digests.
  if (actual.length !== DIGEST_LENGTH || storedHash.length !== DIGEST_LENGTH) return false;
  presentedDigest.write(actual, 0, 'latin1');
  storedDigest.write(storedHash, 0, 'latin1');
  return timingSafeEqual(presentedDigest, storedDigest);
}

/** Turns a pepper into a `KeyObject` once, so requests do not re-import it. */
export function toPepperKey(pepper: ApiKeyPepper | undefined): KeyObject | undefined {
  if (pepper === undefined) return undefined;
  if (typeof pepper === 'string') return createSecretKey(Buffer.from(pepper, 'utf8'));
  if (Buffer.isBuffer(pepper)) return createSecretKey(pepper);
  return pepper;
}
