import { Injectable } from '@nestjs/common';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { SerializeOptions } from 'cookie';
import type { AuthRequest } from '../core/auth-request.js';
import { appendSetCookie, readCookie } from '../http/cookies.js';
import { singleHeader } from '../http/headers.js';
import { JwtSettings, type ResolvedCookieSettings } from './jwt-settings.js';
import type { TokenPair } from './token-claims.js';

/**
 * Sets and clears the JWT cookies on Express or Fastify responses, and checks the CSRF
 * double-submit token. The access and refresh cookies are HttpOnly and Secure; the refresh
 * cookie only travels to `jwt.cookies.refreshPath`; the CSRF cookie is readable by your
 * scripts, which echo it in the `X-CSRF-Token` header of every request but GET, HEAD, OPTIONS and TRACE.
 * Names and attributes come from `jwt.cookies`.
 *
 * @example
 * @Public() @Post('login')
 * async login(@Body() body: LoginDto, @Res({ passthrough: true }) res: Response) {
 *   const pair = await this.tokens.issuePair(await this.check(body));
 *   return { csrf_token: this.cookies.set(res, pair) };
 * }
 */
@Injectable()
export class TokenCookies {
  private readonly config: ResolvedCookieSettings;

  constructor(settings: JwtSettings) {
    this.config = settings.cookies;
    this.refreshMaxAge = settings.refreshTtlSeconds;
  }

  private readonly refreshMaxAge: number;

  /** The cookie and header names in use, prefixes included. */
  get names(): Readonly<{ access: string; refresh: string; csrf: string; csrfHeader: string }> {
    const c = this.config;
    return {
      access: c.accessName,
      refresh: c.refreshName,
      csrf: c.csrfName,
      csrfHeader: c.csrfHeader,
    };
  }

  /**
   * Sets the access, refresh and CSRF cookies of `pair` on `response` and returns the new CSRF
   * token (also hand it to the client in the response body if its scripts cannot read cookies).
   */
  set(response: unknown, pair: TokenPair): string {
    const c = this.config;
    const csrf = randomBytes(32).toString('base64url');
    appendSetCookie(
      response,
      c.accessName,
      pair.access_token,
      this.attributes('/', true, pair.expires_in),
    );
    appendSetCookie(
      response,
      c.refreshName,
      pair.refresh_token,
      // Strict: the refresh cookie never rides along a cross-site request, whatever sameSite is.
      { ...this.attributes(c.refreshPath, true, this.refreshMaxAge), sameSite: 'strict' },
    );
    appendSetCookie(response, c.csrfName, csrf, this.attributes('/', false, this.refreshMaxAge));
    return csrf;
  }

  /** Expires the three cookies (at logout). */
  clear(response: unknown): void {
    const c = this.config;
    appendSetCookie(response, c.accessName, '', {
      ...this.attributes('/', true, 0),
      expires: new Date(0),
    });
    appendSetCookie(response, c.refreshName, '', {
      ...this.attributes(c.refreshPath, true, 0),
      sameSite: 'strict',
      expires: new Date(0),
    });
    appendSetCookie(response, c.csrfName, '', {
      ...this.attributes('/', false, 0),
      expires: new Date(0),
    });
  }

  /** The access token cookie of `request`, if any. */
  accessToken(request: AuthRequest): string | undefined {
    return nonEmpty(readCookie(request, this.config.accessName));
  }

  /** The refresh token cookie of `request`, if any (for a cookie-based refresh endpoint). */
  refreshToken(request: AuthRequest): string | undefined {
    return nonEmpty(readCookie(request, this.config.refreshName));
  }

  /**
   * Whether the CSRF header equals the CSRF cookie (compared in constant time). The JWT backend
   * checks it for cookie-borne tokens on unsafe methods; call it yourself in a cookie-based
   * refresh or logout endpoint.
   */
  csrfMatches(request: AuthRequest): boolean {
    const cookie = readCookie(request, this.config.csrfName);
    const header = singleHeader(request.headers[this.config.csrfHeader]);
    if (!cookie || !header || cookie.length > 256) return false;
    const expected = Buffer.from(cookie);
    const given = Buffer.from(header);
    return expected.length === given.length && timingSafeEqual(expected, given);
  }

  private attributes(path: string, httpOnly: boolean, maxAge: number): SerializeOptions {
    return {
      path,
      httpOnly,
      secure: this.config.secure,
      sameSite: this.config.sameSite,
      maxAge,
    };
  }
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
