import type { KeyObject } from 'node:crypto';
import { OptionsReader } from '../core/options-reader.js';
import { API_KEY_PREFIX_PATTERN, DEFAULT_API_KEY_PREFIX, toPepperKey } from './api-key.js';

/**
 * Settings of the API-key backend, under `apiKey` in `AuthModule.forRoot` options.
 *
 * @example
 * apiKey: { prefix: 'acme', scheme: 'ApiKey', pepper: process.env.API_KEY_PEPPER }
 */
export interface ApiKeyOptions {
  /**
   * The request header that carries the key. Matched case-insensitively.
   * Default: `'X-API-Key'`.
   */
  header?: string;
  /**
   * Also accept the key as `Authorization: <scheme> <key>`. The scheme is matched
   * case-insensitively. Default: none (only the header above is read).
   */
  scheme?: string;
  /**
   * The prefix of every key this application issues (`<prefix>_<id>_<secret>`): 1-16 letters or
   * digits. A distinctive prefix lets secret scanners recognise leaked keys. Keys with another
   * prefix are refused. Default: `'gk'`.
   */
  prefix?: string;
  /**
   * A server-side secret of at least 32 bytes. When set, keys are stored as HMAC-SHA-256 keyed
   * with it instead of plain SHA-256. Changing it invalidates every stored key.
   * Default: none.
   */
  pepper?: string | Buffer;
}

/** The API-key options after bootstrap validation. */
export interface ResolvedApiKeyOptions {
  /** The header name, lower-cased as Node delivers incoming header names. */
  readonly header: string;
  /** The `Authorization` scheme, lower-cased, or `undefined`. */
  readonly scheme: string | undefined;
  /** The scheme as configured, for the `WWW-Authenticate` challenge. */
  readonly challenge: string;
  readonly prefix: string;
  readonly pepper: KeyObject | undefined;
}

/** DI token of the validated {@link ResolvedApiKeyOptions}. */
export const API_KEY_OPTIONS = Symbol('gatehouse:api-key-options');

// RFC 9110 token characters, without "." (passport-headerapikey reads the header with
// lodash.get, which would take a dot for a property path).
const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+^_`|~-]{1,64}$/;
const SCHEME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,32}$/;
const RESERVED_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie', 'host']);
const KNOWN: readonly (keyof ApiKeyOptions)[] = ['header', 'scheme', 'prefix', 'pepper'];
const MIN_PEPPER_BYTES = 32;

/** Validates the `apiKey` section of the module options. */
export function resolveApiKeyOptions(raw: ApiKeyOptions | undefined): ResolvedApiKeyOptions {
  const options: OptionsReader = OptionsReader.of('apiKey', raw, KNOWN);
  const header = options.string('header', 'X-API-Key', {
    pattern: HEADER_NAME,
    problem: 'is not a valid header name',
    fix: "use 1-64 letters, digits or '-', for example 'X-API-Key'",
  });
  if (RESERVED_HEADERS.has(header.toLowerCase())) {
    options.fail(
      'header',
      `"${header}" is reserved`,
      header.toLowerCase() === 'authorization'
        ? "keep the default header and set `apiKey.scheme: 'ApiKey'` to accept `Authorization: ApiKey <key>`"
        : "use a header of its own, such as 'X-API-Key'",
    );
  }
  const scheme = options.string('scheme', undefined, {
    pattern: SCHEME,
    problem: 'is not a valid authentication scheme',
    fix: "use a single word such as 'ApiKey', or leave it out",
  });
  const prefix = options.string('prefix', DEFAULT_API_KEY_PREFIX, {
    pattern: API_KEY_PREFIX_PATTERN,
    problem: 'must be 1-16 letters or digits',
    fix: "use something like 'acme' (no '_', which separates the parts of a key)",
  });
  const pepper = options.raw('pepper');
  if (pepper !== undefined) {
    const bytes =
      typeof pepper === 'string'
        ? Buffer.byteLength(pepper, 'utf8')
        : Buffer.isBuffer(pepper)
          ? pepper.length
          : -1;
    if (bytes < MIN_PEPPER_BYTES) {
      options.fail(
        'pepper',
        bytes < 0
          ? 'must be a string or a Buffer'
          : `is ${bytes} bytes, shorter than ${MIN_PEPPER_BYTES}`,
        'use at least 32 random bytes from configuration (for example `openssl rand -base64 48`)',
      );
    }
  }

  return Object.freeze({
    header: header.toLowerCase(),
    scheme: scheme?.toLowerCase(),
    challenge: scheme ?? 'ApiKey',
    prefix,
    pepper: toPepperKey(pepper as string | Buffer | undefined),
  });
}
