import type { AuthRejection } from '../core/auth-reason.js';

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
  if (token.length > MAX_TOKEN_LENGTH) return malformed(`longer than ${MAX_TOKEN_LENGTH}`);
  const first = token.indexOf('.');
  const second = first === -1 ? -1 : token.indexOf('.', first + 1);
  if (second === -1 || token.indexOf('.', second + 1) !== -1) return malformed('not three parts');
  const header = decodeObject(token.slice(0, first));
  if (typeof header === 'string') return malformed(`header ${header}`);
  const payload = decodeObject(token.slice(first + 1, second));
  if (typeof payload === 'string') return malformed(`payload ${payload}`);
  const signature = decodeStrict(token.slice(second + 1));
  if (signature === undefined || signature.length === 0)
    return malformed('signature empty or not base64url');
  return { header, payload, signingInput: token.slice(0, second), signature };
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
