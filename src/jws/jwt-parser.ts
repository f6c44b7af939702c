import { isUtf8 } from 'node:buffer';
import type { AuthRejection } from '../core/auth-reason.js';
import { deepFreeze } from './jwt-checks.js';
import { ownCopy } from './own-copy.js';

/** A JWS in compact form, split and decoded, but not verified. */
export interface ParsedJwt {
  readonly header: Readonly<Record<string, unknown>>;
  readonly payload: Readonly<Record<string, unknown>>;
  /** `base64url(header) + '.' + base64url(payload)`, what the signature covers. */
  readonly signingInput: string;
  readonly signature: Buffer;
}

/** Longer tokens are refused before any decoding (they would only cost memory). */
export const MAX_TOKEN_LENGTH = 8192;

const BASE64URL = /^[A-Za-z0-9_-]+$/;
// `ignoreBOM` keeps a byte order mark in the text (by default the decoder drops it), so JSON.parse
// refuses it: a token with and without one would otherwise be two spellings of one header.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const BOM = [0xef, 0xbb, 0xbf];

/**
 * Splits and decodes a compact JWS strictly (RFC 7515 §7.1, RFC 8725 §3.11): exactly three
 * parts, canonical unpadded base64url, valid UTF-8 without a byte order mark (RFC 8259 §8.1),
 * and a header and payload that are JSON objects. A malformed token gives `JWT_MALFORMED`, whose detail says which part is wrong.
 */
export function parseJwt(token: string): ParsedJwt | AuthRejection {
  const dots = dotsOf(token);
  if ('reason' in dots) return dots;
  const { first, second } = dots;
  const header = decodeObject(token.slice(0, first));
  if (typeof header === 'string') return malformed(`header ${header}`);
  const payload = decodeObject(token.slice(first + 1, second));
  if (typeof payload === 'string') return malformed(`payload ${payload}`);
  const signature = decodeStrict(token.slice(second + 1));
  if (signature === undefined || signature.length === 0)
    return malformed('signature empty or not base64url');
  return { header, payload, signingInput: token.slice(0, second), signature };
}

/**
 * A JWS whose header is decoded and whose other parts are only checked as text: what a verifier
 * needs before the signature check when a library that checks the signature (jsonwebtoken, in
 * passport-jwt) decodes the payload anyway and hands it over.
 */
export interface JwtWithHeader {
  readonly header: Readonly<Record<string, unknown>>;
  /** The payload part as sent: canonical base64url, not starting with an encoded BOM. */
  readonly payloadText: string;
  /** The signature part as sent: canonical, non-empty base64url. */
  readonly signatureText: string;
  readonly signingInput: string;
}

/**
 * {@link parseJwt} with only the header decoded. The payload and the signature get the checks
 * that need no decoding (canonical unpadded base64url, no byte order mark); the caller decodes
 * the payload itself or checks another's decoding with {@link payloadRejection}. Every token
 * {@link parseJwt} refuses is refused here or by {@link payloadRejection}, with the same detail;
 * where both would find a problem, the one {@link parseJwt} reports is reported.
 */
export function parseJwtHeader(token: string): JwtWithHeader | AuthRejection {
  const dots = dotsOf(token);
  if ('reason' in dots) return dots;
  const { first, second } = dots;
  const header = knownHeader(token, first);
  if (typeof header === 'string') return malformed(`header ${header}`);
  const payloadText = token.slice(first + 1, second);
  if (!isCanonical(payloadText)) return malformed('payload not base64url');
  if (payloadText.startsWith(ENCODED_BOM))
    return malformed('payload starts with a byte order mark');
  const signatureText = token.slice(second + 1);
  if (!isCanonical(signatureText)) {
    // parseJwt reports a payload problem first.
    return payloadRejection(payloadText) ?? malformed('signature empty or not base64url');
  }
  return { header, payloadText, signatureText, signingInput: token.slice(0, second) };
}

/**
 * What {@link parseJwt} finds wrong with the payload part `text`, or `undefined` when it decodes
 * to a JSON object.
 */
export function payloadRejection(text: string): AuthRejection | undefined {
  const payload = decodeObject(text);
  return typeof payload === 'string' ? malformed(`payload ${payload}`) : undefined;
}

/**
 * Whether `decoded`, what another decoder made of the payload part `text`, is what
 * {@link parseJwt} makes of it: a JSON object, from bytes that are valid UTF-8 (a lenient decoder
 * turns invalid bytes into U+FFFD, where the strict one refuses). `text` has passed
 * {@link parseJwtHeader}'s checks, so the two decoders parse the same JSON text.
 *
 * A U+FFFD made from invalid bytes outside a JSON string breaks the JSON, so `decoded` is not an
 * object; inside one it stays in the parsed key or value. So only a payload with a U+FFFD in one
 * of its strings needs its bytes decoded again and checked: the others are valid UTF-8.
 */
export function isStrictPayload(text: string, decoded: unknown): boolean {
  if (decoded === null || typeof decoded !== 'object' || Array.isArray(decoded)) return false;
  return !holdsReplacement(decoded) || isUtf8(Buffer.from(text, 'base64url'));
}

const REPLACEMENT = '\ufffd';

/** Whether a key or a string value anywhere inside `value` holds U+FFFD. */
function holdsReplacement(value: object): boolean {
  if (Array.isArray(value)) return value.some(replaced);
  for (const key in value) {
    if (key.includes(REPLACEMENT) || replaced((value as Record<string, unknown>)[key])) return true;
  }
  return false;
}

function replaced(value: unknown): boolean {
  if (typeof value === 'string') return value.includes(REPLACEMENT);
  return value !== null && typeof value === 'object' && holdsReplacement(value);
}

// Decoded headers by their text. One issuer's tokens share a handful of headers (one per key and
// type), so a miss of the verified-token cache need not decode its header again. Bounded in
// count and length; once full, other headers are decoded every time and never kept, so tokens
// with made-up headers cannot grow it. Entries are frozen: every token with that text shares one.
const HEADERS = new Map<string, Readonly<Record<string, unknown>>>();
const MAX_HEADERS = 64;
const MAX_KEPT_HEADER_LENGTH = 512;

// The header kept last, which the next token most likely starts with: recognised by comparing
// the token's first characters, without cutting the header out and hashing it for the Map.
let lastText = '';
let lastHeader: Readonly<Record<string, unknown>> | undefined;

/** The decoded header of `token`, whose first dot is at `first`. */
function knownHeader(token: string, first: number): Readonly<Record<string, unknown>> | string {
  if (first === lastText.length && lastHeader !== undefined && token.startsWith(lastText)) {
    return lastHeader;
  }
  const text = token.slice(0, first);
  const known = HEADERS.get(text);
  if (known !== undefined) {
    lastText = text;
    lastHeader = known;
    return known;
  }
  const header = decodeObject(text);
  if (
    typeof header !== 'string' &&
    HEADERS.size < MAX_HEADERS &&
    text.length <= MAX_KEPT_HEADER_LENGTH
  ) {
    // A copy of the text: a slice would keep the whole token, a credential, alive as long as
    // the entry.
    const kept = ownCopy(text);
    HEADERS.set(kept, deepFreeze(header));
    lastText = kept;
    lastHeader = header;
  }
  return header;
}

// The first four characters of a part whose bytes start with EF BB BF.
const ENCODED_BOM = Buffer.from(BOM).toString('base64url');
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/**
 * Whether `text` is canonical unpadded base64url, without decoding it: the alphabet, a length
 * that is not 1 more than a multiple of 4, and zero unused bits in the last character (what
 * {@link decodeStrict} checks by encoding the bytes again).
 */
function isCanonical(text: string): boolean {
  if (!BASE64URL.test(text)) return false;
  const rest = text.length % 4;
  if (rest === 0) return true;
  if (rest === 1) return false;
  const last = ALPHABET.indexOf(text[text.length - 1]!);
  // Two characters carry one byte (4 unused bits), three carry two (2 unused bits).
  return (last & (rest === 2 ? 0x0f : 0x03)) === 0;
}

/** Where the two dots of a compact JWS of acceptable length are. */
function dotsOf(token: string): { first: number; second: number } | AuthRejection {
  if (token.length > MAX_TOKEN_LENGTH) return malformed(`longer than ${MAX_TOKEN_LENGTH}`);
  const first = token.indexOf('.');
  const second = first === -1 ? -1 : token.indexOf('.', first + 1);
  if (second === -1 || token.indexOf('.', second + 1) !== -1) return malformed('not three parts');
  return { first, second };
}

function malformed(detail: string): AuthRejection {
  return { reason: 'JWT_MALFORMED', detail };
}

/** Decodes canonical base64url, or `undefined` when the text is not. */
export function decodeStrict(text: string): Buffer | undefined {
  if (!BASE64URL.test(text) || text.length % 4 === 1) return undefined;
  const bytes = Buffer.from(text, 'base64url');
  // Rejects non-zero padding bits, so one token has exactly one spelling.
  return bytes.toString('base64url') === text ? bytes : undefined;
}

function decodeObject(text: string): Record<string, unknown> | string {
  const bytes = decodeStrict(text);
  if (bytes === undefined) return 'not base64url';
  if (BOM.every((byte, i) => bytes[i] === byte)) return 'starts with a byte order mark';
  let value: unknown;
  try {
    value = JSON.parse(utf8.decode(bytes));
  } catch {
    return 'not JSON';
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return 'not a JSON object';
  }
  return value as Record<string, unknown>;
}
