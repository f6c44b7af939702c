import { Injectable } from '@nestjs/common';
import type { AuthRequest } from '../core/auth-request.js';
import { Clock } from '../core/clock.js';
import { dependencyCall } from '../core/dependency-call.js';
import { readCookie } from '../http/cookies.js';
import { cookieTransport } from '../http/loopback.js';
import { verifySessionId } from './session-cookie.js';
import { SessionMiddlewareStore } from './session-middleware.store.js';
import { SessionInstallation } from './session-installation.js';
import { SessionSettings } from './session-settings.js';
import { SessionStore, type StoredSession } from './session-store.js';
import type { SessionBinding } from './session-binding.js';

/**
 * Session bindings for request views that never went through the session middleware: a
 * WebSocket upgrade, a graphql-ws connection, an RPC message. Internal.
 *
 * The cookie is checked as the installed middleware signs it (express-session prefixes `s:`,
 * the Fastify session layer does not; both append an HMAC-SHA-256), with every configured secret, and
 * the session is read from the `SessionStore` at each check, so a session ended elsewhere (a
 * logout, a revocation, another instance) stops working at the next message of a connection.
 * A connection has no response to carry a cookie: it can touch its session, never start one.
 */
@Injectable()
export class DetachedSessions {
  private readonly writer: SessionMiddlewareStore;

  constructor(
    private readonly settings: SessionSettings,
    private readonly store: SessionStore,
    private readonly installation: SessionInstallation,
    clock: Clock,
  ) {
    this.writer = new SessionMiddlewareStore(store, clock, settings);
  }

  /** The binding of `request`, a view built by a transport. */
  async bind(request: AuthRequest): Promise<SessionBinding> {
    const cookie = readCookie(request, this.settings.cookieName);
    const sid = cookie === undefined ? undefined : this.unsign(cookie);
    let session: StoredSession | null = null;
    if (sid !== undefined) {
      session = await dependencyCall(
        'SESSION_STORE_UNAVAILABLE',
        () => this.store.get(sid),
        'read',
      );
    }
    const writer = this.writer;
    return {
      hadCookie: cookie !== undefined,
      // A view keeps no TLS flag: only a loopback peer is known to be as good as one.
      transport: cookieTransport(false, request.headers, request.ip),
      session: () => session,
      id: () => (session === null ? undefined : sid),
      save: () =>
        new Promise<void>((resolve, reject) => {
          if (session === null || sid === undefined) return reject(new Error('no session'));
          // Read from the store: a connection whose session was ended meanwhile keeps it ended.
          writer.set(sid, session, (error) => (error ? reject(error) : resolve()), {
            onlyIfStored: true,
          });
        }),
      regenerate: () => Promise.reject(new Error('a connection cannot start a session')),
      end: async () => {
        session = null;
      },
    };
  }

  /** The session id a signed cookie value carries, or `undefined` when it is not signed by us. */
  private unsign(value: string): string | undefined {
    let signed = value;
    if (this.installation.installedMiddleware === 'express') {
      if (!signed.startsWith('s:')) return undefined;
      signed = signed.slice(2);
    }
    return verifySessionId(signed, this.settings.secrets)?.id;
  }
}
