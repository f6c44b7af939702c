import { Injectable, type Provider } from '@nestjs/common';
import { viewedRequest, type AuthRequest } from '../core/auth-request.js';
import { Clock } from '../core/clock.js';
import { unavailable } from '../core/dependency-call.js';
import type { AuthRejection } from '../core/auth-reason.js';
import { isUnsafeMethod } from '../http/headers.js';
import { csrfFailure } from '../http/csrf.js';
import { InMemorySessionStore } from './in-memory-session.store.js';
import {
  bindingOf,
  requireBinding,
  usableSession,
  type SessionBinding,
} from './session-binding.js';
import { DetachedSessions } from './detached-session.js';
import { readRecord, RECORD_KEY, sessionHandle, type SessionRecord } from './session-record.js';
import { SessionInstallation } from './session-installation.js';
import { SessionSettings, sessionSettingsProvider } from './session-settings.js';
import { SessionStore } from './session-store.js';
import { SESSION_ENDS, SessionService } from './session.service.js';
import { AuthBackend } from '../core/auth-backend.js';
import { AuthResults, type AuthResult } from '../core/auth-result.js';
import type { SecuritySchemes } from '../core/security-scheme.js';

/**
 * Cookie sessions: express-session on Express, the library's own session layer on Fastify, one
 * store behind both. Named `'session'`.
 *
 * Per request it enforces the idle and absolute timeouts (against the `Clock`), and for every
 * method but GET, HEAD, OPTIONS and TRACE the per-session CSRF token and the `Origin`/`Sec-Fetch-Site` checks; a
 * failed CSRF check answers 403 and leaves the session untouched. A cookie that is missing,
 * tampered with, unsigned or unknown makes the request anonymous. A store outage answers 503.
 *
 * Brings `SessionService` (login, logout, listing, revocation), `SessionSettings` and the default
 * `InMemorySessionStore`. Needs `session` options and `configureSessions(app)` in main.ts.
 *
 * @example
 * AuthModule.forRoot({
 *   backends: [SessionBackend],
 *   userModel: Users,
 *   session: { secret: process.env.SESSION_SECRET! },
 * });
 *
 * // main.ts
 * const app = await NestFactory.create(AppModule);
 * await configureSessions(app);
 * await app.listen(3000);
 */
@Injectable()
export class SessionBackend extends AuthBackend {
  static readonly providers: Provider[] = [
    sessionSettingsProvider,
    SessionInstallation,
    SessionService,
    DetachedSessions,
    { provide: SessionStore, useClass: InMemorySessionStore },
  ];

  readonly name = 'session';

  constructor(
    private readonly settings: SessionSettings,
    private readonly sessions: SessionService,
    private readonly clock: Clock,
    private readonly detached: DetachedSessions,
  ) {
    super();
  }

  /** The session cookie, with its CSRF header on unsafe methods. */
  override describeSecurity(): SecuritySchemes {
    return {
      [this.name]: {
        type: 'apiKey',
        in: 'cookie',
        name: this.settings.cookieName,
        description: `A session cookie, set by the login. Every method but GET, HEAD, OPTIONS and TRACE also needs the session's CSRF token in the ${this.settings.csrfHeader} header.`,
      },
    };
  }

  async authenticate(request: AuthRequest): Promise<AuthResult> {
    // A view of another transport (a WebSocket upgrade, an RPC message) never went through the
    // middleware: its session is read from the store by the cookie it carries.
    // A GraphQL operation over HTTP is a view of its HTTP request, which the middleware did see.
    const binding =
      bindingOf(viewedRequest(request) ?? request) ??
      (request.transport === undefined
        ? requireBinding(request)
        : await this.detached.bind(request));
    const session = usableSession(binding);
    const record = readRecord(session);
    const sid = binding.id();
    if (!session || !record || !sid) {
      // A bad signature, an unsigned or unknown id all arrive here as a fresh, empty session.
      return binding.hadCookie
        ? AuthResults.invalid(this.name, 'SESSION_INVALID')
        : AuthResults.missing(this.name);
    }
    const now = this.clock.now();
    if (now - record.createdAt >= this.settings.absoluteTimeoutMs) {
      return this.expire(binding, sid, record, request, SESSION_ENDS.absoluteTimeout);
    }
    if (now - record.lastActivity >= this.settings.idleTimeoutMs) {
      return this.expire(binding, sid, record, request, SESSION_ENDS.idleTimeout);
    }
    const handle = binding.handle?.() ?? sessionHandle(sid);
    if (isUnsafeMethod(request.method)) {
      const failure = csrfFailure(request, record.csrf, this.settings);
      if (failure !== null) {
        // Nothing is written: a refused request does not even count as activity. The guard
        // emits the refusal's one event (permission_denied), naming the user and the session.
        return AuthResults.forbidden(this.name, failure.reason, failure.detail, {
          identity: record.identity,
          credentialId: handle,
        });
      }
    }
    if (now - record.lastActivity >= this.settings.activityWriteIntervalMs) {
      // Coarse on purpose: a store write (and, with some stores, a network round trip) on every
      // request would cost more than the rest of the check. See `activityWriteIntervalMs`.
      const touched: SessionRecord = { ...record, lastActivity: now };
      session[RECORD_KEY] = touched;
      try {
        await binding.save();
      } catch (error) {
        throw unavailable(error, 'SESSION_STORE_UNAVAILABLE', 'save');
      }
    }
    return AuthResults.success(this.name, record.identity, {
      credentialId: handle,
      issuedAt: record.createdAt,
      fresh: now - record.createdAt <= this.settings.freshForMs,
      claims: { sessionId: handle, createdAt: record.createdAt },
    });
  }

  private async expire(
    binding: SessionBinding,
    sid: string,
    record: SessionRecord,
    request: AuthRequest,
    why: AuthRejection,
  ): Promise<AuthResult> {
    await this.sessions.end(binding, sid, record.identity, why, request);
    return AuthResults.invalid(this.name, why.reason, why.detail);
  }
}
