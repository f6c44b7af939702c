import { hash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { AuthRequest } from '../core/auth-request.js';
import { PermissionDeniedError } from '../core/auth-error.js';
import type { AuthEventPublisher } from '../core/auth-event-publisher.js';
import { received, type AuthRejection } from '../core/auth-reason.js';
import type { OptionsReader } from '../core/options-reader.js';
import { pathOf, singleHeader } from './headers.js';

/**
 * What a cookie credential's CSRF check needs: the JWT cookies (`jwt.cookies`) and the session
 * cookie (`session`) each configure one, and both are checked by {@link csrfFailure}.
 */
export interface CsrfPolicy {
  /** Normalised origins (`scheme://host[:port]`) whose pages may send writes, besides our own. */
  readonly trustedOrigins: ReadonlySet<string>;
  /** The request header that echoes the CSRF token, lower case (as Node exposes headers). */
  readonly csrfHeader: string;
}

/** A CSRF token is never longer than this; a longer header or cookie is refused unread. */
const MAX_TOKEN_LENGTH = 256;

/** A new CSRF token: 256 random bits, base64url. */
export function newCsrfToken(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * Why a cookie-authenticated request with an unsafe method must be refused, or `null` when it
 * may go on. The one CSRF check of the library, for JWT cookies (whose expected token is the CSRF
 * cookie: double submit) and sessions (whose expected token is stored in the session) alike.
 *
 * Two checks, both required:
 * 1. Where the request comes from: {@link crossSiteFailure}.
 * 2. The token in the CSRF header equals `expected`, compared in constant time.
 */
export function csrfFailure(
  request: AuthRequest,
  expected: string | undefined,
  policy: CsrfPolicy,
): AuthRejection | null {
  const crossSite = crossSiteFailure(request, policy.trustedOrigins);
  if (crossSite) return crossSite;
  const sent = singleHeader(request.headers[policy.csrfHeader]);
  if (sent === undefined || sent === '') {
    return { reason: 'CSRF_TOKEN_INVALID', detail: 'header missing' };
  }
  if (expected === undefined || expected === '' || !tokensEqual(sent, expected)) {
    return { reason: 'CSRF_TOKEN_INVALID', detail: 'header does not match' };
  }
  return null;
}

/**
 * Why the request comes from a cross-site browser context, or `null` when it does not. A
 * trusted `Origin` passes. Otherwise `Sec-Fetch-Site` must be `same-origin` or `none` when
 * present, and `Origin` must name this host when present (`Origin: null` never does). A client
 * that sends neither (non-browser clients, old browsers) passes. The code is
 * `CSRF_ORIGIN_REJECTED`.
 */
export function crossSiteFailure(
  request: AuthRequest,
  trustedOrigins: ReadonlySet<string>,
): AuthRejection | null {
  const originHeader = request.headers.origin;
  const siteHeader = request.headers['sec-fetch-site'];
  if (Array.isArray(originHeader) || Array.isArray(siteHeader)) {
    return { reason: 'CSRF_ORIGIN_REJECTED', detail: 'Origin or Sec-Fetch-Site sent twice' };
  }
  const origin = originHeader === undefined ? undefined : normaliseOrigin(originHeader);
  if (origin !== undefined && trustedOrigins.has(origin)) return null;
  if (siteHeader !== undefined && siteHeader !== 'same-origin' && siteHeader !== 'none') {
    return { reason: 'CSRF_ORIGIN_REJECTED', detail: `Sec-Fetch-Site ${received(siteHeader)}` };
  }
  if (originHeader !== undefined && (origin === undefined || !sameHost(origin, request))) {
    return { reason: 'CSRF_ORIGIN_REJECTED', detail: `Origin ${received(originHeader)}` };
  }
  return null;
}

/**
 * Refuses a login attempted from a cross-site browser context (login CSRF: a page of another
 * site logging the visitor in to an account of the attacker's). Call it before the credentials
 * are checked, so a refused login creates and counts nothing. Publishes one `csrf_rejected`
 * event and throws `PermissionDeniedError` (403, `CSRF_LOGIN_CROSS_SITE`); clients that send
 * neither `Origin` nor `Sec-Fetch-Site` pass. `SessionService.assertLoginOrigin` and
 * `TokenService.assertLoginOrigin` apply it with their own trusted origins.
 */
export function assertLoginOrigin(
  request: AuthRequest,
  trustedOrigins: ReadonlySet<string>,
  events: AuthEventPublisher,
  backend: string,
): void {
  const failure = crossSiteFailure(request, trustedOrigins);
  if (failure === null) return;
  events.publish({
    type: 'csrf_rejected',
    backend,
    reason: 'CSRF_LOGIN_CROSS_SITE',
    detail: failure.detail,
    method: request.method,
    path: pathOf(request.url),
    ip: request.ip,
  });
  throw new PermissionDeniedError('CSRF_LOGIN_CROSS_SITE', { detail: failure.detail });
}

/**
 * Reads a list of trusted origins from `options[key]` at bootstrap, normalised; each must be a
 * bare `scheme://host[:port]`, never a wildcard or a URL with a path.
 */
export function readTrustedOrigins(options: OptionsReader, key: string): ReadonlySet<string> {
  const value = options.raw(key);
  if (value === undefined) return new Set();
  if (!Array.isArray(value)) {
    options.fail(
      key,
      'must be an array of origins',
      `write \`${key}: ['https://app.example.com']\``,
    );
  }
  return new Set(
    value.map((origin: unknown, index) => {
      const normalised = typeof origin === 'string' ? normaliseOrigin(origin) : undefined;
      if (normalised === undefined || !isBareOrigin(origin as string)) {
        options.fail(
          `${key}[${index}]`,
          `"${String(origin)}" is not an origin`,
          'write scheme, host and optional port only, for example "https://app.example.com"',
        );
      }
      return normalised;
    }),
  );
}

/** `scheme://host[:port]` of an http(s) origin, lower case; `undefined` for anything else. */
export function normaliseOrigin(origin: string): string | undefined {
  try {
    const url = new URL(origin);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined;
    return url.origin.toLowerCase();
  } catch {
    return undefined;
  }
}

function isBareOrigin(origin: string): boolean {
  const url = new URL(origin);
  return url.pathname === '/' && !url.search && !url.hash && !url.username && !url.password;
}

/**
 * Whether `origin` names the host the request was sent to. The scheme is not compared: behind a
 * TLS-terminating proxy the server may not know it, and the token check still applies.
 */
function sameHost(origin: string, request: AuthRequest): boolean {
  const host = request.headers.host;
  if (typeof host !== 'string' || host === '') return false;
  const url = new URL(origin);
  try {
    // Parsed with the origin's scheme, so a default port written out (":443") still matches.
    return new URL(`${url.protocol}//${host}`).host === url.host;
  } catch {
    return false;
  }
}

function tokensEqual(sent: string, expected: string): boolean {
  if (sent.length > MAX_TOKEN_LENGTH || expected.length > MAX_TOKEN_LENGTH) return false;
  // Digests have equal lengths, so the comparison leaks neither content nor length.
  return timingSafeEqual(hash('sha256', sent, 'buffer'), hash('sha256', expected, 'buffer'));
}
