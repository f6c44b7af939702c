/**
 * Settings of the API-key backend, under `apiKey` in `AuthModule.forRoot` options.
 *
 * @example
 * const apiKey: ApiKeyOptions = {
 *   prefix: 'acme',
 *   scheme: 'ApiKey',
 *   pepper: process.env.API_KEY_PEPPER,
 * };
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
