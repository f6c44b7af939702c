import { createHash } from 'node:crypto';
import { Injectable, Logger, type Provider } from '@nestjs/common';
import { LoginThrottledError } from '../core/auth-error.js';
import { AuthEventPublisher } from '../core/auth-event-publisher.js';
import { received } from '../core/auth-reason.js';
import type { AuthRequest } from '../core/auth-request.js';
import { Clock } from '../core/clock.js';
import { dependencyCall } from '../core/dependency-call.js';
import { appendSetCookie, readCookie } from '../http/cookies.js';
import { pathOf, setResponseHeader } from '../http/headers.js';
import { DeviceTokens } from './device-tokens.js';
import { InMemoryLoginThrottleStore } from './in-memory-login-throttle.store.js';
import { LoginThrottleSettings, loginThrottleSettingsProvider } from './login-throttle-settings.js';
import { LoginThrottleStore } from './login-throttle-store.js';

/** What {@link LoginThrottle.attempt} takes besides the request and the account. */
export interface LoginAttemptOptions {
  /**
   * The response (Express `Response`, Fastify `FastifyReply`), so that a refusal carries its
   * `Retry-After` header. Default: none (the header is then up to an exception filter, from
   * `LoginThrottledError.retryAfterSeconds`).
   */
  response?: unknown;
  /**
   * A device token the client sent another way than the device cookie, such as a `device_token`
   * field of a JSON login body. Default: the request's device cookie.
   */
  deviceToken?: string;
  /** The backend the login is for, named in the events (`'jwt'`, `'session'`). Default: none. */
  backend?: string;
}

/** One counted login attempt, allowed to go on to the credential check. */
export interface LoginAttempt {
  /**
   * Whether the client presented a valid device token for the account: it is counted on that
   * token's own budget, which failures elsewhere never use up.
   */
  readonly trusted: boolean;
  /**
   * Call it once the credentials were accepted: forgets the failures counted on this client's
   * budget and returns a new device token for the account, to hand to the client (the device
   * cookie via {@link LoginThrottle.setDeviceCookie}, or a field of the response body).
   */
  succeeded(): Promise<string>;
}

/**
 * Throttles password logins per account, with trusted-device tokens as OWASP's "device cookies"
 * describe, so that strangers guessing a password cannot lock the owner out:
 *
 * - every attempt is counted before the credentials are checked, in one atomic step of the
 *   {@link LoginThrottleStore}, so a burst of parallel guesses gets no more than `maxAttempts`
 *   of them checked, on one instance or many;
 * - a client without a valid device token for the account shares one budget with every such
 *   client: after `maxAttempts` failures within `lockoutSeconds` they all get 429 with
 *   `Retry-After` until the lockout ends;
 * - a client holding a device token for the account (issued by an earlier successful login)
 *   has that token's own budget of `maxAttempts`, and is not locked out by failures elsewhere;
 * - a device token is bound to one account (HMAC-signed over the account name, with
 *   `loginThrottle.deviceTokenSecret`) and counts as none for any other.
 *
 * Pass the account as your application compares it (lower-cased when names are
 * case-insensitive), and unknown accounts the same way as real ones, so a 429 tells nothing. A
 * store that fails refuses the login with 503. Every refusal emits a `login_throttled` event.
 *
 * @example
 * @Controller('auth')
 * export class LoginController {
 *   constructor(
 *     private readonly accounts: Accounts,
 *     private readonly throttle: LoginThrottle,
 *     private readonly sessions: SessionService,
 *   ) {}
 *
 *   @Public() @Post('login')
 *   async login(
 *     @Req() req: AuthRequest,
 *     @Res({ passthrough: true }) res: unknown,
 *     @Body() body: { username: string; password: string },
 *   ) {
 *     this.sessions.assertLoginOrigin(req);
 *     const attempt = await this.throttle.attempt(req, body.username.toLowerCase(), { response: res });
 *     const account = await this.accounts.check(body.username, body.password);
 *     if (!account) throw new AuthenticationFailedError('CREDENTIAL_INVALID');
 *     this.throttle.setDeviceCookie(res, await attempt.succeeded());
 *     return { csrf_token: (await this.sessions.login(req, account.id)).csrfToken };
 *   }
 * }
 */
@Injectable()
export class LoginThrottle {
  private static readonly logger = new Logger('Gatehouse');
  private readonly tokens: DeviceTokens;
  private warnedSecret = false;

  constructor(
    private readonly settings: LoginThrottleSettings,
    private readonly store: LoginThrottleStore,
    private readonly clock: Clock,
    private readonly events: AuthEventPublisher,
  ) {
    this.tokens = new DeviceTokens(settings.secrets, settings.deviceTokenTtlMs, clock);
  }

  /**
   * Counts one login attempt for `account`, before its credentials are checked. Resolves to the
   * attempt when it may go on; rejects with `LoginThrottledError` (429) when the client's budget
   * for the account is spent, and with `AuthUnavailableError` (503) when the store fails.
   */
  async attempt(
    request: AuthRequest,
    account: string,
    options: LoginAttemptOptions = {},
  ): Promise<LoginAttempt> {
    if (typeof account !== 'string' || account === '') {
      throw new TypeError('LoginThrottle.attempt: the account must be a non-empty string');
    }
    this.warnOfGeneratedSecret();
    const presented = options.deviceToken ?? readCookie(request, this.settings.cookieName);
    const device = presented ? this.tokens.verify(presented, account) : null;
    const key = device === null ? `a:${digest(account)}` : `d:${device}`;
    const { maxAttempts, lockoutMs } = this.settings;
    const count = await dependencyCall('LOGIN_THROTTLE_UNAVAILABLE', () =>
      this.store.hit(key, maxAttempts, lockoutMs),
    );
    if (count.attempts > maxAttempts) {
      const retryAfter = Math.max(1, Math.ceil(count.remainingMs / 1000));
      const detail = `${device === null ? 'clients without a device token' : 'this device token'} locked out of account ${received(account)} for ${retryAfter} s`;
      if (options.response !== undefined) {
        setResponseHeader(options.response, 'Retry-After', String(retryAfter));
      }
      this.events.publish({
        type: 'login_throttled',
        backend: options.backend ?? null,
        reason: 'LOGIN_THROTTLED',
        detail,
        method: request.method,
        path: pathOf(request.url),
        ip: request.ip,
      });
      throw new LoginThrottledError(retryAfter, { detail });
    }
    return {
      trusted: device !== null,
      succeeded: async () => {
        await dependencyCall('LOGIN_THROTTLE_UNAVAILABLE', () => this.store.reset(key));
        return this.tokens.issue(account);
      },
    };
  }

  /**
   * Sets the device cookie to `token` on `response`: HttpOnly, Secure, `SameSite=Strict` (only
   * the site's own login pages need it), `Path=/`, for the token's lifetime. Its name is
   * `loginThrottle.deviceCookieName` with the `__Host-` prefix (`__Host-device`).
   */
  setDeviceCookie(response: unknown, token: string): void {
    appendSetCookie(response, this.settings.cookieName, token, {
      path: '/',
      httpOnly: true,
      secure: this.settings.secure,
      sameSite: 'strict',
      maxAge: Math.floor(this.settings.deviceTokenTtlMs / 1000),
    });
  }

  private warnOfGeneratedSecret(): void {
    if (!this.settings.secretGenerated || this.warnedSecret) return;
    this.warnedSecret = true;
    LoginThrottle.logger.warn(
      'loginThrottle.deviceTokenSecret is not set, so device tokens are signed with a random ' +
        'secret of this process: they stop working at a restart and other instances do not ' +
        'accept them. Set `loginThrottle: { deviceTokenSecret }` to at least 32 random characters.',
    );
  }
}

/** Account names are of any length and content; keys are fixed-size digests. */
function digest(account: string): string {
  return createHash('sha256').update(account).digest('base64url');
}

/**
 * What `AuthModule` provides for the login throttle: its settings, the service and the default
 * in-memory store (replaced by a `LoginThrottleStore` among the module's `providers`). Internal.
 */
export const LOGIN_THROTTLE_PROVIDERS: readonly Provider[] = [
  loginThrottleSettingsProvider,
  LoginThrottle,
  { provide: LoginThrottleStore, useClass: InMemoryLoginThrottleStore },
];
