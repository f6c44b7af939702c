import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { AuthRequest } from '../core/auth-request.js';
import { normaliseOrigin, type SessionSettings } from '../sessions/session-settings.js';

/** A new per-session CSRF token: 256 random bits, base64url. */
export function newCsrfToken(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * Why a session-authenticated write must be refused, or `null` when it may go on.
 *
 * Two checks, both required:
 * 1. Where it comes from. A trusted `Origin` passes. Otherwise `Sec-Fetch-Site` must be
 *    `same-origin` or `none` when present, and `Origin` must name this host when present.
 *    When a client sends neither (non-browser clients, old browsers) this check passes and the
 *    token alone decides.
 * 2. The per-session token in the CSRF header, compared in constant time.
 */
export function csrfFailure(
  request: AuthRequest,
  expectedToken: string,
  settings: SessionSettings,
): string | null {
  const originHeader = request.headers.origin;
  const siteHeader = request.headers['sec-fetch-site'];
  if (Array.isArray(originHeader) || Array.isArray(siteHeader)) return 'repeated Origin header';
  const origin = originHeader === undefined ? undefined : normaliseOrigin(originHeader);
  const trusted = origin !== undefined && settings.trustedOrigins.has(origin);
  if (!trusted) {
    if (siteHeader !== undefined && siteHeader !== 'same-origin' && siteHeader !== 'none') {
      return 'cross-site request (Sec-Fetch-Site)';
    }
    if (originHeader !== undefined && (origin === undefined || !sameHost(origin, request))) {
      return 'cross-origin request (Origin)';
    }
  }
  const sent = request.headers[settings.csrfHeader];
  if (sent === undefined || sent === '') return 'missing CSRF token';
  if (typeof sent !== 'string' || !tokensEqual(sent, expectedToken)) return 'wrong CSRF token';
  return null;
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
  // Digests have equal lengths, so the comparison leaks neither content nor length.
  const a = createHash('sha256').update(sent).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}
