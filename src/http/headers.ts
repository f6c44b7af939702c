/** Small helpers that work on both Express and Fastify response objects. */

interface HeaderWritable {
  header?: (name: string, value: string) => unknown;
  setHeader?: (name: string, value: string) => unknown;
}

/** Sets a response header on an Express `Response` or a Fastify `FastifyReply`. */
export function setResponseHeader(response: unknown, name: string, value: string): void {
  const res = response as HeaderWritable | undefined;
  if (!res) return;
  if (typeof res.header === 'function') res.header(name, value);
  else if (typeof res.setHeader === 'function') res.setHeader(name, value);
}

/** The path of a request URL, without its query string (which may carry credentials). */
export function pathOf(url: string | undefined): string {
  if (!url) return '';
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

/** The single value of a header; `undefined` when it is absent or sent more than once. */
export function singleHeader(value: string | string[] | undefined): string | undefined {
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && value.length === 1) return value[0];
  return undefined;
}

/** The methods RFC 9110 §9.2.1 defines as safe; every other method may change state. */
const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE']);

/**
 * Whether a request with `method` needs CSRF protection when a cookie authenticates it: every
 * method but the safe ones, so PROPPATCH, LOCK, SEARCH or an `@All()` handler are covered too.
 */
export function isUnsafeMethod(method: string): boolean {
  return !SAFE_METHODS.has(method.toUpperCase());
}

/** The scheme, case-insensitive (RFC 9110 §11.1), followed by anything or nothing. */
const BEARER = /^bearer/i;

/**
 * The token of an `Authorization: Bearer <token>` header (RFC 6750 §2.1): `undefined` when the
 * header is absent or names another scheme, `null` when it is a broken bearer header ("Bearer"
 * alone, or with nothing after the space).
 */
export function bearerToken(header: unknown): string | undefined | null {
  if (typeof header !== 'string' || !BEARER.test(header)) return undefined;
  if (header.length === 6 || header[6] !== ' ') {
    // "Bearer" alone, or "Bearerx…": not another scheme, a broken bearer header.
    return header.length === 6 || /\s/.test(header[6]!) ? null : undefined;
  }
  // Whitespace inside the value (extra parts) is refused by a verifier's strict parse, and never
  // matches a cached token, so it is not scanned for here.
  const value = header.slice(7);
  return value === '' ? null : value;
}
