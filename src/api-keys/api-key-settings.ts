import type { Provider } from '@nestjs/common';
import type { KeyObject } from 'node:crypto';
import { OptionsReader, settingsProvider } from '../core/options-reader.js';
import { API_KEY_PREFIX_PATTERN, DEFAULT_API_KEY_PREFIX, toPepperKey } from './api-key.js';
import type { ApiKeyOptions } from './api-key-options.js';

// RFC 9110 token characters, without "." (passport-headerapikey reads the header with
// lodash.get, which would take a dot for a property path).
const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+^_`|~-]{1,64}$/;
const SCHEME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,32}$/;
const RESERVED_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie', 'host']);
const KNOWN: readonly (keyof ApiKeyOptions)[] = ['header', 'scheme', 'prefix', 'pepper'];
const MIN_PEPPER_BYTES = 32;

/**
 * The `apiKey` options, validated at bootstrap and normalised. Injected by the API-key backend and
 * `ApiKeyService`; provided by {@link apiKeySettingsProvider}.
 */
export class ApiKeySettings {
  /** The header name, lower-cased as Node delivers incoming header names. */
  readonly header: string;
  /** The header name as configured, for documents (OpenAPI) that show it. */
  readonly headerName: string;
  /** The `Authorization` scheme, lower-cased, or `undefined`. */
  readonly scheme: string | undefined;
  /** The scheme as configured, for the `WWW-Authenticate` challenge. */
  readonly challenge: string;
  readonly prefix: string;
  readonly pepper: KeyObject | undefined;

  constructor(raw: ApiKeyOptions | undefined) {
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

    this.header = header.toLowerCase();
    this.headerName = header;
    this.scheme = scheme?.toLowerCase();
    this.challenge = scheme ?? 'ApiKey';
    this.prefix = prefix;
    this.pepper = toPepperKey(pepper as string | Buffer | undefined);
    Object.freeze(this);
  }
}

/** The provider that validates `options.apiKey` at bootstrap. */
export const apiKeySettingsProvider: Provider = settingsProvider(
  ApiKeySettings,
  (options: { apiKey?: ApiKeyOptions }) => new ApiKeySettings(options.apiKey),
);
