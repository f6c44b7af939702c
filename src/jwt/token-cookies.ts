import { Injectable } from '@nestjs/common';
import type { SerializeOptions } from 'cookie';
import type { AuthRequest } from '../core/auth-request.js';
import { appendSetCookie, readCookie } from '../http/cookies.js';
import type { AuthRejection } from '../core/auth-reason.js';
import { csrfFailure, newCsrfToken } from '../http/csrf.js';
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
 * import type { Response } from 'express';
 *
 * @Controller('auth')
 * export class CookieLoginController {
 *   constructor(
 *     private readonly accounts: Accounts,
 *     private readonly tokens: TokenService,
 *     private readonly cookies: TokenCookies,
 *   ) {}
 *
 *   @Public() @Post('login')
 *   async login(
 *     @Body() body: { username: string; password: string },
 *     @Res({ passthrough: true }) response: Response,
 *   ) {
 *     const account = await this.accounts.check(body.username, body.password);
 *     if (!account) throw new AuthenticationFailedError('CREDENTIAL_INVALID');
 *     return { csrf_token: this.cookies.set(response, await this.tokens.issuePair(account.id)) };
 *   }
 * }
 */
@Injectable()
export class TokenCookies {
  private readonly config: ResolvedCookieSettings;

  constructor(settings: JwtSettings) {
    this.config = settings.cookies;
    this.refreshMaxAge = settings.refreshTtlMs / 1000;
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
    const csrf = newCsrfToken();
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
   * Why a cookie-authenticated request must be refused as cross-site, or `null` when it may go
   * on: the request's `Origin`/`Sec-Fetch-Site` must be this site or trusted, and the CSRF header
   * must equal the CSRF cookie (double submit, compared in constant time). The same check as the
   * session backend's. The JWT backend applies it to cookie-borne tokens on unsafe methods.
   */
  csrfFailure(request: AuthRequest): AuthRejection | null {
    return csrfFailure(request, readCookie(request, this.config.csrfName), this.config);
  }

  /**
   * Whether {@link TokenCookies.csrfFailure} finds nothing: call it in a cookie-based refresh or
   * logout endpoint.
   */
  csrfMatches(request: AuthRequest): boolean {
    return this.csrfFailure(request) === null;
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
