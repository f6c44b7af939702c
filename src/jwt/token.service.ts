import { Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import type { AuthSuccess } from '../core/auth-result.js';
import { Clock } from '../core/clock.js';
import {
  AuthConfigurationError,
  AuthenticationFailedError,
  AuthError,
  PermissionDeniedError,
} from '../core/auth-error.js';
import type { AuthEventType } from '../core/auth-event.js';
import { AuthEventPublisher } from '../core/auth-event-publisher.js';
import { received, type AuthReasonCode } from '../core/auth-reason.js';
import { dependencyCall, unavailable } from '../core/dependency-call.js';
import type { AuthRequest } from '../core/auth-request.js';
import { assertLoginOrigin } from '../http/csrf.js';
import { RevocationStore, type RevocationSubject } from './revocation/revocation-store.js';
import { JwtSettings } from './jwt-settings.js';
import { JwtVerifier, TOKEN_TYP } from './jwt-verifier.js';
import {
  JWT_BACKEND_NAME,
  RESERVED_CLAIMS,
  type IssuedTokenPair,
  type JwksDocument,
  type TokenClaims,
  type TokenType,
  type VerifiedToken,
} from './token-claims.js';

/** A token to revoke: verified by `TokenService.verify`, or a request's `AuthInfo`. */
export type RevocableToken = VerifiedToken | AuthSuccess;

/** What revoking a token needs to know of it; times in ms. */
interface Revocable {
  readonly id: string;
  readonly subject: string;
  readonly issuedAt: number;
  readonly family: string | undefined;
  readonly expiresAt: number;
  readonly familyEnd: number | undefined;
}

/** What a new token carries besides the library's claims. */
export interface IssueTokenOptions {
  /**
   * Custom claims, copied into the token (and, for pairs, carried through refreshes). They are
   * informational: permissions still come from your `UserModel`. Reserved claims (`sub`, `exp`,
   * `jti`, `fresh`…) are refused. Default: none.
   */
  claims?: Readonly<Record<string, unknown>>;
  /** Scopes written to the `scope` claim; they narrow the user's permissions. Default: none. */
  scopes?: readonly string[];
}

/** Options of {@link TokenService.issueAccessToken}. */
export interface IssueAccessTokenOptions extends IssueTokenOptions {
  /** Mark the token fresh: only right after a credential check. Default: `false`. */
  fresh?: boolean;
  /**
   * Lifetime in seconds, at most `jwt.accessTokenTtlSeconds` (the verifier refuses an access
   * token claiming a longer one). Default: `jwt.accessTokenTtlSeconds`.
   */
  expiresIn?: number;
}

/**
 * Issues, verifies, refreshes and revokes the JWTs of the JWT backend.
 *
 * @example
 * @Controller('auth')
 * export class LoginController {
 *   constructor(private readonly accounts: Accounts, private readonly tokens: TokenService) {}
 *
 *   @Public() @Post('login')
 *   async login(@Req() req: AuthRequest, @Body() body: { username: string; password: string }) {
 *     this.tokens.assertLoginOrigin(req); // 403 for a login from another site's page
 *     const account = await this.accounts.check(body.username, body.password);
 *     if (!account) throw new AuthenticationFailedError('CREDENTIAL_INVALID');
 *     // { access_token, refresh_token, token_type, expires_in }
 *     return this.tokens.issuePair(account.id);
 *   }
 * }
 */
@Injectable()
export class TokenService {
  // Built once per verified token, so a cached token's check allocates nothing new.
  private readonly revocationSubjects = new WeakMap<VerifiedToken, RevocationSubject>();

  constructor(
    private readonly settings: JwtSettings,
    private readonly verifier: JwtVerifier,
    private readonly store: RevocationStore,
    private readonly events: AuthEventPublisher,
    private readonly clock: Clock,
  ) {}

  /**
   * Refuses a login attempted from a cross-site browser context (login CSRF) with 403
   * (`PermissionDeniedError`, reason `CSRF_LOGIN_CROSS_SITE`) and one `csrf_rejected` event: an
   * `Origin` that is neither this host nor one of `jwt.cookies.trustedOrigins`, or a
   * `Sec-Fetch-Site` other than `same-origin` and `none`. Clients that send neither header (API
   * clients, scripts) pass. Call it first in a login handler, before the credentials are checked.
   */
  assertLoginOrigin(request: AuthRequest): void {
    assertLoginOrigin(request, this.settings.cookies.trustedOrigins, this.events, 'jwt');
  }

  /**
   * Issues an access and refresh token after a credential check (a login). The access token is
   * fresh; the pair starts a new refresh family, whose id is `family` on the result.
   */
  async issuePair(subject: string, options: IssueTokenOptions = {}): Promise<IssuedTokenPair> {
    const now = this.clock.now();
    const seconds = Math.floor(now / 1000);
    const pair = this.pair(subject, {
      now,
      family: randomId(),
      generation: 0,
      familyExpires: seconds + this.settings.familyLifetimeMs / 1000,
      // Milliseconds, like `iat`: the revocation cut-off compares it (see `loginTime`).
      authTime: now / 1000,
      fresh: true,
      custom: this.customClaims(options.claims),
      scope: scopeClaim(options.scopes),
    });
    this.emit('token_issued', subject);
    return pair;
  }

  /** Issues one access token, outside of any refresh family. */
  async issueAccessToken(subject: string, options: IssueAccessTokenOptions = {}): Promise<string> {
    return this.standalone('access', subject, options.expiresIn, {
      ...this.customClaims(options.claims),
      ...(options.fresh === true ? { fresh: true, auth_time: this.clock.now() / 1000 } : {}),
      ...(options.scopes ? { scope: scopeClaim(options.scopes) } : {}),
    });
  }

  /**
   * Signs `payload` as a token of its own type, `custom` (`typ: custom+jwt`), for the
   * application's own uses: a link in a mail, an invitation. It never authenticates a request;
   * check it with `verify(token, { type: 'custom' })`, which also checks revocation. The payload
   * must name the user in the identity claim (`sub` by default); `iat`, `nbf`, `exp` and `jti`
   * are added. For a token that opens routes, use `issueAccessToken`.
   *
   * @param options.expiresIn lifetime in seconds, at most `jwt.customTokenTtlSeconds`.
   * Default: `jwt.customTokenTtlSeconds`.
   */
  async createJwt(
    payload: Readonly<Record<string, unknown>>,
    options: { expiresIn?: number } = {},
  ): Promise<string> {
    const { [this.settings.identityClaim]: subject, ...rest } = payload;
    if (typeof subject !== 'string') {
      throw new TypeError(
        `createJwt: the payload needs the identity claim "${this.settings.identityClaim}" as a string`,
      );
    }
    return this.standalone('custom', subject, options.expiresIn, this.customClaims(rest));
  }

  /**
   * Verifies a token: signature, algorithm, type, times, lifetime, issuer, audience and
   * revocation. Throws `AuthenticationFailedError` (401, generic body) when it is not valid, and
   * `AuthUnavailableError` (503) when the revocation store cannot answer.
   *
   * @param options.type the expected type (`'custom'` for the tokens of `createJwt`).
   * Default: `'access'`.
   */
  async verify(token: string, options: { type?: TokenType } = {}): Promise<VerifiedToken> {
    const verified = await this.verifyUnrevoked(token, options.type ?? 'access');
    if (await this.isRevoked(verified)) throw new AuthenticationFailedError('TOKEN_REVOKED');
    return verified;
  }

  /** Whether `token` was revoked (by id, family or its user's cut-off). */
  async isRevoked(token: VerifiedToken): Promise<boolean> {
    return this.revocationOf(token);
  }

  /**
   * {@link isRevoked}, but the answer itself when the store gives one synchronously (the
   * in-memory store does), so the guard's path pays no promise for it. A store that throws or
   * rejects is refused as unavailable either way (503), never read as "not revoked".
   *
   * @param memo remember what the store is asked for this `token` object; for a token the
   *   verifier keeps in its cache, which comes back as the same object on the next request.
   */
  revocationOf(token: VerifiedToken, memo = false): boolean | Promise<boolean> {
    let subject = memo ? this.revocationSubjects.get(token) : undefined;
    if (subject === undefined) {
      subject = Object.freeze({
        tokenId: token.id,
        family: token.family,
        subject: token.subject,
        issuedAt: loginTime(token),
      });
      // Kept only for a token the verifier cached (`memo`): any other is never seen again.
      if (memo) this.revocationSubjects.set(token, subject);
    }
    let answer: boolean | Promise<boolean>;
    try {
      answer = this.store.isRevoked(subject);
    } catch (error) {
      throw unavailable(error, 'REVOCATION_STORE_UNAVAILABLE');
    }
    return typeof answer === 'boolean' ? answer : this.guard(answer);
  }

  /**
   * Rotates a refresh token: spends it and issues a new pair in the same family. The new access
   * token is not fresh. Presenting a spent refresh token again revokes the whole family
   * (RFC 9700 §4.14.2) and emits `token_reuse_detected`; of concurrent refreshes with one token,
   * exactly one succeeds. With `jwt.refreshReuseGraceSeconds`, presenting the token just spent
   * again within that window is refused (401) without revoking the family. Every refusal emits
   * one event (`token_refresh_failed`, or `token_reuse_detected`).
   */
  async refresh(refreshToken: string): Promise<IssuedTokenPair> {
    let token: VerifiedToken | undefined;
    try {
      token = await this.verifyUnrevoked(refreshToken, 'refresh');
      if (await this.isRevoked(token)) throw new AuthenticationFailedError('TOKEN_REVOKED');
      return await this.rotate(token);
    } catch (error) {
      this.refreshFailed(error, token);
      throw error;
    }
  }

  /** Spends the verified refresh token `token` and issues the next pair of its family. */
  private async rotate(token: VerifiedToken): Promise<IssuedTokenPair> {
    const claims = token.claims;
    const family = token.family!;
    const generation = claims.fam_gen!;
    // The store keeps one entry per family (its highest spent generation) until the family ends,
    // not one per spent token: memory grows with logins, not with refreshes.
    const result = await this.guard(
      this.store.consumeRefreshToken(
        family,
        generation,
        claims.fam_exp! * 1000 + this.settings.toleranceMs,
        { reuseGraceMs: this.settings.reuseGraceMs, owner: token.subject },
      ),
    );
    if (result === 'family_revoked') {
      throw new AuthenticationFailedError('TOKEN_REVOKED', { detail: 'refresh family revoked' });
    }
    if (result === 'in_grace') {
      // Another request spent this token a moment ago (a client racing itself): it holds the
      // new pair, so this one gets nothing, and the login stays.
      throw new AuthenticationFailedError('TOKEN_REFRESH_IN_GRACE', {
        detail: 'spent within the reuse grace window',
      });
    }
    if (result === 'reused') {
      await this.revokeLogin(token.subject, family, claims.fam_exp! * 1000, token.issuedAt);
      this.emit('token_reuse_detected', token.subject, token.id, 'TOKEN_REFRESH_REUSED');
      throw new AuthenticationFailedError('TOKEN_REFRESH_REUSED');
    }
    const custom: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(claims)) {
      if (!RESERVED_CLAIMS.has(name) && name !== this.settings.identityClaim) custom[name] = value;
    }
    const pair = this.pair(token.subject, {
      now: this.clock.now(),
      family,
      generation: generation + 1,
      familyExpires: claims.fam_exp!,
      authTime: claims.auth_time,
      fresh: false,
      custom,
      scope: claims.scope,
    });
    this.emit('token_refreshed', token.subject, token.id);
    return pair;
  }

  /**
   * Revokes one token until it expires: a `VerifiedToken`, or the `AuthInfo` of a request the
   * JWT backend authenticated (`@CurrentAuth()`), as at logout.
   */
  async revoke(token: RevocableToken): Promise<void> {
    await this.revokeOne(this.revocable(token));
  }

  /**
   * Revokes the refresh family of `token` (an access or refresh token of one login): every token
   * of that login stops working. A token outside any family is revoked alone.
   */
  async revokeFamily(token: RevocableToken): Promise<void> {
    await this.revokeLoginOf(this.revocable(token));
  }

  /**
   * Revokes the refresh family `family` (a pair's `family`, or a token's `fam` claim) without a
   * token at hand: every token of that login stops working. For ending one login from a list of
   * the user's devices. The library keeps no index of families, so checking that `family` is
   * `subject`'s is the caller's; `subject` names the user in the `token_revoked` event.
   */
  async revokeFamilyById(subject: string, family: string): Promise<void> {
    checkSubject(subject);
    if (typeof family !== 'string' || family === '') {
      throw new TypeError('TokenService: the family must be a non-empty string');
    }
    // The family ends within its lifetime from now at the latest (it started by now).
    const now = this.clock.now();
    if (!(await this.revokeLogin(subject, family, now + this.settings.familyLifetimeMs, now))) {
      this.emit('token_revoked', subject, undefined, undefined, 'refresh family');
    }
  }

  /**
   * Logs one login out: revokes the access token and its refresh family, and the family of
   * `refreshToken` when one is given and belongs to the same user.
   *
   * @example
   * @Controller('auth')
   * export class LogoutController {
   *   constructor(private readonly tokens: TokenService) {}
   *
   *   @Post('logout') @HttpCode(204)
   *   logout(@CurrentAuth() auth: AuthInfo, @Body() body: { refresh_token?: string }) {
   *     return this.tokens.logout(auth, body.refresh_token);
   *   }
   * }
   */
  async logout(access: RevocableToken, refreshToken?: string): Promise<void> {
    const t = this.revocable(access);
    // Once a write became a cut-off of the user, it covers the rest of this login too.
    let cutOff = await this.revokeOne(t);
    if (!cutOff && t.family !== undefined) cutOff = await this.revokeLoginOf(t);
    if (!cutOff && typeof refreshToken === 'string' && refreshToken !== '') {
      const refresh = await this.verifier.verify(refreshToken, 'refresh');
      if (refresh.ok && refresh.token.subject === t.subject) {
        await this.revokeLoginOf(this.revocable(refresh.token));
      }
    }
    this.emit('logout', t.subject, t.id);
  }

  /**
   * "Log out everywhere": every token of `subject` issued until now is refused. For a password
   * change, a disabled account or an admin's kill switch.
   *
   * With `except` (the `AuthInfo` of the current request, or a `VerifiedToken` of `subject`),
   * the login that token belongs to keeps working, through its refreshes: "log out the other
   * devices". It must be a token of a login (issued by `issuePair`): a standalone token has no
   * login to keep, and is refused with 403 (`PermissionDeniedError`, reason
   * `TOKEN_NOT_REVOCABLE`) before anything is revoked.
   *
   * @example
   * @Controller('auth')
   * export class OtherDevicesController {
   *   constructor(private readonly tokens: TokenService) {}
   *
   *   @Post('logout-others') @HttpCode(204) // this login stays
   *   logoutOthers(@CurrentUser() user: BaseUser, @CurrentAuth() auth: AuthInfo) {
   *     return this.tokens.revokeAllForUser(user.identity, { except: auth });
   *   }
   * }
   */
  async revokeAllForUser(
    subject: string,
    options: { except?: RevocableToken } = {},
  ): Promise<void> {
    checkSubject(subject);
    const keep = options.except === undefined ? undefined : this.loginOf(options.except, subject);
    await this.cutOff(subject, this.clock.now(), keep);
    this.emit('user_tokens_revoked', subject);
  }

  /** The public verification keys as a JWKS (RFC 7517); empty `keys` when only HS* is used. */
  jwks(): JwksDocument {
    const keys: JwksDocument['keys'] = [];
    for (const key of this.settings.keys.values()) {
      const jwk = key.publicJwk();
      if (jwk) keys.push(jwk as JwksDocument['keys'][number]);
    }
    return { keys };
  }

  private pair(
    subject: string,
    p: {
      now: number;
      family: string;
      /** The refresh token's generation in its family (0 at login). */
      generation: number;
      familyExpires: number;
      authTime: number | undefined;
      fresh: boolean;
      custom: Record<string, unknown>;
      scope: string | undefined;
    },
  ): IssuedTokenPair {
    checkSubject(subject);
    const seconds = Math.floor(p.now / 1000);
    const accessExp = Math.min(seconds + this.settings.accessTtlMs / 1000, p.familyExpires);
    const refreshExp = Math.min(seconds + this.settings.refreshTtlMs / 1000, p.familyExpires);
    if (refreshExp <= seconds) {
      throw new AuthenticationFailedError('JWT_EXPIRED', { detail: 'refresh family ended' });
    }
    const shared = {
      ...p.custom,
      ...(p.scope === undefined ? {} : { scope: p.scope }),
      ...(p.authTime === undefined ? {} : { auth_time: p.authTime }),
      fam: p.family,
    };
    const access = this.sign('access', {
      ...shared,
      ...this.standard(subject, p.now, accessExp),
      ...(p.fresh ? { fresh: true } : {}),
    });
    const refresh = this.sign('refresh', {
      ...shared,
      ...this.standard(subject, p.now, refreshExp),
      fam_exp: p.familyExpires,
      fam_gen: p.generation,
    });
    const pair = {
      access_token: access,
      refresh_token: refresh,
      token_type: 'bearer' as const,
      expires_in: accessExp - seconds,
    };
    // Not enumerable: a pair returned as the response body stays the RFC 6749 §5.1 shape.
    return Object.defineProperties(pair, {
      family: { value: p.family },
      refreshExpiresAt: { value: refreshExp * 1000 },
    }) as IssuedTokenPair;
  }

  /** A token of `type` outside any refresh family, living `expiresIn` s (default: its TTL). */
  private standalone(
    type: Exclude<TokenType, 'refresh'>,
    subject: string,
    expiresIn: number | undefined,
    claims: Record<string, unknown>,
  ): string {
    checkSubject(subject);
    const now = this.clock.now();
    const longest = this.settings.lifetimeMs[type] / 1000;
    const ttl = expiresIn ?? longest;
    checkTtl(ttl, longest, type === 'access' ? 'accessTokenTtlSeconds' : 'customTokenTtlSeconds');
    const token = this.sign(type, {
      ...claims,
      ...this.standard(subject, now, Math.floor(now / 1000) + ttl),
    });
    this.emit('token_issued', subject);
    return token;
  }

  private standard(subject: string, now: number, exp: number): TokenClaims {
    const { issuer, audience, identityClaim } = this.settings;
    return {
      [identityClaim]: subject,
      ...(issuer === undefined ? {} : { iss: issuer }),
      ...(audience === undefined
        ? {}
        : { aud: audience.length === 1 ? audience[0] : [...audience] }),
      // Milliseconds in `iat` keep "revoke everything issued before now" exact: a login in
      // the same second as a password change must survive it.
      iat: now / 1000,
      nbf: Math.floor(now / 1000),
      exp,
      jti: randomId(),
    };
  }

  private sign(type: TokenType, claims: TokenClaims): string {
    const key = this.settings.signingKey;
    if (key === undefined) {
      throw new AuthConfigurationError(
        'jwt.keys',
        'no configured key can sign, so tokens cannot be issued',
        'give a `secret` or a `privateKey` for the signing key',
      );
    }
    const header = { alg: key.algorithm, typ: TOKEN_TYP[type], kid: key.kid };
    const input = `${encode(header)}.${encode(claims)}`;
    return `${input}.${key.sign(input)}`;
  }

  private customClaims(
    claims: Readonly<Record<string, unknown>> | undefined,
  ): Record<string, unknown> {
    if (claims === undefined) return {};
    if (claims === null || typeof claims !== 'object' || Array.isArray(claims)) {
      throw new TypeError('TokenService: `claims` must be a plain object');
    }
    for (const name of Object.keys(claims)) {
      if (RESERVED_CLAIMS.has(name) || name === this.settings.identityClaim) {
        throw new TypeError(
          `TokenService: the claim "${name}" is reserved and set by the library; rename your claim`,
        );
      }
    }
    return { ...claims };
  }

  /**
   * What revoking `token` needs. A request's credential reaches here from `@CurrentAuth()` on
   * routes any backend may open, so anything but a JWT is a refusal (403; 401 when there is no
   * credential at all), never a TypeError and a 500.
   */
  private revocable(token: RevocableToken): Revocable {
    if (token === null || typeof token !== 'object') {
      throw new AuthenticationFailedError('CREDENTIAL_MISSING', { detail: 'no credential' });
    }
    const claims = token.claims as Partial<TokenClaims> | undefined;
    const subject = 'subject' in token ? token.subject : token.identity;
    const backend = 'backend' in token ? token.backend : JWT_BACKEND_NAME;
    if (
      backend !== JWT_BACKEND_NAME ||
      typeof claims?.exp !== 'number' ||
      typeof subject !== 'string' ||
      subject === ''
    ) {
      throw new PermissionDeniedError('BACKEND_NOT_ALLOWED', {
        detail: `a credential of the ${received(backend)} backend is not a JWT`,
      });
    }
    if (typeof claims.jti !== 'string') {
      throw new PermissionDeniedError('TOKEN_NOT_REVOCABLE', {
        detail:
          'no jti (jwt.acceptTokensWithoutJti): revokeAllForUser ends every token of its user',
      });
    }
    return {
      id: claims.jti,
      subject,
      issuedAt: typeof claims.iat === 'number' ? claims.iat * 1000 : this.clock.now(),
      family: typeof claims.fam === 'string' ? claims.fam : undefined,
      expiresAt: claims.exp * 1000,
      familyEnd: typeof claims.fam_exp === 'number' ? claims.fam_exp * 1000 : undefined,
    };
  }

  /** The refresh family of `token`, a token of `subject`'s. */
  private loginOf(token: RevocableToken, subject: string): string {
    const t = this.revocable(token);
    if (t.subject !== subject) {
      throw new TypeError('TokenService: `except` must be a token of the same user');
    }
    if (t.family === undefined) {
      // The request's own credential, as the documented `except: auth` passes it: a client that
      // authenticated with a standalone token gets a clear refusal (403), not a 500.
      throw new PermissionDeniedError('TOKEN_NOT_REVOCABLE', {
        detail:
          'a standalone token (issueAccessToken) has no login to keep: `except` needs a token from issuePair',
      });
    }
    return t.family;
  }

  /** Revokes the one token `t`; `true` when that became a cut-off of its user. */
  private async revokeOne(t: Revocable): Promise<boolean> {
    const until = t.expiresAt + this.settings.toleranceMs;
    const cutOff = await this.charged(t.subject, t.issuedAt, () =>
      this.store.revokeToken(t.id, until, t.subject),
    );
    if (!cutOff) this.emit('token_revoked', t.subject, t.id);
    return cutOff;
  }

  /** Revokes the login (refresh family) of `t`, or `t` alone outside any; as `revokeOne`. */
  private async revokeLoginOf(t: Revocable): Promise<boolean> {
    if (t.family === undefined) return this.revokeOne(t);
    const end = t.familyEnd ?? this.clock.now() + this.settings.familyLifetimeMs;
    const cutOff = await this.revokeLogin(t.subject, t.family, end, t.issuedAt);
    if (!cutOff) this.emit('token_revoked', t.subject, t.id, undefined, 'refresh family');
    return cutOff;
  }

  /** Revokes `subject`'s refresh family `family`, which ends at `familyEnd`; as `revokeOne`. */
  private async revokeLogin(
    subject: string,
    family: string,
    familyEnd: number,
    issuedAt: number,
  ): Promise<boolean> {
    const until = familyEnd + this.settings.toleranceMs;
    return this.charged(subject, issuedAt, () => this.store.revokeFamily(family, until, subject));
  }

  /**
   * Runs a revocation charged to `subject`. When the store holds `subject` to its quota, every
   * token of theirs issued until now (or `issuedAt`, the revoked token's, if later) is revoked
   * instead: stronger than asked, in the one entry a user's cut-off takes, so a flood of logouts
   * from one account neither fills the store nor leaves a token alive. `true` when it did so.
   */
  private async charged(
    subject: string,
    issuedAt: number,
    write: () => Promise<void>,
  ): Promise<boolean> {
    try {
      await write();
      return false;
    } catch (error) {
      if (!(error instanceof AuthError) || error.reason !== 'REVOCATION_QUOTA_EXCEEDED') {
        throw unavailable(error, 'REVOCATION_STORE_UNAVAILABLE');
      }
    }
    await this.cutOff(subject, Math.max(this.clock.now(), issuedAt), undefined);
    this.emit(
      'user_tokens_revoked',
      subject,
      undefined,
      'REVOCATION_QUOTA_EXCEEDED',
      'the revocation store holds its quota for the user, so every token of theirs issued until now is revoked',
    );
    return true;
  }

  /** Refuses every token of `subject` issued at or before `before`, but those of `keep`. */
  private async cutOff(subject: string, before: number, keep: string | undefined): Promise<void> {
    // Remembered until every token issued by then has expired, the clock tolerance included.
    const until = before + this.settings.longestLifetimeMs + this.settings.toleranceMs + 1000;
    await this.guard(this.store.revokeSubject(subject, before, until, keep));
  }

  /** A token of `type` whose signature, claims and times hold; revocation is not checked. */
  private async verifyUnrevoked(token: string, type: TokenType): Promise<VerifiedToken> {
    if (typeof token !== 'string' || token === '') {
      throw new AuthenticationFailedError('CREDENTIAL_MISSING', { detail: `no ${type} token` });
    }
    const verification = await this.verifier.verify(token, type);
    if (!verification.ok) {
      throw new AuthenticationFailedError(verification.reason, { detail: verification.detail });
    }
    return verification.token;
  }

  /**
   * The one event of a refused refresh: `token_refresh_failed` with the reason, or
   * `auth_unavailable` when the store could not answer. A reuse has reported itself already
   * (`token_reuse_detected`). Refresh endpoints are public, so the guard reports none of these.
   */
  private refreshFailed(error: unknown, token: VerifiedToken | undefined): void {
    if (!(error instanceof AuthError) || error.reason === 'TOKEN_REFRESH_REUSED') return;
    const outage = error.code === 'AUTH_UNAVAILABLE';
    this.events.publish({
      type: outage ? 'auth_unavailable' : 'token_refresh_failed',
      backend: JWT_BACKEND_NAME,
      identity: token?.subject,
      credentialId: token?.id,
      reason: error.reason,
      detail: error.detail,
      error: outage ? (error.cause ?? error) : undefined,
    });
  }

  private guard<T>(operation: Promise<T>): Promise<T> {
    return dependencyCall('REVOCATION_STORE_UNAVAILABLE', operation);
  }

  private emit(
    type: AuthEventType,
    identity: string,
    credentialId?: string,
    reason?: AuthReasonCode,
    detail?: string,
  ): void {
    this.events.publish({
      type,
      backend: JWT_BACKEND_NAME,
      identity,
      credentialId,
      reason,
      detail,
    });
  }
}

/**
 * The time "log out everywhere" compares with its cut-off: the login (`auth_time`) when it is
 * earlier than `iat`. A pair refreshed while the cut-off is being written is issued after it, but
 * its login is not, so a refresh racing a logout-everywhere cannot carry the login past it.
 */
function loginTime(token: VerifiedToken): number {
  const authTime = token.claims.auth_time;
  if (typeof authTime !== 'number' || !Number.isFinite(authTime)) return token.issuedAt;
  return Math.min(token.issuedAt, Math.round(authTime * 1000));
}

function randomId(): string {
  return randomBytes(16).toString('base64url');
}

function encode(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

function scopeClaim(scopes: readonly string[] | undefined): string | undefined {
  if (scopes === undefined) return undefined;
  if (
    !Array.isArray(scopes) ||
    scopes.some((s) => typeof s !== 'string' || s === '' || s.includes(' '))
  ) {
    throw new TypeError('TokenService: `scopes` must be non-empty strings without spaces');
  }
  return scopes.join(' ');
}

function checkSubject(subject: unknown): asserts subject is string {
  if (typeof subject !== 'string' || subject === '') {
    throw new TypeError('TokenService: the subject (user identity) must be a non-empty string');
  }
}

function checkTtl(seconds: unknown, longest: number, option: string): void {
  if (typeof seconds !== 'number' || !Number.isInteger(seconds) || seconds <= 0) {
    throw new TypeError('TokenService: `expiresIn` must be a positive whole number of seconds');
  }
  // A longer-lived token would be refused by the verifier.
  if (seconds > longest) {
    throw new TypeError(
      `TokenService: \`expiresIn\` is at most ${longest} seconds, the lifetime of this token type (jwt.${option})`,
    );
  }
}
