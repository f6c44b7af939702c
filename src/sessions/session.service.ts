import { Injectable, Logger } from '@nestjs/common';
import type { AuthRequest } from '../core/auth-request.js';
import { Clock } from '../core/clock.js';
import { dependencyCall } from '../core/dependency-call.js';
import type { AuthEventType } from '../core/auth-event.js';
import { AuthEventPublisher } from '../core/auth-event-publisher.js';
import { received, type AuthRejection } from '../core/auth-reason.js';
import { pathOf } from '../http/headers.js';
import type { BaseUser } from '../core/base-user.js';
import { assertLoginOrigin, newCsrfToken } from '../http/csrf.js';
import {
  bindingOf,
  requireBinding,
  storeFailureOf,
  usableSession,
  type SessionBinding,
} from './session-binding.js';
import type { LoginResult, SessionInfo } from './session-info.js';
import {
  readRecord,
  RECORD_KEY,
  sessionExpiry,
  sessionHandle,
  type SessionRecord,
} from './session-record.js';
import { SessionSettings } from './session-settings.js';
import { SessionStore } from './session-store.js';

const BACKEND = 'session';

/**
 * Why a session ended, for its `session_destroyed` event. Only running out is a failure, with a
 * code. Internal.
 */
export const SESSION_ENDS = Object.freeze({
  logout: { detail: 'logout' },
  revoked: { detail: 'revoked' },
  idleTimeout: { reason: 'SESSION_EXPIRED', detail: 'idle timeout' },
  absoluteTimeout: { reason: 'SESSION_EXPIRED', detail: 'absolute timeout' },
  foundExpired: { reason: 'SESSION_EXPIRED', detail: 'found expired' },
  gone: { reason: 'SESSION_EXPIRED', detail: 'gone from the store' },
} as const satisfies Record<string, Partial<AuthRejection>>);

/**
 * Logs users in and out of cookie sessions, and lists and revokes their sessions.
 * Brought by `SessionBackend`; needs `configureSessions(app)`.
 *
 * @example
 * @Controller('auth')
 * export class SessionLoginController {
 *   constructor(private readonly accounts: Accounts, private readonly sessions: SessionService) {}
 *
 *   @Public() @Post('login')
 *   async login(@Req() req: AuthRequest, @Body() body: { username: string; password: string }) {
 *     const account = await this.accounts.check(body.username, body.password);
 *     if (!account) throw new AuthenticationFailedError('CREDENTIAL_INVALID');
 *     const { csrfToken } = await this.sessions.login(req, account.id);
 *     return { csrf_token: csrfToken };
 *   }
 * }
 */
@Injectable()
export class SessionService {
  private static readonly logger = new Logger('Gatehouse');
  private warnedPlainHttp = false;

  constructor(
    private readonly settings: SessionSettings,
    private readonly store: SessionStore,
    private readonly clock: Clock,
    private readonly events: AuthEventPublisher,
  ) {}

  /**
   * Logs `user` in on this request's session. The session always gets a new id (the one the
   * request came with is destroyed, so a planted id is worthless) and a new CSRF token.
   * Call it after checking the user's credentials. A login from a cross-site browser context is
   * refused first, as {@link SessionService.assertLoginOrigin} does, and leaves the request's
   * session as it was. Rejects with `AuthUnavailableError` when the store fails.
   */
  async login(request: AuthRequest, user: BaseUser | string): Promise<LoginResult> {
    const identity = typeof user === 'string' ? user : user?.identity;
    if (typeof identity !== 'string' || identity === '') {
      throw new TypeError('SessionService.login: the user has no identity');
    }
    this.assertLoginOrigin(request);
    const binding = requireBinding(request);
    const before = usableSession(binding);
    const previous = readRecord(before);
    const previousId = binding.id();
    const sid = await this.unavailableOnError('login', async () => {
      await binding.regenerate();
      if (previous && previousId) await this.store.removeFromIndex(previous.identity, previousId);
      const session = binding.session();
      const id = binding.id();
      if (!session || !id) throw new Error('the session middleware produced no session');
      const now = this.clock.now();
      const record: SessionRecord = {
        identity,
        createdAt: now,
        lastActivity: now,
        csrf: newCsrfToken(),
        userAgent: userAgentOf(request),
        ip: request.ip,
      };
      // Indexed before the record is written, so a logged-in session is always reachable by the
      // session list and "log out everywhere". If anything fails from here on, the record comes
      // off again: the middleware saves the session when the response ends, and a refused (503)
      // login must not leave a working cookie behind.
      try {
        await this.store.addToIndex(identity, id, this.settings.absoluteTimeoutMs);
        session[RECORD_KEY] = record;
        await binding.save();
      } catch (error) {
        delete session[RECORD_KEY];
        throw error;
      }
      return id;
    });
    if (this.settings.secure && binding.transport === 'plain') this.warnPlainHttp(request);
    const handle = sessionHandle(sid);
    this.emit('session_created', request, identity, handle);
    return { csrfToken: this.currentRecord(binding)!.csrf, sessionId: handle };
  }

  /**
   * Refuses a login attempted from a cross-site browser context (login CSRF) with 403
   * (`PermissionDeniedError`, reason `CSRF_LOGIN_CROSS_SITE`) and one `csrf_rejected` event: an
   * `Origin` that is neither this host nor one of `session.trustedOrigins`, or a
   * `Sec-Fetch-Site` other than `same-origin` and `none`. Clients that send neither header pass.
   * `login` applies it itself; call it first in the login handler too, before the credentials are
   * checked, so a refused attempt costs no password check and counts against no throttle.
   */
  assertLoginOrigin(request: AuthRequest): void {
    assertLoginOrigin(request, this.settings.trustedOrigins, this.events, BACKEND);
  }

  /**
   * Logs the request's session out: the session is destroyed in the store and the browser is
   * told to drop the cookie. Returns whether there was a login to end.
   */
  async logout(request: AuthRequest): Promise<boolean> {
    const binding = requireBinding(request);
    const session = usableSession(binding);
    const record = this.currentRecord(binding);
    const sid = binding.id();
    if (!session || !record || !sid) return false;
    await this.end(binding, sid, record.identity, SESSION_ENDS.logout, request);
    return true;
  }

  /** The CSRF token of the request's logged-in session, or `null` when it has none. */
  csrfToken(request: AuthRequest): string | null {
    const binding = bindingOf(request);
    return binding ? (this.currentRecord(binding)?.csrf ?? null) : null;
  }

  /**
   * The active sessions of `identity`, most recently used first. Pass the current request to
   * have its session marked `current`. Ended sessions found in the index are cleaned up.
   */
  async listSessions(identity: string, current?: AuthRequest): Promise<SessionInfo[]> {
    const currentId = current ? bindingOf(current)?.id() : undefined;
    const live = await this.liveSessions(identity);
    return live
      .map(({ sid, record }) => ({
        id: sessionHandle(sid),
        createdAt: record.createdAt,
        lastUsedAt: record.lastActivity,
        userAgent: record.userAgent ?? null,
        ip: record.ip ?? null,
        current: sid === currentId,
      }))
      .sort((a, b) => b.lastUsedAt - a.lastUsedAt);
  }

  /**
   * Ends the session of `identity` whose handle (`SessionInfo.id`) is `id`. Returns `false` when
   * the user has no such session, including another user's session.
   */
  async revokeSession(identity: string, id: string): Promise<boolean> {
    const sids = await this.unavailableOnError('list', () => this.store.listIndex(identity));
    const sid = sids.find((candidate) => sessionHandle(candidate) === id);
    if (sid === undefined) return false;
    const record = readRecord(await this.unavailableOnError('read', () => this.store.get(sid)));
    if (record === null || record.identity !== identity) {
      // Already ended (or, impossibly, someone else's): forget the index entry, touch nothing else.
      await this.unavailableOnError('index', () => this.store.removeFromIndex(identity, sid));
      return false;
    }
    await this.end(undefined, sid, identity, SESSION_ENDS.revoked);
    return true;
  }

  /**
   * Ends every session of `identity` (logout everywhere, a password change, a disabled account).
   * With `except`, the session of that request survives. Returns how many sessions ended.
   */
  async revokeAllSessions(
    identity: string,
    options: { except?: AuthRequest } = {},
  ): Promise<number> {
    const keep = options.except ? bindingOf(options.except)?.id() : undefined;
    const sids = await this.unavailableOnError('list', () => this.store.listIndex(identity));
    let ended = 0;
    for (const sid of sids) {
      if (sid === keep) continue;
      await this.end(undefined, sid, identity, SESSION_ENDS.revoked);
      ended++;
    }
    return ended;
  }

  /**
   * Destroys the session `sid` of `identity` and its index entry; given the request's binding,
   * also drops it from the request and the browser. `why` goes into the `session_destroyed`
   * event: a code when the session ran out, a detail always. Used by `SessionBackend` on
   * timeouts; applications call `logout`, `revokeSession` or `revokeAllSessions`.
   *
   * @internal
   */
  async end(
    binding: SessionBinding | undefined,
    sid: string,
    identity: string,
    why: Partial<AuthRejection>,
    request?: AuthRequest,
  ): Promise<void> {
    await this.unavailableOnError('destroy', async () => {
      await this.store.destroy(sid);
      await this.store.removeFromIndex(identity, sid);
      await binding?.end();
    });
    this.events.publish({
      type: 'session_destroyed',
      backend: BACKEND,
      identity,
      reason: why.reason,
      detail: why.detail,
      credentialId: sessionHandle(sid),
      method: request?.method,
      path: request ? pathOf(request.url) : undefined,
      ip: request?.ip,
    });
  }

  private async liveSessions(identity: string): Promise<{ sid: string; record: SessionRecord }[]> {
    const sids = await this.unavailableOnError('list', () => this.store.listIndex(identity));
    const now = this.clock.now();
    const found = await Promise.all(
      sids.map(async (sid) => ({
        sid,
        record: readRecord(await this.unavailableOnError('read', () => this.store.get(sid))),
      })),
    );
    const live: { sid: string; record: SessionRecord }[] = [];
    for (const { sid, record } of found) {
      const { idleTimeoutMs, absoluteTimeoutMs } = this.settings;
      if (
        record &&
        record.identity === identity &&
        sessionExpiry(record, idleTimeoutMs, absoluteTimeoutMs) > now
      ) {
        live.push({ sid, record });
      } else if (record && record.identity !== identity) {
        await this.unavailableOnError('index', () => this.store.removeFromIndex(identity, sid));
      } else {
        await this.end(
          undefined,
          sid,
          identity,
          record ? SESSION_ENDS.foundExpired : SESSION_ENDS.gone,
        );
      }
    }
    return live;
  }

  /**
   * Says, once, why a login over plain HTTP leaves the browser without a session: the commonest
   * way to lose an afternoon to cookie sessions, and otherwise silent.
   */
  private warnPlainHttp(request: AuthRequest): void {
    if (this.warnedPlainHttp) return;
    this.warnedPlainHttp = true;
    SessionService.logger.warn(
      `a session login arrived over plain HTTP for host ${received(request.headers.host)}, and ` +
        'the session cookie is Secure: browsers keep it only from HTTPS or loopback ' +
        '(http://127.0.0.1, http://localhost), and express-session does not even send it, so ' +
        'this login gets no working session. Serve the app over HTTPS (behind a TLS-terminating ' +
        "proxy, make the framework trust the proxy: app.set('trust proxy', …) on Express, " +
        'trustProxy on Fastify), or browse it at http://127.0.0.1 or http://localhost in ' +
        'development.',
    );
  }

  private currentRecord(binding: SessionBinding): SessionRecord | null {
    const session = binding.session();
    return session && storeFailureOf(session) === undefined ? readRecord(session) : null;
  }

  private unavailableOnError<T>(what: string, run: () => Promise<T>): Promise<T> {
    return dependencyCall('SESSION_STORE_UNAVAILABLE', run, what);
  }

  private emit(type: AuthEventType, request: AuthRequest, identity: string, handle: string): void {
    this.events.publish({
      type,
      backend: BACKEND,
      identity,
      credentialId: handle,
      method: request.method,
      path: pathOf(request.url),
      ip: request.ip,
    });
  }
}

function userAgentOf(request: AuthRequest): string | undefined {
  const value = request.headers['user-agent'];
  return typeof value === 'string' ? value.slice(0, 256) : undefined;
}
