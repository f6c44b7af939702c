import { randomBytes } from 'node:crypto';
import { unavailable } from '../core/dependency-call.js';
import { cookieTransport, type CookieTransport } from '../http/loopback.js';
import { SESSION_BINDING, STORE_FAILURE_KEY, type SessionBinding } from './session-binding.js';
import { VerifiedTokenCache } from '../jws/verified-token.cache.js';
import { signSessionId, verifySessionId, type VerifiedSessionId } from './session-cookie.js';
import { sessionHandle } from './session-record.js';
import type { SessionMiddlewareStore } from './session-middleware.store.js';
import type { SessionSettings } from './session-settings.js';
import type { StoredSession } from './session-store.js';

type Done = (error?: unknown) => void;

interface FastifyRequest {
  headers: Record<string, string | string[] | undefined>;
  protocol?: string;
  socket?: { remoteAddress?: string };
  cookies?: Record<string, string | undefined> | null;
  session?: object | null;
}
interface FastifyReply {
  setCookie(name: string, value: string, options: object): unknown;
  clearCookie(name: string, options: object): unknown;
}
/** The part of a Fastify instance the session layer uses. Internal. */
export interface FastifySessionHost {
  addHook(
    name: 'onRequest',
    hook: (request: FastifyRequest, reply: FastifyReply, done: Done) => void,
  ): unknown;
  addHook(
    name: 'onSend',
    hook: (request: FastifyRequest, reply: FastifyReply, payload: unknown, done: Done) => void,
  ): unknown;
  hasRequestDecorator(name: string): boolean;
  decorateRequest(name: string, value: unknown): unknown;
}

const STATE = Symbol('gatehouse:fastify-session');

/** How many signed cookies the layer remembers as verified, as the JWT backend's token cache. */
const VERIFIED_COOKIES = 10_000;

/** A cookie's verified id, and the id's public handle, computed once per cookie. */
interface VerifiedCookie extends VerifiedSessionId {
  readonly handle: string;
}

/**
 * `request.session` on Fastify: the session's data as its own fields (the login record under
 * `gatehouse`, and whatever the application keeps there), written to the store when the response
 * is sent if it changed. `sessionId`, `regenerate()`, `save()` and `destroy()` act on it as
 * @fastify/session's did.
 */
export class FastifySession {
  // Symbol-keyed, so neither JSON nor `Object.keys` sees it: it is never stored.
  private readonly [STATE]: FastifySessionState;

  constructor(state: FastifySessionState) {
    this[STATE] = state;
  }

  /** The session's id (a bearer credential: never log it). */
  get sessionId(): string {
    return this[STATE].currentId();
  }

  /** Replaces the session with a new, empty one under a new id; the old id is destroyed. */
  regenerate(): Promise<void> {
    return this[STATE].regenerate();
  }

  /** Writes the session to the store now. */
  save(): Promise<void> {
    return this[STATE].save();
  }

  /** Ends the session: destroyed in the store, and the browser told to drop the cookie. */
  async destroy(): Promise<void> {
    const state = this[STATE];
    await state.destroyStored();
    await state.end();
  }
}

/**
 * The library's own session layer on Fastify, in place of @fastify/session: per request it
 * verifies the signed cookie, reads the session once, and at the end writes it only when it
 * changed and sends `Set-Cookie` only when the id changed. @fastify/session also rebuilt its
 * session and cookie objects, signed the id again and hashed the session twice on every request,
 * which cost more than the whole authentication. Cookies and stored sessions keep its format, so
 * sessions survive the switch. @fastify/cookie still parses and writes the cookies.
 */
export function installFastifySessions(
  fastify: FastifySessionHost,
  settings: SessionSettings,
  store: SessionMiddlewareStore,
): void {
  const attributes = {
    path: '/',
    httpOnly: true,
    secure: settings.secure,
    sameSite: settings.sameSite,
  } as const;
  // A returning cookie skips the HMAC (and the handle's hash): only the exact same bytes hit, and
  // the store is still read on every request, so a logout or revocation takes effect at once.
  const verified = new VerifiedTokenCache<VerifiedCookie>(VERIFIED_COOKIES);
  const verify = (cookie: string): VerifiedCookie | undefined => {
    let entry = verified.get(cookie);
    if (entry === undefined) {
      const checked = verifySessionId(cookie, settings.secrets);
      if (checked === undefined) return undefined;
      entry = { ...checked, handle: sessionHandle(checked.id) };
      verified.set(cookie, entry);
    }
    return entry;
  };
  const layer: SessionLayer = { settings, store, attributes };
  if (!fastify.hasRequestDecorator('session')) fastify.decorateRequest('session', null);
  fastify.addHook('onRequest', (request, _reply, done) => {
    const state = new FastifySessionState(layer, request);
    (request as { [SESSION_BINDING]?: SessionBinding })[SESSION_BINDING] = state;
    const cookie = state.cookie === undefined ? undefined : verify(state.cookie);
    if (cookie === undefined) {
      state.startEmpty();
      done();
      return;
    }
    store
      .read(cookie.id)
      .then((stored) => state.restore(cookie, stored))
      .then(() => done(), done);
  });
  fastify.addHook('onSend', (request, reply, _payload, done) => {
    const state = (request as { [SESSION_BINDING]?: unknown })[SESSION_BINDING];
    if (!(state instanceof FastifySessionState)) {
      done();
      return;
    }
    // A store that cannot save is a 503 with the generic body (the store's message never reaches
    // the client); the error response passes through here again, and `finish` runs only once.
    state.finish(reply).then(
      () => done(),
      // The bridge's `write` has logged the store's error already.
      (error: unknown) =>
        done(unavailable(error, 'SESSION_STORE_UNAVAILABLE', 'the session could not be saved')),
    );
  });
}

interface SessionLayer {
  readonly settings: SessionSettings;
  readonly store: SessionMiddlewareStore;
  readonly attributes: object;
}

/** One request's session, and its {@link SessionBinding}. */
class FastifySessionState implements SessionBinding {
  /** The raw cookie value, as @fastify/cookie parsed it. */
  readonly cookie: string | undefined;
  private data: FastifySession | StoredSession | null = null;
  /** The id of the session object now on the request; made when first needed. */
  private sid: string | undefined;
  /** The id the cookie carried, verified and found in the store. */
  private loadedId: string | undefined;
  private loadedHandle: string | undefined;
  /** The data as last read or written, to tell at the end whether it changed. */
  private snapshot = '{}';
  /** Written during this request: the cookie must carry its id. */
  private saved = false;
  /** The cookie was signed with an older secret. */
  private stale = false;
  private failed = false;
  /** `finish` ran: the error response of a failed save passes through `onSend` again. */
  private finished = false;
  private arrivedBy: CookieTransport | undefined;

  constructor(
    private readonly layer: SessionLayer,
    private readonly request: FastifyRequest,
  ) {
    const cookie = request.cookies?.[layer.settings.cookieName];
    this.cookie = typeof cookie === 'string' ? cookie : undefined;
  }

  get hadCookie(): boolean {
    return this.cookie !== undefined;
  }

  /** Read when first asked: the request's transport does not change while it runs. */
  get transport(): CookieTransport {
    // The Secure cookie is sent whatever the transport; browsers keep it from HTTPS and
    // loopback only.
    this.arrivedBy ??= cookieTransport(
      this.request.protocol === 'https',
      this.request.headers,
      this.request.socket?.remoteAddress,
    );
    return this.arrivedBy;
  }

  startEmpty(): void {
    this.attach(new FastifySession(this));
  }

  restore(cookie: VerifiedCookie, stored: StoredSession | null): void {
    if (stored === null) {
      this.startEmpty();
      return;
    }
    if (STORE_FAILURE_KEY in stored) {
      // The backend answers 503 on it; nothing is written or cleared at the end.
      this.failed = true;
      this.attach(stored);
      return;
    }
    const session = new FastifySession(this) as FastifySession & StoredSession;
    for (const key of Object.keys(stored)) {
      // `cookie`: written by @fastify/session before, its cookie settings, not session data.
      // An own `__proto__` (JSON.parse makes one) would replace the object's prototype.
      if (key !== 'cookie' && key !== '__proto__' && !(key in FastifySession.prototype)) {
        session[key] = stored[key];
      }
    }
    this.sid = cookie.id;
    this.loadedId = cookie.id;
    this.loadedHandle = cookie.handle;
    this.stale = cookie.stale;
    this.snapshot = JSON.stringify(session);
    this.attach(session);
  }

  session(): Record<string, unknown> | null {
    return this.data as Record<string, unknown> | null;
  }

  id(): string | undefined {
    return this.sid;
  }

  handle(): string | undefined {
    return this.sid !== undefined && this.sid === this.loadedId ? this.loadedHandle : undefined;
  }

  currentId(): string {
    this.sid ??= newSessionId();
    return this.sid;
  }

  async regenerate(): Promise<void> {
    await this.destroyStored();
    this.sid = newSessionId();
    this.saved = false;
    this.snapshot = '{}';
    this.attach(new FastifySession(this));
  }

  async save(): Promise<void> {
    if (this.data === null || this.failed) throw new Error('no session to save');
    const json = JSON.stringify(this.data);
    const sid = this.currentId();
    // The session the cookie carried is only updated: a logout that ended it while this request
    // ran stays in force. A session new in this request is created.
    await this.layer.store.write(sid, JSON.parse(json) as StoredSession, {
      onlyIfStored: sid === this.loadedId,
    });
    this.snapshot = json;
    this.saved = json !== '{}';
  }

  /** The request continues with a new, empty session, and the response clears the cookie. */
  async end(): Promise<void> {
    this.sid = undefined;
    this.saved = false;
    this.snapshot = '{}';
    this.attach(new FastifySession(this));
  }

  /**
   * Forgets what this request has in the store: the session the cookie carried, and one it
   * wrote under a new id (a login earlier in the request), so a second `regenerate` or a
   * `destroy` after a login leaves nothing behind.
   */
  async destroyStored(): Promise<void> {
    if (this.loadedId !== undefined) await this.layer.store.write(this.loadedId, {});
    if (this.saved && this.sid !== undefined && this.sid !== this.loadedId) {
      await this.layer.store.write(this.sid, {});
    }
    this.loadedId = undefined;
    this.saved = false;
  }

  /** At `onSend`: writes a changed session, and sets or clears the cookie as the id changed. */
  async finish(reply: FastifyReply): Promise<void> {
    if (this.finished || this.failed || this.data === null) return;
    this.finished = true;
    if (JSON.stringify(this.data) !== this.snapshot) await this.save();
    const { cookieName, secrets } = this.layer.settings;
    const live =
      this.saved ||
      (this.loadedId !== undefined && this.sid === this.loadedId && this.snapshot !== '{}');
    if (live) {
      if (this.sid !== this.loadedId || this.stale) {
        reply.setCookie(cookieName, signSessionId(this.sid!, secrets[0]!), this.layer.attributes);
      }
    } else if (this.cookie !== undefined) {
      // A cookie that carries no stored session (tampered, unknown, ended or emptied) is dropped.
      reply.clearCookie(cookieName, this.layer.attributes);
    }
  }

  private attach(data: FastifySession | StoredSession): void {
    this.data = data;
    this.request.session = data;
  }
}

/** 256 random bits, as on Express. */
export function newSessionId(): string {
  return randomBytes(32).toString('base64url');
}
